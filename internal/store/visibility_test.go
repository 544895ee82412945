package store_test

import (
	"fmt"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestVisibleTo: every list, for an actor who sees only their own people, holds only that user's
// people and their records, and CheckVisible finds only those; 0 is
// everyone's.
func TestVisibleTo(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if f.org.Visibility != rapport.VisibilityAll {
			t.Fatalf("a new organisation's visibility = %q, want all", f.org.Visibility)
		}
		f.org.Visibility = rapport.VisibilityOwn
		if err := f.db.UpdateOrg(ctx, rapport.Actor{Org: f.org.ID}, f.org); err != nil {
			t.Fatal(err)
		}
		if o, _ := f.db.Org(ctx, f.org.ID); o.Visibility != rapport.VisibilityOwn {
			t.Fatalf("saved visibility = %q", o.Visibility)
		}
		f.org.Visibility = "secret"
		wantCode(t, f.db.UpdateOrg(ctx, rapport.Actor{Org: f.org.ID}, f.org), rapport.EINVALID)

		colleague := &rapport.User{OrgID: f.org.ID, Email: "colleague@acme.test", Role: rapport.RoleAgent, PasswordHash: "x"}
		if err := f.db.CreateUser(ctx, rapport.Actor{Org: colleague.OrgID}, colleague); err != nil {
			t.Fatal(err)
		}
		office := &rapport.Company{Kind: rapport.CompanyOffice, Name: "Downtown"}
		if err := f.db.CreateCompany(ctx, rapport.Actor{Org: f.org.ID}, office); err != nil {
			t.Fatal(err)
		}
		// Each agent has a client, a twin of them (the same email) and a
		// recruit the client referred, with a call and a follow-up.
		type book struct {
			client, twin, recruit *rapport.Person
		}
		books := map[int64]*book{}
		for _, u := range []*rapport.User{f.agent, colleague} {
			email := []rapport.Email{{Address: fmt.Sprintf("client%d@acme.test", u.ID)}}
			b := &book{client: f.person(t, rapport.Person{FirstName: "Client", LastName: u.Email, Kind: rapport.KindClient, OwnerID: u.ID, Emails: email})}
			b.twin = f.person(t, rapport.Person{FirstName: "Twin", LastName: u.Email, OwnerID: u.ID, Emails: email})
			b.recruit = f.person(t, rapport.Person{FirstName: "Recruit", LastName: u.Email, Kind: rapport.KindRecruit, OwnerID: u.ID,
				CompanyID: office.ID, ReferredByID: b.client.ID, Volume12m: 1_000_000})
			f.log(t, b.client.ID, store.LogInput{Conversation: call(rapport.OutcomeLive),
				FollowUp: &rapport.FollowUp{DueOn: rapport.DayOf(start, chicago).AddDays(1), Note: "Callback"}})
			books[u.ID] = b
		}
		mine, theirs := books[f.agent.ID], books[colleague.ID]
		only := f.agent.ID
		ids := func(people []rapport.Person) map[int64]bool {
			out := map[int64]bool{}
			for _, p := range people {
				out[p.ID] = true
			}
			return out
		}

		for _, visibleTo := range []int64{0, only} {
			all := visibleTo == 0
			page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, store.PeopleFilter{})
			if err != nil {
				t.Fatal(err)
			}
			got := ids(page.People)
			if !got[mine.client.ID] || got[theirs.client.ID] != all || len(page.People) != map[bool]int{true: 6, false: 3}[all] {
				t.Errorf("VisibleTo %d: people %v", visibleTo, got)
			}
			found, err := f.db.FindPeople(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, "client", 10)
			if err != nil || ids(found)[theirs.client.ID] != all || !ids(found)[mine.client.ID] {
				t.Errorf("VisibleTo %d: found %v, %v", visibleTo, ids(found), err)
			}
			fus, err := f.db.FollowUps(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, store.FollowUpFilter{})
			if err != nil || len(fus) != map[bool]int{true: 2, false: 1}[all] || fus[0].PersonID != mine.client.ID && !all {
				t.Errorf("VisibleTo %d: follow-ups %+v, %v", visibleTo, fus, err)
			}
			cs, _, err := f.db.Conversations(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, store.ConversationFilter{PersonID: theirs.client.ID})
			if err != nil || (len(cs) == 1) != all {
				t.Errorf("VisibleTo %d: the colleague's conversations %+v, %v", visibleTo, cs, err)
			}
			groups, err := f.db.Duplicates(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, 10)
			if err != nil || len(groups) != map[bool]int{true: 2, false: 1}[all] || groups[0].People[0].OwnerID != only && !all {
				t.Errorf("VisibleTo %d: duplicates %+v, %v", visibleTo, groups, err)
			}
			prospects, err := f.db.Prospects(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, store.ProspectFilter{})
			if err != nil || ids(prospects.People)[theirs.recruit.ID] != all || !ids(prospects.People)[mine.recruit.ID] {
				t.Errorf("VisibleTo %d: prospects %v, %v", visibleTo, ids(prospects.People), err)
			}
			agents, err := f.db.CompanyAgents(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, office.ID, 10)
			if err != nil || len(agents.People) != map[bool]int{true: 2, false: 1}[all] {
				t.Errorf("VisibleTo %d: the office's agents %v, %v", visibleTo, ids(agents.People), err)
			}
			refs, err := f.db.Referrers(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo})
			if err != nil || len(refs) != map[bool]int{true: 2, false: 1}[all] || refs[0].Person.ID != mine.client.ID && !all {
				t.Errorf("VisibleTo %d: referrers %+v, %v", visibleTo, refs, err)
			}
			referred, err := f.db.Referred(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, theirs.client.ID, 10)
			if all && (err != nil || len(referred) != 1) || !all && rapport.ErrorCode(err) != rapport.ENOTFOUND {
				t.Errorf("VisibleTo %d: the colleague's referrals %v, %v", visibleTo, ids(referred), err)
			}
			if err := f.db.CheckVisible(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, theirs.client.ID); (err == nil) != all {
				t.Errorf("VisibleTo %d: the colleague's client is visible: %v", visibleTo, err == nil)
			}
			if err := f.db.CheckVisible(ctx, rapport.Actor{Org: f.org.ID, Only: visibleTo}, mine.client.ID); err != nil {
				t.Errorf("VisibleTo %d: the agent's own client: %v", visibleTo, err)
			}
		}

		// A follow-up given to the agent about the colleague's person
		// stays off the agent's Today while people are private.
		given := &rapport.FollowUp{PersonID: theirs.twin.ID, UserID: f.agent.ID, DueOn: rapport.DayOf(start, chicago)}
		if err := f.db.CreateFollowUp(ctx, rapport.Member(f.org, f.owner), given); err != nil {
			t.Fatal(err)
		}
		onToday := func() bool {
			t.Helper()
			entries, err := f.db.Today(ctx, rapport.Member(f.org, f.agent), start)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.Person.ID == theirs.twin.ID {
					return true
				}
			}
			return false
		}
		setVisibility := func(v rapport.Visibility) {
			t.Helper()
			f.org.Visibility = v
			if err := f.db.UpdateOrg(ctx, rapport.Actor{Org: f.org.ID}, f.org); err != nil {
				t.Fatal(err)
			}
		}
		setVisibility(rapport.VisibilityOwn)
		if onToday() {
			t.Error("a colleague's private person is on the agent's Today")
		}
		setVisibility(rapport.VisibilityAll)
		if !onToday() {
			t.Error("the given follow-up is not on Today when everyone sees everyone's people")
		}

		// An import is listed for its uploader, or for everyone.
		for _, u := range []int64{f.agent.ID, colleague.ID} {
			if err := f.db.CreateImportJob(ctx, rapport.Actor{Org: f.org.ID}, &store.ImportJob{OrgID: f.org.ID, UserID: u, FileName: "list.csv", Format: "csv",
				Content: []byte("Name\n"), Settings: "{}"}); err != nil {
				t.Fatal(err)
			}
		}
		if js, _ := f.db.ImportJobs(ctx, rapport.Actor{Org: f.org.ID, Only: only}, 10); len(js) != 1 || js[0].UserID != only {
			t.Errorf("the agent's imports: %+v", js)
		}
		if js, _ := f.db.ImportJobs(ctx, rapport.Actor{Org: f.org.ID}, 10); len(js) != 2 {
			t.Errorf("all imports: %d", len(js))
		}
	})
}
