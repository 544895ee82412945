package store

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// A backup is a logical copy of the database: every row of every table
// that holds data, read in one snapshot while the server keeps serving,
// written as JSON lines (gzipped for a whole database). An organisation's
// export is the same format holding that organisation's rows only.
// Restoring needs an empty database of the same kind, migrated to the
// same version; it writes everything in one transaction.

// BackupFormat names the format in a backup's first line.
const BackupFormat = "rapport-backup"

// backupTables are the tables a backup holds, parents before children.
// Sessions are left out (everyone signs in again after a restore), and so
// are search indexes, rebuilt from the people they index, and the address
// books' sync state (a phone's next sync after a restore starts again).
// Webhook endpoints are kept with their signing secrets (a backup is as
// secret as the database); their deliveries, like the outbox, are not.
var backupTables = []string{
	"orgs", "users", "pipelines", "stages", "companies", "people", "phones", "emails", "person_tags",
	"conversations", "facts", "follow_ups", "stage_changes", "api_keys", "app_passwords", "webhook_endpoints", "events", "held_events", "routing_rules", "routing_state",
	"imports", "signals", "production", "call_blocks", "playbook_entries", "drill_attempts", "drill_assignments",
	"audit_log", "person_records", "distinct_people",
}

// selfRefs are columns pointing into their own table: restored in a
// second pass, since a row may point at one written after it.
var selfRefs = map[string][]string{"people": {"referred_by_id"}, "companies": {"parent_id"}}

// BackupHeader is a backup's first line.
type BackupHeader struct {
	Format    string    `json:"format"`
	Dialect   string    `json:"dialect"`
	Migration string    `json:"migration"`
	CreatedAt time.Time `json:"createdAt"`
	// Org is set for an organisation's export.
	Org string `json:"org,omitempty"`
}

// backupTable introduces a table's rows.
type backupTable struct {
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
	Rows    int      `json:"rows"`
}

// BackupStats count what a backup or restore held.
type BackupStats struct {
	Tables int
	Rows   int
}

// Backup writes the whole database to w, gzipped.
func (db *DB) Backup(ctx context.Context, w io.Writer) (BackupStats, error) {
	zw := gzip.NewWriter(w)
	st, err := db.dump(ctx, zw, nil)
	if err != nil {
		return st, err
	}
	return st, zw.Close()
}

// ExportOrg writes one organisation's rows to w as JSON lines.
func (db *DB) ExportOrg(ctx context.Context, slug string, w io.Writer) (BackupStats, error) {
	org, err := db.OrgBySlug(ctx, slug)
	if err != nil {
		return BackupStats{}, err
	}
	st, err := db.dump(ctx, w, org)
	if err != nil {
		return st, err
	}
	return st, db.Audit(ctx, rapport.Actor{Org: org.ID, User: 0}, AuditExport, "organisation", org.ID, fmt.Sprintf("all its data: %d rows", st.Rows))
}

func (db *DB) dump(ctx context.Context, w io.Writer, org *rapport.Org) (BackupStats, error) {
	var st BackupStats
	opts := db.snapshot()
	// One read transaction: on SQLite (WAL) and PostgreSQL (repeatable
	// read) every table is read as of the same moment.
	tx, err := db.ro.BeginTx(ctx, opts)
	if err != nil {
		return st, err
	}
	defer tx.Rollback()
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	version, err := db.migrationVersion(ctx, tx)
	if err != nil {
		return st, err
	}
	h := BackupHeader{Format: BackupFormat, Dialect: db.dialect, Migration: version, CreatedAt: db.now().UTC()}
	if org != nil {
		h.Org = org.Slug
	}
	if err := enc.Encode(h); err != nil {
		return st, err
	}
	for _, table := range backupTables {
		cols, err := db.tableColumns(ctx, tx, table)
		if err != nil {
			return st, err
		}
		// Ordered by every column, so that two backups of the same rows
		// are the same file. A person's search document goes in their row
		// wherever the database keeps it (docInRow): the format is the same
		// whichever way the database keeps them.
		q := tx.NewSelect().TableExpr(table).OrderExpr(strings.Join(cols, ", "))
		for _, c := range cols {
			if table == "people" && c == "search_doc" && !db.docInRow() {
				q.ColumnExpr("COALESCE((SELECT d.search_doc FROM search_docs AS d WHERE d.org_id = people.org_id AND d.id = people.id), '') AS search_doc")
			} else {
				q.Column(c)
			}
		}
		if org != nil {
			if table == "orgs" {
				q.Where("id = ?", org.ID)
			} else {
				q.Where("org_id = ?", org.ID)
			}
		}
		var n int
		if err := tx.NewSelect().TableExpr("(?) AS t", q).ColumnExpr("COUNT(*)").Scan(ctx, &n); err != nil {
			return st, fmt.Errorf("count %s: %w", table, err)
		}
		if err := enc.Encode(backupTable{Table: table, Columns: cols, Rows: n}); err != nil {
			return st, err
		}
		rows, err := q.Rows(ctx)
		if err != nil {
			return st, fmt.Errorf("read %s: %w", table, err)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		written := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return st, err
			}
			out := make([]any, len(vals))
			for i, v := range vals {
				out[i] = encodeValue(v)
			}
			if err := enc.Encode(out); err != nil {
				rows.Close()
				return st, err
			}
			written++
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return st, err
		}
		if err := rows.Close(); err != nil {
			return st, err
		}
		if written != n {
			return st, fmt.Errorf("%s: read %d rows of %d", table, written, n)
		}
		st.Tables++
		st.Rows += n
	}
	if err := bw.Flush(); err != nil {
		return st, err
	}
	return st, tx.Commit()
}

// tableColumns lists a table's stored columns (generated ones are left
// out: the database computes them again).
func (db *DB) tableColumns(ctx context.Context, q bun.IDB, table string) ([]string, error) {
	cols, err := db.columnsOf(ctx, q, table)
	if err == nil && len(cols) == 0 {
		err = fmt.Errorf("table %s has no columns", table)
	}
	return cols, err
}

func (db *DB) migrationVersion(ctx context.Context, q bun.IDB) (string, error) {
	var name string
	err := q.NewRaw("SELECT name FROM schema_migrations ORDER BY name DESC LIMIT 1").Scan(ctx, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return name, err
}

// Values are written as JSON: numbers, strings, booleans and null as
// themselves, times as {"t": RFC 3339}, bytes as {"b": base64}.
type timeValue struct {
	T string `json:"t"`
}

type bytesValue struct {
	B string `json:"b"`
}

func encodeValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return timeValue{T: x.UTC().Format(time.RFC3339Nano)}
	case []byte:
		return bytesValue{B: base64.StdEncoding.EncodeToString(x)}
	}
	return v
}

func decodeValue(raw json.RawMessage) (any, error) {
	if len(raw) > 0 && raw[0] == '{' {
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		if t, ok := m["t"]; ok {
			return time.Parse(time.RFC3339Nano, t)
		}
		if b, ok := m["b"]; ok {
			return base64.StdEncoding.DecodeString(b)
		}
		return nil, fmt.Errorf("unknown value %s", raw)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		return n.Float64()
	}
	return v, nil
}

// Restore reads a backup or an organisation's export into this database,
// which must be empty and migrated to the backup's version; it writes in
// one transaction, so a failure leaves the database empty.
func (db *DB) Restore(ctx context.Context, r io.Reader) (BackupStats, error) {
	var st BackupStats
	br := bufio.NewReaderSize(r, 1<<16)
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return st, err
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 1<<16)
	}
	dec := json.NewDecoder(br)
	var h BackupHeader
	if err := dec.Decode(&h); err != nil || h.Format != BackupFormat {
		return st, rapport.Errorf(rapport.EINVALID, "That is not a Rapport backup.")
	}
	if h.Dialect != db.dialect {
		return st, rapport.Errorf(rapport.EINVALID, "That backup is of a %s database; restore it into %s.", h.Dialect, h.Dialect)
	}
	err := db.tx(ctx, func(tx bun.Tx) error {
		version, err := db.migrationVersion(ctx, tx)
		if err != nil {
			return err
		}
		if version != h.Migration {
			return rapport.Errorf(rapport.EINVALID, "The backup is at migration %q and this database at %q; use the same version of Rapport.", h.Migration, version)
		}
		if n, err := tx.NewSelect().Table("orgs").Count(ctx); err != nil || n > 0 {
			if err == nil {
				err = rapport.Errorf(rapport.ECONFLICT, "This database is not empty; restore into a new one.")
			}
			return err
		}
		if err := db.deferForeignKeys(ctx, tx); err != nil {
			return err
		}
		later := map[string][][2]any{} // table -> (id, value) for self references, per column
		withID := map[string]bool{}    // tables with an id column of their own, whose sequence is reset
		for {
			var t backupTable
			if err := dec.Decode(&t); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return fmt.Errorf("backup damaged after %d rows: %w", st.Rows, err)
			}
			if !isBackupTable(t.Table) {
				return fmt.Errorf("backup names an unknown table %q", t.Table)
			}
			if err := db.restoreTable(ctx, tx, dec, t, later); err != nil {
				return fmt.Errorf("restore %s: %w", t.Table, err)
			}
			withID[t.Table] = slices.Contains(t.Columns, "id")
			st.Tables++
			st.Rows += t.Rows
		}
		for key, pairs := range later {
			table, col, _ := strings.Cut(key, ".")
			for _, p := range pairs {
				if _, err := tx.NewUpdate().Table(table).Set(col+" = ?", p[1]).Where("id = ?", p[0]).Exec(ctx); err != nil {
					return err
				}
			}
		}
		for _, table := range backupTables {
			if withID[table] {
				if err := db.resetSequence(ctx, tx, table); err != nil {
					return err
				}
			}
		}
		if !db.docInRow() {
			// The search documents restored in the people's rows, moved to
			// where the database keeps them.
			if _, err := tx.ExecContext(ctx, "INSERT INTO search_docs (id, org_id, search_doc) SELECT id, org_id, search_doc FROM people WHERE search_doc <> ''"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE people SET search_doc = '' WHERE search_doc <> ''"); err != nil {
				return err
			}
		}
		if !db.searchBacklog() {
			return nil
		}
		// SQLite: queue every organisation's people for the search index.
		_, err = tx.ExecContext(ctx, "INSERT INTO search_backlog (org_id, from_id, to_id, created_at) SELECT org_id, MIN(id), MAX(id), ? FROM people GROUP BY org_id",
			db.timeValue(db.now().UTC()))
		return err
	})
	if err != nil {
		return st, err
	}
	for {
		n, err := db.IndexBacklog(ctx)
		if err != nil || n == 0 {
			return st, err
		}
	}
}

func isBackupTable(t string) bool {
	for _, b := range backupTables {
		if b == t {
			return true
		}
	}
	return false
}

func (db *DB) restoreTable(ctx context.Context, tx bun.Tx, dec *json.Decoder, t backupTable, later map[string][][2]any) error {
	idCol, selfCols := -1, map[int]string{}
	for i, c := range t.Columns {
		if c == "id" {
			idCol = i
		}
		for _, s := range selfRefs[t.Table] {
			if c == s {
				selfCols[i] = c
			}
		}
	}
	const batch = 200
	var vals []any
	n := 0
	// Values are bound, never written into the statement's text, so that
	// whatever a column holds (a NUL byte from an older version, say) goes
	// back exactly.
	flush := func() error {
		if n == 0 {
			return nil
		}
		var q strings.Builder
		q.WriteString("INSERT INTO " + t.Table + " (" + strings.Join(t.Columns, ", ") + ") ")
		if idCol >= 0 {
			q.WriteString(db.keepingIDs())
		}
		q.WriteString("VALUES ")
		arg := 0
		for row := range n {
			if row > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for c := range t.Columns {
				if c > 0 {
					q.WriteString(", ")
				}
				arg++
				q.WriteString(db.placeholder(arg))
			}
			q.WriteByte(')')
		}
		if _, err := tx.Tx.ExecContext(ctx, q.String(), vals...); err != nil {
			return err
		}
		vals, n = vals[:0], 0
		return nil
	}
	for range t.Rows {
		var raw []json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if len(raw) != len(t.Columns) {
			return fmt.Errorf("a row has %d values for %d columns", len(raw), len(t.Columns))
		}
		for i, r := range raw {
			v, err := decodeValue(r)
			if err != nil {
				return err
			}
			if c, ok := selfCols[i]; ok && v != nil && idCol >= 0 {
				id, _ := decodeValue(raw[idCol])
				later[t.Table+"."+c] = append(later[t.Table+"."+c], [2]any{id, v})
				v = nil
			}
			vals = append(vals, v)
		}
		n++
		if n == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
