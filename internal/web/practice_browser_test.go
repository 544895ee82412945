package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// drillResult is what the browser shows after a drill response.
type drillResult struct {
	Passed, Failed []string
	Heading        string
	Exemplars      string
	// Width is the page's scroll width: more than the screen means
	// something overflows.
	Width int
}

const readDrill = `(() => ({
	Passed: [...document.querySelectorAll(".check.pass")].map(e => e.dataset.check),
	Failed: [...document.querySelectorAll(".check.fail")].map(e => e.dataset.check),
	Heading: (document.querySelector(".feedback h2") || {}).textContent || "",
	Exemplars: (document.querySelector(".exemplars") || {}).textContent || "",
	Width: document.documentElement.scrollWidth,
}))()`

// TestBrowserDrillOnAPhone practises an objection on a phone-sized
// screen: a poor response shows the rules it missed, a good one every
// rule met and the playbook's answers, and nothing is wider than the
// screen. It keeps a screenshot (in RAPPORT_TEST_SCREENSHOTS when set,
// else the test's temporary folder).
func TestBrowserDrillOnAPhone(t *testing.T) {
	bctx := browser(t)
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	a := h.org("acme")

	run(t, bctx, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(h.srv.URL+"/practice/have-an-agent"),
		signIn(a.agent.Email),
		chromedp.WaitVisible(chromedp.CSS("#f-response")),
	)
	if said := text(t, bctx, ".objection-said"); !strings.Contains(said, "We already have an agent.") {
		t.Fatalf("objection shown = %q", said)
	}
	run(t, bctx,
		chromedp.SendKeys(chromedp.CSS("#f-response"), "Okay, but you should still compare agents. Would you meet me for coffee?"),
		chromedp.Click(chromedp.CSS(".drill-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".feedback")),
	)
	poor, err := chromedp.Run(bctx, chromedp.Evaluate[drillResult](readDrill))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(poor.Failed, ",") != "acknowledge,no_arguing,open_question" || strings.Join(poor.Passed, ",") != "short" {
		t.Errorf("poor response: passed %v, failed %v", poor.Passed, poor.Failed)
	}
	if !strings.Contains(poor.Heading, "1 of 4") || !strings.Contains(poor.Exemplars, "How did you two meet?") {
		t.Errorf("poor response: heading %q, exemplars %q", poor.Heading, poor.Exemplars)
	}
	if poor.Width > 390 {
		t.Errorf("the feedback page is %d px wide on a 390 px screen", poor.Width)
	}

	// Revise it: what was typed is still there to change.
	if v, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS("#f-response"))); err != nil || !strings.Contains(v, "compare agents") {
		t.Fatalf("the response was not kept: %q, %v", v, err)
	}
	run(t, bctx,
		chromedp.Clear(chromedp.CSS("#f-response")),
		chromedp.SendKeys(chromedp.CSS("#f-response"), "That makes sense; a good agent is worth keeping. What do they do that matters most to you?"),
		chromedp.Click(chromedp.CSS(".drill-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".feedback.good")),
	)
	good, err := chromedp.Run(bctx, chromedp.Evaluate[drillResult](readDrill))
	if err != nil {
		t.Fatal(err)
	}
	if len(good.Failed) != 0 || len(good.Passed) != 4 || !strings.Contains(good.Heading, "Every rule met") {
		t.Errorf("good response: passed %v, failed %v, heading %q", good.Passed, good.Failed, good.Heading)
	}
	for _, want := range []string{"Good for you; a trusted agent makes all the difference.", "Respecting the relationship they chose"} {
		if !strings.Contains(good.Exemplars, want) {
			t.Errorf("exemplars lack %q: %s", want, good.Exemplars)
		}
	}
	if good.Width > 390 {
		t.Errorf("the feedback page is %d px wide on a 390 px screen", good.Width)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("RAPPORT_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "drill-390.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of a drill at 390×844: %s", path)

	// The practice page and the playbook fit the phone too.
	for _, page := range []string{"/practice", "/playbook", "/playbook?audience=recruits"} {
		run(t, bctx, chromedp.Navigate(h.srv.URL+page), chromedp.WaitVisible(chromedp.CSS(".subnav")))
		if width, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || width > 390 {
			t.Errorf("%s is %d px wide on a 390 px screen (%v)", page, width, err)
		}
	}
}
