package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"slices"
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
	// Job, when set, is the run of an import job this session is: it
	// commits only while the run is still the job's (no other server took
	// it over), and marks the job done with its people, so that a job
	// whose people were committed is never run again.
	Job *ImportJob
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
	// newFacts are the texts of the facts queued for people waiting to be
	// written, whose search documents say them (flush); stale are the
	// people already written whose documents are behind (changed by the
	// import, or given facts), rebuilt together at the end (refreshStale).
	newFacts map[int64][]string
	stale    map[int64]bool
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

// Bulk loading on SQLite. An import of at least bulkMin rows that is at
// least 1/bulkShare of the people table drops the tables' secondary
// indexes and rebuilds them at the end: building an index from sorted
// keys costs a fraction of keeping it up to date through a million
// inserts at random places, and the dropping is part of the transaction,
// so an import that dies leaves the indexes as they were.
var bulkMin = 20000

const bulkShare = 2

// importCacheKB is the page cache of the write connection during an
// import, in KiB; rebuildCacheKB, while it rebuilds the indexes it dropped.
const (
	importCacheKB  = 16 << 10
	rebuildCacheKB = 4 << 10
)

// bulkIndexes are the indexes a bulk import drops and rebuilds: those on
// keys that arrive in random order. The others take new rows at a few
// places each (or not at all) and are cheap to keep up to date.
var bulkIndexes = []string{"people_name", "people_name_key", "phones_number", "emails_address"}

// BeginImport starts an import into the organisation. On SQLite it takes
// the write lock until Finish or Abort.
func (db *DB) BeginImport(ctx context.Context, act rapport.Actor, opts ImportOptions) (*ImportSession, error) {
	orgID, actorID := act.Org, act.User
	s := &ImportSession{db: db, ctx: ctx, orgID: orgID, actorID: actorID, opts: opts, now: db.now().UTC(),
		seed: maphash.MakeSeed(), keys: newKeyTable(min(2*max(opts.Expected, 0), 1<<22)), pendingIdx: map[int64]int{}, seen: map[int64]bool{},
		deferred: map[int64][]pendingRow{}, prod: map[int64]rapport.Production{}, period: opts.Period,
		house: map[uint64][]houseMember{}, factsOf: map[int64]map[string]bool{},
		newFacts: map[int64][]string{}, stale: map[int64]bool{}}
	if s.opts.RecordKind == "" {
		s.opts.RecordKind = rapport.RecordCSV
	}
	if s.period.IsZero() {
		s.period = rapport.DayOf(s.now, time.UTC)
	}
	var err error
	if db.oneWriter() {
		err = s.beginOnWriter()
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

// beginOnWriter pins the write connection and sets it up for a bulk write:
// foreign keys unchecked (the session checks stages, owners and referrers
// itself, and writes each person before their phones), the statement
// journal in memory, and a larger page cache. release puts it back.
func (s *ImportSession) beginOnWriter() error {
	conn, err := s.db.rw.Conn(s.ctx)
	if err != nil {
		return err
	}
	s.conn = &conn
	// Tens of millions of rows are no one's to hear of one at a time: the
	// write log's row hook is off, and what the import commits is
	// everyone's (writelog.go).
	s.db.bulkWrites(&conn, true)
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
	if s.keys != nil {
		s.keys.free()
		s.keys = nil
	}
	if s.conn == nil {
		return
	}
	conn := s.conn
	s.conn = nil
	s.db.bulkWrites(conn, false)
	ctx := context.WithoutCancel(s.ctx)
	for _, q := range []string{"PRAGMA foreign_keys = ON", "PRAGMA temp_store = DEFAULT", "PRAGMA wal_autocheckpoint = 1000",
		fmt.Sprintf("PRAGMA cache_size = %d", sqliteCacheSize), "PRAGMA threads = 0"} {
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
	if s.db.oneWriter() {
		// The transaction holds the write lock: ids after the largest (and
		// after every range the search indexer has yet to do) are ours.
		if top, err = topPersonID(ctx, tx); err != nil {
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
	if s.db.oneWriter() {
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
		// Sorting spills to a file beyond what it may hold in memory,
		// rather than hold a whole index there. It may hold as much as the
		// page cache, in each thread that sorts: a small cache for the
		// rebuild, and the cores that converted the rows (all of them
		// written now) to sort beside the writer. Measured at a million
		// rows (see docs/scaling.md): the four indexes in about 6 s
		// rather than 8.5, and 35 MB less at the import's peak.
		for _, q := range []string{"PRAGMA temp_store = FILE", fmt.Sprintf("PRAGMA cache_size = -%d", rebuildCacheKB),
			fmt.Sprintf("PRAGMA threads = %d", min(runtime.GOMAXPROCS(0), 4))} {
			if _, err := s.tx.ExecContext(s.ctx, q); err != nil {
				return err
			}
		}
	}
	for _, q := range s.indexes {
		if _, err := s.tx.ExecContext(s.ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// Finish writes what is left, queues the new people for search indexing
// and commits (failing with ErrImportTakenOver, and writing nothing, when
// opts.Job is no longer this run's) (or, for a dry run, rolls everything back).
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
	if j := s.opts.Job; j != nil {
		if err := s.db.holdImport(s.ctx, s.tx, s.orgID, j); err != nil {
			return fail(err)
		}
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
	if err := s.refreshStale(); err != nil {
		return fail(err)
	}
	// The planner's statistics, refreshed with the import where that can
	// be done (on SQLite the import's pages reach the database file at the
	// next checkpoint, which the next write after it runs), else after it.
	fresh, analyzed := s.stats.Created >= analyzeAfter, false
	if fresh {
		var err error
		if analyzed, err = s.db.analyzeInImport(s.ctx, s.tx); err != nil {
			return fail(err)
		}
	}
	if err := s.db.audit(s.ctx, s.tx, s.orgID, s.actorID, AuditImport, "people", 0,
		fmt.Sprintf("%d new, %d updated, %d merged, %d rejected", s.stats.Created, s.stats.Updated, s.stats.Merged, s.stats.Rejected)); err != nil {
		return fail(err)
	}
	s.w.close()
	seq := s.db.today.writes.committing()
	err := s.tx.Commit()
	s.db.committed(s.tx.Tx, err == nil)
	s.release()
	if err != nil {
		return s.stats, err
	}
	s.db.today.writes.finished(seq)
	s.db.thresholds.Delete(s.orgID)
	if fresh && !analyzed {
		s.db.analyze(s.ctx, "people", "phones", "emails", "person_tags")
	}
	return s.stats, nil
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
	s.db.committed(s.tx.Tx, false)
	s.release()
}
