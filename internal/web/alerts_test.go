package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestAlertSettingsForgotAndUnsubscribe(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		wantBody(t, c.get("/settings"), `id="alert-choices"`, "A new lead is mine", "Daily agenda by email at")
		bad := c.post("/settings/alerts", url.Values{"email": {"new_lead"}, "quiet_from": {"21:00"}, "quiet_to": {"21:00"}, "agenda_hour": {"7"}})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantBody(t, bad, "Quiet hours end at another time than they start.")
		ok := c.post("/settings/alerts", url.Values{"email": {"new_lead", "agenda"}, "push": {"promise_due"}, "quiet_from": {"21:00"},
			"quiet_to": {"07:00"}, "agenda_hour": {"6"}})
		wantStatus(t, ok, http.StatusSeeOther)
		u, err := h.db.User(ctx, rapport.Member(a.org, a.agent), a.agent.ID)
		if err != nil || u.AlertEmail != "new_lead,agenda" || u.AlertPush != "promise_due" || u.QuietFrom != "21:00" || u.AgendaHour != 6 {
			t.Fatalf("saved alerts: %+v %v", u, err)
		}

		// Forgotten password: the same answer for anyone; a message for the agent.
		anon := h.client()
		wantBody(t, anon.get("/signin"), `href="/forgot"`)
		for _, email := range []string{"nobody@acme.test", a.agent.Email} {
			res := anon.post("/forgot", url.Values{"email": {email}})
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Check your email")
		}
		// Asking again and again from one address is refused for a while.
		for range 3 {
			wantStatus(t, anon.post("/forgot", url.Values{"email": {"x@acme.test"}}), http.StatusOK)
		}
		wantStatus(t, anon.post("/forgot", url.Values{"email": {a.agent.Email}}), http.StatusTooManyRequests)
		msgs, err := h.db.Outbox(ctx, rapport.Member(a.org, a.owner), store.OutboxPending, 10)
		if err != nil || len(msgs) != 1 || msgs[0].Kind != rapport.AlertPasswordReset || msgs[0].UserID != a.agent.ID {
			t.Fatalf("outbox after forgot = %+v, %v", msgs, err)
		}
		wantStatus(t, c.get("/settings/messages"), http.StatusForbidden)
		wantBody(t, h.signedIn(a.owner.Email).get("/settings/messages"), "Messages Rapport sends", "Password reset")

		// One-click unsubscribe, as a mail client posts it (no session, no origin).
		u, _ = h.db.User(ctx, rapport.Member(a.org, a.agent), a.agent.ID)
		link := "/unsubscribe/" + u.AlertToken + "/agenda"
		wantBody(t, anon.get(link), "Stop these emails?")
		req, _ := http.NewRequest(http.MethodPost, h.srv.URL+link, strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res := anon.do(req)
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Unsubscribed")
		if u, _ = h.db.User(ctx, rapport.Member(a.org, a.agent), a.agent.ID); u.Wants(rapport.AlertEmail, rapport.AlertAgenda) {
			t.Error("still subscribed to the agenda")
		}
	})
}

func TestPondClaimAndDuty(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		owner := rapport.Member(a.org, a.owner)
		org := *a.org
		org.ClaimMinutes, org.ClaimTo = 5, rapport.ClaimPond
		if err := h.db.UpdateOrg(ctx, owner, &org); err != nil {
			t.Fatal(err)
		}
		res, err := h.db.RecordEvent(ctx, owner, &store.EventInput{Event: rapport.Event{DedupeKey: "z1", Type: "Inquiry", Source: "Zillow"},
			Person: rapport.Person{FirstName: "Pia", LastName: "Pond"}})
		if err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(6 * time.Minute)
		if n, err := h.db.SweepClaims(ctx, h.clock.Now()); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		c := h.signedIn(a.agent.Email)
		wantBody(t, c.get("/today"), "Up for grabs", "Pia Pond")
		claim := c.post("/pond/"+strconv.FormatInt(res.Person.ID, 10)+"/claim", nil)
		wantStatus(t, claim, http.StatusSeeOther)
		if claim.location != "/call/"+strconv.FormatInt(res.Person.ID, 10) {
			t.Errorf("claim went to %q", claim.location)
		}
		if p, _ := h.db.Person(ctx, owner, res.Person.ID); p.OwnerID != a.agent.ID {
			t.Errorf("owner after claim = %d", p.OwnerID)
		}
		// Claimed already: the manager is told so on Today.
		m := h.signedIn(a.manager.Email)
		again := m.post("/pond/"+strconv.FormatInt(res.Person.ID, 10)+"/claim", nil)
		wantStatus(t, again, http.StatusSeeOther)
		wantBody(t, m.get("/today"), "Someone else claimed this lead first.")
		wantBody(t, h.signedIn(a.owner.Email).get("/reports/speed-to-lead"), "Hand-overs", "not attempted within 5 minutes", "claimed from the pond")

		wantStatus(t, c.post("/today/duty", url.Values{"off": {"1"}}), http.StatusSeeOther)
		wantBody(t, c.get("/today"), "off duty")
		if u, _ := h.db.User(ctx, owner, a.agent.ID); !u.Paused() {
			t.Error("not off duty")
		}
		wantStatus(t, c.post("/today/duty", url.Values{"off": {"0"}}), http.StatusSeeOther)
		if u, _ := h.db.User(ctx, owner, a.agent.ID); u.Paused() {
			t.Error("still off duty")
		}
	})
}

// TestBrowserLiveToday opens Today in Chromium and routes a new lead to
// its user: the page shows them within two seconds, without a reload.
func TestBrowserLiveToday(t *testing.T) {
	bctx := browser(t)
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	t.Cleanup(h.app.EndStreams) // before the server closes: the page's stream is open
	a := h.org("acme")
	run(t, bctx, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(h.srv.URL+"/today"),
		signIn(a.agent.Email),
		chromedp.WaitVisible(chromedp.CSS("#live")),
		chromedp.Evaluate[chromedp.Void](`window.__marker = 1`),
		chromedp.Sleep(300*time.Millisecond), // the stream opens
	)
	start := time.Now()
	if _, err := h.db.RecordEvent(ctx, rapport.Member(a.org, a.owner), &store.EventInput{Event: rapport.Event{DedupeKey: "live-1", Type: "Inquiry", Source: "Zillow"},
		Person: rapport.Person{FirstName: "Lena", LastName: "Live", Phones: []rapport.Phone{{Number: "+13125550199"}}}}); err != nil {
		t.Fatal(err)
	}
	wait, cancel := contextWithTimeout(bctx, 2*time.Second)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.WaitVisible(chromedp.CSS(".live-note:not([hidden])"))); err != nil {
		t.Fatalf("the new lead did not show within 2 s: %v", err)
	}
	t.Logf("new lead on the open Today page %v after it was routed", time.Since(start).Round(time.Millisecond))
	if note := text(t, bctx, ".live-note"); !strings.Contains(note, "Lena Live") {
		t.Errorf("note = %q", note)
	}
	if first := text(t, bctx, ".slip h2"); !strings.Contains(first, "Lena Live") {
		t.Errorf("Today's first = %q", first)
	}
	if same, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`window.__marker === 1`)); err != nil || !same {
		t.Errorf("the page reloaded (%v)", err)
	}
	// The tone is the user's to switch off, and stays off.
	run(t, bctx, chromedp.Click(chromedp.CSS("#live-sound")))
	if v, err := chromedp.Run(bctx, chromedp.Evaluate[string](`localStorage.getItem("rapport.liveSound")`)); err != nil || v != "off" {
		t.Errorf("sound setting = %q, %v", v, err)
	}
}

func contextWithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, d)
}

// TestLiveStreamsAreBounded: one user holds at most a few live streams;
// past them the answer is 429, and a closed one frees its place.
func TestLiveStreamsAreBounded(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		t.Cleanup(h.app.EndStreams)
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		open := func() (*http.Response, context.CancelFunc) {
			rctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(rctx, http.MethodGet, h.srv.URL+"/today/live", nil)
			req.Header.Set("Accept", "text/event-stream")
			res, err := c.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			return res, cancel
		}
		var cancels []context.CancelFunc
		defer func() {
			for _, c := range cancels {
				c()
			}
		}()
		for i := range 8 {
			res, cancel := open()
			cancels = append(cancels, cancel)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("stream %d: %d %s", i, res.StatusCode, res.Header.Get("Content-Type"))
			}
		}
		res, cancel := open()
		cancel()
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("ninth stream: %d", res.StatusCode)
		}
		cancels[0]()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			res, cancel := open()
			cancels = append(cancels, cancel)
			if res.StatusCode == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a closed stream's place was not freed: %d", res.StatusCode)
			}
		}
	})
}
