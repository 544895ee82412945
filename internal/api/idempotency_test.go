package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestConversationIdempotencyKey: a conversation posted twice with one
// Idempotency-Key header is logged once; the second answer is 200 with
// the first conversation, marked replayed. A damaged key is refused,
// naming the header, and another organisation's same key is its own.
func TestConversationIdempotencyKey(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a, b := h.tenant("acme"), h.tenant("globex")
		post := func(tn *tenant, personID int64, key string) reply {
			body, _ := json.Marshal(map[string]any{"personId": personID, "channel": "call", "outcome": "live", "notes": "Talked",
				"facts": []map[string]string{{"type": "passion", "text": "Sailing"}}, "followUp": map[string]string{"due": "1w"}})
			req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/conversations", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tn.key)
			if key != "" {
				req.Header.Set("Idempotency-Key", key)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			out, _ := io.ReadAll(res.Body)
			return reply{res.StatusCode, res.Header, out}
		}
		person := func(tn *tenant) int64 {
			p := &rapport.Person{FirstName: "Dana", Kind: rapport.KindLead, OwnerID: tn.agent.ID}
			if err := h.db.CreatePerson(ctx, rapport.Member(tn.org, tn.agent), p); err != nil {
				t.Fatal(err)
			}
			return p.ID
		}
		pa, pb := person(a), person(b)
		const key = "4b7e3c1a-9d2f-4e8a-b6c5-0f1e2d3c4b5a"

		first := post(a, pa, key)
		want(t, first, http.StatusCreated)
		again := post(a, pa, key)
		want(t, again, http.StatusOK)
		f, g := first.json(t), again.json(t)
		if num(f["conversation"].(map[string]any), "id") != num(g["conversation"].(map[string]any), "id") || f["replayed"] != false || g["replayed"] != true {
			t.Fatalf("first %s\nagain %s", first.body, again.body)
		}
		if len(g["facts"].([]any)) != 1 || g["followUp"] == nil {
			t.Errorf("the replay lacks the facts or the next step: %s", again.body)
		}
		list := h.call(a.key, "GET", fmt.Sprintf("/api/v1/conversations?personId=%d", pa), nil)
		if n := len(list.json(t)["items"].([]any)); n != 1 {
			t.Fatalf("%d conversations after two posts with one key", n)
		}

		bad := post(a, pa, "x y")
		want(t, bad, http.StatusBadRequest)
		if bad.errField() != "Idempotency-Key" {
			t.Errorf("damaged key: %s", bad.body)
		}
		// Used for someone else: a conflict.
		want(t, post(a, person(a), key), http.StatusConflict)

		// Another organisation's same key is independent.
		want(t, post(b, pb, key), http.StatusCreated)
		// Without a key, each post logs.
		want(t, post(a, pa, ""), http.StatusCreated)
		want(t, post(a, pa, ""), http.StatusCreated)
		list = h.call(a.key, "GET", fmt.Sprintf("/api/v1/conversations?personId=%d", pa), nil)
		if n := len(list.json(t)["items"].([]any)); n != 3 {
			t.Fatalf("%d conversations, want 3", n)
		}
	})
}
