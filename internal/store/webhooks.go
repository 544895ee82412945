package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/egress"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// webhookEndpoint is rapport.WebhookEndpoint's table.
type webhookEndpoint struct {
	bun.BaseModel `bun:"table:webhook_endpoints,alias:we"`
	rapport.WebhookEndpoint
}

// WebhookInput is an endpoint to register, or the changes to one (nil
// fields stay as they are).
type WebhookInput struct {
	URL         *string
	Description *string
	Events      []rapport.WebhookEvent
	// Enabled turns a disabled endpoint back on (its run of failures
	// forgotten) or off.
	Enabled *bool
}

func (in *WebhookInput) apply(db *DB, e *rapport.WebhookEndpoint) error {
	fe := rapport.FieldErrors{}
	if in.URL != nil {
		u := strings.TrimSpace(*in.URL)
		if msg := egress.CheckURL(u, rapport.WebhookURLMax, db.webhookAllow, "a webhook receiver"); msg != "" {
			fe.Add("url", msg)
		}
		e.URL = u
	}
	if in.Description != nil {
		e.Description = strings.TrimSpace(*in.Description)
		if len(e.Description) > 200 {
			fe.Add("description", "The description is longer than 200 characters.")
		}
	}
	if in.Events != nil {
		fe.Merge("", e.SetEvents(in.Events))
	}
	return fe.Err()
}

func mayManageWebhooks(act rapport.Actor) error {
	if !act.Runs() {
		return rapport.Errorf(rapport.EFORBIDDEN, "Only owners and managers manage webhooks.")
	}
	return nil
}

// WebhookEndpoints lists the organisation's endpoints (without their
// secrets): owners and managers only.
func (db *DB) WebhookEndpoints(ctx context.Context, act rapport.Actor) ([]rapport.WebhookEndpoint, error) {
	if err := mayManageWebhooks(act); err != nil {
		return nil, err
	}
	var rows []webhookEndpoint
	if err := db.ro.NewSelect().Model(&rows).ExcludeColumn("secret").Where("org_id = ? AND deleted_at IS NULL", act.Org).
		OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]rapport.WebhookEndpoint, len(rows))
	for i := range rows {
		out[i] = rows[i].WebhookEndpoint
	}
	return out, nil
}

// WebhookEndpoint loads one endpoint (without its secret).
func (db *DB) WebhookEndpoint(ctx context.Context, act rapport.Actor, id int64) (*rapport.WebhookEndpoint, error) {
	if err := mayManageWebhooks(act); err != nil {
		return nil, err
	}
	e := new(webhookEndpoint)
	err := db.ro.NewSelect().Model(e).ExcludeColumn("secret").Where("org_id = ? AND id = ? AND deleted_at IS NULL", act.Org, id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "webhook endpoint")
	}
	return &e.WebhookEndpoint, nil
}

// CreateWebhookEndpoint registers an endpoint and returns it with its
// secret, which is shown this once.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, act rapport.Actor, in WebhookInput) (*rapport.WebhookEndpoint, error) {
	if err := mayManageWebhooks(act); err != nil {
		return nil, err
	}
	if in.URL == nil {
		in.URL = new(string)
	}
	if in.Events == nil {
		in.Events = []rapport.WebhookEvent{}
	}
	now := db.now().UTC()
	e := &webhookEndpoint{WebhookEndpoint: rapport.WebhookEndpoint{OrgID: act.Org, Secret: webhook.NewSecret(),
		CreatedBy: act.User, CreatedAt: now, UpdatedAt: now}}
	if err := in.apply(db, &e.WebhookEndpoint); err != nil {
		return nil, err
	}
	err := db.tx(ctx, func(tx bun.Tx) error {
		n, err := tx.NewSelect().Table("webhook_endpoints").Where("org_id = ? AND deleted_at IS NULL", act.Org).Count(ctx)
		if err != nil {
			return err
		}
		if n >= rapport.WebhookEndpointsMax {
			return rapport.Errorf(rapport.ECONFLICT, "An organisation has at most %d webhook endpoints; delete one first.", rapport.WebhookEndpointsMax)
		}
		if _, err := tx.NewInsert().Model(e).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditCreate, "webhook endpoint", e.ID,
			fmt.Sprintf("webhooks to %s for %s", hostOf(e.URL), e.Events))
	})
	if err != nil {
		return nil, err
	}
	return &e.WebhookEndpoint, nil
}

// hostOf is an address's host, for the audit log (a URL's path or query
// may hold the receiver's own token).
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return "?"
}

// UpdateWebhookEndpoint changes an endpoint.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, act rapport.Actor, id int64, in WebhookInput) (*rapport.WebhookEndpoint, error) {
	if err := mayManageWebhooks(act); err != nil {
		return nil, err
	}
	var out *rapport.WebhookEndpoint
	err := db.tx(ctx, func(tx bun.Tx) error {
		e := new(webhookEndpoint)
		if err := tx.NewSelect().Model(e).Where("org_id = ? AND id = ? AND deleted_at IS NULL", act.Org, id).Scan(ctx); err != nil {
			return notFound(err, "webhook endpoint")
		}
		was := e.URL
		if err := in.apply(db, &e.WebhookEndpoint); err != nil {
			return err
		}
		var what []string
		now := db.now().UTC()
		if e.URL != was {
			// Another receiver: the old one's failures are not its own.
			e.FailingSince, e.Failures = time.Time{}, 0
		}
		if in.Enabled != nil && *in.Enabled == e.Disabled() {
			if *in.Enabled {
				e.DisabledAt, e.DisabledReason, e.FailingSince, e.Failures = time.Time{}, "", time.Time{}, 0
				what = append(what, "enabled")
			} else {
				e.DisabledAt, e.DisabledReason = now, "disabled by "+db.actorName(ctx, tx, act)
				what = append(what, "disabled")
				// What waits is kept as failed, to send again once enabled.
				if _, err := tx.NewUpdate().Table("outbox").Set("status = ?", OutboxDead).Set("lease_until = NULL").
					Set("last_error = ?", "not sent: the endpoint was disabled").
					Where("org_id = ? AND endpoint_id = ? AND status = ?", act.Org, id, OutboxPending).Exec(ctx); err != nil {
					return err
				}
			}
		}
		e.UpdatedAt = now
		if _, err := tx.NewUpdate().Model(e).WherePK().Column("url", "description", "events", "updated_at", "disabled_at",
			"disabled_reason", "failing_since", "failures").Exec(ctx); err != nil {
			return err
		}
		what = append(what, fmt.Sprintf("webhooks to %s for %s", hostOf(e.URL), e.Events))
		e.Secret = ""
		out = &e.WebhookEndpoint
		if err := db.audit(ctx, tx, act.Org, act.User, AuditUpdate, "webhook endpoint", id, strings.Join(what, "; ")); err != nil {
			return err
		}
		return db.signal(ctx, tx, TopicOutbox)
	})
	return out, err
}

func (db *DB) actorName(ctx context.Context, tx bun.Tx, act rapport.Actor) string {
	if act.User == 0 {
		return "Rapport"
	}
	var name string
	if err := tx.NewSelect().Table("users").Column("name").Where("org_id = ? AND id = ?", act.Org, act.User).Scan(ctx, &name); err != nil || name == "" {
		return fmt.Sprintf("user %d", act.User)
	}
	return name
}

// RotateWebhookSecret gives an endpoint a new secret, returned this once;
// its requests are signed with it from now on, retries included.
func (db *DB) RotateWebhookSecret(ctx context.Context, act rapport.Actor, id int64) (string, error) {
	if err := mayManageWebhooks(act); err != nil {
		return "", err
	}
	secret := webhook.NewSecret()
	err := db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("webhook_endpoints").Set("secret = ?", secret).Set("updated_at = ?", db.now().UTC()).
			Where("org_id = ? AND id = ? AND deleted_at IS NULL", act.Org, id).Exec(ctx)
		if err := affected(res, err, "webhook endpoint"); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditUpdate, "webhook endpoint", id, "a new signing secret")
	})
	return secret, err
}

// DeleteWebhookEndpoint deletes an endpoint: what it had waiting is not
// sent. Its delivery log is kept with the outbox.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, act rapport.Actor, id int64) error {
	if err := mayManageWebhooks(act); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		now := db.now().UTC()
		var u string
		if err := tx.NewSelect().Table("webhook_endpoints").Column("url").Where("org_id = ? AND id = ? AND deleted_at IS NULL", act.Org, id).
			Scan(ctx, &u); err != nil {
			return notFound(err, "webhook endpoint")
		}
		if _, err := tx.NewUpdate().Table("webhook_endpoints").Set("deleted_at = ?", now).Set("secret = ''").
			Where("org_id = ? AND id = ?", act.Org, id).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Table("outbox").Set("status = ?", OutboxSkipped).Set("last_error = ?", "the endpoint was deleted").
			Set("lease_until = NULL").Where("org_id = ? AND endpoint_id = ? AND status = ?", act.Org, id, OutboxPending).Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditDelete, "webhook endpoint", id, "webhooks to "+hostOf(u)+" stopped")
	})
}

// webhook queues event, about personID (0: none) and refID (the
// conversation, follow-up, import or earlier stage), for each of the
// organisation's endpoints that wants it, inside tx. Each endpoint gets
// its own delivery, with its own id (the key): the webhook-id its
// requests carry, the same on every retry.
func (db *DB) webhook(ctx context.Context, tx bun.Tx, orgID int64, event rapport.WebhookEvent, personID, refID int64) error {
	var eps []webhookEndpoint
	b := &bound{} // asked in most writes: the writer keeps the statement
	if err := db.readBoundOn(ctx, tx, &eps, tx.NewSelect().Model(&eps).Column("id", "events", "disabled_at", "deleted_at").
		Where("org_id = ? AND deleted_at IS NULL AND disabled_at IS NULL", b.v(orgID)).String(), b); err != nil {
		return err
	}
	now := db.now().UTC()
	n := 0
	for _, e := range eps {
		if !e.Wants(event) {
			continue
		}
		m := &Message{OrgID: orgID, Channel: rapport.ChannelWebhook, Kind: rapport.AlertWebhook, Key: newDeliveryID(),
			PersonID: personID, RefID: refID, Status: OutboxPending, NotBefore: now, CreatedAt: now,
			EndpointID: e.ID, Event: event}
		if personID != 0 {
			m.OrderKey = fmt.Sprintf("e%d:p%d", e.ID, personID)
		}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return nil
	}
	return db.signal(ctx, tx, TopicOutbox)
}

// newDeliveryID is a delivery's id: "msg_" and 22 random characters.
func newDeliveryID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "msg_" + base64.RawURLEncoding.EncodeToString(b)
}

// PingWebhook queues a test request to an endpoint.
func (db *DB) PingWebhook(ctx context.Context, act rapport.Actor, id int64) error {
	if err := mayManageWebhooks(act); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		ok, err := tx.NewSelect().Table("webhook_endpoints").Where("org_id = ? AND id = ? AND deleted_at IS NULL", act.Org, id).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return rapport.NotFound("webhook endpoint")
		}
		now := db.now().UTC()
		m := &Message{OrgID: act.Org, Channel: rapport.ChannelWebhook, Kind: rapport.AlertWebhook, Key: newDeliveryID(),
			Status: OutboxPending, NotBefore: now, CreatedAt: now, EndpointID: id, Event: rapport.EventPing}
		if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
			return err
		}
		return db.signal(ctx, tx, TopicOutbox)
	})
}

// WebhookTarget is what the outbox's runner needs to send a webhook.
type WebhookTarget struct {
	Endpoint rapport.WebhookEndpoint
	Org      *rapport.Org
}

// WebhookTarget loads a webhook message's endpoint, secret included,
// deleted or disabled (the runner says why it does not send).
// Server-wide work of the outbox's runner.
func (db *DB) WebhookTarget(ctx context.Context, m *Message) (*WebhookTarget, error) {
	e := new(webhookEndpoint)
	if err := db.ro.NewSelect().Model(e).Where("org_id = ? AND id = ?", m.OrgID, m.EndpointID).Scan(ctx); err != nil {
		return nil, notFound(err, "webhook endpoint")
	}
	org, err := db.Org(ctx, m.OrgID)
	if err != nil {
		return nil, err
	}
	return &WebhookTarget{Endpoint: e.WebhookEndpoint, Org: org}, nil
}

// AllowWebhooks changes where webhook endpoints may be (see
// Options.WebhookAllow), for tests whose receivers are on this computer.
// Call it before the database is in use.
func (db *DB) AllowWebhooks(a egress.Allow) { db.webhookAllow = a }
