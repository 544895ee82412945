package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/store"
)

// Devices sends push alerts to every device a user turned alerts on for.
type Devices struct {
	DB     *store.DB
	Sender *push.Sender
	// BaseURL is stripped from links: the service worker opens paths of
	// its own site only.
	BaseURL string
}

// forgetAfter is how many failures in a row end a device's alerts.
const forgetAfter = 20

// Push sends m to the user's devices at once. A device whose push service
// says it is gone is forgotten. It succeeds when any device took the
// alert; when none did and one may later, it fails with a retryable error
// (the outbox tries again), else with a permanent one.
func (d *Devices) Push(ctx context.Context, orgID, userID int64, m *PushMessage) (int, error) {
	subs, err := d.DB.PushSubscriptionsFor(ctx, orgID, userID)
	if err != nil || len(subs) == 0 {
		return 0, err
	}
	msg := push.Message{Title: m.Title, Body: m.Body, URL: strings.TrimPrefix(m.URL, d.BaseURL), Tag: m.Tag, TTL: m.TTL, Urgency: m.Urgency}
	if msg.URL == "" || !strings.HasPrefix(msg.URL, "/") {
		msg.URL = "/today"
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sent, retry := 0, false
	var errs []error
	for _, s := range subs {
		wg.Go(func() {
			err := d.Sender.Send(ctx, push.Subscription{Endpoint: s.Endpoint, P256dh: s.P256dh, Auth: s.Auth}, msg)
			var se *push.SendError
			switch {
			case err == nil:
				err = d.DB.PushDelivered(ctx, s.Endpoint)
				mu.Lock()
				sent++
				mu.Unlock()
			case errors.Is(err, push.ErrGone):
				err = d.DB.ForgetPushEndpoint(ctx, s.Endpoint)
			default:
				if n, ferr := d.DB.PushFailed(ctx, s.Endpoint); ferr == nil && n >= forgetAfter {
					d.DB.ForgetPushEndpoint(ctx, s.Endpoint)
				}
				mu.Lock()
				retry = retry || !errors.As(err, &se) || se.Retry
				errs = append(errs, fmt.Errorf("%s: %w", host(s.Endpoint), err))
				mu.Unlock()
				return
			}
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if sent > 0 || len(errs) == 0 {
		return sent, nil
	}
	err = errors.Join(errs...)
	if !retry {
		return 0, &Permanent{err}
	}
	return 0, err
}

// host names a push service in errors, without the device's endpoint.
func host(endpoint string) string {
	s := strings.TrimPrefix(endpoint, "https://")
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
	}
	return s
}
