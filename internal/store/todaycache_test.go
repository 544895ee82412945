package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// Today's candidates are kept between loads on SQLite until something of
// theirs is written — by this store, or anything by another process on the
// same file — or time moves on; PostgreSQL reads them every time. Whatever is kept, each
// load shows what a fresh read would.
func TestTodayKeepsCandidatesUntilAWrite(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		keeps := f.db.Dialect() == store.SQLite
		ana := f.person(t, rapport.Person{FirstName: "Ana"})
		f.clock.Advance(time.Minute)
		reads := f.db.TodayReads()
		// wantReads checks the list (by name), and how many loads read the
		// candidates since the last check: fresh on SQLite, every load on
		// PostgreSQL.
		wantReads := func(want []string, loads, fresh int64) {
			t.Helper()
			for range loads {
				if got := todayNames(t, f); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
					t.Fatalf("Today = %v, want %v", got, want)
				}
			}
			n := f.db.TodayReads() - reads
			reads += n
			if !keeps {
				fresh = loads
			}
			if n != fresh {
				t.Fatalf("%d loads read the candidates %d times, want %d", loads, n, fresh)
			}
		}
		wantReads([]string{"Ana:new_lead"}, 3, 1)

		// A write through this store.
		ben := f.person(t, rapport.Person{FirstName: "Ben"})
		wantReads([]string{"Ana:new_lead", "Ben:new_lead"}, 2, 1)
		f.log(t, ana.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		wantReads([]string{"Ben:new_lead"}, 2, 1)

		// A write by another handle on the same database (on SQLite, as
		// rapport import run beside the server writes).
		other := storetest.Reopen(t, f.db, f.clock.Now)
		if err := other.CreatePerson(ctx, rapport.Member(f.org, f.agent), &rapport.Person{FirstName: "Cy", Kind: rapport.KindLead, OwnerID: f.agent.ID}); err != nil {
			t.Fatal(err)
		}
		wantReads([]string{"Ben:new_lead", "Cy:new_lead"}, 2, 1)

		// The chosen, read whole, and their cards are kept with the
		// candidates, and go with them: a fact added by the other handle
		// shows at the next load.
		card := func() (*rapport.Person, *rapport.ContextCard) {
			t.Helper()
			items, err := f.db.TodayList(ctx, rapport.Member(f.org, f.agent), f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if it.Person.ID == ben.ID {
					return it.Person, it.Card
				}
			}
			t.Fatal("Ben is not on Today")
			return nil, nil
		}
		p1, c1 := card()
		p2, c2 := card()
		if keeps != (p1 == p2 && c1 == c2) {
			t.Errorf("the second load kept the person and card: %v, %v", p1 == p2, c1 == c2)
		}
		if err := other.AddFact(ctx, rapport.Member(f.org, f.agent), &rapport.Fact{PersonID: ben.ID, Type: rapport.FactFamily, Text: "Twins due in May"}); err != nil {
			t.Fatal(err)
		}
		if _, c := card(); len(c.Facts) != 1 || c.Facts[0].Facts[0].Text != "Twins due in May" {
			t.Errorf("after a fact was added elsewhere the card shows %+v", c.Facts)
		}
		reads = f.db.TodayReads()

		// Time: kept within todayKeep, read again after it, on a new day,
		// or when the clock goes back.
		f.clock.Advance(store.TodayKeep / 2)
		wantReads([]string{"Ben:new_lead", "Cy:new_lead"}, 1, 0)
		f.clock.Advance(store.TodayKeep)
		wantReads([]string{"Ben:new_lead", "Cy:new_lead"}, 2, 1)
		f.clock.Advance(-time.Second)
		wantReads([]string{"Ben:new_lead", "Cy:new_lead"}, 1, 1)
		f.clock.Set(start.AddDate(0, 0, 1))
		wantReads([]string{"Ben:new_lead", "Cy:new_lead"}, 2, 1)

		// Each user's own, kept apart.
		mine, err := f.db.Today(ctx, rapport.Member(f.org, f.owner), f.clock.Now())
		if err != nil || len(mine) != 0 {
			t.Fatalf("the owner's Today: %v, %v", mine, err)
		}
		if n := f.db.TodayReads() - reads; n != 1 {
			t.Fatalf("the owner's first Today read the candidates %d times", n)
		}
		reads++
		wantReads([]string{"Ben:new_lead", "Cy:new_lead"}, 1, 0)
		if keeps && f.db.KeptTodays() != 2 {
			t.Errorf("%d Todays kept, want the agent's and the owner's", f.db.KeptTodays())
		}
		// A lead of the owner's leaves the agent's Today as it was: kept
		// (TestTodayKeptAcrossOthersWrites has the rules), and the
		// owner's too, until the owner loads it again.
		f.person(t, rapport.Person{FirstName: "Di", OwnerID: f.owner.ID})
		wantReads([]string{"Ben:new_lead", "Cy:new_lead"}, 1, 0)
		if want := map[bool]int{true: 2, false: 0}[keeps]; f.db.KeptTodays() != want {
			t.Errorf("after a write and a load, %d Todays kept, want %d", f.db.KeptTodays(), want)
		}
		// One of the agent's makes the agent's stale.
		f.person(t, rapport.Person{FirstName: "Ed"})
		wantReads([]string{"Ben:new_lead", "Cy:new_lead", "Ed:new_lead"}, 2, 1)
	})
}

// Loads and writes at once: every load after a write has finished shows
// it, and the kept candidates are shared safely (run with -race).
func TestTodayKeptUnderConcurrentWrites(t *testing.T) {
	db := storetest.OpenSQLite(t, time.Now)
	f := newFixture(t, db, nil, "busy")
	act := rapport.Member(f.org, f.agent)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.TodayList(ctx, act, time.Now()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range 20 {
		p := &rapport.Person{FirstName: "Lead", LastName: string(rune('A' + i)), Kind: rapport.KindLead, OwnerID: f.agent.ID}
		if err := db.CreatePerson(ctx, act, p); err != nil {
			t.Fatal(err)
		}
		entries, err := db.Today(ctx, act, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if want := min(i+1, rapport.DefaultTodaySize); len(entries) != want {
			t.Fatalf("after %d new leads Today shows %d, want %d", i+1, len(entries), want)
		}
	}
	close(stop)
	wg.Wait()
}

// PRAGMA data_version counts per connection, and a new connection starts
// again from the same first value: what was kept under the watch
// connection that was replaced never matches the next one's versions.
func TestTodayKeptAcrossANewWatch(t *testing.T) {
	clock := storetest.NewClock(start)
	db := storetest.OpenSQLite(t, clock.Now)
	f := newFixture(t, db, clock, "watch")
	act := rapport.Member(f.org, f.agent)
	names := func(ctx context.Context) []string {
		t.Helper()
		es, err := db.Today(ctx, act, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Person.FirstName)
		}
		slices.Sort(out)
		return out
	}
	f.person(t, rapport.Person{FirstName: "Ana"})
	clock.Advance(time.Minute)
	if got := names(ctx); !slices.Equal(got, []string{"Ana"}) {
		t.Fatalf("Today = %v", got)
	}
	// Loads whose clients go away while they run leave the watch as it is.
	gen := db.TodayWatchGen()
	for range 200 {
		c, cancel := context.WithCancel(ctx)
		go cancel()
		db.Today(c, act, clock.Now())
		cancel()
	}
	if db.TodayWatchGen() != gen {
		t.Errorf("cancelled loads replaced the watch connection %d times", db.TodayWatchGen()-gen)
	}
	// Kept at the first connection's first version; that connection goes,
	// a lead arrives, and the next connection starts from the same number.
	db.ReplaceTodayWatch()
	f.person(t, rapport.Person{FirstName: "Ben"})
	for range 2 {
		if got := names(ctx); !slices.Equal(got, []string{"Ana", "Ben"}) {
			t.Fatalf("after a new watch connection and a write, Today = %v", got)
		}
	}
}
