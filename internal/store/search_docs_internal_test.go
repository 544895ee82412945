package store

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// searchDocsFixture is an organisation on SQLite with an agent, for the
// tests of where search documents are kept.
func searchDocsFixture(t *testing.T) (*DB, rapport.Actor) {
	t.Helper()
	ctx := t.Context()
	at := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	db := newPlanDB(t, func() time.Time { return at })
	org := &rapport.Org{Name: "Docs Realty", Slug: "docs", Region: "US", TZ: "America/Chicago"}
	owner := &rapport.User{Email: "owner@docs.test", Name: "Owner", Role: rapport.RoleOwner, PasswordHash: "-"}
	if err := db.CreateOrg(ctx, org, owner); err != nil {
		t.Fatal(err)
	}
	return db, rapport.Member(org, owner)
}

// rowDocs returns the search documents the people's rows hold, and those
// search_docs holds, by person.
func rowDocs(t *testing.T, db *DB) (inRows, apart map[int64]string) {
	t.Helper()
	ctx := t.Context()
	read := func(text string) map[int64]string {
		rows, err := db.rw.DB.QueryContext(ctx, text)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64]string{}
		for rows.Next() {
			var id int64
			var doc string
			if err := rows.Scan(&id, &doc); err != nil {
				t.Fatal(err)
			}
			out[id] = doc
		}
		return out
	}
	return read("SELECT id, search_doc FROM people WHERE search_doc <> ''"), read("SELECT id, search_doc FROM search_docs")
}

// found returns the names a search lists.
func found(t *testing.T, db *DB, act rapport.Actor, q string) string {
	t.Helper()
	page, err := db.ListPeople(t.Context(), act, PeopleFilter{Query: q})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range page.People {
		names = append(names, p.Name())
	}
	return strings.Join(names, ", ")
}

// TestSearchDocsApart: on SQLite a person's search document is kept in
// search_docs, not in their row (where, once it outgrew a page, it put
// every later column behind the row's overflow pages), through every
// write that makes or changes one: creating, logging a call with notes,
// a bulk import, a merge. Searches find what the documents say.
func TestSearchDocsApart(t *testing.T) {
	ctx := t.Context()
	db, act := searchDocsFixture(t)
	ana := &rapport.Person{FirstName: "Ana", LastName: "Ruiz", Kind: rapport.KindSphere, Phones: []rapport.Phone{{Number: "+13125550101"}}}
	bo := &rapport.Person{FirstName: "Bo", LastName: "Ruiz", Kind: rapport.KindSphere}
	for _, p := range []*rapport.Person{ana, bo} {
		if err := db.CreatePerson(ctx, act, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.LogConversation(ctx, act, &LogInput{Conversation: rapport.Conversation{PersonID: ana.ID, Channel: rapport.ChannelCall,
		Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeLive, Notes: "Wants a porch for the kayak"}, Loc: time.UTC}); err != nil {
		t.Fatal(err)
	}
	if err := db.BulkCreatePeople(ctx, act, []rapport.Person{{FirstName: "Cy", LastName: "Okafor", Kind: rapport.KindLead,
		Emails: []rapport.Email{{Address: "cy@okafor.example"}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.IndexBacklog(ctx); err != nil {
		t.Fatal(err)
	}
	inRows, apart := rowDocs(t, db)
	if len(inRows) != 0 {
		t.Errorf("documents in people's rows: %v", inRows)
	}
	if len(apart) != 3 || !strings.Contains(apart[ana.ID], "kayak") || !strings.Contains(apart[bo.ID], "bo") {
		t.Errorf("search_docs = %v", apart)
	}
	for q, want := range map[string]string{"kayak": "Ana Ruiz", "ruiz": "Ana Ruiz, Bo Ruiz", "okafor": "Cy Okafor", "5550101": "Ana Ruiz"} {
		if got := found(t, db, act, q); got != want {
			t.Errorf("search %q = %q, want %q", q, got, want)
		}
	}
	// Merged: the one dropped leaves neither document nor index entry;
	// the one kept is found by what either said.
	if _, err := db.MergePeople(ctx, act, ana.ID, bo.ID); err != nil {
		t.Fatal(err)
	}
	if _, apart = rowDocs(t, db); len(apart) != 2 || apart[bo.ID] != "" {
		t.Errorf("after the merge, search_docs = %v", apart)
	}
	if got := found(t, db, act, "kayak"); got != "Ana Ruiz" {
		t.Errorf("after the merge, kayak finds %q", got)
	}
	checkIndex(t, db)
}

// checkIndex fails t unless the index holds what search_docs holds, no
// more, no less (FTS5's check against its content table; with nothing
// waiting for the indexer).
func checkIndex(t *testing.T, db *DB) {
	t.Helper()
	if _, err := db.rw.ExecContext(t.Context(), "INSERT INTO people_fts (people_fts, rank) VALUES ('integrity-check', 1)"); err != nil {
		t.Errorf("index integrity: %v", err)
	}
}

// TestSearchDocsMigration: a file whose documents are in the people's
// rows (as before 20261207000004) comes out of the migration with them in
// search_docs, the rows' emptied, and everyone searchable again once the
// backlog is indexed.
func TestSearchDocsMigration(t *testing.T) {
	ctx := t.Context()
	db, act := searchDocsFixture(t)
	var ids []int64
	for _, name := range [][2]string{{"Dee", "Marsh"}, {"Eli", "Marsh"}, {"Fay", "Quill"}} {
		p := &rapport.Person{FirstName: name[0], LastName: name[1], Kind: rapport.KindSphere}
		if err := db.CreatePerson(ctx, act, p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	// Back to the layout before the migration.
	for _, q := range []string{
		"UPDATE people SET search_doc = (SELECT d.search_doc FROM search_docs d WHERE d.id = people.id)",
		"DROP TABLE people_fts",
		"DROP TABLE search_docs",
		`CREATE VIRTUAL TABLE people_fts USING fts5 (search_doc, content = 'people', content_rowid = 'id',
			tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6', detail = none)`,
		"INSERT INTO people_fts (people_fts) VALUES ('rebuild')",
		"DELETE FROM schema_migrations WHERE name = '20261207000004'",
	} {
		if _, err := db.rw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	inRows, apart := rowDocs(t, db)
	if len(inRows) != 0 || len(apart) != 3 {
		t.Fatalf("after the migration: in rows %v, apart %v", inRows, apart)
	}
	if n, err := db.SearchPending(ctx, act); err != nil || n != 3 {
		t.Errorf("pending after the migration: %d, %v", n, err)
	}
	// While the indexer has yet to come: the top id freed by a merge, and
	// people written in bulk, who are indexed at once. Their ids must not
	// be in a range the indexer will index again (found by review: the
	// index was corrupt).
	if _, err := db.MergePeople(ctx, act, ids[0], ids[2]); err != nil {
		t.Fatal(err)
	}
	if err := db.BulkCreatePeople(ctx, act, []rapport.Person{{FirstName: "Gus", LastName: "Marsh", Kind: rapport.KindLead}}); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := db.IndexBacklog(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if got := found(t, db, act, "marsh"); got != "Dee Marsh, Eli Marsh, Gus Marsh" {
		t.Errorf("marsh finds %q", got)
	}
	checkIndex(t, db)
}

// TestPersonReadsFindThePerson: the reads of one person's rows (their
// page's, their search document, rebuilt alone or with others in an
// import) go through the person's own index on a new database without
// statistics. A read ordered by id could otherwise walk every row of the
// organisation in the (org_id, id) key's order, filtering out everyone
// else's: an import that rebuilt 20,000 documents so took 48 s, not one.
func TestPersonReadsFindThePerson(t *testing.T) {
	ctx := t.Context()
	db, act := searchDocsFixture(t)
	p := &rapport.Person{FirstName: "Ana", LastName: "Ruiz", Kind: rapport.KindSphere, Phones: []rapport.Phone{{Number: "+13125550101"}},
		Emails: []rapport.Email{{Address: "ana@ruiz.test"}}, Tags: []string{"buyer"}}
	if err := db.CreatePerson(ctx, act, p); err != nil {
		t.Fatal(err)
	}
	var reads []sentRead
	db.sawQuery = func(text string, args []any) { reads = append(reads, sentRead{text, slices.Clone(args)}) }
	if err := db.AddFact(ctx, act, &rapport.Fact{PersonID: p.ID, Type: rapport.FactInterest, Text: "Kayaks"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LogConversation(ctx, act, &LogInput{Conversation: rapport.Conversation{PersonID: p.ID, Channel: rapport.ChannelCall,
		Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeLive, Notes: "Wants a porch"}, Loc: time.UTC}); err != nil {
		t.Fatal(err)
	}
	for _, read := range personPageReads(ctx, db, act, p) {
		if err := read(); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.tx(ctx, func(tx bun.Tx) error { return db.refreshSearches(ctx, tx, act.Org, []int64{p.ID}) }); err != nil {
		t.Fatal(err)
	}
	db.sawQuery = nil
	// An index whose key leads with the organisation alone (the unique
	// (org_id, id) ones, and any other) is the organisation's every row.
	orgWide := regexp.MustCompile(`USING (COVERING )?INDEX \w+ \(org_id=\?\)$`)
	scan := regexp.MustCompile(`^SCAN (\w+)`)
	seen := map[string]bool{}
	for _, r := range reads {
		if seen[r.text] || !strings.Contains(r.text, "person_id") {
			continue
		}
		seen[r.text] = true
		plan := explain(ctx, t, db, r.text, r.args)
		// A subquery's rows, already the person's, are scanned as they come.
		sub := subqueries(plan)
		for _, step := range plan {
			if m := scan.FindStringSubmatch(step); (m != nil && !sub[m[1]]) || orgWide.MatchString(step) {
				t.Errorf("%q walks more than the person's rows: %s", step, r.text)
			}
		}
	}
	if len(seen) < 5 {
		t.Errorf("only %d reads of a person's rows seen: %v", len(seen), slices.Collect(maps.Keys(seen)))
	}
}
