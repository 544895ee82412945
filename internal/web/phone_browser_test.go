package web_test

import (
	"context"
	"mime"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The phone: every page a signed-in user can open, at 390×844 (a common
// phone's CSS pixels), over the demo brokerage, must fit the screen and be
// usable with a thumb.

// phoneSkips are the GET routes that are not pages, each with why it is
// not looked at. A GET route that answers something other than HTML and
// is not named here fails the test.
var phoneSkips = map[string]string{
	"GET /healthz":                    "plain text for load balancers",
	"GET /static/{hash}/{file}":       "stylesheets and scripts, not pages",
	"GET /manifest.webmanifest":       "the web app manifest (JSON)",
	"GET /sw.js":                      "the service worker's script",
	"GET /icons/{file}":               "images",
	"GET /apple-touch-icon.png":       "an image",
	"GET /calendar/{token}":           "an iCalendar feed (.ics)",
	"GET /today/live":                 "Today's live event stream, which never ends",
	"GET /people/suggest":             "the people picker's JSON",
	"GET /team/suggest":               "the team picker's JSON",
	"GET /people/export.csv":          "a CSV download",
	"GET /people/export.vcf":          "a vCard download",
	"GET /people/{id}/vcard":          "a vCard download",
	"GET /push/key":                   "the push key's JSON",
	"GET /review.csv":                 "a CSV download",
	"GET /review/funnel.csv":          "a CSV download",
	"GET /unsubscribe/{token}/{kind}": "needs an emailed token; the page is the same form as /forgot's (tested signed out by the unsubscribe tests)",
}

// phoneExtra are pages looked at besides the route table's plain paths:
// states that lay out differently.
var phoneExtra = []string{"/people?q=ros", "/recruiting?q=ros", "/no-such-page"}

// demoHarness is a server over SQLite with the demo brokerage seeded as
// of monday; every demo user's password is password.
func demoHarness(t *testing.T) (*harness, *rapport.Org) {
	t.Helper()
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock)
	org, err := demo.Seed(ctx, h.db, monday, h.hash)
	if err != nil {
		t.Fatal(err)
	}
	return h, org
}

// demoIDs are real ids of the demo's records, for the routes' path values.
func demoIDs(t *testing.T, h *harness, org *rapport.Org) map[string]string {
	t.Helper()
	act := rapport.Actor{Org: org.ID}
	users, err := h.db.Users(ctx, act)
	if err != nil {
		t.Fatal(err)
	}
	var owner, manager rapport.User
	for _, u := range users {
		switch u.Email {
		case demo.OwnerEmail:
			owner = u
		case demo.ManagerEmail:
			manager = u
		}
	}
	ids := map[string]string{"user": itoa(manager.ID)}
	today, err := h.db.Today(ctx, rapport.Member(org, &owner), monday)
	if err != nil || len(today) == 0 {
		t.Fatalf("the owner's Today: %v, %d", err, len(today))
	}
	// The person with the longest story on the owner's Today.
	best := 0
	for _, e := range today {
		tl, err := h.db.Timeline(ctx, act, e.Person.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) > best {
			best, ids["person"] = len(tl), itoa(e.Person.ID)
		}
	}
	convs, _, err := h.db.Conversations(ctx, act, store.ConversationFilter{UserID: owner.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range convs {
		if c.IsLive() {
			ids["conversation"] = itoa(c.ID)
			break
		}
	}
	// The demo imports nothing through the page: a spreadsheet uploaded.
	job := &store.ImportJob{OrgID: org.ID, UserID: owner.ID, FileName: "open-house-sign-ins.csv", Format: "csv",
		Content: []byte("Name,Email,Phone\nRosa Lindqvist,rosa@example.com,+13125550190\n"), Settings: "{}"}
	if err := h.db.CreateImportJob(ctx, act, job); err != nil {
		t.Fatal(err)
	}
	ids["import"] = itoa(job.ID)
	// The office with the most agents.
	cs, err := h.db.Companies(ctx, act, store.CompanyFilter{Kind: rapport.CompanyOffice})
	if err != nil || len(cs) == 0 {
		t.Fatalf("companies: %v, %d", err, len(cs))
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Agents > cs[j].Agents })
	ids["company"] = itoa(cs[0].ID)
	hook, _ := storetest.Webhook(t, h.db, act, "Lofty sync")
	ids["webhook"] = itoa(hook)
	pb, err := h.db.Playbook(ctx, act)
	if err != nil {
		t.Fatal(err)
	}
	obj := pb.Objections(rapport.AudienceClients)[0]
	ids["kind"], ids["key"] = string(obj.Kind), obj.Key
	return ids
}

// phonePath fills a GET pattern's path values, or says it cannot.
func phonePath(pattern string, ids map[string]string) (string, bool) {
	path := strings.TrimPrefix(pattern, "GET ")
	path = strings.TrimSuffix(path, "{$}")
	kinds := map[string]string{"/call/": "person", "/people/": "person", "/conversations/": "conversation", "/import/": "import",
		"/companies/": "company", "/users/": "user", "/settings/webhooks/": "webhook"}
	if strings.Contains(path, "{id}") {
		for prefix, kind := range kinds {
			if strings.HasPrefix(path, prefix) {
				path = strings.Replace(path, "{id}", ids[kind], 1)
			}
		}
	}
	path = strings.NewReplacer("{kind}", ids["kind"], "{key}", ids["key"], "{token}", "no-such-link").Replace(path)
	return path, !strings.Contains(path, "{")
}

// phoneCheck is run on each page: it returns what does not fit a phone.
// Overflow: the document wider than the screen, or any visible element
// whose right edge passes the screen's unless it is inside a scroll
// container that itself fits. Tap targets (WCAG 2.5.5, Target Size):
// visible links, buttons, inputs, selects, summaries and labels that wrap
// a control, at least 44×44 CSS pixels. WCAG's inline exception applies:
// a link inside a sentence (a paragraph or list item with text of its
// own besides links) may be as tall as its line; and the equivalent one:
// a checkbox or radio button is large enough when its label, which sets
// it too, is.
const phoneCheck = `(() => {
  const vw = document.documentElement.clientWidth, out = [];
  const tag = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (el.classList.length) s += "." + [...el.classList].join(".");
    return s;
  };
  const name = el => {
    let s = (el.parentElement ? tag(el.parentElement) + " > " : "") + tag(el);
    const t = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return t ? s + " «" + t + "»" : s;
  };
  const shown = el => {
    if (!el.getClientRects().length) return false;
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.visibility === "hidden" || s.display === "none" || s.opacity === "0") return false;
      if (e.tagName === "DETAILS" && !e.open && e !== el && !el.closest("summary")) return false;
    }
    const s = getComputedStyle(el);
    // Visually hidden (for screen readers only): clipped to nothing.
    if (s.clip === "rect(0px, 0px, 0px, 0px)" || s.clipPath === "inset(50%)") return false;
    return true;
  };
  if (document.documentElement.scrollWidth > vw) out.push("the page is " + document.documentElement.scrollWidth + " px wide");
  const scroller = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return p;
    }
    return null;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right <= vw + 0.5 || r.width === 0 || !shown(el)) continue;
    if (getComputedStyle(el).position === "fixed" && r.left >= vw) continue;
    const sc = scroller(el);
    if (sc && sc.getBoundingClientRect().right <= vw + 0.5) continue;
    if (wide.some(w => w.contains(el))) continue;
    wide.push(el);
    out.push("too wide: " + name(el) + " ends at " + Math.round(r.right) + " px");
  }
  // Text that runs out of its box (a long address, a word that does not
  // break) is as wide as an element.
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = texts.nextNode()); ) {
    const el = n.parentElement, range = document.createRange();
    range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (r.right <= vw + 0.5 || r.width === 0 || !shown(el) || wide.some(w => w.contains(el))) continue;
    const sc = scroller(el);
    if (sc && sc.getBoundingClientRect().right <= vw + 0.5) continue;
    wide.push(el);
    out.push("text too wide: " + name(el) + " ends at " + Math.round(r.right) + " px");
  }
  const inline = el => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const block = el.closest("p, li, dd, td, figcaption, label, legend, small, .hint");
    if (!block || !block.matches("p, li, dd, .hint, small")) return false;
    let own = "";
    const walk = n => {
      for (const c of n.childNodes) {
        if (c.nodeType === 3) own += c.textContent;
        else if (c.nodeType === 1 && !c.matches("a, button, label, select, input, kbd")) walk(c);
      }
    };
    walk(block);
    return own.replace(/[\s·|,.:;()\-–—→←]/g, "").length >= 3;
  };
  const targets = new Set();
  for (const el of document.body.querySelectorAll("a[href], button, input, select, textarea, summary, label")) {
    let t = el;
    if (el.tagName === "LABEL") {
      if (!el.querySelector("input, select, textarea")) continue;
    } else if (el.tagName === "INPUT") {
      if (el.type === "hidden") continue;
      const l = el.closest("label");
      if (l) t = l;
    }
    if (t.closest(".skip") || !shown(t) || inline(t)) continue;
    if (t.tagName === "INPUT" && (t.type === "radio" || t.type === "checkbox") && !shown(el)) continue;
    targets.add(t);
  }
  // WCAG's equivalent exception: a checkbox or radio button whose label
  // (which sets it too) is large enough.
  const big = el => { const r = el.getBoundingClientRect(); return r.width >= 43.5 && r.height >= 43.5; };
  for (const t of targets) {
    if (t.tagName === "INPUT" && [...(t.labels || [])].some(l => shown(l) && big(l))) continue;
    const r = t.getBoundingClientRect();
    if (r.width < 43.5 || r.height < 43.5) out.push("small target: " + name(t) + " " + Math.round(r.width) + "×" + Math.round(r.height));
  }
  return out;
})()`

// TestBrowserPhoneEveryPage opens every page of the route table, signed
// in as the demo's owner (who may open them all), at 390×844, and fails
// on anything wider than the screen or any tap target under 44×44 px.
func TestBrowserPhoneEveryPage(t *testing.T) {
	bctx := browserFor(t, 5*time.Minute)
	h, org := demoHarness(t)
	ids := demoIDs(t, h, org)
	cl := h.signedIn(demo.OwnerEmail)

	var paths []string
	for _, pattern := range routeList(t, h) {
		if !strings.HasPrefix(pattern, "GET ") {
			continue
		}
		if why, ok := phoneSkips[pattern]; ok {
			t.Logf("skipped %s: %s", pattern, why)
			continue
		}
		path, ok := phonePath(pattern, ids)
		if !ok {
			t.Errorf("%s: no id for its path values; add one to demoIDs", pattern)
			continue
		}
		// Every route left is a page: HTML, or a redirect to one.
		r := cl.get(path)
		ct, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
		switch {
		case r.status == http.StatusSeeOther || r.status == http.StatusFound:
		case ct != "text/html":
			t.Errorf("%s answers %d %q: name it in phoneSkips with why it is not a page", pattern, r.status, ct)
			continue
		case strings.HasPrefix(path, "/reset/") && r.status == http.StatusNotFound:
			// A reset link that does not work: its page says so.
		case r.status != http.StatusOK:
			t.Errorf("GET %s: %d", path, r.status)
		}
		paths = append(paths, path)
	}
	paths = append(paths, phoneExtra...)

	run(t, bctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(h.srv.URL+"/signin"))
	checkPhone(t, bctx, "/signin (signed out)")
	run(t, bctx, chromedp.Navigate(h.srv.URL+"/forgot"))
	checkPhone(t, bctx, "/forgot (signed out)")
	run(t, bctx, chromedp.Navigate(h.srv.URL+"/today"), signIn(demo.OwnerEmail), chromedp.WaitVisible(chromedp.CSS(".slips")))
	for _, path := range paths {
		run(t, bctx, chromedp.Navigate(h.srv.URL+path), chromedp.WaitReady(chromedp.CSS("body")))
		checkPhone(t, bctx, path)
	}
}

// checkPhone reports what on the page does not fit a phone.
func checkPhone(t *testing.T, bctx context.Context, what string) {
	t.Helper()
	problems, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](phoneCheck))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(problems) > 0 {
		t.Errorf("%s on a phone:\n  %s", what, strings.Join(problems, "\n  "))
	}
}
