package store_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// importRows makes n import rows, person i with email pI@list.test and a
// mobile number of its own.
func importRows(from, n int) []store.ImportRow {
	rows := make([]store.ImportRow, 0, n)
	for i := from; i < from+n; i++ {
		rows = append(rows, store.ImportRow{Line: i + 2, Person: rapport.Person{FirstName: "Person", LastName: fmt.Sprintf("Number%d", i),
			Kind: rapport.KindLead, Emails: []rapport.Email{{Address: fmt.Sprintf("p%d@list.test", i)}},
			Phones: []rapport.Phone{{Number: fmt.Sprintf("+1312555%04d", i), Label: "mobile"}}}})
	}
	return rows
}

// TestImportSession drives an import large enough to take the bulk path
// (indexes dropped and rebuilt, merges into people already written held
// back and applied in id order) and checks what it did, row by row, in
// the organisation and not in another.
func TestImportSession(t *testing.T) {
	defer store.SetBulkImport(100, 50)()
	each(t, func(t *testing.T, f *fixture) {
		other := newFixture(t, f.db, f.clock, "other")
		theirs := &rapport.Person{FirstName: "Not", LastName: "Yours", Kind: rapport.KindLead, Emails: []rapport.Email{{Address: "p5@list.test"}}}
		if err := f.db.CreatePerson(ctx, rapport.Member(other.org, other.owner), theirs); err != nil {
			t.Fatal(err)
		}
		known := f.person(t, rapport.Person{FirstName: "Kim", LastName: "Known", Kind: rapport.KindClient, Source: "Referral",
			Emails: []rapport.Email{{Address: "kim@known.test"}}})

		s, err := f.db.BeginImport(ctx, rapport.Member(f.org, f.owner), store.ImportOptions{OwnerID: f.agent.ID, Source: "Open house", Expected: 700})
		if err != nil {
			t.Fatal(err)
		}
		rows := importRows(0, 600)
		// Row 400 is person 10 again, with a second phone and a tag: a
		// merge into someone written several batches earlier.
		again := importRows(10, 1)[0]
		again.Person.Phones = append(again.Person.Phones, rapport.Phone{Number: "+17735550110", Label: "home"})
		again.Person.Tags = []string{"buyer"}
		rows[400] = again
		// Row 401 is Kim, with a phone (an update of someone already
		// there); row 402 is Kim again with nothing new.
		rows[401] = store.ImportRow{Line: 403, Person: rapport.Person{FirstName: "Kimberly", Kind: rapport.KindLead,
			Emails: []rapport.Email{{Address: "kim@known.test"}}, Phones: []rapport.Phone{{Number: "+13125559999", Label: "mobile"}}}}
		rows[402] = store.ImportRow{Line: 404, Person: rapport.Person{FirstName: "Kim", Kind: rapport.KindLead, Emails: []rapport.Email{{Address: "kim@known.test"}}}}
		// Row 403 has nothing to import.
		rows[403] = store.ImportRow{Line: 405, Person: rapport.Person{Kind: rapport.KindLead}}
		for lo := 0; lo < len(rows); lo += 100 {
			res, err := s.Add(rows[lo:min(lo+100, len(rows))])
			if err != nil {
				t.Fatal(err)
			}
			if lo == 400 && (res[0].Outcome != store.Merged || res[3].Outcome != store.Rejected || len(res[3].Notes) == 0) {
				t.Errorf("outcomes = %+v", res[:4])
			}
		}
		stats, err := s.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.ImportStats{Created: 596, Updated: 1, Merged: 2, Rejected: 1}); stats != want {
			t.Fatalf("stats = %+v, want %+v", stats, want)
		}
		wantWriterRestored(t, f.db)

		for n, err := f.db.IndexBacklog(ctx); n > 0 || err != nil; n, err = f.db.IndexBacklog(ctx) {
			if err != nil {
				t.Fatal(err)
			}
		}
		page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "p10@list.test"})
		if err != nil || len(page.People) != 1 {
			t.Fatalf("p10@list.test found %d (%v)", len(page.People), err)
		}
		p10 := page.People[0]
		if len(p10.Phones) != 2 || p10.Phones[1].Number != "+17735550110" || !slices.Equal(p10.Tags, []string{"buyer"}) ||
			p10.Source != "Open house" || p10.OwnerID != f.agent.ID {
			t.Errorf("person 10 = %+v", p10)
		}
		// The merged phone is searchable, and so is a number the person
		// had from the start.
		for _, q := range []string{"773 555 0110", "(312) 555-0599"} {
			if page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: q}); err != nil || len(page.People) != 1 {
				t.Errorf("search %q: %+v %v", q, page, err)
			}
		}
		kim, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, known.ID)
		if kim.FirstName != "Kim" || kim.Kind != rapport.KindClient || kim.Source != "Referral" || len(kim.Phones) != 1 || kim.Version != 2 {
			t.Errorf("kim = %+v", kim)
		}
		if got, _ := f.db.Person(ctx, rapport.Actor{Org: other.org.ID}, theirs.ID); got == nil || len(got.Phones) != 0 || got.FirstName != "Not" {
			t.Errorf("the other organisation's person = %+v", got)
		}
		groups, err := f.db.Duplicates(ctx, rapport.Actor{Org: f.org.ID}, 10)
		if err != nil || len(groups) != 0 {
			t.Errorf("duplicates after the import: %+v %v", groups, err)
		}

		// An import abandoned half way leaves nothing, its indexes
		// included, and the writer as it was.
		s, err = f.db.BeginImport(ctx, rapport.Member(f.org, f.owner), store.ImportOptions{Expected: 5000})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Add(importRows(1000, 300)); err != nil {
			t.Fatal(err)
		}
		s.Abort()
		if p, _ := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "p1000@list.test"}); len(p.People) != 0 {
			t.Errorf("an aborted import left %d people", len(p.People))
		}
		wantWriterRestored(t, f.db)
	})
}

// wantWriterRestored checks that an import, however it ended, left the
// write connection checking foreign keys and (SQLite) with its own settings
// and the indexes a large import drops all there.
func wantWriterRestored(t *testing.T, db *store.DB) {
	t.Helper()
	if on, err := db.WriterChecksForeignKeys(ctx); err != nil || !on {
		t.Errorf("foreign keys checked: %v %v", on, err)
	}
	if db.Dialect() == store.SQLite {
		var n int
		if err := db.RawScan(ctx, &n, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('people_name', 'people_name_key', 'emails_address', 'phones_number')"); err != nil || n != 4 {
			t.Errorf("%d of the 4 indexes a large import drops are there (%v)", n, err)
		}
		for name, want := range map[string]int64{"cache_size": -32000, "threads": 0, "temp_store": 0, "wal_autocheckpoint": 1000} {
			if got, err := db.WriterPragma(ctx, name); err != nil || got != want {
				t.Errorf("the writer's %s is %d (%v), want %d", name, got, err, want)
			}
		}
	}
}

// TestImportedFactsAreSearchable: the facts an import brings are in the
// search documents of the people they are about, whoever those are:
// someone new (merged with a later row before being written, or matched
// again by a row batches later, when they are written already), or
// someone already there, whether the row changes anything else of them
// or brings a fact alone; in a small import and in a bulk one (indexes
// rebuilt, merges applied while rows still come). On SQLite the index
// agrees with its content.
func TestImportedFactsAreSearchable(t *testing.T) {
	t.Run("small", func(t *testing.T) { each(t, importFacts) })
	t.Run("bulk", func(t *testing.T) {
		defer store.SetBulkImport(100, 3)()
		each(t, importFacts)
	})
}

func importFacts(t *testing.T, f *fixture) {
	act := rapport.Member(f.org, f.owner)
	f.person(t, rapport.Person{FirstName: "Quinn", LastName: "Quiet", Kind: rapport.KindSphere,
		Emails: []rapport.Email{{Address: "quinn@quiet.test"}}})
	busy := f.person(t, rapport.Person{FirstName: "Bea", LastName: "Busy", Kind: rapport.KindSphere,
		Emails: []rapport.Email{{Address: "bea@busy.test"}}})
	fact := func(typ rapport.FactType, text string) []rapport.Fact { return []rapport.Fact{{Type: typ, Text: text}} }

	rows := importRows(0, 600)
	rows[0].Facts = fact(rapport.FactInterest, "Sailing")
	// Row 1 is person 0 again before anyone is written.
	rows[1] = importRows(0, 1)[0]
	rows[1].Line = 3
	rows[1].Facts = fact(rapport.FactFamily, "Spouse: Marguerite")
	rows[2].Facts = fact(rapport.FactOther, "Job title: Cartographer")
	// Person 2 again, batches later, with a new phone and no fact: a
	// rewrite of someone written already keeps their fact.
	rows[400] = importRows(2, 1)[0]
	rows[400].Line = 402
	rows[400].Person.Phones = append(rows[400].Person.Phones, rapport.Phone{Number: "+17735550402", Label: "home"})
	// Person 0 again, batches later, with a fact alone.
	rows[401] = importRows(0, 1)[0]
	rows[401].Line = 403
	rows[401].Facts = fact(rapport.FactInterest, "Falconry")
	// People already there: one with a fact alone, one with a phone
	// and a fact.
	rows[402] = store.ImportRow{Line: 404, Person: rapport.Person{FirstName: "Quinn", Kind: rapport.KindSphere,
		Emails: []rapport.Email{{Address: "quinn@quiet.test"}}}, Facts: fact(rapport.FactInterest, "Beekeeping")}
	rows[403] = store.ImportRow{Line: 405, Person: rapport.Person{FirstName: "Bea", Kind: rapport.KindSphere,
		Emails: []rapport.Email{{Address: "bea@busy.test"}}, Phones: []rapport.Phone{{Number: "+13125550403", Label: "mobile"}}},
		Facts: fact(rapport.FactOther, "Job title: Harbourmaster")}

	s, err := f.db.BeginImport(ctx, act, store.ImportOptions{Expected: len(rows)})
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < len(rows); lo += 100 {
		if _, err := s.Add(rows[lo:min(lo+100, len(rows))]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Finish(); err != nil {
		t.Fatal(err)
	}
	for n, err := f.db.IndexBacklog(ctx); n > 0 || err != nil; n, err = f.db.IndexBacklog(ctx) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for q, want := range map[string]string{"sailing": "Person Number0", "marguerite": "Person Number0", "falconry": "Person Number0",
		"cartographer": "Person Number2", "773 555 0402": "Person Number2",
		"beekeeping": "Quinn Quiet", "harbourmaster": "Bea Busy", "312 555 0403": "Bea Busy"} {
		page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range page.People {
			names = append(names, p.Name())
		}
		if got := strings.Join(names, ", "); got != want {
			t.Errorf("search %q = %q, want %q", q, got, want)
		}
	}
	if got, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, busy.ID); got == nil || len(got.Phones) != 1 {
		t.Errorf("Bea = %+v", got)
	}
	if err := store.CheckSearchIndex(ctx, f.db); err != nil {
		t.Error(err)
	}
}

// TestImportAfterAMergeAtTheTop: people an import creates wait for the
// search indexer under a range of their own. When the top person of an
// earlier import, still waiting, is merged away, the next import must not
// hand out that id again: it would be in both ranges, indexed twice, and
// the index corrupt (found by review).
func TestImportAfterAMergeAtTheTop(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		act := rapport.Member(f.org, f.owner)
		importAll := func(rows []store.ImportRow) []store.RowResult {
			t.Helper()
			s, err := f.db.BeginImport(ctx, act, store.ImportOptions{Expected: len(rows)})
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Add(rows)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Finish(); err != nil {
				t.Fatal(err)
			}
			return res
		}
		first := importAll(importRows(0, 300))
		dropped := first[299].PersonID
		if _, err := f.db.MergePeople(ctx, act, first[298].PersonID, dropped); err != nil {
			t.Fatal(err)
		}
		second := importAll(importRows(1000, 5))
		for i, r := range second {
			if r.PersonID <= dropped {
				t.Errorf("row %d became person %d, not above %d (merged away, still waiting for the indexer)", i, r.PersonID, dropped)
			}
		}
		for n, err := f.db.IndexBacklog(ctx); n > 0 || err != nil; n, err = f.db.IndexBacklog(ctx) {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := store.CheckSearchIndex(ctx, f.db); err != nil {
			t.Error(err)
		}
		for _, q := range []string{"p1004@list.test", "Number298"} {
			page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: q})
			if err != nil || len(page.People) != 1 {
				t.Errorf("search %q found %d (%v)", q, len(page.People), err)
			}
		}
	})
}

// TestSearchDocsRebuiltTogether: the documents an import rebuilds for
// many people at once (refreshSearches) are those each person's own
// rebuild makes (refreshSearch): their fields, phones, emails and tags,
// their facts in order, the notes of their last hundred conversations and
// what their last twenty events said, newest first.
func TestSearchDocsRebuiltTogether(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		act := rapport.Member(f.org, f.owner)
		var ids []int64
		for i := range 3 {
			p := f.person(t, rapport.Person{FirstName: fmt.Sprintf("Rae%d", i), LastName: "Rebuild", Kind: rapport.KindSphere, City: "Evanston",
				Tags: []string{"past client"}, Emails: []rapport.Email{{Address: fmt.Sprintf("rae%d@rebuild.test", i)}},
				Phones: []rapport.Phone{{Number: fmt.Sprintf("+1312555%04d", 7000+i), Label: "mobile"}}})
			ids = append(ids, p.ID)
		}
		for i, text := range []string{"Sails on Lake Michigan", "Twins in second grade", "Lease ends in May"} {
			if err := f.db.AddFact(ctx, act, &rapport.Fact{PersonID: ids[i%2], Type: rapport.FactInterest, Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		// More conversations with notes than a document keeps, some at
		// the same moment.
		for i := range 104 {
			if i%10 == 0 {
				f.clock.Advance(time.Minute)
			}
			if _, err := f.db.LogConversation(ctx, act, &store.LogInput{Conversation: rapport.Conversation{PersonID: ids[0], Channel: rapport.ChannelCall,
				Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeNoAnswer, Notes: fmt.Sprintf("note%03d", i)}, Loc: time.UTC}); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 23 {
			in := event(fmt.Sprintf("rebuild-%d", i), "Viewed Property", "Zillow",
				rapport.Person{FirstName: "Rae1", Emails: []rapport.Email{{Address: "rae1@rebuild.test"}}})
			in.Event.Message = fmt.Sprintf("message%02d", i)
			if _, err := f.db.RecordEvent(ctx, act, in); err != nil {
				t.Fatal(err)
			}
		}
		one, together, err := store.RebuiltSearchDocs(ctx, f.db, f.org.ID, ids)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(one, together) || len(one) != len(ids) {
			t.Errorf("one at a time:\n%v\ntogether:\n%v", one, together)
		}
		if d := one[ids[0]]; !strings.Contains(d, "note103") || !strings.Contains(d, "note004") || strings.Contains(d, "note003") || !strings.Contains(d, "lake michigan") {
			t.Errorf("the first's document: %s", d)
		}
		if d := one[ids[1]]; !strings.Contains(d, "message22") || !strings.Contains(d, "message03") || strings.Contains(d, "message02") || !strings.Contains(d, "twins") {
			t.Errorf("the second's document: %s", d)
		}
		if err := store.CheckSearchIndex(ctx, f.db); err != nil {
			t.Error(err)
		}
	})
}
