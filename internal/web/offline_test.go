package web_test

import (
	"encoding/json"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestManifestAndServiceWorker: the manifest, the icons and the worker
// are served as an installable app needs them.
func TestManifestAndServiceWorker(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		c := h.client()
		r := c.get("/manifest.webmanifest")
		wantStatus(t, r, http.StatusOK)
		if ct := r.header.Get("Content-Type"); ct != "application/manifest+json" {
			t.Errorf("manifest type %q", ct)
		}
		var m struct {
			Name            string `json:"name"`
			ShortName       string `json:"short_name"`
			StartURL        string `json:"start_url"`
			Display         string `json:"display"`
			ThemeColor      string `json:"theme_color"`
			BackgroundColor string `json:"background_color"`
			Icons           []struct{ Src, Sizes, Purpose string }
		}
		if err := json.Unmarshal([]byte(r.body), &m); err != nil {
			t.Fatal(err)
		}
		if m.Name != "Rapport" || m.ShortName == "" || m.StartURL != "/today" || m.Display != "standalone" || m.ThemeColor != "#1f5fbf" || m.BackgroundColor != "#fbfaf7" {
			t.Errorf("manifest = %+v", m)
		}
		sizes := map[string]bool{}
		for _, ic := range m.Icons {
			sizes[ic.Sizes+" "+ic.Purpose] = true
			r := c.get(ic.Src)
			wantStatus(t, r, http.StatusOK)
			img, err := png.Decode(strings.NewReader(r.body))
			if err != nil || fmt.Sprintf("%dx%d", img.Bounds().Dx(), img.Bounds().Dy()) != ic.Sizes {
				t.Errorf("icon %s: %v", ic.Src, err)
			}
		}
		if !sizes["192x192 any"] || !sizes["512x512 any"] || !sizes["512x512 maskable"] {
			t.Errorf("icons = %v", sizes)
		}
		r = c.get("/apple-touch-icon.png")
		if img, err := png.Decode(strings.NewReader(r.body)); err != nil || img.Bounds().Dx() != 180 {
			t.Errorf("apple-touch-icon: %v", err)
		}
		r = c.get("/sw.js")
		wantStatus(t, r, http.StatusOK)
		if r.header.Get("Content-Type") != "text/javascript; charset=utf-8" || r.header.Get("Cache-Control") != "no-cache" {
			t.Errorf("sw.js headers %v", r.header)
		}
		if strings.Contains(r.body, "__") || !strings.Contains(r.body, "/static/") {
			t.Errorf("sw.js placeholders not filled in")
		}
		// The pages link them.
		c = h.signedIn(h.org("acme").agent.Email)
		wantBody(t, c.get("/today"), `<link rel="manifest" href="/manifest.webmanifest">`, `<meta name="theme-color"`,
			`<link rel="apple-touch-icon" href="/apple-touch-icon.png">`, "offline.js")
		// Signing out clears what the phone kept.
		r = c.post("/signout", url.Values{})
		if r.header.Get("Clear-Site-Data") != `"storage"` {
			t.Errorf("sign-out Clear-Site-Data = %q", r.header.Get("Clear-Site-Data"))
		}
	})
}

// TestQueuedLogAnswers: a log sent by the phone's queue is answered in
// JSON: logged once by its key, refused with the server's words (and
// nothing logged) when invalid, and refused when another user is signed in.
func TestQueuedLogAnswers(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		p := &rapport.Person{FirstName: "Dana", LastName: "Whit", Kind: rapport.KindLead, OwnerID: a.agent.ID}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p); err != nil {
			t.Fatal(err)
		}
		c := h.signedIn(a.agent.Email)
		send := func(path string, v url.Values) (int, map[string]any) {
			req, _ := http.NewRequest("POST", h.srv.URL+path, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			res, err := c.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var out map[string]any
			if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
				t.Fatalf("%s: not JSON (%d)", path, res.StatusCode)
			}
			return res.StatusCode, out
		}
		me := fmt.Sprintf("%d.%d", a.org.ID, a.agent.ID)
		v := url.Values{"outcome": {"no_answer"}, "idempotency_key": {"0f7c1e2a-5b6d-4c8e-9f10-a1b2c3d4e5f6"}, "as_user": {me}, "queued_for": {"600"}}
		callPath := fmt.Sprintf("/call/%d", p.ID)
		status, out := send(callPath, v)
		if status != http.StatusOK || out["status"] != "logged" {
			t.Fatalf("first send: %d %v", status, out)
		}
		status, out = send(callPath, v)
		if status != http.StatusOK || out["status"] != "replayed" || !strings.HasPrefix(out["message"].(string), "Already logged") {
			t.Fatalf("second send: %d %v", status, out)
		}
		cs, _, _ := h.db.Conversations(ctx, rapport.Actor{Org: a.org.ID}, store.ConversationFilter{PersonID: p.ID})
		if len(cs) != 1 || !cs[0].OccurredAt.Equal(monday.Add(-10*60e9)) {
			t.Fatalf("conversations = %+v, want one dated by its 10 minutes' wait", cs)
		}

		// Refused: a call with no outcome. Nothing is logged; the reason is given.
		bad := url.Values{"channel": {"call"}, "idempotency_key": {"1f7c1e2a-5b6d-4c8e-9f10-a1b2c3d4e5f6"}, "as_user": {me}}
		status, out = send(fmt.Sprintf("/people/%d/log", p.ID), bad)
		if status != http.StatusUnprocessableEntity || out["status"] != "refused" || !strings.Contains(out["message"].(string), "Choose how the call ended.") {
			t.Fatalf("invalid: %d %v", status, out)
		}
		// Written as someone else: refused, to wait for them.
		other := url.Values{"outcome": {"no_answer"}, "idempotency_key": {"2f7c1e2a-5b6d-4c8e-9f10-a1b2c3d4e5f6"}, "as_user": {"999.999"}}
		status, out = send(callPath, other)
		if status != http.StatusConflict || !strings.Contains(out["message"].(string), "someone else") {
			t.Fatalf("other user: %d %v", status, out)
		}
		cs, _, _ = h.db.Conversations(ctx, rapport.Actor{Org: a.org.ID}, store.ConversationFilter{PersonID: p.ID})
		if len(cs) != 1 {
			t.Fatalf("%d conversations after refusals", len(cs))
		}
	})
}
