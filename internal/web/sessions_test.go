package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/server"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/web"
)

// TestSignOutEverywhere: the button in Settings ends every session of
// the user, this browser's too, and no one else's.
func TestSignOutEverywhere(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		phone, laptop := h.signedIn(a.owner.Email), h.signedIn(a.owner.Email)
		colleague := h.signedIn(a.agent.Email)
		res := laptop.get("/settings")
		wantBody(t, res, `<form method="post" action="/signout">`, `name="everywhere" value="1"`, "Sign out everywhere")

		res = laptop.post("/signout", url.Values{"everywhere": {"1"}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/signin" {
			t.Errorf("after signing out everywhere: %q", res.location)
		}
		wantBody(t, laptop.get("/signin"), "You are signed out everywhere: 2 sessions ended.")
		for name, c := range map[string]*client{"this browser": laptop, "the other": phone} {
			if res := c.get("/today"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.location, "/signin") {
				t.Errorf("%s is still signed in: %d %q", name, res.status, res.location)
			}
			// A form posted there now is not saved.
			wantStatus(t, c.post("/people", url.Values{"first_name": {"Late"}, "kind": {"lead"}}), http.StatusUnauthorized)
		}
		wantStatus(t, colleague.get("/today"), http.StatusOK)
		log, _ := h.db.AuditLog(ctx, rapport.Actor{Org: a.org.ID}, 0, 1)
		if e := log[0]; e.Action != store.AuditSignOut || e.UserName != "Owner acme" {
			t.Errorf("audit: %+v", e)
		}
		// Signing in again works, and a plain sign-out ends only that one.
		again, other := h.signedIn(a.owner.Email), h.signedIn(a.owner.Email)
		wantStatus(t, again.post("/signout", nil), http.StatusSeeOther)
		wantStatus(t, other.get("/today"), http.StatusOK)
		// Signing out everywhere without a live session signs nothing out.
		wantStatus(t, again.post("/signout", url.Values{"everywhere": {"1"}}), http.StatusSeeOther)
		wantStatus(t, other.get("/today"), http.StatusOK)
	})
}

// TestAPIKeyShownOnceAndRevokedAtOnce: a key made in Settings works on
// the API at once, is never shown again, and stops working on the API the
// moment it is revoked.
func TestAPIKeyShownOnceAndRevokedAtOnce(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		app, err := web.New(web.Options{DB: h.db, Now: h.clock.Now, Logger: quietLog()})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(server.New(app, api.New(api.Options{DB: h.db, Now: h.clock.Now, Logger: quietLog()}), nil, nil, config.DefaultInFlight(), nil))
		defer srv.Close()
		h.srv = srv
		c := h.signedIn(a.agent.Email)
		res := c.post("/settings/keys", url.Values{"name": {"Zapier"}})
		wantStatus(t, res, http.StatusOK)
		key := between(res.body, `id="new-key" type="text" readonly value="`, `"`)
		if !strings.HasPrefix(key, "rk_") {
			t.Fatalf("no key shown: %s", res.body)
		}
		callAPI := func() int {
			t.Helper()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/users", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			return res.StatusCode
		}
		if got := callAPI(); got != http.StatusOK {
			t.Fatalf("new key on the API: %d", got)
		}
		list := c.get("/settings/keys")
		if strings.Contains(list.body, key) || strings.Contains(list.body, key[len(key)-8:]) {
			t.Error("the key is shown again")
		}
		keys, _ := h.db.APIKeys(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID)
		wantStatus(t, c.post("/settings/keys/"+strconv.FormatInt(keys[0].ID, 10)+"/revoke", nil), http.StatusSeeOther)
		if got := callAPI(); got != http.StatusUnauthorized {
			t.Errorf("revoked key on the API: %d, want 401", got)
		}
		log, _ := h.db.AuditLog(ctx, rapport.Actor{Org: a.org.ID}, 0, 1)
		if e := log[0]; e.Entity != "API key" || e.Summary != "revoked" || e.UserName != "Agent acme" {
			t.Errorf("audit: %+v", e)
		}
	})
}
