package store

import (
	"context"
	"strconv"
	"strings"
	"sync"
)

// This process keeps a few organisation-wide things it reads on nearly
// every request (the playbook, the pipelines, the roster, the top-fifth
// volume of recruits). A change forgets them here at once; with servers
// sharing a PostgreSQL database it also tells the others, by a NOTIFY on
// the signal channel ("cache:<org>", or "team:<org>" for the roster
// alone), so that every server forgets them within the moment it takes
// the notice to arrive — the TTLs are only the backstop for a notice lost
// while a listener reconnects (then every cache is forgotten). What was
// read while a change committed is not kept (keep).

// cacheTopicPrefix starts the signal that an organisation's caches are
// stale; teamTopicPrefix that its roster is.
const (
	cacheTopicPrefix = "cache:"
	teamTopicPrefix  = "team:"
)

// forgetOrg drops an organisation's caches in this process.
func (db *DB) forgetOrg(orgID int64) {
	db.forgetTeam(orgID)
	db.playbooks.Delete(orgID)
	db.pipelines.Delete(orgID)
	db.thresholds.Delete(orgID)
}

// forgetTeam drops an organisation's roster in this process. The count
// goes up first, so that a roster read meanwhile is not kept (keep);
// forgetOrg and forgetAll count through it or on their own.
func (db *DB) forgetTeam(orgID int64) {
	db.forgets.Add(1)
	db.rosters.Delete(orgID)
}

// forgetAll drops every cache in this process.
func (db *DB) forgetAll() {
	db.forgets.Add(1)
	for _, m := range []*sync.Map{&db.playbooks, &db.pipelines, &db.thresholds, &db.rosters} {
		m.Range(func(k, _ any) bool { m.Delete(k); return true })
	}
}

// orgChanged forgets an organisation's caches here and, on a shared
// database, on every other server. Call it after the change committed.
func (db *DB) orgChanged(ctx context.Context, orgID int64) {
	db.changed(ctx, orgID, cacheTopicPrefix, db.forgetOrg)
}

// teamChanged forgets an organisation's roster here and on every other
// server: someone joined, left, was renamed or given another role. Call
// it after the change committed.
func (db *DB) teamChanged(ctx context.Context, orgID int64) {
	db.changed(ctx, orgID, teamTopicPrefix, db.forgetTeam)
}

// keep stores v (a pointer) as orgID's entry in m, unless the caches were
// forgotten since gen (db.forgets) was read, before v was: a change that
// committed meanwhile, whose forgetting came first, may not show in v.
// The count is looked at again once v is stored, for a forgetting between
// the first look and the store, which found nothing to forget.
func (db *DB) keep(m *sync.Map, orgID int64, v any, gen int64) {
	if db.forgets.Load() != gen {
		return
	}
	if testHookKeep != nil {
		testHookKeep()
	}
	m.Store(orgID, v)
	if db.forgets.Load() != gen {
		m.CompareAndDelete(orgID, v)
	}
}

// testHookKeep, when set, runs in keep between its first look at the
// count and the store: where a change committing meanwhile would land.
var testHookKeep func()

// changed forgets (with forget) an organisation's caches here and, on a
// shared database, tells the other servers (prefix: which caches).
func (db *DB) changed(ctx context.Context, orgID int64, prefix string, forget func(int64)) {
	forget(orgID)
	if !db.sharedSignals() {
		return
	}
	// Told even when the request that made the change has ended: the
	// change is committed, and the other servers' copies are stale.
	if _, err := db.rw.ExecContext(context.WithoutCancel(ctx), "SELECT pg_notify(?, ?)", signalChannel, prefix+strconv.FormatInt(orgID, 10)); err != nil {
		db.log.Warn("telling other servers of a change", "org", orgID, "err", err)
	}
}

// heard handles a signal from the shared database: a stale cache is
// forgotten, anything else goes to this process's subscribers.
func (db *DB) heard(topic string) {
	for _, c := range [...]struct {
		prefix string
		forget func(*DB, int64)
	}{{cacheTopicPrefix, (*DB).forgetOrg}, {teamTopicPrefix, (*DB).forgetTeam}} {
		if rest, ok := strings.CutPrefix(topic, c.prefix); ok {
			if id, err := strconv.ParseInt(rest, 10, 64); err == nil {
				c.forget(db, id)
			}
			return
		}
	}
	db.signals.publish(topic)
}
