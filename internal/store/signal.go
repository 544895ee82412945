package store

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Signals tell the parts of a server that wait for news (an open Today
// page, the outbox's runner) that something they care about was
// committed, so they look again at once instead of polling. A signal
// carries only a topic; what changed is read from the database.
//
// On PostgreSQL, which several servers may share, a signal is a NOTIFY
// sent inside the transaction that caused it (so it is delivered when and
// only when that commits), heard by each server's Listen. On SQLite, one
// server's own file, a signal is delivered in-process after the commit.
// Either way a signal may be lost (a listener reconnecting); waiters also
// look again now and then.

// signalChannel is the PostgreSQL channel every signal is sent on.
const signalChannel = "rapport_signal"

// Topics.
const (
	// TopicOutbox: messages are waiting to be sent.
	TopicOutbox = "outbox"
)

// TopicToday is the topic of a user's Today list: a lead routed or handed
// to them. userID 0 is the organisation's pond.
func TopicToday(orgID, userID int64) string {
	return "today:" + strconv.FormatInt(orgID, 10) + ":" + strconv.FormatInt(userID, 10)
}

// hub fans signals out to the subscribers in this process.
type hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

func (h *hub) publish(topic string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[topic] {
		select {
		case ch <- struct{}{}:
		default: // one pending wake-up is enough
		}
	}
}

// Subscribe returns a channel that receives a value after a signal on
// topic (several signals may wake it once), and a function to stop.
func (db *DB) Subscribe(topic string) (<-chan struct{}, func()) {
	h := &db.signals
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[string]map[chan struct{}]struct{}{}
	}
	if h.subs[topic] == nil {
		h.subs[topic] = map[chan struct{}]struct{}{}
	}
	h.subs[topic][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[topic], ch)
		if len(h.subs[topic]) == 0 {
			delete(h.subs, topic)
		}
		h.mu.Unlock()
	}
}

// signal sends topic when tx commits.
func (db *DB) signal(ctx context.Context, tx bun.Tx, topic string) error {
	if db.sharedSignals() {
		_, err := tx.ExecContext(ctx, "SELECT pg_notify(?, ?)", signalChannel, topic)
		return err
	}
	v, _ := db.afterCommit.LoadOrStore(tx.Tx, &[]string{})
	p := v.(*[]string)
	*p = append(*p, topic)
	return nil
}

// committed delivers the in-process signals of a transaction that
// committed, or forgets those of one that did not.
func (db *DB) committed(tx *sql.Tx, ok bool) {
	v, found := db.afterCommit.LoadAndDelete(tx)
	if !found || !ok {
		return
	}
	for _, topic := range *v.(*[]string) {
		db.signals.publish(topic)
	}
}

// Listen hears the signals other servers (and this one) send through a
// shared database, until ctx ends, reconnecting after a failure (the
// database restarted, or a standby took over from the primary) with a
// back-off from listenRetry to listenRetryMax; ready (when not nil) is
// called once it first listens. On a database of one server it only waits
// for ctx.
func (db *DB) Listen(ctx context.Context, ready func()) {
	var once sync.Once
	onReady := func() {
		if ready != nil {
			once.Do(ready)
		}
	}
	if !db.sharedSignals() {
		onReady()
		<-ctx.Done()
		return
	}
	wait := listenRetry
	for again := false; ctx.Err() == nil; again = true {
		listened := false
		err := db.listen(ctx, signalChannel, func() {
			listened = true
			if again {
				// Whatever was signalled while this server was not
				// listening was missed: now that nothing more can be,
				// forget every cache (read again, in the meantime, from
				// a database others were changing) and wake everyone to
				// look again.
				db.forgetAll()
				db.signals.publishAll()
				db.log.Info("listening for signals again; caches forgotten")
			}
			onReady()
		}, db.heard)
		if ctx.Err() != nil {
			return
		}
		if listened {
			wait = listenRetry
		}
		db.log.Warn("listening for signals failed; retrying", "err", err, "in", wait)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, listenRetryMax)
	}
}

// Listen's back-off between attempts to listen again, and how long its
// connection may stay silent before it asks the database whether it is
// still there (a host that vanished sends no word that the connection is
// gone: without asking, this server would stay deaf).
var (
	listenRetry    = 100 * time.Millisecond
	listenRetryMax = 5 * time.Second
	listenIdle     = 30 * time.Second
)

func (h *hub) publishAll() {
	h.mu.Lock()
	topics := make([]string, 0, len(h.subs))
	for t := range h.subs {
		topics = append(topics, t)
	}
	h.mu.Unlock()
	for _, t := range topics {
		h.publish(t)
	}
}
