package store

import (
	"context"
	"database/sql"
	"fmt"
	"hash/maphash"
	"math"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// ImportOptions shape an import.
type ImportOptions struct {
	// OwnerID owns new people whose row names no owner (0: no one).
	OwnerID int64
	// Source is the source of people whose row names none.
	Source string
	// ReferredByID links everyone imported to the person who gave the list.
	ReferredByID int64
	// DryRun checks and counts everything and writes nothing.
	DryRun bool
	// Expected is about how many rows will come, to choose how to dedupe.
	Expected int
}

// ImportRow is one person from a file, normalised by the importer.
type ImportRow struct {
	Line   int
	Person rapport.Person
	// Stage and Owner name a stage and a user, as the file wrote them.
	Stage, Owner string
}

// Outcome is what became of a row.
type Outcome int

const (
	// Created: a new person.
	Created Outcome = iota + 1
	// Updated: an existing person gained something.
	Updated
	// Merged: the row matched someone already covered (an earlier row of
	// the file, or an existing person it had nothing new for).
	Merged
	// Rejected: the row could not be imported (see Notes).
	Rejected
)

// RowResult is the outcome of one row, with notes about values left aside.
type RowResult struct {
	Outcome  Outcome
	PersonID int64
	Notes    []string
}

// ImportStats sum up an import.
type ImportStats struct {
	Created, Updated, Merged, Rejected int
}

// importBatch is how many new people are written at a time.
const importBatch = 250

// ImportSession writes one import in one transaction: people are matched
// to those already there (and to earlier rows) by normalised email, phone
// and MLS id, and merged without overwriting; new people are written in
// batches with prepared multi-row statements. Nothing is visible to others
// until Finish commits, and nothing at all is written if the session is
// abandoned or the process dies first.
//
// Dedupe looks contacts up in a map of 64-bit hashes of the keys (a match
// is confirmed against the real values before anything is merged), filled
// from the organisation's existing contacts when the import is large
// compared with them, or else looked up in the database a batch at a time.
type ImportSession struct {
	db      *DB
	ctx     context.Context
	tx      bun.Tx
	orgID   int64
	actorID int64
	opts    ImportOptions
	now     time.Time

	pi    *pipelineInfo
	users map[string]int64

	seed      maphash.Seed
	keys      map[uint64]int64
	preloaded bool
	// firstID is the first id of people this import creates; ids at or
	// above it are new.
	firstID, nextID int64
	reserved        []int64

	pending    []rapport.Person
	pendingIdx map[int64]int
	seen       map[int64]bool

	stats   ImportStats
	w       *bulkWriter
	backlog *backlogEntry
}

// BeginImport starts an import into the organisation. On SQLite it takes
// the write lock until Finish or Abort.
func (db *DB) BeginImport(ctx context.Context, orgID, actorID int64, opts ImportOptions) (*ImportSession, error) {
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	s := &ImportSession{db: db, ctx: ctx, tx: tx, orgID: orgID, actorID: actorID, opts: opts, now: db.now().UTC(),
		seed: maphash.MakeSeed(), keys: map[uint64]int64{}, pendingIdx: map[int64]int{}, seen: map[int64]bool{}}
	if err := s.prepare(); err != nil {
		tx.Rollback()
		return nil, err
	}
	return s, nil
}

func (s *ImportSession) prepare() error {
	ctx, tx := s.ctx, s.tx
	var err error
	if s.pi, err = s.db.pipelineInfo(ctx, tx, s.orgID); err != nil {
		return err
	}
	var users []rapport.User
	if err := tx.NewSelect().Model(&users).Where("org_id = ?", s.orgID).Scan(ctx); err != nil {
		return err
	}
	s.users = map[string]int64{}
	for _, u := range users {
		s.users[strings.ToLower(u.Email)] = u.ID
		if u.Name != "" {
			s.users[strings.ToLower(u.Name)] = u.ID
		}
	}
	if s.opts.OwnerID != 0 {
		ok := false
		for _, u := range users {
			ok = ok || u.ID == s.opts.OwnerID
		}
		if !ok {
			return invalidField("owner", "Choose an owner from your organisation.")
		}
	}
	if s.opts.ReferredByID != 0 {
		if err := s.db.personExists(ctx, tx, s.orgID, s.opts.ReferredByID); err != nil {
			return invalidField("referred_by", "No such person to have referred them.")
		}
	}
	existing, err := tx.NewSelect().Table("people").Where("org_id = ?", s.orgID).Count(ctx)
	if err != nil {
		return err
	}
	if existing > 0 && int64(s.opts.Expected)*10 >= int64(existing) {
		if err := s.preload(); err != nil {
			return err
		}
	}
	s.preloaded = s.preloaded || existing == 0
	if s.db.dialect == SQLite {
		// The transaction holds the write lock: ids after the largest are ours.
		var top int64
		if err := tx.NewRaw("SELECT COALESCE(MAX(id), 0) FROM people").Scan(ctx, &top); err != nil {
			return err
		}
		s.firstID, s.nextID = top+1, top+1
		// Everyone this import creates waits for the search indexer; the
		// range is narrowed to what was created when the import finishes.
		s.backlog = &backlogEntry{OrgID: s.orgID, FromID: s.firstID, ToID: math.MaxInt64, CreatedAt: s.now}
		if _, err := tx.NewInsert().Model(s.backlog).Returning("id").Exec(ctx); err != nil {
			return err
		}
	} else {
		s.firstID = -1
	}
	s.w = newBulkWriter(s.db, tx)
	return nil
}

// preload loads every contact key of the organisation into the map.
func (s *ImportSession) preload() error {
	for _, q := range []*bun.SelectQuery{
		s.tx.NewSelect().Table("emails").ColumnExpr("person_id, 'e:' || address").Where("org_id = ?", s.orgID),
		s.tx.NewSelect().Table("phones").ColumnExpr("person_id, 'p:' || number").Where("org_id = ? AND label NOT IN (?)", s.orgID, bun.List(sharedLabels)),
		s.tx.NewSelect().Table("people").ColumnExpr("id, 'm:' || mls_id").Where("org_id = ? AND mls_id <> ''", s.orgID),
	} {
		rows, err := q.Rows(s.ctx)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return err
			}
			if _, ok := s.keys[s.hash(key)]; !ok {
				s.keys[s.hash(key)] = id
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	s.preloaded = true
	return nil
}

func (s *ImportSession) hash(key string) uint64 { return maphash.String(s.seed, key) }

// sharedLabels are the phone labels rapport.SharedPhoneLabel names.
var sharedLabels = []string{"work", "office", "business", "main", "fax", "company"}

func contactKeys(p *rapport.Person) []string {
	keys := make([]string, 0, len(p.Emails)+len(p.Phones)+1)
	for _, e := range p.Emails {
		keys = append(keys, "e:"+e.Address)
	}
	for _, ph := range p.Phones {
		if !rapport.SharedPhoneLabel(ph.Label) {
			keys = append(keys, "p:"+ph.Number)
		}
	}
	if p.MLSID != "" {
		keys = append(keys, "m:"+p.MLSID)
	}
	return keys
}

// sharesKey reports whether p really has one of keys (a hash match is
// confirmed against the values before anything is merged).
func sharesKey(p *rapport.Person, keys []string) bool {
	for _, k := range keys {
		for _, mine := range contactKeys(p) {
			if k == mine {
				return true
			}
		}
	}
	return false
}

// isNew reports whether id is a person this import created.
func (s *ImportSession) isNew(id int64) bool {
	if _, ok := s.pendingIdx[id]; ok {
		return true
	}
	return s.firstID > 0 && id >= s.firstID
}

// Add imports a batch of rows, in order.
func (s *ImportSession) Add(rows []ImportRow) ([]RowResult, error) {
	if !s.preloaded {
		if err := s.lookupBatch(rows); err != nil {
			return nil, err
		}
	}
	out := make([]RowResult, len(rows))
	for i := range rows {
		res, err := s.addRow(&rows[i])
		if err != nil {
			return nil, err
		}
		out[i] = res
		switch res.Outcome {
		case Created:
			s.stats.Created++
		case Updated:
			s.stats.Updated++
		case Merged:
			s.stats.Merged++
		case Rejected:
			s.stats.Rejected++
		}
		if len(s.pending) >= importBatch {
			if err := s.flush(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// lookupBatch finds, for keys of the batch not yet in the map, the
// existing people who have them.
func (s *ImportSession) lookupBatch(rows []ImportRow) error {
	var emails, phones, mls []string
	for i := range rows {
		p := &rows[i].Person
		for _, e := range p.Emails {
			if _, ok := s.keys[s.hash("e:"+e.Address)]; !ok {
				emails = append(emails, e.Address)
			}
		}
		for _, ph := range p.Phones {
			if _, ok := s.keys[s.hash("p:"+ph.Number)]; !ok && !rapport.SharedPhoneLabel(ph.Label) {
				phones = append(phones, ph.Number)
			}
		}
		if p.MLSID != "" {
			mls = append(mls, p.MLSID)
		}
	}
	type hit struct {
		PersonID int64  `bun:"person_id"`
		Key      string `bun:"key"`
	}
	var hits []hit
	if len(emails) > 0 {
		if err := s.tx.NewSelect().Table("emails").ColumnExpr("person_id, 'e:' || address AS key").
			Where("org_id = ? AND address IN (?)", s.orgID, bun.List(emails)).Scan(s.ctx, &hits); err != nil {
			return err
		}
	}
	if len(phones) > 0 {
		var more []hit
		if err := s.tx.NewSelect().Table("phones").ColumnExpr("person_id, 'p:' || number AS key").
			Where("org_id = ? AND number IN (?) AND label NOT IN (?)", s.orgID, bun.List(phones), bun.List(sharedLabels)).Scan(s.ctx, &more); err != nil {
			return err
		}
		hits = append(hits, more...)
	}
	if len(mls) > 0 {
		var more []hit
		if err := s.tx.NewSelect().Table("people").ColumnExpr("id AS person_id, 'm:' || mls_id AS key").
			Where("org_id = ? AND mls_id IN (?)", s.orgID, bun.List(mls)).Scan(s.ctx, &more); err != nil {
			return err
		}
		hits = append(hits, more...)
	}
	for _, h := range hits {
		if old, ok := s.keys[s.hash(h.Key)]; !ok || h.PersonID < old {
			s.keys[s.hash(h.Key)] = h.PersonID
		}
	}
	return nil
}

func (s *ImportSession) addRow(r *ImportRow) (RowResult, error) {
	p := &r.Person
	p.OrgID = s.orgID
	var res RowResult
	if p.Source == "" {
		p.Source = s.opts.Source
	}
	if s.opts.ReferredByID != 0 && p.ReferredByID == 0 {
		p.ReferredByID = s.opts.ReferredByID
	}
	if r.Owner != "" {
		if id, ok := s.users[strings.ToLower(strings.TrimSpace(r.Owner))]; ok {
			p.OwnerID = id
		} else {
			res.Notes = append(res.Notes, fmt.Sprintf("no user %q here; owner left to the import's default", r.Owner))
		}
	}
	if p.OwnerID == 0 {
		p.OwnerID = s.opts.OwnerID
	}
	if r.Stage != "" {
		if id := s.stageNamed(p.Kind, r.Stage); id != 0 {
			p.StageID = id
		} else {
			res.Notes = append(res.Notes, fmt.Sprintf("no stage %q in the %s pipeline; the first stage used", r.Stage, rapport.PipelineFor(p.Kind)))
		}
	}
	p.Normalize()
	if err := p.Validate(s.now); err != nil {
		res.Outcome = Rejected
		res.Notes = append(res.Notes, rapport.ErrorMessage(err)+" "+fieldList(err))
		return res, nil
	}
	keys := contactKeys(p)
	match := int64(0)
	for _, k := range keys {
		if id, ok := s.keys[s.hash(k)]; ok && (match == 0 || id < match) {
			match = id
		}
	}
	if match != 0 {
		merged, err := s.mergeInto(match, p, keys)
		if err != nil {
			return res, err
		}
		if merged != 0 {
			res.PersonID, res.Outcome = match, merged
			for _, k := range keys {
				if _, ok := s.keys[s.hash(k)]; !ok {
					s.keys[s.hash(k)] = match
				}
			}
			return res, nil
		}
	}
	if err := s.create(p); err != nil {
		return res, err
	}
	for _, k := range keys {
		s.keys[s.hash(k)] = p.ID
	}
	res.PersonID, res.Outcome = p.ID, Created
	return res, nil
}

func fieldList(err error) string {
	if e, ok := err.(*rapport.Error); ok && len(e.Fields) > 0 {
		return "(" + e.FieldList() + ")"
	}
	return ""
}

func (s *ImportSession) stageNamed(kind rapport.Kind, name string) int64 {
	for _, st := range s.pi.byKey[rapport.PipelineFor(kind)] {
		if strings.EqualFold(st.Name, name) || strings.EqualFold(st.Key, name) {
			return st.ID
		}
	}
	return 0
}

// mergeInto folds p into the person with id (when they really share a key)
// and says how: Updated, Merged, or 0 when the match was a hash collision.
func (s *ImportSession) mergeInto(id int64, p *rapport.Person, keys []string) (Outcome, error) {
	if i, ok := s.pendingIdx[id]; ok {
		target := &s.pending[i]
		if !sharesKey(target, keys) {
			return 0, nil
		}
		rapport.MergeInto(target, p)
		target.SearchDoc = searchDoc(target, nil, nil)
		target.NameKey = nameKey(target.FirstName, target.LastName)
		return Merged, nil
	}
	target, err := s.db.personTx(s.ctx, s.tx, s.orgID, id)
	if err != nil {
		return 0, err
	}
	if !sharesKey(target, keys) {
		return 0, nil
	}
	if !rapport.MergeInto(target, p) {
		return Merged, nil
	}
	target.Version = 0
	if err := s.db.updatePerson(s.ctx, s.tx, s.orgID, s.actorID, target, "Import"); err != nil {
		return 0, err
	}
	if s.isNew(id) || s.seen[id] {
		return Merged, nil
	}
	s.seen[id] = true
	return Updated, nil
}

// create queues a new person to be written with the next batch.
func (s *ImportSession) create(p *rapport.Person) error {
	if p.StageID == 0 {
		p.StageID = s.pi.initial(p.Kind)
	}
	if s.db.dialect == Postgres {
		if len(s.reserved) == 0 {
			ids, err := s.db.reserveIDs(s.ctx, s.tx, "people", importBatch)
			if err != nil {
				return err
			}
			s.reserved = ids
		}
		p.ID, s.reserved = s.reserved[0], s.reserved[1:]
	} else {
		p.ID = s.nextID
		s.nextID++
	}
	p.CreatedAt, p.UpdatedAt, p.CreatedBy, p.Version = s.now, s.now, s.actorID, 1
	p.ScheduleTouch()
	p.SearchDoc = searchDoc(p, nil, nil)
	p.NameKey = nameKey(p.FirstName, p.LastName)
	s.pendingIdx[p.ID] = len(s.pending)
	s.pending = append(s.pending, *p)
	return nil
}

// flush writes the queued people with their phones, emails and tags.
func (s *ImportSession) flush() error {
	if len(s.pending) == 0 {
		return nil
	}
	if err := s.w.people(s.ctx, s.pending); err != nil {
		return err
	}
	s.pending = s.pending[:0]
	clear(s.pendingIdx)
	return nil
}

// Finish writes what is left, queues the new people for search indexing
// and commits (or, for a dry run, rolls everything back).
func (s *ImportSession) Finish() (ImportStats, error) {
	defer s.w.close()
	if err := s.flush(); err != nil {
		s.tx.Rollback()
		return s.stats, err
	}
	if s.opts.DryRun {
		s.tx.Rollback()
		return s.stats, nil
	}
	if b := s.backlog; b != nil {
		var err error
		if s.nextID > s.firstID {
			_, err = s.tx.NewUpdate().Model(b).Set("to_id = ?", s.nextID-1).WherePK().Exec(s.ctx)
		} else {
			_, err = s.tx.NewDelete().Model(b).WherePK().Exec(s.ctx)
		}
		if err != nil {
			s.tx.Rollback()
			return s.stats, err
		}
	}
	if err := s.tx.Commit(); err != nil {
		return s.stats, err
	}
	s.db.thresholds.Delete(s.orgID)
	if s.stats.Created >= analyzeAfter {
		s.db.analyze(s.ctx, "people", "phones", "emails", "person_tags")
	}
	return s.stats, nil
}

// Abort abandons the import; nothing of it is written.
func (s *ImportSession) Abort() {
	s.w.close()
	s.tx.Rollback()
}

// bulkWriter writes people with prepared multi-row INSERTs.
type bulkWriter struct {
	db    *DB
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func newBulkWriter(db *DB, tx bun.Tx) *bulkWriter {
	return &bulkWriter{db: db, tx: tx.Tx, stmts: map[string]*sql.Stmt{}}
}

func (w *bulkWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

var personColumns = []string{"id", "org_id", "first_name", "last_name", "sort_name", "kind", "stage_id", "source", "owner_id",
	"referred_by_id", "do_not_call", "tz", "street", "city", "state", "postal_code", "country", "notes", "birthday_year",
	"birthday_month", "birthday_day", "home_year", "home_month", "home_day", "cadence_days", "mls_id", "brokerage", "office",
	"licence_year", "units_12m", "volume_12m", "touch_due_at", "search_doc", "name_key", "version", "created_by", "created_at", "updated_at"}

// insert runs a multi-row INSERT of rows of len(cols) values each, with a
// statement prepared once per table and row count.
func (w *bulkWriter) insert(ctx context.Context, table string, cols []string, values []any) error {
	n := len(values) / len(cols)
	if n == 0 {
		return nil
	}
	key := fmt.Sprintf("%s/%d", table, n)
	st, ok := w.stmts[key]
	if !ok {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		arg := 0
		for r := 0; r < n; r++ {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for c := range cols {
				if c > 0 {
					b.WriteByte(',')
				}
				arg++
				b.WriteString(w.db.placeholder(arg))
			}
			b.WriteByte(')')
		}
		var err error
		if st, err = w.tx.PrepareContext(ctx, b.String()); err != nil {
			return err
		}
		w.stmts[key] = st
	}
	_, err := st.ExecContext(ctx, values...)
	return err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (w *bulkWriter) people(ctx context.Context, people []rapport.Person) error {
	tv := w.db.timeValue
	vals := make([]any, 0, len(people)*len(personColumns))
	var phones, emails, tags []any
	for i := range people {
		p := &people[i]
		vals = append(vals, p.ID, p.OrgID, p.FirstName, p.LastName, p.SortName, string(p.Kind), nullID(p.StageID), p.Source,
			nullID(p.OwnerID), nullID(p.ReferredByID), p.DoNotCall, p.TZ, p.Street, p.City, p.State, p.PostalCode, p.Country,
			p.Notes, p.Birthday.Year, int(p.Birthday.Month), p.Birthday.Day, p.HomeAnniversary.Year, int(p.HomeAnniversary.Month),
			p.HomeAnniversary.Day, p.CadenceDays, p.MLSID, p.Brokerage, p.Office, p.LicenceYear, p.Units12m, p.Volume12m,
			tv(p.TouchDueAt), p.SearchDoc, p.NameKey, p.Version, nullID(p.CreatedBy), tv(p.CreatedAt), tv(p.UpdatedAt))
		for j, ph := range p.Phones {
			phones = append(phones, p.OrgID, p.ID, ph.Number, ph.Label, j)
		}
		for j, e := range p.Emails {
			emails = append(emails, p.OrgID, p.ID, e.Address, e.Label, j)
		}
		for _, t := range p.Tags {
			tags = append(tags, p.OrgID, p.ID, t)
		}
	}
	if err := w.insertAll(ctx, "people", personColumns, vals); err != nil {
		return err
	}
	if err := w.insertAll(ctx, "phones", []string{"org_id", "person_id", "number", "label", "position"}, phones); err != nil {
		return err
	}
	if err := w.insertAll(ctx, "emails", []string{"org_id", "person_id", "address", "label", "position"}, emails); err != nil {
		return err
	}
	return w.insertAll(ctx, "person_tags", []string{"org_id", "person_id", "tag"}, tags)
}

// insertAll inserts values in statements of up to importBatch rows.
func (w *bulkWriter) insertAll(ctx context.Context, table string, cols []string, values []any) error {
	per := importBatch * len(cols)
	for lo := 0; lo < len(values); lo += per {
		if err := w.insert(ctx, table, cols, values[lo:min(lo+per, len(values))]); err != nil {
			return err
		}
	}
	return nil
}
