package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// domCheck is what a page built from hostile values looks like to a
// browser.
type domCheck struct {
	// Injected counts elements the values would have made, were they
	// markup: images from "x" and scripts that are not ours.
	Injected int
	Heading  string
	Notes    string
}

const readDOM = `(() => ({
	Injected: document.querySelectorAll('img[src="x"], script:not([src]), [onerror], [onclick]').length,
	Heading: ((document.querySelector(".slip h2, .person-head h1") || {}).textContent || "").trim(),
	Notes: ((document.querySelector(".notes") || {}).textContent || ""),
}))()`

// TestBrowserHostileValuesStayText opens Today and a person page built
// from hostile values in a real browser: the values read back as the text
// typed, and make no element.
func TestBrowserHostileValuesStayText(t *testing.T) {
	bctx := browser(t)
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	a := h.org("acme")
	notes := xssScript + "\n" + xssAttr + "\n" + xssTmpl
	eve := &rapport.Person{FirstName: "Eve" + xssScript, LastName: xssAttr, Kind: rapport.KindLead, OwnerID: a.agent.ID,
		Notes: notes, Phones: []rapport.Phone{{Number: "+13125550199"}}}
	if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), eve); err != nil {
		t.Fatal(err)
	}
	run(t, bctx,
		chromedp.Navigate(h.srv.URL+"/today"),
		signIn(a.agent.Email),
		chromedp.WaitVisible(chromedp.CSS(".slips")),
	)
	for _, path := range []string{"/today", "/people/" + strconv.FormatInt(eve.ID, 10)} {
		run(t, bctx, chromedp.Navigate(h.srv.URL+path), chromedp.WaitVisible(chromedp.CSS("main")))
		got, err := chromedp.Run(bctx, chromedp.Evaluate[domCheck](readDOM))
		if err != nil {
			t.Fatal(err)
		}
		if got.Injected != 0 {
			t.Errorf("%s: %d elements made from the values", path, got.Injected)
		}
		if want := eve.FirstName + " " + eve.LastName; got.Heading != want {
			t.Errorf("%s: heading %q, want %q", path, got.Heading, want)
		}
		if path != "/today" && strings.TrimSpace(got.Notes) != notes {
			t.Errorf("%s: notes %q", path, got.Notes)
		}
	}
}
