package store

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// A search that matches few people lists them by how well their name
// matches, then by name: someone called Rosa comes before a Jackson whose
// lead source is Rossmoor Realty when "ros" is typed.

// nameRank says how well a search's tokens match a person's name: 0 the
// whole name, 1 every token a whole word of the name, 2 every token the
// start of a word of the name, 3 some token the start of one, 4 none (the
// match was elsewhere: a lead source, a note, a fact, a number).
func nameRank(tokens []string, first, last string) int {
	if len(tokens) == 0 {
		return 4
	}
	words := strings.Fields(rapport.Fold(first + " " + last))
	if strings.Join(tokens, " ") == strings.Join(words, " ") {
		return 0
	}
	whole, starts := 0, 0
	for _, t := range tokens {
		w, s := false, false
		for _, word := range words {
			w = w || word == t
			s = s || strings.HasPrefix(word, t)
		}
		if w {
			whole++
		}
		if s {
			starts++
		}
	}
	switch {
	case whole == len(tokens):
		return 1
	case starts == len(tokens):
		return 2
	case starts > 0:
		return 3
	}
	return 4
}

// rankedHit is what ranking a match needs.
type rankedHit struct {
	ID        int64  `bun:"id"`
	FirstName string `bun:"first_name"`
	LastName  string `bun:"last_name"`
	SortName  string `bun:"sort_name"`
	rank      int
}

// listRanked is a page of a search's few matches (ids), best name match
// first; the page counts them all. A page continues from an offset.
func (db *DB) listRanked(ctx context.Context, act rapport.Actor, f PeopleFilter, search searchQuery, ids []int64, cur cursor, limit int) (*PeoplePage, error) {
	if cur.set && !cur.ranked {
		return nil, invalidField("cursor", "This page link has expired; start from the first page.")
	}
	page := &PeoplePage{Counted: true}
	if len(ids) == 0 {
		return page, nil
	}
	hits := make([]rankedHit, 0, len(ids))
	q := db.whereAnyID(db.filtered(db.ro.NewSelect().Model((*rapport.Person)(nil)), act, f).ModelTableExpr(db.byIDTable()).
		ColumnExpr("person.id, person.first_name, person.last_name, person.sort_name"), "person.id", ids)
	if err := q.Scan(ctx, &hits); err != nil {
		return nil, err
	}
	for i := range hits {
		hits[i].rank = nameRank(search.tokens, hits[i].FirstName, hits[i].LastName)
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.SortName != b.SortName {
			return a.SortName < b.SortName
		}
		return a.ID < b.ID
	})
	page.Total = len(hits)
	from := min(cur.offset, len(hits))
	to := min(from+limit, len(hits))
	if to < len(hits) {
		page.Next = cursor{set: true, ranked: true, offset: to}.encode()
	}
	want := make([]int64, 0, to-from)
	for _, h := range hits[from:to] {
		want = append(want, h.ID)
	}
	if len(want) == 0 {
		return page, nil
	}
	people, err := db.peopleInOrder(ctx, act, f, want)
	if err != nil {
		return nil, err
	}
	page.People = people
	return page, db.pageDetails(ctx, act.Org, f, page.People)
}

// peopleInOrder reads the organisation's people of ids (whole, or
// briefly), in that order. Someone deleted since the ids were found
// (merged into another, say) is left out rather than left blank.
func (db *DB) peopleInOrder(ctx context.Context, act rapport.Actor, f PeopleFilter, ids []int64) ([]rapport.Person, error) {
	people := make([]rapport.Person, 0, len(ids))
	read := readPeopleOf
	if f.Brief {
		read = readBriefOf
	}
	if err := db.readAll(ctx, db.ro, &people, read, act.Org, idList(ids)); err != nil {
		return nil, err
	}
	byID := make(map[int64]*rapport.Person, len(people))
	for i := range people {
		byID[people[i].ID] = &people[i]
	}
	out := make([]rapport.Person, 0, len(people))
	for _, id := range ids {
		if p := byID[id]; p != nil {
			out = append(out, *p)
		}
	}
	return out, nil
}

// rankedCursor reads the offset of a ranked search's page ("o12").
func rankedCursor(s string) (cursor, bool) {
	if len(s) < 2 || s[0] != 'o' {
		return cursor{}, false
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil || n < 0 {
		return cursor{}, false
	}
	return cursor{set: true, ranked: true, offset: n}, true
}
