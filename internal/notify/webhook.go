package notify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/egress"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// WebhookRenderer writes a webhook's body: its event, when it happened,
// and its subjects as the API represents them (the API implements it, so
// that a webhook and a GET show the same thing).
type WebhookRenderer interface {
	WebhookBody(ctx context.Context, m *store.Message) ([]byte, error)
}

// WebhookTimeout bounds one request to a receiver.
const WebhookTimeout = 15 * time.Second

// deliverWebhook sends one webhook, signed with its endpoint's secret:
// the body it was first sent with on a retry (rendered the first time),
// and the same delivery id (the webhook-id header) every time.
func (o *Outbox) deliverWebhook(ctx context.Context, m *store.Message) store.Delivery {
	log := o.Log.With("message", m.ID, "event", m.Event, "org", m.OrgID, "endpoint", m.EndpointID, "attempt", m.Attempts)
	t, err := o.DB.WebhookTarget(ctx, m)
	switch {
	case rapport.ErrorCode(err) == rapport.ENOTFOUND:
		return store.Delivery{Message: m, Status: store.OutboxSkipped, Why: "the endpoint is gone"}
	case err != nil:
		return store.Delivery{Message: m, Why: err.Error(), Retry: true}
	case !t.Endpoint.DeletedAt.IsZero():
		return store.Delivery{Message: m, Status: store.OutboxSkipped, Why: "the endpoint was deleted"}
	case t.Endpoint.Disabled():
		// Kept, to send again once it is enabled.
		return store.Delivery{Message: m, Status: store.OutboxDead, Why: "not sent: the endpoint was disabled"}
	case o.Webhooks == nil:
		return store.Delivery{Message: m, Status: store.OutboxSkipped, Why: "webhooks are not set up on this server"}
	}
	body := []byte(m.Body)
	if len(body) == 0 {
		if body, err = o.Webhooks.WebhookBody(ctx, m); err != nil {
			return store.Delivery{Message: m, Why: "writing the body: " + err.Error(), Retry: true}
		}
	}
	d := store.Delivery{Message: m, Body: string(body)}
	sendCtx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(sendCtx, http.MethodPost, t.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		d.Why = "the endpoint's address: " + err.Error()
		return d
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Rapport-Webhooks/1")
	if err := webhook.SetHeaders(req.Header, t.Endpoint.Secret, m.Key, o.now(), body); err != nil {
		d.Why = err.Error()
		return d
	}
	start := time.Now()
	res, err := o.webhookClient().Do(req)
	d.Took = time.Since(start)
	if err != nil {
		d.Why = strings.ReplaceAll(err.Error(), t.Endpoint.URL, "the endpoint")
		// An address the server may not call will not become one.
		d.Retry = !egress.Refused(err)
		log.Warn("webhook not delivered", "err", d.Why, "retry", d.Retry)
		return d
	}
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	res.Body.Close()
	d.StatusCode = res.StatusCode
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		d.Status = store.OutboxSent
		log.Debug("webhook delivered", "status", res.StatusCode, "ms", d.Took.Milliseconds())
		return d
	}
	d.Why = fmt.Sprintf("the receiver answered %d %s", res.StatusCode, strings.TrimSpace(firstLineOf(answer)))
	switch {
	case res.StatusCode == http.StatusGone:
		d.Gone = true
	case res.StatusCode >= 300 && res.StatusCode < 400:
		// Redirects are not followed: the endpoint's address is wrong.
		d.Why += " (a redirect: Rapport does not follow them; register the address it points to)"
		d.Retry = true
	default:
		d.Retry = true
		if s := res.Header.Get("Retry-After"); s != "" && (res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusServiceUnavailable) {
			if sec, err := strconv.Atoi(s); err == nil && sec > 0 {
				d.Wait = min(time.Duration(sec)*time.Second, time.Hour)
			}
		}
	}
	log.Warn("webhook not delivered", "status", res.StatusCode, "retry", d.Retry)
	return d
}

func firstLineOf(b []byte) string {
	s, _, _ := strings.Cut(strings.ToValidUTF8(string(b), ""), "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

func (o *Outbox) webhookClient() *http.Client {
	if o.WebhookClient != nil {
		return o.WebhookClient
	}
	o.clientOnce.Do(func() { o.defaultClient = egress.Client(egress.Public, WebhookTimeout) })
	return o.defaultClient
}
