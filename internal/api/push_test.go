package api_test

import (
	"net/http"
	"testing"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestPushSubscriptionsAPI: a client reads the server's key, subscribes
// its device for the key's user's alerts (refused, naming the field, when
// it is not a subscription a browser makes) and unsubscribes it.
func TestPushSubscriptionsAPI(t *testing.T) {
	clock := storetest.NewClock(monday)
	storetest.Each(t, clock.Now, func(t *testing.T, db *store.DB) {
		sender := pushSender(t)
		h := newHarness(t, db, clock, api.Options{Push: sender})
		a := h.tenant("acme")
		r := h.call(a.key, "GET", "/api/v1/push-key", nil)
		want(t, r, http.StatusOK)
		if got := r.json(t)["publicKey"]; got != sender.Keys.Public {
			t.Errorf("key = %v", got)
		}

		d := h.pushes.Subscribe("phone")
		body := map[string]any{"endpoint": d.Endpoint, "expirationTime": nil, "keys": map[string]string{"p256dh": d.P256dh, "auth": d.Auth},
			"userAgent": "Rapport for iOS"}
		r = h.call(a.key, "POST", "/api/v1/push-subscriptions", body)
		want(t, r, http.StatusCreated)
		if m := r.json(t); m["endpoint"] != d.Endpoint || m["userAgent"] != "Rapport for iOS" || m["id"] == nil || m["createdAt"] == nil {
			t.Errorf("created = %v", m)
		}
		ds, err := db.PushSubscriptions(ctx, rapport.Member(a.org, a.agent))
		if err != nil || len(ds) != 1 || ds[0].P256dh != d.P256dh {
			t.Fatalf("kept = %+v, %v", ds, err)
		}

		for field, b := range map[string]map[string]any{
			"keys.auth":   {"endpoint": d.Endpoint, "keys": map[string]string{"p256dh": d.P256dh, "auth": "c2hvcnQ"}},
			"keys.p256dh": {"endpoint": d.Endpoint, "keys": map[string]string{"p256dh": "BAAA", "auth": d.Auth}},
			"endpoint":    {"endpoint": "http://push.example.com/x", "keys": map[string]string{"p256dh": d.P256dh, "auth": d.Auth}},
		} {
			r = h.call(a.key, "POST", "/api/v1/push-subscriptions", b)
			if r.status != http.StatusBadRequest || r.errField() != field {
				t.Errorf("%s: %d %s", field, r.status, r.body)
			}
		}
		r = h.call(a.key, "POST", "/api/v1/push-subscriptions", map[string]any{"endpoint": d.Endpoint, "keys": body["keys"], "colour": "blue"})
		want(t, r, http.StatusBadRequest)

		r = h.call(a.key, "DELETE", "/api/v1/push-subscriptions", map[string]string{})
		if r.status != http.StatusBadRequest || r.errField() != "endpoint" {
			t.Errorf("no endpoint: %d %s", r.status, r.body)
		}
		want(t, h.call(a.key, "DELETE", "/api/v1/push-subscriptions", map[string]string{"endpoint": d.Endpoint}), http.StatusNoContent)
		want(t, h.call(a.key, "DELETE", "/api/v1/push-subscriptions", map[string]string{"endpoint": d.Endpoint}), http.StatusNotFound)

		// A server that sends no alerts says so.
		off := newHarness(t, db, clock, api.Options{})
		for _, r := range []reply{off.call(a.key, "GET", "/api/v1/push-key", nil), off.call(a.key, "POST", "/api/v1/push-subscriptions", body)} {
			if r.status != http.StatusNotFound {
				t.Errorf("alerts off: %d %s", r.status, r.body)
			}
		}
	})
}
