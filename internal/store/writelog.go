package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The write log is what lets a user's kept Today (todaycache.go) outlive
// writes that have nothing to do with it. On SQLite every write of this
// process goes through one connection, the writer; SQLite tells that
// connection's hooks of each row it changes (the pre-update hook, with the
// row before and after) and of each commit. The log keeps, for each commit,
// the people it touched — a person's own row, or any row of theirs: a
// phone, a conversation, a fact, a follow-up — and whose follow-ups it
// touched. A commit that changed anything else Today may read (the
// organisation, its users, pipelines, companies, the playbook), or a table
// the log does not know, or more people than it keeps, counts as touching
// everyone's. No write path says what it changed, so none can forget to:
// the database tells.
//
// What another process writes (rapport import beside the server) has no
// hooks here; the Today cache tells it from its own by the data versions
// (see todayCache.explain).
type writeLog struct {
	mu sync.Mutex
	// tables says how a change to each table counts; nil until learned
	// from the schema (after migrating): until then every change is
	// everyone's.
	tables map[string]tableWrites
	// open is what the open transaction has touched so far (the writer
	// connection runs one statement at a time; the hooks run within them).
	open writeRecord
	// seq numbers the commits recorded; recs are the latest of them, in
	// order (at least writeLogKept, fewer than twice as many). Those up to
	// seen are known to have finished committing (see finished).
	seq, seen uint64
	recs      []writeRecord
	// bulk is set while an import holds the writer with the row hook
	// off: its commit is everyone's.
	bulk bool

	// What the Today cache knows of other processes' commits (see
	// todayCache.explain): foreign counts those seen, explained is the
	// watch's data version when it was last counted, and writerConn,
	// writerVersion are the writer connection (its number among those
	// hooked) and its own data version then (which changes only when
	// another connection commits).
	foreign       uint64
	explained     dataVersion
	writerConn    int64
	writerVersion int64

	// hooked counts the writer connections given the hooks (tests).
	hooked atomic.Int64
	// stmtsPrepared counts the statements the writer connections have
	// prepared to keep (tests).
	stmtsPrepared atomic.Int64
}

// writeRecord is what one commit touched.
type writeRecord struct {
	seq uint64
	// all: anything Today may read, for everyone.
	all bool
	// people and users (whose follow-ups changed), each at most once.
	people, users []int64
}

// tableWrites says how a table's changed rows count: by the person in
// column person (and the user in column user), or not at all (ignore).
// A table with neither counts as everyone's.
type tableWrites struct {
	person, user int
	ignore       bool
}

const (
	// writeLogKept is how many commits the log keeps; a kept Today older
	// than all of them is read again.
	writeLogKept = 4096
	// writeRecordPeople is the most people one commit names; a commit that
	// touches more (an import, a merge of many) is everyone's.
	writeRecordPeople = 256
)

// notTodays are the tables a kept Today never reads (todayCandidates,
// whyNowCandidates, the chosen people and their cards): changes to them
// touch no one's Today. Every other table counts, by its person_id
// column, or as everyone's when it has none, so a table added later is
// safe until it is listed here.
var notTodays = []string{
	"api_buckets", "api_keys", "app_passwords", "audit_log", "calendar_feeds", "call_blocks", "carddav_books",
	"carddav_cards", "distinct_people", "drill_assignments", "drill_attempts", "health", "held_events",
	"imports", "inbound_addresses", "inbound_emails", "lead_handovers", "outbox", "password_resets",
	"person_records", "production", "push_subscriptions", "routing_rules", "routing_state", "saved_lists",
	"schema_migration_locks", "schema_migrations", "search_backlog", "server_keys", "sessions",
	"signin_devices", "signin_throttle", "store_tasks", "webhook_attempts", "webhook_endpoints",
	// The search documents and the index's own tables (FTS5 keeps its
	// index in them).
	"search_docs", "people_fts_config", "people_fts_data", "people_fts_docsize", "people_fts_idx",
}

func newWriteLog() *writeLog { return &writeLog{} }

// connector opens the writer's connections for dsn, each with the log's
// hooks (a connection the pool replaces gets them too).
func (l *writeLog) connector(dsn string) driver.Connector {
	d := &sqlite.Driver{}
	d.RegisterConnectionHook(func(c sqlite.ExecQuerierContext, _ string) error {
		h, ok := c.(sqlite.HookRegisterer)
		if !ok {
			return nil // no hooks: every foreign-looking commit makes Todays stale
		}
		h.RegisterPreUpdateHook(l.changed)
		h.RegisterCommitHook(l.committed)
		h.RegisterRollbackHook(l.rolledBack)
		l.hooked.Add(1)
		return nil
	})
	return writerConnector{d, dsn, &l.stmtsPrepared}
}

type writerConnector struct {
	d        *sqlite.Driver
	dsn      string
	prepared *atomic.Int64
}

// Connect opens a writer connection, which keeps its statements
// (writerstmts.go).
func (c writerConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.d.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return newStmtConn(conn, c.prepared), nil
}

func (c writerConnector) Driver() driver.Driver { return c.d }

// learn reads how each table's changes count from the schema.
func (l *writeLog) learn(ctx context.Context, rw *sql.DB) error {
	rows, err := rw.QueryContext(ctx, `SELECT m.name, p.cid, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND p.name IN ('person_id', 'user_id')`)
	if err != nil {
		return err
	}
	defer rows.Close()
	tables := map[string]tableWrites{}
	for _, t := range notTodays {
		tables[t] = tableWrites{person: -1, user: -1, ignore: true}
	}
	cols := map[string][2]int{}
	for rows.Next() {
		var table, col string
		var cid int
		if err := rows.Scan(&table, &cid, &col); err != nil {
			return err
		}
		c, ok := cols[table]
		if !ok {
			c = [2]int{-1, -1}
		}
		if col == "person_id" {
			c[0] = cid
		} else {
			c[1] = cid
		}
		cols[table] = c
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for table, c := range cols {
		if c[0] < 0 || tables[table].ignore {
			continue
		}
		// Whose follow-ups: only follow_ups' user counts (Today reads a
		// user's follow-ups whoever owns the person).
		user := -1
		if table == "follow_ups" {
			user = c[1]
		}
		tables[table] = tableWrites{person: c[0], user: user}
	}
	l.mu.Lock()
	l.tables = tables
	l.mu.Unlock()
	return nil
}

// changed is the writer's pre-update hook: one row of a table is about to
// be inserted, updated or deleted.
func (l *writeLog) changed(d sqlite.SQLitePreUpdateData) {
	if d.DatabaseName != "main" {
		return // the connection's own temporary tables
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open.all {
		return
	}
	if d.TableName == "people" {
		if d.Op != sqlite3.SQLITE_INSERT {
			l.open.people = append(l.open.people, d.OldRowID)
		}
		// (An insert is told with its new rowid in both places.)
		if d.Op == sqlite3.SQLITE_INSERT || d.Op == sqlite3.SQLITE_UPDATE && d.NewRowID != d.OldRowID {
			l.open.people = append(l.open.people, d.NewRowID)
		}
		l.bound()
		return
	}
	t, ok := l.tables[d.TableName]
	switch {
	case ok && t.ignore:
		return
	case !ok || t.person < 0:
		l.open.all = true
		return
	}
	n := max(t.person, t.user) + 1
	row := make([]any, n)
	for _, old := range []bool{true, false} {
		if old && d.Op == sqlite3.SQLITE_INSERT || !old && d.Op == sqlite3.SQLITE_DELETE {
			continue
		}
		var err error
		if old {
			err = d.Old(row...)
		} else {
			err = d.New(row...)
		}
		if err != nil {
			l.open.all = true
			return
		}
		if id, ok := row[t.person].(int64); ok {
			l.open.people = append(l.open.people, id)
		}
		if t.user >= 0 {
			if id, ok := row[t.user].(int64); ok {
				l.open.users = append(l.open.users, id)
			}
		}
		clear(row)
	}
	l.bound()
}

// bound keeps the open record small: its people and users once each, and
// no more than writeRecordPeople of either (mu held).
func (l *writeLog) bound() {
	for _, ids := range []*[]int64{&l.open.people, &l.open.users} {
		if len(*ids) < 2*writeRecordPeople {
			continue
		}
		slices.Sort(*ids)
		*ids = slices.Compact(*ids)
		if len(*ids) > writeRecordPeople {
			l.open = writeRecord{all: true}
			return
		}
	}
}

// committed is the writer's commit hook: the open transaction's record
// joins the log. It runs as SQLite commits, before the commit can be seen:
// a Today read from then on may or may not see it, so a kept Today checks
// the commit recorded last before it was read as well (see since).
func (l *writeLog) committed() int32 {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.open
	l.open = writeRecord{}
	if l.bulk {
		r.all = true
	}
	if !r.all && len(r.people) == 0 && len(r.users) == 0 {
		return 0
	}
	if !r.all {
		slices.Sort(r.people)
		r.people = slices.Compact(r.people)
		slices.Sort(r.users)
		r.users = slices.Compact(r.users)
		if len(r.people) > writeRecordPeople || len(r.users) > writeRecordPeople {
			r = writeRecord{all: true}
		}
	}
	l.seq++
	r.seq = l.seq
	if len(l.recs) >= 2*writeLogKept {
		// Keep the latest writeLogKept, moved once per writeLogKept commits.
		l.recs = append(l.recs[:0], l.recs[len(l.recs)-writeLogKept:]...)
	}
	l.recs = append(l.recs, r)
	return 0
}

// rolledBack is the writer's rollback hook: nothing of the open
// transaction was written.
func (l *writeLog) rolledBack() {
	l.mu.Lock()
	l.open = writeRecord{}
	l.mu.Unlock()
}

// setBulk marks the writer as held by an import with its row hook off
// (hooks is the connection's): whatever it commits is everyone's. Off
// again, the hook is back.
func (l *writeLog) setBulk(hooks sqlite.HookRegisterer, on bool) {
	l.mu.Lock()
	l.bulk = on
	l.mu.Unlock()
	if on {
		hooks.RegisterPreUpdateHook(nil)
	} else {
		hooks.RegisterPreUpdateHook(l.changed)
	}
}

// snapshot is where a Today about to be read stands: the commits of other
// processes counted so far, and the first recorded commit it may not see.
// A commit is recorded as it commits, before it can be seen: those not
// known to have finished are checked again, as if made after.
func (l *writeLog) snapshot() (foreign, first uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.foreign, l.seen + 1
}

// committing is called in a write transaction, its work done, before it
// commits (on the writer, which nothing else can commit on meanwhile): it
// returns the number its commit will be recorded as — or, if it changed
// nothing, the last one recorded, finished before it began. A nil log
// (PostgreSQL) records nothing.
func (l *writeLog) committing() uint64 {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open.all || len(l.open.people) > 0 || len(l.open.users) > 0 || l.bulk {
		return l.seq + 1
	}
	return l.seq
}

// finished records that the commits up to seq have finished: every Today
// read from now on sees them. (Commits of single statements outside a
// transaction are not told; they count as finished with the next
// transaction's, committed after them.)
func (l *writeLog) finished(seq uint64) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = max(l.seen, min(seq, l.seq))
}

// since returns the commits recorded from seq on, the foreign count, the
// explained version and the last commit known to have finished; ok is
// false when some of them are no longer kept.
func (l *writeLog) since(seq uint64) (recs []writeRecord, foreign uint64, explained dataVersion, seen uint64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq == 0 {
		seq = 1
	}
	if len(l.recs) > 0 && l.recs[0].seq > seq && seq <= l.seq {
		return nil, 0, dataVersion{}, 0, false
	}
	i, _ := slices.BinarySearchFunc(l.recs, seq, func(r writeRecord, s uint64) int {
		switch {
		case r.seq < s:
			return -1
		case r.seq > s:
			return 1
		}
		return 0
	})
	// The records themselves are never changed once in the log: sharing
	// them is safe.
	return slices.Clone(l.recs[i:]), l.foreign, l.explained, l.seen, true
}

// explainedBy records what todayCache.explain found: the watch's version
// w, read before the writer's own version v on connection conn (its
// number among those hooked). A
// different connection, or a version that moved, means another process
// committed since the last time.
func (l *writeLog) explainedBy(w dataVersion, conn, v int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if conn != l.writerConn || v != l.writerVersion {
		l.foreign++
		l.writerConn, l.writerVersion = conn, v
	}
	if l.explained.before(w) {
		l.explained = w
	}
}

// bulkWrites turns the write log's row hook off (on) or back on for the
// writer connection conn (SQLite; see writeLog.setBulk).
func (db *DB) bulkWrites(conn *bun.Conn, on bool) {
	l := db.today.writes
	if l == nil {
		return
	}
	conn.Raw(func(dc any) error {
		if h, ok := dc.(sqlite.HookRegisterer); ok {
			l.setBulk(h, on)
		}
		return nil
	})
}
