package store_test

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestSavedLists: the filters a list needs ("past clients with motivation
// unknown", "recruits with 20+ units not talked to in 90 days"), saved
// with a name, shared or not, counted for each reader; deleting is the
// maker's, or a manager's for a shared list.
func TestSavedLists(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		agent, owner := rapport.Member(f.org, f.agent), rapport.Member(f.org, f.owner)
		f.clock.Set(start.AddDate(0, -6, 0))
		known := f.person(t, rapport.Person{FirstName: "Known", Kind: rapport.KindClient})
		if err := f.db.AddFact(ctx, agent, &rapport.Fact{PersonID: known.ID, Type: rapport.FactMotivation, Text: "Wants more room"}); err != nil {
			t.Fatal(err)
		}
		f.person(t, rapport.Person{FirstName: "Unknown", Kind: rapport.KindClient})
		big := f.person(t, rapport.Person{FirstName: "Big", Kind: rapport.KindRecruit, Units12m: 31})
		f.person(t, rapport.Person{FirstName: "Small", Kind: rapport.KindRecruit, Units12m: 4})
		recent := f.person(t, rapport.Person{FirstName: "Recent", Kind: rapport.KindRecruit, Units12m: 25})
		f.clock.Set(start)
		f.log(t, recent.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		f.clock.Advance(time.Hour)

		names := func(l *store.SavedList, act rapport.Actor) []string {
			t.Helper()
			ps, err := f.db.ListPeopleOf(ctx, act, l, 50)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range ps {
				out = append(out, p.FirstName)
			}
			return out
		}
		past := &store.SavedList{Name: "Past clients, motivation unknown", Query: "kind=client&unknown=motivation&cursor=abc", Shared: true}
		if err := f.db.SaveList(ctx, agent, past); err != nil {
			t.Fatal(err)
		}
		if past.Query != "kind=client&unknown=motivation" {
			t.Errorf("kept query %q", past.Query)
		}
		if got := names(past, agent); len(got) != 1 || got[0] != "Unknown" {
			t.Errorf("motivation unknown: %v", got)
		}
		quiet := &store.SavedList{Name: "Big recruits, quiet", Query: "kind=recruit&min_units=20&quiet_days=90"}
		if err := f.db.SaveList(ctx, agent, quiet); err != nil {
			t.Fatal(err)
		}
		if got := names(quiet, agent); len(got) != 1 || got[0] != big.FirstName {
			t.Errorf("20+ units, quiet 90 days: %v", got)
		}
		for _, bad := range []*store.SavedList{{Name: "", Query: "kind=client"}, {Name: "All", Query: ""}, {Name: "Odd", Query: "kind=alien"}} {
			if err := f.db.SaveList(ctx, agent, bad); rapport.ErrorCode(err) != rapport.EINVALID {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		// The owner sees the shared list, not the agent's own; counts.
		ls, err := f.db.SavedLists(ctx, owner)
		if err != nil || len(ls) != 1 || ls[0].ID != past.ID || ls[0].Count != 1 || ls[0].OwnerName == "" {
			t.Fatalf("owner's lists: %+v %v", ls, err)
		}
		if _, err := f.db.SavedList(ctx, owner, quiet.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("another's own list: %v", err)
		}
		if err := f.db.DeleteList(ctx, owner, quiet.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("deleting another's own list: %v", err)
		}
		// A manager may delete a shared list; an agent not another's.
		mine := &store.SavedList{Name: "Owner's", Query: "kind=lead", Shared: true}
		if err := f.db.SaveList(ctx, owner, mine); err != nil {
			t.Fatal(err)
		}
		if err := f.db.DeleteList(ctx, agent, mine.ID); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
			t.Errorf("an agent deleting the owner's shared list: %v", err)
		}
		if err := f.db.DeleteList(ctx, owner, past.ID); err != nil {
			t.Errorf("the owner deleting a shared list: %v", err)
		}
	})
}
