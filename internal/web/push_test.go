package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/push/pushtest"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/web"
)

func subscriptionJSON(d pushtest.Device) map[string]any {
	return map[string]any{"endpoint": d.Endpoint, "expirationTime": nil, "keys": map[string]string{"p256dh": d.P256dh, "auth": d.Auth}}
}

// TestPushSettings: a user turns alerts on for a device (the JSON a
// browser's subscription gives), sees it in settings, sends a test alert
// that the push service decrypts, loses a device whose subscription
// ended, and removes one.
func TestPushSettings(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		r := c.get("/settings")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Alerts on this device", "Turn on alerts on this device", "push.js", "No device of yours gets alerts yet.")

		r = c.get("/push/key")
		wantStatus(t, r, http.StatusOK)
		var key struct{ PublicKey string }
		if err := json.Unmarshal([]byte(r.body), &key); err != nil || key.PublicKey != testKeys().Public {
			t.Fatalf("key = %s, %v", r.body, err)
		}

		phone := h.pushes.Subscribe("phone")
		r = c.postJSON("/push/subscriptions", subscriptionJSON(phone))
		wantStatus(t, r, http.StatusCreated)
		r = c.get("/settings")
		wantBody(t, r, "Your devices", "A browser", "no alert yet", "Send a test alert", "Alerts are on for this device")

		// What is not a browser's subscription is refused, saying why.
		bad := subscriptionJSON(phone)
		bad["keys"] = map[string]string{"p256dh": phone.P256dh, "auth": "c2hvcnQ"}
		r = c.postJSON("/push/subscriptions", bad)
		wantStatus(t, r, http.StatusBadRequest)
		var e struct {
			Error  string
			Fields map[string]string
		}
		if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Fields["keys.auth"] == "" || e.Error == "" {
			t.Errorf("refusal = %s", r.body)
		}
		bad = subscriptionJSON(phone)
		bad["endpoint"] = "http://push.example.com/x"
		if r = c.postJSON("/push/subscriptions", bad); r.status != http.StatusBadRequest || !strings.Contains(r.body, "https") {
			t.Errorf("http endpoint: %d %s", r.status, r.body)
		}
		if r = c.post("/push/subscriptions", url.Values{"endpoint": {phone.Endpoint}}); r.status != http.StatusBadRequest {
			t.Errorf("a form: %d %s", r.status, r.body)
		}

		// A test alert reaches the device, signed and encrypted.
		r = c.post("/push/test", nil)
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Test alert", "Sent: it should show on the device")
		got := h.pushes.Received()
		if len(got) != 1 || got[0].Err != nil || got[0].Device != "phone" {
			t.Fatalf("pushes = %+v", got)
		}
		var msg map[string]string
		if err := json.Unmarshal(got[0].Payload, &msg); err != nil || msg["title"] != "Rapport test alert" || msg["url"] != "/settings#alerts" {
			t.Errorf("payload %s: %v", got[0].Payload, err)
		}
		if r = c.get("/settings"); !strings.Contains(r.body, "last alert") {
			t.Error("the delivery is not shown")
		}

		// A second device, whose push service then says it is gone.
		laptop := h.pushes.Subscribe("laptop")
		wantStatus(t, c.postJSON("/push/subscriptions", subscriptionJSON(laptop)), http.StatusCreated)
		h.pushes.Queue(pushtest.Answer{Status: http.StatusGone})
		r = c.post("/push/test", nil)
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "subscription has ended", "Sent: it should show")
		ds, err := h.db.PushSubscriptions(ctx, rapport.Member(a.org, a.agent))
		if err != nil || len(ds) != 1 {
			t.Fatalf("after a gone device: %+v, %v", ds, err)
		}

		// Removing the last device, from its button.
		r = c.post("/push/subscriptions/delete", url.Values{"endpoint": {ds[0].Endpoint}})
		wantStatus(t, r, http.StatusSeeOther)
		if r = c.get("/settings"); !strings.Contains(r.body, "That device gets no more alerts.") || !strings.Contains(r.body, "No device of yours") {
			t.Errorf("after removing:\n%s", r.body)
		}
		r = c.post("/push/test", nil)
		wantBody(t, r, "Turn alerts on for this device first.")
	})
}

// TestServiceWorker: /sw.js is a worker that imports the alerts' handlers
// by their current address.
func TestServiceWorker(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		r := h.client().get("/sw.js")
		wantStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") || r.header.Get("Cache-Control") != "no-cache" {
			t.Errorf("headers: %v", r.header)
		}
		m := regexp.MustCompile(`importScripts\("(/static/[0-9a-f]+/sw-push\.js)"\)`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("sw.js = %s", r.body)
		}
		r = h.client().get(m[1])
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, `addEventListener("push"`, `addEventListener("notificationclick"`)
	})
}

// TestPushOff: without a sender, settings offers no alerts and the
// routes say they are off.
func TestPushOff(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		app, err := web.New(web.Options{DB: h.db, Now: h.clock.Now, Logger: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		off := &harness{t: t, db: h.db, clock: h.clock, srv: httptest.NewServer(app), hash: h.hash}
		t.Cleanup(off.srv.Close)
		a := off.org("acme")
		c := off.signedIn(a.agent.Email)
		if r := c.get("/settings"); r.status != http.StatusOK || strings.Contains(r.body, "Alerts on this device") || strings.Contains(r.body, "push.js") {
			t.Errorf("settings with alerts off: %d", r.status)
		}
		for _, r := range []response{c.get("/push/key"), c.postJSON("/push/subscriptions", subscriptionJSON(h.pushes.Subscribe("x"))),
			c.post("/push/test", nil)} {
			if r.status != http.StatusNotFound || !strings.Contains(r.body, "Alerts are off on this server.") {
				t.Errorf("with alerts off: %d %s", r.status, r.body)
			}
		}
	})
}
