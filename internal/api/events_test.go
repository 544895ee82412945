package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// A lead as a portal sends it.
const inquiry = `{
  "source": "Zillow", "system": "Zillow Premier Agent", "type": "Property Inquiry",
  "message": "Is 123 Main still available? We'd love to see it Saturday.",
  "pageUrl": "https://www.zillow.com/homedetails/123",
  "person": {
    "firstName": "Maria", "lastName": "Lopez",
    "emails": [{"value": "Maria.Lopez@Example.com", "type": "home"}],
    "phones": [{"value": "(312) 555-0142", "type": "mobile"}, {"value": "call me", "type": "work"}],
    "addresses": [{"type": "home", "street": "9 Elm St", "city": "Evanston", "state": "IL", "code": "60201"}],
    "tags": ["buyer"], "price": "$450,000"
  },
  "property": {"street": "123 Main St", "city": "Chicago", "state": "IL", "code": "60614", "mlsNumber": "11223344",
    "price": 450000, "bedrooms": 3, "bathrooms": "2", "type": "Condo"},
  "campaign": {"name": "Fall buyers"}, "somethingNew": {"x": 1}
}`

func TestEventsEndpoint(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		r := h.call(a.key, "POST", "/api/v1/events", inquiry)
		want(t, r, http.StatusCreated)
		var ans struct {
			Event struct {
				ID       int64
				Property string
				Message  string
			}
			Person struct {
				ID      int64
				OwnerID int64
				Phones  []struct{ Number string }
				Emails  []struct{ Address string }
				Address struct{ City string }
				Source  string
			}
			Created, Duplicate bool
			Warnings           []string
		}
		json.Unmarshal(r.body, &ans)
		if !ans.Created || ans.Person.OwnerID != a.agent.ID || len(ans.Person.Phones) != 1 || ans.Person.Emails[0].Address != "maria.lopez@example.com" ||
			ans.Person.Address.City != "Evanston" || ans.Person.Source != "Zillow" || len(ans.Warnings) != 2 ||
			!strings.Contains(ans.Warnings[0], `"call me"`) || !strings.Contains(ans.Warnings[1], "somethingNew") ||
			ans.Event.Property != "123 Main St, Chicago, IL 60614 · Condo · MLS 11223344 · 3 bd / 2 ba · $450K" {
			t.Fatalf("answer = %s", r.body)
		}
		// A retry of the same event is recorded once.
		r = h.call(a.key, "POST", "/api/v1/events", inquiry)
		want(t, r, http.StatusOK)
		var again struct {
			Duplicate bool
			Event     struct{ ID int64 }
		}
		json.Unmarshal(r.body, &again)
		if !again.Duplicate || again.Event.ID != ans.Event.ID {
			t.Fatalf("replay = %s", r.body)
		}
		// Another event about her, by phone only: 200, merged.
		view := `{"type": "viewed property", "source": "Realtor.com", "occurredAt": "2026-11-23T15:58:00Z",
			"person": {"firstName": "M", "phones": [{"value": "+1 312-555-0142"}], "emails": [{"value": "maria@work.example"}]}}`
		r = h.call(a.key, "POST", "/api/v1/events", view)
		want(t, r, http.StatusOK)
		p, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, ans.Person.ID)
		if p.FirstName != "Maria" || len(p.Emails) != 2 {
			t.Errorf("merged = %+v", p)
		}
		items, _ := h.db.Timeline(ctx, rapport.Actor{Org: a.org.ID}, p.ID)
		events := 0
		for _, it := range items {
			if it.Event != nil {
				events++
			}
		}
		if events != 2 {
			t.Errorf("%d events on the timeline, want 2", events)
		}
		// She tops Today at once, with her age.
		h.clock.Advance(4 * time.Minute)
		r = h.call(a.key, "GET", "/api/v1/today", nil)
		if !strings.Contains(string(r.body), "New lead from Zillow, 4 min ago, not yet called") || !strings.Contains(string(r.body), "still available") {
			t.Errorf("today = %s", r.body)
		}
		// Only an event that names no one is refused, and even that is
		// held; the rest are recorded, saying what was not as sent.
		for body, warning := range map[string]string{
			`{"type": "Waved", "person": {"firstName": "Xena"}}`:                             `"Waved" is not a type`,
			`{"person": {"firstName": "Yves"}}`:                                              "type: none sent; recorded as General Inquiry",
			`{"type": "Inquiry", "occurredAt": "yesterday", "person": {"firstName": "Zed"}}`: `occurredAt: "yesterday"`,
		} {
			r := h.call(a.key, "POST", "/api/v1/events", body)
			want(t, r, http.StatusCreated)
			if !hasWarning(r, warning) {
				t.Errorf("%s: no warning %q: %s", body, warning, r.body)
			}
		}
		for _, body := range []string{`{"type": "Inquiry"}`, `{"type": "Inquiry", "person": {"phones": [{"value": "nope"}]}}`} {
			r := h.call(a.key, "POST", "/api/v1/events", body)
			want(t, r, http.StatusBadRequest)
			if r.errField() != "person" || !strings.Contains(string(r.body), "held") {
				t.Errorf("%s: %s", body, r.body)
			}
		}
		// A historical event is recorded but not routed.
		old := `{"type": "Registration", "source": "Old list", "occurredAt": "2026-01-02T10:00:00Z", "person": {"firstName": "Ola", "emails": [{"value": "ola@example.com"}]}}`
		r = h.call(a.key, "POST", "/api/v1/events", old)
		want(t, r, http.StatusCreated)
		var hist struct {
			Event  struct{ Historical bool }
			Person struct{ OwnerID *int64 }
		}
		json.Unmarshal(r.body, &hist)
		if !hist.Event.Historical || hist.Person.OwnerID != nil {
			t.Errorf("historical = %s", r.body)
		}
		r = h.call(a.key, "GET", "/api/v1/reports/speed-to-lead", nil)
		want(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"leads":1`) {
			t.Errorf("speed to lead = %s", r.body)
		}
	})
}

func TestRateLimit(t *testing.T) {
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock, api.Options{RatePerMinute: 60, Burst: 3})
	a := h.tenant("acme")
	for i := 0; i < 3; i++ {
		r := h.call(a.key, "GET", "/api/v1/users", nil)
		want(t, r, http.StatusOK)
		// Limit is the bucket's size (the burst), not the per-minute rate,
		// so that Remaining counts down from it and Reset says when it is
		// back: all three describe one window.
		if got := r.header.Get("X-RateLimit-Remaining"); got != fmt.Sprint(2-i) || r.header.Get("X-RateLimit-Limit") != "3" ||
			r.header.Get("X-RateLimit-Reset") != fmt.Sprint(i+1) {
			t.Errorf("request %d: remaining %s limit %s reset %s", i, got, r.header.Get("X-RateLimit-Limit"), r.header.Get("X-RateLimit-Reset"))
		}
	}
	r := h.call(a.key, "GET", "/api/v1/users", nil)
	want(t, r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "1" || r.json(t)["error"].(map[string]any)["code"] != "rate_limited" || r.header.Get("X-RateLimit-Reset") != "3" {
		t.Errorf("429 headers = %v %s", r.header, r.body)
	}
	// Another key has its own bucket; time refills this one.
	want(t, h.call(h.key(a.org.ID, a.owner.ID), "GET", "/api/v1/users", nil), http.StatusOK)
	clock.Advance(time.Second)
	want(t, h.call(a.key, "GET", "/api/v1/users", nil), http.StatusOK)
}

// hasWarning reports whether an events answer warns with text holding part.
func hasWarning(r reply, part string) bool {
	var ans struct{ Warnings []string }
	json.Unmarshal(r.body, &ans)
	for _, w := range ans.Warnings {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// TestRateLimitAcrossServers: two servers sharing PostgreSQL count one
// bucket per key — a key cannot get twice its limit by reaching both —
// with the same headers as one server counting in memory.
func TestRateLimitAcrossServers(t *testing.T) {
	clock := storetest.NewClock(monday)
	db := storetest.OpenPostgres(t, clock.Now)
	opts := api.Options{RatePerMinute: 60, Burst: 3}
	one := newHarness(t, db, clock, opts)
	two := newHarness(t, storetest.Reopen(t, db, clock.Now), clock, opts)
	a := one.tenant("acme")
	for i, h := range []*harness{one, two, one} {
		r := h.call(a.key, "GET", "/api/v1/users", nil)
		want(t, r, http.StatusOK)
		if got := r.header.Get("X-RateLimit-Remaining"); got != fmt.Sprint(2-i) || r.header.Get("X-RateLimit-Reset") != fmt.Sprint(i+1) {
			t.Errorf("request %d: remaining %s reset %s", i, got, r.header.Get("X-RateLimit-Reset"))
		}
	}
	r := two.call(a.key, "GET", "/api/v1/users", nil)
	want(t, r, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "1" || r.header.Get("X-RateLimit-Reset") != "3" {
		t.Errorf("429 headers = %v", r.header)
	}
	want(t, one.call(one.key(a.org.ID, a.owner.ID), "GET", "/api/v1/users", nil), http.StatusOK)
	clock.Advance(time.Second)
	want(t, two.call(a.key, "GET", "/api/v1/users", nil), http.StatusOK)
	want(t, one.call(a.key, "GET", "/api/v1/users", nil), http.StatusTooManyRequests)
}
