package store

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite connection settings. busy_timeout comes first so that the others
// wait rather than fail; writers take the lock at BEGIN (immediate) so a
// transaction that reads then writes cannot deadlock against another.
var sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
	"&_pragma=synchronous(NORMAL)&_pragma=cache_size(" + strconv.Itoa(sqliteCacheSize) + ")&_txlock=immediate"

// readerPragmas are the read pool's own.
//
// The readers are not given a memory map of the file (mmap_size), though
// in WAL mode each drops its page cache whenever another connection has
// written and then reads pages back with a system call each: measured
// with 200 users working without pauses (bench --load), the map served
// about a sixth fewer requests a second (162 and 188 against 186 and 226,
// runs interleaved; likely because the writer grows the file and each
// reader then maps it again), and the map's pages count toward the
// process's resident memory.
var readerPragmas = "&_pragma=query_only(1)"

// sqliteCacheSize is each connection's page cache: negative, in KiB.
const sqliteCacheSize = -32000

// pageCacheMB is the memory SQLite's page caches take their pages from,
// shared by every connection of the process (SQLITE_CONFIG_PAGECACHE).
//
// Without it every cached page is a malloc of its own, and in WAL mode a
// reader drops its whole cache whenever another connection has written:
// a busy server frees and allocates its readers' pages hundreds of times
// a second. The driver's allocator hands all but a few MB of what is
// freed back to the kernel, so each page allocated again is a page fault
// (zeroed, then filled by the read). From the pool a dropped page's slot
// is taken back as it was, already mapped: reading 3,000 random people
// at a million again after a write went from 58 to 18 µs a row, and from
// 5,400 page faults to 470 (a throwaway test, this machine, where a page
// fault costs about 12 µs).
//
// What it costs: SQLite links every slot into its free list when it
// starts, so the whole pool is resident from the first connection on
// (only in a process that opens SQLite). And it caps the caches: when it
// runs low, every cache recycles the least recently used page of any
// connection rather than grow (SQLite's "memory pressure"; this build
// keeps all caches in one group), so together they hold about the pool,
// not cache_size each. A page that finds no slot and nothing to recycle
// is allocated as before. The size is the working set a busy server's
// readers need between writes with room to spare, and no more, as every
// process that opens a database pays it.
const pageCacheMB = 32

// sqlitePageCache gives SQLite the pool. It runs at this package's
// initialisation, before the process's first connection, whoever opens it
// (SQLite refuses it once initialised); a process that never opens SQLite
// reserves the address space and no memory.
func sqlitePageCache() error {
	tls := libc.NewTLS()
	defer tls.Close()
	va := libc.Xmalloc(tls, 3*8) // up to three variadic arguments, 8 bytes each
	hdr := libc.Xmalloc(tls, 4)
	if va == 0 || hdr == 0 {
		return errors.New("out of memory")
	}
	defer libc.Xfree(tls, va)
	defer libc.Xfree(tls, hdr)
	// A slot is a page and SQLite's bookkeeping for it.
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PCACHE_HDRSZ, libc.VaList(va, hdr)); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ): %d", rc)
	}
	slot := (4096 + int(int32(binary.NativeEndian.Uint32(libc.GoBytes(hdr, 4)))) + 7) &^ 7
	n := pageCacheMB << 20 / slot
	pool := libc.Xmalloc(tls, libc.Tsize_t(n*slot)) // for good: SQLite holds it until the process ends
	if pool == 0 {
		return errors.New("out of memory")
	}
	if rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PAGECACHE, libc.VaList(va, pool, int32(slot), int32(n))); rc != sqlite3.SQLITE_OK {
		libc.Xfree(tls, pool)
		return fmt.Errorf("sqlite3_config(SQLITE_CONFIG_PAGECACHE): %d", rc)
	}
	return nil
}

// pageCacheErr says why SQLite has no pool, if it has none: its pages are
// then allocated one at a time, as before.
var pageCacheErr = sqlitePageCache()

// sqlitePath is the file a SQLite URL names, made absolute for messages.
func sqlitePath(url string) string {
	url = strings.TrimPrefix(url, "sqlite://")
	url = strings.TrimPrefix(url, "file:")
	path, _, _ := strings.Cut(url, "?")
	if abs, err := filepath.Abs(path); err == nil && path != ":memory:" && path != "" {
		return abs
	}
	return path
}

// openSQLite opens the writer, the readers and, for a file, the watch
// connection Today's cache asks whether anything was written
// (todaycache.go) and the log the writer's hooks keep of what each commit
// touched (writelog.go).
func openSQLite(path string) (rw, ro *bun.DB, watch *sql.DB, writes *writeLog, err error) {
	path = strings.TrimPrefix(path, "sqlite://")
	path = strings.TrimPrefix(path, "file:")
	if path == "" {
		return nil, nil, nil, nil, errors.New("no SQLite database path given")
	}
	pragmas := sqlitePragmas
	if p, opts, ok := strings.Cut(path, "?"); ok {
		// Read-only is the one option a caller may choose (a copy to look
		// into); the rest are Rapport's.
		if opts != "mode=ro" {
			return nil, nil, nil, nil, fmt.Errorf("SQLite path %q: options are set by Rapport, give a plain file path (or add ?mode=ro to open it read-only)", path)
		}
		path, pragmas = p, "mode=ro&"+pragmas
	}
	if path == ":memory:" {
		// One connection, or every connection would see its own database.
		w, err := sql.Open("sqlite", "file::memory:?"+sqlitePragmas)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		w.SetMaxOpenConns(1)
		db := bun.NewDB(w, sqlitedialect.New())
		return db, db, nil, nil, nil
	}
	// The path goes into a file: URI, where "#" would end it and "%"
	// escape what follows: a directory named "a#1" must not open "a".
	uri := "file:" + strings.NewReplacer("%", "%25", "#", "%23").Replace(path)
	writes = newWriteLog()
	w := sql.OpenDB(writes.connector(uri + "?" + pragmas))
	oneConnection(w)
	r, err := sql.Open("sqlite", uri+"?"+pragmas+readerPragmas)
	if err != nil {
		w.Close()
		return nil, nil, nil, nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	// Open the writer first so the file and its WAL exist before readers.
	if err := w.Ping(); err != nil {
		w.Close()
		r.Close()
		return nil, nil, nil, nil, fmt.Errorf("open %s: %w", path, err)
	}
	if watch, err = sql.Open("sqlite", uri+"?"+pragmas+readerPragmas); err != nil {
		w.Close()
		r.Close()
		return nil, nil, nil, nil, err
	}
	oneConnection(watch)
	return bun.NewDB(w, sqlitedialect.New()), bun.NewDB(r, sqlitedialect.New()), watch, writes, nil
}

// oneConnection makes d a pool of one connection, kept open for good.
func oneConnection(d *sql.DB) {
	d.SetMaxOpenConns(1)
	d.SetMaxIdleConns(1)
	d.SetConnMaxLifetime(0)
	d.SetConnMaxIdleTime(0)
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

func sqliteStorageFault(err error) string {
	switch sqliteErrCode(err) & 0xff {
	case sqlite3.SQLITE_FULL:
		return "disk full"
	case sqlite3.SQLITE_READONLY:
		return "read-only"
	case sqlite3.SQLITE_IOERR:
		return "I/O error"
	}
	return ""
}

// ftsPrefixMax is the longest prefix SQLite's full-text index keeps a
// ready list for (see the search migration).
const ftsPrefixMax = 6

// ftsQuery is the FTS5 query for the search tokens: each one a prefix,
// all required ("jan"* "doe"*). Tokens hold only letters and digits. A
// word longer than ftsPrefixMax is cut to that length, whose list the
// index holds, and long reports that the matches need checking against the
// whole word.
//
// A long run of digits (a phone number, most often) is looked up whole:
// few words start with it, so the index finds them without a ready list,
// where its first six digits (an area code and exchange) are shared by
// hundreds of people, each of whose documents would be read to be checked
// (at a million people: 0.3–0.8 ms against 3–27 ms). A long word is not:
// a common name has thousands of matches, and cut to its ready list the
// search stops at the first thousand, where whole it would gather every
// one first (7 ms against 12 for "johnson").
func ftsQuery(tokens []string) (q string, long []string) {
	var b strings.Builder
	for i, t := range tokens {
		if r := []rune(t); len(r) > ftsPrefixMax && !allDigits(t) {
			long = append(long, t)
			t = string(r[:ftsPrefixMax])
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(`"` + t + `"*`)
	}
	return b.String(), long
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// hasWordsStarting reports whether every token starts a word of the
// folded search document.
func hasWordsStarting(doc string, tokens []string) bool {
	for _, t := range tokens {
		if !startsAWord(doc, t) {
			return false
		}
	}
	return true
}

// startsAWord reports whether t is found in doc at its start or after a
// space (without copying doc, which may be 32 kB, to put a space first).
func startsAWord(doc, t string) bool {
	for i := 0; i <= len(doc); {
		j := strings.Index(doc[i:], t)
		if j < 0 {
			return false
		}
		if j += i; j == 0 || doc[j-1] == ' ' {
			return true
		}
		i = j + 1
	}
	return false
}

// sqliteSearchNewest returns up to n ids of matching people below before,
// newest first, straight from the index's rowid order.
func (db *DB) sqliteSearchNewest(ctx context.Context, orgID int64, tokens []string, before int64, n int) ([]int64, error) {
	return db.sqliteSearch(ctx, orgID, tokens, "DESC", before, n)
}

// sqliteSearch reads up to n matching ids in rowid order (desc: below
// before, highest first). Its statements are of four texts, prepared once.
//
// The index is shared by every organisation in the file; each match is
// joined to its person (or, where its text is checked, to its search
// document) to keep the organisation's own. (Asking the index
// for an organisation word in every document as well costs more than the
// join: the index walks that word's list, a million long, for every
// search.) Matches of a cut token are checked against the people's search
// documents, reading the index on in chunks until n pass or the matches
// run out.
func (db *DB) sqliteSearch(ctx context.Context, orgID int64, tokens []string, desc string, before int64, n int) ([]int64, error) {
	fq, long := ftsQuery(tokens)
	cmp := ">"
	if desc != "" {
		cmp = "<"
	} else {
		before = 0
	}
	// The organisation from the person's row (short, now that the
	// document is kept apart); the text, where a cut token needs it, from
	// search_docs.
	const from = " FROM people_fts f JOIN people p ON p.id = f.rowid WHERE people_fts MATCH ?1 AND p.org_id = ?2 AND f.rowid "
	const fromDocs = " FROM people_fts f JOIN search_docs d ON d.id = f.rowid WHERE people_fts MATCH ?1 AND d.org_id = ?2 AND f.rowid "
	if len(long) == 0 {
		return column[int64](db.queryBound(ctx, "SELECT f.rowid"+from+cmp+" ?3 ORDER BY f.rowid "+desc+" LIMIT ?4", &bound{args: []any{fq, orgID, before, n}}))
	}
	ids := make([]int64, 0, min(n, 64))
	chunk := max(n, 200)
	for {
		rows, err := db.queryBound(ctx, "SELECT f.rowid, d.search_doc"+fromDocs+cmp+" ?3 ORDER BY f.rowid "+desc+" LIMIT ?4",
			&bound{args: []any{fq, orgID, before, chunk}})
		if err != nil {
			return nil, err
		}
		read := 0
		for rows.Next() {
			var id int64
			var doc string
			if err := rows.Scan(&id, &doc); err != nil {
				rows.Close()
				return nil, err
			}
			read++
			before = id
			if len(ids) < n && hasWordsStarting(doc, long) {
				ids = append(ids, id)
			}
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return nil, err
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if len(ids) >= n || read < chunk {
			return ids, nil
		}
	}
}

func sqliteLockMigrations(context.Context, *bun.DB) (func(), error) {
	// Migrations run on the single write connection, and each takes the
	// write lock at BEGIN: nothing else can write meanwhile.
	return func() {}, nil
}
