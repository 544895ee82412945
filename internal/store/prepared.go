package store

import (
	"context"
	"database/sql"
	"reflect"
	"strconv"
	"sync"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Hot reads: the statements every request runs (its session, user and
// organisation, a person and their phones, emails and tags) are written
// once with placeholders and prepared once per connection, instead of
// being rebuilt by bun with their values in the text and parsed and
// planned by the database anew on every call.
//
// A hot read's text comes from bun (so its columns follow the model) with
// "?" where a value goes. On SQLite the statement is prepared once per
// pool: database/sql then prepares it on each connection the first time
// that connection runs it, and keeps it. On PostgreSQL, the text (with
// $1, $2…) goes to pgx with its values: pgx keeps prepared statements per
// connection itself, and sends them unprepared where the URL says so
// (default_query_exec_mode=exec, behind PgBouncer).
//
// Hot reads bypass bun's query hooks. The memo's hook forgets at writes,
// which these are not; the write pool's fault hook does not see an I/O
// error on a hot read inside a write transaction, but the transaction's
// writes and commit, which meet the same fault, report it.
type hotRead struct {
	build func(q bun.IDB) string // the text, "?" (or "?N") where each value goes
	texts sync.Map               // by dialect: the text as it is sent
}

// newHotRead returns a hot read whose text build makes, with bun.Safe("?")
// where each value goes.
func newHotRead(build func(q bun.IDB) string) *hotRead {
	return &hotRead{build: build}
}

// personRowsKey names a hot read of one person's rows of a table: the
// type of what they are read into, their order, and whether a bound
// number of them.
type personRowsKey struct {
	dest    reflect.Type
	order   string
	limited bool
}

var personRowsReads sync.Map // personRowsKey → *hotRead

// personRows is the hot read of a person's rows of dest's table (dest a
// model: a pointer to one, or to a slice of them), in order; its values are the
// organisation and the person, then, when limited, how many at most.
// Their facts, events, records and the timeline's sources are read so:
// built by bun on every call, their texts were a twentieth of a person
// page's CPU and more of its allocations.
func personRows(dest any, order string, limited bool) *hotRead {
	key := personRowsKey{reflect.TypeOf(dest), order, limited}
	if h, ok := personRowsReads.Load(key); ok {
		return h.(*hotRead)
	}
	h, _ := personRowsReads.LoadOrStore(key, newHotRead(func(q bun.IDB) string {
		text := q.NewSelect().Model(dest).Where("org_id = ? AND person_id = ?", ph, ph).OrderExpr(order).String()
		if limited {
			text += " LIMIT ?"
		}
		return text
	}))
	return h.(*hotRead)
}

// ph is the placeholder to give bun where a value goes.
var ph = bun.Safe("?")

func (h *hotRead) sql(db *DB) string {
	if t, ok := h.texts.Load(db.dialect); ok {
		return t.(string)
	}
	t := db.placeholders(h.build(db.ro))
	h.texts.Store(db.dialect, t)
	return t
}

// stmtKey names a prepared statement: its pool and its text.
type stmtKey struct {
	pool *sql.DB
	text string
}

// idList is a hot read's value for a list of ids, in the place of the "?"
// that anyID writes: one value, so that the statement's text is the same
// however many ids there are.
type idList []int64

// query runs h with args on q (the read pool, or a transaction) and
// returns its rows.
func (db *DB) query(ctx context.Context, q bun.IDB, h *hotRead, args ...any) (*sql.Rows, error) {
	return db.queryText(ctx, q, h.sql(db), args)
}

// queryText runs text, with "?" or "?N" where values go (placeholders
// converts them for the dialect), with args on q.
func (db *DB) queryText(ctx context.Context, q bun.IDB, text string, args []any) (*sql.Rows, error) {
	args = db.bindArgs(args)
	if db.sawQuery != nil {
		db.sawQuery(text, args)
	}
	var pool *sql.DB
	var tx *sql.Tx
	switch q := q.(type) {
	case *bun.DB:
		pool = q.DB
	case bun.Tx:
		tx = q.Tx
	default:
		return q.QueryContext(ctx, text, args...)
	}
	if tx != nil {
		// Not prepared: on SQLite, preparing on the writer's pool would
		// wait for its one connection, which the transaction holds.
		return tx.QueryContext(ctx, text, args...)
	}
	if db.driverPrepares() {
		return pool.QueryContext(ctx, text, args...)
	}
	stmt, err := db.prepared(ctx, pool, text)
	if err != nil {
		return nil, err
	}
	if stmt == nil {
		return pool.QueryContext(ctx, text, args...)
	}
	return stmt.QueryContext(ctx, args...)
}

// maxStatements bounds the statements kept prepared: the texts are a
// fixed set, but one built with a value in it by mistake must not grow
// the set (and each connection's statements) without end.
const maxStatements = 1000

// prepared returns the statement text prepared on pool, preparing it the
// first time; nil once maxStatements are kept (run it unprepared).
func (db *DB) prepared(ctx context.Context, pool *sql.DB, text string) (*sql.Stmt, error) {
	key := stmtKey{pool, text}
	if s, ok := db.stmts.Load(key); ok {
		return s.(*sql.Stmt), nil
	}
	if db.nstmts.Load() >= maxStatements {
		return nil, nil
	}
	s, err := pool.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(key, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	db.nstmts.Add(1)
	return s, nil
}

// closeStatements closes the prepared statements (at Close).
func (db *DB) closeStatements() {
	db.stmts.Range(func(k, s any) bool {
		s.(*sql.Stmt).Close()
		db.stmts.Delete(k)
		db.nstmts.Add(-1)
		return true
	})
}

// bound is a statement bun writes with a numbered placeholder where each
// value goes (?1, ?2…; $1, $2… on PostgreSQL) and its values, for reads
// whose shape is built per call (Today's sources, a few of them or more)
// but whose text must not carry the values: a statement's text is then
// one of a few, prepared once per connection like a hot read's. Numbers
// rather than "?" in order, because bun writes a query's clauses in its
// own order (columns before conditions), not in the order they are added.
// Constants stay in the text: SQLite uses a partial index only when the
// query names the index's condition as written ("kind = 'recruit'").
type bound struct{ args []any }

// v is the placeholder of the value x.
func (b *bound) v(x any) bun.Safe {
	b.args = append(b.args, x)
	return bun.Safe("?" + strconv.Itoa(len(b.args)))
}

// limit is text with a LIMIT of n, bound: a limit a caller or a user's
// setting chooses would otherwise make a text of its own for each value.
func (b *bound) limit(text string, n int) string {
	return text + " LIMIT " + string(b.v(n))
}

// readBound runs text (written with b's placeholders) on the read pool
// and scans its rows into dest, as readAll does.
func (db *DB) readBound(ctx context.Context, dest any, text string, b *bound) error {
	return db.readBoundOn(ctx, db.ro, dest, text, b)
}

// readBoundOn is readBound on q: the read pool, or a write transaction
// (whose connection keeps the statement: writerstmts.go).
func (db *DB) readBoundOn(ctx context.Context, q bun.IDB, dest any, text string, b *bound) error {
	rows, err := db.queryBoundOn(ctx, q, text, b)
	if err != nil {
		return err
	}
	return db.ro.ScanRows(ctx, rows, dest)
}

// readOneBound is readBoundOn of one row into dest (a model); no row is
// sql.ErrNoRows.
func (db *DB) readOneBound(ctx context.Context, q bun.IDB, dest any, text string, b *bound) error {
	rows, err := db.queryBoundOn(ctx, q, text, b)
	return db.scanOne(ctx, rows, err, dest)
}

// execOn runs text, with "?" where its args go, in the write transaction
// tx, its values bound as reads bind them (bindArgs): the writer keeps the
// statement (writerstmts.go).
func (db *DB) execOn(ctx context.Context, tx bun.Tx, text string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, db.placeholders(text), db.bindArgs(args)...)
}

// exists reports whether text (a query with "?" where its args go) finds
// a row, on q (the read pool, or a transaction: on the writer, prepared
// once).
func (db *DB) exists(ctx context.Context, q bun.IDB, text string, args ...any) (bool, error) {
	rows, err := db.queryText(ctx, q, db.placeholders("SELECT EXISTS ("+text+")"), args)
	var ok bool
	err = scanRow(rows, err, &ok)
	return ok, err
}

// queryBound runs text (written with b's placeholders) on the read pool,
// for a caller that scans the rows itself.
func (db *DB) queryBound(ctx context.Context, text string, b *bound) (*sql.Rows, error) {
	return db.queryBoundOn(ctx, db.ro, text, b)
}

// queryBoundOn is queryBound on q.
func (db *DB) queryBoundOn(ctx context.Context, q bun.IDB, text string, b *bound) (*sql.Rows, error) {
	text = db.placeholders(text)
	if db.sawBound != nil {
		db.sawBound(text, b.args)
	}
	return db.queryText(ctx, q, text, b.args)
}

// readOne runs h and scans its one row into dest (a model, as for bun's
// Scan); no row is sql.ErrNoRows.
func (db *DB) readOne(ctx context.Context, q bun.IDB, dest any, h *hotRead, args ...any) error {
	rows, err := db.query(ctx, q, h, args...)
	return db.scanOne(ctx, rows, err, dest)
}

// scanRow reads the one row of rows (or err, from running them) into
// dest, a value for each column, and closes them; no row is
// sql.ErrNoRows.
func scanRow(rows *sql.Rows, err error, dest ...any) error {
	return oneRow(rows, err, func() error { return rows.Scan(dest...) })
}

// oneRow runs scan on the one row of rows (or returns err, from running
// them) and closes them; no row is sql.ErrNoRows.
func oneRow(rows *sql.Rows, err error, scan func() error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := scan(); err != nil {
		return err
	}
	return rows.Close()
}

// column reads the one column of rows (or err, from running them) and
// closes them.
func column[T any](rows *sql.Rows, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err // a statement that failed as it ran (a constraint, say)
	}
	return out, rows.Close()
}

// scanOne scans the one row of rows (or err, from running them) into dest
// and closes them; no row is sql.ErrNoRows.
func (db *DB) scanOne(ctx context.Context, rows *sql.Rows, err error, dest any) error {
	return oneRow(rows, err, func() error { return db.ro.ScanRow(ctx, rows, dest) })
}

// readAll runs h and scans all its rows into dest (a pointer to a slice
// of models, or of values).
func (db *DB) readAll(ctx context.Context, q bun.IDB, dest any, h *hotRead, args ...any) error {
	return db.readText(ctx, q, dest, h.sql(db), args)
}

// readText runs text with args on q and scans all its rows into dest.
func (db *DB) readText(ctx context.Context, q bun.IDB, dest any, text string, args []any) error {
	rows, err := db.queryText(ctx, q, text, args)
	if err != nil {
		return err
	}
	return db.ro.ScanRows(ctx, rows, dest)
}

// teamOrder lists users by name, the email where none is set.
const teamOrder = "CASE WHEN name = '' THEN email ELSE name END, id"

// The hot reads.
var (
	// A session with its user (of the session's organisation) and the
	// organisation: what every signed-in request reads first, in one
	// statement rather than three.
	readSession = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*sessionRow)(nil)).Relation("User").Relation("Org").
			Where(`"session"."id" = ? AND "session"."expires_at" > ?`, ph, ph).
			Where(`"user"."org_id" = "session"."org_id" AND "org"."id" = "session"."org_id"`).String()
	})
	readUser = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.User)(nil)).Where("org_id = ? AND id = ?", ph, ph).String()
	})
	// The organisation's users, by name (the email where none is set).
	readTeam = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.User)(nil)).Where("org_id = ?", ph).OrderExpr(teamOrder).String()
	})
	// The organisation's roster: the users' rosterColumns, in the same order.
	readRoster = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.User)(nil)).Column(rosterColumns...).Where("org_id = ?", ph).OrderExpr(teamOrder).String()
	})
	readOrg = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Org)(nil)).Where("id = ?", ph).String()
	})
	readPerson = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Person)(nil)).Where("org_id = ? AND id = ?", ph, ph).String()
	})
)

// People's phones, emails and tags, in loadDetails' order: of one person
// (person_id = ?: about a seventh faster on the person page than a list
// of one, measured with BenchmarkPersonByID) and of several (an idList).
var (
	readPhones, readPhonesOf = detailsRead((*rapport.Phone)(nil), "person_id, position, id")
	readEmails, readEmailsOf = detailsRead((*rapport.Email)(nil), "person_id, position, id")
	readTags, readTagsOf     = detailsRead((*personTag)(nil), "person_id, lower(tag), tag")
)

// detailsRead returns the hot reads of a model's rows of one person and
// of an idList of people, in order.
func detailsRead(model any, order string) (one, many *hotRead) {
	return personRows(model, order, false), newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model(model).Where("org_id = ?", ph).Where(anyID(q, "person_id"), ph).OrderExpr(order).String()
	})
}

// Hot reads of several people at once, by an idList.
var (
	// People as a list shows them (all but the search document).
	readPeopleOf = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Person)(nil)).ModelTableExpr(peopleByID(q)).ExcludeColumn("search_doc").
			Where("person.org_id = ?", ph).Where(anyID(q, "person.id"), ph).String()
	})
	// People as a list's rows show them (PeopleFilter.Brief).
	readBriefOf = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Person)(nil)).ModelTableExpr(peopleByID(q)).Column(briefColumns...).
			Where("person.org_id = ?", ph).Where(anyID(q, "person.id"), ph).String()
	})
	// People's names.
	readNamesOf = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Person)(nil)).ModelTableExpr(peopleByID(q)).Column("id", "first_name", "last_name").
			Where("person.org_id = ?", ph).Where(anyID(q, "person.id"), ph).String()
	})
)

// Today's reads of its candidates: what ranking reads of each
// (todayColumns), and their touches since a time.
var (
	readTodayOf = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Person)(nil)).ModelTableExpr(peopleByID(q)).Column(todayColumns...).
			Where("person.org_id = ?", ph).Where(anyID(q, "person.id"), ph).String()
	})
	readTouchesOf = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Conversation)(nil)).
			Column("person_id", "occurred_at", "channel", "direction", "outcome", "live").
			Where("org_id = ?", ph).Where(anyID(q, "person_id"), ph).Where("occurred_at >= ?", ph).String()
	})
)
