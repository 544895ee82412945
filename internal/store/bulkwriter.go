package store

import (
	"context"
	"database/sql"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// bulkWriter writes people with prepared multi-row INSERTs.
type bulkWriter struct {
	db    *DB
	tx    bun.Tx
	stmts map[string]*sql.Stmt
	args  []any
	lits  []string
}

func newBulkWriter(db *DB, tx bun.Tx) *bulkWriter {
	return &bulkWriter{db: db, tx: tx, stmts: map[string]*sql.Stmt{}}
}

func (w *bulkWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

var personColumns = []string{"id", "org_id", "first_name", "last_name", "sort_name", "kind", "stage_id", "source", "owner_id",
	"referred_by_id", "do_not_call", "tz", "street", "city", "state", "postal_code", "country", "notes", "birthday_year",
	"birthday_month", "birthday_day", "home_year", "home_month", "home_day", "cadence_days", "mls_id", "brokerage", "office",
	"licence_year", "units_12m", "volume_12m", "list_units_12m", "sell_units_12m", "production_period", "company_id", "touch_due_at",
	"search_doc", "name_key", "first_phone", "first_email", "version", "created_by", "created_at", "updated_at"}

// insert runs a multi-row INSERT of rows of len(cols) values each. On
// SQLite, a column whose value is the same plain value in every row (the
// organisation, the import's time, an empty field) is written into the
// statement once rather than bound in every row: binding dozens of values
// a row is much of the cost of a bulk insert there. Statements are
// prepared once per table, row count and set of such values.
func (w *bulkWriter) insert(ctx context.Context, table string, cols []string, values []any) error {
	nc := len(cols)
	n := len(values) / nc
	if n == 0 {
		return nil
	}
	lits := w.lits[:0]
	shared := false
	for c := range nc {
		lit, ok := "", n > 1 && w.db.bindsAreCostly()
		if ok {
			lit, ok = sqlLiteral(values[c])
		}
		for r := 1; r < n && ok; r++ {
			ok = values[r*nc+c] == values[c]
		}
		if !ok {
			lit = ""
		}
		shared = shared || ok
		lits = append(lits, lit)
	}
	w.lits = lits
	var key strings.Builder
	key.WriteString(table)
	key.WriteByte('/')
	key.WriteString(strconv.Itoa(n))
	for _, l := range lits {
		key.WriteByte('/')
		key.WriteString(l)
	}
	st, ok := w.stmts[key.String()]
	if !ok {
		if len(w.stmts) >= maxBulkStmts {
			w.close()
			clear(w.stmts)
		}
		var b strings.Builder
		b.WriteString(w.db.bulkInsertVerb())
		b.WriteString(table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		arg := 0
		for r := 0; r < n; r++ {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for c := range nc {
				if c > 0 {
					b.WriteByte(',')
				}
				if lits[c] != "" {
					b.WriteString(lits[c])
					continue
				}
				arg++
				b.WriteString(w.db.placeholder(arg))
			}
			b.WriteByte(')')
		}
		b.WriteString(upserts[table])
		var err error
		if st, err = w.tx.Tx.PrepareContext(ctx, b.String()); err != nil {
			return err
		}
		w.stmts[key.String()] = st
	}
	args := values
	if shared {
		args = w.args[:0]
		for r := 0; r < n; r++ {
			for c := range nc {
				if lits[c] == "" {
					args = append(args, values[r*nc+c])
				}
			}
		}
		w.args = args
	}
	_, err := st.ExecContext(ctx, args...)
	return err
}

// sqlLiteral writes v as an SQLite literal, if it is a value that can be
// written without quoting anything: NULL, a number, a boolean, or a short
// string of letters, digits, spaces and - . : + _ @ (such as a time as
// timeValue writes it). Anything else is bound.
func sqlLiteral(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "NULL", true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	case string:
		if len(x) > 64 {
			return "", false
		}
		for i := 0; i < len(x); i++ {
			c := x[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(" -.:+_@", c) >= 0) {
				return "", false
			}
		}
		return "'" + x + "'", true
	}
	return "", false
}

// maxBulkStmts bounds the prepared statements a bulkWriter keeps.
const maxBulkStmts = 64

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (w *bulkWriter) people(ctx context.Context, people []rapport.Person) error {
	if err := w.insertAll(ctx, "people", personColumns, peopleVals(w, people)); err != nil {
		return err
	}
	if err := w.docs(ctx, people); err != nil {
		return err
	}
	return w.children(ctx, people)
}

// docs writes people's search documents where they are kept apart from
// their rows (search_docs: see docInRow).
func (w *bulkWriter) docs(ctx context.Context, people []rapport.Person) error {
	if w.db.docInRow() {
		return nil
	}
	var docs []any
	for i := range people {
		if p := &people[i]; p.SearchDoc != "" {
			docs = append(docs, p.ID, p.OrgID, p.SearchDoc)
		}
	}
	return w.insertAll(ctx, "search_docs", []string{"id", "org_id", "search_doc"}, docs)
}

func peopleVals(w *bulkWriter, people []rapport.Person) []any {
	tv := w.db.timeValue
	inRow := w.db.docInRow()
	vals := make([]any, 0, len(people)*len(personColumns))
	for i := range people {
		p := &people[i]
		doc := p.SearchDoc
		if !inRow {
			doc = "" // in search_docs (docs)
		}
		vals = append(vals, p.ID, p.OrgID, p.FirstName, p.LastName, p.SortName, string(p.Kind), nullID(p.StageID), p.Source,
			nullID(p.OwnerID), nullID(p.ReferredByID), p.DoNotCall, p.TZ, p.Street, p.City, p.State, p.PostalCode, p.Country,
			p.Notes, p.Birthday.Year, int(p.Birthday.Month), p.Birthday.Day, p.HomeAnniversary.Year, int(p.HomeAnniversary.Month),
			p.HomeAnniversary.Day, p.CadenceDays, p.MLSID, p.Brokerage, p.Office, p.LicenceYear, p.Units12m, p.Volume12m,
			p.ListUnits12m, p.SellUnits12m, string(p.ProductionPeriod), nullID(p.CompanyID), tv(p.TouchDueAt), doc, p.NameKey, p.FirstPhone, p.FirstEmail, p.Version, nullID(p.CreatedBy), tv(p.CreatedAt), tv(p.UpdatedAt))
	}
	return vals
}

// children writes people's phones, emails and tags.
func (w *bulkWriter) children(ctx context.Context, people []rapport.Person) error {
	var phones, emails, tags []any
	for i := range people {
		p := &people[i]
		for j, ph := range p.Phones {
			phones = append(phones, p.OrgID, p.ID, ph.Number, ph.Label, j, ph.Bad)
		}
		for j, e := range p.Emails {
			emails = append(emails, p.OrgID, p.ID, e.Address, e.Label, j)
		}
		for _, t := range p.Tags {
			tags = append(tags, p.OrgID, p.ID, t)
		}
	}
	if err := w.insertAll(ctx, "phones", []string{"org_id", "person_id", "number", "label", "position", "bad"}, phones); err != nil {
		return err
	}
	if err := w.insertAll(ctx, "emails", []string{"org_id", "person_id", "address", "label", "position"}, emails); err != nil {
		return err
	}
	return w.insertAll(ctx, "person_tags", []string{"org_id", "person_id", "tag"}, tags)
}

// insertAll inserts values in statements of up to importBatch rows.
// Short of a full statement, rows go in statements of a power of two
// rows each, so a table needs a few statement sizes rather than one for
// every count a batch happens to have.
func (w *bulkWriter) insertAll(ctx context.Context, table string, cols []string, values []any) error {
	for rows := len(values) / len(cols); rows > 0; {
		n := importBatch
		if rows < n {
			n = 1 << (bits.Len(uint(rows)) - 1)
		}
		if err := w.insert(ctx, table, cols, values[:n*len(cols)]); err != nil {
			return err
		}
		values, rows = values[n*len(cols):], rows-n
	}
	return nil
}

// rewrite saves people created earlier in the same import who gained
// details since: their row, and their phones, emails and tags anew.
func (w *bulkWriter) rewrite(ctx context.Context, people []rapport.Person) error {
	if len(people) == 0 {
		return nil
	}
	ids := make([]int64, len(people))
	cols := slices.Concat(editableColumns, keyColumns)
	if w.db.docInRow() {
		cols = append(cols, "search_doc")
	}
	for i := range people {
		p := &people[i]
		ids[i] = p.ID
		if _, err := w.tx.NewUpdate().Model(p).Column(cols...).
			Where("org_id = ? AND id = ?", p.OrgID, p.ID).Exec(ctx); err != nil {
			return err
		}
	}
	for _, table := range []string{"phones", "emails", "person_tags"} {
		if _, err := w.tx.NewDelete().Table(table).Where("org_id = ? AND person_id IN (?)", people[0].OrgID, bun.List(ids)).Exec(ctx); err != nil {
			return err
		}
	}
	if !w.db.docInRow() {
		if _, err := w.tx.NewDelete().Table("search_docs").Where("org_id = ? AND id IN (?)", people[0].OrgID, bun.List(ids)).Exec(ctx); err != nil {
			return err
		}
		if err := w.docs(ctx, people); err != nil {
			return err
		}
	}
	return w.children(ctx, people)
}
