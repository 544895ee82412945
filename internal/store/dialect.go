package store

import (
	"context"

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

// matchClause returns the WHERE fragment (on people aliased person) and its
// argument that match the search tokens.
func (db *DB) matchClause(tokens []string) (string, string) {
	if db.dialect == Postgres {
		return pgMatch(tokens)
	}
	return sqliteMatch(tokens)
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
