package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestBrowserPushAlerts: in Chromium, a user allows notifications and
// turns alerts on from settings: the service worker registers, and the
// subscription reaches Rapport, or, where the browser has no push service
// (headless Chromium has none), the page says so plainly. A subscription
// posted from the page with its session then gets "Send a test alert",
// which the test push service receives and decrypts.
func TestBrowserPushAlerts(t *testing.T) {
	bctx := browser(t)
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	a := h.org("acme")
	agent := rapport.Member(a.org, a.agent)

	run(t, bctx, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(h.srv.URL+"/settings"),
		signIn(a.agent.Email),
		chromedp.WaitVisible(chromedp.CSS("#alerts")),
	)
	if _, err := chromedp.CallBrowser(bctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: h.srv.URL}); err != nil {
		t.Fatal(err)
	}
	// A browser without a push service may never answer the page's
	// subscribing (this headless Chromium does not): the page gives up
	// sooner than its 15 seconds here.
	eval[string](t, bctx, `document.getElementById("alerts").dataset.timeout = "3000"`)
	run(t, bctx, chromedp.WaitVisible(chromedp.CSS("#push-on")), chromedp.Click(chromedp.CSS("#push-on")))

	// Either the subscription is kept, or the page says why not.
	var said string
	deadline := time.Now().Add(15 * time.Second)
	for {
		ds, err := h.db.PushSubscriptions(ctx, agent)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) > 0 {
			t.Logf("this Chromium has a push service: subscribed at %s", ds[0].Endpoint)
			break
		}
		said, _ = chromedp.Run(bctx, chromedp.Evaluate[string](`(document.getElementById("push-status") || {}).textContent || ""`))
		if said != "" && !strings.HasSuffix(said, "…") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("neither subscribed nor told why; the page says %q", said)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if said != "" {
		if !strings.Contains(said, "no push service") {
			t.Fatalf("the page says %q", said)
		}
		if cls := eval[string](t, bctx, `document.getElementById("push-status").className`); !strings.Contains(cls, "failed") {
			t.Errorf("the message is not shown as a failure: %q", cls)
		}
	}
	if !eval[bool](t, bctx, `navigator.serviceWorker.getRegistration("/").then(r => !!r && r.scope === location.origin + "/")`) {
		t.Fatal("no service worker registered at /")
	}

	// A device of the test push service, posted by the page as push.js
	// posts a subscription.
	d := h.pushes.Subscribe("injected")
	body, _ := json.Marshal(subscriptionJSON(d))
	status := eval[int](t, bctx, fmt.Sprintf(`fetch("/push/subscriptions", {method: "POST", credentials: "same-origin",
		headers: {"Content-Type": "application/json"}, body: %q}).then(r => r.status)`, body))
	if status != 201 {
		t.Fatalf("posting the subscription: %d", status)
	}
	run(t, bctx, chromedp.Navigate(h.srv.URL+"/settings"), chromedp.WaitVisible(chromedp.CSS("#push-test")),
		chromedp.Click(chromedp.CSS("#push-test")), chromedp.WaitVisible(chromedp.CSS(".push-results")))
	if got := text(t, bctx, ".push-results"); !strings.Contains(got, "Sent: it should show on the device") {
		t.Errorf("results: %s", got)
	}
	var reached bool
	for _, p := range h.pushes.Received() {
		if p.Device == "injected" {
			var msg map[string]string
			if p.Err != nil || json.Unmarshal(p.Payload, &msg) != nil || msg["title"] != "Rapport test alert" {
				t.Errorf("the test alert arrived as %+v (%s)", p, p.Payload)
			}
			reached = true
		}
	}
	if !reached {
		t.Fatal("the test alert did not reach the push service")
	}
}

// TestBrowserServiceWorkerShowsPush: a push delivered to the service
// worker (through DevTools, as a push service would) shows as a
// notification with its title, body and page.
func TestBrowserServiceWorkerShowsPush(t *testing.T) {
	bctx := browser(t)
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	a := h.org("acme")
	run(t, bctx,
		chromedp.Navigate(h.srv.URL+"/settings"),
		signIn(a.agent.Email),
		chromedp.WaitVisible(chromedp.CSS("#alerts")),
	)
	if _, err := chromedp.CallBrowser(bctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "notifications"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: h.srv.URL}); err != nil {
		t.Fatal(err)
	}
	// push.js registers the worker as the page loads.
	if !eval[bool](t, bctx, `navigator.serviceWorker.ready.then(r => !!r.active)`) {
		t.Fatal("the service worker is not active")
	}

	id := runningWorker(t, bctx, h.srv.URL)
	shown := deliverPush(t, bctx, h.srv.URL, id, `{"title":"New lead: Maria Lopez","body":"From Zillow, 2 min ago","url":"/people/12","tag":"lead-12"}`, "lead-12")
	if want := "New lead: Maria Lopez | From Zillow, 2 min ago | lead-12 | " + h.srv.URL + "/people/12"; shown != want {
		t.Fatalf("notifications shown: %q, want %q", shown, want)
	}
	// A push naming another site's page opens this site's Today instead;
	// one that is not JSON shows its text under Rapport's name.
	shown = deliverPush(t, bctx, h.srv.URL, id, `{"title":"Elsewhere","url":"https://evil.example/x","tag":"other"}`, "other")
	if want := "Elsewhere |  | other | " + h.srv.URL + "/today"; shown != want {
		t.Errorf("another site's page: %q, want %q", shown, want)
	}
	eval[bool](t, bctx, `navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => { ns.forEach(n => n.close()); return true })`)
	shown = deliverPush(t, bctx, h.srv.URL, id, `plain words`, "")
	if shown != "Rapport | plain words |  | "+h.srv.URL+"/today" {
		t.Errorf("a push that is not JSON: %q", shown)
	}
}

// deliverPush hands data to the service worker as a push and returns the
// notifications it shows with the tag (title | body | tag | page, one a
// line). DevTools sometimes loses the first pushes to a worker just
// started, so the push goes again until it shows: one with a tag replaces
// its own earlier copy.
func deliverPush(t *testing.T, bctx context.Context, origin string, id serviceworker.RegistrationID, data, tag string) string {
	t.Helper()
	for try := 0; try < 10; try++ {
		if _, err := chromedp.Call(bctx, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
			Origin: origin, RegistrationID: id, Data: data}); err != nil {
			t.Fatal(err)
		}
		for range 10 {
			shown := eval[string](t, bctx, fmt.Sprintf(`navigator.serviceWorker.ready.then(r => r.getNotifications({tag: %q})).then(ns =>
				ns.map(n => [n.title, n.body, n.tag, n.data && n.data.url].join(" | ")).join("\n"))`, tag))
			if shown != "" {
				return shown
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	t.Fatalf("the push %s showed no notification", data)
	return ""
}

// runningWorker waits for the origin's service worker to be activated and
// running (starting it when it is not) and returns its registration, to
// which DevTools delivers pushes: a push sent to a worker still starting
// may be lost.
func runningWorker(t *testing.T, bctx context.Context, origin string) serviceworker.RegistrationID {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, 10*time.Second)
	defer cancel()
	events := make(chan any, 64)
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev.(type) {
		case *serviceworker.EventWorkerRegistrationUpdated, *serviceworker.EventWorkerVersionUpdated:
			select {
			case events <- ev:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(bctx, serviceworker.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	var id serviceworker.RegistrationID
	running, started := false, false
	for id == "" || !running {
		select {
		case ev := <-events:
			switch e := ev.(type) {
			case *serviceworker.EventWorkerRegistrationUpdated:
				for _, r := range e.Registrations {
					if r.ScopeURL == origin+"/" && !r.IsDeleted {
						id = r.RegistrationID
					}
				}
			case *serviceworker.EventWorkerVersionUpdated:
				for _, v := range e.Versions {
					if v.RegistrationID == id || id == "" {
						running = v.Status == serviceworker.VersionStatusActivated && v.RunningStatus == serviceworker.VersionRunningStatusRunning
					}
				}
			}
		case <-ctx.Done():
			t.Fatalf("no running service worker for %s (registration %q)", origin, id)
		}
		if id != "" && !running && !started {
			if _, err := chromedp.Call(bctx, serviceworker.StartWorker, serviceworker.StartWorkerParams{ScopeURL: origin + "/"}); err != nil {
				t.Fatal(err)
			}
			started = true
		}
	}
	return id
}
