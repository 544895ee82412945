package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// pageCacheStatus reads one of SQLite's page cache counters: what it holds
// now and its high-water mark.
func pageCacheStatus(t *testing.T, op int32) (now, high int64) {
	t.Helper()
	tls := libc.NewTLS()
	defer tls.Close()
	p := libc.Xmalloc(tls, 16)
	defer libc.Xfree(tls, p)
	if rc := sqlite3.Xsqlite3_status64(tls, op, p, p+8, 0); rc != sqlite3.SQLITE_OK {
		t.Fatalf("sqlite3_status64(%d): %d", op, rc)
	}
	b := libc.GoBytes(p, 16)
	return int64(binary.NativeEndian.Uint64(b)), int64(binary.NativeEndian.Uint64(b[8:]))
}

// TestPagesComeFromThePool: SQLite took the pool before the first
// connection, and the pages a store reads are cached in its slots, not
// allocated one by one; a reader's pages dropped after a write go back to
// the pool and are taken again.
func TestPagesComeFromThePool(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{URL: filepath.Join(t.TempDir(), "pool.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if pageCacheErr != nil {
		t.Fatal(pageCacheErr)
	}
	if _, err := db.rw.ExecContext(ctx, "CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.rw.ExecContext(ctx, "INSERT INTO filler (body) SELECT printf('%.2000c', 'x') FROM generate_series(1, 2000)"); err != nil {
		// generate_series is an extension; a recursive CTE does the same.
		if _, err := db.rw.ExecContext(ctx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000) INSERT INTO filler (body) SELECT printf('%.2000c', 'x') FROM n"); err != nil {
			t.Fatal(err)
		}
	}
	overflowBefore, _ := pageCacheStatus(t, sqlite3.SQLITE_STATUS_PAGECACHE_OVERFLOW)
	for round := range 3 {
		var n int
		if err := db.ro.QueryRowContext(ctx, "SELECT count(*) FROM filler WHERE length(body) = 2000").Scan(&n); err != nil || n != 2000 {
			t.Fatalf("round %d: %d rows, %v", round, n, err)
		}
		used, _ := pageCacheStatus(t, sqlite3.SQLITE_STATUS_PAGECACHE_USED)
		if used < 1000 {
			t.Errorf("round %d: %d pool slots in use after reading a thousand pages", round, used)
		}
		// A write: the readers drop their caches.
		if _, err := db.rw.ExecContext(ctx, fmt.Sprintf("UPDATE filler SET body = body WHERE id = %d", round+1)); err != nil {
			t.Fatal(err)
		}
	}
	if overflow, _ := pageCacheStatus(t, sqlite3.SQLITE_STATUS_PAGECACHE_OVERFLOW); overflow != overflowBefore {
		t.Errorf("%d bytes of pages allocated outside the pool, with room in it", overflow-overflowBefore)
	}
}
