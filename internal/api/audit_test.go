package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAuditLog: writes through the API are attributed to the key's user
// (also where the store function takes no actor), owners and managers
// page through the log newest first, agents are refused, and another
// organisation sees none of it.
func TestAuditLog(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a, b := h.tenant("acme"), h.tenant("bravo")
		// Making a key is logged too: the owner's comes first.
		owner := h.key(a.org.ID, a.owner.ID)
		r := h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Audrey", "lastName": "Trail", "kind": "lead"})
		want(t, r, http.StatusCreated)
		id := num(r.json(t), "id")
		h.clock.Advance(time.Minute)
		// Archiving takes no actor: the key names them.
		want(t, h.call(a.key, "POST", fmt.Sprintf("/api/v1/people/%d/archive", id), nil), http.StatusOK)
		want(t, h.call(b.key, "POST", "/api/v1/people", map[string]any{"firstName": "Bravo-only", "kind": "lead"}), http.StatusCreated)

		r = h.call(a.key, "GET", "/api/v1/audit", nil)
		want(t, r, http.StatusForbidden)
		r = h.call(owner, "GET", "/api/v1/audit", nil)
		want(t, r, http.StatusOK)
		items := r.json(t)["items"].([]any)
		var got []string
		for _, it := range items {
			e := it.(map[string]any)
			got = append(got, fmt.Sprintf("%s %s %s %v %s", e["at"], e["userName"], e["action"], e["entityId"], e["summary"]))
		}
		wantFirst := []string{
			fmt.Sprintf("2026-11-23T16:01:00Z Agent acme archive %d ", id),
			fmt.Sprintf("2026-11-23T16:00:00Z Agent acme create %d Audrey Trail", id),
		}
		if len(got) < 2 || strings.Join(got[:2], "\n") != strings.Join(wantFirst, "\n") {
			t.Errorf("audit log:\n%s\nwant first:\n%s", strings.Join(got, "\n"), strings.Join(wantFirst, "\n"))
		}
		if first := items[0].(map[string]any); first["entity"] != "person" || num(first, "userId") != a.agent.ID {
			t.Errorf("first entry %v", first)
		}
		if len(got) < 3 || !strings.Contains(got[2], `create`) || !strings.HasSuffix(got[2], "for Owner acme") {
			t.Errorf("the owner's key is not logged:\n%s", strings.Join(got, "\n"))
		}
		theirs := h.call(h.key(b.org.ID, b.owner.ID), "GET", "/api/v1/audit", nil)
		want(t, theirs, http.StatusOK)
		if body := string(theirs.body); strings.Contains(body, "Audrey") || strings.Contains(body, "acme") || !strings.Contains(body, "Bravo-only") {
			t.Errorf("organisation bravo's log: %s", body)
		}

		// Paged with the cursor.
		var seen []int64
		path := "/api/v1/audit?limit=2"
		for range 10 {
			r := h.call(owner, "GET", path, nil)
			want(t, r, http.StatusOK)
			body := r.json(t)
			for _, it := range body["items"].([]any) {
				seen = append(seen, num(it.(map[string]any), "id"))
			}
			next, _ := body["next"].(string)
			if next == "" {
				break
			}
			path = "/api/v1/audit?limit=2&cursor=" + next
		}
		if len(seen) != len(items) {
			t.Fatalf("paged %d of %d", len(seen), len(items))
		}
		for i := range seen {
			if seen[i] != num(items[i].(map[string]any), "id") {
				t.Fatalf("paged %v", seen)
			}
		}
		want(t, h.call(owner, "GET", "/api/v1/audit?cursor=x", nil), http.StatusBadRequest)
	})
}

// TestDoNotCallOnTheAPI: someone marked do not call is not on the API's
// Today, and an outbound call logged to them needs confirmDoNotCall:
// without it 400 naming that field and nothing saved; with it 201 and the
// conversation says so. Inbound calls and texts need nothing.
func TestDoNotCallOnTheAPI(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		r := h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Dana", "kind": "lead", "doNotCall": true,
			"phones": []map[string]string{{"number": "(312) 555-0101"}}})
		want(t, r, http.StatusCreated)
		dana := num(r.json(t), "id")
		r = h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Carl", "kind": "lead",
			"phones": []map[string]string{{"number": "(312) 555-0102"}}})
		want(t, r, http.StatusCreated)
		carl := num(r.json(t), "id")
		today := func() string {
			t.Helper()
			r := h.call(a.key, "GET", "/api/v1/today", nil)
			want(t, r, http.StatusOK)
			return string(r.body)
		}
		if body := today(); strings.Contains(body, "Dana") || !strings.Contains(body, "Carl") {
			t.Errorf("today: %s", body)
		}
		// Marked through the API: off Today too.
		want(t, h.call(a.key, "PATCH", fmt.Sprintf("/api/v1/people/%d", carl), map[string]any{"doNotCall": true}), http.StatusOK)
		if body := today(); strings.Contains(body, "Carl") {
			t.Errorf("today after marking Carl: %s", body)
		}

		call := map[string]any{"personId": dana, "channel": "call", "outcome": "live", "notes": "She rang back",
			"facts": []map[string]string{{"type": "fear", "text": "Heights"}}, "followUp": map[string]string{"due": "1w"}}
		r = h.call(a.key, "POST", "/api/v1/conversations", call)
		want(t, r, http.StatusBadRequest)
		if r.errField() != "confirmDoNotCall" {
			t.Errorf("refusal: %s", r.body)
		}
		for _, path := range []string{"/api/v1/conversations?personId=%d", "/api/v1/followups?personId=%d", "/api/v1/people/%d/facts"} {
			r := h.call(a.key, "GET", fmt.Sprintf(path, dana), nil)
			if items := r.json(t)["items"].([]any); len(items) != 0 {
				t.Errorf("%s after a refused call: %s", path, r.body)
			}
		}
		call["confirmDoNotCall"] = true
		r = h.call(a.key, "POST", "/api/v1/conversations", call)
		want(t, r, http.StatusCreated)
		c := r.json(t)["conversation"].(map[string]any)
		if c["doNotCallConfirmed"] != true {
			t.Errorf("confirmed call: %v", c)
		}
		r = h.call(a.key, "GET", fmt.Sprintf("/api/v1/conversations/%d", num(c, "id")), nil)
		if r.json(t)["doNotCallConfirmed"] != true {
			t.Errorf("stored call: %s", r.body)
		}
		for _, in := range []map[string]any{
			{"personId": dana, "channel": "call", "direction": "inbound", "outcome": "live"},
			{"personId": dana, "channel": "text"},
		} {
			r := h.call(a.key, "POST", "/api/v1/conversations", in)
			want(t, r, http.StatusCreated)
			if r.json(t)["conversation"].(map[string]any)["doNotCallConfirmed"] != false {
				t.Errorf("%v marked confirmed", in)
			}
		}
		// The person stays do not call.
		if r := h.call(a.key, "GET", fmt.Sprintf("/api/v1/people/%d", dana), nil); r.json(t)["doNotCall"] != true {
			t.Errorf("Dana: %s", r.body)
		}
	})
}
