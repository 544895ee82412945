package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"strconv"
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
	// Period is the last day of the 12 months that production figures in
	// the file cover (default: the import's day). A newer period replaces
	// an agent's production and office; an older one only adds history.
	Period rapport.Day
	// RecordKind (rapport.RecordCSV or RecordVCard) and Origin (the file's
	// name) describe the input records kept with people.
	RecordKind string
	Origin     string
	// Columns name, for the report, the file's column each field came
	// from ("Source" → "Lead Source"), as rapport.MergeConflicts and the
	// owner and stage name them.
	Columns map[string]string
}

// RowNote is something the import says of a row after the row was added:
// what a merge into someone already there kept as imported rather than
// applied.
type RowNote struct {
	Line   int
	Column string
	Note   string
}

// ImportRow is one person from a file, normalised by the importer.
type ImportRow struct {
	Line   int
	Person rapport.Person
	// Stage and Owner name a stage and a user, as the file wrote them.
	Stage, Owner string
	// OfficeMLSID is the MLS's id for the agent's office; Rank is the
	// agent's place in a production report.
	OfficeMLSID string
	Rank        int
	// Unnamed says the name was made up from an email or phone: it is
	// no evidence about who the row is.
	Unnamed bool
	// Kept are the row's values that no field holds, and Original the row
	// as it was (or, for a CSV row, Header and Cells to make it from when
	// needed): kept with the person (see rapport.InputRecord).
	Kept     []rapport.KeptValue
	Original string
	Header   []string
	Cells    []string
	// ReferredBy names the person who referred them: linked when exactly
	// one person has that name.
	ReferredBy string
	// Facts are what the row says about the person's story (a spouse's
	// name, a nickname), added unless the person has them already.
	Facts []rapport.Fact

	// Set by Prepare.
	production bool
	prepared   bool
	notes      []string
	rejected   bool
	keys       []string
	hashes     []uint64
	name       foldedName
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
	// Kept counts the rows kept with their person as imported.
	Kept int
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
	keys      *keyTable
	preloaded bool
	// firstID is the first id of people this import creates; ids at or
	// above it are new.
	firstID, nextID int64
	reserved        []int64
	// ranges are the ids reserved on PostgreSQL, ascending and merged.
	ranges [][2]int64

	pending    []rapport.Person
	pendingIdx map[int64]int
	seen       map[int64]bool

	// deferred holds rows that matched someone already written, by that
	// person's id in file order; they are merged a chunk at a time, in id
	// order, so the reads walk the table instead of jumping about it.
	deferred  map[int64][]pendingRow
	deferredN int

	// house lists, for a phone number that several people of different
	// names share (a couple's home phone), each of them: a row with that
	// number is the one whose name fits, or someone new.
	house map[uint64][]houseMember

	// records and facts wait to be written with the next flush.
	records []any
	facts   []any
	// factsOf are the facts known of people this import touched, to add
	// each once.
	factsOf map[int64]map[string]bool
	// referrers are the people "Referred by" names found (0: no one, -1:
	// more than one).
	referrers map[string]int64
	// late are the notes of merges applied after their rows were added.
	late []RowNote
	// sharers are, for the phones that several people already there
	// have, all of them (a phone key names only the oldest).
	sharers map[uint64][]int64

	stats   ImportStats
	w       *bulkWriter
	backlog *backlogEntry

	period    rapport.Day
	companies *companyIndex
	// prod is the production history waiting to be written, by person.
	prod map[int64]rapport.Production

	// On SQLite the session pins the write connection to give it its own
	// settings for the length of the import.
	conn *bun.Conn
	// bulk: the secondary indexes of the people tables were dropped when
	// the import began and are rebuilt, each in one sorted pass, before it
	// commits (SQLite, for an import large next to the table).
	bulk    bool
	indexes []string
}

// deferAfter is how many merges wait before they are applied.
var deferAfter = 20000

// Bulk loading on SQLite. An import of at least bulkMin rows that is at
// least 1/bulkShare of the people table drops the tables' secondary
// indexes and rebuilds them at the end: building an index from sorted
// keys costs a fraction of keeping it up to date through a million
// inserts at random places, and the dropping is part of the transaction,
// so an import that dies leaves the indexes as they were.
var bulkMin = 20000

const bulkShare = 2

// importCacheKB is the page cache of the write connection during an
// import, in KiB.
const importCacheKB = 16 << 10

// bulkIndexes are the indexes a bulk import drops and rebuilds: those on
// keys that arrive in random order. The others take new rows at a few
// places each (or not at all) and are cheap to keep up to date.
var bulkIndexes = []string{"people_name", "people_name_key", "phones_number", "emails_address"}

// BeginImport starts an import into the organisation. On SQLite it takes
// the write lock until Finish or Abort.
func (db *DB) BeginImport(ctx context.Context, orgID, actorID int64, opts ImportOptions) (*ImportSession, error) {
	s := &ImportSession{db: db, ctx: ctx, orgID: orgID, actorID: actorID, opts: opts, now: db.now().UTC(),
		seed: maphash.MakeSeed(), keys: newKeyTable(min(2*max(opts.Expected, 0), 1<<22)), pendingIdx: map[int64]int{}, seen: map[int64]bool{},
		deferred: map[int64][]pendingRow{}, prod: map[int64]rapport.Production{}, period: opts.Period,
		house: map[uint64][]houseMember{}, factsOf: map[int64]map[string]bool{}}
	if s.opts.RecordKind == "" {
		s.opts.RecordKind = rapport.RecordCSV
	}
	if s.period.IsZero() {
		s.period = rapport.DayOf(s.now, time.UTC)
	}
	var err error
	if db.dialect == SQLite {
		err = s.beginSQLite()
	} else {
		s.tx, err = db.rw.BeginTx(ctx, nil)
	}
	if err != nil {
		return nil, err
	}
	if err := s.prepare(); err != nil {
		s.Abort()
		return nil, err
	}
	return s, nil
}

// beginSQLite pins the write connection and sets it up for a bulk write:
// foreign keys unchecked (the session checks stages, owners and referrers
// itself, and writes each person before their phones), the statement
// journal in memory, and a larger page cache. release puts it back.
func (s *ImportSession) beginSQLite() error {
	conn, err := s.db.rw.Conn(s.ctx)
	if err != nil {
		return err
	}
	s.conn = &conn
	for _, q := range []string{"PRAGMA foreign_keys = OFF", "PRAGMA temp_store = MEMORY", "PRAGMA wal_autocheckpoint = 0",
		fmt.Sprintf("PRAGMA cache_size = -%d", importCacheKB)} {
		if _, err := conn.ExecContext(s.ctx, q); err != nil {
			s.release()
			return err
		}
	}
	if s.tx, err = conn.BeginTx(s.ctx, nil); err != nil {
		s.release()
		return err
	}
	return nil
}

// release restores the write connection's settings and returns it to the
// pool, or, when it cannot be restored, closes it.
func (s *ImportSession) release() {
	if s.conn == nil {
		return
	}
	conn := s.conn
	s.conn = nil
	ctx := context.WithoutCancel(s.ctx)
	for _, q := range []string{"PRAGMA foreign_keys = ON", "PRAGMA temp_store = DEFAULT", "PRAGMA wal_autocheckpoint = 1000",
		fmt.Sprintf("PRAGMA cache_size = %d", sqliteCacheSize)} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			// Never hand others a connection without its checks.
			s.db.log.Warn("import: restoring the write connection", "err", err)
			conn.Raw(func(any) error { return driver.ErrBadConn })
			break
		}
	}
	conn.Close()
}

func (s *ImportSession) prepare() error {
	ctx, tx := s.ctx, s.tx
	var err error
	if s.pi, err = s.db.pipelineInfo(ctx, tx, s.orgID); err != nil {
		return err
	}
	var users []rapport.User
	if err := tx.NewSelect().Model(&users).Where("org_id = ? AND disabled_at IS NULL", s.orgID).Scan(ctx); err != nil {
		return err
	}
	s.users = map[string]int64{}
	for _, u := range users {
		s.users[strings.ToLower(u.Email)] = u.ID
		if u.Name != "" {
			s.users[strings.ToLower(u.Name)] = u.ID
		}
	}
	if err := s.loadCompanies(); err != nil {
		return err
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
	var top int64
	if s.db.dialect == SQLite {
		// The transaction holds the write lock: ids after the largest are ours.
		if err := tx.NewRaw("SELECT COALESCE(MAX(id), 0) FROM people").Scan(ctx, &top); err != nil {
			return err
		}
		s.bulk = s.opts.Expected >= bulkMin && int64(s.opts.Expected)*bulkShare >= top
	}
	if existing > 0 && (s.bulk || int64(s.opts.Expected)*10 >= int64(existing)) {
		if err := s.preload(); err != nil {
			return err
		}
	}
	s.preloaded = s.preloaded || existing == 0
	if s.bulk {
		if err := s.dropIndexes(); err != nil {
			return err
		}
	}
	if s.db.dialect == SQLite {
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
		s.tx.NewSelect().Table("phones").ColumnExpr("person_id, 'p:' || number").Where("org_id = ? AND label <> 'fax'", s.orgID),
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
			s.loadKey(key, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	s.preloaded = true
	return nil
}

// dropIndexes drops the secondary indexes of the tables the import
// writes, keeping their definitions to build them again.
func (s *ImportSession) dropIndexes() error {
	var defs []struct {
		Name string `bun:"name"`
		SQL  string `bun:"sql"`
	}
	if err := s.tx.NewRaw("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name IN (?) ORDER BY name",
		bun.List(bulkIndexes)).Scan(s.ctx, &defs); err != nil {
		return err
	}
	for _, d := range defs {
		if _, err := s.tx.ExecContext(s.ctx, "DROP INDEX "+d.Name); err != nil {
			return err
		}
		s.indexes = append(s.indexes, d.SQL)
	}
	return nil
}

// rebuildIndexes builds the indexes dropIndexes dropped.
func (s *ImportSession) rebuildIndexes() error {
	if len(s.indexes) > 0 {
		// Sorting spills to a file beyond the page cache's size, rather
		// than hold a whole index in memory.
		if _, err := s.tx.ExecContext(s.ctx, "PRAGMA temp_store = FILE"); err != nil {
			return err
		}
	}
	for _, q := range s.indexes {
		if _, err := s.tx.ExecContext(s.ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func (s *ImportSession) hash(key string) uint64 { return maphash.String(s.seed, key) }

// sharedLabels are the phone labels rapport.SharedPhoneLabel names.
var sharedLabels = []string{"work", "office", "business", "main", "fax", "company"}

// contactKeys are the keys a person is matched by, in the order they are
// trusted: the MLS id and emails, each enough on its own, then phones
// (but fax numbers), which match only under a compatible name.
func contactKeys(p *rapport.Person) []string {
	keys := make([]string, 0, len(p.Emails)+len(p.Phones)+1)
	if p.MLSID != "" {
		keys = append(keys, "m:"+p.MLSID)
	}
	for _, e := range p.Emails {
		keys = append(keys, "e:"+e.Address)
	}
	for _, ph := range p.Phones {
		if ph.Label != "fax" {
			keys = append(keys, "p:"+ph.Number)
		}
	}
	return keys
}

// houseMember is one of the people sharing a phone, with their name and
// whether they are not to be called (as far as this import knows).
type houseMember struct {
	id      int64
	name    foldedName
	dnc     bool
	display string
}

// sharedDNC notes a row that shares its phone (key i) with someone marked
// do not call, or is itself marked and shares it with someone who is not:
// one of them is called on a number the other asked not to be called on.
func (s *ImportSession) sharedDNC(r *ImportRow, i int, members []houseMember) {
	for _, m := range members {
		if m.dnc != r.Person.DoNotCall && m.display != "" {
			if r.Person.DoNotCall {
				r.notes = append(r.notes, fmt.Sprintf("phone %s, marked do not call here, is shared with %s, who is not", r.keys[i][2:], m.display))
			} else {
				r.notes = append(r.notes, fmt.Sprintf("phone %s is shared with %s, who is marked do not call", r.keys[i][2:], m.display))
			}
			return
		}
	}
}

// personName folds a person's name for matching; a name made up from an
// email or phone (an import's row without one) is no name.
func personName(p *rapport.Person) foldedName {
	if derivedName(p) {
		return foldedName{}
	}
	return foldName(p.FirstName, p.LastName)
}

// derivedName reports whether the person's name is only what an import
// or event made up from their email or phone.
func derivedName(p *rapport.Person) bool {
	if p.LastName != "" || p.FirstName == "" {
		return p.FirstName == "" && p.LastName == ""
	}
	for _, e := range p.Emails {
		if local, _, _ := strings.Cut(e.Address, "@"); local == p.FirstName {
			return true
		}
	}
	for _, ph := range p.Phones {
		if d := digitsOf(p.FirstName); len(d) >= 7 && strings.HasSuffix(digitsOf(ph.Number), d) {
			return true
		}
	}
	return strings.HasPrefix(p.FirstName, "MLS ")
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
	if s.firstID > 0 {
		return id >= s.firstID
	}
	// PostgreSQL: the ids reserved, in ascending ranges.
	i, _ := slices.BinarySearchFunc(s.ranges, id, func(r [2]int64, id int64) int {
		if r[1] < id {
			return -1
		}
		return 0
	})
	return i < len(s.ranges) && s.ranges[i][0] <= id
}

// Add imports a batch of rows, in order.
func (s *ImportSession) Add(rows []ImportRow) ([]RowResult, error) {
	for i := range rows {
		if !rows[i].prepared {
			s.Prepare(&rows[i])
		}
	}
	if !s.preloaded {
		if err := s.lookupBatch(rows); err != nil {
			return nil, err
		}
	}
	if err := s.loadHouses(rows); err != nil {
		return nil, err
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
		for j, k := range rows[i].keys {
			if _, ok := s.keys.get(rows[i].hashes[j]); ok {
				continue
			}
			switch k[0] {
			case 'e':
				emails = append(emails, k[2:])
			case 'p':
				phones = append(phones, k[2:])
			case 'm':
				mls = append(mls, k[2:])
			}
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
			Where("org_id = ? AND number IN (?) AND label <> 'fax'", s.orgID, bun.List(phones)).Scan(s.ctx, &more); err != nil {
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
		s.loadKey(h.Key, h.PersonID)
	}
	return nil
}

// loadKey records that the person already there has key. Two people
// sharing a key: the older one (the lower id) is the match; for a phone,
// both are remembered, as its household (see loadHouses).
func (s *ImportSession) loadKey(key string, id int64) {
	h := s.hash(key)
	old, ok := s.keys.get(h)
	if ok && old != id && key[0] == 'p' {
		if s.sharers == nil {
			s.sharers = map[uint64][]int64{}
		}
		if len(s.sharers[h]) == 0 {
			s.sharers[h] = []int64{old}
		}
		if !slices.Contains(s.sharers[h], id) {
			s.sharers[h] = append(s.sharers[h], id)
		}
	}
	if !ok || id < old {
		s.keys.set(h, id)
	}
}

// Prepare does the work on a row that needs nothing written before it:
// defaults, owner and stage by name, normalising, checking, and the keys
// it is matched by. It is safe to call from several goroutines at once
// (the importer prepares rows while earlier ones are written); Add
// prepares any row that is not.
func (s *ImportSession) Prepare(r *ImportRow) {
	p := &r.Person
	p.OrgID = s.orgID
	r.prepared = true
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
			r.notes = append(r.notes, fmt.Sprintf("no user %q here; owner left to the import's default", r.Owner))
			r.Kept = append(r.Kept[:len(r.Kept):len(r.Kept)], rapport.KeptValue{Name: s.column("Owner"), Value: r.Owner, Why: "no such user here"})
		}
	}
	if p.OwnerID == 0 {
		p.OwnerID = s.opts.OwnerID
	}
	if r.Stage != "" {
		id := s.stageNamed(p.Kind, r.Stage)
		if key, kind := rapport.StageAlias(r.Stage); id == 0 && key != "" && p.Kind != rapport.KindRecruit && p.Kind != rapport.KindSphere {
			// Another CRM's name for one of our stages; a past client is
			// a client.
			if kind == rapport.KindClient {
				p.Kind = kind
			}
			if st := s.pi.byKey[rapport.PipelineFor(p.Kind)][key]; st != nil {
				id = st.ID
				if a, b := strings.ToLower(r.Stage), strings.ToLower(st.Name); !strings.Contains(a, b) && !strings.Contains(b, a) {
					r.Kept = append(r.Kept[:len(r.Kept):len(r.Kept)], rapport.KeptValue{Name: s.column("Stage"), Value: r.Stage, Why: "read as " + st.Name})
				}
			}
		}
		if id != 0 {
			p.StageID = id
		} else {
			r.notes = append(r.notes, fmt.Sprintf("no stage %q in the %s pipeline; the first stage used", r.Stage, rapport.PipelineFor(p.Kind)))
			r.Kept = append(r.Kept[:len(r.Kept):len(r.Kept)], rapport.KeptValue{Name: s.column("Stage"), Value: r.Stage, Why: "no such stage here"})
		}
	}
	if p.Brokerage == "" && p.Office != "" {
		p.Brokerage = rapport.SplitOfficeName(p.Office)
	}
	r.production = p.Units12m > 0 || p.Volume12m > 0 || p.ListUnits12m > 0 || p.SellUnits12m > 0
	if r.production {
		p.ProductionPeriod = s.period
	}
	p.Normalize()
	if err := p.Validate(s.now); err != nil {
		r.rejected = true
		r.notes = append(r.notes, rapport.ErrorMessage(err)+" "+fieldList(err))
		return
	}
	if p.StageID == 0 {
		p.StageID = s.pi.initial(p.Kind)
	}
	p.CreatedAt, p.UpdatedAt, p.CreatedBy, p.Version = s.now, s.now, s.actorID, 1
	p.ScheduleTouch()
	p.SearchDoc = searchDoc(p, nil, nil)
	p.NameKey = nameKey(p.FirstName, p.LastName)
	if !r.Unnamed {
		r.name = foldName(p.FirstName, p.LastName)
	}
	r.keys = contactKeys(p)
	r.hashes = make([]uint64, len(r.keys))
	for i, k := range r.keys {
		r.hashes[i] = s.hash(k)
	}
}

func (s *ImportSession) addRow(r *ImportRow) (res RowResult, err error) {
	if !r.prepared {
		s.Prepare(r)
	}
	defer func() { res.Notes = r.notes }()
	if r.rejected {
		res.Outcome = Rejected
		return res, nil
	}
	p := &r.Person
	if r.ReferredBy != "" {
		if err := s.resolveReferrer(r); err != nil {
			return res, err
		}
	}
	match, first := s.findMatch(r)
	if match != 0 {
		// An email of the row that belongs to someone else stays theirs:
		// a report with Lee's MLS id and Omar's email must not give
		// Omar's email to Lee. (A shared phone is kept by both: a couple's
		// home phone is each one's.)
		for i := first + 1; i < len(r.hashes); {
			if r.keys[i][0] == 'e' {
				if id, ok := s.keys.get(r.hashes[i]); ok && id != match && s.leaveOut(r, i) {
					continue
				}
			}
			i++
		}
	}
	if err := s.resolveCompany(r); err != nil {
		return res, err
	}
	if match != 0 {
		merged, err := s.mergeInto(match, r)
		if err != nil {
			return res, err
		}
		if merged != 0 {
			res.PersonID, res.Outcome = match, merged
			s.claimKeys(r, match)
			s.recordProduction(r, match)
			return res, nil
		}
	}
	d := rowOf(r, p)
	if err := s.create(&d); err != nil {
		return res, err
	}
	s.recordProduction(r, p.ID)
	res.PersonID, res.Outcome = p.ID, Created
	return res, nil
}

// findMatch finds the person the row is: the first of its keys someone
// has. An MLS id or an email is enough; a phone is enough only under a
// name that can be the same person's (the people of a number already in
// the database are in house, see loadHouses). It returns the person and
// the index of the key.
func (s *ImportSession) findMatch(r *ImportRow) (id int64, key int) {
	for i, h := range r.hashes {
		id, ok := s.keys.get(h)
		if !ok {
			continue
		}
		if r.keys[i][0] != 'p' {
			return id, i
		}
		if members, ok := s.house[h]; ok {
			if id := pickMember(members, r.name); id != 0 {
				return id, i
			}
			s.sharedDNC(r, i, members)
			continue
		}
		if j, ok := s.pendingIdx[id]; ok {
			t := &s.pending[j]
			other := personName(t)
			if namesCompatible(r.name, other) {
				return id, i
			}
			// Two people on one number: from now on a row with it is
			// whichever of them its name fits.
			s.house[h] = []houseMember{{id: id, name: other, dnc: t.DoNotCall, display: t.Name()}}
			s.sharedDNC(r, i, s.house[h])
			continue
		}
		return id, i
	}
	return 0, 0
}

// loadHouses reads, for the phones of a batch that match someone already
// written (and where nothing surer, an email or an MLS id, matches first),
// the people who have that phone, with their names: a row with the phone
// is then whichever of them its name fits, or someone new. Who has a
// phone is known from loading the keys (every sharer of it, see loadKey),
// so the names are read by id — one query a batch, by primary key, which
// stays cheap while a bulk import has the phone index dropped — and none
// when no row matches by phone alone.
func (s *ImportSession) loadHouses(rows []ImportRow) error {
	var ids []int64
	want := map[uint64][]int64{}
	for i := range rows {
		r := &rows[i]
		if r.rejected {
			continue
		}
		for j, h := range r.hashes {
			id, ok := s.keys.get(h)
			if !ok {
				continue
			}
			if r.keys[j][0] != 'p' {
				break // an email or MLS id decides
			}
			if _, known := s.house[h]; known {
				continue
			}
			if _, pending := s.pendingIdx[id]; pending {
				continue // their name is at hand
			}
			if _, ok := want[h]; ok {
				continue
			}
			members := s.sharers[h]
			if len(members) == 0 {
				members = []int64{id}
			}
			want[h] = members
			ids = append(ids, members...)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var people []rapport.Person
	if err := s.tx.NewSelect().Model(&people).Column("id", "first_name", "last_name", "do_not_call").
		Where("org_id = ? AND id IN (?)", s.orgID, bun.List(ids)).Scan(s.ctx); err != nil {
		return err
	}
	byID := make(map[int64]*rapport.Person, len(people))
	for i := range people {
		byID[people[i].ID] = &people[i]
	}
	for h, members := range want {
		for _, id := range members {
			p := byID[id]
			if p == nil {
				continue
			}
			s.house[h] = append(s.house[h], houseMember{id: id, name: personName(p), dnc: p.DoNotCall, display: p.Name()})
		}
	}
	return nil
}

// resolveReferrer links the row to the person its "Referred by" names,
// when exactly one active person has that name; otherwise the name is
// kept with the row, and the report says why.
func (s *ImportSession) resolveReferrer(r *ImportRow) error {
	name := strings.TrimSpace(r.ReferredBy)
	id, ok := s.referrers[name]
	if !ok {
		first, last := splitPersonName(name)
		key := nameKey(first, last)
		if key != "" {
			var ids []int64
			if err := s.tx.NewSelect().Table("people").Column("id").Where("org_id = ? AND name_key = ? AND archived_at IS NULL", s.orgID, key).
				Limit(2).Scan(s.ctx, &ids); err != nil {
				return err
			}
			if len(ids) == 1 {
				id = ids[0]
			} else if len(ids) > 1 {
				id = -1
			}
		}
		if s.referrers == nil {
			s.referrers = map[string]int64{}
		}
		s.referrers[name] = id
	}
	switch {
	case id > 0:
		if r.Person.ReferredByID == 0 {
			r.Person.ReferredByID = id
		}
		return nil
	case id < 0:
		r.notes = append(r.notes, fmt.Sprintf("referred by %q: more than one person has that name; kept as imported", name))
	default:
		r.notes = append(r.notes, fmt.Sprintf("referred by %q: no one of that name here; kept as imported", name))
	}
	r.Kept = append(r.Kept[:len(r.Kept):len(r.Kept)], rapport.KeptValue{Name: "Referred by", Value: name, Why: "no single person of that name"})
	return nil
}

// splitPersonName splits "Maria Lopez" or "Lopez, Maria".
func splitPersonName(full string) (first, last string) {
	if l, f, ok := strings.Cut(full, ","); ok {
		return strings.TrimSpace(f), strings.TrimSpace(l)
	}
	words := strings.Fields(full)
	if len(words) < 2 {
		return full, ""
	}
	return words[0], strings.Join(words[1:], " ")
}

// pickMember returns the first of the people sharing a phone whose name
// fits, or 0.
func pickMember(members []houseMember, name foldedName) int64 {
	for _, m := range members {
		if namesCompatible(name, m.name) {
			return m.id
		}
	}
	return 0
}

// claimKeys points the row's keys that no one has yet at the person.
func (s *ImportSession) claimKeys(r *ImportRow, id int64) {
	for _, h := range r.hashes {
		if _, ok := s.keys.get(h); !ok {
			s.keys.set(h, id)
		}
	}
}

// leaveOut drops the row's key i (an email or a phone) from the person it
// brings, with a note, because it belongs to another person. It reports
// whether it did.
func (s *ImportSession) leaveOut(r *ImportRow, i int) bool {
	p, key := &r.Person, r.keys[i]
	switch key[0] {
	case 'e':
		p.Emails = slices.DeleteFunc(p.Emails, func(e rapport.Email) bool { return e.Address == key[2:] })
		r.notes = append(r.notes, fmt.Sprintf("email %s belongs to someone else here; left out", key[2:]))
	case 'p':
		p.Phones = slices.DeleteFunc(p.Phones, func(ph rapport.Phone) bool { return ph.Number == key[2:] })
		r.notes = append(r.notes, fmt.Sprintf("phone %s belongs to someone else here; left out", key[2:]))
	default:
		return false
	}
	r.keys = slices.Delete(r.keys, i, i+1)
	r.hashes = slices.Delete(r.hashes, i, i+1)
	return true
}

// hired reports whether t joined us (see rapport.Person.Hired).
func (s *ImportSession) hired(t *rapport.Person) bool {
	st := s.pi.byID[t.StageID]
	return t.Kind == rapport.KindRecruit && st != nil && st.Key == rapport.StageJoined
}

// recordProduction keeps the row's production figures, if it has any, as
// the person's history for the import's period.
func (s *ImportSession) recordProduction(r *ImportRow, personID int64) {
	if !r.production {
		return
	}
	p := &r.Person
	s.prod[personID] = rapport.Production{OrgID: s.orgID, PersonID: personID, Period: s.period, Rank: r.Rank,
		ListUnits: p.ListUnits12m, SellUnits: p.SellUnits12m, Units: p.Units12m, Volume: p.Volume12m, Office: p.Office, CreatedAt: s.now}
}

// resolveCompany links the row to its office (or brokerage), creating the
// companies the organisation does not have yet.
func (s *ImportSession) resolveCompany(r *ImportRow) error {
	p := &r.Person
	if p.CompanyID != 0 || (p.Brokerage == "" && p.Office == "" && r.OfficeMLSID == "") {
		return nil
	}
	var brokerage int64
	if p.Brokerage != "" {
		id, err := s.companies.find(s, rapport.CompanyBrokerage, p.Brokerage, "", 0)
		if err != nil {
			return err
		}
		brokerage = id
	}
	if p.Office != "" || r.OfficeMLSID != "" {
		name := p.Office
		if name == "" {
			name = p.Brokerage
		}
		if name == "" {
			name = "Office " + r.OfficeMLSID
		}
		id, err := s.companies.find(s, rapport.CompanyOffice, name, r.OfficeMLSID, brokerage)
		if err != nil {
			return err
		}
		p.CompanyID = id
		return nil
	}
	p.CompanyID = brokerage
	return nil
}

// companyIndex finds the organisation's companies by name or MLS id during
// an import, creating those it lacks.
type companyIndex struct {
	byKey map[string]int64 // kind + "|" + name key
	byMLS map[string]int64
}

func (s *ImportSession) loadCompanies() error {
	var cs []rapport.Company
	if err := s.tx.NewSelect().Model(&cs).Where("org_id = ?", s.orgID).Scan(s.ctx); err != nil {
		return err
	}
	s.companies = &companyIndex{byKey: map[string]int64{}, byMLS: map[string]int64{}}
	for _, c := range cs {
		s.companies.byKey[string(c.Kind)+"|"+c.NameKey] = c.ID
		if c.MLSID != "" {
			s.companies.byMLS[c.MLSID] = c.ID
		}
	}
	return nil
}

func (ci *companyIndex) find(s *ImportSession, kind rapport.CompanyKind, name, mls string, parent int64) (int64, error) {
	if mls != "" {
		if id, ok := ci.byMLS[mls]; ok {
			return id, nil
		}
	}
	key := string(kind) + "|" + rapport.CompanyKey(name)
	if id, ok := ci.byKey[key]; ok {
		return id, nil
	}
	c := &rapport.Company{OrgID: s.orgID, Kind: kind, Name: name, MLSID: mls, ParentID: parent, CreatedAt: s.now, UpdatedAt: s.now}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return 0, nil // a name no company can have: leave the person unlinked
	}
	if _, err := s.tx.NewInsert().Model(c).Returning("id").Exec(s.ctx); err != nil {
		return 0, err
	}
	ci.byKey[key] = c.ID
	if mls != "" {
		ci.byMLS[mls] = c.ID
	}
	return c.ID, nil
}

// applyProduction brings a matched person's production up to date with a
// row from a report for period: figures and office from a report at least
// as new as theirs; an older report only adds history. The office of
// someone who joined us is left alone.
func applyProduction(t, row *rapport.Person, production, hired bool, period rapport.Day) bool {
	if !production || period < t.ProductionPeriod {
		return false
	}
	changed := t.Units12m != row.Units12m || t.Volume12m != row.Volume12m || t.ListUnits12m != row.ListUnits12m ||
		t.SellUnits12m != row.SellUnits12m || t.ProductionPeriod != period
	t.Units12m, t.Volume12m, t.ListUnits12m, t.SellUnits12m, t.ProductionPeriod = row.Units12m, row.Volume12m, row.ListUnits12m, row.SellUnits12m, period
	if !hired && row.CompanyID != 0 && row.CompanyID != t.CompanyID {
		t.CompanyID, changed = row.CompanyID, true
		if row.Office != "" {
			t.Office = row.Office
		}
		if row.Brokerage != "" {
			t.Brokerage = row.Brokerage
		}
	}
	return changed
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

// pendingRow is what a row brings to a person, held until it is applied.
type pendingRow struct {
	person   *rapport.Person
	keys     []string
	hashes   []uint64
	name     foldedName
	line     int
	kept     []rapport.KeptValue
	original string
	header   []string
	cells    []string
	facts    []rapport.Fact
	// owner and stage are what the row named.
	owner, stage string
}

func rowOf(r *ImportRow, p *rapport.Person) pendingRow {
	return pendingRow{person: p, keys: r.keys, hashes: r.hashes, name: r.name, line: r.Line, kept: r.Kept,
		original: r.Original, header: r.Header, cells: r.Cells, facts: r.Facts, owner: r.Owner, stage: r.Stage}
}

// mergeInto folds the row into the person with id (when they really share
// a key) and says how: Merged, or 0 when the match was a hash collision.
// A person not in the batch being built is merged later (see
// applyDeferred), and the outcome then is counted there: mergeInto says
// Merged for now.
func (s *ImportSession) mergeInto(id int64, r *ImportRow) (Outcome, error) {
	if i, ok := s.pendingIdx[id]; ok {
		target := &s.pending[i]
		if !sharesKey(target, r.keys) {
			return 0, nil
		}
		d := rowOf(r, &r.Person)
		s.absorbPending(target, &d)
		return Merged, nil
	}
	p := r.Person
	s.deferred[id] = append(s.deferred[id], rowOf(r, &p))
	s.deferredN++
	s.stats.Merged-- // counted when applied
	if s.deferredN >= deferAfter {
		return Merged, s.applyDeferred()
	}
	return Merged, nil
}

// absorb folds a row into the person t: production first (it decides
// the office, which MergeInto would otherwise fill in without the office's
// name), then what t lacked; what t had otherwise, and what no field
// holds, is kept with t as the row's record. It reports whether t changed.
func (s *ImportSession) absorb(t *rapport.Person, d *pendingRow, hired bool) bool {
	in := d.person
	production := in.ProductionPeriod != ""
	c := applyProduction(t, in, production, hired, s.period)
	kept := d.kept
	conflicts := rapport.MergeConflicts(t, in)
	if d.owner != "" && in.OwnerID != 0 && t.OwnerID != 0 && in.OwnerID != t.OwnerID {
		conflicts = append(conflicts, rapport.KeptValue{Name: "Owner", Value: d.owner, Why: "already had another owner"})
	}
	if d.stage != "" && in.StageID != 0 && t.StageID != 0 && in.StageID != t.StageID {
		have := ""
		if st := s.pi.byID[t.StageID]; st != nil {
			have = st.Name
		}
		conflicts = append(conflicts, rapport.KeptValue{Name: "Stage", Value: d.stage, Why: rapport.AlreadyHad(have)})
	}
	for _, k := range conflicts {
		if production && (k.Name == "Office" || k.Name == "Brokerage") {
			continue // an older report's office: in the production history
		}
		if k.Name == "Source" && k.Value == s.opts.Source {
			continue // the import's default, not something the row said
		}
		k.Name = s.column(k.Name)
		kept = append(kept[:len(kept):len(kept)], k)
		s.late = append(s.late, RowNote{Line: d.line, Column: k.Name,
			Note: fmt.Sprintf("%q kept as imported (%s %s)", k.Value, t.Name(), k.Why)})
	}
	c = rapport.MergeInto(t, in) || c
	s.keepRecord(t.ID, d, kept)
	s.addFacts(t.ID, d.facts)
	return c
}

// absorbPending folds a row into someone this import is about to write.
func (s *ImportSession) absorbPending(t *rapport.Person, d *pendingRow) {
	s.absorb(t, d, false)
	t.SearchDoc = searchDoc(t, nil, nil)
	t.NameKey = nameKey(t.FirstName, t.LastName)
}

// applyDeferred merges the waiting rows into the people they matched, a
// chunk of people at a time in id order. A row whose match turns out to
// be a hash collision becomes a new person.
func (s *ImportSession) applyDeferred() error {
	for s.deferredN > 0 {
		if err := s.flush(); err != nil {
			return err
		}
		waiting := s.deferred
		s.deferred, s.deferredN = map[int64][]pendingRow{}, 0
		ids := make([]int64, 0, len(waiting))
		for id := range waiting {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		const chunk = 500
		for lo := 0; lo < len(ids); lo += chunk {
			if err := s.mergeChunk(waiting, ids[lo:min(lo+chunk, len(ids))]); err != nil {
				return err
			}
		}
	}
	return s.flush()
}

func (s *ImportSession) mergeChunk(waiting map[int64][]pendingRow, ids []int64) error {
	var targets []rapport.Person
	if err := s.tx.NewSelect().Model(&targets).Where("org_id = ? AND id IN (?)", s.orgID, bun.List(ids)).
		Order("id").Scan(s.ctx); err != nil {
		return err
	}
	if err := s.db.loadDetails(s.ctx, s.tx, s.orgID, targets); err != nil {
		return err
	}
	if err := s.loadFacts(waiting, ids); err != nil {
		return err
	}
	var rewrite []rapport.Person
	for i := range targets {
		t := &targets[i]
		rows := waiting[t.ID]
		delete(waiting, t.ID)
		changed := false
		for j := range rows {
			d := &rows[j]
			if !sharesKey(t, d.keys) {
				// A hash collision: the row was someone else after all.
				if err := s.create(d); err != nil {
					return err
				}
				s.stats.Created++
				continue
			}
			c := s.absorb(t, d, s.hired(t))
			if c && !changed {
				changed = true
				if !s.isNew(t.ID) && !s.seen[t.ID] {
					s.seen[t.ID] = true
					s.stats.Updated++
					continue
				}
			}
			s.stats.Merged++
		}
		if !changed {
			continue
		}
		if s.isNew(t.ID) {
			t.SearchDoc = searchDoc(t, nil, nil)
			t.NameKey = nameKey(t.FirstName, t.LastName)
			t.UpdatedAt = s.now
			t.ScheduleTouch()
			rewrite = append(rewrite, *t)
			continue
		}
		t.Version = 0
		if err := s.db.updatePerson(s.ctx, s.tx, s.orgID, s.actorID, t, "Import"); err != nil {
			return err
		}
	}
	for _, id := range ids {
		// Someone vanished meanwhile? Not inside the transaction; but
		// keep the rows rather than lose them.
		rows := waiting[id]
		delete(waiting, id)
		for j := range rows {
			if err := s.create(&rows[j]); err != nil {
				return err
			}
			s.stats.Created++
		}
	}
	return s.w.rewrite(s.ctx, rewrite)
}

// create queues a new person to be written with the next batch, with
// their record and facts, and points the keys no one has yet at them.
func (s *ImportSession) create(d *pendingRow) error {
	p := d.person
	if s.db.dialect == Postgres {
		if len(s.reserved) == 0 {
			ids, err := s.db.reserveIDs(s.ctx, s.tx, "people", importBatch)
			if err != nil {
				return err
			}
			slices.Sort(ids)
			for _, id := range ids {
				if n := len(s.ranges); n > 0 && s.ranges[n-1][1] == id-1 {
					s.ranges[n-1][1] = id
				} else {
					s.ranges = append(s.ranges, [2]int64{id, id})
				}
			}
			s.reserved = ids
		}
		p.ID, s.reserved = s.reserved[0], s.reserved[1:]
	} else {
		p.ID = s.nextID
		s.nextID++
	}
	s.pendingIdx[p.ID] = len(s.pending)
	s.pending = append(s.pending, *p)
	for i, h := range d.hashes {
		if _, ok := s.keys.get(h); !ok {
			s.keys.set(h, p.ID)
		} else if members, ok := s.house[h]; ok && d.keys[i][0] == 'p' {
			s.house[h] = append(members, houseMember{id: p.ID, name: d.name, dnc: p.DoNotCall, display: p.Name()})
		}
	}
	s.keepRecord(p.ID, d, d.kept)
	s.addFacts(p.ID, d.facts)
	return nil
}

// keepRecord keeps the row as it was with the person, when some of its
// values are in no field of theirs.
func (s *ImportSession) keepRecord(personID int64, d *pendingRow, kept []rapport.KeptValue) {
	if len(kept) == 0 {
		return
	}
	original := d.original
	if original == "" && d.cells != nil {
		original = rapport.CSVOriginal(d.header, d.cells)
	}
	if original == "" {
		original = keptOriginal(kept)
	}
	s.stats.Kept++
	keptJSON, _ := json.Marshal(kept)
	s.records = append(s.records, s.orgID, personID, s.opts.RecordKind, s.opts.Origin, d.line, original, string(keptJSON),
		recordDigest(s.opts.RecordKind, original), s.db.timeValue(s.now))
}

// recordDigest tells two copies of one input apart from two inputs.
func recordDigest(kind, original string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + original))
	return hex.EncodeToString(sum[:16])
}

var recordColumns = []string{"org_id", "person_id", "kind", "origin", "line", "original", "kept", "digest", "created_at"}

// addFacts queues the facts the person does not have yet.
func (s *ImportSession) addFacts(personID int64, facts []rapport.Fact) {
	if len(facts) == 0 {
		return
	}
	known := s.factsOf[personID]
	if known == nil {
		known = map[string]bool{}
		s.factsOf[personID] = known
	}
	source := "Imported"
	if s.opts.Origin != "" {
		source = "Imported from " + s.opts.Origin
	}
	for _, f := range facts {
		k := factKey(f.Type, f.Text)
		if known[k] {
			continue
		}
		known[k] = true
		s.facts = append(s.facts, s.orgID, personID, string(f.Type), f.Text, s.db.timeValue(s.now), nullID(s.actorID), source,
			s.db.timeValue(s.now))
	}
}

var factColumns = []string{"org_id", "person_id", "type", "text", "learned_at", "user_id", "source", "created_at"}

func factKey(t rapport.FactType, text string) string {
	return string(t) + "\x00" + strings.ToLower(strings.Join(strings.Fields(text), " "))
}

// loadFacts reads the facts of the people of a chunk that rows with facts
// are about to be merged into, so each fact is added once.
func (s *ImportSession) loadFacts(waiting map[int64][]pendingRow, ids []int64) error {
	var need []int64
	for _, id := range ids {
		if s.factsOf[id] != nil {
			continue
		}
		for _, d := range waiting[id] {
			if len(d.facts) > 0 {
				need = append(need, id)
				break
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	var facts []rapport.Fact
	if err := s.tx.NewSelect().Model(&facts).Column("person_id", "type", "text").
		Where("org_id = ? AND person_id IN (?)", s.orgID, bun.List(need)).Scan(s.ctx); err != nil {
		return err
	}
	for _, id := range need {
		s.factsOf[id] = map[string]bool{}
	}
	for _, f := range facts {
		s.factsOf[f.PersonID][factKey(f.Type, f.Text)] = true
	}
	return nil
}

// flush writes the queued people with their phones, emails and tags,
// then the production history, records and facts gathered (which may be
// for people written earlier: a report of people already known writes no
// one new).
func (s *ImportSession) flush() error {
	if len(s.pending) > 0 {
		if err := s.w.people(s.ctx, s.pending); err != nil {
			return err
		}
		s.pending = s.pending[:0]
		clear(s.pendingIdx)
	}
	if err := s.flushProduction(); err != nil {
		return err
	}
	if len(s.records) > 0 {
		if err := s.w.insertAll(s.ctx, "person_records", recordColumns, s.records); err != nil {
			return err
		}
		s.records = s.records[:0]
	}
	if len(s.facts) > 0 {
		if err := s.w.insertAll(s.ctx, "facts", factColumns, s.facts); err != nil {
			return err
		}
		s.facts = s.facts[:0]
	}
	return nil
}

// flushProduction writes the production history gathered so far: a
// person's figures for a period replace any the period had.
func (s *ImportSession) flushProduction() error {
	if len(s.prod) == 0 {
		return nil
	}
	vals := make([]any, 0, len(s.prod)*len(productionColumns))
	for _, p := range s.prod {
		vals = append(vals, p.OrgID, p.PersonID, string(p.Period), p.Rank, p.ListUnits, p.SellUnits, p.Units, p.Volume, p.Office,
			s.db.timeValue(p.CreatedAt))
	}
	clear(s.prod)
	return s.w.insertAll(s.ctx, "production", productionColumns, vals)
}

var productionColumns = []string{"org_id", "person_id", "period", "rank", "list_units", "sell_units", "units", "volume", "office", "created_at"}

// upserts are what a bulk insert into a table does with a row that is
// already there.
var upserts = map[string]string{
	"production": " ON CONFLICT (org_id, person_id, period) DO UPDATE SET rank = excluded.rank, list_units = excluded.list_units," +
		" sell_units = excluded.sell_units, units = excluded.units, volume = excluded.volume, office = excluded.office",
	"person_records": " ON CONFLICT (org_id, person_id, digest) DO NOTHING",
}

// Finish writes what is left, queues the new people for search indexing
// and commits (or, for a dry run, rolls everything back).
func (s *ImportSession) Finish() (ImportStats, error) {
	fail := func(err error) (ImportStats, error) {
		s.Abort()
		return s.stats, err
	}
	if err := s.applyDeferred(); err != nil {
		return fail(err)
	}
	if err := s.flush(); err != nil {
		return fail(err)
	}
	if s.opts.DryRun {
		s.Abort()
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
			return fail(err)
		}
	}
	if err := s.rebuildIndexes(); err != nil {
		return fail(err)
	}
	fresh := s.stats.Created >= analyzeAfter
	if fresh && s.db.dialect == SQLite {
		// The planner's statistics, refreshed with the import rather than
		// after it. (The import's pages reach the database file at the
		// next checkpoint, which the next write after it runs.)
		if _, err := s.tx.ExecContext(s.ctx, "PRAGMA optimize"); err != nil {
			return fail(err)
		}
	}
	if err := s.db.audit(s.ctx, s.tx, s.orgID, s.actorID, AuditImport, "people", 0,
		fmt.Sprintf("%d new, %d updated, %d merged, %d rejected", s.stats.Created, s.stats.Updated, s.stats.Merged, s.stats.Rejected)); err != nil {
		return fail(err)
	}
	s.w.close()
	err := s.tx.Commit()
	s.release()
	if err != nil {
		return s.stats, err
	}
	s.db.thresholds.Delete(s.orgID)
	if fresh && s.db.dialect == Postgres {
		s.db.analyze(s.ctx, "people", "phones", "emails", "person_tags")
	}
	return s.stats, nil
}

// column names the file's column a field came from.
func (s *ImportSession) column(field string) string {
	if col := s.opts.Columns[field]; col != "" {
		return col
	}
	return field
}

// Notes returns what the import said of rows after they were added (see
// RowNote), in line order; call it after Finish.
func (s *ImportSession) Notes() []RowNote {
	slices.SortStableFunc(s.late, func(a, b RowNote) int { return a.Line - b.Line })
	return s.late
}

// Abort abandons the import; nothing of it is written.
func (s *ImportSession) Abort() {
	if s.w != nil {
		s.w.close()
	}
	s.tx.Rollback()
	s.release()
}

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
	"search_doc", "name_key", "version", "created_by", "created_at", "updated_at"}

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
		lit, ok := "", n > 1 && w.db.dialect == SQLite
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
		if w.db.dialect == SQLite {
			// A failed row ends the whole import anyway. Saying so spares
			// SQLite a journal to undo a part-done statement with.
			b.WriteString("INSERT OR ROLLBACK INTO ")
		} else {
			b.WriteString("INSERT INTO ")
		}
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
	return w.children(ctx, people)
}

func peopleVals(w *bulkWriter, people []rapport.Person) []any {
	tv := w.db.timeValue
	vals := make([]any, 0, len(people)*len(personColumns))
	for i := range people {
		p := &people[i]
		vals = append(vals, p.ID, p.OrgID, p.FirstName, p.LastName, p.SortName, string(p.Kind), nullID(p.StageID), p.Source,
			nullID(p.OwnerID), nullID(p.ReferredByID), p.DoNotCall, p.TZ, p.Street, p.City, p.State, p.PostalCode, p.Country,
			p.Notes, p.Birthday.Year, int(p.Birthday.Month), p.Birthday.Day, p.HomeAnniversary.Year, int(p.HomeAnniversary.Month),
			p.HomeAnniversary.Day, p.CadenceDays, p.MLSID, p.Brokerage, p.Office, p.LicenceYear, p.Units12m, p.Volume12m,
			p.ListUnits12m, p.SellUnits12m, string(p.ProductionPeriod), nullID(p.CompanyID), tv(p.TouchDueAt), p.SearchDoc, p.NameKey, p.Version, nullID(p.CreatedBy), tv(p.CreatedAt), tv(p.UpdatedAt))
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
	for i := range people {
		p := &people[i]
		ids[i] = p.ID
		if _, err := w.tx.NewUpdate().Model(p).Column(append(editableColumns, "search_doc", "name_key")...).
			Where("org_id = ? AND id = ?", p.OrgID, p.ID).Exec(ctx); err != nil {
			return err
		}
	}
	for _, table := range []string{"phones", "emails", "person_tags"} {
		if _, err := w.tx.NewDelete().Table(table).Where("org_id = ? AND person_id IN (?)", people[0].OrgID, bun.List(ids)).Exec(ctx); err != nil {
			return err
		}
	}
	return w.children(ctx, people)
}
