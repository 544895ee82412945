package store_test

import (
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestActorPolicy checks that the store itself enforces who may do what,
// whatever transport calls it: an agent is forbidden the managers' work,
// a manager cannot change who sees whose people, and an agent who sees
// only their own people finds a colleague's not found, by any route.
func TestActorPolicy(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		agent := rapport.Member(f.org, f.agent)
		mgr := f.member(t, "Maya Manager", rapport.RoleManager)
		manager := rapport.Member(f.org, mgr)
		colleague := f.member(t, "Cole League", rapport.RoleAgent)

		forbidden := map[string]error{
			"save playbook entry": f.db.SavePlaybookEntry(ctx, agent, &rapport.Entry{Kind: rapport.EntryObjection, Key: "happy-here", Audience: rapport.AudienceRecruits, Text: "We are a family."}),
			"retire playbook":     f.db.RetirePlaybookEntry(ctx, agent, rapport.EntryObjection, "happy-here", true),
			"reset playbook":      f.db.ResetPlaybookEntry(ctx, agent, rapport.EntryObjection, "happy-here"),
			"dismiss held":        f.db.DismissHeld(ctx, agent, 1),
			"recruiting targets":  f.db.SetRecruitingTargets(ctx, agent, &rapport.User{ID: colleague.ID, WeeklyGoal: 5}),
			"delete routing rule": f.db.DeleteRoutingRule(ctx, agent, 1),
			"routing rule": f.db.CreateRoutingRule(ctx, agent, &rapport.RoutingRule{Source: "Zillow",
				UserIDs: rapport.FormatIDs([]int64{f.agent.ID})}),
			"update org": f.db.UpdateOrg(ctx, agent, &rapport.Org{Name: "Mine now", Region: "US", TZ: "UTC", Visibility: f.org.Visibility}),
			"add a manager": f.db.CreateUser(ctx, agent, &rapport.User{OrgID: f.org.ID, Email: "boss@acme.test", Name: "Boss",
				Role: rapport.RoleManager, PasswordHash: "x"}),
		}
		_, err := f.db.HeldEvents(ctx, agent, false, 10)
		forbidden["held events"] = err
		_, _, err = f.db.AuditPage(ctx, agent, 0, 10)
		forbidden["audit page"] = err
		_, err = f.db.OrgAPIKeys(ctx, agent)
		forbidden["org keys"] = err
		_, err = f.db.AssignDrills(ctx, agent, colleague.ID, []string{"x"}, "")
		forbidden["assign drills"] = err
		_, err = f.db.Leaderboard(ctx, agent, f.clock.Now())
		forbidden["leaderboard"] = err
		_, err = f.db.ReportScope(ctx, agent, 0, true)
		forbidden["team figures"] = err
		_, err = f.db.ReportScope(ctx, agent, colleague.ID, false)
		forbidden["a colleague's figures"] = err
		_, err = f.db.DrillHistory(ctx, agent, colleague.ID, 10)
		forbidden["a colleague's drills"] = err
		for what, err := range forbidden {
			if rapport.ErrorCode(err) != rapport.EFORBIDDEN {
				t.Errorf("agent: %s = %v, want forbidden", what, err)
			}
		}

		// What the agent may do for themselves still works.
		if sc, err := f.db.ReportScope(ctx, agent, f.agent.ID, false); err != nil || sc.Team || len(sc.Users) != 1 || sc.Users[0].ID != f.agent.ID {
			t.Errorf("own figures = %+v, %v", sc, err)
		}
		if _, err := f.db.DrillHistory(ctx, agent, f.agent.ID, 10); err != nil {
			t.Errorf("own drill history: %v", err)
		}

		// A manager runs the team but does not change visibility;
		// a member of another organisation is not found to them.
		if sc, err := f.db.ReportScope(ctx, manager, colleague.ID, false); err != nil || sc.Member == nil || sc.Member.ID != colleague.ID {
			t.Errorf("manager's view of a member = %+v, %v", sc, err)
		}
		other := newFixture(t, f.db, f.clock, "other")
		_, err = f.db.ReportScope(ctx, manager, other.agent.ID, false)
		wantCode(t, err, rapport.ENOTFOUND)
		_, err = f.db.DrillHistory(ctx, manager, other.agent.ID, 10)
		wantCode(t, err, rapport.ENOTFOUND)
		own := *f.org
		own.Visibility = rapport.VisibilityOwn
		if f.org.Visibility == rapport.VisibilityOwn {
			own.Visibility = rapport.VisibilityAll
		}
		wantCode(t, f.db.UpdateOrg(ctx, manager, &own), rapport.EINVALID)
		if err := f.db.UpdateOrg(ctx, rapport.Member(f.org, f.owner), &own); err != nil {
			t.Fatalf("owner changes visibility: %v", err)
		}

		// An agent who sees only their own people: a colleague's person,
		// conversation, promise, timeline, facts and import are not found.
		theirs := f.person(t, rapport.Person{FirstName: "Their", LastName: "Lead", OwnerID: colleague.ID})
		in := store.LogInput{Conversation: call(rapport.OutcomeLive),
			FollowUp: &rapport.FollowUp{DueOn: "2026-12-07", Note: "call back"}}
		in.Conversation.PersonID, in.Loc = theirs.ID, chicago
		res, err := f.db.LogConversation(ctx, rapport.Member(f.org, colleague), &in)
		if err != nil {
			t.Fatal(err)
		}
		job := &store.ImportJob{FileName: "theirs.csv", Format: "csv", Content: []byte("First Name\nX\n")}
		if err := f.db.CreateImportJob(ctx, rapport.Member(f.org, colleague), job); err != nil {
			t.Fatal(err)
		}
		f.org.Visibility = rapport.VisibilityOwn
		alone := rapport.Member(f.org, f.agent)
		if alone.Only != f.agent.ID {
			t.Fatalf("own-visibility actor = %+v", alone)
		}
		notFound := map[string]error{"check visible": f.db.CheckVisible(ctx, alone, theirs.ID),
			"add fact": f.db.AddFact(ctx, alone, &rapport.Fact{PersonID: theirs.ID, Type: rapport.FactInterest, Text: "golf"}),
		}
		_, err = f.db.Person(ctx, alone, theirs.ID)
		notFound["person"] = err
		_, err = f.db.Conversation(ctx, alone, res.Conversation.ID)
		notFound["conversation"] = err
		fus, err := f.db.FollowUps(ctx, rapport.Member(f.org, colleague), store.FollowUpFilter{PersonID: theirs.ID})
		if err != nil || len(fus) != 1 {
			t.Fatalf("colleague's follow-ups = %+v, %v", fus, err)
		}
		_, err = f.db.FollowUp(ctx, alone, fus[0].ID)
		notFound["follow-up"] = err
		_, err = f.db.Timeline(ctx, alone, theirs.ID)
		notFound["timeline"] = err
		_, err = f.db.Facts(ctx, alone, theirs.ID)
		notFound["facts"] = err
		_, err = f.db.ImportJob(ctx, alone, job.ID, false)
		notFound["import job"] = err
		for what, err := range notFound {
			if rapport.ErrorCode(err) != rapport.ENOTFOUND {
				t.Errorf("own-visibility agent: %s = %v, want not found", what, err)
			}
		}
		// The manager still sees all of it.
		if _, err := f.db.Person(ctx, rapport.Member(f.org, mgr), theirs.ID); err != nil {
			t.Errorf("manager sees the colleague's person: %v", err)
		}
	})
}
