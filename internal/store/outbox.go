package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Outbox statuses.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	// OutboxSkipped: nothing to send it by (no device for a push).
	OutboxSkipped = "skipped"
	// OutboxDead: tried OutboxAttempts times, or refused for good; an
	// owner sees it with its reason and may retry it.
	OutboxDead = "dead"
)

// Message is one outgoing message in the outbox. It is written in the
// transaction that caused it and delivered by the outbox's runner; Key
// (one per cause, recipient and channel) keeps it to one.
type Message struct {
	bun.BaseModel `bun:"table:outbox"`
	ID            int64                `bun:"id,pk,autoincrement"`
	OrgID         int64                `bun:"org_id"`
	UserID        int64                `bun:"user_id"`
	Channel       rapport.AlertChannel `bun:"channel"`
	Kind          rapport.AlertKind    `bun:"kind"`
	Key           string               `bun:"key"`
	PersonID      int64                `bun:"person_id,nullzero"`
	// RefID is the kind's other subject: the follow-up that is due.
	RefID int64 `bun:"ref_id,nullzero"`
	// Data is what the message needs that the database does not keep:
	// a reset link's token (forgotten once sent), the agenda's day.
	Data       string    `bun:"data"`
	Status     string    `bun:"status"`
	Attempts   int       `bun:"attempts"`
	NotBefore  time.Time `bun:"not_before"`
	LeaseUntil time.Time `bun:"lease_until,nullzero"`
	LastError  string    `bun:"last_error"`
	CreatedAt  time.Time `bun:"created_at"`
	SentAt     time.Time `bun:"sent_at,nullzero"`
	// A webhook's endpoint and event; OrderKey keeps one person's
	// webhooks to one endpoint in order; Body is the request as first
	// sent, which a retry sends again.
	EndpointID int64                `bun:"endpoint_id,nullzero"`
	Event      rapport.WebhookEvent `bun:"event"`
	OrderKey   string               `bun:"order_key"`
	Body       string               `bun:"body"`
}

// alert is what causes messages to a user: a kind, about a person or a
// follow-up, once per cause.
type alert struct {
	kind     rapport.AlertKind
	userID   int64
	personID int64
	refID    int64
	// cause makes the key: the same cause never alerts twice.
	cause string
	data  string
	// channels limits the channels (nil: those the user wants).
	channels []rapport.AlertChannel
}

// enqueue writes the messages of an alert inside tx, one per channel the
// user wants it by, held back to the end of their quiet hours when it is
// urgent, and signals the outbox's runner on commit.
func (db *DB) enqueue(ctx context.Context, tx bun.Tx, org *rapport.Org, a alert) error {
	// The reads here are bound: the writer keeps their statements
	// (writerstmts.go).
	u := new(rapport.User)
	if err := db.readOne(ctx, tx, u, readUser, org.ID, a.userID); err != nil {
		return notFound(err, "user")
	}
	if !u.DisabledAt.IsZero() {
		return nil
	}
	now := db.now().UTC()
	notBefore := now
	if a.kind.Urgent() && !(a.kind == rapport.AlertNewLead && org.QuietLeads == rapport.QuietLeadsAlert) {
		if until := u.AlertsOf().QuietUntil(now, u.Location(org)); !until.IsZero() {
			notBefore = until.UTC()
		}
	}
	chans := a.channels
	if chans == nil {
		chans = rapport.AlertChannels
	}
	n := 0
	for _, ch := range chans {
		if !u.Wants(ch, a.kind) {
			continue
		}
		if ch == rapport.AlertPush {
			// No device to send it to: no message.
			var has bool
			if err := tx.Tx.QueryRowContext(ctx, db.placeholders("SELECT EXISTS (SELECT 1 FROM push_subscriptions WHERE org_id = ? AND user_id = ?)"),
				org.ID, u.ID).Scan(&has); err != nil {
				return err
			}
			if !has {
				continue
			}
		}
		m := &Message{OrgID: org.ID, UserID: u.ID, Channel: ch, Kind: a.kind, PersonID: a.personID, RefID: a.refID,
			Key: fmt.Sprintf("%s:%s:u%d:%s", a.kind, a.cause, u.ID, ch), Data: a.data, Status: OutboxPending,
			NotBefore: notBefore, CreatedAt: now}
		res, err := tx.NewInsert().Model(m).On("CONFLICT (org_id, key) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k > 0 {
			n++
		}
	}
	if n > 0 && u.AlertToken == "" {
		if _, err := tx.NewUpdate().Table("users").Set("alert_token = ?", newAlertToken()).
			Where("org_id = ? AND id = ? AND alert_token = ''", org.ID, u.ID).Exec(ctx); err != nil {
			return err
		}
	}
	if n == 0 {
		return nil
	}
	return db.signal(ctx, tx, TopicOutbox)
}

func newAlertToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// orgTx loads an organisation inside a transaction.
func (db *DB) orgTx(ctx context.Context, tx bun.Tx, orgID int64) (*rapport.Org, error) {
	org := new(rapport.Org)
	err := db.readOne(ctx, tx, org, readOrg, orgID)
	return org, notFound(err, "organisation")
}

// Lane is a part of the outbox with its own runner: users' alerts and
// organisations' webhooks, so that a slow webhook receiver never holds up
// a lead alert or a password reset.
type Lane int

const (
	// LaneAll is every message (tests and the tools that drain the outbox).
	LaneAll Lane = iota
	LaneAlerts
	LaneWebhooks
)

func (l Lane) where(q *bun.SelectQuery, alias string) *bun.SelectQuery {
	switch l {
	case LaneAlerts:
		q.Where(alias+".channel <> ?", rapport.ChannelWebhook)
	case LaneWebhooks:
		q.Where(alias+".channel = ?", rapport.ChannelWebhook)
	}
	return q
}

// ClaimMessages leases up to n messages of lane that are due, for lease,
// to the server that asks: a message leased by a server that stopped is
// due again when its lease runs out. Each claim counts as an attempt.
// Server-wide work of the outbox's runner, not an organisation's.
func (db *DB) ClaimMessages(ctx context.Context, n int, lease time.Duration, lane Lane) ([]Message, error) {
	var ms []Message
	err := db.tx(ctx, func(tx bun.Tx) error {
		now := db.now().UTC()
		q := lane.where(tx.NewSelect().Model(&ms), "message").Where("status = ? AND not_before <= ?", OutboxPending, now).
			Where("(lease_until IS NULL OR lease_until < ?)", now).Where(inOrder("message")).OrderExpr("not_before, id").Limit(int64(n))
		if err := db.skipLocked(q).Scan(ctx); err != nil || len(ms) == 0 {
			return err
		}
		ids := make([]int64, len(ms))
		for i := range ms {
			ids[i] = ms[i].ID
			ms[i].Attempts++
			ms[i].LeaseUntil = now.Add(lease)
		}
		_, err := tx.NewUpdate().Table("outbox").Set("attempts = attempts + 1").Set("lease_until = ?", now.Add(lease)).
			Where("id IN (?)", bun.List(ids)).Exec(ctx)
		return err
	})
	return ms, err
}

// inOrder is the condition that a message is not waiting behind an
// earlier one with its order key (one person's webhooks to one endpoint
// go in order), the outbox table being named alias.
func inOrder(alias string) string {
	return fmt.Sprintf("(%[1]s.order_key = '' OR NOT EXISTS (SELECT 1 FROM outbox AS prior WHERE prior.order_key = %[1]s.order_key "+
		"AND prior.status = 'pending' AND prior.id < %[1]s.id))", alias)
}

// Delivery is how one try of a message went: sent, skipped (Why says
// why there was nothing to send it by) or failed (Why says what failed;
// Retry whether a later try may succeed, after Wait or the backoff).
type Delivery struct {
	Message *Message
	Status  string // OutboxSent, OutboxSkipped or "" for a failure
	Why     string
	Retry   bool
	Wait    time.Duration
	// A webhook's try: the body sent (kept for retries), the receiver's
	// answer (0: none) and how long it took; Gone when the receiver said
	// the endpoint is no more (410), which disables it.
	Body       string
	StatusCode int
	Took       time.Duration
	Gone       bool
}

// RecordDeliveries records how tries went, all in one transaction: the
// outbox's runner records its workers' outcomes together (a group
// commit), so that a busy single-writer database takes one write for a
// batch rather than one per message. A sent or skipped message's data (a
// reset link's token) is forgotten; a failed one is due again after its
// backoff, or dead — refused for good, or tried rapport.OutboxAttempts
// times.
func (db *DB) RecordDeliveries(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	now := db.now().UTC()
	return db.tx(ctx, func(tx bun.Tx) error {
		for _, o := range ds {
			// attempts fences the record: a server whose lease ran out and
			// was claimed again by another records nothing.
			q := tx.NewUpdate().Table("outbox").Set("lease_until = NULL").Where("id = ? AND attempts = ? AND status = ?", o.Message.ID, o.Message.Attempts, OutboxPending)
			attempts := rapport.OutboxAttempts
			if o.Message.Channel == rapport.ChannelWebhook {
				attempts = rapport.WebhookAttempts
				if o.Body != "" && o.Message.Body == "" {
					q.Set("body = ?", o.Body)
				}
			}
			switch o.Status {
			case OutboxSent:
				q.Set("status = ?", OutboxSent).Set("sent_at = ?", now).Set("data = ''").Set("last_error = ''")
			case OutboxSkipped:
				q.Set("status = ?", OutboxSkipped).Set("data = ''").Set("last_error = ?", trimTo(o.Why, 500))
			case OutboxDead:
				// Not tried, and not to be (a disabled endpoint's).
				q.Set("status = ?", OutboxDead).Set("last_error = ?", trimTo(o.Why, 500))
			default:
				q.Set("last_error = ?", trimTo(o.Why, 500))
				if !o.Retry || o.Message.Attempts >= attempts {
					q.Set("status = ?", OutboxDead)
				} else {
					wait := o.Wait
					if wait <= 0 && o.Message.Channel == rapport.ChannelWebhook {
						wait = rapport.WebhookBackoff(o.Message.Attempts)
					} else if wait <= 0 {
						wait = rapport.OutboxBackoff(o.Message.Attempts)
					}
					q.Set("not_before = ?", now.Add(wait))
				}
			}
			res, err := q.Exec(ctx)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 1 && o.Message.Channel == rapport.ChannelWebhook && (o.Status == OutboxSent || o.Status == "") {
				if err := db.webhookTried(ctx, tx, &o, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// MessageSent records a message delivered.
func (db *DB) MessageSent(ctx context.Context, m *Message) error {
	return db.RecordDeliveries(ctx, []Delivery{{Message: m, Status: OutboxSent}})
}

// MessageFailed records a failed try (see RecordOutcomes).
func (db *DB) MessageFailed(ctx context.Context, m *Message, why string, retry bool, wait time.Duration) error {
	return db.RecordDeliveries(ctx, []Delivery{{Message: m, Why: why, Retry: retry, Wait: wait}})
}

// MessageRetention is how long a message that is done with (sent,
// skipped or dead) is kept after it fell due, and a webhook's try after it
// was made: long enough to look into a complaint or replay a quarter's
// webhooks, bounded so that a busy host's outbox and delivery log do not
// grow for ever. (The sweeps' idempotency keys need a day or two.)
const MessageRetention = 90 * 24 * time.Hour

// pruneBatch is how many rows PruneMessages deletes a statement, so that
// the single writer is never held for long.
const pruneBatch = 1000

// PruneMessages deletes the messages done with that fell due more than
// MessageRetention before now, and the webhook tries made before then,
// for every organisation (server-wide periodic work, safe on several
// servers at once), a batch at a time. It returns how many rows went.
func (db *DB) PruneMessages(ctx context.Context, now time.Time) (int64, error) {
	cutoff := now.UTC().Add(-MessageRetention)
	done := []string{OutboxSent, OutboxSkipped, OutboxDead}
	var total int64
	for _, old := range []struct {
		table string
		ids   *bun.SelectQuery
	}{
		{"outbox", db.rw.NewSelect().Table("outbox").Column("id").Where("status IN (?)", bun.In(done)).Where("not_before < ?", cutoff)},
		{"webhook_attempts", db.rw.NewSelect().Table("webhook_attempts").Column("id").Where("at < ?", cutoff)},
	} {
		for {
			res, err := db.rw.NewDelete().Table(old.table).Where("id IN (?)", old.ids.Limit(pruneBatch)).Exec(ctx)
			if err != nil {
				return total, err
			}
			n, _ := res.RowsAffected()
			total += n
			if n < pruneBatch {
				break
			}
		}
	}
	return total, nil
}

// NextMessageAt returns when the earliest pending message of lane falls
// due (a leased one when its lease runs out), or the zero time when none
// waits.
func (db *DB) NextMessageAt(ctx context.Context, lane Lane) (time.Time, error) {
	now := db.now().UTC()
	var free, leased []time.Time
	if err := lane.where(db.ro.NewSelect().Table("outbox"), "outbox").Column("not_before").Where("status = ? AND (lease_until IS NULL OR lease_until < ?)", OutboxPending, now).
		Where(inOrder("outbox")).OrderExpr("not_before").Limit(1).Scan(ctx, &free); err != nil {
		return time.Time{}, err
	}
	if err := lane.where(db.ro.NewSelect().Table("outbox"), "outbox").Column("lease_until").Where("status = ? AND lease_until >= ?", OutboxPending, now).
		OrderExpr("lease_until").Limit(1).Scan(ctx, &leased); err != nil {
		return time.Time{}, err
	}
	var next time.Time
	for _, t := range append(free, leased...) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next, nil
}

// Outbox lists the organisation's messages with status (all when empty),
// newest first: owners only, who see what did not go and why.
func (db *DB) Outbox(ctx context.Context, act rapport.Actor, status string, limit int) ([]Message, error) {
	if !act.Owns() {
		return nil, rapport.Errorf(rapport.EFORBIDDEN, "Only owners see the messages Rapport sends.")
	}
	var ms []Message
	q := db.ro.NewSelect().Model(&ms).ExcludeColumn("data", "body").Where("org_id = ? AND channel <> ?", act.Org, rapport.ChannelWebhook).
		OrderExpr("id DESC").Limit(int64(limit))
	if status != "" {
		q.Where("status = ?", status)
	}
	return ms, q.Scan(ctx)
}

// RetryMessage puts a dead message back in the queue, due now: owners only.
func (db *DB) RetryMessage(ctx context.Context, act rapport.Actor, id int64) error {
	if !act.Owns() {
		return rapport.Errorf(rapport.EFORBIDDEN, "Only owners retry messages.")
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("outbox").Set("status = ?", OutboxPending).Set("attempts = 0").
			Set("not_before = ?", db.now().UTC()).Set("lease_until = NULL").
			Where("org_id = ? AND id = ? AND status = ?", act.Org, id, OutboxDead).Exec(ctx)
		if err := affected(res, err, "message"); err != nil {
			return err
		}
		if err := db.audit(ctx, tx, act.Org, act.User, AuditUpdate, "message", id, "retried"); err != nil {
			return err
		}
		return db.signal(ctx, tx, TopicOutbox)
	})
}

// Recipient is what the outbox's runner needs to address a message.
type Recipient struct {
	Org  *rapport.Org
	User *rapport.User
}

// Recipient loads a message's organisation and user.
func (db *DB) Recipient(ctx context.Context, m *Message) (*Recipient, error) {
	org, user, err := db.member(ctx, rapport.Actor{Org: m.OrgID, User: m.UserID})
	if err != nil {
		return nil, err
	}
	return &Recipient{Org: org, User: user}, nil
}

func trimTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// ReleaseLeases frees the messages leased by a server that stopped
// without saying how their sending went, when this server is the
// database's only one (SQLite, claimed exclusively): they are due again at
// once rather than when their leases run out. With servers sharing a
// database (PostgreSQL) another may be sending them: it does nothing.
func (db *DB) ReleaseLeases(ctx context.Context) (int, error) {
	if !db.oneWriter() || db.lock == nil {
		return 0, nil
	}
	res, err := db.rw.NewUpdate().Table("outbox").Set("lease_until = NULL").
		Where("status = ? AND lease_until IS NOT NULL", OutboxPending).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
