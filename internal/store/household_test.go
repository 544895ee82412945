package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func row(line int, first, last string, phones []rapport.Phone, emails ...string) store.ImportRow {
	p := rapport.Person{FirstName: first, LastName: last, Kind: rapport.KindSphere, Phones: phones}
	for _, e := range emails {
		p.Emails = append(p.Emails, rapport.Email{Address: e})
	}
	return store.ImportRow{Line: line, Person: p}
}

func phoneOf(n, label string) []rapport.Phone { return []rapport.Phone{{Number: n, Label: label}} }

// importAll runs one import of rows in batches of two (so that rows meet
// people written in earlier batches), and returns its stats and notes.
func importAll(t *testing.T, f *fixture, opts store.ImportOptions, rows ...store.ImportRow) (store.ImportStats, []store.RowNote) {
	t.Helper()
	s, err := f.db.BeginImport(ctx, rapport.Member(f.org, f.owner), opts)
	if err != nil {
		t.Fatal(err)
	}
	for lo := 0; lo < len(rows); lo += 2 {
		if _, err := s.Add(rows[lo:min(lo+2, len(rows))]); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := s.Finish()
	if err != nil {
		t.Fatal(err)
	}
	return stats, s.Notes()
}

// everyone lists the organisation's people by name, with their phones.
func everyone(t *testing.T, f *fixture) map[string]*rapport.Person {
	t.Helper()
	page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*rapport.Person{}
	for _, p := range page.People {
		full, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[full.Name()] = full
	}
	return out
}

// TestSharedPhoneIsAHousehold: people of different names on one number
// are different people (spouses on the home phone), in the same file and
// against people already there, whether the import holds them in memory
// or merges them later; the same number under a name that can be the
// same person's is that person (a work phone that is someone's mobile);
// an email is enough whatever the name. The household shows on both
// people, Duplicates offers them once, and a person can say they are
// different people.
func TestSharedPhoneIsAHousehold(t *testing.T) {
	each(t, func(t *testing.T, base *fixture) {
		for _, preload := range []bool{false, true} {
			f := newFixture(t, base.db, base.clock, map[bool]string{false: "looked-up", true: "preloaded"}[preload])
			home := "+13125550150"
			john := f.person(t, rapport.Person{FirstName: "John", LastName: "Smith", Kind: rapport.KindSphere, Phones: phoneOf(home, "mobile"),
				Street: "9 Elm St", City: "Evanston"})
			opts := store.ImportOptions{OwnerID: f.owner.ID, Source: "Outlook"}
			if preload {
				opts.Expected = 1000 // large next to the book: the import loads every key first
			}
			stats, notes := importAll(t, f, opts,
				row(2, "Mary", "Smith", phoneOf(home, "home")),                                                 // John's wife: someone new
				row(3, "J.", "Smith", phoneOf(home, "work")),                                                   // John after all: his mobile as a work number
				row(4, "Mary", "Smith", phoneOf(home, "home"), "mary@example.com"),                             // Mary again, with an email
				row(5, "Tom", "Smith", phoneOf(home, "home")),                                                  // their son: someone new again
				row(6, "Johnny", "Smith", append(phoneOf(home, "home"), phoneOf("+13125550151", "mobile")...)), // John again
				row(7, "Somebody", "Else", phoneOf("+13125550160", "mobile"), "mary@example.com"),              // Mary's email: Mary
			)
			people := everyone(t, f)
			if len(people) != 3 || people["Mary Smith"] == nil || people["Tom Smith"] == nil || people["John Smith"] == nil || people["Some Body"] != nil {
				names := []string{}
				for n := range people {
					names = append(names, n)
				}
				t.Fatalf("people = %q (stats %+v)", names, stats)
			}
			j := people["John Smith"]
			if j.ID != john.ID || len(j.Phones) != 2 || j.Phones[1].Number != "+13125550151" {
				t.Errorf("john = %+v", j)
			}
			m := people["Mary Smith"]
			if len(m.Emails) != 1 || len(m.Phones) != 2 || m.Phones[0].Number != home {
				t.Errorf("mary = %+v", m)
			}
			// Row 7 brought another name on Mary's email: kept, and said.
			records, err := f.db.Records(ctx, rapport.Actor{Org: f.org.ID}, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			kept := map[string]string{}
			for _, r := range records {
				for _, k := range r.Kept {
					kept[k.Name] = k.Value
				}
			}
			if kept["First name"] != "Somebody" || kept["Last name"] != "Else" {
				t.Errorf("kept with mary = %+v", records)
			}
			if !slices.ContainsFunc(notes, func(n store.RowNote) bool { return n.Line == 7 && strings.Contains(n.Note, "Somebody") }) {
				t.Errorf("notes = %+v", notes)
			}
			sharers, err := f.db.PhoneSharers(ctx, rapport.Actor{Org: f.org.ID}, m)
			if err != nil {
				t.Fatal(err)
			}
			if len(sharers) != 2 || sharers[0].ID != john.ID || sharers[0].Number != home {
				t.Errorf("mary shares with %+v", sharers)
			}
			groups, err := f.db.Duplicates(ctx, rapport.Actor{Org: f.org.ID}, 50)
			if err != nil {
				t.Fatal(err)
			}
			if len(groups) != 1 || groups[0].Reason != "phone" || len(groups[0].People) != 3 {
				t.Fatalf("duplicates = %+v", groups)
			}
			if err := f.db.MarkDistinct(ctx, rapport.Member(f.org, f.owner), []int64{m.ID, john.ID}); err != nil {
				t.Fatal(err)
			}
			if groups, _ := f.db.Duplicates(ctx, rapport.Actor{Org: f.org.ID}, 50); len(groups) != 1 {
				t.Errorf("one pair of three said different hides the group: %+v", groups)
			}
			if err := f.db.MarkDistinct(ctx, rapport.Member(f.org, f.owner), []int64{m.ID, john.ID, people["Tom Smith"].ID}); err != nil {
				t.Fatal(err)
			}
			if groups, _ := f.db.Duplicates(ctx, rapport.Actor{Org: f.org.ID}, 50); len(groups) != 0 {
				t.Errorf("after saying they are different: %+v", groups)
			}
			if err := f.db.MarkDistinct(ctx, rapport.Member(base.org, base.owner), []int64{m.ID, john.ID}); rapport.ErrorCode(err) != rapport.ENOTFOUND {
				t.Errorf("another organisation's people: %v", err)
			}
		}
	})
}

// TestPersonContactInOrder: one person's phones, emails and tags, read in
// one statement, come as the lists of several people read them (phones
// and emails in their order, a bad number marked; tags by their lower
// case, then as written), each with its ids, on both databases.
func TestPersonContactInOrder(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		act := rapport.Member(f.org, f.agent)
		p := &rapport.Person{FirstName: "Ana", LastName: "Ruiz", Kind: rapport.KindLead,
			Phones: []rapport.Phone{{Number: "+13125550199", Label: "work"}, {Number: "+13125550101", Label: "mobile", Bad: true}, {Number: "+13125550150"}},
			Emails: []rapport.Email{{Address: "z@ruiz.test", Label: "home"}, {Address: "a@ruiz.test"}},
			Tags:   []string{"b", "apricot", "Apple", "C"}}
		if err := f.db.CreatePerson(ctx, act, p); err != nil {
			t.Fatal(err)
		}
		bare := &rapport.Person{FirstName: "Bo", Kind: rapport.KindLead}
		if err := f.db.CreatePerson(ctx, act, bare); err != nil {
			t.Fatal(err)
		}
		got, err := f.db.Person(ctx, act, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var numbers, emails []string
		for i, ph := range got.Phones {
			if ph.ID == 0 || ph.OrgID != f.org.ID || ph.PersonID != p.ID || ph.Position != i {
				t.Errorf("phone %d = %+v", i, ph)
			}
			numbers = append(numbers, fmt.Sprintf("%s/%s/%v", ph.Number, ph.Label, ph.Bad))
		}
		for i, e := range got.Emails {
			if e.ID == 0 || e.OrgID != f.org.ID || e.PersonID != p.ID || e.Position != i {
				t.Errorf("email %d = %+v", i, e)
			}
			emails = append(emails, e.Address+"/"+e.Label)
		}
		if want := []string{"+13125550199/work/false", "+13125550101/mobile/true", "+13125550150//false"}; !slices.Equal(numbers, want) {
			t.Errorf("phones = %v, want %v", numbers, want)
		}
		if want := []string{"z@ruiz.test/home", "a@ruiz.test/"}; !slices.Equal(emails, want) {
			t.Errorf("emails = %v, want %v", emails, want)
		}
		if want := []string{"Apple", "apricot", "b", "C"}; !slices.Equal(got.Tags, want) {
			t.Errorf("tags = %v, want %v", got.Tags, want)
		}
		// Several people at once (the list's read of each table) agree.
		page, err := f.db.ListPeople(ctx, act, store.PeopleFilter{Limit: 10})
		if err != nil || len(page.People) != 2 {
			t.Fatalf("list = %+v, %v", page, err)
		}
		for _, q := range page.People {
			want := got
			if q.ID == bare.ID {
				want = &rapport.Person{}
			}
			if !slices.Equal(q.Phones, want.Phones) || !slices.Equal(q.Emails, want.Emails) || !slices.Equal(q.Tags, want.Tags) {
				t.Errorf("person %d read with another: %+v %+v %v, want %+v %+v %v", q.ID, q.Phones, q.Emails, q.Tags, want.Phones, want.Emails, want.Tags)
			}
		}
		if got, err := f.db.Person(ctx, act, bare.ID); err != nil || got.Phones != nil || got.Emails != nil || got.Tags != nil {
			t.Errorf("a person with no contact details: %+v, %v", got, err)
		}
	})
}
