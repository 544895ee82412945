package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func TestAPIKeysInSettings(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		res := c.post("/settings/keys", url.Values{"name": {"Zillow"}})
		wantStatus(t, res, http.StatusOK)
		key := between(res.body, `id="new-key" type="text" readonly value="`, `"`)
		if !strings.HasPrefix(key, "rk_") {
			t.Fatalf("no key shown: %s", res.body)
		}
		k, u, _, err := h.db.APIKeyUser(ctx, auth.HashToken(key))
		if err != nil || u.ID != a.agent.ID || k.Name != "Zillow" {
			t.Fatalf("stored key: %+v %v", k, err)
		}
		// Never shown again.
		if strings.Contains(c.get("/settings/keys").body, key) {
			t.Error("the key is shown a second time")
		}
		wantStatus(t, c.post("/settings/keys/"+strconv.FormatInt(k.ID, 10)+"/revoke", nil), http.StatusSeeOther)
		if _, _, _, err := h.db.APIKeyUser(ctx, auth.HashToken(key)); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Error("a revoked key still works")
		}
		// Someone else's key cannot be revoked.
		other := h.signedIn(a.owner.Email)
		res = other.post("/settings/keys", url.Values{"name": {"Mine"}})
		mine, _ := h.db.APIKeys(ctx, rapport.Actor{Org: a.org.ID}, a.owner.ID)
		wantStatus(t, c.post("/settings/keys/"+strconv.FormatInt(mine[0].ID, 10)+"/revoke", nil), http.StatusNotFound)
	})
}

func TestRoutingRulesAndSpeedReport(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		wantStatus(t, h.signedIn(a.agent.Email).get("/routing"), http.StatusForbidden)
		m := h.signedIn(a.manager.Email)
		res := m.post("/routing", url.Values{"source": {""}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Name the lead source", "Choose at least one person")
		res = m.post("/routing", url.Values{"source": {"Zillow"}, "users": {strconv.FormatInt(a.agent.ID, 10), strconv.FormatInt(a.manager.ID, 10)}})
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, m.get("/routing"), "Zillow", "Agent acme, Manager acme", "(in turn)")

		in := &store.EventInput{Event: rapport.Event{DedupeKey: "e1", Type: "Inquiry", Source: "Zillow"},
			Person: rapport.Person{FirstName: "Lena", Emails: []rapport.Email{{Address: "lena@example.com"}}}}
		ev, err := h.db.RecordEvent(ctx, rapport.Member(a.org, a.owner), in)
		if err != nil || ev.Person.OwnerID != a.agent.ID {
			t.Fatalf("routed to %+v (%v)", ev.Person, err)
		}
		res = m.get("/reports/speed-to-lead")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "<strong>1</strong> leads, 0 attempted", "Agent acme", "Zillow")
		// The lead's page shows the event.
		wantBody(t, m.get("/people/"+strconv.FormatInt(ev.Person.ID, 10)), "<strong>Inquiry</strong> from Zillow")
	})
}

func TestDuplicatesPageAndMerge(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		one := &rapport.Person{FirstName: "Robert", LastName: "Smith", Kind: rapport.KindLead, Emails: []rapport.Email{{Address: "rob@example.com"}}}
		two := &rapport.Person{FirstName: "Bob", LastName: "Smith", Kind: rapport.KindLead, Phones: []rapport.Phone{{Number: "+13125550142"}}}
		h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), one)
		h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), two)
		c := h.signedIn(a.agent.Email)
		res := c.get("/duplicates")
		wantBody(t, res, "Same name", "Robert Smith", "Bob Smith", "merge #"+strconv.FormatInt(two.ID, 10)+" in")
		wantStatus(t, c.post("/duplicates/merge", url.Values{"keep": {strconv.FormatInt(one.ID, 10)}}), http.StatusBadRequest)
		// Another organisation cannot merge these two.
		b := h.org("bravo")
		wantStatus(t, h.signedIn(b.owner.Email).post("/duplicates/merge", url.Values{"keep": {strconv.FormatInt(one.ID, 10)},
			"drop": {strconv.FormatInt(two.ID, 10)}}), http.StatusNotFound)
		res = c.post("/duplicates/merge", url.Values{"keep": {strconv.FormatInt(one.ID, 10)}, "drop": {strconv.FormatInt(two.ID, 10)}})
		wantStatus(t, res, http.StatusSeeOther)
		p, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, one.ID)
		if len(p.Phones) != 1 || len(p.Emails) != 1 {
			t.Errorf("merged = %+v", p)
		}
		wantBody(t, c.get("/duplicates"), "No likely duplicates")
	})
}

// Items 14 and 17: what an event said beyond its fields is on the
// person's timeline (its note, its details, the body as received), and an
// event that named no one waits under Speed to lead → Held leads, for
// owners and managers, who attach it (to someone found by email, or made)
// or dismiss it.
func TestHeldLeadsAndEventDetails(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		in := &store.EventInput{Event: rapport.Event{DedupeKey: "d1", Type: "Viewed Page", Source: "IDX", Note: "Came back three times",
			Details: rapport.Details{{Label: "Page title", Value: "8 Birch Ct"}, {Label: "Time on page", Value: "95 s"}},
			Payload: `{"type":"Viewed Page","pageTitle":"8 Birch Ct","pageDuration":95}`},
			Person: rapport.Person{FirstName: "Pia", Emails: []rapport.Email{{Address: "pia@example.com"}}}}
		ev, err := h.db.RecordEvent(ctx, rapport.Member(a.org, a.owner), in)
		if err != nil {
			t.Fatal(err)
		}
		m := h.signedIn(a.manager.Email)
		wantBody(t, m.get("/people/"+strconv.FormatInt(ev.Person.ID, 10)), "Came back three times", "<dt>Page title</dt><dd>8 Birch Ct</dd>",
			"<dt>Time on page</dt><dd>95 s</dd>", "As received", "&#34;pageDuration&#34;:95")

		for i, msg := range []string{"What is my condo worth?", "test please ignore"} {
			held := &rapport.HeldEvent{DedupeKey: "h" + strconv.Itoa(i), Type: "Seller Inquiry", Source: "Facebook Lead Ads", Message: msg,
				Reason:  "No name, email, phone or person id that could be read.",
				Payload: `{"type":"Seller Inquiry","source":"Facebook Lead Ads","message":"` + msg + `","person":{"phones":[{"value":"call me"}]}}`}
			if _, err := h.db.HoldEvent(ctx, rapport.Actor{Org: a.org.ID}, held); err != nil {
				t.Fatal(err)
			}
		}
		wantBody(t, m.get("/reports/speed-to-lead"), "Held leads", "<strong>2</strong> events name no one")
		if strings.Contains(h.signedIn(a.agent.Email).get("/reports/speed-to-lead").body, "Held leads") {
			t.Error("an agent is told of held leads")
		}
		wantStatus(t, h.signedIn(a.agent.Email).get("/intake/held"), http.StatusForbidden)
		res := m.get("/intake/held")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "What is my condo worth?", "No name, email, phone or person id", "&#34;call me&#34;")
		held, _ := h.db.HeldEvents(ctx, rapport.Actor{Org: a.org.ID}, false, 10)
		first, second := strconv.FormatInt(held[0].ID, 10), strconv.FormatInt(held[1].ID, 10)
		// Nothing to know them by: the form says so.
		res = m.post("/intake/held/"+first+"/attach", url.Values{"phone": {"call me"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Not attached")
		// Pia's email: the event goes to her.
		res = m.post("/intake/held/"+first+"/attach", url.Values{"email": {"PIA@example.com"}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/people/"+strconv.FormatInt(ev.Person.ID, 10) {
			t.Errorf("attached to %s", res.location)
		}
		wantBody(t, m.get(res.location), "What is my condo worth?", "<strong>Seller Inquiry</strong> from Facebook Lead Ads")
		wantStatus(t, m.post("/intake/held/"+first+"/attach", url.Values{"email": {"pia@example.com"}}), http.StatusConflict)
		wantStatus(t, m.post("/intake/held/"+second+"/dismiss", nil), http.StatusSeeOther)
		res = m.get("/intake/held")
		wantBody(t, res, "Nothing held", "attached", "dismissed")
	})
}
