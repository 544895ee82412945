package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestCachesForgottenOnEveryServer: two servers on one PostgreSQL
// database, each with the playbook cached (and a clock that never lets
// the cache's TTL run out); a change on one is seen on the other within
// the moment a notice takes, not the TTL.
func TestCachesForgottenOnEveryServer(t *testing.T) {
	clock := storetest.NewClock(start)
	db := storetest.OpenPostgres(t, clock.Now)
	f := newFixture(t, db, clock, "acme")
	other := storetest.Reopen(t, db, clock.Now)
	startListening(t, other)

	owner := rapport.Member(f.org, f.owner)
	before, err := other.Playbook(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	e := rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceClients, Text: "We only list in spring.",
		Responses: []string{"That makes sense. What happens in spring?"}}
	if err := f.db.SavePlaybookEntry(ctx, owner, &e); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, err := other.Playbook(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := p.Find(rapport.EntryObjection, e.Key); ok {
			if len(p.Entries) != len(before.Entries)+1 {
				t.Errorf("entries %d, before %d", len(p.Entries), len(before.Entries))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the other server still shows the old playbook after 5 seconds (its cache lives 30)")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRosterFollowsEveryChange: the roster is kept between requests (and
// the clock here never lets it expire), yet each change to who is on the
// team — a user added, renamed, disabled, enabled again, given another
// role — shows in the next read, on this server and, through the shared
// database's notices, on another.
func TestRosterFollowsEveryChange(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		servers := []*store.DB{f.db}
		if f.db.Dialect() == store.Postgres {
			other := storetest.Reopen(t, f.db, f.clock.Now)
			startListening(t, other)
			servers = append(servers, other)
		}
		owner := rapport.Member(f.org, f.owner)
		roster := func(db *store.DB) string {
			t.Helper()
			team, err := db.Roster(ctx, owner)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range team.Users {
				s := u.DisplayName() + " " + string(u.Role)
				if !u.Active() {
					s += " (disabled)"
				}
				out = append(out, s)
			}
			return strings.Join(out, ", ")
		}
		// sees waits (up to 5 s, for another server's notice) until every
		// server's roster is want.
		sees := func(step, want string) {
			t.Helper()
			for _, db := range servers {
				deadline := time.Now().Add(5 * time.Second)
				for got := roster(db); got != want; got = roster(db) {
					if time.Now().After(deadline) {
						t.Fatalf("%s: roster %q, want %q", step, got, want)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		}
		sees("at first", "Alex Agent agent, Olive Owner owner")
		nova := &rapport.User{Email: "nova@acme.test", Name: "Nova New", Role: rapport.RoleAgent, PasswordHash: "x"}
		if err := f.db.CreateUser(ctx, owner, nova); err != nil {
			t.Fatal(err)
		}
		sees("added", "Alex Agent agent, Nova New agent, Olive Owner owner")
		renamed := *nova
		renamed.Name = "Ada Renamed"
		if err := f.db.UpdateUserSettings(ctx, owner, &renamed); err != nil {
			t.Fatal(err)
		}
		sees("renamed", "Ada Renamed agent, Alex Agent agent, Olive Owner owner")
		if _, err := f.db.SetUserRole(ctx, owner, nova.ID, rapport.RoleManager); err != nil {
			t.Fatal(err)
		}
		sees("made a manager", "Ada Renamed manager, Alex Agent agent, Olive Owner owner")
		if _, err := f.db.DisableUser(ctx, owner, nova.ID, 0); err != nil {
			t.Fatal(err)
		}
		sees("disabled", "Ada Renamed manager (disabled), Alex Agent agent, Olive Owner owner")
		if _, err := f.db.EnableUser(ctx, owner, nova.ID); err != nil {
			t.Fatal(err)
		}
		sees("enabled", "Ada Renamed manager, Alex Agent agent, Olive Owner owner")
	})
}
