package web_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// chartBox is what the browser says about one chart.
type chartBox struct {
	Width, Height float64
	// Title and Desc are the chart's text alternative; Marks counts what
	// it draws (bars, cells) with a size.
	Title, Desc string
	Marks       int
}

// TestBrowserReviewOnAPhone opens the weekly review on a phone-sized
// screen: both charts draw at a size, carry their text alternative, and
// nothing pushes the page wider than the screen. It keeps a screenshot
// (in RAPPORT_TEST_SCREENSHOTS when set, else the test's temporary folder).
func TestBrowserReviewOnAPhone(t *testing.T) {
	bctx := browser(t)
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	hist := buildReviewHistory(t, h)
	h.clock.Set(at(time.November, 20, 12, 0)) // blocks set up the Friday before
	for _, b := range []rapport.CallBlock{{Weekday: time.Tuesday, Start: 17 * 60, End: 19 * 60}, {Weekday: time.Friday, Start: 9 * 60, End: 11 * 60}} {
		b.UserID = hist.o.agent.ID
		if err := h.db.AddCallBlock(ctx, rapport.Actor{Org: hist.o.org.ID}, &b); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Set(hist.now)

	run(t, bctx, chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(h.srv.URL+"/review"),
		signIn(hist.o.agent.Email),
		chromedp.WaitVisible(chromedp.CSS(".trend-chart")),
	)
	for sel, marks := range map[string]string{".trend-chart": "rect.bar", ".heat-chart": "rect.cell"} {
		box, err := chromedp.Run(bctx, chromedp.Evaluate[chartBox](`(() => {
			const svg = document.querySelector("`+sel+`"), r = svg.getBoundingClientRect();
			const sized = [...svg.querySelectorAll("`+marks+`")].filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0; });
			return {Width: r.width, Height: r.height, Title: svg.querySelector("title").textContent,
				Desc: svg.querySelector("desc").textContent, Marks: sized.length};
		})()`))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		if box.Width < 300 || box.Width > 390 || box.Height < 100 || box.Title == "" || box.Desc == "" {
			t.Errorf("%s: %+v", sel, box)
		}
		if want := map[string]int{".trend-chart": 2, ".heat-chart": 7 * 15}[sel]; box.Marks < want {
			t.Errorf("%s draws %d marks with a size, want at least %d", sel, box.Marks, want)
		}
	}
	width, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width > 390 {
		t.Errorf("the page is %d px wide on a 390 px screen", width)
	}
	if best := text(t, bctx, ".best"); best == "" {
		t.Error("no best windows listed")
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("RAPPORT_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "review-390.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the review at 390×844: %s", path)

	// The other Reports pages fit the phone too.
	for _, page := range []string{"/review/funnel", "/review/funnel?weeks=52", "/review/blocks", "/reports/speed-to-lead"} {
		run(t, bctx, chromedp.Navigate(h.srv.URL+page), chromedp.WaitVisible(chromedp.CSS(".subnav")))
		if width, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || width > 390 {
			t.Errorf("%s is %d px wide on a 390 px screen (%v)", page, width, err)
		}
	}
}
