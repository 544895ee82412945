package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// WebhookAttempt is one request to an endpoint: the delivery log.
type WebhookAttempt struct {
	bun.BaseModel `bun:"table:webhook_attempts"`
	ID            int64                `bun:"id,pk,autoincrement"`
	OrgID         int64                `bun:"org_id"`
	EndpointID    int64                `bun:"endpoint_id"`
	MessageID     int64                `bun:"message_id"`
	Event         rapport.WebhookEvent `bun:"event"`
	Attempt       int                  `bun:"attempt"`
	At            time.Time            `bun:"at"`
	StatusCode    int                  `bun:"status_code"`
	DurationMS    int64                `bun:"duration_ms"`
	OK            bool                 `bun:"ok"`
	Error         string               `bun:"error"`
}

// webhookTried logs a webhook's try and keeps its endpoint's run of
// failures: a success ends it; a run that has gone on too long, or a
// receiver that said the endpoint is gone, disables the endpoint.
func (db *DB) webhookTried(ctx context.Context, tx bun.Tx, o *Delivery, now time.Time) error {
	m := o.Message
	ok := o.Status == OutboxSent
	a := &WebhookAttempt{OrgID: m.OrgID, EndpointID: m.EndpointID, MessageID: m.ID, Event: m.Event, Attempt: m.Attempts,
		At: now, StatusCode: o.StatusCode, DurationMS: o.Took.Milliseconds(), OK: ok}
	if !ok {
		a.Error = trimTo(o.Why, 500)
	}
	if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
		return err
	}
	q := tx.NewUpdate().Table("webhook_endpoints").Where("org_id = ? AND id = ?", m.OrgID, m.EndpointID)
	if ok {
		_, err := q.Set("failures = 0").Set("failing_since = NULL").Set("last_success_at = ?", now).Exec(ctx)
		return err
	}
	if _, err := q.Set("failures = failures + 1").Set("failing_since = COALESCE(failing_since, ?)", now).Exec(ctx); err != nil {
		return err
	}
	e := new(webhookEndpoint)
	if err := tx.NewSelect().Model(e).ExcludeColumn("secret").Where("org_id = ? AND id = ?", m.OrgID, m.EndpointID).Scan(ctx); err != nil {
		return err
	}
	if e.Disabled() || !e.DeletedAt.IsZero() {
		return nil
	}
	switch {
	case o.Gone:
		return db.disableEndpoint(ctx, tx, &e.WebhookEndpoint, now, "the receiver answered 410 Gone: it wants no more webhooks")
	case e.ShouldDisable(now):
		return db.disableEndpoint(ctx, tx, &e.WebhookEndpoint, now, fmt.Sprintf("every request failed for %s (%d in a row; the last: %s)",
			now.Sub(e.FailingSince).Round(time.Hour), e.Failures, trimTo(o.Why, 200)))
	}
	return nil
}

// disableEndpoint stops an endpoint's requests, for reason: what it had
// waiting is dead (an owner may replay it once it works again), and the
// organisation's owners are told by email.
func (db *DB) disableEndpoint(ctx context.Context, tx bun.Tx, e *rapport.WebhookEndpoint, now time.Time, reason string) error {
	if _, err := tx.NewUpdate().Table("webhook_endpoints").Set("disabled_at = ?", now).Set("disabled_reason = ?", trimTo(reason, 500)).
		Where("org_id = ? AND id = ?", e.OrgID, e.ID).Exec(ctx); err != nil {
		return err
	}
	if _, err := tx.NewUpdate().Table("outbox").Set("status = ?", OutboxDead).Set("lease_until = NULL").
		Set("last_error = ?", "not sent: the endpoint was disabled").
		Where("org_id = ? AND endpoint_id = ? AND status = ?", e.OrgID, e.ID, OutboxPending).Exec(ctx); err != nil {
		return err
	}
	if err := db.audit(ctx, tx, e.OrgID, 0, AuditDisable, "webhook endpoint", e.ID, "disabled: "+trimTo(reason, 300)); err != nil {
		return err
	}
	org, err := db.orgTx(ctx, tx, e.OrgID)
	if err != nil {
		return err
	}
	var owners []int64
	if err := tx.NewSelect().Table("users").Column("id").Where("org_id = ? AND role = ? AND disabled_at IS NULL", e.OrgID, rapport.RoleOwner).
		Scan(ctx, &owners); err != nil {
		return err
	}
	for _, id := range owners {
		if err := db.enqueue(ctx, tx, org, alert{kind: rapport.AlertWebhookDisabled, userID: id, refID: e.ID,
			cause: fmt.Sprintf("e%d:%d", e.ID, now.Unix()), channels: []rapport.AlertChannel{rapport.AlertEmail}}); err != nil {
			return err
		}
	}
	return nil
}

// WebhookDeliveries lists an endpoint's deliveries, newest first, with
// status ("" for all): owners and managers.
func (db *DB) WebhookDeliveries(ctx context.Context, act rapport.Actor, endpointID int64, status string, limit int) ([]Message, error) {
	if _, err := db.WebhookEndpoint(ctx, act, endpointID); err != nil {
		return nil, err
	}
	var ms []Message
	q := db.ro.NewSelect().Model(&ms).ExcludeColumn("data", "body").Where("org_id = ? AND endpoint_id = ?", act.Org, endpointID).
		OrderExpr("id DESC").Limit(int64(limit))
	if status != "" {
		q.Where("status = ?", status)
	}
	return ms, q.Scan(ctx)
}

// WebhookAttempts lists an endpoint's requests, newest first.
func (db *DB) WebhookAttempts(ctx context.Context, act rapport.Actor, endpointID int64, limit int) ([]WebhookAttempt, error) {
	if _, err := db.WebhookEndpoint(ctx, act, endpointID); err != nil {
		return nil, err
	}
	var as []WebhookAttempt
	return as, db.ro.NewSelect().Model(&as).Where("org_id = ? AND endpoint_id = ?", act.Org, endpointID).
		OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx)
}

// WebhookDeliveryEndpoint says which endpoint a delivery is to.
func (db *DB) WebhookDeliveryEndpoint(ctx context.Context, act rapport.Actor, messageID int64) (int64, error) {
	if err := mayManageWebhooks(act); err != nil {
		return 0, err
	}
	var id int64
	err := db.ro.NewSelect().Table("outbox").Column("endpoint_id").
		Where("org_id = ? AND id = ? AND channel = ? AND endpoint_id IS NOT NULL", act.Org, messageID, rapport.ChannelWebhook).Scan(ctx, &id)
	return id, notFound(err, "delivery")
}

// ReplayWebhooks sends an endpoint's deliveries again, due now, with
// their ids and bodies: messageID's, or (0) every dead one. It returns
// how many; a receiver that already had one recognises its id.
func (db *DB) ReplayWebhooks(ctx context.Context, act rapport.Actor, endpointID, messageID int64) (int, error) {
	if err := mayManageWebhooks(act); err != nil {
		return 0, err
	}
	var n int
	err := db.tx(ctx, func(tx bun.Tx) error {
		e := new(webhookEndpoint)
		if err := tx.NewSelect().Model(e).ExcludeColumn("secret").Where("org_id = ? AND id = ? AND deleted_at IS NULL", act.Org, endpointID).
			Scan(ctx); err != nil {
			return notFound(err, "webhook endpoint")
		}
		if e.Disabled() {
			return rapport.Errorf(rapport.ECONFLICT, "The endpoint is disabled: enable it first.")
		}
		now := db.now().UTC()
		// One waiting is sent now, unless it is being sent; one that went
		// or died is tried afresh.
		q := tx.NewUpdate().Table("outbox").Set("attempts = CASE WHEN status = ? THEN attempts ELSE 0 END", OutboxPending).
			Set("status = ?", OutboxPending).Set("not_before = ?", now).Where("org_id = ? AND endpoint_id = ?", act.Org, endpointID)
		what := "every failed delivery sent again"
		if messageID != 0 {
			q.Where("id = ? AND (status <> ? OR lease_until IS NULL OR lease_until < ?)", messageID, OutboxPending, now)
			what = fmt.Sprintf("delivery %d sent again", messageID)
		} else {
			q.Where("status = ?", OutboxDead)
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return err
		}
		k, _ := res.RowsAffected()
		if n = int(k); n == 0 {
			if messageID != 0 {
				return rapport.NotFound("delivery")
			}
			return nil
		}
		if err := db.audit(ctx, tx, act.Org, act.User, AuditUpdate, "webhook endpoint", endpointID, what); err != nil {
			return err
		}
		return db.signal(ctx, tx, TopicOutbox)
	})
	return n, err
}
