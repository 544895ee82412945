package web_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// browser starts headless Chromium for a test, or skips the test when
// there is none (unless RAPPORT_TEST_BROWSER=required, as in CI).
func browser(t *testing.T) context.Context {
	t.Helper()
	return browserFor(t, 60*time.Second)
}

// browserFor is browser for a test that needs longer than a minute.
func browserFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	path := os.Getenv("RAPPORT_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("RAPPORT_TEST_BROWSER") == "required" {
			t.Fatal("no Chromium found and RAPPORT_TEST_BROWSER=required")
		}
		t.Skip("browser test skipped: install Chromium (Debian: apt-get install chromium) to run it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(bctx, limit)
	t.Cleanup(func() { cancel(); cancelBrowser(); cancelAlloc() })
	return ctx
}

// signIn fills in the sign-in page the browser was sent to, as email.
func signIn(email string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS("#f-email")),
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
	)
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestBrowserLogLiveConversation signs in, opens Today, logs a live
// conversation with a passion fact and a two-week follow-up from the call
// screen, and finds both on the person's timeline. It then logs the next
// person's no-answer with one key press.
func TestBrowserLogLiveConversation(t *testing.T) {
	bctx := browser(t)
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	a := h.org("acme")
	for _, name := range []string{"Ben Okafor", "Maria Lopez"} {
		first, last, _ := strings.Cut(name, " ")
		p := &rapport.Person{FirstName: first, LastName: last, Kind: rapport.KindLead, OwnerID: a.agent.ID, Source: "Zillow",
			Phones: []rapport.Phone{{Number: "+1312555014" + strconv.Itoa(len(first))}}}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p); err != nil {
			t.Fatal(err)
		}
		clock.Advance(3 * time.Minute)
	}

	run(t, bctx, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(h.srv.URL+"/today"),
		signIn(a.agent.Email),
		chromedp.WaitVisible(chromedp.CSS(".slips")),
	)
	first := text(t, bctx, ".slip h2")
	if !strings.Contains(first, "Maria Lopez") {
		t.Fatalf("first on Today = %q, want the newest lead", first)
	}
	if reasons := text(t, bctx, ".slip .reasons"); !strings.Contains(reasons, "New lead from Zillow, 3 min ago") {
		t.Errorf("reason = %q", reasons)
	}

	clock.Advance(time.Minute)
	run(t, bctx,
		chromedp.Click(chromedp.CSS(`a[href="/call"]`)),
		chromedp.WaitVisible(chromedp.CSS(".call-form")),
	)
	if name := text(t, bctx, ".call-head h1"); name != "Maria Lopez" {
		t.Fatalf("call screen opened on %q", name)
	}
	if shown, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.querySelector(".call-form button[disabled]").offsetParent !== null`)); err != nil || shown {
		t.Errorf("the form's guard button is visible (%v)", err)
	}
	run(t, bctx,
		chromedp.SendKeys(chromedp.CSS("#f-notes"), "Relocating from Denver for a hospital job; loves the lake."),
		chromedp.SendKeys(chromedp.CSS("#fact-text-0"), "Sails on Lake Michigan every summer"),
		chromedp.Click(chromedp.CSS(`input[name="due"][value="2w"] + span`)),
		// Enter in a field must not log the call as anything.
		chromedp.SendKeys(chromedp.CSS("#f-fu_note"), "coffee at the marina"+kb.Enter),
		chromedp.Sleep(300*time.Millisecond),
	)
	if v, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS("#fact-text-0"))); err != nil || v != "Sails on Lake Michigan every summer" {
		t.Fatalf("after Enter the form changed: fact = %q, %v", v, err)
	}
	run(t, bctx,
		chromedp.Click(chromedp.CSS(`button[value="live"]`)),
		chromedp.WaitVisible(chromedp.CSS(".reflect-form")),
	)
	if flash := text(t, bctx, ".flash"); !strings.Contains(flash, "Logged live conversation with Maria Lopez") {
		t.Fatalf("flash = %q", flash)
	}
	// A live conversation offers a moment of reflection; one key skips it
	// and the session moves on to the next person, where one key logs a
	// no-answer.
	run(t, bctx, chromedp.KeyEvent("s"), chromedp.WaitVisible(chromedp.CSS(".call-head h1")))
	if name := text(t, bctx, ".call-head h1"); name != "Ben Okafor" {
		t.Fatalf("next person = %q", name)
	}
	run(t, bctx, chromedp.KeyEvent("n"), chromedp.WaitVisible(chromedp.CSS(".call-done")))
	if flash := text(t, bctx, ".flash"); !strings.Contains(flash, "Logged no answer with Ben Okafor") {
		t.Fatalf("flash after key press = %q", flash)
	}

	// Find the conversation, the fact and the follow-up on Maria's timeline.
	run(t, bctx, chromedp.Navigate(h.srv.URL+"/people?q=maria"), chromedp.WaitVisible(chromedp.CSS(".person-link")),
		chromedp.Click(chromedp.CSS(".person-link")), chromedp.WaitVisible(chromedp.CSS(".timeline")))
	timeline := text(t, bctx, ".timeline")
	due := rapport.DayOf(monday, mustLoc("America/Chicago")).AddDays(14).Format("Mon 2 Jan")
	for _, want := range []string{"live conversation", "relocating from denver", "passion sails on lake michigan every summer",
		"next: call: coffee at the marina · due " + strings.ToLower(due)} {
		if !strings.Contains(strings.ToLower(timeline), want) {
			t.Errorf("timeline lacks %q:\n%s", want, timeline)
		}
	}
	if story := text(t, bctx, "#story"); !strings.Contains(story, "Sails on Lake Michigan") {
		t.Errorf("story lacks the passion: %s", story)
	}
	if fus := text(t, bctx, "#followups"); !strings.Contains(fus, "coffee at the marina") || !strings.Contains(fus, "due "+due) {
		t.Errorf("follow-ups = %s", fus)
	}
}
