package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestTeamAPI: an owner disables a departing agent through the API,
// handing their person over, and the agent's key stops working on its
// next request; roles change (owners only, the last owner kept); reset
// links are answered once; owners and managers list and revoke every key,
// agents their own.
func TestTeamAPI(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		owner := h.key(a.org.ID, a.owner.ID)
		add := func(name string, role rapport.Role) (*rapport.User, string) {
			u := &rapport.User{OrgID: a.org.ID, Email: strings.ToLower(name) + "@acme.test", Name: name, Role: role, PasswordHash: "x"}
			if err := h.db.CreateUser(ctx, rapport.Actor{Org: u.OrgID}, u); err != nil {
				t.Fatal(err)
			}
			return u, h.key(a.org.ID, u.ID)
		}
		bea, beaKey := add("Bea", rapport.RoleAgent)
		mia, miaKey := add("Mia", rapport.RoleManager)
		p := &rapport.Person{FirstName: "Paula", Kind: rapport.KindLead, OwnerID: a.agent.ID}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p); err != nil {
			t.Fatal(err)
		}
		user := func(u *rapport.User, action string) string {
			path := fmt.Sprintf("/api/v1/users/%d", u.ID)
			if action != "" {
				path += "/" + action
			}
			return path
		}
		want(t, h.call(a.key, "GET", "/api/v1/today", nil), http.StatusOK)

		// Their person needs a new owner; a manager may not disable an owner.
		r := h.call(owner, "POST", user(a.agent, "disable"), nil)
		want(t, r, http.StatusBadRequest)
		if r.errField() != "handTo" {
			t.Errorf("field = %q", r.errField())
		}
		want(t, h.call(miaKey, "POST", user(a.owner, "disable"), map[string]any{"handTo": bea.ID}), http.StatusForbidden)
		want(t, h.call(owner, "POST", user(a.owner, "disable"), map[string]any{"handTo": bea.ID}), http.StatusConflict)

		r = h.call(miaKey, "POST", user(a.agent, "disable"), map[string]any{"handTo": bea.ID})
		want(t, r, http.StatusOK)
		out := r.json(t)
		u := out["user"].(map[string]any)
		if num(out, "handedTo") != bea.ID || num(out, "people") != 1 || num(out, "keysRevoked") != 1 || u["active"] != false ||
			u["disabledAt"] != monday.UTC().Format(time.RFC3339) {
			t.Errorf("disabled: %s", r.body)
		}
		// Their key is refused on its very next request.
		want(t, h.call(a.key, "GET", "/api/v1/today", nil), http.StatusUnauthorized)
		if got, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, p.ID); got.OwnerID != bea.ID {
			t.Errorf("owner = %d", got.OwnerID)
		}
		want(t, h.call(owner, "POST", user(a.agent, "disable"), map[string]any{"handTo": bea.ID}), http.StatusConflict)
		want(t, h.call(owner, "POST", user(a.agent, "reset"), nil), http.StatusConflict)

		// Roles: owners only; the last owner stays one.
		want(t, h.call(miaKey, "PATCH", user(bea, ""), map[string]any{"role": "manager"}), http.StatusForbidden)
		r = h.call(owner, "PATCH", user(a.owner, ""), map[string]any{"role": "agent"})
		want(t, r, http.StatusConflict)
		if r.errField() != "role" {
			t.Errorf("field = %q", r.errField())
		}
		want(t, h.call(owner, "PATCH", user(bea, ""), map[string]any{"role": "boss"}), http.StatusBadRequest)
		want(t, h.call(owner, "PATCH", user(bea, ""), map[string]any{"name": "Renamed"}), http.StatusBadRequest)
		want(t, h.call(beaKey, "GET", "/api/v1/audit", nil), http.StatusForbidden)
		r = h.call(owner, "PATCH", user(bea, ""), map[string]any{"role": "manager"})
		want(t, r, http.StatusOK)
		if r.json(t)["role"] != "manager" {
			t.Errorf("role: %s", r.body)
		}
		want(t, h.call(beaKey, "GET", "/api/v1/audit", nil), http.StatusOK) // her key, the next request

		// A reset link, answered once.
		r = h.call(miaKey, "POST", user(a.owner, "reset"), nil)
		want(t, r, http.StatusForbidden)
		r = h.call(owner, "POST", user(mia, "reset"), nil)
		want(t, r, http.StatusCreated)
		link := r.json(t)
		path, _ := link["path"].(string)
		if !strings.HasPrefix(path, "/reset/") || link["url"] != h.srv.URL+path || link["expiresAt"] != monday.Add(time.Hour).UTC().Format(time.RFC3339) {
			t.Errorf("link: %s", r.body)
		}
		if u, err := h.db.PasswordResetUser(ctx, strings.TrimPrefix(path, "/reset/")); err != nil || u.ID != mia.ID {
			t.Errorf("the link is not Mia's: %v", err)
		}

		// Re-enabled: they are active again, with their old key still revoked.
		r = h.call(owner, "POST", user(a.agent, "enable"), nil)
		want(t, r, http.StatusOK)
		if r.json(t)["active"] != true {
			t.Errorf("enabled: %s", r.body)
		}
		want(t, h.call(a.key, "GET", "/api/v1/today", nil), http.StatusUnauthorized)
		want(t, h.call(owner, "POST", user(a.agent, "enable"), nil), http.StatusConflict)

		// Keys: every key for owners and managers, one's own for agents.
		_, agentKey := add("Zed", rapport.RoleAgent)
		r = h.call(miaKey, "GET", "/api/v1/keys", nil)
		want(t, r, http.StatusOK)
		items := r.json(t)["items"].([]any)
		byName := map[string]map[string]any{}
		for _, it := range items {
			k := it.(map[string]any)
			byName[k["userName"].(string)] = k
		}
		if len(items) != 5 || byName["Agent acme"]["revokedAt"] == nil || byName["Owner acme"]["revokedAt"] != nil || byName["Zed"] == nil {
			t.Errorf("keys: %s", r.body)
		}
		r = h.call(agentKey, "GET", "/api/v1/keys", nil)
		want(t, r, http.StatusOK)
		if mine := r.json(t)["items"].([]any); len(mine) != 1 || mine[0].(map[string]any)["userName"] != "Zed" {
			t.Errorf("an agent's keys: %s", r.body)
		}
		ownerKeyID := num(byName["Owner acme"], "id")
		want(t, h.call(agentKey, "POST", fmt.Sprintf("/api/v1/keys/%d/revoke", ownerKeyID), nil), http.StatusNotFound)
		r = h.call(miaKey, "POST", fmt.Sprintf("/api/v1/keys/%d/revoke", num(byName["Zed"], "id")), nil)
		want(t, r, http.StatusOK)
		if r.json(t)["revokedAt"] == nil {
			t.Errorf("revoked: %s", r.body)
		}
		want(t, h.call(agentKey, "GET", "/api/v1/keys", nil), http.StatusUnauthorized)
		log, _ := h.db.AuditLog(ctx, rapport.Actor{Org: a.org.ID}, 0, 1)
		if log[0].Action != store.AuditRevoke || log[0].UserName != "Mia" || !strings.Contains(log[0].Summary, "Zed's key") {
			t.Errorf("audit: %+v", log[0])
		}
	})
}
