package bench

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole benchmark at a small size")
	}
	dir := t.TempDir()
	if _, err := Run(context.Background(), Options{Again: true, Dir: dir}); err == nil {
		t.Fatal("measured again with no earlier run")
	}
	res, err := Run(context.Background(), Options{People: 3000, Requests: 1000, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImportRowsPerS <= 0 || res.RawRowsPerS <= 0 || res.SearchP99 <= 0 || res.TodayP99 <= 0 || res.TodayReadP99 <= 0 || res.PersonP99 <= 0 ||
		res.APIListP99 <= 0 || res.PeakRSSMB <= 0 {
		t.Fatalf("result = %+v", res)
	}
	// The pages measured again on the book the run left, not imported anew.
	res, err = Run(context.Background(), Options{Again: true, Requests: 1000, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImportRowsPerS != 0 || res.SearchP99 <= 0 || res.TodayP99 <= 0 || res.TodayReadP99 <= 0 || res.PersonP99 <= 0 || res.APIListP99 <= 0 {
		t.Fatalf("again: result = %+v", res)
	}
}

// TestLoadShort is the load test in a short form: 30 signed-in users
// doing the mix against the real server for a few seconds, on each
// database. No request may fail, no "database is locked" may reach
// anyone, and every acknowledged write is in the database afterwards.
// (Timings are figures for the closing note, not assertions.)
func TestLoadShort(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t, time.Now)
			res, err := Load(context.Background(), LoadOptions{Store: db, Users: 30, Accounts: 6, People: 3000, Duration: 3 * time.Second, Think: 100 * time.Millisecond,
				Baseline: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d requests, %.0f/s, p50 %.1f ms, p99 %.1f ms, by action %+v", b.Name, res.Requests, res.PerSecond, res.P50, res.P99, res.ByAction)
			if res.Errors > 0 || res.Locked > 0 || res.Requests < 30 {
				t.Errorf("%d errors (first: %s), %d locked, %d requests", res.Errors, res.FirstError, res.Locked, res.Requests)
			}
			if res.AcknowledgedWrites == 0 || res.AcknowledgedMissing > 0 {
				t.Errorf("%d acknowledged writes, %d of them missing (first: %s)", res.AcknowledgedWrites, res.AcknowledgedMissing, res.FirstMissing)
			}
			if res.BaselinePerSecond <= 0 || res.BaselineErrors > 0 || res.MixedVsBaseline <= 0 {
				t.Errorf("baseline %.0f/s, %d errors (first: %s), mix/baseline %.3f", res.BaselinePerSecond, res.BaselineErrors, res.BaselineFirstError, res.MixedVsBaseline)
			}
			for _, a := range []string{"today", "search", "person", "log", "event"} {
				if res.ByAction[a].N == 0 {
					t.Errorf("no %s requests", a)
				}
			}
		})
	}
}

// TestAcknowledgedWritesMissing: an acknowledged write is found by its
// mark, and one that is not in the database is named.
func TestAcknowledgedWritesMissing(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t, time.Now)
	org, users, _, err := loadSetup(ctx, db, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := personIDs(ctx, db, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	in := &store.LogInput{Conversation: rapport.Conversation{PersonID: ids[0], Channel: rapport.ChannelCall,
		Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeLive, Notes: logNotes(0, 0)}}
	if _, err := db.LogConversation(ctx, rapport.Member(org, &users[0]), in); err != nil {
		t.Fatal(err)
	}
	w := &acked{logs: []string{logNotes(0, 0), logNotes(0, 1)}, events: []string{eventMessage(0, 2)}}
	missing, err := w.missing(ctx, db, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"log " + logNotes(0, 1), "event " + eventMessage(0, 2)}
	if !slices.Equal(missing, want) || w.count() != 3 {
		t.Errorf("missing = %q of %d, want %q", missing, w.count(), want)
	}
}
