package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/redact"
)

// The few places where SQLite and PostgreSQL differ, chosen by dialect.
// Nothing outside the dialect*.go files asks which database it is.

// connect opens the database opts.URL names: PostgreSQL for a postgres://
// URL, else a SQLite file (locked for one server when opts.Exclusive).
func (db *DB) connect(opts Options) error {
	var err error
	if IsPostgresURL(opts.URL) {
		db.dialect, db.name = Postgres, redact.URL(opts.URL)
		if db.rw, err = openPostgres(opts.URL); err != nil {
			return err
		}
		db.ro, db.session = db.rw, db.rw
		db.today = openTodayCache(nil)
		if opts.SessionURL != "" {
			if !IsPostgresURL(opts.SessionURL) {
				return errors.New("the session URL must be a postgres:// URL of the same database")
			}
			if db.session, err = openPostgres(opts.SessionURL); err != nil {
				return err
			}
			db.session.SetMaxOpenConns(4)
		}
		return nil
	}
	db.dialect, db.name = SQLite, sqlitePath(opts.URL)
	if opts.Exclusive && db.name != ":memory:" {
		// Before the file is touched: a refused server changes nothing.
		if db.lock, err = lockServer(db.name); err != nil {
			return err
		}
	}
	if pageCacheErr != nil {
		db.log.Warn("SQLite's page caches allocate a page at a time", "err", pageCacheErr)
	}
	var watch *sql.DB
	var writes *writeLog
	if db.rw, db.ro, watch, writes, err = openSQLite(opts.URL); err != nil {
		return err
	}
	db.today = openTodayCache(watch)
	if writes != nil {
		db.today.withWrites(writes, db.rw.DB)
	}
	return nil
}

// IsPostgresURL says whether u names a PostgreSQL database (the other
// connection strings are SQLite files).
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// ReadOnlyURL is a connection string for the database at url (this
// database's kind) that cannot write: SQLite's mode=ro, PostgreSQL's
// default_transaction_read_only (as on a standby). For tests of a
// database that refuses writes.
func (db *DB) ReadOnlyURL(u string) (string, error) {
	if db.dialect == SQLite {
		return "file:" + u + "?mode=ro", nil
	}
	p, err := url.Parse(u)
	if err != nil {
		return "", err
	}
	q := p.Query()
	q.Set("default_transaction_read_only", "on")
	p.RawQuery = q.Encode()
	return p.String(), nil
}

// Settle brings a freshly bulk-loaded database to the state it reaches
// on its own shortly after: on PostgreSQL, what autovacuum leaves
// (visibility map set, statistics fresh) by VACUUM ANALYZE of Rapport's
// own tables — those of its schema, not the whole database's, where
// another schema's tables may be dropped meanwhile ("relation with OID …
// does not exist") or belong to someone else; SQLite has nothing to wait
// for. For benchmarks that measure the steady state.
func (db *DB) Settle(ctx context.Context) error {
	if db.dialect != Postgres {
		return nil
	}
	var tables []string
	if err := db.rw.NewRaw("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename").
		Scan(ctx, &tables); err != nil {
		return err
	}
	if len(tables) == 0 {
		return nil
	}
	_, err := db.rw.ExecContext(ctx, "VACUUM ANALYZE "+strings.Join(tables, ", "))
	return err
}

func (db *DB) isUnique(err error) bool {
	if db.dialect == Postgres {
		return pgErrCode(err) == "23505"
	}
	return sqliteUnique(err)
}

func (db *DB) isForeignKey(err error) bool {
	if db.dialect == Postgres {
		return pgErrCode(err) == "23503"
	}
	return sqliteForeignKey(err)
}

// storageFault names what is wrong with the storage when err says a write
// failed for its sake ("disk full", "read-only", "I/O error"), and is
// empty for any other error.
func (db *DB) storageFault(err error) string {
	if db.dialect == Postgres {
		return pgStorageFault(err)
	}
	return sqliteStorageFault(err)
}

// matchIDs returns up to max+1 ids of the organisation's people matching
// a search that searchHits does not read: an email address, or on SQLite
// a word longer than the index keeps. (PostgreSQL's other searches are all
// searchHits's; should one come here, it is answered all the same.)
func (db *DB) matchIDs(ctx context.Context, orgID int64, q searchQuery, max int) ([]int64, error) {
	switch {
	case q.email != "":
		return db.emailIDs(ctx, orgID, q.email, math.MaxInt64, max+1)
	case db.dialect == Postgres:
		return pgSearchNewest(ctx, db.ro, orgID, q.tokens, math.MaxInt64, max+1)
	}
	return db.sqliteSearch(ctx, orgID, q.tokens, "", 0, max+1)
}

// searchNewest returns up to n ids of matching people with ids below
// before, highest (newest) first.
func (db *DB) searchNewest(ctx context.Context, orgID int64, q searchQuery, before int64, n int) ([]int64, error) {
	if q.email != "" {
		return db.emailIDs(ctx, orgID, q.email, before, n)
	}
	if db.dialect == Postgres {
		return pgSearchNewest(ctx, db.ro, orgID, q.tokens, before, n)
	}
	return db.sqliteSearchNewest(ctx, orgID, q.tokens, before, n)
}

// emailIDs returns up to n ids of people with the email address and ids
// below before, highest first.
func (db *DB) emailIDs(ctx context.Context, orgID int64, addr string, before int64, n int) ([]int64, error) {
	var ids []int64
	err := db.ro.NewSelect().Table("emails").ColumnExpr("DISTINCT person_id").
		Where("org_id = ? AND address = ? AND person_id < ?", orgID, addr, before).
		OrderExpr("person_id DESC").Limit(int64(n)).Scan(ctx, &ids)
	return ids, err
}

// byIDTable and byIDNameOrder shape a query that picks people by a list
// of ids and sorts them by name. Both planners would otherwise walk the
// name index to spare a sort — visiting most of the organisation when the
// ids sort late. SQLite is told NOT INDEXED, which leaves it the primary
// key; PostgreSQL is given an ORDER BY expression no index provides.
func (db *DB) byIDTable() string { return peopleByID(db.ro) }

// peopleByID is byIDTable for a hot read's text. (Without it, SQLite
// reads an id list from json_each through the (org_id, id) index, a
// lookup too but one b-tree more.)
func peopleByID(q bun.IDB) string {
	if q.Dialect().Name() == dialect.PG {
		return "people AS person"
	}
	return "people AS person NOT INDEXED"
}

func (db *DB) byIDNameOrder() string {
	if db.dialect == Postgres {
		return "person.sort_name || '', person.id"
	}
	return "person.sort_name, person.id"
}

// forUpdate locks the rows a read-then-write transaction reads, on
// PostgreSQL; SQLite transactions already hold the write lock from BEGIN.
func (db *DB) forUpdate(q *bun.SelectQuery) *bun.SelectQuery {
	if db.dialect == Postgres {
		return q.For("UPDATE")
	}
	return q
}

// reserveIDs hands out n new ids for table inside a write transaction, so
// that bulk inserts know each row's id without trusting the order in which
// RETURNING gives them back (which neither database promises).
func (db *DB) reserveIDs(ctx context.Context, tx bun.Tx, table string, n int) ([]int64, error) {
	var ids []int64
	if db.dialect == Postgres {
		err := tx.NewRaw("SELECT nextval(pg_get_serial_sequence(?, 'id')) FROM generate_series(1, ?)", table, n).Scan(ctx, &ids)
		return ids, err
	}
	// The transaction began IMMEDIATE: no one else can insert meanwhile.
	// SQLite would hand out an id freed at the top again (a merged
	// person's).
	var top int64
	var err error
	if table == "people" {
		top, err = topPersonID(ctx, tx)
	} else {
		err = tx.NewRaw("SELECT COALESCE(MAX(id), 0) FROM ?", bun.Ident(table)).Scan(ctx, &top)
	}
	if err != nil {
		return nil, err
	}
	ids = make([]int64, n)
	for i := range ids {
		ids[i] = top + 1 + int64(i)
	}
	return ids, nil
}

// topPersonID is the id above which people written in bulk on SQLite
// (reserveIDs, an import) are numbered, inside a transaction that holds the
// write lock: above every person's, and above every range still waiting
// for the search indexer. A range whose top person was merged away would
// otherwise hand that id out again; a bulk write indexes its people at
// once, and an import waits for the indexer under a range of its own, so
// the indexer would index the id twice (once for each range) and corrupt
// the index.
func topPersonID(ctx context.Context, tx bun.Tx) (int64, error) {
	var top int64
	err := tx.NewRaw("SELECT MAX(COALESCE((SELECT MAX(id) FROM people), 0), COALESCE((SELECT MAX(to_id) FROM search_backlog), 0))").Scan(ctx, &top)
	return top, err
}

// indexSearch keeps SQLite's full-text index in step with a person's
// search document: it removes the old document (exactly as it was
// indexed) and adds the new one. A person whose id is in search_backlog is
// not in the index yet; the indexer will pick up their current document.
// PostgreSQL derives its index from the column itself.
func (db *DB) indexSearch(ctx context.Context, tx bun.Tx, orgID, id int64, old, doc string) error {
	if db.dialect == Postgres || old == doc {
		return nil
	}
	// With placeholders, on the transaction's own statement: prepared once
	// (writerstmts.go).
	var pending bool
	if err := tx.Tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM search_backlog WHERE org_id = ? AND ? BETWEEN from_id AND to_id)",
		orgID, id).Scan(&pending); err != nil || pending {
		return err
	}
	if old != "" {
		if _, err := tx.Tx.ExecContext(ctx, "INSERT INTO people_fts (people_fts, rowid, search_doc) VALUES ('delete', ?, ?)", id, old); err != nil {
			return err
		}
	}
	if doc != "" {
		_, err := tx.Tx.ExecContext(ctx, "INSERT INTO people_fts (rowid, search_doc) VALUES (?, ?)", id, doc)
		return err
	}
	return nil
}

// indexSearchRange adds the search documents of the organisation's people
// with ids in [from, to] to SQLite's full-text index, in one statement.
func (db *DB) indexSearchRange(ctx context.Context, tx bun.Tx, orgID, from, to int64) error {
	if db.dialect == Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO people_fts (rowid, search_doc) SELECT id, search_doc FROM search_docs WHERE org_id = ? AND id BETWEEN ? AND ?",
		orgID, from, to)
	return err
}

// Where a person's search document is kept. On PostgreSQL it is their
// row's search_doc, from which the index is derived (a long value is kept
// out of the row there). On SQLite it is search_docs, a row for each
// person whose document is not empty, and the index's content table; the
// person's own search_doc is left empty, because a document in the middle
// of the row put every column after it behind the row's overflow pages
// once it outgrew a page.

// docInRow reports whether a person's search document is kept in their
// row (PostgreSQL).
func (db *DB) docInRow() bool { return db.dialect == Postgres }

// searchDocOf returns the search document kept for the organisation's
// person id ("" for none); p is the person as read in tx, whose row holds
// it where docInRow.
func (db *DB) searchDocOf(ctx context.Context, tx bun.Tx, p *rapport.Person) (string, error) {
	if db.docInRow() {
		return p.SearchDoc, nil
	}
	docs, err := column[string](tx.Tx.QueryContext(ctx, "SELECT search_doc FROM search_docs WHERE org_id = ? AND id = ?", p.OrgID, p.ID))
	if err != nil || len(docs) == 0 {
		return "", err
	}
	return docs[0], nil
}

// searchDocsOf returns the search documents of the organisation's people
// ids (those with none are left out).
func (db *DB) searchDocsOf(ctx context.Context, tx bun.Tx, orgID int64, ids idList) (map[int64]string, error) {
	text := "SELECT id, search_doc FROM search_docs WHERE org_id = ? AND " + anyID(db.ro, "id")
	if db.docInRow() {
		text = "SELECT id, search_doc FROM people WHERE org_id = ? AND " + anyID(db.ro, "id") + " AND search_doc <> ''"
	}
	byID, err := db.textsByID(ctx, tx, text, orgID, ids)
	docs := make(map[int64]string, len(byID))
	for id, d := range byID {
		docs[id] = d[0]
	}
	return docs, err
}

// insertPeople inserts people (a model: one person or a slice), their
// search documents in their rows only where docInRow (elsewhere the
// column keeps its empty default, and the caller keeps the documents).
func (db *DB) insertPeople(tx bun.Tx, people any) *bun.InsertQuery {
	q := tx.NewInsert().Model(people)
	if !db.docInRow() {
		q.ExcludeColumn("search_doc")
	}
	return q
}

// keepSearchDoc keeps doc as the organisation's person id's search
// document (the index is kept in step by indexSearch).
func (db *DB) keepSearchDoc(ctx context.Context, tx bun.Tx, orgID, id int64, doc string) error {
	var err error
	switch {
	case db.docInRow():
		_, err = db.execOn(ctx, tx, "UPDATE people SET search_doc = ? WHERE org_id = ? AND id = ?", doc, orgID, id)
	case doc == "":
		_, err = tx.Tx.ExecContext(ctx, "DELETE FROM search_docs WHERE org_id = ? AND id = ?", orgID, id)
	default:
		_, err = tx.Tx.ExecContext(ctx, "INSERT INTO search_docs (id, org_id, search_doc) VALUES (?, ?, ?) "+
			"ON CONFLICT (id) DO UPDATE SET search_doc = excluded.search_doc WHERE search_docs.org_id = excluded.org_id", id, orgID, doc)
	}
	return err
}

// placeholder is the n-th (from 1) bind parameter of a raw statement.
func (db *DB) placeholder(n int) string {
	if db.dialect == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// timeValue is a time as a raw statement binds it: as bun writes times
// into SQLite (text that sorts in time order), or as itself for PostgreSQL.
// The zero time is NULL.
func (db *DB) timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if db.dialect == Postgres {
		return t.UTC()
	}
	return t.UTC().Format("2006-01-02 15:04:05.999999-07:00")
}

func (db *DB) lockMigrations(ctx context.Context) (func(), error) {
	if db.dialect == Postgres {
		return pgLockMigrations(ctx, db.session)
	}
	return sqliteLockMigrations(ctx, db.rw)
}

// conflict maps a unique violation to a field error on field.
func (db *DB) conflict(err error, field, msg string) error {
	if db.isUnique(err) {
		return &rapport.Error{Code: rapport.ECONFLICT, Message: msg, Fields: map[string]string{field: msg}}
	}
	return err
}

// — How work differs, by what each database is. —

// oneWriter reports whether the database has one write connection, held
// by an import from start to end, and is served by one server (SQLite; see
// Options.Exclusive): imports cannot beat a heartbeat while they run, take
// their people's ids after the largest under the write lock, and may drop
// and rebuild indexes.
func (db *DB) oneWriter() bool { return db.dialect == SQLite }

// searchBacklog reports whether people wait for a background indexer to
// become searchable (SQLite's FTS5 table, filled a chunk at a time);
// PostgreSQL's search document is indexed as people are written.
func (db *DB) searchBacklog() bool { return db.dialect == SQLite }

// diskFile names the file on this machine that holds the database, or ""
// (PostgreSQL, or SQLite in memory).
func (db *DB) diskFile() string {
	if db.dialect == SQLite && db.name != ":memory:" {
		return db.name
	}
	return ""
}

// readOnlyHint says where to look when the database refused a write as
// read-only.
func (db *DB) readOnlyHint() string {
	if db.dialect == SQLite {
		return " (the server's user must be able to write the file, its directory and its -wal and -shm files)"
	}
	return " (a standby, or a database or role with default_transaction_read_only on)"
}

// snapshot are the options of a transaction that reads every table as of
// one moment: WAL gives SQLite that; PostgreSQL needs repeatable read.
func (db *DB) snapshot() *sql.TxOptions {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return opts
}

// columnsOf lists a table's columns, in order, but generated ones.
func (db *DB) columnsOf(ctx context.Context, q bun.IDB, table string) ([]string, error) {
	var cols []string
	var err error
	if db.dialect == Postgres {
		err = q.NewRaw("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?"+
			" AND is_generated = 'NEVER' ORDER BY ordinal_position", table).Scan(ctx, &cols)
	} else {
		err = q.NewRaw("SELECT name FROM pragma_table_info(?) ORDER BY cid", table).Scan(ctx, &cols)
	}
	return cols, err
}

// deferForeignKeys makes a transaction check foreign keys at commit, for
// a restore that writes rows before the rows they point to (PostgreSQL's
// are checked per statement, and a restore writes parents first).
func (db *DB) deferForeignKeys(ctx context.Context, tx bun.Tx) error {
	if db.dialect != SQLite {
		return nil
	}
	_, err := tx.ExecContext(ctx, "PRAGMA defer_foreign_keys = ON")
	return err
}

// keepingIDs is what an INSERT that writes its own ids says: PostgreSQL's
// identity columns refuse them otherwise.
func (db *DB) keepingIDs() string {
	if db.dialect == Postgres {
		return "OVERRIDING SYSTEM VALUE "
	}
	return ""
}

// resetSequence moves a table's id sequence past the ids a restore wrote
// (SQLite takes the next after the largest by itself).
func (db *DB) resetSequence(ctx context.Context, tx bun.Tx, table string) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM %s", table, table))
	return err
}

// lockForSetup keeps two first-run setups from both seeing no
// organisation (SQLite's write transaction already does).
func (db *DB) lockForSetup(ctx context.Context, tx bun.Tx) error {
	if db.dialect != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "LOCK TABLE orgs IN SHARE ROW EXCLUSIVE MODE")
	return err
}

// aggregateIDs is an SQL aggregate of ids as comma-separated text (expr
// may start with DISTINCT).
func (db *DB) aggregateIDs(expr string) string {
	if db.dialect == Postgres {
		return "STRING_AGG(" + expr + "::text, ',')"
	}
	return "GROUP_CONCAT(" + expr + ")"
}

// bulkInsertVerb begins a bulk INSERT. On SQLite a failed row ends the
// whole import anyway: saying so spares it a journal to undo a part-done
// statement with.
func (db *DB) bulkInsertVerb() string {
	if db.dialect == SQLite {
		return "INSERT OR ROLLBACK INTO "
	}
	return "INSERT INTO "
}

// bindsAreCostly reports whether binding a value costs enough that a bulk
// insert writes the values every row shares into the statement (SQLite).
func (db *DB) bindsAreCostly() bool { return db.dialect == SQLite }

// analyze refreshes the planner's statistics for tables. A failure only
// costs speed, so it is logged, not returned.
func (db *DB) analyze(ctx context.Context, tables ...string) {
	if db.dialect == SQLite {
		// SQLite decides for itself which tables' statistics are stale.
		if _, err := db.rw.ExecContext(ctx, "PRAGMA optimize"); err != nil {
			db.log.Warn("optimize", "err", err)
		}
		return
	}
	for _, t := range tables {
		if _, err := db.rw.ExecContext(ctx, "ANALYZE "+t); err != nil {
			db.log.Warn("analyze", "table", t, "err", err)
		}
	}
}

// analyzeInImport refreshes the planner's statistics inside an import's
// transaction, where the database allows it (SQLite: with the import
// rather than after it), and reports whether it did.
func (db *DB) analyzeInImport(ctx context.Context, tx bun.Tx) (bool, error) {
	if db.dialect != SQLite {
		return false, nil
	}
	_, err := tx.ExecContext(ctx, "PRAGMA optimize")
	return true, err
}

// sharedSignals reports whether signals travel through the database
// (PostgreSQL's NOTIFY, heard by every server) rather than in-process.
func (db *DB) sharedSignals() bool { return db.dialect == Postgres }

// listen holds one connection LISTENing on channel, calling fn with each
// payload, until ctx ends or the connection fails. PostgreSQL only; a
// transaction-pooling proxy (pgbouncer) cannot carry LISTEN, so this
// connection must reach PostgreSQL directly or through session pooling.
func (db *DB) listen(ctx context.Context, channel string, ready func(), fn func(payload string)) error {
	return pgListen(ctx, db.session.DB, channel, ready, fn)
}

// skipLocked makes a claiming read pass over rows another server's
// transaction holds (PostgreSQL's FOR UPDATE SKIP LOCKED), so that servers
// sharing a queue take different rows; SQLite has one writer.
func (db *DB) skipLocked(q *bun.SelectQuery) *bun.SelectQuery {
	if db.dialect == Postgres {
		return q.For("UPDATE SKIP LOCKED")
	}
	return q
}

// placeholders writes a hot read's "?" as the database takes them.
func (db *DB) placeholders(text string) string {
	if db.dialect == Postgres {
		return dollarPlaceholders(text)
	}
	return text
}

// driverPrepares reports whether the driver keeps prepared statements per
// connection by itself (pgx does, or sends them unprepared where the URL
// says so, behind PgBouncer); with SQLite's, the store prepares them.
func (db *DB) driverPrepares() bool { return db.dialect == Postgres }

// anyID is the condition that col is one of an idList: on SQLite the list
// goes as a JSON array, read back by json_each; on PostgreSQL as an array.
// Both planners then look each id up through the index col leads.
func anyID(q bun.IDB, col string) string {
	if q.Dialect().Name() == dialect.PG {
		return col + " = ANY(?)"
	}
	return col + " IN (SELECT value FROM json_each(?))"
}

// whereAnyID adds to q (a query bun writes whole) that col is one of ids,
// as anyID writes it, with the list as one literal: a long list is then
// one value for the database to read, not a term per id for its parser
// and planner to build and sort.
func (db *DB) whereAnyID(q *bun.SelectQuery, col string, ids []int64) *bun.SelectQuery {
	if db.dialect == Postgres {
		return q.Where(anyID(db.ro, col), pgdialect.Array(ids))
	}
	return q.Where(anyID(db.ro, col), jsonIDs(ids))
}

// jsonIDs writes ids as the JSON array that SQLite's json_each reads.
func jsonIDs(ids []int64) string {
	b := make([]byte, 0, 2+8*len(ids))
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// bindArgs turns a hot read's values into what the driver takes: an
// idList as its dialect reads it (anyID) and, on SQLite, a time as bun
// writes it into a text column, so that a bound time compares with the
// stored ones as a literal would. The caller's slice stays as it was.
func (db *DB) bindArgs(args []any) []any {
	out := args
	set := func(i int, v any) {
		if &out[0] == &args[0] {
			out = slices.Clone(args)
		}
		out[i] = v
	}
	for i, a := range args {
		switch a := a.(type) {
		case idList:
			if db.dialect == Postgres {
				set(i, []int64(a))
			} else {
				set(i, jsonIDs(a))
			}
		case time.Time:
			if db.dialect == SQLite {
				lit := db.ro.Dialect().AppendTime(nil, a)
				set(i, string(lit[1:len(lit)-1]))
			}
		}
	}
	return out
}
