package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/web"
)

// signal is a server's connection to the world: with it off, every
// request (the page's and the service worker's alike) is cut without an
// answer, as when a phone has no signal.
type signal struct{ off atomic.Bool }

func (s *signal) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.off.Load() {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		next.ServeHTTP(w, r)
	})
}

// newSignalHarness is newHarness behind a signal that the test can cut.
func newSignalHarness(t *testing.T, db *store.DB, clock *storetest.Clock) (*harness, *signal) {
	t.Helper()
	app, err := web.New(web.Options{DB: db, Now: clock.Now, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	sig := &signal{}
	h := &harness{t: t, db: db, clock: clock, srv: httptest.NewServer(sig.wrap(app))}
	t.Cleanup(h.srv.Close)
	if h.hash, err = auth.HashPassword(password); err != nil {
		t.Fatal(err)
	}
	return h, sig
}

// offline switches the browser's network off or on: navigator.onLine and
// its events for the pages, and the requests of the pages and of the
// service worker; the server's signal goes with it, so that nothing can
// get through whatever the browser emulates.
func offline(t *testing.T, ctx context.Context, sig *signal, off bool) {
	t.Helper()
	sig.off.Store(off)
	conds := []*network.Conditions{}
	if off {
		conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	}
	run(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		yes := true
		if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &yes, MatchedNetworkConditions: conds}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
			Offline: off, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitFor polls js until it is true, across navigations (a poll does not
// survive one, so it starts again on the next page).
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserOffline is the phone without signal. Signed in, Today opened
// online is kept, with the call screens and log forms of everyone on it.
// With the signal gone, Today opens from the phone with its age; a
// no-answer and a live conversation with a fact are logged on the saved
// log form and wait in the queue. Meanwhile the owner moves the person
// on. With the signal back the queue is sent: both conversations and the
// fact are on the timeline once, the user is told of the move, and
// sending the same queue again logs nothing more.
func TestBrowserOffline(t *testing.T) {
	bctx := browser(t)
	start := time.Now()
	clock := storetest.NewClock(monday)
	h, sig := newSignalHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	a := h.org("acme")
	dana := &rapport.Person{FirstName: "Dana", LastName: "Whit", Kind: rapport.KindLead, OwnerID: a.agent.ID, Source: "Zillow",
		Phones: []rapport.Phone{{Number: "+13125550142"}}}
	if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), dana); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)

	run(t, bctx, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(h.srv.URL+"/today"),
		signIn(a.agent.Email),
		chromedp.WaitVisible(chromedp.CSS(".slips")),
	)
	// Installable: the manifest parses without errors, with its icons, and
	// the service worker controls the page.
	waitFor(t, bctx, "the service worker", `navigator.serviceWorker.controller !== null`)
	man, err := chromedp.Run(bctx, func(ctx context.Context, _ *chromedp.Target) (page.GetAppManifestResult, error) {
		return chromedp.Call(ctx, page.GetAppManifest, page.GetAppManifestParams{})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(man.Errors) != 0 || !strings.HasSuffix(man.URL, "/manifest.webmanifest") || man.Manifest == nil || len(man.Manifest.Icons) != 3 {
		t.Fatalf("manifest: url %q, errors %+v, manifest %+v", man.URL, man.Errors, man.Manifest)
	}
	for _, ic := range man.Manifest.Icons {
		r := h.client().get(strings.TrimPrefix(ic.URL, h.srv.URL))
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
			t.Errorf("icon %s: %d %s", ic.URL, r.status, r.header.Get("Content-Type"))
		}
	}
	inst, err := chromedp.Run(bctx, func(ctx context.Context, _ *chromedp.Target) (page.GetInstallabilityErrorsResult, error) {
		return chromedp.Call(ctx, page.GetInstallabilityErrors, struct{}{})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inst.InstallabilityErrors {
		t.Errorf("installability: %s %+v", e.ErrorID, e.ErrorArguments)
	}

	logURL := fmt.Sprintf("/people/%d/log", dana.ID)
	waitFor(t, bctx, "the log form to be kept", fmt.Sprintf(`caches.open("rapport-pages").then(c => c.match(%q)).then(r => !!r)`, logURL))
	// Today itself is kept by the worker after it answered; on a loaded
	// machine that can come after the log form.
	waitFor(t, bctx, "Today to be kept", `caches.open("rapport-pages").then(c => c.match("/today")).then(r => !!r)`)
	t.Logf("online part: %v", time.Since(start))

	offlineAt := time.Now()
	offline(t, bctx, sig, true)
	run(t, bctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".offline-banner")))
	if b := text(t, bctx, ".offline-banner"); !strings.Contains(b, "Saved") || !strings.Contains(b, "you are offline") {
		t.Fatalf("banner = %q", b)
	}
	if s := text(t, bctx, ".slip h2"); s != "Dana Whit" {
		t.Fatalf("saved Today shows %q", s)
	}
	// The saved page is not the server's: the server saw nothing.
	if r, err := http.Get(h.srv.URL + "/healthz"); err == nil {
		r.Body.Close()
		t.Fatal("the server answered while the signal was off")
	}

	// A no-answer, then a live conversation with a fact.
	run(t, bctx, chromedp.Navigate(h.srv.URL+logURL), chromedp.WaitVisible(chromedp.CSS("form.log")),
		chromedp.Click(chromedp.CSS(`input[name="outcome"][value="no_answer"] + span`)),
		chromedp.Click(chromedp.CSS(`form.log button[type="submit"]`)),
	)
	waitFor(t, bctx, "one queued", `location.pathname === "/today" && document.querySelectorAll(".offline-queue .queued li").length === 1`)
	run(t, bctx, chromedp.Navigate(h.srv.URL+logURL), chromedp.WaitVisible(chromedp.CSS("form.log")),
		chromedp.Click(chromedp.CSS(`input[name="outcome"][value="live"] + span`)),
		chromedp.SendKeys(chromedp.CSS("#f-notes"), "Back from the lake; wants a place near the water."),
		chromedp.SendKeys(chromedp.CSS("#fact-text-0"), "Sails every summer"),
		chromedp.Click(chromedp.CSS(`form.log button[type="submit"]`)),
	)
	waitFor(t, bctx, "two queued", `location.pathname === "/today" && document.querySelectorAll(".offline-queue .queued li").length === 2`)
	if q := text(t, bctx, ".offline-queue"); !strings.Contains(q, "2 conversations waiting to be sent") || !strings.Contains(q, "No answer with Dana Whit") ||
		!strings.Contains(q, "Live conversation with Dana Whit") {
		t.Fatalf("queue shows %q", q)
	}
	saved := eval[string](t, bctx, `RapportOffline.queue().then(q => JSON.stringify(q))`)
	if n := len(offlineLogs(t, h, a, dana.ID)); n != 0 {
		t.Fatalf("%d conversations logged without signal", n)
	}

	// Meanwhile the owner moves Dana on.
	clock.Advance(time.Minute)
	stage := stageID(t, h, a, rapport.StageUnderContract)
	if err := h.db.SetStage(ctx, rapport.Member(a.org, a.owner), dana.ID, stage, "signed"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	t.Logf("offline part: %v", time.Since(offlineAt))

	onlineAt := time.Now()
	offline(t, bctx, sig, false)
	waitFor(t, bctx, "the queue to be sent", `RapportOffline.queue().then(q => q.length === 0)`)
	t.Logf("queue sent %v after the signal came back", time.Since(onlineAt))
	run(t, bctx, chromedp.Evaluate[chromedp.Void](`RapportOffline.render()`, chromedp.EvalAwaitPromise),
		chromedp.WaitVisible(chromedp.CSS(".offline-conflict")))
	if c := text(t, bctx, ".offline-conflict"); !strings.Contains(c, "While you were offline: Dana Whit was moved to Under contract by Owner acme.") {
		t.Errorf("conflict shown = %q", c)
	}

	check := func(when string) {
		t.Helper()
		cs := offlineLogs(t, h, a, dana.ID)
		var outcomes []string
		for _, c := range cs {
			outcomes = append(outcomes, string(c.Outcome))
			if c.IdempotencyKey == "" || c.UserID != a.agent.ID {
				t.Errorf("%s: conversation %+v", when, c)
			}
		}
		if strings.Join(outcomes, ",") != "live,no_answer" {
			t.Fatalf("%s: conversations %v, want one live and one no answer", when, outcomes)
		}
		facts, err := h.db.Facts(ctx, rapport.Actor{Org: a.org.ID}, dana.ID)
		if err != nil || len(facts) != 1 || facts[0].Text != "Sails every summer" || facts[0].ConversationID != cs[0].ID {
			t.Fatalf("%s: facts %+v (%v)", when, facts, err)
		}
		items, err := h.db.Timeline(ctx, rapport.Actor{Org: a.org.ID}, dana.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, it := range items {
			if it.Kind == store.TimelineConversation {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("%s: %d conversations on the timeline", when, n)
		}
	}
	check("after sending")

	// The same queue again (an answer lost on the way): nothing more.
	sent := eval[float64](t, bctx, `Promise.all(JSON.parse(`+jsString(saved)+`).map(RapportOffline.put)).then(() => RapportOffline.flush(null))`)
	if sent != 2 {
		t.Fatalf("replayed %v logs, want 2 answered", sent)
	}
	check("after sending again")
	notices := eval[string](t, bctx, `RapportOffline.notices().then(ns => ns.map(n => n.text).join("\n"))`)
	if strings.Count(notices, "Already logged") != 2 {
		t.Errorf("notices after the replay:\n%s", notices)
	}
	t.Logf("whole test: %v", time.Since(start))
}

func jsString(s string) string {
	return "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`", "${", "\\${").Replace(s) + "`"
}

func offlineLogs(t *testing.T, h *harness, a *orgFixture, personID int64) []rapport.Conversation {
	t.Helper()
	cs, _, err := h.db.Conversations(ctx, rapport.Actor{Org: a.org.ID}, store.ConversationFilter{PersonID: personID})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func stageID(t *testing.T, h *harness, a *orgFixture, key string) int64 {
	t.Helper()
	ps, err := h.db.Pipelines(ctx, rapport.Actor{Org: a.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		for _, s := range p.Stages {
			if s.Key == key {
				return s.ID
			}
		}
	}
	t.Fatalf("no stage %s", key)
	return 0
}
