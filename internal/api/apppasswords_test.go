package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAppPasswords: the API makes the key's user an app password for a
// device (answered once, with what to type where), lists them without
// the passwords, and revokes one.
func TestAppPasswords(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		want(t, h.call(a.key, "POST", "/api/v1/me/app-passwords", map[string]any{"name": ""}), http.StatusBadRequest)
		r := h.call(a.key, "POST", "/api/v1/me/app-passwords", map[string]any{"name": "Dana's iPhone"})
		want(t, r, http.StatusCreated)
		made := r.json(t)
		secret, _ := made["password"].(string)
		if len(secret) < 16 || made["username"] != a.agent.Email || made["name"] != "Dana's iPhone" ||
			!strings.HasSuffix(made["url"].(string), "/dav/") || made["server"] == "" {
			t.Fatalf("made %v", made)
		}
		if _, u, err := h.db.AppPasswordUser(ctx, a.agent.Email, secret); err != nil || u.ID != a.agent.ID {
			t.Fatalf("the password does not open the agent's book: %v", err)
		}
		r = h.call(a.key, "GET", "/api/v1/me/app-passwords", nil)
		want(t, r, http.StatusOK)
		if strings.Contains(string(r.body), secret) || !strings.Contains(string(r.body), "Dana's iPhone") {
			t.Errorf("list: %s", r.body)
		}
		id := num(made, "id")
		want(t, h.call(h.key(a.org.ID, a.owner.ID), "DELETE", fmt.Sprintf("/api/v1/me/app-passwords/%d", id), nil), http.StatusNotFound)
		want(t, h.call(a.key, "DELETE", fmt.Sprintf("/api/v1/me/app-passwords/%d", id), nil), http.StatusNoContent)
		want(t, h.call(a.key, "DELETE", fmt.Sprintf("/api/v1/me/app-passwords/%d", id), nil), http.StatusNotFound)
		if items := h.call(a.key, "GET", "/api/v1/me/app-passwords", nil).json(t)["items"].([]any); len(items) != 0 {
			t.Errorf("revoked and still listed: %v", items)
		}
	})
}
