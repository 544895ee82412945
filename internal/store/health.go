package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// How /healthz judges the database's writes.
const (
	// healthCheckEvery is how long a write check's result stands: a load
	// balancer polling every second costs one small write per interval.
	healthCheckEvery = 5 * time.Second
	// healthCheckWait is how long a write check waits for its turn. On
	// SQLite a long import holds the only writer; waiting behind it is
	// being busy, not being broken, and is not reported as a failure.
	healthCheckWait = 2 * time.Second
	// faultMemory is how long a write that failed for the storage's sake
	// (disk full, read-only, I/O error) keeps health failing. Small writes
	// such as the check's may still fit on a full disk while every real
	// one fails, so the failures themselves are the surest sign.
	faultMemory = time.Minute
)

// minFreeBytes is the free space on a SQLite database's disk below which
// health reports the disk full: less than an import or a checkpoint may
// need, so writes are about to fail. A variable for tests.
var minFreeBytes uint64 = 16 << 20

// HealthError says why the database cannot be trusted with writes. Reason
// is short and names nothing of the server (the /healthz body); Err has
// the details, for the log.
type HealthError struct {
	Reason string
	Err    error
}

func (e *HealthError) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *HealthError) Unwrap() error { return e.Err }

// healthState remembers storage failures and the last write check.
type healthState struct {
	mu        sync.Mutex // one health check at a time
	checkedAt time.Time
	checkErr  error
	failing   string // the reason last reported, for logging changes only

	faultMu   sync.Mutex // the last storage fault, noted by every write
	fault     error
	faultKind string
	faultAt   time.Time
}

// CheckWritable writes the health row and commits, and says, naming the
// database, when it cannot. rapport serve calls it before it announces
// itself; /healthz through Health.
func (db *DB) CheckWritable(ctx context.Context) error {
	_, err := db.rw.NewRaw("INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
		db.now().UTC()).Exec(ctx)
	if err == nil {
		return nil
	}
	return db.cannotWrite(err)
}

// cannotWrite is the error for a database that refused a write, naming it
// and, when the cause is known, what to look at.
func (db *DB) cannotWrite(err error) error {
	hint := ""
	switch kind := db.storageFault(err); {
	case kind == "read-only":
		hint = db.readOnlyHint()
	case kind != "":
		hint = " (" + kind + ")"
	}
	return fmt.Errorf("the database %s cannot be written: %w%s", db.name, err, hint)
}

// Health reports whether the database answers and takes writes: it
// answers a ping, no write has failed for the storage's sake in the last
// minute, a SQLite database's disk has room, and the health row can be
// written (checked at most every few seconds; a check that waits behind a
// long write is not a failure). It returns nil or a *HealthError.
func (db *DB) Health(ctx context.Context) error {
	h := &db.health
	h.mu.Lock()
	defer h.mu.Unlock()
	err := db.health1(ctx)
	reason := ""
	var he *HealthError
	if errors.As(err, &he) {
		reason = he.Reason
	}
	if reason != h.failing {
		if reason != "" {
			db.log.Warn("health check failing", "database", db.name, "reason", reason, "err", he.Err)
		} else {
			db.log.Info("health check passing again", "database", db.name)
		}
		h.failing = reason
	}
	return err
}

func (db *DB) health1(ctx context.Context) error {
	h := &db.health
	// The read pool only: SQLite's one writer may be busy with an import
	// for minutes, and the write check below waits for it a bounded time.
	if err := db.ro.PingContext(ctx); err != nil {
		return &HealthError{Reason: "database unavailable", Err: err}
	}
	now := db.now()
	h.faultMu.Lock()
	fault, kind, at := h.fault, h.faultKind, h.faultAt
	h.faultMu.Unlock()
	if fault != nil && now.Sub(at) < faultMemory {
		return &HealthError{Reason: "database cannot write: " + kind,
			Err: fmt.Errorf("a write failed %s ago: %w", now.Sub(at).Round(time.Second), fault)}
	}
	if file := db.diskFile(); file != "" {
		if free, ok := freeBytes(file); ok && free < minFreeBytes {
			return &HealthError{Reason: "database cannot write: disk full",
				Err: fmt.Errorf("%d KiB free on the disk holding %s", free>>10, file)}
		}
	}
	if h.checkedAt.IsZero() || now.Sub(h.checkedAt) >= healthCheckEvery || now.Before(h.checkedAt) {
		cctx, cancel := context.WithTimeout(ctx, healthCheckWait)
		err := db.CheckWritable(cctx)
		if err != nil && errors.Is(cctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			err = nil // busy behind a long write
		}
		cancel()
		h.checkedAt, h.checkErr = now, err
	}
	if h.checkErr != nil {
		kind := db.storageFault(h.checkErr)
		if kind == "" {
			kind = "write failed"
		}
		return &HealthError{Reason: "database cannot write: " + kind, Err: h.checkErr}
	}
	return nil
}

// noteFault remembers a write that failed for the storage's sake.
func (db *DB) noteFault(err error) {
	kind := db.storageFault(err)
	if kind == "" {
		return
	}
	h := &db.health
	h.faultMu.Lock()
	h.fault, h.faultKind, h.faultAt = err, kind, db.now()
	h.faultMu.Unlock()
}

// faultHook watches every statement on the write pool for storage faults.
type faultHook struct{ db *DB }

func (faultHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h faultHook) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if e.Err != nil {
		h.db.noteFault(e.Err)
	}
}
