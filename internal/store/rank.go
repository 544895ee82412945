package store

import (
	"context"
	"database/sql"
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
	ID                            int64
	FirstName, LastName, SortName string
	rank                          int
}

// searchHits reads what ranking needs of the organisation's people who
// match a search and pass the page's filters, when the matches are few.
// First it counts the matches, up to most+1, inside the database (n: more
// than most are too many to rank, and no hits are read); then it reads
// the hits, the filters applied with the match, in one statement. (It
// replaced reading every match's id, then every match's row by id, which
// read each row twice and handed every id through the driver.) ok is
// false where the index alone cannot decide a match, an email address or
// on SQLite a word longer than the index keeps: matchIDs then finds the
// matches and listRanked reads them.
//
// On SQLite the matches of every organisation are counted first, in the
// full-text index alone: when they are few, so are the organisation's,
// and the hits are read at once; in a file of one organisation they are
// the organisation's. Only a search that many people of a file of several
// organisations match is counted again within the organisation, which
// looks each match up in the organisation's (org_id, id) index. On a server of
// one brokerage that lookup was the count's whole cost and half a cold
// search's page reads (a full name at a million people: about 150 index
// pages, then the same people's 150 rows), for an answer the index alone
// gave. Which organisations the first count saw decides nothing but
// whether the second is needed: both paths give the same hits.
func (db *DB) searchHits(ctx context.Context, act rapport.Actor, f PeopleFilter, search searchQuery, most int) (hits []rankedHit, n int, ok bool, err error) {
	if search.email != "" {
		return nil, 0, false, nil
	}
	// from is where the matches are counted, rowFrom where their rows are
	// read; match writes the match with b's placeholders.
	from, rowFrom := " FROM people AS person", " FROM people AS person"
	var match func(b *bound) string
	if db.dialect == Postgres {
		match = func(b *bound) string {
			return "person.search_tsv @@ to_tsquery('simple', " + string(b.v(tsQuery(search.tokens))) + ")"
		}
	} else {
		fq, long := ftsQuery(search.tokens)
		if len(long) > 0 {
			return nil, 0, false, nil
		}
		// The index's matches lead, whatever the filters: SQLite would
		// otherwise walk a filter's index (every recruit of the
		// organisation, say) and ask the index about each. Both the count
		// within the organisation and the hits look each match up in
		// people_rank, which holds the names and the usual filters: a
		// row's columns cost a walk of its record's header, about 3 µs a
		// match (a filter it lacks is read from the row, as before).
		from = " FROM people_fts f CROSS JOIN people AS person INDEXED BY people_rank ON person.id = f.rowid"
		rowFrom = from
		match = func(b *bound) string { return "people_fts MATCH " + string(b.v(fq)) }
	}
	// countOwn counts the organisation's matches.
	countOwn := func() (int, error) {
		b := &bound{}
		counted, err := column[int](db.queryBound(ctx, "SELECT count(*) FROM (SELECT 1"+from+" WHERE "+match(b)+" AND person.org_id = "+string(b.v(act.Org))+
			" LIMIT "+string(b.v(most+1))+") AS m", b))
		if err != nil || len(counted) == 0 {
			return 0, err
		}
		return counted[0], nil
	}
	if db.dialect == Postgres {
		n, err = countOwn()
	} else {
		// With whether the file holds another organisation: in a file of
		// one, its matches are all of them (every person belongs to an
		// organisation that exists).
		b := &bound{}
		var others bool
		org := b.v(act.Org)
		rows, qerr := db.queryBound(ctx, "SELECT count(*), EXISTS (SELECT 1 FROM orgs WHERE id < "+string(org)+") OR EXISTS (SELECT 1 FROM orgs WHERE id > "+string(org)+
			") FROM (SELECT 1 FROM people_fts f WHERE "+match(b)+" LIMIT "+string(b.v(most+1))+") AS m", b)
		if err = scanRow(rows, qerr, &n, &others); err == nil && n > most && others {
			n, err = countOwn()
		}
	}
	if err != nil || n == 0 || n > most {
		return nil, n, true, err
	}
	b := &bound{}
	rows, err := db.queryBound(ctx, "SELECT person.id, person.first_name, person.last_name, person.sort_name"+rowFrom+
		" WHERE "+match(b)+" AND "+db.filterExpr(act, f, b)+" LIMIT "+string(b.v(most+1)), b)
	if err != nil {
		return nil, 0, true, err
	}
	// (Bounded as the count was: people added since may pass it.)
	hits, err = scanHits(rows, n)
	return hits, n, true, err
}

// scanHits reads rows of a ranked search's hits (the ranking columns) and
// closes them; n is about how many there are.
func scanHits(rows *sql.Rows, n int) ([]rankedHit, error) {
	defer rows.Close()
	hits := make([]rankedHit, 0, n)
	var h rankedHit // one for every row: Scan's pointers move it to the heap
	for rows.Next() {
		if err := rows.Scan(&h.ID, &h.FirstName, &h.LastName, &h.SortName); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return hits, rows.Close()
}

// listRanked is rankedPage for the few people (ids) a search found that
// searchHits could not read (see matchIDs), read by id.
func (db *DB) listRanked(ctx context.Context, act rapport.Actor, f PeopleFilter, search searchQuery, ids []int64, cur cursor, limit int) (*PeoplePage, error) {
	if len(ids) == 0 {
		return db.rankedPage(ctx, act, f, search, nil, cur, limit)
	}
	// What ranking needs of those the filters pass: one statement text
	// per set of filters, prepared once, its rows scanned by hand.
	b := &bound{}
	q := db.filteredBy(db.ro.NewSelect().Model((*rapport.Person)(nil)).ModelTableExpr(db.byIDTable()).
		ColumnExpr("person.id, person.first_name, person.last_name, person.sort_name").
		Where(anyID(db.ro, "person.id"), b.v(idList(ids))), act, f, b)
	rows, err := db.queryBound(ctx, q.String(), b)
	if err != nil {
		return nil, err
	}
	hits, err := scanHits(rows, len(ids))
	if err != nil {
		return nil, err
	}
	return db.rankedPage(ctx, act, f, search, hits, cur, limit)
}

// rankedPage is the page of a search's hits (those the filters pass, of
// few matches), best name match first, counted; a page continues from an
// offset.
func (db *DB) rankedPage(ctx context.Context, act rapport.Actor, f PeopleFilter, search searchQuery, hits []rankedHit, cur cursor, limit int) (*PeoplePage, error) {
	if cur.set && !cur.ranked {
		return nil, invalidField("cursor", "This page link has expired; start from the first page.")
	}
	page := &PeoplePage{Counted: true}
	if len(hits) == 0 {
		return page, nil
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
	putInOrder(people, ids)
	return people, nil
}

// putInOrder puts people (each of whose ids is among ids, once) in the
// order of ids, in place: each moved once, rather than copied into a new
// list (a person is 800 bytes; a page of fifty, 40 kB a search).
func putInOrder(people []rapport.Person, ids []int64) {
	slot := make(map[int64]int, len(ids))
	for i, id := range ids {
		slot[id] = i
	}
	// dest[i] is where people[i] goes: its rank among those present.
	at := make([]int, len(ids))
	for i := range at {
		at[i] = -1
	}
	for i := range people {
		at[slot[people[i].ID]] = i
	}
	dest := make([]int, len(people))
	n := 0
	for _, i := range at {
		if i >= 0 {
			dest[i] = n
			n++
		}
	}
	for i := range people {
		for dest[i] != i {
			j := dest[i]
			people[i], people[j] = people[j], people[i]
			dest[i], dest[j] = dest[j], dest[i]
		}
	}
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
