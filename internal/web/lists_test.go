package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestSavedListsInTheCallSession: filters on the people page are saved as
// a list, shown with its count, and worked in the call session instead of
// Today: each logged person leaves it, the next follows, and the session
// keeps to the list.
func TestSavedListsInTheCallSession(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		agent := rapport.Member(a.org, a.agent)
		var ids []int64
		for _, n := range []string{"Ada", "Bea"} {
			p := &rapport.Person{FirstName: n, LastName: "Past", Kind: rapport.KindClient, OwnerID: a.agent.ID,
				Phones: []rapport.Phone{{Number: "+1312555010" + strconv.Itoa(len(ids))}}}
			if err := h.db.CreatePerson(ctx, agent, p); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		c := h.signedIn(a.agent.Email)
		page := c.get("/people?kind=client&unknown=motivation")
		wantStatus(t, page, http.StatusOK)
		if !strings.Contains(page.body, `name="query" value="kind=client&amp;unknown=motivation"`) {
			t.Fatalf("no save form with the filters: %s", page.body)
		}
		wantStatus(t, c.post("/lists", url.Values{"name": {"Past clients, motivation unknown"}, "query": {"kind=client&unknown=motivation"}}), http.StatusSeeOther)
		lists := c.get("/lists")
		if !strings.Contains(lists.body, "Past clients, motivation unknown") || !strings.Contains(lists.body, "2 people") {
			t.Fatalf("lists page: %s", lists.body)
		}
		href := between(lists.body, `href="/call?list=`, `"`)
		first := c.get("/call?list=" + href)
		if !strings.Contains(first.body, "Calling through “Past clients, motivation unknown”") || !strings.Contains(first.body, "Ada Past") {
			t.Fatalf("call session: %s", first.body)
		}
		res := c.post("/call/"+strconv.FormatInt(ids[0], 10), url.Values{"outcome": {"no_answer"}, "list": {href},
			"phone_id": {between(first.body, `name="phone_id" value="`, `"`)}})
		wantStatus(t, res, http.StatusSeeOther)
		if !strings.Contains(res.location, "list="+href) {
			t.Fatalf("after logging: %q", res.location)
		}
		next := c.get(res.location)
		if !strings.Contains(next.body, `action="/call/`+strconv.FormatInt(ids[1], 10)+`"`) {
			t.Errorf("the next on the list: %s", next.body)
		}
		// Another agent does not see an unshared list.
		other := h.signedIn(a.owner.Email)
		wantStatus(t, other.get("/call?list="+href), http.StatusNotFound)
	})
}
