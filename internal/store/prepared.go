package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

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
// Hot reads bypass bun's query hooks; they are reads, which the hooks
// (memoHook, faultHook) have nothing to do with.
type hotRead struct {
	build func(q bun.IDB) string // the text, "?" where each value goes
	once  [2]sync.Once           // by dialect: SQLite, PostgreSQL
	text  [2]string
}

// newHotRead returns a hot read whose text build makes, with bun.Safe("?")
// where each value goes.
func newHotRead(build func(q bun.IDB) string) *hotRead {
	return &hotRead{build: build}
}

// ph is the placeholder to give bun where a value goes.
var ph = bun.Safe("?")

func (h *hotRead) sql(db *DB) string {
	i := 0
	if db.dialect == Postgres {
		i = 1
	}
	h.once[i].Do(func() {
		h.text[i] = h.build(db.ro)
		if i == 1 {
			h.text[i] = dollarPlaceholders(h.text[i])
		}
	})
	return h.text[i]
}

// dollarPlaceholders numbers the "?" of text outside quotes as $1, $2…
// for PostgreSQL.
func dollarPlaceholders(text string) string {
	var b strings.Builder
	n := 0
	var quote byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// stmtKey names a prepared statement: its pool and its text.
type stmtKey struct {
	pool *sql.DB
	text string
}

// query runs h with args on q (the read pool, or a transaction) and
// returns its rows.
func (db *DB) query(ctx context.Context, q bun.IDB, h *hotRead, args ...any) (*sql.Rows, error) {
	text := h.sql(db)
	if db.dialect == SQLite {
		args = sqliteArgs(db, args)
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
	if db.dialect == Postgres {
		return pool.QueryContext(ctx, text, args...)
	}
	stmt, err := db.prepared(ctx, pool, text)
	if err != nil {
		return nil, err
	}
	return stmt.QueryContext(ctx, args...)
}

// prepared returns the statement text prepared on pool, preparing it the
// first time.
func (db *DB) prepared(ctx context.Context, pool *sql.DB, text string) (*sql.Stmt, error) {
	key := stmtKey{pool, text}
	if s, ok := db.stmts.Load(key); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := pool.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(key, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

// closeStatements closes the prepared statements (at Close).
func (db *DB) closeStatements() {
	db.stmts.Range(func(k, s any) bool {
		s.(*sql.Stmt).Close()
		db.stmts.Delete(k)
		return true
	})
}

// readOne runs h and scans its one row into dest (a model, as for bun's
// Scan); no row is sql.ErrNoRows.
func (db *DB) readOne(ctx context.Context, q bun.IDB, dest any, h *hotRead, args ...any) error {
	rows, err := db.query(ctx, q, h, args...)
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
	if err := db.ro.ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}

// readAll runs h and scans all its rows into dest (a pointer to a slice
// of models, or of values).
func (db *DB) readAll(ctx context.Context, q bun.IDB, dest any, h *hotRead, args ...any) error {
	rows, err := db.query(ctx, q, h, args...)
	if err != nil {
		return err
	}
	return db.ro.ScanRows(ctx, rows, dest)
}

// sqliteArgs writes times as bun writes them into SQLite's text columns,
// so that a bound time compares with the stored ones as a literal would.
func sqliteArgs(db *DB, args []any) []any {
	out := args
	for i, a := range args {
		if t, ok := a.(time.Time); ok {
			if &out[0] == &args[0] {
				out = slices.Clone(args) // the caller's slice stays as it was
			}
			lit := db.ro.Dialect().AppendTime(nil, t)
			out[i] = string(lit[1 : len(lit)-1])
		}
	}
	return out
}

// The hot reads.
var (
	readSession = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*Session)(nil)).Where("id = ? AND expires_at > ?", ph, ph).String()
	})
	readUser = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.User)(nil)).Where("org_id = ? AND id = ?", ph, ph).String()
	})
	readOrg = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Org)(nil)).Where("id = ?", ph).String()
	})
	readPerson = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Person)(nil)).Where("org_id = ? AND id = ?", ph, ph).String()
	})
	readStage = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Stage)(nil)).Where("org_id = ? AND id = ?", ph, ph).String()
	})
	// A person's phones, emails and tags, in loadDetails' order.
	readPhones = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Phone)(nil)).Where("org_id = ? AND person_id = ?", ph, ph).
			Order("position", "id").String()
	})
	readEmails = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Email)(nil)).Where("org_id = ? AND person_id = ?", ph, ph).
			Order("position", "id").String()
	})
	readTags = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*personTag)(nil)).Where("org_id = ? AND person_id = ?", ph, ph).
			OrderExpr("lower(tag), tag").String()
	})
)
