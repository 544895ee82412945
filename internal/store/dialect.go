package store

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// The few places where SQLite and PostgreSQL differ, chosen by dialect.

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

// searchIDs returns up to max+1 ids of the organisation's people matching
// the search.
func (db *DB) searchIDs(ctx context.Context, orgID int64, q searchQuery, max int) ([]int64, error) {
	if q.email != "" {
		return db.emailIDs(ctx, orgID, q.email, math.MaxInt64, max+1)
	}
	if db.dialect == Postgres {
		return pgSearchIDs(ctx, db.ro, orgID, q.tokens, max)
	}
	return sqliteSearchIDs(ctx, db.ro, orgID, q.tokens, max)
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
	return sqliteSearchNewest(ctx, db.ro, orgID, q.tokens, before, n)
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
func (db *DB) byIDTable() string {
	if db.dialect == Postgres {
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
	var top int64
	if err := tx.NewRaw("SELECT COALESCE(MAX(id), 0) FROM ?", bun.Ident(table)).Scan(ctx, &top); err != nil {
		return nil, err
	}
	ids = make([]int64, n)
	for i := range ids {
		ids[i] = top + 1 + int64(i)
	}
	return ids, nil
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
	pending, err := tx.NewSelect().Table("search_backlog").Where("org_id = ? AND ? BETWEEN from_id AND to_id", orgID, id).Exists(ctx)
	if err != nil || pending {
		return err
	}
	if old != "" {
		if _, err := tx.ExecContext(ctx, "INSERT INTO people_fts (people_fts, rowid, search_doc) VALUES ('delete', ?, ?)", id, old); err != nil {
			return err
		}
	}
	if doc != "" {
		_, err = tx.ExecContext(ctx, "INSERT INTO people_fts (rowid, search_doc) VALUES (?, ?)", id, doc)
	}
	return err
}

// indexSearchRange adds the search documents of the organisation's people
// with ids in [from, to] to SQLite's full-text index, in one statement.
func (db *DB) indexSearchRange(ctx context.Context, tx bun.Tx, orgID, from, to int64) error {
	if db.dialect == Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO people_fts (rowid, search_doc) SELECT id, search_doc FROM people WHERE org_id = ? AND id BETWEEN ? AND ? AND search_doc <> ''",
		orgID, from, to)
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
		return pgLockMigrations(ctx, db.rw)
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
