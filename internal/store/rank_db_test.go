package store_test

import (
	"fmt"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// A search ranks names before the other fields, whole names and words
// before their starts, and counts its matches; the pages keep that order.
func TestSearchRanksNamesFirst(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		// Many people whose lead source starts "Ros", named before Rosa.
		for i := 0; i < 12; i++ {
			f.person(t, rapport.Person{FirstName: fmt.Sprintf("Abe%02d", i), LastName: "Adams", Source: "Rossmoor Realty"})
		}
		f.person(t, rapport.Person{FirstName: "Rosa", LastName: "Jackson"})
		f.person(t, rapport.Person{FirstName: "Diego", LastName: "Rossi"})
		f.person(t, rapport.Person{FirstName: "Ros", LastName: "Zeller"})
		f.person(t, rapport.Person{FirstName: "Amy", LastName: "Clark", Notes: "Her sister Rosalind referred her"})
		act := rapport.Actor{Org: f.org.ID}
		var got []string
		cursor, total := "", 0
		for pages := 0; pages < 10; pages++ {
			page, err := f.db.ListPeople(ctx, act, store.PeopleFilter{Query: "ros", Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			if !page.Counted {
				t.Fatal("a narrow search is not counted")
			}
			total = page.Total
			for _, p := range page.People {
				got = append(got, p.FirstName+" "+p.LastName)
			}
			if cursor = page.Next; cursor == "" {
				break
			}
		}
		if total != 16 || len(got) != 16 {
			t.Fatalf("total %d, listed %d: %v", total, len(got), got)
		}
		want := []string{"Ros Zeller", "Diego Rossi", "Rosa Jackson"}
		for i, w := range want {
			if got[i] != w {
				t.Fatalf("ros ranked %v, want %v first", got, want)
			}
		}
		if got[3] != "Abe00 Adams" || got[15] != "Amy Clark" {
			t.Errorf("the rest by name: %v", got[3:])
		}
		// The referrer picker finds her among its few.
		found, err := f.db.FindPeople(ctx, act, "ros", 5)
		if err != nil || len(found) == 0 || found[2].FirstName != "Rosa" {
			t.Errorf("picker: %v, %v", found, err)
		}
		// A name typed whole comes first.
		page, err := f.db.ListPeople(ctx, act, store.PeopleFilter{Query: "rosa jackson"})
		if err != nil || len(page.People) != 1 || page.People[0].FirstName != "Rosa" {
			t.Errorf("rosa jackson: %+v, %v", page, err)
		}
	})
}
