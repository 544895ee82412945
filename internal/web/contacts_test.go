package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestAppPasswordSettings: Settings says how to add the address book to a
// phone, makes an app password for a named device and shows it once,
// lists it with when it was last used, and revokes it.
func TestAppPasswordSettings(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		page := c.get("/settings")
		wantBody(t, page, "Contacts on your phone", "Add CardDAV Account", a.agent.Email, h.srv.URL+"/dav/", "Make an app password")

		wantStatus(t, c.post("/settings/app-passwords", url.Values{"name": {" "}}), http.StatusUnprocessableEntity)
		made := c.post("/settings/app-passwords", url.Values{"name": {"Kitchen iPad"}})
		wantStatus(t, made, http.StatusOK)
		m := regexp.MustCompile(`value="([a-z0-9]{4}(?:-[a-z0-9]{4}){3})" aria-label="New app password"`).FindStringSubmatch(made.body)
		if m == nil {
			t.Fatalf("no app password shown:\n%s", made.body)
		}
		org, u, err := h.db.AppPasswordUser(ctx, a.agent.Email, m[1])
		if err != nil || org.ID != a.org.ID || u.ID != a.agent.ID {
			t.Fatalf("the password shown does not open the agent's book: %v", err)
		}
		again := c.get("/settings")
		if strings.Contains(again.body, m[1]) || !strings.Contains(again.body, "Kitchen iPad") || !strings.Contains(again.body, "ago") {
			t.Errorf("the password is shown again, or its device and last use are not listed")
		}
		ps, err := h.db.AppPasswords(ctx, rapport.Member(a.org, a.agent))
		if err != nil || len(ps) != 1 {
			t.Fatalf("%v %v", ps, err)
		}
		// Not the owner's to revoke; the agent's.
		wantStatus(t, h.signedIn(a.owner.Email).post("/settings/app-passwords/"+itoa(ps[0].ID)+"/revoke", nil), http.StatusNotFound)
		res := c.post("/settings/app-passwords/"+itoa(ps[0].ID)+"/revoke", nil)
		wantStatus(t, res, http.StatusSeeOther)
		if _, _, err := h.db.AppPasswordUser(ctx, a.agent.Email, m[1]); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("a revoked password still opens the book: %v", err)
		}
		if strings.Contains(c.get("/settings").body, "Kitchen iPad") {
			t.Error("a revoked password is still listed")
		}
	})
}
