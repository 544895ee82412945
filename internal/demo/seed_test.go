package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestSeedBuildsABelievableBrokerage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	clock := storetest.NewClock(now)
	db := storetest.OpenSQLite(t, clock.Now)
	start := time.Now()
	org, err := demo.Seed(ctx, db, now, "x")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded in %v", time.Since(start))
	users, _ := db.Users(ctx, org.ID)
	if len(users) != 4 {
		t.Fatalf("users = %d", len(users))
	}
	var total int
	kinds := map[rapport.Kind]int{}
	cursor := ""
	for {
		page, err := db.ListPeople(ctx, org.ID, store.PeopleFilter{Limit: 200, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.People {
			total++
			kinds[p.Kind]++
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if total < 180 || total > 240 || kinds[rapport.KindRecruit] < 40 || kinds[rapport.KindLead] < 40 {
		t.Errorf("people = %d, kinds = %v", total, kinds)
	}
	for _, u := range users {
		entries, err := db.Today(ctx, org, &u, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != u.TodaySize {
			t.Errorf("%s: Today has %d people, want %d", u.Email, len(entries), u.TodaySize)
		}
		live, _ := db.LiveTimes(ctx, org.ID, u.ID, now.AddDate(0, 0, -56))
		if len(live) < 40 {
			t.Errorf("%s: only %d live conversations in eight weeks", u.Email, len(live))
		}
		overdue, _ := db.FollowUps(ctx, org.ID, store.FollowUpFilter{UserID: u.ID, DueTo: rapport.DayOf(now, org.Location()).AddDays(-1)})
		if len(overdue) == 0 {
			t.Errorf("%s: no overdue follow-ups", u.Email)
		}
	}
}
