package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/web"
)

// TestBrowserTypedOwnerFilter: on a phone, in a team too large for a list
// of everyone, typing the start of a name into the owner filter offers
// the team members it fits (the page's script asks /team/suggest), and
// the one chosen filters the list.
func TestBrowserTypedOwnerFilter(t *testing.T) {
	defer web.SetTeamSelectMax(2)()
	bctx := browser(t)
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	a := h.org("acme")
	for _, p := range []*rapport.Person{
		{FirstName: "Olga", LastName: "Owned", Kind: rapport.KindLead, OwnerID: a.agent.ID},
		{FirstName: "Nina", LastName: "Nobody", Kind: rapport.KindLead, OwnerID: a.owner.ID},
	} {
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.owner), p); err != nil {
			t.Fatal(err)
		}
	}
	label := "Agent acme <agent@acme.test>"
	run(t, bctx, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(h.srv.URL+"/people"),
		signIn(a.owner.Email),
		chromedp.WaitVisible(chromedp.CSS(".more-filters summary")),
		chromedp.Click(chromedp.CSS(".more-filters summary")),
		chromedp.WaitVisible(chromedp.CSS("input#f-owner")),
		chromedp.SendKeys(chromedp.CSS("#f-owner"), "ag"),
		chromedp.WaitReady(chromedp.CSS(`#f-owner-team option[value="`+label+`"]`)),
	)
	offered, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#f-owner-team option")].map(o => o.value)`))
	if err != nil || strings.Join(offered, "|") != label {
		t.Fatalf("offered %q (%v)", offered, err)
	}
	run(t, bctx,
		chromedp.SetValue(chromedp.CSS("#f-owner"), label),
		chromedp.Click(chromedp.CSS("form.filters > button[type=submit]")),
		// The page that comes back names the agent in the field's markup.
		chromedp.WaitReady(chromedp.CSS(`input#f-owner[value="`+label+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(".people-list")),
	)
	listed := text(t, bctx, ".people-list")
	if !strings.Contains(listed, "Olga Owned") || strings.Contains(listed, "Nina Nobody") {
		t.Errorf("filtered by the agent, the list shows %q", listed)
	}
	if v, err := chromedp.Run(bctx, chromedp.Value(chromedp.CSS("#f-owner"))); err != nil || v != label {
		t.Errorf("the owner field shows %q (%v)", v, err)
	}
	if width, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || width > 390 {
		t.Errorf("the people page is %d px wide on a 390 px screen (%v)", width, err)
	}
}
