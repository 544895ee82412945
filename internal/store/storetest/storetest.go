// Package storetest opens real databases for tests: a SQLite file in the
// test's temporary directory always, and a fresh PostgreSQL schema when
// RAPPORT_TEST_POSTGRES names a database.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/redact"
	"github.com/rapport-crm/rapport/internal/store"
)

// PostgresEnv names the variable holding a PostgreSQL URL for tests.
const PostgresEnv = "RAPPORT_TEST_POSTGRES"

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Backend is one database a test suite runs against.
type Backend struct {
	Name string
	Open func(t testing.TB, now func() time.Time) *store.DB
}

// Backends returns SQLite, and PostgreSQL when configured. Tests that loop
// over it run the same assertions on both.
func Backends(t testing.TB) []Backend {
	bs := []Backend{{Name: store.SQLite, Open: OpenSQLite}}
	if os.Getenv(PostgresEnv) != "" {
		bs = append(bs, Backend{Name: store.Postgres, Open: OpenPostgres})
	} else {
		logSkipOnce(t)
	}
	return bs
}

var skipOnce sync.Once

func logSkipOnce(t testing.TB) {
	skipOnce.Do(func() {
		t.Logf("PostgreSQL tests skipped: set %s to a postgres:// URL to run them", PostgresEnv)
	})
}

// Each runs fn as a subtest on every backend with a fresh, migrated database.
func Each(t *testing.T, now func() time.Time, fn func(t *testing.T, db *store.DB)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, b.Open(t, now))
		})
	}
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn, ReplaceAttr: redact.Attr}))
}

// OpenSQLite opens and migrates a SQLite database in a temporary directory.
func OpenSQLite(t testing.TB, now func() time.Time) *store.DB {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "rapport.db"), now)
}

// OpenPostgres creates a schema of its own in the database named by
// RAPPORT_TEST_POSTGRES, opens and migrates it, and drops it afterwards.
func OpenPostgres(t testing.TB, now func() time.Time) *store.DB {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("set %s to run PostgreSQL tests", PostgresEnv)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return open(t, u.String(), now)
}

func open(t testing.TB, dsn string, now func() time.Time) *store.DB {
	t.Helper()
	db := openOnly(t, dsn, now)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// openOnly opens without migrating.
func openOnly(t testing.TB, dsn string, now func() time.Time) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{URL: dsn, Now: now, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("open %s: %v", redact.URL(dsn), err)
	}
	dsns.Store(db, dsn)
	t.Cleanup(func() { dsns.Delete(db); db.Close() })
	return db
}

// dsns remembers the connection string each opened database came from,
// so that a test can open a second handle on it.
var dsns sync.Map // *store.DB -> string

// DSN is the connection string db was opened with (a SQLite path, or a
// PostgreSQL URL with its own schema), for tests that open the same
// database otherwise: another handle, a child process.
func DSN(t testing.TB, db *store.DB) string {
	t.Helper()
	dsn, ok := dsns.Load(db)
	if !ok {
		t.Fatal("storetest.DSN: the database was not opened by storetest")
	}
	return dsn.(string)
}

// Reopen opens a second handle on db's database, with its own clock: as a
// second server sharing it would.
func Reopen(t testing.TB, db *store.DB, now func() time.Time) *store.DB {
	t.Helper()
	return open(t, DSN(t, db), now)
}

// ReadOnlyDSN is a connection string for db's database that cannot write:
// SQLite's mode=ro, PostgreSQL's default_transaction_read_only (as on a
// standby).
func ReadOnlyDSN(t testing.TB, db *store.DB) string {
	t.Helper()
	u, err := db.ReadOnlyURL(DSN(t, db))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// ReopenReadOnly opens a handle on db's database (migrated already) that
// cannot write.
func ReopenReadOnly(t testing.TB, db *store.DB, now func() time.Time) *store.DB {
	t.Helper()
	return openOnly(t, ReadOnlyDSN(t, db), now)
}

// Webhook registers an endpoint of act's organisation that wants new
// people, at an address that answers nothing (hooks.invalid), and adds a
// person so that it has one delivery waiting: the ids of both, for tests
// that name them in paths.
func Webhook(t testing.TB, db *store.DB, act rapport.Actor, name string) (endpoint, delivery int64) {
	t.Helper()
	u := "https://hooks.invalid/" + name
	e, err := db.CreateWebhookEndpoint(context.Background(), act, store.WebhookInput{URL: &u,
		Events: []rapport.WebhookEvent{rapport.EventPersonCreated}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreatePerson(context.Background(), act, &rapport.Person{FirstName: "Webb", LastName: "Hooked", Kind: rapport.KindLead}); err != nil {
		t.Fatal(err)
	}
	ds, err := db.WebhookDeliveries(context.Background(), act, e.ID, "", 1)
	if err != nil || len(ds) != 1 {
		t.Fatalf("webhook delivery: %v %d", err, len(ds))
	}
	return e.ID, ds[0].ID
}

// List saves a list of clients, not shared, as act's user: its id, for
// tests that name it in paths.
func List(t testing.TB, db *store.DB, act rapport.Actor, name string) int64 {
	t.Helper()
	l := &store.SavedList{Name: name, Query: "kind=client"}
	if err := db.SaveList(context.Background(), act, l); err != nil {
		t.Fatal(err)
	}
	return l.ID
}
