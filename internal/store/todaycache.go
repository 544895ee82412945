package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Today's candidates are most of what a Today costs: a dozen indexed
// reads and a hundred or more people of thirty columns each, the same on
// every load until something of theirs is written. On SQLite they are
// kept for each user between loads, while nothing they depend on has been
// written to the database file since they were read, and for at most
// todayKeep.
//
// "Nothing written" is first SQLite's own word for it: PRAGMA
// data_version, read on a connection of its own that never writes,
// changes whenever any other connection commits — this server's writer,
// or another process writing to the same file (rapport import beside a
// running server). The version is read before the candidates are, so a
// commit that lands while they are being read makes them stale at the
// next load, never kept as current. When it has changed, the write log
// (writelog.go) tells whether the commits were all this process's and
// what they touched (stillCurrent): one that touched nothing of a user's
// Today leaves it kept. No write path has to say what it changed, and
// none can forget to.
//
// The number is the connection's own: a new connection starts again from
// the same first value whatever was committed before. So the watch is one
// connection held for good (never handed back to a pool that might swap
// it), asked with the request's cancellation taken off (an interrupted
// statement can leave a connection unusable), and if it fails all the same
// it is replaced under a new generation, which every version carries:
// nothing read under an old connection can match a new one.
//
// todayKeep bounds what no write announces: time passing. A keep-in-touch
// date or a lead's rest that ends while the candidates are kept shows at
// most todayKeep late; the rules (rapport.BuildToday) run on every load
// with the time of that load, so the reasons, calling hours and order are
// always those of now. On a new day the candidates are read again.
//
// PostgreSQL keeps nothing: several servers write to one database there,
// and asking it whether anything changed costs a round trip of its own.
const todayKeep = 30 * time.Second

// todayKept bounds how many users' candidates are kept at once (each is
// tens to hundreds of kilobytes); beyond it any make room.
const todayKept = 256

type todayCache struct {
	// watch is a pool of one connection for PRAGMA data_version (nil: no
	// keeping, as on PostgreSQL or an in-memory database); conn is that
	// connection, held (nil until first asked, and after a failure), gen
	// how many times it was taken. (The PRAGMA is not prepared on it: a
	// statement prepared on a held connection outlives the connection
	// when database/sql throws that away, and closing it then crashes the
	// driver.)
	watch *sql.DB
	wmu   sync.Mutex
	conn  *sql.Conn
	gen   uint64

	mu      sync.Mutex
	entries map[[2]int64]*todayKeptEntry
	// writes is this process's write log (SQLite's file: writelog.go),
	// and rw the writer, asked for its data version by explain; with
	// them a kept Today outlives commits that touch nothing of it.
	writes *writeLog
	rw     *sql.DB
	// reads counts the candidates read from the database (tests), and
	// reuses those read reusing a stale entry's rows.
	reads, reuses atomic.Int64
}

// dataVersion is a data version read on the watch connection of
// generation gen. Versions of one generation only grow; a later
// generation is later.
type dataVersion struct {
	gen uint64
	v   int64
}

func (a dataVersion) before(b dataVersion) bool { return a.gen < b.gen || a.gen == b.gen && a.v < b.v }

type todayKeptEntry struct {
	day         rapport.Day
	from, until time.Time
	cands       []rapport.Candidate
	// deps are the people the candidates name (themselves, their
	// referrers, the referrals they are thanked for) and those they were
	// chosen among (todayBasis.near); threshold the top-fifth volume they
	// were chosen by; foreign the other processes' commits counted when
	// they were read (see writeLog).
	deps      map[int64]bool
	threshold int64
	foreign   uint64
	// byPerson finds each candidate by its person's id (for todayReuse);
	// read is when the oldest of its rows were read (reused rows are as
	// old as the entry they came from): an entry is reused only while
	// that is within todayKeep, so a chain of reuses cannot carry a row
	// along all day (a row is served at most twice todayKeep after it was
	// read, and only while no commit has touched it).
	byPerson map[int64]*rapport.Candidate
	read     time.Time

	// version and since are where the entry stands: the data version it
	// was read (or last found current) at, and the first commit of the
	// log it has not been checked against (see writeLog.snapshot).
	atMu    sync.Mutex
	version dataVersion
	since   uint64

	// The people chosen from the candidates, read whole, and their
	// context cards, as loads ask for them: valid as long as the
	// candidates are (nothing written), since neither depends on the time.
	mu     sync.Mutex
	people map[int64]*rapport.Person
	cards  map[int64]*rapport.ContextCard
}

// knownPeople returns the kept whole people among ids (none for a nil
// entry).
func (e *todayKeptEntry) knownPeople(ids []int64) map[int64]*rapport.Person {
	return known(e, ids, func(e *todayKeptEntry) map[int64]*rapport.Person { return e.people })
}

// knownCards is knownPeople for context cards.
func (e *todayKeptEntry) knownCards(ids []int64) map[int64]*rapport.ContextCard {
	return known(e, ids, func(e *todayKeptEntry) map[int64]*rapport.ContextCard { return e.cards })
}

func known[T any](e *todayKeptEntry, ids []int64, kept func(*todayKeptEntry) map[int64]*T) map[int64]*T {
	out := make(map[int64]*T, len(ids))
	if e == nil {
		return out
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	m := kept(e)
	for _, id := range ids {
		if v := m[id]; v != nil {
			out[id] = v
		}
	}
	return out
}

// untouched returns copies of the whole people and cards e keeps, less
// those drop says to leave.
func (e *todayKeptEntry) untouched(drop func(id int64) bool) (map[int64]*rapport.Person, map[int64]*rapport.ContextCard) {
	e.mu.Lock()
	defer e.mu.Unlock()
	people, cards := maps.Clone(e.people), maps.Clone(e.cards)
	maps.DeleteFunc(people, func(id int64, _ *rapport.Person) bool { return drop(id) })
	maps.DeleteFunc(cards, func(id int64, _ *rapport.ContextCard) bool { return drop(id) })
	return people, cards
}

// keepPeople keeps whole people read for a load (none for a nil entry).
// They are shared from then on: nothing may change them.
func (e *todayKeptEntry) keepPeople(ps map[int64]*rapport.Person) {
	if e != nil {
		keepInto(&e.mu, &e.people, ps)
	}
}

// keepCards is keepPeople for context cards.
func (e *todayKeptEntry) keepCards(cs map[int64]*rapport.ContextCard) {
	if e != nil {
		keepInto(&e.mu, &e.cards, cs)
	}
}

func keepInto[T any](mu *sync.Mutex, m *map[int64]*T, vs map[int64]*T) {
	mu.Lock()
	defer mu.Unlock()
	if *m == nil {
		*m = map[int64]*T{}
	}
	maps.Copy(*m, vs)
}

// openTodayCache makes the cache, asking watch (a pool of at most one
// connection) for the data version; without it, it keeps nothing.
func openTodayCache(watch *sql.DB) *todayCache {
	return &todayCache{watch: watch, entries: map[[2]int64]*todayKeptEntry{}}
}

// withWrites gives the cache the writer's log and the writer (nil: every
// commit makes every kept Today stale).
func (c *todayCache) withWrites(l *writeLog, rw *sql.DB) *todayCache {
	c.writes, c.rw = l, rw
	return c
}

func (c *todayCache) close() error {
	if c == nil || c.watch == nil {
		return nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.drop()
	return c.watch.Close()
}

// drop gives up the watch connection (wmu held).
func (c *todayCache) drop() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// dataVersion is the database's data version as the watch connection
// sees it now; ok is false when nothing can be kept.
func (c *todayCache) dataVersion(ctx context.Context) (dataVersion, bool) {
	if c == nil || c.watch == nil {
		return dataVersion{}, false
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.readVersion(ctx)
}

// tryDataVersion is dataVersion unless a load is asking the watch now:
// then ok is false, at once.
func (c *todayCache) tryDataVersion(ctx context.Context) (dataVersion, bool) {
	if c == nil || c.watch == nil || !c.wmu.TryLock() {
		return dataVersion{}, false
	}
	defer c.wmu.Unlock()
	return c.readVersion(ctx)
}

// readVersion asks the watch connection (wmu held).
func (c *todayCache) readVersion(ctx context.Context) (dataVersion, bool) {
	// Its busy timeout bounds the wait, not the request: an interrupted
	// statement can leave the connection unusable.
	ctx = context.WithoutCancel(ctx)
	if c.conn == nil {
		conn, err := c.watch.Conn(ctx)
		if err != nil {
			return dataVersion{}, false
		}
		c.conn = conn
		c.gen++
	}
	var v int64
	if err := c.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		c.drop()
		return dataVersion{}, false
	}
	return dataVersion{c.gen, v}, true
}

// keptCandidates returns the user's Today candidates for now: those kept,
// if nothing has been written since they were read, they are of the same
// day and younger than todayKeep; else read anew (and kept). What it
// returns is shared: callers must not change it. The entry (nil when
// nothing is kept) keeps what else the load reads of the chosen.
func (db *DB) keptCandidates(ctx context.Context, org *rapport.Org, user *rapport.User, now time.Time) ([]rapport.Candidate, *todayKeptEntry, error) {
	c := db.today
	// Without the watch's version nothing can be kept: read, and keep none.
	unkept := func() ([]rapport.Candidate, *todayKeptEntry, error) {
		c.reads.Add(1)
		cands, err := db.todayCandidates(ctx, org, user, now, nil, todayReuse{})
		return cands, nil, err
	}
	version, ok := c.dataVersion(ctx)
	if !ok {
		return unkept()
	}
	key := [2]int64{org.ID, user.ID}
	day := rapport.DayOf(now, user.Location(org))
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	var reuse todayReuse
	if e != nil && e.day == day && !now.Before(e.from) && now.Before(e.until) {
		current, stale, err := db.stillCurrent(ctx, e, org.ID, user.ID, version)
		if err != nil {
			return nil, nil, err
		}
		if current {
			return e.cands, e, nil
		}
		if stale.prev != nil && now.Before(stale.prev.read.Add(todayKeep)) {
			reuse = stale
		}
	}
	// Where the log stands comes before the version the candidates are
	// read at: whatever is committed after it is checked against them.
	var foreign, since uint64
	if c.writes != nil {
		foreign, since = c.writes.snapshot()
		// Rows reused are as of the commits stillCurrent looked at: the
		// ones after are checked against the new entry too. Another
		// process's commit counted since may have touched any of them:
		// then nothing is reused.
		if reuse.prev != nil && foreign != reuse.prev.foreign {
			reuse = todayReuse{}
		}
		if reuse.prev != nil && reuse.upTo+1 < since {
			since = reuse.upTo + 1
		}
		if version, ok = c.dataVersion(ctx); !ok {
			return unkept()
		}
	}
	c.reads.Add(1)
	if reuse.prev != nil {
		c.reuses.Add(1)
	}
	var basis todayBasis
	cands, err := db.todayCandidates(ctx, org, user, now, &basis, reuse)
	if err != nil {
		return nil, nil, err
	}
	e = &todayKeptEntry{version: version, since: since, foreign: foreign, day: day, from: now, until: now.Add(todayKeep), read: now, cands: cands,
		deps: todayDeps(cands, basis.near), threshold: basis.threshold, byPerson: make(map[int64]*rapport.Candidate, len(cands))}
	for i := range cands {
		e.byPerson[cands[i].Person.ID] = &cands[i]
	}
	if prev := reuse.prev; prev != nil {
		// The chosen read whole, and their cards, that nothing touched —
		// of the new entry's candidates only: they are its deps, so a
		// later write to any of them is seen; anyone else would be kept
		// unwatched (found by review).
		e.people, e.cards = prev.untouched(func(id int64) bool { return reuse.touched[id] || e.byPerson[id] == nil })
		e.read = prev.read
	}
	c.keep(key, e)
	return cands, e, nil
}

// at is the data version e was read or last found current at.
func (e *todayKeptEntry) at() dataVersion {
	e.atMu.Lock()
	defer e.atMu.Unlock()
	return e.version
}

// todayDeps are the people kept candidates show, and the others they
// were chosen among (near): a change to any of them may change the list.
func todayDeps(cands []rapport.Candidate, near []int64) map[int64]bool {
	deps := make(map[int64]bool, 2*len(cands)+len(near))
	for _, id := range near {
		deps[id] = true
	}
	for _, c := range cands {
		deps[c.Person.ID] = true
		if c.Person.ReferredByID != 0 {
			deps[c.Person.ReferredByID] = true
		}
		for _, m := range c.Thanks {
			deps[m.PersonID] = true
		}
	}
	return deps
}

// stillCurrent reports whether e, kept for the user, is what reading the
// candidates now would give, the database being at version now: nothing
// was committed since e was read or last found current; or what was
// committed is all this process's (see writeLog) and touched none of the
// people e shows, no follow-up of the user's, nothing that is everyone's,
// and no one who is now the user's (or referred by someone who is) —
// who might have become a candidate. On the way it moves e on to now.
//
// When e is stale only because of people written (its own, the user's
// follow-ups', or people now the user's), stale names everyone the
// commits since touched, and the last commit looked at: the rest of e's
// rows may be reused (todayReuse).
func (db *DB) stillCurrent(ctx context.Context, e *todayKeptEntry, orgID, userID int64, now dataVersion) (current bool, stale todayReuse, err error) {
	c := db.today
	e.atMu.Lock()
	version, since := e.version, e.since
	e.atMu.Unlock()
	if version == now {
		return true, todayReuse{}, nil
	}
	if c.writes == nil {
		return false, todayReuse{}, nil
	}
	recs, foreign, explained, seen, ok := c.writes.since(since)
	if ok && explained.before(now) {
		// Commits the log has not been told are all this process's.
		c.explain(ctx)
		recs, foreign, explained, seen, ok = c.writes.since(since)
	}
	if !ok || foreign != e.foreign || explained.before(now) {
		return false, todayReuse{}, nil
	}
	touched := map[int64]bool{}
	hit := false
	for _, r := range recs {
		if r.all {
			return false, todayReuse{}, nil
		}
		hit = hit || slices.Contains(r.users, userID)
		for _, id := range r.people {
			hit = hit || e.deps[id]
			touched[id] = true
		}
	}
	if len(touched) > writeRecordPeople {
		return false, todayReuse{}, nil
	}
	if !hit && len(touched) > 0 {
		others := slices.Sorted(maps.Keys(touched))
		if hit, err = db.anyNowTheirs(ctx, orgID, userID, others); err != nil {
			return false, todayReuse{}, err
		}
	}
	if hit {
		return false, todayReuse{prev: e, touched: touched, upTo: recs[len(recs)-1].seq}, nil
	}
	// Someone else's recruit may have moved the top fifth, which chose
	// the user's (kept for a while, and forgotten by such a write).
	if th, err := db.topFifthVolume(ctx, orgID); err != nil || th != e.threshold {
		return false, todayReuse{}, err
	}
	// Current at now, and checked against every commit recorded: from here
	// on only those not known to have finished need checking again.
	e.atMu.Lock()
	if e.version.before(now) {
		e.version = now
		if n := len(recs); n > 0 {
			e.since = max(e.since, min(recs[n-1].seq, seen)+1)
		}
	}
	e.atMu.Unlock()
	return true, todayReuse{}, nil
}

// anyNowTheirs reports whether any of the people ids is now the user's, or
// referred by someone who is: a change to them may put them (or their
// referrer) on the user's Today.
func (db *DB) anyNowTheirs(ctx context.Context, orgID, userID int64, ids []int64) (bool, error) {
	b := &bound{}
	user := b.v(userID)
	q := db.ro.NewSelect().TableExpr("people AS p").ColumnExpr("p.id").
		Where("p.org_id = ?", b.v(orgID)).Where(anyID(db.ro, "p.id"), b.v(idList(ids))).
		Where("(p.owner_id = ? OR EXISTS (SELECT 1 FROM people AS r WHERE r.org_id = p.org_id AND r.id = p.referred_by_id AND r.owner_id = ?))", user, user)
	var hit []int64
	if err := db.readBound(ctx, &hit, b.limit(q.String(), 1), b); err != nil {
		return false, err
	}
	return len(hit) > 0, nil
}

// explain counts the commits of other processes: it reads the watch's
// data version, then the writer's own, which changes only when another
// connection commits. Every commit visible at the first is then either
// this process's (and in the log: it is recorded as it commits, before it
// can be seen) or counted.
//
// Every write transaction does it as it begins (see DB.tx), holding the
// writer, so under steady writes the log is told of the commits before
// each: a load finds them explained. A load that finds them not (the
// last transaction has committed since, or only single statements wrote)
// does it too, waiting for the writer a moment at most — an import may
// hold it for minutes — and without it counts nothing, which leaves kept
// Todays stale rather than wrong.
func (c *todayCache) explain(ctx context.Context) {
	wait, cancel := context.WithTimeout(ctx, explainWait)
	defer cancel()
	conn, err := c.rw.Conn(wait)
	if err != nil {
		return
	}
	defer conn.Close()
	c.explainOn(ctx, conn, true)
}

// explainOn is explain on the writer connection q (held, or in a
// transaction on it). A write transaction does not wait for the watch
// (wait false): while a load asks it, the transaction leaves the
// explaining to the next.
func (c *todayCache) explainOn(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, wait bool) {
	if c.writes == nil {
		return
	}
	version := c.tryDataVersion
	if wait {
		version = c.dataVersion
	}
	w, ok := version(ctx)
	if !ok {
		return
	}
	var v int64
	// As the watch: an interrupted statement can spoil the connection.
	if err := q.QueryRowContext(context.WithoutCancel(ctx), "PRAGMA data_version").Scan(&v); err != nil {
		return
	}
	// A connection the pool opened anew has a version of its own: a new
	// connection counts as another process's commit (stale, not wrong).
	c.writes.explainedBy(w, c.writes.hooked.Load(), v)
}

// explainWait is how long a load's explain waits for the writer.
const explainWait = 500 * time.Microsecond

// keep keeps e under key, and drops what can no longer serve: entries
// past their time and, without a write log, entries of an older data
// version (it only grows; with the log, a commit that touched nothing of
// an entry leaves it current). Under steady writes and no log that leaves
// the few read since the last commit. An e older than a kept entry (its
// load was slow, and a commit came meanwhile) is not kept, and drops
// nothing newer. Beyond todayKept, any go.
func (c *todayCache) keep(key [2]int64, e *todayKeptEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, old := range c.entries {
		if (c.writes == nil || k == key) && e.version.before(old.at()) {
			return
		}
	}
	for k, old := range c.entries {
		if c.writes == nil && old.at() != e.version || !e.from.Before(old.until) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < todayKept {
			break
		}
		delete(c.entries, k)
	}
	c.entries[key] = e
}
