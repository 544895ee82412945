package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func TestSearchAndFilters(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		pipes, _ := f.db.Pipelines(ctx, rapport.Actor{Org: f.org.ID})
		f.person(t, rapport.Person{FirstName: "José", LastName: "Núñez", Emails: []rapport.Email{{Address: "jose.nunez@example.com"}},
			Phones: []rapport.Phone{{Number: "+13125550142"}}, Tags: []string{"buyer"}})
		f.person(t, rapport.Person{FirstName: "Jo", LastName: "O'Brien", Kind: rapport.KindRecruit, Brokerage: "Summit Realty",
			OwnerID: f.owner.ID, Notes: "Top lister in Lincoln Park"})
		// Ann's number shares José's first seven digits: a whole number
		// finds one of them, its start both.
		sphere := f.person(t, rapport.Person{FirstName: "Ann", LastName: "Lee", Kind: rapport.KindSphere, Tags: []string{"buyer", "golf"},
			Phones: []rapport.Phone{{Number: "+13125550199"}}})
		if err := f.db.AddFact(ctx, rapport.Member(f.org, f.agent), &rapport.Fact{PersonID: sphere.ID, Type: rapport.FactPassion, Text: "Restores vintage motorcycles"}); err != nil {
			t.Fatal(err)
		}
		names := func(fl store.PeopleFilter) string {
			t.Helper()
			page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, fl)
			if err != nil {
				t.Fatalf("%+v: %v", fl, err)
			}
			var out []string
			for _, p := range page.People {
				out = append(out, p.FirstName)
			}
			return fmt.Sprint(out)
		}
		for q, want := range map[string]string{
			"jose":                   "[José]",
			"NUNEZ":                  "[José]",
			"núñ":                    "[José]",
			"jose.nunez@example.com": "[José]",
			"example":                "[José]",
			"(312) 555-0142":         "[José]",
			"312.555.0142":           "[José]",
			"+1 312 555 0142":        "[José]",
			"5550142":                "[José]",
			"(312) 555-0199":         "[Ann]",
			"13125550199":            "[Ann]",
			"312 555 01":             "[Ann José]",
			"312555":                 "[Ann José]",
			"o'brien":                "[Jo]",
			"obrien":                 "[Jo]",
			"summit":                 "[Jo]",
			"lincoln park":           "[Jo]",
			"motorcycles":            "[Ann]",
			"vint":                   "[Ann]",
			"jo":                     "[Jo José]",
			"golf buyer":             "[Ann]",
			"nobody":                 "[]",
			`"`:                      "[Ann Jo José]",
			"*":                      "[Ann Jo José]",
			"jo OR ann":              "[]",
		} {
			if got := names(store.PeopleFilter{Query: q}); got != want {
				t.Errorf("search %q = %s, want %s", q, got, want)
			}
		}
		if got := names(store.PeopleFilter{Kind: rapport.KindRecruit}); got != "[Jo]" {
			t.Errorf("kind filter = %s", got)
		}
		if got := names(store.PeopleFilter{OwnerID: f.owner.ID}); got != "[Jo]" {
			t.Errorf("owner filter = %s", got)
		}
		if got := names(store.PeopleFilter{Tag: "Buyer"}); got != "[Ann José]" {
			t.Errorf("tag filter = %s", got)
		}
		if got := names(store.PeopleFilter{StageID: pipes[1].Stages[0].ID}); got != "[Jo]" {
			t.Errorf("stage filter = %s", got)
		}
		if got := names(store.PeopleFilter{Tag: "buyer", Query: "jose"}); got != "[José]" {
			t.Errorf("tag and query = %s", got)
		}
		// A list that shows no tags does not read them (on every path: by
		// name, a ranked search, newest first, a search newest first); it
		// filters by them all the same, and reads phones and emails.
		for _, fl := range []store.PeopleFilter{{Tag: "buyer"}, {Query: "jose"}, {Sort: "-created", Tag: "buyer"}, {Query: "jose", Sort: "-created"}} {
			for _, noTags := range []bool{false, true} {
				fl.NoTags = noTags
				page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, fl)
				if err != nil {
					t.Fatalf("%+v: %v", fl, err)
				}
				var jose *rapport.Person
				for i := range page.People {
					if page.People[i].FirstName == "José" {
						jose = &page.People[i]
					}
				}
				if jose == nil || len(jose.Phones) != 1 || len(jose.Emails) != 1 || (len(jose.Tags) == 0) != noTags {
					t.Errorf("%+v: José = %+v", fl, jose)
				}
			}
		}
		_, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Cursor: "!!not-a-cursor"})
		wantCode(t, err, rapport.EINVALID)
	})
}

func TestPaginationVisitsEveryoneOnce(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		const n = 57
		for i := 0; i < n; i++ {
			// Duplicate names make the id the tie-breaker.
			f.person(t, rapport.Person{FirstName: fmt.Sprintf("Person %02d", i%20), LastName: "Test"})
		}
		seen := map[int64]bool{}
		var last string
		cursor, pages := "", 0
		for {
			page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Limit: 10, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, p := range page.People {
				if seen[p.ID] {
					t.Fatalf("person %d seen twice", p.ID)
				}
				seen[p.ID] = true
				key := fmt.Sprintf("%s/%09d", p.SortName, p.ID)
				if key < last {
					t.Fatalf("out of order: %s after %s", key, last)
				}
				last = key
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		if len(seen) != n || pages != 6 {
			t.Errorf("saw %d people in %d pages, want %d in 6", len(seen), pages, n)
		}
	})
}

func TestBroadSearchListsNewestFirst(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		defer store.SetMaxNarrow(5)()
		var ids []int64
		for i := 0; i < 12; i++ {
			kind := rapport.KindLead
			if i%3 == 0 {
				kind = rapport.KindSphere
			}
			p := f.person(t, rapport.Person{FirstName: fmt.Sprintf("Common %02d", i), Kind: kind})
			ids = append(ids, p.ID)
		}
		f.person(t, rapport.Person{FirstName: "Rare"})
		// Few matches: by name.
		page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "rare"})
		if err != nil || page.Newest || len(page.People) != 1 {
			t.Fatalf("rare: %+v %v", page, err)
		}
		// Many matches: newest first, paged by id, filters still applied.
		var got []int64
		cursor := ""
		for pages := 0; pages < 10; pages++ {
			page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "common", Kind: rapport.KindLead, Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if !page.Newest {
				t.Fatal("broad search not marked newest-first")
			}
			for _, p := range page.People {
				got = append(got, p.ID)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		var want []int64
		for i := len(ids) - 1; i >= 0; i-- {
			if i%3 != 0 {
				want = append(want, ids[i])
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("newest-first pages = %v, want %v", got, want)
		}
	})
}

func TestSearchStaysInsideTheOrganisation(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		defer store.SetMaxNarrow(5)()
		other := newFixture(t, f.db, f.clock, "zoo")
		for i := 0; i < 30; i++ {
			other.person(t, rapport.Person{FirstName: fmt.Sprintf("Zebra %02d", i)})
		}
		f.person(t, rapport.Person{FirstName: "Zebra", LastName: "Mine"})
		page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "zebra"})
		if err != nil {
			t.Fatal(err)
		}
		// One match here, however many elsewhere: listed by name, found.
		if page.Newest || len(page.People) != 1 || page.People[0].LastName != "Mine" {
			t.Fatalf("page = newest:%v %d people", page.Newest, len(page.People))
		}
		// Many matches here too: newest first, and only this
		// organisation's.
		for i := 0; i < 6; i++ {
			f.person(t, rapport.Person{FirstName: "Zebra", LastName: fmt.Sprintf("Mine %d", i)})
		}
		page, err = f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "zebra", Limit: 50})
		if err != nil || !page.Newest || len(page.People) != 7 {
			t.Fatalf("zebra again: newest:%v %d people, %v", page.Newest, len(page.People), err)
		}
		for _, p := range page.People {
			if p.OrgID != f.org.ID {
				t.Errorf("zebra lists %+v", p)
			}
		}
		// Few matches in the whole file, most of them elsewhere: only this
		// organisation's are listed, and counted.
		for i := 0; i < 3; i++ {
			other.person(t, rapport.Person{FirstName: "Okapi", LastName: fmt.Sprintf("Theirs %d", i)})
		}
		f.person(t, rapport.Person{FirstName: "Okapi", LastName: "Mine"})
		for _, q := range []string{"okapi", "okapi mine", "okapi theirs", "theirs"} {
			page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			want := 1
			if strings.Contains(q, "theirs") {
				want = 0
			}
			if page.Newest || len(page.People) != want || page.Total != want {
				t.Errorf("%q: newest:%v %d people, %d counted, want %d", q, page.Newest, len(page.People), page.Total, want)
			}
			for _, p := range page.People {
				if p.OrgID != f.org.ID || p.LastName != "Mine" {
					t.Errorf("%q lists %+v", q, p)
				}
			}
		}
	})
}

// TestLongWordsAreCheckedWhole: SQLite's index keeps lists for prefixes up
// to six characters, and a longer word is looked up by its first six and
// checked whole. The matches that fail the check may fill whole chunks of
// what the index returns; the right people still come back, in both
// orders.
func TestLongWordsAreCheckedWhole(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for i := 0; i < 205; i++ {
			f.person(t, rapport.Person{FirstName: fmt.Sprintf("Kennett %03d", i), LastName: "Fox"})
		}
		var kenneths []int64
		for _, last := range []string{"Fox", "Marsh", "Lowe"} {
			kenneths = append(kenneths, f.person(t, rapport.Person{FirstName: "Kenneth", LastName: last}).ID)
		}
		count := func(fl store.PeopleFilter) (int, *store.PeoplePage) {
			t.Helper()
			fl.Limit = 200
			page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, fl)
			if err != nil {
				t.Fatalf("%+v: %v", fl, err)
			}
			return len(page.People), page
		}
		for q, want := range map[string]int{"kenneth": 3, "kennet": 200, "kennett": 200, "kenneth fox": 1, "kennett 204": 1, "kennethx": 0} {
			if got, _ := count(store.PeopleFilter{Query: q}); got != want {
				t.Errorf("search %q: %d people, want %d", q, got, want)
			}
		}
		if _, page := count(store.PeopleFilter{Query: "kenneth marsh"}); len(page.People) != 1 || page.People[0].ID != kenneths[1] {
			t.Errorf("kenneth marsh = %+v", page.People)
		}
		// Newest first, a page at a time, when the matches are many.
		defer store.SetMaxNarrow(2)()
		var got []int64
		cursor := ""
		for pages := 0; pages < 5; pages++ {
			page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "kenneth", Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.People {
				got = append(got, p.ID)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if fmt.Sprint(got) != fmt.Sprint([]int64{kenneths[2], kenneths[1], kenneths[0]}) {
			t.Errorf("newest-first kenneths = %v, want %v reversed", got, kenneths)
		}
	})
}

// A brief page (the people list's) reads the columns a row shows (of the
// phones and emails, the first of each, kept on the person's row), the
// same values as a full page, and nothing else, on every way a page is
// read: by name (on its own, and along a common tag), narrowed by a rare
// tag, a ranked search, a broad search
// newest first, and in the order people were added.
func TestBriefPagesReadWhatRowsShow(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		defer store.SetMaxNarrow(3)()
		pipes, _ := f.db.Pipelines(ctx, rapport.Actor{Org: f.org.ID})
		var stage int64
		for _, p := range pipes {
			if p.Kind == rapport.PipelineRecruiting {
				stage = p.Stages[1].ID
			}
		}
		for i := 0; i < 5; i++ {
			f.person(t, rapport.Person{FirstName: fmt.Sprintf("Brief%d", i), LastName: "Row", Kind: rapport.KindRecruit,
				StageID: stage, OwnerID: f.agent.ID, DoNotCall: i%2 == 0, Units12m: 10 + i, Volume12m: int64(1_000_000 * (i + 1)),
				Source: "Zillow", Notes: "A note", City: "Evanston", Tags: []string{"vip", fmt.Sprintf("gold%d", i/2)},
				Phones: []rapport.Phone{{Number: fmt.Sprintf("+1312555010%d", i)}}, Emails: []rapport.Email{{Address: fmt.Sprintf("b%d@example.com", i)}}})
		}
		f.person(t, rapport.Person{FirstName: "Brief9", LastName: "Alone", Source: "Zillow"})
		act := rapport.Actor{Org: f.org.ID}
		for _, fl := range []store.PeopleFilter{
			{},
			{Tag: "vip"},
			{Tag: "gold0"},
			{Query: "brief9"},
			{Query: "brief"},
			{Sort: "-created"},
		} {
			full, err := f.db.ListPeople(ctx, act, fl)
			if err != nil {
				t.Fatal(err)
			}
			fl.Brief, fl.NoTags = true, true
			brief, err := f.db.ListPeople(ctx, act, fl)
			if err != nil {
				t.Fatal(err)
			}
			if len(brief.People) == 0 || len(brief.People) != len(full.People) || brief.Newest != full.Newest || brief.Next != full.Next {
				t.Fatalf("%+v: brief page %d people (newest %v, next %q), full %d (%v, %q)", fl, len(brief.People), brief.Newest, brief.Next,
					len(full.People), full.Newest, full.Next)
			}
			for i, b := range brief.People {
				p := full.People[i]
				shown := rapport.Person{ID: p.ID, OrgID: p.OrgID, FirstName: p.FirstName, LastName: p.LastName, SortName: p.SortName,
					Kind: p.Kind, StageID: p.StageID, OwnerID: p.OwnerID, DoNotCall: p.DoNotCall, Units12m: p.Units12m, Volume12m: p.Volume12m,
					FirstPhone: p.FirstPhone, FirstEmail: p.FirstEmail}
				phone, email := "", ""
				if len(p.Phones) > 0 {
					phone = p.Phones[0].Number
				}
				if len(p.Emails) > 0 {
					email = p.Emails[0].Address
				}
				if p.FirstPhone != phone || p.FirstEmail != email {
					t.Errorf("%+v: %s's first phone and email %q, %q; phones %+v, emails %+v", fl, p.Name(), p.FirstPhone, p.FirstEmail, p.Phones, p.Emails)
				}
				if fmt.Sprintf("%+v", b) != fmt.Sprintf("%+v", shown) {
					t.Errorf("%+v: brief row\n %+v\nwant\n %+v", fl, b, shown)
				}
			}
		}
	})
}
