package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite connection settings. busy_timeout comes first so that the others
// wait rather than fail; writers take the lock at BEGIN (immediate) so a
// transaction that reads then writes cannot deadlock against another.
var sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_pragma=cache_size(" + strconv.Itoa(sqliteCacheSize) + ")&_txlock=immediate"

// sqliteCacheSize is each connection's page cache: negative, in KiB.
const sqliteCacheSize = -32000

func openSQLite(path string) (rw, ro *bun.DB, err error) {
	path = strings.TrimPrefix(path, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path == "" {
		return nil, nil, errors.New("no SQLite database path given")
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return nil, nil, fmt.Errorf("SQLite path %q: options are set by Rapport, give a plain file path", path)
	}
	if path == ":memory:" {
		// One connection, or every connection would see its own database.
		w, err := sql.Open("sqlite", "file::memory:?"+sqlitePragmas)
		if err != nil {
			return nil, nil, err
		}
		w.SetMaxOpenConns(1)
		db := bun.NewDB(w, sqlitedialect.New())
		return db, db, nil
	}
	w, err := sql.Open("sqlite", "file:"+path+"?"+sqlitePragmas)
	if err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	// Open the writer first so the file and its WAL exist before readers.
	if err := w.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	return bun.NewDB(w, sqlitedialect.New()), bun.NewDB(r, sqlitedialect.New()), nil
}

// sqliteErrCode returns the extended result code of a SQLite error, or 0.
func sqliteErrCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func sqliteUnique(err error) bool {
	c := sqliteErrCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func sqliteForeignKey(err error) bool {
	return sqliteErrCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// ftsQuery is the FTS5 query for the search tokens within one
// organisation: its token exactly, then each search token as a prefix, all
// required ("zzorg1zz" "jan"* "doe"*). Tokens hold only letters and digits.
func ftsQuery(orgID int64, tokens []string) string {
	var b strings.Builder
	b.WriteString(`"` + orgToken(orgID) + `"`)
	for _, t := range tokens {
		b.WriteString(` "` + t + `"*`)
	}
	return b.String()
}

// sqliteSearchIDs returns up to max+1 ids of the organisation's people
// matching the tokens.
func sqliteSearchIDs(ctx context.Context, db *bun.DB, orgID int64, tokens []string, max int) ([]int64, error) {
	var ids []int64
	err := db.NewRaw("SELECT rowid FROM people_fts WHERE people_fts MATCH ? LIMIT ?", ftsQuery(orgID, tokens), max+1).Scan(ctx, &ids)
	return ids, err
}

// sqliteSearchNewest returns up to n ids of matching people below before,
// newest first, straight from the index's rowid order.
func sqliteSearchNewest(ctx context.Context, db *bun.DB, orgID int64, tokens []string, before int64, n int) ([]int64, error) {
	var ids []int64
	err := db.NewRaw("SELECT rowid FROM people_fts WHERE people_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?",
		ftsQuery(orgID, tokens), before, n).Scan(ctx, &ids)
	return ids, err
}

func sqliteLockMigrations(context.Context, *bun.DB) (func(), error) {
	// Migrations run on the single write connection, and each takes the
	// write lock at BEGIN: nothing else can write meanwhile.
	return func() {}, nil
}
