package store_test

import (
	"fmt"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestMemoKeepsARequestsReadsUntilItWrites: within a request (WithMemo)
// the user and organisation are read once and handed out as copies; a
// write in the same request forgets them, so the request reads what it
// wrote; a request without a memo, or another request, reads the database.
func TestMemoKeepsARequestsReadsUntilItWrites(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		req := store.WithMemo(ctx)
		act := rapport.Member(f.org, f.agent)
		u, err := f.db.User(req, act, f.agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		u.Name = "Changed by a caller" // a copy: the memo keeps what was read
		if again, _ := f.db.User(req, act, f.agent.ID); again.Name != f.agent.Name {
			t.Fatalf("the memo handed out its own user: %q", again.Name)
		}
		// Another request renames the user: this request keeps what it read.
		other := *f.agent
		other.Name = "Renamed Elsewhere"
		if err := f.db.UpdateUserSettings(store.WithMemo(ctx), act, &other); err != nil {
			t.Fatal(err)
		}
		if again, _ := f.db.User(req, act, f.agent.ID); again.Name != f.agent.Name {
			t.Fatalf("the request read its user again: %q", again.Name)
		}
		if fresh, _ := f.db.User(ctx, act, f.agent.ID); fresh.Name != "Renamed Elsewhere" {
			t.Fatalf("without a memo: %q", fresh.Name)
		}
		// A write in the request forgets what it remembered.
		mine := other
		mine.Name = "Renamed Here"
		if err := f.db.UpdateUserSettings(req, act, &mine); err != nil {
			t.Fatal(err)
		}
		if again, _ := f.db.User(req, act, f.agent.ID); again.Name != "Renamed Here" {
			t.Fatalf("after its own write the request read %q", again.Name)
		}
		team, err := f.db.Users(req, act)
		if err != nil || len(team) == 0 {
			t.Fatal(team, err)
		}
		team[0].Name = "Changed by a caller"
		if again, _ := f.db.Users(req, act); again[0].Name == "Changed by a caller" {
			t.Fatal("the memo handed out its own team")
		}
		o, err := f.db.Org(req, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		o.Name = "Changed by a caller"
		if again, _ := f.db.Org(req, f.org.ID); again.Name != f.org.Name {
			t.Fatalf("the memo handed out its own organisation: %q", again.Name)
		}
		// Another organisation's id is not answered from the memo.
		if _, err := f.db.User(req, rapport.Actor{Org: f.org.ID + 1000}, f.agent.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Fatalf("a user of another organisation: %v", err)
		}
	})
}

// A person read in a request is known to be visible for the rest of it,
// until the request writes: moved to another owner in the same request, a
// person private to their owner is hidden again at once.
func TestMemoKnowsWhoIsVisibleUntilAWrite(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Vera", LastName: "Visible", OwnerID: f.agent.ID})
		req := store.WithMemo(ctx)
		agent := rapport.Actor{Org: f.org.ID, User: f.agent.ID, Only: f.agent.ID}
		if _, err := f.db.Person(req, agent, p.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.db.CheckVisible(req, agent, p.ID); err != nil {
			t.Fatalf("CheckVisible after Person: %v", err)
		}
		// Someone else's view is not answered from the agent's.
		other := rapport.Actor{Org: f.org.ID, User: f.owner.ID, Only: f.owner.ID}
		if err := f.db.CheckVisible(req, other, p.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Fatalf("another owner's view: %v", err)
		}
		moved, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		moved.OwnerID = f.owner.ID
		if err := f.db.UpdatePerson(req, rapport.Member(f.org, f.owner), moved); err != nil {
			t.Fatal(err)
		}
		if err := f.db.CheckVisible(req, agent, p.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Fatalf("CheckVisible after the person moved away in the same request: %v", err)
		}
	})
}

// The roster is the team as Users lists it, in the same order, with only
// who each user is: name, email, role and whether still active; its
// active users and everyone's names beside; and it is kept: the next
// request gets the same one.
func TestRosterIsTheTeamBriefly(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		act := rapport.Member(f.org, f.owner)
		// A user with no name is named by email; a disabled one stays listed.
		nameless := &rapport.User{OrgID: f.org.ID, Email: "aaron@example.test", Role: rapport.RoleAgent, PasswordHash: "x", WeeklyGoal: 40}
		if err := f.db.CreateUser(ctx, act, nameless); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.DisableUser(ctx, act, nameless.ID, 0); err != nil {
			t.Fatal(err)
		}
		team, err := f.db.Users(ctx, act)
		if err != nil {
			t.Fatal(err)
		}
		roster, err := f.db.Roster(ctx, act)
		if err != nil {
			t.Fatal(err)
		}
		if len(roster.Users) != len(team) || len(team) < 3 {
			t.Fatalf("roster of %d, team of %d", len(roster.Users), len(team))
		}
		var active []string
		for i, u := range team {
			want := rapport.User{ID: u.ID, OrgID: u.OrgID, Email: u.Email, Name: u.Name, Role: u.Role, DisabledAt: u.DisabledAt}
			if fmt.Sprintf("%+v", roster.Users[i]) != fmt.Sprintf("%+v", want) {
				t.Errorf("roster[%d] = %+v\nwant %+v", i, roster.Users[i], want)
			}
			if roster.Names[u.ID] != u.DisplayName() {
				t.Errorf("name of %d: %q, want %q", u.ID, roster.Names[u.ID], u.DisplayName())
			}
			if u.Active() {
				active = append(active, u.Email)
			}
		}
		var got []string
		for _, u := range roster.Active {
			got = append(got, u.Email)
		}
		if fmt.Sprint(got) != fmt.Sprint(active) || roster.Names[nameless.ID] != "aaron@example.test" {
			t.Errorf("active %v, want %v; the nameless disabled user named %q", got, active, roster.Names[nameless.ID])
		}
		if again, _ := f.db.Roster(ctx, act); again != roster {
			t.Error("the roster was read again with nothing changed")
		}
	})
}
