package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

func trim(s string) string { return strings.TrimSpace(s) }

// affected turns "no row matched" into a not-found error.
func affected(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return rapport.NotFound(what)
	}
	return nil
}

func sortIDs(ids []int64) { slices.Sort(ids) }

// RawScan runs a read-only statement and scans its result into dest, for
// tools and tests that check the database itself.
func (db *DB) RawScan(ctx context.Context, dest any, query string, args ...any) error {
	return db.ro.NewRaw(query, args...).Scan(ctx, dest)
}

// ReadRow runs a read-only statement with "?" where its values go,
// prepared once per connection as the hot reads are (prepared.go), and
// scans its one row into dest (no row: sql.ErrNoRows). For tools that
// measure a read beside the product's: the load bench's baseline page.
func (db *DB) ReadRow(ctx context.Context, query string, args []any, dest ...any) error {
	rows, err := db.queryText(ctx, db.ro, db.placeholders(query), args)
	return scanRow(rows, err, dest...)
}
