package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestLinksKeepTheirQuery follows the links whose query a page writes:
// html/template escapes a plain string after a link's "?" as one value,
// "=" and "&" too, and the export links, a saved list's link and the call
// screen's Skip all lost what they carried — "Export everyone listed"
// exported everyone whatever the filters, a saved list opened unfiltered,
// and Skip showed the same person again.
func TestLinksKeepTheirQuery(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		agent := rapport.Member(a.org, a.agent)
		for _, p := range []*rapport.Person{
			{FirstName: "Lena", LastName: "Lead", Kind: rapport.KindLead, OwnerID: a.agent.ID, Phones: []rapport.Phone{{Number: "+13125550101"}}},
			{FirstName: "Luke", LastName: "Lead", Kind: rapport.KindLead, OwnerID: a.agent.ID, Phones: []rapport.Phone{{Number: "+13125550102"}}},
			{FirstName: "Cora", LastName: "Client", Kind: rapport.KindClient, OwnerID: a.agent.ID},
		} {
			if err := h.db.CreatePerson(ctx, agent, p); err != nil {
				t.Fatal(err)
			}
		}
		c := h.signedIn(a.agent.Email)
		follow := func(body, start string) response {
			t.Helper()
			href := between(body, start, `"`)
			if href == "" {
				t.Fatalf("no link starting %q", start)
			}
			return c.get(html.UnescapeString(start[strings.Index(start, `"`)+1:] + href))
		}

		// The export of a filtered list exports what is listed.
		page := c.get("/people?kind=client")
		wantStatus(t, page, http.StatusOK)
		for _, link := range []string{`href="/people/export.csv?`, `href="/people/export.vcf?`} {
			res := follow(page.body, link)
			wantStatus(t, res, http.StatusOK)
			if !strings.Contains(res.body, "Cora") || strings.Contains(res.body, "Lena") {
				t.Errorf("%s: exported %q", link, res.body)
			}
		}

		// A saved list's link opens the list filtered.
		wantStatus(t, c.post("/lists", url.Values{"name": {"Clients"}, "query": {"kind=client&sort=name"}}), http.StatusSeeOther)
		lists := c.get("/lists")
		res := follow(lists.body, `<a href="/people?`)
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.body, "Cora Client") || strings.Contains(res.body, "Lena Lead") {
			t.Errorf("the saved list's link lists: %s", res.body)
		}

		// Skip on the call screen moves on to someone else.
		first := c.get("/call")
		wantStatus(t, first, http.StatusOK)
		was := between(first.body, `action="/call/`, `"`)
		res = follow(first.body, `href="/call?`)
		wantStatus(t, res, http.StatusOK)
		if now := between(res.body, `action="/call/`, `"`); now == "" || now == was {
			t.Errorf("Skip from #%s shows #%q", was, now)
		}
		if _, err := strconv.Atoi(was); err != nil {
			t.Fatalf("the call screen's person: %q", was)
		}
	})
}
