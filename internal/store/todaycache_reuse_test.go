package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// A whole person kept by an entry and copied into a reused entry after
// they stopped being a candidate would no longer be a dep: a write to them
// would pass unseen, and when they came back as a candidate the copied
// (stale) row and card would be served. A reused entry copies only its
// own candidates' (found by review).
func TestTodayReuseKeepsOnlyCandidates(t *testing.T) {
	clock := storetest.NewClock(start)
	db := storetest.OpenSQLite(t, clock.Now)
	f := newFixture(t, db, clock, "reuse")
	fresh := storetest.ReopenReadOnly(t, db, clock.Now)
	agent, owner := rapport.Member(f.org, f.agent), rapport.Member(f.org, f.owner)
	today := rapport.DayOf(clock.Now(), chicago)

	// Yuri is the owner's; the agent has a meeting with him tonight.
	yuri := f.person(t, rapport.Person{FirstName: "Yuri", Kind: rapport.KindSphere, OwnerID: f.owner.ID})
	// Zed is the agent's, with 119 calls promised today (before Yuri's
	// meeting in the read's order: due_time "" sorts first).
	zed := f.person(t, rapport.Person{FirstName: "Zed", Kind: rapport.KindSphere})
	var zeds []int64
	for range 119 {
		fu := &rapport.FollowUp{PersonID: zed.ID, UserID: f.agent.ID, DueOn: today, Kind: rapport.FollowUpCall}
		mustDo(t, db.CreateFollowUp(ctx, agent, fu))
		zeds = append(zeds, fu.ID)
	}
	mustDo(t, db.CreateFollowUp(ctx, owner, &rapport.FollowUp{PersonID: yuri.ID, UserID: f.agent.ID, DueOn: today, DueTime: "23:00",
		Kind: rapport.FollowUpMeeting, Note: "Dinner"}))
	clock.Advance(time.Minute)

	show := func(d *store.DB) string {
		t.Helper()
		return must(todaySlips(d, agent, clock.Now()))
	}
	check := func(name string) {
		t.Helper()
		got, want := show(db), show(fresh)
		if got != want {
			t.Errorf("%s: Today shows\n%s\nwant\n%s", name, got, want)
		}
		t.Logf("%s: %s (reads %d reuses %d)", name, got, db.TodayReads(), db.TodayReuses())
	}

	check("Yuri on the list") // E0 keeps Yuri whole, and his card
	// One more call promised today: Yuri's meeting is the 121st, past the
	// read's bound. Zed touched: E1 is read reusing E0, whose people
	// (Yuri) it copies.
	mustDo(t, db.CreateFollowUp(ctx, agent, &rapport.FollowUp{PersonID: zed.ID, UserID: f.agent.ID, DueOn: today, Kind: rapport.FollowUpCall}))
	check("Yuri pushed off")
	// Yuri renamed by his owner: not a candidate of E1 (not a dep), not
	// the agent's: E1 is kept, and moves past the commit.
	p, err := db.Person(ctx, owner, yuri.ID)
	mustDo(t, err)
	p.FirstName, p.LastName = "Yves", "Renamed"
	mustDo(t, db.UpdatePerson(ctx, owner, p))
	mustDo(t, db.AddFact(ctx, owner, &rapport.Fact{PersonID: yuri.ID, Type: rapport.FactFamily, Text: "Two dogs"}))
	reads := db.TodayReads()
	check("Yuri renamed")
	if db.TodayReads() != reads {
		t.Logf("(E1 was read again after the rename)")
	}
	// One of Zed's done: Zed touched (not Yuri); E2 reuses E1, copying
	// Yuri's stale whole row; Yuri is back.
	mustDo(t, db.CloseFollowUp(ctx, agent, zeds[0], rapport.FollowUpDone))
	check("Yuri back")
}

// Loaders and a writer renaming and calling people on the list at once;
// after each write Today through the store must match a fresh handle (run
// with -race). Written by review.
func TestTodayReuseUnderConcurrentWrites(t *testing.T) {
	clock := storetest.NewClock(start)
	db := storetest.OpenSQLite(t, clock.Now)
	f := newFixture(t, db, clock, "busyreuse")
	fresh := storetest.ReopenReadOnly(t, db, clock.Now)
	act := rapport.Member(f.org, f.agent)
	var ids []int64
	for i := range 40 {
		p := f.person(t, rapport.Person{FirstName: "Lead", LastName: fmt.Sprint(i)})
		ids = append(ids, p.ID)
	}
	clock.Advance(time.Minute)
	show := func(d *store.DB) string {
		s, err := todaySlips(d, act, clock.Now())
		if err != nil {
			t.Error(err)
		}
		return s
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				show(db)
			}
		})
	}
	// The loaders end before the test does, however it ends.
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for i := range 150 {
		id := ids[i%len(ids)]
		switch i % 3 {
		case 0:
			p, err := db.Person(ctx, act, id)
			if err != nil {
				t.Fatal(err)
			}
			p.FirstName = fmt.Sprintf("N%d", i)
			if err := db.UpdatePerson(ctx, act, p); err != nil {
				t.Fatal(err)
			}
		case 1:
			if err := db.AddFact(ctx, act, &rapport.Fact{PersonID: id, Type: rapport.FactFamily, Text: fmt.Sprintf("fact %d", i)}); err != nil {
				t.Fatal(err)
			}
		case 2:
			f.log(t, id, store.LogInput{Conversation: call(rapport.OutcomeNoAnswer)})
		}
		if got, want := show(db), show(fresh); got != want {
			t.Fatalf("after write %d Today shows\n%s\nwant\n%s", i, got, want)
		}
	}
	t.Logf("reads %d reuses %d", db.TodayReads(), db.TodayReuses())
}

// A chain of reuses never keeps a row longer than a kept Today would: an
// entry is reused only while the oldest of its rows are younger than
// todayKeep.
func TestTodayReuseBoundedByTheKeep(t *testing.T) {
	clock := storetest.NewClock(start)
	db := storetest.OpenSQLite(t, clock.Now)
	f := newFixture(t, db, clock, "chain")
	act := rapport.Member(f.org, f.agent)
	ben := f.person(t, rapport.Person{FirstName: "Ben"})
	f.person(t, rapport.Person{FirstName: "Cy"})
	clock.Advance(time.Minute)
	load := func() {
		t.Helper()
		if _, err := db.TodayList(ctx, act, clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	call := func() {
		t.Helper()
		f.log(t, ben.ID, store.LogInput{Conversation: rapport.Conversation{Channel: rapport.ChannelCall, Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeNoAnswer}})
	}
	load() // read whole at the start
	reuses := db.TodayReuses()
	clock.Advance(store.TodayKeep / 2)
	call()
	load() // read again, reusing Cy's row from the start
	if db.TodayReuses() != reuses+1 {
		t.Fatalf("a call to Ben: %d reuses, want 1", db.TodayReuses()-reuses)
	}
	clock.Advance(store.TodayKeep/2 + time.Second)
	call()
	load() // Cy's row is now older than the keep: read whole
	if db.TodayReuses() != reuses+1 {
		t.Errorf("a row older than the keep was reused (%d reuses, want 1)", db.TodayReuses()-reuses)
	}
}
