package store

import "context"

// SetMaxNarrow changes how many search matches are listed by name, so that
// tests can reach the newest-first path with a small book.
func SetMaxNarrow(n int) (restore func()) {
	old := maxNarrow
	maxNarrow = n
	return func() { maxNarrow = old }
}

// SetBulkImport lowers the size at which an import drops and rebuilds
// indexes, and how many merges wait, so tests reach those paths cheaply.
func SetBulkImport(min, merges int) (restore func()) {
	oldMin, oldDefer := bulkMin, deferAfter
	bulkMin, deferAfter = min, merges
	return func() { bulkMin, deferAfter = oldMin, oldDefer }
}

// WriterChecksForeignKeys reports whether the write connection enforces
// foreign keys (an import turns them off while it runs).
func (db *DB) WriterChecksForeignKeys(ctx context.Context) (bool, error) {
	if db.dialect != SQLite {
		return true, nil
	}
	var on bool
	err := db.rw.NewRaw("PRAGMA foreign_keys").Scan(ctx, &on)
	return on, err
}

// SetNotesRaw writes a person's notes as they are, past every check, as
// an older version of Rapport could have stored them.
func (db *DB) SetNotesRaw(ctx context.Context, orgID, personID int64, notes string) error {
	_, err := db.rw.DB.ExecContext(ctx, "UPDATE people SET notes = "+db.placeholder(1)+" WHERE org_id = "+db.placeholder(2)+" AND id = "+db.placeholder(3),
		notes, orgID, personID)
	return err
}
