package store_test

import (
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func TestDuplicatesAndMerge(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		giver := f.person(t, rapport.Person{FirstName: "Dana", LastName: "Giver", Kind: rapport.KindSphere})
		a := f.person(t, rapport.Person{FirstName: "Robert", LastName: "Smith", Kind: rapport.KindClient, Source: "Zillow",
			Emails: []rapport.Email{{Address: "rob@example.com"}}, Tags: []string{"buyer"}, ReferredByID: giver.ID})
		b := f.person(t, rapport.Person{FirstName: "Bob", LastName: "Smith", Phones: []rapport.Phone{{Number: "+13125550142"}},
			Emails: []rapport.Email{{Address: "bob@example.com"}}, Tags: []string{"seller"}, City: "Chicago"})
		c := f.person(t, rapport.Person{FirstName: "Sam", LastName: "Jones", Phones: []rapport.Phone{{Number: "+13125550142"}}})
		f.person(t, rapport.Person{FirstName: "Office", LastName: "Line", Phones: []rapport.Phone{{Number: "+13125550900", Label: "work"}}})
		f.person(t, rapport.Person{FirstName: "Other", LastName: "Desk", Phones: []rapport.Phone{{Number: "+13125550900", Label: "work"}}})
		groups, err := f.db.Duplicates(ctx, rapport.Actor{Org: f.org.ID}, 50)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]int{}
		for _, g := range groups {
			found[g.Reason] = len(g.People)
		}
		if found["name"] != 2 || found["phone"] != 2 || len(groups) != 2 {
			t.Fatalf("groups = %+v", groups)
		}
		// History on both sides.
		f.log(t, b.ID, store.LogInput{Conversation: call(rapport.OutcomeLive),
			Facts: []rapport.Fact{{Type: rapport.FactPassion, Text: "Fishing"}}, FollowUp: &rapport.FollowUp{DueOn: "2026-12-01"}})
		f.log(t, a.ID, store.LogInput{Conversation: call(rapport.OutcomeNoAnswer)})
		referred := f.person(t, rapport.Person{FirstName: "Newcomer", ReferredByID: b.ID})

		merged, err := f.db.MergePeople(ctx, rapport.Member(f.org, f.agent), a.ID, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if merged.FirstName != "Robert" || merged.Source != "Zillow" || merged.Kind != rapport.KindClient || len(merged.Emails) != 2 ||
			len(merged.Phones) != 1 || len(merged.Tags) != 2 || merged.City != "Chicago" || merged.ReferredByID != giver.ID || merged.LastLiveAt.IsZero() {
			t.Fatalf("merged = %+v", merged)
		}
		if _, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, b.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Error("the merged-away person still exists")
		}
		items, _ := f.db.Timeline(ctx, rapport.Actor{Org: f.org.ID}, a.ID)
		convs, facts := 0, 0
		for _, it := range items {
			if it.Kind == store.TimelineConversation {
				convs++
				facts += len(it.Facts)
			}
		}
		if convs != 2 || facts != 1 {
			t.Errorf("timeline after merge: %d conversations, %d facts", convs, facts)
		}
		fus, _ := f.db.FollowUps(ctx, rapport.Actor{Org: f.org.ID}, store.FollowUpFilter{PersonID: a.ID})
		if len(fus) != 1 {
			t.Errorf("follow-ups after merge = %d", len(fus))
		}
		if r, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, referred.ID); r.ReferredByID != a.ID {
			t.Errorf("referral not moved: %d", r.ReferredByID)
		}
		for _, q := range []string{"fishing", "bob", "3125550142"} {
			page, _ := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: q})
			if len(page.People) == 0 || page.People[0].ID != a.ID && page.People[len(page.People)-1].ID != a.ID {
				t.Errorf("search %q after merge = %+v", q, page.People)
			}
		}
		wantCode(t, func() error { _, err := f.db.MergePeople(ctx, rapport.Member(f.org, f.agent), a.ID, a.ID); return err }(), rapport.EINVALID)
		other := newFixture(t, f.db, f.clock, "other")
		_, err = f.db.MergePeople(ctx, rapport.Member(other.org, other.agent), a.ID, c.ID)
		wantCode(t, err, rapport.ENOTFOUND)
		groups, _ = f.db.Duplicates(ctx, rapport.Actor{Org: f.org.ID}, 50)
		if len(groups) != 1 || groups[0].Reason != "phone" {
			t.Errorf("after merging: %+v", groups)
		}
	})
}
