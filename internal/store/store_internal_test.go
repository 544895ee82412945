package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// A change that commits while a roster is being read (after the read saw
// the old one), at either moment before it is kept (before keep looks at
// the count of forgettings, or between its look and the store), leaves
// nothing kept: the next read is the new roster, not the old one for
// rosterTTL.
func TestRosterReadRacingAChangeIsNotKept(t *testing.T) {
	for _, moment := range []string{"read", "keep"} {
		t.Run(moment, func(t *testing.T) {
			ctx := context.Background()
			db, org, owner := openWithOrg(t, func() time.Time { return time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) })
			act := rapport.Member(org, owner)
			renamed := *owner
			renamed.Name = "Olive Renamed"
			hook := &testHookRosterRead
			if moment == "keep" {
				hook = &testHookKeep
			}
			*hook = func() {
				*hook = nil
				if err := db.UpdateUserSettings(ctx, act, &renamed); err != nil {
					t.Error(err)
				}
			}
			defer func() { testHookRosterRead, testHookKeep = nil, nil }()
			if r, err := db.Roster(ctx, act); err != nil || r.Names[owner.ID] != "Olive Owner" {
				t.Fatalf("the read that raced: %+v %v", r, err)
			}
			if r, err := db.Roster(ctx, act); err != nil || r.Names[owner.ID] != "Olive Renamed" {
				t.Fatalf("after the change: %+v %v (the raced read was kept)", r, err)
			}
		})
	}
}

// A ranked page whose matches lost someone between the ranking and the
// page's read (deleted, merged) lists the others in rank order: no gap,
// no panic.
func TestRankedPageSkipsSomeoneGone(t *testing.T) {
	ctx := context.Background()
	db, org, owner := openWithOrg(t, time.Now)
	act := rapport.Member(org, owner)
	var ids []int64
	for _, name := range []string{"Ana", "Bea", "Cal"} {
		p := &rapport.Person{FirstName: name, LastName: "Reyes", Kind: rapport.KindLead}
		if err := db.CreatePerson(ctx, act, p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	// Bea is gone by the time the page is read: an id no one has. The
	// order is the ranking's, not the ids'.
	ids = []int64{ids[2], ids[2] + 1000, ids[0]}
	for _, brief := range []bool{false, true} {
		people, err := db.peopleInOrder(ctx, rapport.Actor{Org: org.ID}, PeopleFilter{Brief: brief}, ids)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range people {
			names = append(names, p.FirstName)
		}
		if strings.Join(names, " ") != "Cal Ana" {
			t.Errorf("brief %v: page %v, want [Cal Ana]", brief, names)
		}
	}
}

// openWithOrg opens a migrated SQLite store of its own with one
// organisation and its owner.
func openWithOrg(t *testing.T, now func() time.Time) (*DB, *rapport.Org, *rapport.User) {
	t.Helper()
	db, err := Open(context.Background(), Options{URL: t.TempDir() + "/r.db", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	org := &rapport.Org{Name: "Acme", Slug: "acme", Region: "US", TZ: "America/Chicago"}
	owner := &rapport.User{Email: "owner@acme.test", Name: "Olive Owner", Role: rapport.RoleOwner, PasswordHash: "x"}
	if err := db.CreateOrg(context.Background(), org, owner); err != nil {
		t.Fatal(err)
	}
	return db, org, owner
}

// The playbook and the pipelines are kept the same way (keep): a change
// to the playbook committing between keep's look at the count and its
// store leaves nothing kept.
func TestPlaybookReadRacingAChangeIsNotKept(t *testing.T) {
	ctx := context.Background()
	db, org, owner := openWithOrg(t, func() time.Time { return time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) })
	act := rapport.Member(org, owner)
	e := rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceClients, Text: "We only list in spring.",
		Responses: []string{"What happens in spring?"}}
	testHookKeep = func() {
		testHookKeep = nil
		if err := db.SavePlaybookEntry(ctx, act, &e); err != nil {
			t.Error(err)
		}
	}
	defer func() { testHookKeep = nil }()
	if _, err := db.Playbook(ctx, act); err != nil {
		t.Fatal(err)
	}
	p, err := db.Playbook(ctx, act)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Find(rapport.EntryObjection, e.Key); !ok {
		t.Fatal("the playbook read while an entry was saved was kept without it")
	}
}
