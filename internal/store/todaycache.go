package store

import (
	"context"
	"database/sql"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Today's candidates are most of what a Today costs: a dozen indexed
// reads and a hundred or more people of thirty columns each, the same on
// every load until something is written. On SQLite they are kept for each
// user between loads, while nothing has been written to the database file
// since they were read and for at most todayKeep.
//
// "Nothing written" is SQLite's own word for it: PRAGMA data_version, read
// on a connection of its own that never writes, changes whenever any other
// connection commits — this server's writer, or another process writing to
// the same file (rapport import beside a running server). The version is
// read before the candidates are, so a commit that lands while they are
// being read makes them stale at the next load, never kept as current. No
// write path has to say what it changed, and none can forget to.
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
	// reads counts the candidates read from the database (tests).
	reads atomic.Int64
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
	version     dataVersion
	day         rapport.Day
	from, until time.Time
	cands       []rapport.Candidate

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
	version, ok := c.dataVersion(ctx)
	if !ok {
		c.reads.Add(1)
		cands, err := db.todayCandidates(ctx, org, user, now)
		return cands, nil, err
	}
	key := [2]int64{org.ID, user.ID}
	day := rapport.DayOf(now, user.Location(org))
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e != nil && e.version == version && e.day == day && !now.Before(e.from) && now.Before(e.until) {
		return e.cands, e, nil
	}
	c.reads.Add(1)
	cands, err := db.todayCandidates(ctx, org, user, now)
	if err != nil {
		return nil, nil, err
	}
	e = &todayKeptEntry{version: version, day: day, from: now, until: now.Add(todayKeep), cands: cands}
	c.keep(key, e)
	return cands, e, nil
}

// keep keeps e under key, and drops what can no longer serve: entries of
// an older data version (it only grows) or past their time. Under steady
// writes that leaves the few read since the last commit, not one for
// every user who loaded Today lately. An e older than a kept entry (its
// load was slow, and a commit came meanwhile) can never serve: it is not
// kept, and drops nothing newer.
func (c *todayCache) keep(key [2]int64, e *todayKeptEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, old := range c.entries {
		if e.version.before(old.version) {
			return
		}
	}
	for k, old := range c.entries {
		if old.version != e.version || !e.from.Before(old.until) {
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
