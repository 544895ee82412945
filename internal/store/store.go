// Package store keeps Rapport's data in SQLite (the embedded default) or
// PostgreSQL, through one code path built on bun. Dialect differences live
// in dialect_sqlite.go and dialect_postgres.go.
//
// Every method that touches organisation data takes the organisation's id
// and every query filters on it: a caller cannot reach another
// organisation's rows whatever ids it passes.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/rapport-crm/rapport/internal/egress"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/redact"
)

//go:embed migrations
var migrationFS embed.FS

// Dialect names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is Rapport's store.
type DB struct {
	// rw takes every write. On SQLite it holds a single connection, so
	// writers queue in Go instead of failing with "database is locked";
	// ro is a wider pool for reads. On PostgreSQL both are one pool.
	rw, ro *bun.DB
	// session serves LISTEN and the migration lock (PostgreSQL): rw, or
	// a direct connection when rw goes through a pooling proxy.
	session *bun.DB
	dialect string
	now     func() time.Time
	log     *slog.Logger
	// thresholds caches each organisation's top-fifth recruit volume.
	thresholds sync.Map
	// pipelines caches each organisation's pipelines (see Pipelines).
	pipelines sync.Map
	// playbooks caches each organisation's playbook (see Playbook).
	playbooks sync.Map
	// rosters caches each organisation's roster (see Roster); forgets
	// counts the times any organisation's caches were forgotten, so that
	// a read that raced a change is not kept.
	rosters sync.Map
	forgets atomic.Int64
	// name is the SQLite file or the PostgreSQL URL without its secrets,
	// for messages.
	name string
	// lock is the SQLite server lock, held with Options.Exclusive: this
	// process is then the only server of the file.
	lock *serverLock
	// health remembers write failures and the last write check.
	health healthState
	// signals are this process's subscribers (see Subscribe);
	// afterCommit holds the in-process signals of open transactions.
	signals hub
	// webhookAllow: see Options.WebhookAllow.
	webhookAllow egress.Allow
	afterCommit  sync.Map
	// stmts are the hot reads prepared on each pool (see prepared.go),
	// nstmts how many.
	stmts  sync.Map
	nstmts atomic.Int64
	// today keeps Today's candidates between loads (todaycache.go).
	today *todayCache
	// sawBound, when set (tests), is told each bound read as it is sent;
	// sawQuery each read with placeholders (bound, hot or other) with
	// its values as the driver takes them.
	sawBound, sawQuery func(text string, args []any)
}

// Options configure Open.
type Options struct {
	// URL is a SQLite file path (optionally "file:..." or "sqlite://...")
	// or a postgres:// URL.
	URL string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives the store's own logs; slog.Default when nil.
	Logger *slog.Logger
	// Exclusive claims a SQLite file for this process alone, as rapport
	// serve does: Open fails with ErrServerRunning while another process
	// holds the claim, and the claim ends with Close or the process. The
	// operator's commands (backup, import) open without it, beside a
	// running server. PostgreSQL ignores it: servers share its database.
	Exclusive bool
	// SessionURL (PostgreSQL) reaches the same database directly, for
	// what needs a session of its own: LISTEN for the other servers'
	// signals and the migration lock. Needed when URL goes through a
	// transaction-pooling proxy (PgBouncer), which cannot carry either;
	// URL serves them when empty.
	SessionURL string
	// WebhookAllow is where webhook endpoints may be: on the internet only
	// unless the operator allows private addresses.
	WebhookAllow egress.Allow
}

// Open connects to the database named by opts.URL. It does not migrate.
func Open(ctx context.Context, opts Options) (*DB, error) {
	db := &DB{now: opts.Now, log: opts.Logger, webhookAllow: opts.WebhookAllow}
	if db.now == nil {
		db.now = time.Now
	}
	if db.log == nil {
		db.log = slog.Default()
	}
	if err := db.connect(opts); err != nil {
		db.lock.release()
		// A driver's error may quote the connection string, password and all.
		return nil, redact.Error(err, opts.URL)
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, redact.Error(fmt.Errorf("connect to %s: %w", db.dialect, err), opts.URL)
	}
	db.rw.AddQueryHook(faultHook{db})
	db.rw.AddQueryHook(memoHook{})
	return db, nil
}

// Name is the SQLite file, or the PostgreSQL URL without its secrets.
func (db *DB) Name() string { return db.name }

// Dialect returns SQLite or Postgres.
func (db *DB) Dialect() string { return db.dialect }

// Now returns the store's clock reading.
func (db *DB) Now() time.Time { return db.now() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.rw.PingContext(ctx); err != nil {
		return err
	}
	if db.ro != db.rw {
		return db.ro.PingContext(ctx)
	}
	return nil
}

// Close closes the connection pools, then gives back the server lock.
func (db *DB) Close() error {
	db.closeStatements()
	err := errors.Join(db.today.close(), db.rw.Close())
	if db.ro != db.rw {
		err = errors.Join(err, db.ro.Close())
	}
	if db.session != nil && db.session != db.rw {
		err = errors.Join(err, db.session.Close())
	}
	return errors.Join(err, db.lock.release())
}

// Migrate applies every embedded migration not yet applied. Migrations are
// append-only; each runs in its own transaction and is recorded on success.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationFS, "migrations/"+db.dialect)
	if err != nil {
		return err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return fmt.Errorf("discover migrations: %w", err)
	}
	m := migrate.NewMigrator(db.rw, ms,
		migrate.WithTableName("schema_migrations"),
		migrate.WithLocksTableName("schema_migration_locks"),
		migrate.WithMarkAppliedOnSuccess(true))
	unlock, err := db.lockMigrations(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := m.Init(ctx); err != nil && db.storageFault(err) != "" {
		return fmt.Errorf("prepare migrations: %w", db.cannotWrite(err))
	} else if err != nil {
		return fmt.Errorf("prepare migrations: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil && db.storageFault(err) != "" {
		return fmt.Errorf("migrate: %w", db.cannotWrite(err))
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if !group.IsZero() {
		db.log.Info("database migrated", "dialect", db.dialect, "applied", group.Migrations.String())
	}
	// Work left to the store by migrations (among it the name keys of
	// people written before there were any: the task of 20261207000003
	// works out every key, missing ones too, so no start scans for them).
	if err := db.storeTasks(ctx); err != nil {
		return err
	}
	return db.learnWrites(ctx)
}

// learnWrites tells the write log (SQLite) how each table's changes count
// for Today, from the schema as migrated. Until it is told, every commit
// counts as everyone's.
func (db *DB) learnWrites(ctx context.Context) error {
	if db.today.writes == nil {
		return nil
	}
	if err := db.today.writes.learn(ctx, db.rw.DB); err != nil {
		return fmt.Errorf("read the schema: %w", err)
	}
	// Where the writer stands, so that the first load after a write need
	// not take this process's own commits for another's.
	db.today.explain(ctx)
	return nil
}

// tx runs fn in a write transaction.
func (db *DB) tx(ctx context.Context, fn func(tx bun.Tx) error) error {
	var sqlTx *sql.Tx
	var seq uint64
	err := db.rw.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		sqlTx = tx.Tx
		// Holding the writer, nothing commits meanwhile: the Today cache
		// learns where the file stands (todaycache.go).
		db.today.explainOn(ctx, tx.Tx, false)
		if err := fn(tx); err != nil {
			return err
		}
		seq = db.today.writes.committing()
		return nil
	})
	if sqlTx != nil {
		db.committed(sqlTx, err == nil)
	}
	if err == nil {
		db.today.writes.finished(seq)
	} else {
		// Statements run on the transaction itself rather than through bun
		// (written with placeholders) are not seen by faultHook.
		db.noteFault(err)
	}
	return err
}

// notFound turns sql.ErrNoRows into a rapport not-found error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return rapport.NotFound(what)
	}
	return err
}
