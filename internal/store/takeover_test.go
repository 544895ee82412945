package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// onShared runs fn on PostgreSQL, the database servers share; a SQLite
// file has one server, which fails a stopped import rather than take it
// over (TestSoleSQLiteServerFailsEveryRunningImport).
func onShared(t *testing.T, fn func(t *testing.T, f *fixture)) {
	each(t, func(t *testing.T, f *fixture) {
		if f.db.Dialect() != store.Postgres {
			t.Skip("one server per SQLite file: nothing to take over")
		}
		fn(t, f)
	})
}

// takeoverRows are people with nothing to match them by but their names,
// so that an import run twice would write them twice.
func takeoverRows() []store.ImportRow {
	var rows []store.ImportRow
	for i := range 3 {
		rows = append(rows, store.ImportRow{Line: i + 2, Person: rapport.Person{FirstName: fmt.Sprintf("Tess%d", i), LastName: "Takeover", Kind: rapport.KindLead}})
	}
	return rows
}

// runImport is a server's run of import j: the rows in one session for
// the job, then the report, as the web's import runner does.
func runImport(db *store.DB, f *fixture, j *store.ImportJob) error {
	act := rapport.Actor{Org: f.org.ID, User: j.UserID}
	s, err := db.BeginImport(ctx, act, store.ImportOptions{Job: j, Expected: 3})
	if err != nil {
		return err
	}
	if _, err := s.Add(takeoverRows()); err != nil {
		s.Abort()
		return err
	}
	stats, err := s.Finish()
	if err != nil {
		return err
	}
	return db.FinishImportJob(ctx, act, j, fmt.Sprintf(`{"rows":3,"created":%d}`, stats.Created), "")
}

func takeoverPeople(t *testing.T, db *store.DB, f *fixture) int {
	t.Helper()
	page, err := db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "takeover"})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.People)
}

func importAudits(t *testing.T, db *store.DB, f *fixture) int {
	t.Helper()
	es, err := db.AuditLog(ctx, rapport.Actor{Org: f.org.ID}, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Action == store.AuditImport {
			n++
		}
	}
	return n
}

// TestImportTakeOver: three servers share a database. Server A starts an
// import and stops in the middle of it (its heartbeat silent, its
// transaction open and never committed, as when its process froze or was
// cut off). Servers B and C both watch; once the heartbeat has been silent
// for store.ImportStale one of them takes the import over and runs it
// again, and the other does not. The people are written once, with one
// audit entry, and the import ends done with the run's report. When A
// wakes and commits, its run writes nothing and records nothing.
func TestImportTakeOver(t *testing.T) {
	onShared(t, func(t *testing.T, f *fixture) {
		a := f.db
		bClock, cClock := storetest.NewClock(start), storetest.NewClock(start)
		b := storetest.Reopen(t, a, bClock.Now)
		c := storetest.Reopen(t, a, cClock.Now)

		job := runningImport(t, f, a)
		act := rapport.Actor{Org: f.org.ID, User: job.UserID}
		sa, err := a.BeginImport(ctx, act, store.ImportOptions{Job: job, Expected: 3})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sa.Add(takeoverRows()); err != nil {
			t.Fatal(err)
		}

		var runs atomic.Int32
		var wg sync.WaitGroup
		watch := func(db *store.DB, name string) func(*store.ImportJob) {
			return func(j *store.ImportJob) {
				runs.Add(1)
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := runImport(db, f, j); err != nil {
						t.Errorf("run on %s: %v", name, err)
					}
				}()
			}
		}
		wctx, cancel := context.WithCancel(ctx)
		var watchers sync.WaitGroup
		for _, w := range []struct {
			db   *store.DB
			name string
		}{{b, "B"}, {c, "C"}} {
			watchers.Add(1)
			go func() { defer watchers.Done(); w.db.WatchImports(wctx, time.Millisecond, watch(w.db, w.name)) }()
		}
		// Within the threshold nobody takes it.
		bClock.Set(start.Add(store.ImportStale - time.Second))
		cClock.Set(start.Add(store.ImportStale - time.Second))
		time.Sleep(50 * time.Millisecond)
		if n := runs.Load(); n != 0 {
			t.Fatalf("taken over %d times while its heartbeat was fresh", n)
		}
		bClock.Set(start.Add(store.ImportStale + time.Second))
		cClock.Set(start.Add(store.ImportStale + time.Second))
		deadline := time.Now().Add(10 * time.Second)
		for importStatus(t, a, f.org.ID, job.ID).Status == store.ImportRunning && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // more rounds of both watchers
		cancel()
		watchers.Wait()
		wg.Wait()

		if n := runs.Load(); n != 1 {
			t.Fatalf("taken over %d times, want once", n)
		}
		j := importStatus(t, a, f.org.ID, job.ID)
		if j.Status != store.ImportDone || j.Attempts != 2 || !strings.Contains(j.Report, `"created":3`) || j.Error != "" {
			t.Fatalf("after the takeover: %s, attempt %d, report %q, error %q", j.Status, j.Attempts, j.Report, j.Error)
		}

		// Server A wakes: its commit and its report are refused.
		if _, err := sa.Finish(); !errors.Is(err, store.ErrImportTakenOver) {
			t.Errorf("the stopped run's commit: %v", err)
		}
		if err := a.FinishImportJob(ctx, act, job, `{"rows":3}`, ""); !errors.Is(err, store.ErrImportTakenOver) {
			t.Errorf("the stopped run's report: %v", err)
		}
		if running, err := a.BeatImport(ctx, act, job); err != nil || running {
			t.Errorf("the stopped run's beat: running=%v %v", running, err)
		}
		if n := takeoverPeople(t, a, f); n != 3 {
			t.Errorf("%d people imported, want 3", n)
		}
		if n := importAudits(t, a, f); n != 1 {
			t.Errorf("%d import audit entries, want 1", n)
		}
		if j := importStatus(t, a, f.org.ID, job.ID); j.Status != store.ImportDone || !strings.Contains(j.Report, `"created":3`) {
			t.Errorf("after the stopped run woke: %s %q", j.Status, j.Report)
		}
	})
}

// TestImportTakenOverWhileCommitting: a run that is committing holds its
// import; a server that finds its heartbeat stale meanwhile does not take
// it over, and afterwards finds it done.
func TestImportTakenOverWhileCommitting(t *testing.T) {
	onShared(t, func(t *testing.T, f *fixture) {
		job := runningImport(t, f, f.db)
		later := storetest.NewClock(start.Add(store.ImportStale + time.Second))
		b := storetest.Reopen(t, f.db, later.Now)
		if err := runImport(f.db, f, job); err != nil {
			t.Fatal(err)
		}
		took, err := b.TakeOverImport(ctx, func(*store.ImportJob) { t.Error("took over a finished import") })
		if err != nil || took {
			t.Errorf("took=%v %v", took, err)
		}
		if n := takeoverPeople(t, f.db, f); n != 3 {
			t.Errorf("%d people", n)
		}
	})
}

// TestImportGivenUp: an import during whose every run its server stopped
// is failed, with a message that says so, after store.MaxImportAttempts
// runs; a late report from its last run changes nothing.
func TestImportGivenUp(t *testing.T) {
	onShared(t, func(t *testing.T, f *fixture) {
		clock := storetest.NewClock(start)
		b := storetest.Reopen(t, f.db, clock.Now)
		job := runningImport(t, f, f.db)
		var last *store.ImportJob
		for attempt := 2; ; attempt++ {
			clock.Advance(store.ImportStale + time.Second)
			took, err := b.TakeOverImport(ctx, func(j *store.ImportJob) { last = j })
			if err != nil {
				t.Fatal(err)
			}
			if !took {
				if attempt != store.MaxImportAttempts+1 {
					t.Fatalf("given up before run %d", attempt)
				}
				break
			}
			if last.Attempts != attempt {
				t.Fatalf("run %d is attempt %d", attempt, last.Attempts)
			}
		}
		j := importStatus(t, b, f.org.ID, job.ID)
		if j.Status != store.ImportFailed || !strings.Contains(j.Error, fmt.Sprintf("stopped %d times", store.MaxImportAttempts)) ||
			!strings.Contains(j.Error, "nothing was imported") {
			t.Fatalf("given up: %s %q", j.Status, j.Error)
		}
		if err := runImport(b, f, last); !errors.Is(err, store.ErrImportTakenOver) {
			t.Errorf("the last run, late: %v", err)
		}
		if j := importStatus(t, b, f.org.ID, job.ID); j.Status != store.ImportFailed || takeoverPeople(t, b, f) != 0 {
			t.Errorf("after the last run came back: %s", j.Status)
		}
	})
}
