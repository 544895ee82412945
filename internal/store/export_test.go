package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

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

// WriterPragma reads a setting of the SQLite write connection.
func (db *DB) WriterPragma(ctx context.Context, name string) (int64, error) {
	var v int64
	err := db.rw.NewRaw("PRAGMA "+name).Scan(ctx, &v)
	return v, err
}

// SetNotesRaw writes a person's notes as they are, past every check, as
// an older version of Rapport could have stored them.
func (db *DB) SetNotesRaw(ctx context.Context, act rapport.Actor, personID int64, notes string) error {
	orgID := act.Org
	_, err := db.rw.DB.ExecContext(ctx, "UPDATE people SET notes = "+db.placeholder(1)+" WHERE org_id = "+db.placeholder(2)+" AND id = "+db.placeholder(3),
		notes, orgID, personID)
	return err
}

// FillDisk makes the database refuse writes that need more room, as a
// full disk does, while small updates in place still succeed: SQLite may
// not grow its file any more; PostgreSQL, which a test cannot fill,
// answers every new upload with disk_full (SQLSTATE 53100) from a trigger
// on the imports table, as it does when it cannot extend a table.
// restore undoes it.
func (db *DB) FillDisk(t testing.TB) (restore func()) {
	t.Helper()
	ctx := context.Background()
	if db.dialect == SQLite {
		var pages int64
		if err := db.rw.NewRaw("PRAGMA page_count").Scan(ctx, &pages); err != nil {
			t.Fatal(err)
		}
		if _, err := db.rw.ExecContext(ctx, "PRAGMA max_page_count = "+strconv.FormatInt(pages, 10)); err != nil {
			t.Fatal(err)
		}
		return func() { db.rw.ExecContext(ctx, "PRAGMA max_page_count = 4294967294") }
	}
	for _, q := range []string{
		`CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
			RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
		"CREATE TRIGGER test_disk_full BEFORE INSERT ON imports FOR EACH ROW EXECUTE FUNCTION test_disk_full()",
	} {
		if _, err := db.rw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	return func() { db.rw.ExecContext(ctx, "DROP TRIGGER test_disk_full ON imports") }
}

// SetMinFree changes the free space below which health reports the disk
// full.
func SetMinFree(n uint64) (restore func()) {
	old := minFreeBytes
	minFreeBytes = n
	return func() { minFreeBytes = old }
}

// BulkInsert writes rows with the import's bulk writer, in one
// transaction, as an import does.
func (db *DB) BulkInsert(ctx context.Context, table string, cols []string, values []any) error {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	w := newBulkWriter(db, tx)
	defer w.close()
	if err := w.insertAll(ctx, table, cols, values); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// SQLLiteral is sqlLiteral, for its test.
var SQLLiteral = sqlLiteral

// TimeValue is a time as the bulk writer binds it.
func TimeValue(db *DB, t time.Time) any { return db.timeValue(t) }

// Schema lists the database's tables with their columns, sorted, but
// SQLite's own and its full-text index's shadow tables.
func (db *DB) Schema(ctx context.Context) (map[string][]string, error) {
	var tables []string
	var err error
	if db.dialect == Postgres {
		err = db.ro.NewRaw("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'").Scan(ctx, &tables)
	} else {
		err = db.ro.NewRaw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").Scan(ctx, &tables)
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, t := range tables {
		cols, err := db.columnsOf(ctx, db.ro, t)
		if err != nil {
			return nil, err
		}
		sort.Strings(cols)
		out[t] = cols
	}
	return out, nil
}

// SetListen changes how long Listen waits before it tries to listen again
// after a failure, so that tests can act while it is not listening, and
// how long its connection stays silent before it is asked whether it is
// still there.
func SetListen(retry, idle time.Duration) (restore func()) {
	old, oldMax, oldIdle := listenRetry, listenRetryMax, listenIdle
	listenRetry, listenRetryMax, listenIdle = retry, retry, idle
	return func() { listenRetry, listenRetryMax, listenIdle = old, oldMax, oldIdle }
}

// AddWebhookAttempt logs a webhook's try made at at, for the pruning test.
func (db *DB) AddWebhookAttempt(ctx context.Context, orgID int64, at time.Time) error {
	_, err := db.rw.NewInsert().Model(&WebhookAttempt{OrgID: orgID, EndpointID: 1, MessageID: 1, Event: "person.created", Attempt: 1, At: at}).Exec(ctx)
	return err
}

// Rows counts a table's rows.
func (db *DB) Rows(ctx context.Context, table string) (int, error) {
	n, err := db.ro.NewSelect().Table(table).Count(ctx)
	return int(n), err
}

// TodayReads is how many times the database's Today candidates were read
// rather than kept (todaycache.go).
func (db *DB) TodayReads() int64 { return db.today.reads.Load() }

// TodayKeep is how long Today's candidates are kept at most.
const TodayKeep = todayKeep

// ForgetTodays drops every kept Today, as a write would.
func (db *DB) ForgetTodays() {
	db.today.mu.Lock()
	defer db.today.mu.Unlock()
	clear(db.today.entries)
}

// KeptTodays is how many users' Todays are kept.
func (db *DB) KeptTodays() int {
	db.today.mu.Lock()
	defer db.today.mu.Unlock()
	return len(db.today.entries)
}

// ReplaceTodayWatch gives up Today's watch connection as database/sql
// gives up one a driver found broken (it is closed, not pooled), so the
// next load opens a new one.
func (db *DB) ReplaceTodayWatch() {
	db.today.wmu.Lock()
	defer db.today.wmu.Unlock()
	if db.today.conn != nil {
		db.today.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	db.today.drop()
}

// TodayWatchGen is how many watch connections Today's cache has taken.
func (db *DB) TodayWatchGen() uint64 {
	db.today.wmu.Lock()
	defer db.today.wmu.Unlock()
	return db.today.gen
}

// DerivedDrift lists the organisation's people whose kept name key, first
// phone or first email is not what deriveKeys makes of them now.
func (db *DB) DerivedDrift(ctx context.Context, orgID int64) ([]string, error) {
	var people []rapport.Person
	if err := db.rw.NewSelect().Model(&people).Where("org_id = ?", orgID).Order("id").Scan(ctx); err != nil {
		return nil, err
	}
	if err := db.loadDetailsOf(ctx, db.rw, orgID, people, false); err != nil {
		return nil, err
	}
	var drift []string
	for _, p := range people {
		want := p
		deriveKeys(&want)
		if want.NameKey != p.NameKey || want.FirstPhone != p.FirstPhone || want.FirstEmail != p.FirstEmail {
			drift = append(drift, "#"+strconv.FormatInt(p.ID, 10)+" "+p.Name()+": kept "+strconv.Quote(p.NameKey+"|"+p.FirstPhone+"|"+p.FirstEmail)+
				", derived "+strconv.Quote(want.NameKey+"|"+want.FirstPhone+"|"+want.FirstEmail))
		}
	}
	return drift, nil
}

// StaleNameKey writes a name key the person's name does not make.
func (db *DB) StaleNameKey(ctx context.Context, orgID, personID int64, key string) error {
	_, err := db.rw.NewRaw("UPDATE people SET name_key = ? WHERE org_id = ? AND id = ?", key, orgID, personID).Exec(ctx)
	return err
}

// QueueStoreTask queues a store task, as a migration does.
func (db *DB) QueueStoreTask(ctx context.Context, name string) error {
	_, err := db.rw.NewRaw("INSERT INTO store_tasks (name) VALUES (?)", name).Exec(ctx)
	return err
}

// ReversePhones reverses the positions of a person's phones behind the
// store's back, so that their order by position is not the order they
// were written in.
func (db *DB) ReversePhones(ctx context.Context, orgID, personID int64) error {
	_, err := db.rw.NewRaw("UPDATE phones SET position = 100 - position WHERE org_id = ? AND person_id = ?", orgID, personID).Exec(ctx)
	return err
}

// FillFirstContactsAgain empties every person's first phone and email and
// runs the first-contacts migration's filling statement, as it is
// written for this database, over them.
func (db *DB) FillFirstContactsAgain(ctx context.Context) error {
	b, err := migrationFS.ReadFile("migrations/" + db.dialect + "/20261207000001_first_contacts.tx.up.sql")
	if err != nil {
		return err
	}
	i := strings.Index(string(b), "UPDATE people SET")
	if i < 0 {
		return errors.New("the migration has no UPDATE of people")
	}
	if _, err := db.rw.NewRaw("UPDATE people SET first_phone = '', first_email = ''").Exec(ctx); err != nil {
		return err
	}
	_, err = db.rw.ExecContext(ctx, strings.TrimSuffix(strings.TrimSpace(string(b[i:])), ";"))
	return err
}

// StoreTasks runs the work migrations left to the store, as starting does.
func (db *DB) StoreTasks(ctx context.Context) error { return db.storeTasks(ctx) }

// ClearNameKey leaves a person without a name key, as rows written before
// there were keys are.
func (db *DB) ClearNameKey(ctx context.Context, orgID, personID int64) error {
	_, err := db.rw.NewRaw("UPDATE people SET name_key = NULL WHERE org_id = ? AND id = ?", orgID, personID).Exec(ctx)
	return err
}

// TodayForeign is how many commits of other processes the write log has
// counted (SQLite).
func (db *DB) TodayForeign() uint64 {
	f, _ := db.today.writes.snapshot()
	return f
}

// TodayReuses is how many Todays were read again reusing the rows of a
// stale kept one (todayReuse).
func (db *DB) TodayReuses() int64 { return db.today.reuses.Load() }

// DisableUserRaw marks a user disabled and nothing else (DisableUser also
// ends their sessions), for tests of what a disabled user's leftovers do.
func (db *DB) DisableUserRaw(ctx context.Context, orgID, userID int64, at time.Time) error {
	_, err := db.rw.NewUpdate().Table("users").Set("disabled_at = ?", at.UTC()).Where("org_id = ? AND id = ?", orgID, userID).Exec(ctx)
	return err
}

// SearchDoc is the search document kept for a person, wherever the
// dialect keeps it.
func (db *DB) SearchDoc(ctx context.Context, p *rapport.Person) (string, error) {
	var doc string
	err := db.tx(ctx, func(tx bun.Tx) error {
		var err error
		doc, err = db.searchDocOf(ctx, tx, p)
		return err
	})
	return doc, err
}

// CheckSearchIndex runs SQLite's check of the full-text index against
// its content (every document indexed, nothing else); nil on PostgreSQL,
// whose index is derived from the row.
func CheckSearchIndex(ctx context.Context, db *DB) error {
	if db.dialect == Postgres {
		return nil
	}
	_, err := db.rw.ExecContext(ctx, "INSERT INTO people_fts (people_fts, rank) VALUES ('integrity-check', 1)")
	return err
}

// RebuiltSearchDocs blanks the search documents of the organisation's
// people ids and rebuilds them one person at a time (refreshSearch), then
// blanks and rebuilds them all together (refreshSearches), and returns
// what each left.
func RebuiltSearchDocs(ctx context.Context, db *DB, orgID int64, ids []int64) (one, together map[int64]string, err error) {
	blank := func(tx bun.Tx) error {
		olds, err := db.searchDocsOf(ctx, tx, orgID, ids)
		if err != nil {
			return err
		}
		for id, old := range olds {
			if err := db.keepSearchDoc(ctx, tx, orgID, id, ""); err != nil {
				return err
			}
			if err := db.indexSearch(ctx, tx, orgID, id, old, ""); err != nil {
				return err
			}
		}
		return nil
	}
	err = db.tx(ctx, func(tx bun.Tx) error {
		if err := blank(tx); err != nil {
			return err
		}
		for _, id := range ids {
			if err := db.refreshSearch(ctx, tx, orgID, id); err != nil {
				return err
			}
		}
		if one, err = db.searchDocsOf(ctx, tx, orgID, ids); err != nil {
			return err
		}
		if err := blank(tx); err != nil {
			return err
		}
		if err := db.refreshSearches(ctx, tx, orgID, ids); err != nil {
			return err
		}
		together, err = db.searchDocsOf(ctx, tx, orgID, ids)
		return err
	})
	return one, together, err
}
