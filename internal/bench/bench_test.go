package bench

import (
	"context"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole benchmark at a small size")
	}
	res, err := Run(context.Background(), Options{People: 3000, Requests: 1000, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImportRowsPerS <= 0 || res.RawRowsPerS <= 0 || res.SearchP99 <= 0 || res.TodayP99 <= 0 || res.PersonP99 <= 0 ||
		res.APIListP99 <= 0 || res.PeakRSSMB <= 0 {
		t.Fatalf("result = %+v", res)
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
