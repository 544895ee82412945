package notify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Pusher sends a push alert to every device of a user, returning how many
// took it (0 with no error: the user has no device).
type Pusher interface {
	Push(ctx context.Context, orgID, userID int64, m *PushMessage) (int, error)
}

// Outbox is the one runner that delivers the outbox's messages.
type Outbox struct {
	DB   *store.DB
	Mail Mailer
	// Push is nil when push alerts are not set up: push messages are
	// then skipped.
	Push Pusher
	// BaseURL is the address links in messages point to.
	BaseURL string
	Log     *slog.Logger
	// Workers deliver at once (8 when 0); Lease is how long a server
	// holds a message it is sending (2 minutes when 0).
	Workers int
	Lease   time.Duration
	Now     func() time.Time
	// Webhooks writes webhooks' bodies; nil: webhooks are skipped.
	Webhooks WebhookRenderer
	// WebhookClient sends them: one that calls only addresses the
	// operator allows (egress.Client); public addresses only when nil.
	WebhookClient *http.Client

	clientOnce    sync.Once
	defaultClient *http.Client
}

func (o *Outbox) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Run delivers messages as they fall due until ctx ends, users' alerts
// and organisations' webhooks each in their own lane (a slow receiver
// never holds up an alert): at once when a transaction signals new ones,
// else when the next is due, and at least every half minute (a signal
// can be lost; a lease can run out).
func (o *Outbox) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, lane := range []store.Lane{store.LaneAlerts, store.LaneWebhooks} {
		wg.Go(func() { o.run(ctx, lane) })
	}
	wg.Wait()
}

func (o *Outbox) run(ctx context.Context, lane store.Lane) {
	wake, stop := o.DB.Subscribe(store.TopicOutbox)
	defer stop()
	for ctx.Err() == nil {
		n, err := o.deliverDue(ctx, lane)
		if err != nil && ctx.Err() == nil {
			o.Log.Error("outbox", "err", err)
		}
		if n > 0 {
			continue // there may be more
		}
		wait := 30 * time.Second
		if next, err := o.DB.NextMessageAt(ctx, lane); err == nil && !next.IsZero() {
			wait = min(wait, max(time.Until(next), 50*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// DeliverDue claims the messages due now and delivers them, returning how
// many it claimed. Workers send at once; one recorder writes their
// outcomes as they come, each write taking all that are ready (a group
// commit), so that a busy database is asked once per batch, not once per
// message, while a message's record waits for no other's sending.
func (o *Outbox) DeliverDue(ctx context.Context) (int, error) {
	return o.deliverDue(ctx, store.LaneAll)
}

func (o *Outbox) deliverDue(ctx context.Context, lane store.Lane) (int, error) {
	workers := o.Workers
	if workers == 0 {
		workers = 8
	}
	lease := o.Lease
	if lease == 0 {
		lease = 2 * time.Minute
	}
	// As many as are sent at once: each is sent within its lease.
	ms, err := o.DB.ClaimMessages(ctx, workers, lease, lane)
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	outcomes := make(chan store.Delivery, len(ms))
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		// A stop mid-send still records the outcomes.
		save := context.WithoutCancel(ctx)
		for o1 := range outcomes {
			batch := []store.Delivery{o1}
		more:
			for {
				select {
				case next, ok := <-outcomes:
					if !ok {
						break more
					}
					batch = append(batch, next)
				default:
					break more
				}
			}
			if err := o.DB.RecordDeliveries(save, batch); err != nil {
				o.Log.Error("outbox: recording outcomes", "err", err, "messages", len(batch))
			}
		}
	}()
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i := range ms {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			outcomes <- o.deliver(ctx, &ms[i])
		})
	}
	wg.Wait()
	close(outcomes)
	<-recorded
	return len(ms), nil
}

// deliver sends one message and says how it went.
func (o *Outbox) deliver(ctx context.Context, m *store.Message) store.Delivery {
	log := o.Log.With("message", m.ID, "kind", m.Kind, "channel", m.Channel, "org", m.OrgID, "user", m.UserID, "attempt", m.Attempts)
	fail := func(err error, retry bool, wait time.Duration) store.Delivery {
		log.Warn("message not delivered", "err", err, "retry", retry)
		return store.Delivery{Message: m, Why: err.Error(), Retry: retry, Wait: wait}
	}
	skip := func(why string) store.Delivery {
		return store.Delivery{Message: m, Status: store.OutboxSkipped, Why: why}
	}
	if m.Channel == rapport.ChannelWebhook {
		return o.deliverWebhook(ctx, m)
	}
	to, err := o.DB.Recipient(ctx, m)
	if rapport.ErrorCode(err) == rapport.ENOTFOUND {
		return skip("the recipient is gone")
	} else if err != nil {
		return fail(err, true, 0)
	}
	if !to.User.Active() {
		return skip("the recipient is disabled")
	}
	if m.Channel == rapport.AlertPush && o.Push == nil {
		return skip("push alerts are not set up on this server")
	}
	c, err := o.render(ctx, m, to)
	if err != nil {
		return fail(err, true, 0)
	}
	if c.skip != "" {
		return skip(c.skip)
	}
	sendCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	switch {
	case c.email != nil:
		err = o.Mail.Send(sendCtx, c.email)
	case c.push != nil:
		var n int
		n, err = o.Push.Push(sendCtx, m.OrgID, m.UserID, c.push)
		if err == nil && n == 0 {
			return skip("no device has push alerts on")
		}
	}
	if err != nil {
		var perm *Permanent
		var retryAfter *RetryAfter
		wait := time.Duration(0)
		if errors.As(err, &retryAfter) {
			wait = retryAfter.Wait
		}
		return fail(err, !errors.As(err, &perm), wait)
	}
	log.Debug("message delivered", "delay_ms", o.now().Sub(m.NotBefore).Milliseconds())
	return store.Delivery{Message: m, Status: store.OutboxSent}
}

// RetryAfter is an error with the wait the other side asked for.
type RetryAfter struct {
	Err  error
	Wait time.Duration
}

func (r *RetryAfter) Error() string { return r.Err.Error() }
func (r *RetryAfter) Unwrap() error { return r.Err }
