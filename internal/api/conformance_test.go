package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The API answers as its document says: the answers of every route are
// documented, with the headers they carry.

// regexpGoType finds a Go type's name in an answer.
func regexpGoType() *regexp.Regexp {
	return regexp.MustCompile(`\b(u?int(8|16|32|64)?|float(32|64)|complex(64|128)|bool|rune|byte|uintptr|struct|interface)\b|map\[|\[\][a-z*]|\b(api|rapport|store|json|time|http)\.[A-Z]|\bGo (type|value|struct)`)
}

// Item 18: a person's MLS id (how recruits are matched) and licence year
// are read and written through the API, and a PATCH of one recruiting
// field leaves the others as they were.
func TestPersonMLSIDAndLicence(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		r := h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Rita", "lastName": "Recruit", "kind": "recruit", "mlsId": "MLS-4471",
			"recruit": map[string]any{"brokerage": "Summit Realty", "licenceYear": 2014}})
		want(t, r, http.StatusCreated)
		p := r.json(t)
		id := num(p, "id")
		rec := p["recruit"].(map[string]any)
		if p["mlsId"] != "MLS-4471" || rec["licenceYear"] != 2014.0 || rec["brokerage"] != "Summit Realty" {
			t.Fatalf("created = %s", r.body)
		}
		stored, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, id)
		if stored.MLSID != "MLS-4471" || stored.LicenceYear != 2014 {
			t.Errorf("stored = %+v", stored)
		}
		r = h.call(a.key, "PATCH", fmt.Sprintf("/api/v1/people/%d", id), map[string]any{"mlsId": " MLS-4472 ", "recruit": map[string]any{"licenceYear": 2015}})
		want(t, r, http.StatusOK)
		p = r.json(t)
		rec = p["recruit"].(map[string]any)
		if p["mlsId"] != "MLS-4472" || rec["licenceYear"] != 2015.0 || rec["brokerage"] != "Summit Realty" {
			t.Errorf("patched = %s", r.body)
		}
		r = h.call(a.key, "GET", fmt.Sprintf("/api/v1/people/%d", id), nil)
		if p := r.json(t); p["mlsId"] != "MLS-4472" {
			t.Errorf("read = %s", r.body)
		}
		// A lead with a licence year shows it too.
		r = h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Lena", "recruit": map[string]any{"licenceYear": 2020}})
		want(t, r, http.StatusCreated)
		if rec, _ := r.json(t)["recruit"].(map[string]any); rec == nil || rec["licenceYear"] != 2020.0 {
			t.Errorf("lead with a licence: %s", r.body)
		}
		want(t, h.call(a.key, "PATCH", fmt.Sprintf("/api/v1/people/%d", id), map[string]any{"mlsId": strings.Repeat("9", 65)}), http.StatusBadRequest)
		want(t, h.call(a.key, "PATCH", fmt.Sprintf("/api/v1/people/%d", id), map[string]any{"recruit": map[string]any{"licenceYear": 1900}}), http.StatusBadRequest)
		// The document says so.
		var spec openAPISpec
		json.Unmarshal(h.call("", "GET", "/api/v1/openapi.json", nil).body, &spec)
		for _, schema := range []string{"Person", "PersonInput"} {
			if !strings.Contains(string(spec.Components.Schemas[schema]), `"mlsId"`) {
				t.Errorf("%s has no mlsId in the document", schema)
			}
		}
	})
}

// Item 19: every route that takes a body documents 413, and answers it
// (in JSON, changing nothing) to a body past its limit.
func TestBodyRoutesAnswerAndDocument413(t *testing.T) {
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock, api.Options{})
	a := h.tenant("acme")
	owner := h.key(a.org.ID, a.owner.ID)
	// Records for the routes that name one, so that they get as far as
	// reading the body.
	person := num(h.call(owner, "POST", "/api/v1/people", map[string]any{"firstName": "Big"}).json(t), "id")
	company := num(h.call(owner, "POST", "/api/v1/companies", map[string]any{"kind": "office", "name": "Big Office"}).json(t), "id")
	h.call(owner, "POST", "/api/v1/events", `{"type": "Inquiry"}`)
	var held struct{ Items []struct{ ID int64 } }
	json.Unmarshal(h.call(owner, "GET", "/api/v1/events/held", nil).body, &held)
	hook, _ := storetest.Webhook(t, h.db, rapport.Actor{Org: a.org.ID}, "big")
	ids := map[string]int64{"people": person, "companies": company, "events": held.Items[0].ID, "users": a.agent.ID, "webhooks": hook}
	var spec openAPISpec
	json.Unmarshal(h.call("", "GET", "/api/v1/openapi.json", nil).body, &spec)
	big := `{"note": "` + strings.Repeat("x", 9<<20) + `"}` // past every limit, the production report's 8 MB too
	n := 0
	for path, ops := range spec.Paths {
		for method, op := range ops {
			if op.RequestBody == nil {
				continue
			}
			n++
			if _, ok := op.Responses["413"]; !ok {
				t.Errorf("%s %s takes a body but does not document 413", method, path)
			}
			url := strings.NewReplacer("{id}", fmt.Sprint(ids[strings.Split(path, "/")[3]]), "{kind}", "objection", "{key}", "happy-here").Replace(path)
			r := h.call(owner, strings.ToUpper(method), url, big)
			if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(string(r.body), `"too_large"`) {
				t.Errorf("%s %s with a body too large: %d %.200s", method, path, r.status, r.body)
			}
		}
	}
	if n < 15 {
		t.Fatalf("only %d routes take a body", n)
	}
}

// Item 19: a path the API serves, asked with a method it does not take
// there, is 405 with Allow (not 404); an unknown path stays 404.
func TestWrongMethodIs405(t *testing.T) {
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock, api.Options{})
	a := h.tenant("acme")
	for _, c := range []struct{ method, path, allow string }{
		{"DELETE", "/api/v1/people", "GET, HEAD, POST"},
		{"PUT", "/api/v1/people/1", "GET, HEAD, PATCH"},
		{"GET", "/api/v1/events", "POST"},
		{"DELETE", "/api/v1/blocks", "GET, HEAD, POST"},
		{"POST", "/api/v1/playbook/objection/happy-here", "GET, HEAD, PUT, DELETE"},
		{"GET", "/api/v1/events/held/1/attach", "POST"},
	} {
		r := h.call(a.key, c.method, c.path, nil)
		want(t, r, http.StatusMethodNotAllowed)
		if r.header.Get("Allow") != c.allow || !strings.Contains(string(r.body), `"method_not_allowed"`) || r.header.Get("X-RateLimit-Limit") == "" {
			t.Errorf("%s %s: Allow %q, %s", c.method, c.path, r.header.Get("Allow"), r.body)
		}
	}
	want(t, h.call(a.key, "GET", "/api/v1/nothing-here", nil), http.StatusNotFound)
	want(t, h.call(a.key, "DELETE", "/api/v1/people/1/nothing", nil), http.StatusNotFound)
	want(t, h.call("", "DELETE", "/api/v1/people", nil), http.StatusUnauthorized)
	// The document tells of it.
	var spec openAPISpec
	json.Unmarshal(h.call("", "GET", "/api/v1/openapi.json", nil).body, &spec)
	if _, ok := spec.Components.Responses["MethodNotAllowed"]; !ok {
		t.Error("the document does not describe 405")
	}
}

// Item 19: X-RateLimit-Limit, -Remaining and -Reset describe one window
// (the key's bucket: its size, what is left, seconds until it is full),
// on every answer to a keyed request, and the document lists them on
// every response of every keyed route.
func TestRateLimitHeadersAgreeAndAreDocumented(t *testing.T) {
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock, api.Options{RatePerMinute: 120, Burst: 4})
	a := h.tenant("acme")
	check := func(r reply, remaining, reset int) {
		t.Helper()
		if r.header.Get("X-RateLimit-Limit") != "4" || r.header.Get("X-RateLimit-Remaining") != fmt.Sprint(remaining) ||
			r.header.Get("X-RateLimit-Reset") != fmt.Sprint(reset) {
			t.Errorf("limit %s remaining %s reset %s, want 4 %d %d", r.header.Get("X-RateLimit-Limit"), r.header.Get("X-RateLimit-Remaining"),
				r.header.Get("X-RateLimit-Reset"), remaining, reset)
		}
	}
	// Two a second refill it: each request taken is half a second of Reset.
	check(h.call(a.key, "GET", "/api/v1/users", nil), 3, 1)
	check(h.call(a.key, "GET", "/api/v1/people/999", nil), 2, 1) // errors carry them too
	check(h.call(a.key, "GET", "/api/v1/users", nil), 1, 2)
	check(h.call(a.key, "GET", "/api/v1/users", nil), 0, 2)
	r := h.call(a.key, "GET", "/api/v1/users", nil)
	want(t, r, http.StatusTooManyRequests)
	check(r, 0, 2)
	if r.header.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	clock.Advance(2 * time.Second)
	check(h.call(a.key, "GET", "/api/v1/users", nil), 3, 1)

	var spec openAPISpec
	json.Unmarshal(h.call("", "GET", "/api/v1/openapi.json", nil).body, &spec)
	for path, ops := range spec.Paths {
		for method, op := range ops {
			if op.Security != nil && len(*op.Security) == 0 {
				continue // needs no key, has no bucket
			}
			for code, resp := range op.Responses {
				if code == "401" {
					continue // no key, no bucket
				}
				resp = spec.response(resp)
				for _, header := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
					if resp.Headers[header] == nil {
						t.Errorf("%s %s %s does not document %s", method, path, code, header)
					}
				}
			}
		}
	}
}

// Item 19: a call block's weekday is what BlockInput documents: a day's
// name in any case or its first three letters (or tues, thurs), or its
// number, 0 or 7 being Sunday, and nothing else (null was Sunday).
func TestBlockWeekdayAsDocumented(t *testing.T) {
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock, api.Options{})
	a := h.tenant("acme")
	for i, c := range []struct {
		weekday string
		day     string // "" for refused
	}{
		{`"tuesday"`, "tuesday"}, {`"Tuesday"`, "tuesday"}, {`"TUE"`, "tuesday"}, {`"tues"`, "tuesday"}, {`"thurs"`, "thursday"},
		{`"thu"`, "thursday"}, {`0`, "sunday"}, {`7`, "sunday"}, {`1`, "monday"}, {`6`, "saturday"}, {`"3"`, "wednesday"}, {`2.0`, "tuesday"},
		{`null`, ""}, {`""`, ""}, {`8`, ""}, {`-1`, ""}, {`2.5`, ""}, {`"funday"`, ""}, {`true`, ""}, {`["monday"]`, ""}, {`"t"`, ""},
	} {
		// An hour of its own each, so that no two overlap.
		r := h.call(a.key, "POST", "/api/v1/blocks", fmt.Sprintf(`{"weekday": %s, "start": "%02d:00", "end": "%02d:30"}`, c.weekday, i, i))
		if c.day == "" {
			want(t, r, http.StatusBadRequest)
			if r.errField() != "weekday" || regexpGoType().MatchString(string(r.body)) {
				t.Errorf("%s: %s", c.weekday, r.body)
			}
			continue
		}
		want(t, r, http.StatusCreated)
		if got := r.json(t)["weekday"]; got != c.day {
			t.Errorf("%s: %v, want %s", c.weekday, got, c.day)
		}
	}
}
