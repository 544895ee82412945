package store

import (
	"context"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// A change that commits while a roster is being read (after the read
// saw the old one) forgets the caches before the reader keeps what it
// read: the reader then keeps nothing, and the next read is the new
// roster, not the old one for rosterTTL.
func TestRosterReadRacingAChangeIsNotKept(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{URL: t.TempDir() + "/r.db", Now: func() time.Time { return time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org := &rapport.Org{Name: "Acme", Slug: "acme", Region: "US", TZ: "America/Chicago"}
	owner := &rapport.User{Email: "owner@acme.test", Name: "Olive Owner", Role: rapport.RoleOwner, PasswordHash: "x"}
	if err := db.CreateOrg(ctx, org, owner); err != nil {
		t.Fatal(err)
	}
	act := rapport.Member(org, owner)
	renamed := *owner
	renamed.Name = "Olive Renamed"
	testHookRosterRead = func() {
		testHookRosterRead = nil
		if err := db.UpdateUserSettings(ctx, act, &renamed); err != nil {
			t.Error(err)
		}
	}
	defer func() { testHookRosterRead = nil }()
	if us, err := db.Roster(ctx, act); err != nil || us[0].Name != "Olive Owner" {
		t.Fatalf("the read that raced: %+v %v", us, err)
	}
	if us, err := db.Roster(ctx, act); err != nil || us[0].Name != "Olive Renamed" {
		t.Fatalf("after the change: %+v %v (the raced read was kept)", us, err)
	}
}
