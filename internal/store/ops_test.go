package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// runningImport uploads a file and starts importing it through db.
func runningImport(t *testing.T, f *fixture, db *store.DB) *store.ImportJob {
	t.Helper()
	j := &store.ImportJob{OrgID: f.org.ID, UserID: f.owner.ID, FileName: "list.csv", Format: "csv", Content: []byte("Name\nAnn\n"), Settings: "{}"}
	if err := db.CreateImportJob(ctx, rapport.Actor{Org: j.OrgID}, j); err != nil {
		t.Fatal(err)
	}
	if err := db.StartImportJob(ctx, rapport.Actor{Org: f.org.ID}, j); err != nil {
		t.Fatal(err)
	}
	if j.Status != store.ImportRunning || j.Attempts != 1 {
		t.Fatalf("started: %s, attempt %d", j.Status, j.Attempts)
	}
	return j
}

func importStatus(t *testing.T, db *store.DB, orgID, id int64) *store.ImportJob {
	t.Helper()
	j, err := db.ImportJob(ctx, rapport.Actor{Org: orgID}, id, false)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// TestImportHeartbeat: two processes share one database, each with its
// own clock. The import the first is running and beating for is left
// alone however long it runs; one whose heartbeat stopped for longer than
// store.ImportStale is a stopped server's. On SQLite a process beside the
// server fails it (the server itself fails every running import at
// start); on PostgreSQL no server fails it at start, a live one takes it
// over (TestImportTakeOver), and the run that stopped hears so when it
// beats.
func TestImportHeartbeat(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		other := storetest.NewClock(start)
		b := storetest.Reopen(t, f.db, other.Now)
		// interrupted is what the other process finds interrupted now.
		interrupted := func() []int64 {
			t.Helper()
			var ids []int64
			if f.db.Dialect() == store.SQLite {
				before := map[int64]string{}
				for _, j := range importJobs(t, b, f) {
					before[j.ID] = j.Status
				}
				if _, err := b.FailInterruptedImports(ctx); err != nil {
					t.Fatal(err)
				}
				for _, j := range importJobs(t, b, f) {
					if j.Status == store.ImportFailed && before[j.ID] == store.ImportRunning {
						ids = append(ids, j.ID)
					}
				}
				return ids
			}
			if n, err := b.FailInterruptedImports(ctx); err != nil || n != 0 {
				t.Fatalf("a PostgreSQL server failed %d imports at start (%v)", n, err)
			}
			for {
				took, err := b.TakeOverImport(ctx, func(j *store.ImportJob) { ids = append(ids, j.ID) })
				if err != nil {
					t.Fatal(err)
				}
				if !took {
					return ids
				}
			}
		}

		live := runningImport(t, f, f.db)
		dead := runningImport(t, f, f.db)
		for _, d := range []time.Duration{30 * time.Second, store.ImportStale / 2, store.ImportStale - time.Second} {
			f.clock.Set(start.Add(d))
			if running, err := f.db.BeatImport(ctx, rapport.Actor{Org: f.org.ID}, live); err != nil || !running {
				t.Fatalf("beat at +%s: %v %v", d, running, err)
			}
		}
		if j := importStatus(t, b, f.org.ID, live.ID); !j.HeartbeatAt.Equal(start.Add(store.ImportStale - time.Second)) {
			t.Errorf("heartbeat = %v", j.HeartbeatAt)
		}
		// 30 s after the first beat stopped for the import that no longer
		// beats: both are within the threshold.
		other.Set(start.Add(30 * time.Second))
		if ids := interrupted(); len(ids) != 0 {
			t.Fatalf("within the threshold: %v", ids)
		}
		// Past the threshold for the silent one only.
		other.Set(start.Add(store.ImportStale + time.Second))
		if ids := interrupted(); len(ids) != 1 || ids[0] != dead.ID {
			t.Fatalf("one silent for longer than %s: %v, want [%d]", store.ImportStale, ids, dead.ID)
		}
		if j := importStatus(t, b, f.org.ID, dead.ID); f.db.Dialect() == store.SQLite &&
			(j.Status != store.ImportFailed || !strings.Contains(j.Error, "nothing was imported")) {
			t.Errorf("the silent import: %s %q", j.Status, j.Error)
		}
		if j := importStatus(t, b, f.org.ID, live.ID); j.Status != store.ImportRunning {
			t.Errorf("the beating import: %s %q", j.Status, j.Error)
		}
		// The first process stops beating; after the threshold its import
		// is interrupted too.
		other.Set(start.Add(2*store.ImportStale - time.Second + time.Millisecond))
		if ids := interrupted(); len(ids) != 1 || ids[0] != live.ID {
			t.Fatalf("after its process went silent: %v", ids)
		}
		if f.db.Dialect() == store.SQLite {
			return
		}
		if running, err := f.db.BeatImport(ctx, rapport.Actor{Org: f.org.ID}, live); err != nil || running {
			t.Errorf("a beat for an import another server took over: running=%v %v", running, err)
		}
	})
}

// importJobs lists the fixture organisation's imports.
func importJobs(t *testing.T, db *store.DB, f *fixture) []store.ImportJob {
	t.Helper()
	js, err := db.ImportJobs(ctx, rapport.Actor{Org: f.org.ID}, 100)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestKeepImportAlive beats on its own until stopped, on PostgreSQL. On
// SQLite the import holds the only writer, so it does not try (the sole
// server fails every running import at start instead).
func TestKeepImportAlive(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		j := runningImport(t, f, f.db)
		f.clock.Set(start.Add(time.Hour))
		stop := f.db.KeepImportAlive(rapport.Actor{Org: f.org.ID}, j, 5*time.Millisecond)
		want := start
		if f.db.Dialect() == store.Postgres {
			want = start.Add(time.Hour)
		}
		deadline := time.Now().Add(5 * time.Second)
		for !importStatus(t, f.db, f.org.ID, j.ID).HeartbeatAt.Equal(want) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		stop()
		f.clock.Set(start.Add(2 * time.Hour))
		time.Sleep(30 * time.Millisecond)
		if got := importStatus(t, f.db, f.org.ID, j.ID).HeartbeatAt; !got.Equal(want) {
			t.Errorf("%s: heartbeat at %v, want %v (and none after stop)", f.db.Dialect(), got, want)
		}
	})
}

// TestWatchImports: on PostgreSQL a live server takes over, while it
// runs, the imports of a server that stopped beating; on SQLite, whose
// one server cannot beat while importing, it does not watch.
func TestWatchImports(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		other := storetest.NewClock(start.Add(store.ImportStale + time.Second))
		b := storetest.Reopen(t, f.db, other.Now)
		id := runningImport(t, f, f.db).ID
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		taken := make(chan *store.ImportJob, 10)
		go func() { b.WatchImports(wctx, 5*time.Millisecond, func(j *store.ImportJob) { taken <- j }); close(done) }()
		want := 2
		if b.Dialect() == store.SQLite {
			want = 1
		}
		deadline := time.Now().Add(5 * time.Second)
		for importStatus(t, b, f.org.ID, id).Attempts != want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
		cancel()
		<-done
		close(taken)
		var runs []int64
		for j := range taken {
			runs = append(runs, j.ID)
			if len(j.Content) == 0 || j.Attempts != 2 {
				t.Errorf("handed over without its file, or as attempt %d", j.Attempts)
			}
		}
		if j := importStatus(t, b, f.org.ID, id); j.Status != store.ImportRunning || j.Attempts != want || len(runs) != want-1 {
			t.Errorf("%s: %s, attempt %d, runs here %v", b.Dialect(), j.Status, j.Attempts, runs)
		}
	})
}

// TestSoleSQLiteServerFailsEveryRunningImport: the server holding a SQLite
// file's lock is its only server, so an import running at its start was
// a stopped server's, however fresh its heartbeat.
func TestSoleSQLiteServerFailsEveryRunningImport(t *testing.T) {
	clock := storetest.NewClock(start)
	db := storetest.OpenSQLite(t, clock.Now)
	f := newFixture(t, db, clock, "acme")
	id := runningImport(t, f, db).ID
	sole, err := store.Open(ctx, store.Options{URL: storetest.DSN(t, db), Now: clock.Now, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sole.Close()
	if n, err := sole.FailInterruptedImports(ctx); err != nil || n != 1 {
		t.Fatalf("failed %d (%v)", n, err)
	}
	if j := importStatus(t, db, f.org.ID, id); j.Status != store.ImportFailed {
		t.Errorf("status %s", j.Status)
	}
}

// TestOneServerPerSQLiteFile: a second server (Exclusive) on one SQLite
// file is refused with a message naming the file, the process holding it
// and PostgreSQL as the way to run several; commands beside the server
// open it as before; the lock ends with Close. PostgreSQL takes several.
func TestOneServerPerSQLiteFile(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := storetest.DSN(t, b.Open(t, nil))
			first, err := store.Open(ctx, store.Options{URL: dsn, Exclusive: true})
			if err != nil {
				t.Fatal(err)
			}
			defer first.Close()
			second, err := store.Open(ctx, store.Options{URL: dsn, Exclusive: true})
			if b.Name == store.Postgres {
				if err != nil {
					t.Fatalf("a second server on PostgreSQL: %v", err)
				}
				second.Close()
				return
			}
			if err == nil {
				second.Close()
				t.Fatal("a second server opened the SQLite file")
			}
			abs, _ := filepath.EvalSymlinks(dsn)
			msg := err.Error()
			if !errors.Is(err, store.ErrServerRunning) || !strings.Contains(msg, abs) || !strings.Contains(msg, "PostgreSQL") ||
				!strings.Contains(msg, "process "+strconv.Itoa(os.Getpid())) {
				t.Errorf("second server: %v", err)
			}
			// Another spelling of the same file: a symbolic link.
			link := filepath.Join(t.TempDir(), "link.db")
			if err := os.Symlink(dsn, link); err != nil {
				t.Fatal(err)
			}
			if s, err := store.Open(ctx, store.Options{URL: link, Exclusive: true}); !errors.Is(err, store.ErrServerRunning) {
				if s != nil {
					s.Close()
				}
				t.Errorf("through a symbolic link: %v", err)
			}
			// A backup or an import beside the server.
			tool, err := store.Open(ctx, store.Options{URL: dsn})
			if err != nil {
				t.Fatalf("a command beside the server: %v", err)
			}
			tool.Close()
			first.Close()
			again, err := store.Open(ctx, store.Options{URL: dsn, Exclusive: true})
			if err != nil {
				t.Fatalf("after the first stopped: %v", err)
			}
			again.Close()
		})
	}
}

// TestHealthOfADatabaseThatCannotWrite: a database that answers but
// cannot take a write (SQLite opened read-only, PostgreSQL read-only as a
// standby is) fails the health check and the start-up check, which name
// it; a writable one passes.
func TestHealthOfADatabaseThatCannotWrite(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if err := f.db.Health(ctx); err != nil {
			t.Fatalf("a writable database: %v", err)
		}
		if err := f.db.CheckWritable(ctx); err != nil {
			t.Fatalf("a writable database: %v", err)
		}
		ro := storetest.ReopenReadOnly(t, f.db, f.clock.Now)
		if err := ro.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		err := ro.Health(ctx)
		var he *store.HealthError
		if !errors.As(err, &he) || he.Reason != "database cannot write: read-only" {
			t.Fatalf("read-only: %v", err)
		}
		err = ro.CheckWritable(ctx)
		if err == nil || !strings.Contains(err.Error(), ro.Name()) || !strings.Contains(err.Error(), "cannot be written") {
			t.Errorf("start-up check: %v", err)
		}
		if strings.Contains(ro.Name(), "rapport_ci@") && strings.Contains(ro.Name(), ":rapport_ci@") {
			t.Errorf("the name shows the password: %s", ro.Name())
		}
	})
}

// TestHealthRemembersFailedWrites: on a full disk the small health write
// may still fit while real writes fail; health reports those failures for
// a minute after the last one, and a disk almost out of room.
func TestHealthRemembersFailedWrites(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		restore := f.db.FillDisk(t)
		var he *store.HealthError
		big := &store.ImportJob{OrgID: f.org.ID, UserID: f.owner.ID, FileName: "big.csv", Format: "csv",
			Content: []byte(strings.Repeat("Name\n", 20000)), Settings: "{}"}
		if err := f.db.CreateImportJob(ctx, rapport.Actor{Org: big.OrgID}, big); err == nil {
			t.Fatal("a write on a full disk succeeded")
		}
		if err := f.db.Health(ctx); !errors.As(err, &he) || he.Reason != "database cannot write: disk full" {
			t.Fatalf("after a write failed on a full disk: %v", err)
		}
		restore()
		f.clock.Advance(59 * time.Second)
		if err := f.db.Health(ctx); err == nil {
			t.Error("a minute has not passed")
		}
		f.clock.Advance(2 * time.Second)
		if err := f.db.Health(ctx); err != nil {
			t.Errorf("a minute after the last failure, with room again: %v", err)
		}
		if f.db.Dialect() == store.SQLite {
			defer store.SetMinFree(1 << 62)()
			if err := f.db.Health(ctx); !errors.As(err, &he) || he.Reason != "database cannot write: disk full" || !strings.Contains(he.Err.Error(), f.db.Name()) {
				t.Errorf("a disk nearly out of room: %v", err)
			}
		}
	})
}

// TestHealthWhileAnImportHoldsTheWriter: a long import (on SQLite it holds
// the only write connection) makes the health check wait a bounded time,
// and waiting is not a failure.
func TestHealthWhileAnImportHoldsTheWriter(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		s, err := f.db.BeginImport(ctx, rapport.Member(f.org, f.owner), store.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Abort()
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		began := time.Now()
		if err := f.db.Health(hctx); err != nil {
			t.Errorf("health during an import: %v", err)
		}
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("health took %s during an import", took)
		}
	})
}
