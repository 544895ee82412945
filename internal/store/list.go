package store

import (
	"context"
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// PeopleFilter narrows the people list.
type PeopleFilter struct {
	Query   string
	Kind    rapport.Kind
	StageID int64
	OwnerID int64
	// ReferredByID lists the people someone referred.
	ReferredByID int64
	Tag          string
	Archived     bool
	// Unknown keeps those with no fact of this type ("motivation unknown");
	// MinUnits those with at least this many units in 12 months;
	// QuietDays those with no live conversation in this many days.
	Unknown   rapport.FactType
	MinUnits  int
	QuietDays int
	// Sort is "name" (the default), "-created" (newest first) or
	// "created" (oldest first, not with a search).
	Sort string
	// Limit is the page size (default 50, at most 200); Cursor continues
	// from the previous page's Next.
	Limit  int
	Cursor string
	// NoTags leaves the people's tags unread: for a list that does not
	// show them (the people page), one statement fewer a page.
	NoTags bool
	// Brief reads only the columns a list's row shows (briefColumns),
	// leaving the rest of each person at its zero value: of their phones
	// and emails, the first of each (FirstPhone, FirstEmail), kept on
	// their row, so that a brief page reads neither table.
	Brief bool
}

// PeoplePage is one page of the people list. Next is empty on the last page.
type PeoplePage struct {
	People []rapport.Person
	Next   string
	// Newest is set when a search matched so many people that they are
	// listed newest first rather than by name (see ListPeople).
	Newest bool
	// Counted is set when Total is how many people the search matched
	// (a search that matched few: they are ranked, see listRanked).
	Counted bool
	Total   int
}

// maxNarrow is the most ids a selective filter (a search, a tag) hands to
// the name-ordered list. Up to it, the matches are fetched and sorted by
// name; beyond it, sorting them all would cost more than the page is worth.
var maxNarrow = 1000

// newestBatch is how many matching ids a newest-first page reads at a time.
const newestBatch = 1000

// ListPeople lists the organisation's people, one page at a time.
//
// Without a search, people come by name and a page continues from a cursor
// (the last name and id seen), so page 1000 costs what page 1 costs; each
// filter has an index that keeps that order. A search (or a tag) first
// collects the ids it matches: up to maxNarrow of them are listed by name
// in the same way. A search that matches more — "com", a first name in a
// book of a million — lists its matches newest first instead, read
// straight from the full-text index in id order, so no page ever sorts
// more than maxNarrow rows. The page says which order it used.
func (db *DB) ListPeople(ctx context.Context, act rapport.Actor, f PeopleFilter) (*PeoplePage, error) {
	orgID := act.Org
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	cur, err := decodeCursor(f.Cursor)
	if err != nil {
		return nil, invalidField("cursor", "This page link has expired; start from the first page.")
	}
	search := parseSearch(f.Query)
	switch f.Sort {
	case "", "name":
	case "-created", "created":
		if cur.set && !cur.byID {
			return nil, invalidField("cursor", "This page link has expired; start from the first page.")
		}
		if !search.empty() {
			if f.Sort == "created" {
				return nil, invalidField("sort", "A search lists by name or newest first; use sort=name or sort=-created.")
			}
			before := int64(math.MaxInt64)
			if cur.set {
				before = cur.id
			}
			return db.listNewest(ctx, act, f, search, before, limit)
		}
		return db.listByID(ctx, act, f, cur, limit)
	default:
		return nil, invalidField("sort", "Sort by name, created or -created.")
	}
	var ids []int64
	narrowed := false
	if !search.empty() {
		if cur.byID {
			return db.listNewest(ctx, act, f, search, cur.id, limit)
		}
		// The matches counted; when few, what ranking needs of those the
		// filters pass.
		hits, n, ok, err := db.searchHits(ctx, act, f, search, maxNarrow)
		if err != nil {
			return nil, err
		}
		if ok {
			if n > maxNarrow {
				if cur.set {
					return nil, invalidField("cursor", "This page link has expired; start from the first page.")
				}
				return db.listNewest(ctx, act, f, search, math.MaxInt64, limit)
			}
			return db.rankedPage(ctx, act, f, search, hits, cur, limit)
		}
		found, err := db.matchIDs(ctx, orgID, search, maxNarrow)
		if err != nil {
			return nil, err
		}
		if len(found) > maxNarrow {
			if cur.set {
				// A name-ordered page of a search that has since grown.
				return nil, invalidField("cursor", "This page link has expired; start from the first page.")
			}
			return db.listNewest(ctx, act, f, search, math.MaxInt64, limit)
		}
		// Few matches: best name match first, all of them counted.
		return db.listRanked(ctx, act, f, search, found, cur, limit)
	} else {
		// A rare tag or stage is fetched through its own index and sorted;
		// a common one is cheaper found by walking the name index.
		var q *bun.SelectQuery
		switch tag := normTag(f.Tag); {
		case tag != "":
			q = db.ro.NewSelect().Table("person_tags").Column("person_id").Where("org_id = ? AND lower(tag) = lower(?)", orgID, tag)
		case f.StageID != 0 && !f.Archived:
			q = db.ro.NewSelect().Table("people").Column("id").Where("org_id = ? AND stage_id = ? AND archived_at IS NULL", orgID, f.StageID)
		}
		if q != nil {
			var found []int64
			if err := q.Limit(int64(maxNarrow+1)).Scan(ctx, &found); err != nil {
				return nil, err
			}
			if len(found) <= maxNarrow {
				ids, narrowed = found, true
			}
		}
	}
	if narrowed && len(ids) == 0 {
		return &PeoplePage{}, nil
	}

	var people []rapport.Person
	if narrowed {
		people = make([]rapport.Person, 0, min(limit+1, len(ids)))
	}
	q := db.filtered(f.columns(db.ro.NewSelect().Model(&people)), act, f)
	if narrowed {
		// Fetch the few matches by id and sort them, rather than walk the
		// name index past everyone else.
		db.whereAnyID(q.ModelTableExpr(db.byIDTable()), "person.id", ids)
	}
	order := "person.sort_name, person.id"
	if narrowed {
		order = db.byIDNameOrder()
	}
	if cur.set {
		q.Where("(person.sort_name, person.id) > (?, ?)", cur.name, cur.id)
	}
	if err := q.OrderExpr(order).Limit(int64(limit + 1)).Scan(ctx); err != nil {
		return nil, err
	}
	page := &PeoplePage{People: people}
	if len(people) > limit {
		page.People = people[:limit]
		last := page.People[limit-1]
		page.Next = cursor{set: true, name: last.SortName, id: last.ID}.encode()
	}
	return page, db.pageDetails(ctx, orgID, f, page.People)
}

// briefColumns are what a list's row shows of a person, with what paging
// and filtering read (Brief).
var briefColumns = []string{"id", "org_id", "first_name", "last_name", "sort_name", "kind", "stage_id",
	"owner_id", "do_not_call", "units_12m", "volume_12m", "first_phone", "first_email"}

// pageDetails reads what a page of people holds besides their rows: their
// phones and emails (but on a brief page) and their tags (unless NoTags).
func (db *DB) pageDetails(ctx context.Context, orgID int64, f PeopleFilter, people []rapport.Person) error {
	if !f.Brief {
		return db.loadDetailsOf(ctx, db.ro, orgID, people, !f.NoTags)
	}
	if f.NoTags || len(people) == 0 {
		return nil
	}
	return db.loadTagsOf(ctx, db.ro, orgID, people)
}

// columns picks the columns a page of people reads: all but the search
// document, or briefColumns.
func (f PeopleFilter) columns(q *bun.SelectQuery) *bun.SelectQuery {
	if f.Brief {
		return q.Column(briefColumns...)
	}
	return q.ExcludeColumn("search_doc")
}

// filtered adds the filters other than the search to a query on people.
func (db *DB) filtered(q *bun.SelectQuery, act rapport.Actor, f PeopleFilter) *bun.SelectQuery {
	return db.filteredBy(q, act, f, nil)
}

// filteredBy is filtered with the values as b's placeholders (b nil:
// written into the text).
func (db *DB) filteredBy(q *bun.SelectQuery, act rapport.Actor, f PeopleFilter, b *bound) *bun.SelectQuery {
	db.filters(act, f, b, func(cond string, args ...any) { q.Where(cond, args...) })
	return q
}

// filterExpr is the filters as one condition, their values b's
// placeholders: whether a person read for something else passes them.
func (db *DB) filterExpr(act rapport.Actor, f PeopleFilter, b *bound) string {
	var conds []string
	db.filters(act, f, b, func(cond string, args ...any) {
		parts := strings.Split(cond, "?")
		if len(parts) != len(args)+1 {
			panic("store: a filter's condition has a ? that is not its value's: " + cond)
		}
		var c strings.Builder
		c.WriteByte('(')
		for i, part := range parts {
			c.WriteString(part)
			if i < len(args) {
				c.WriteString(string(args[i].(bun.Safe)))
			}
		}
		c.WriteByte(')')
		conds = append(conds, c.String())
	})
	return strings.Join(conds, " AND ")
}

// filters hands each condition of the filters to where, with its values
// (b nil: the values themselves, for bun to write into the text).
func (db *DB) filters(act rapport.Actor, f PeopleFilter, b *bound, where func(cond string, args ...any)) {
	v := func(x any) any {
		if b == nil {
			return x
		}
		return b.v(x)
	}
	where("person.org_id = ?", v(act.Org))
	if f.Archived {
		where("person.archived_at IS NOT NULL")
	} else {
		where("person.archived_at IS NULL")
	}
	if f.Kind != "" {
		where("person.kind = ?", v(f.Kind))
	}
	if f.StageID != 0 {
		where("person.stage_id = ?", v(f.StageID))
	}
	if f.OwnerID != 0 {
		where("person.owner_id = ?", v(f.OwnerID))
	}
	if act.Only != 0 {
		where("person.owner_id = ?", v(act.Only))
	}
	if f.ReferredByID != 0 {
		where("person.referred_by_id = ?", v(f.ReferredByID))
	}
	if f.Unknown != "" {
		where("NOT EXISTS (SELECT 1 FROM facts fa WHERE fa.org_id = person.org_id AND fa.person_id = person.id AND fa.type = ?)", v(f.Unknown))
	}
	if f.MinUnits > 0 {
		where("person.units_12m >= ?", v(f.MinUnits))
	}
	if f.QuietDays > 0 {
		where("(person.last_live_at IS NULL OR person.last_live_at < ?)", v(db.now().UTC().AddDate(0, 0, -f.QuietDays)))
	}
	if tag := normTag(f.Tag); tag != "" {
		where("EXISTS (SELECT 1 FROM person_tags t WHERE t.org_id = person.org_id AND t.person_id = person.id AND lower(t.tag) = lower(?))", v(tag))
	}
}

// normTag folds a tag filter's spaces. Tags are matched without regard to
// case, by the database's lower() on both sides (so that the index on
// lower(tag) serves it): a lead source's "VIP" is found by "vip".
func normTag(t string) string { return strings.ToLower(strings.Join(strings.Fields(t), " ")) }

// listNewest pages through a broad search newest first: it reads matching
// ids from the index in batches below the cursor and keeps those that pass
// the other filters, until the page is full or the matches run out.
func (db *DB) listNewest(ctx context.Context, act rapport.Actor, f PeopleFilter, search searchQuery, before int64, limit int) (*PeoplePage, error) {
	orgID := act.Org
	page := &PeoplePage{Newest: true}
	exhausted := false
	// The first batch is about what the page needs; when the other filters
	// pass few of the matches, later ones grow.
	batch := min(2*(limit+1), newestBatch)
	for batches := 0; len(page.People) <= limit && batches < 20; batches++ {
		ids, err := db.searchNewest(ctx, orgID, search, before, batch)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			exhausted = true
			break
		}
		before = ids[len(ids)-1]
		people := make([]rapport.Person, 0, min(limit+1-len(page.People), len(ids)))
		q := db.filtered(f.columns(db.ro.NewSelect().Model(&people)), act, f).ModelTableExpr(db.byIDTable())
		if err := db.whereAnyID(q, "person.id", ids).OrderExpr("person.id DESC").
			Limit(int64(limit + 1 - len(page.People))).Scan(ctx); err != nil {
			return nil, err
		}
		if page.People == nil && len(people) > 0 {
			page.People = people // the first batch: most pages need no other
		} else {
			page.People = append(page.People, people...)
		}
		if len(ids) < batch {
			exhausted = true
			break
		}
		batch = min(2*batch, newestBatch)
	}
	switch {
	case len(page.People) > limit:
		page.People = page.People[:limit]
		page.Next = cursor{set: true, byID: true, id: page.People[limit-1].ID}.encode()
	case !exhausted:
		// The other filters passed few of the matches read so far; the
		// next page carries on below the last one read.
		page.Next = cursor{set: true, byID: true, id: before}.encode()
	}
	return page, db.pageDetails(ctx, orgID, f, page.People)
}

// listByID pages through people in the order they were added, newest
// first (Sort "-created") or oldest first ("created").
func (db *DB) listByID(ctx context.Context, act rapport.Actor, f PeopleFilter, cur cursor, limit int) (*PeoplePage, error) {
	orgID := act.Org
	var people []rapport.Person
	q := db.filtered(f.columns(db.ro.NewSelect().Model(&people)), act, f)
	newest := f.Sort == "-created"
	if cur.set {
		if newest {
			q.Where("person.id < ?", cur.id)
		} else {
			q.Where("person.id > ?", cur.id)
		}
	}
	order := "person.id"
	if newest {
		order = "person.id DESC"
	}
	if err := q.OrderExpr(order).Limit(int64(limit + 1)).Scan(ctx); err != nil {
		return nil, err
	}
	page := &PeoplePage{People: people, Newest: newest}
	if len(people) > limit {
		page.People = people[:limit]
		page.Next = cursor{set: true, byID: true, id: page.People[limit-1].ID}.encode()
	}
	return page, db.pageDetails(ctx, orgID, f, page.People)
}

// cursor is where a page of the people list continues: after a name and
// id, or (for lists in the order people were added) beyond an id.
type cursor struct {
	set  bool
	byID bool
	name string
	id   int64
	// ranked pages continue from an offset in the ranked matches.
	ranked bool
	offset int
}

func (c cursor) encode() string {
	if c.ranked {
		return "o" + strconv.Itoa(c.offset)
	}
	if c.byID {
		return "r" + strconv.FormatInt(c.id, 10)
	}
	return "n" + base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(c.id, 10)+":"+c.name))
}

func decodeCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	bad := rapport.Errorf(rapport.EINVALID, "bad cursor")
	if c, ok := rankedCursor(s); ok {
		return c, nil
	}
	switch s[0] {
	case 'r':
		id, err := strconv.ParseInt(s[1:], 10, 64)
		if err != nil || id <= 0 {
			return cursor{}, bad
		}
		return cursor{set: true, byID: true, id: id}, nil
	case 'n':
		b, err := base64.RawURLEncoding.DecodeString(s[1:])
		if err != nil {
			return cursor{}, bad
		}
		idStr, name, ok := strings.Cut(string(b), ":")
		id, err := strconv.ParseInt(idStr, 10, 64)
		if !ok || err != nil {
			return cursor{}, bad
		}
		return cursor{set: true, name: name, id: id}, nil
	}
	return cursor{}, bad
}

// FindPeople returns up to limit people the actor sees whose name or
// details match q, for pickers such as "referred by".
func (db *DB) FindPeople(ctx context.Context, act rapport.Actor, q string, limit int) ([]rapport.Person, error) {
	page, err := db.ListPeople(ctx, act, PeopleFilter{Query: q, Limit: limit})
	if err != nil {
		return nil, err
	}
	return page.People, nil
}
