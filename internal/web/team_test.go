package web_test

import (
	"bytes"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/web"
)

// teamFixture is an organisation with a second agent, Bea, to take over
// from the first, who owns a person and has talked to them.
type teamFixture struct {
	*orgFixture
	bea    *rapport.User
	person *rapport.Person
}

func (h *harness) team(slug string) *teamFixture {
	h.t.Helper()
	fx := &teamFixture{orgFixture: h.org(slug)}
	fx.bea = &rapport.User{OrgID: fx.org.ID, Email: "bea@" + slug + ".test", Name: "Bea Successor", Role: rapport.RoleAgent, PasswordHash: h.hash}
	if err := h.db.CreateUser(ctx, rapport.Actor{Org: fx.bea.OrgID}, fx.bea); err != nil {
		h.t.Fatal(err)
	}
	fx.person = &rapport.Person{FirstName: "Paula", LastName: "Prospect", Kind: rapport.KindLead, OwnerID: fx.agent.ID}
	if err := h.db.CreatePerson(ctx, rapport.Member(fx.org, fx.agent), fx.person); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.db.LogConversation(ctx, rapport.Member(fx.org, fx.agent), &store.LogInput{Conversation: rapport.Conversation{PersonID: fx.person.ID,
		Channel: rapport.ChannelCall, Outcome: rapport.OutcomeLive, Notes: "Talked about schools"}}); err != nil {
		h.t.Fatal(err)
	}
	return fx
}

func userPath(u *rapport.User, action string) string {
	p := "/users/" + itoa(u.ID)
	if action != "" {
		p += "/" + action
	}
	return p
}

// TestDisableUserInTheBrowser: an owner disables a departing agent,
// handing their people to a colleague; the agent's open session is
// refused on its next request, they cannot sign in, and history keeps
// their name. Re-enabled, they sign in again with nothing handed back.
func TestDisableUserInTheBrowser(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		fx := h.team("acme")
		agent := h.signedIn(fx.agent.Email)
		owner := h.signedIn(fx.owner.Email)

		res := owner.get("/users")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `<a href="/users/`+itoa(fx.agent.ID)+`">Agent acme</a>`)
		res = owner.get(userPath(fx.agent, ""))
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "1 person they own", `action="/users/`+itoa(fx.agent.ID)+`/disable"`, `<option value="`+itoa(fx.bea.ID)+`"`,
			`action="/users/`+itoa(fx.agent.ID)+`/role"`, "1 signed-in session")

		// Their people need a new owner.
		res = owner.post(userPath(fx.agent, "disable"), url.Values{})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, html.EscapeString("Choose who takes over from Agent acme: 1 person."))
		wantStatus(t, agent.get("/today"), http.StatusOK)

		res = owner.post(userPath(fx.agent, "disable"), url.Values{"hand_to": {itoa(fx.bea.ID)}})
		wantStatus(t, res, http.StatusSeeOther)
		res = owner.get(res.location)
		wantBody(t, res, "Agent acme is disabled: 1 person handed to Bea Successor", "1 session ended", "disabled Mon 23 Nov",
			`action="/users/`+itoa(fx.agent.ID)+`/enable"`)

		// Their open session is refused at once, and they cannot sign back in.
		if r := agent.get("/today"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/signin") {
			t.Errorf("the disabled agent's session: %d %q", r.status, r.location)
		}
		wantStatus(t, agent.post("/people", url.Values{"first_name": {"Late"}, "kind": {"lead"}}), http.StatusUnauthorized)
		wantStatus(t, h.client().post("/signin", url.Values{"email": {fx.agent.Email}, "password": {password}}), http.StatusUnauthorized)

		// Their person is Bea's; the conversation keeps its author.
		p, _ := h.db.Person(ctx, rapport.Actor{Org: fx.org.ID}, fx.person.ID)
		if p.OwnerID != fx.bea.ID {
			t.Errorf("owner = %d", p.OwnerID)
		}
		res = owner.get("/people/" + itoa(fx.person.ID))
		wantBody(t, res, "Talked about schools", "Agent acme")
		// Pickers leave them out; the team list marks them.
		if r := owner.get("/people/" + itoa(fx.person.ID) + "/edit"); !strings.Contains(r.body, ">Bea Successor</option>") || strings.Contains(r.body, ">Agent acme</option>") {
			t.Error("the owner picker offers the disabled agent")
		}
		wantBody(t, owner.get("/users"), `Agent acme</a> <span class="badge archived">disabled</span>`)
		// Disabling twice is refused, and says why.
		res = owner.post(userPath(fx.agent, "disable"), url.Values{"hand_to": {itoa(fx.bea.ID)}})
		wantStatus(t, res, http.StatusConflict)
		wantBody(t, res, "Agent acme is already disabled.")

		// Re-enabled: they sign in again; their person stays with Bea.
		wantStatus(t, owner.post(userPath(fx.agent, "enable"), nil), http.StatusSeeOther)
		h.signedIn(fx.agent.Email)
		if p, _ := h.db.Person(ctx, rapport.Actor{Org: fx.org.ID}, fx.person.ID); p.OwnerID != fx.bea.ID {
			t.Error("their person came back")
		}
		log, _ := h.db.AuditLog(ctx, rapport.Actor{Org: fx.org.ID}, 0, 2)
		if log[0].Action != store.AuditEnable || log[1].Action != store.AuditDisable || log[1].UserName != "Owner acme" {
			t.Errorf("audit: %+v", log)
		}
		wantBody(t, owner.get("/audit"), "disable", "1 person handed to Bea Successor")
	})
}

// TestTeamRoleRules: owners disable anyone but themselves and change
// roles; managers disable, re-enable and make reset links for agents
// only, and change no roles; agents do none of it. A role change reaches
// the user's next request in the session they already have.
func TestTeamRoleRules(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		fx := h.team("acme")
		owner, manager, agent := h.signedIn(fx.owner.Email), h.signedIn(fx.manager.Email), h.signedIn(fx.agent.Email)

		// Agents: no member pages at all.
		for _, r := range []response{agent.get(userPath(fx.bea, "")), agent.post(userPath(fx.bea, "disable"), url.Values{"hand_to": {itoa(fx.owner.ID)}}),
			agent.post(userPath(fx.bea, "reset"), nil), agent.post(userPath(fx.bea, "role"), url.Values{"role": {"owner"}})} {
			wantStatus(t, r, http.StatusForbidden)
		}
		// Managers: agents only, and no roles.
		res := manager.get(userPath(fx.owner, ""))
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, "/disable") || strings.Contains(res.body, "/reset") || strings.Contains(res.body, "/role") {
			t.Error("a manager is offered to disable, reset or change the role of an owner")
		}
		wantStatus(t, manager.post(userPath(fx.owner, "disable"), url.Values{"hand_to": {itoa(fx.bea.ID)}}), http.StatusForbidden)
		wantStatus(t, manager.post(userPath(fx.owner, "reset"), nil), http.StatusForbidden)
		wantStatus(t, manager.post(userPath(fx.bea, "role"), url.Values{"role": {"manager"}}), http.StatusForbidden)
		res = manager.get(userPath(fx.bea, ""))
		wantBody(t, res, "/disable", "/reset")
		if strings.Contains(res.body, `action="/users/`+itoa(fx.bea.ID)+`/role"`) {
			t.Error("a manager is offered to change a role")
		}
		wantStatus(t, manager.post(userPath(fx.bea, "disable"), url.Values{"hand_to": {itoa(fx.agent.ID)}}), http.StatusSeeOther)
		wantStatus(t, manager.post(userPath(fx.bea, "enable"), nil), http.StatusSeeOther)

		// Owners: not themselves; the last owner stays an owner.
		res = owner.post(userPath(fx.owner, "disable"), url.Values{"hand_to": {itoa(fx.bea.ID)}})
		wantStatus(t, res, http.StatusConflict)
		wantBody(t, res, "You cannot disable yourself")
		res = owner.post(userPath(fx.owner, "role"), url.Values{"role": {"manager"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Owner acme is the last active owner")

		// A role change reaches the agent's open session on its next request.
		wantStatus(t, agent.get("/audit"), http.StatusForbidden)
		res = owner.post(userPath(fx.agent, "role"), url.Values{"role": {"manager"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, owner.get(res.location), "Agent acme is a manager; it applies from their next page or API call.")
		wantStatus(t, agent.get("/audit"), http.StatusOK)
		if log, _ := h.db.AuditLog(ctx, rapport.Actor{Org: fx.org.ID}, 0, 1); log[0].Action != store.AuditRole || !strings.HasSuffix(log[0].Summary, "agent → manager") {
			t.Errorf("audit: %+v", log[0])
		}
	})
}

// TestResetLinkFlow: an owner makes a one-time link and sees its full
// URL once; following it, the user chooses a new password under the
// usual rules, is signed in, and every older session ends. Used,
// unknown and expired links all answer the same 404.
func TestResetLinkFlow(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		fx := h.team("acme")
		owner := h.signedIn(fx.owner.Email)
		old := h.signedIn(fx.agent.Email)

		res := owner.post(userPath(fx.agent, "reset"), nil)
		wantStatus(t, res, http.StatusOK)
		link := between(res.body, `id="reset-url" type="text" readonly value="`, `"`)
		if !strings.HasPrefix(link, h.srv.URL+"/reset/") {
			t.Fatalf("no link shown: %q", link)
		}
		path := strings.TrimPrefix(link, h.srv.URL)
		if strings.Contains(owner.get(userPath(fx.agent, "")).body, path) {
			t.Error("the link is shown again")
		}

		c := h.client()
		res = c.get(path)
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Choose a new password", fx.agent.Email, `name="password2"`)
		// The password rules apply, and the link survives a mistake.
		res = c.post(path, url.Values{"password": {"short"}, "password2": {"short"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Use at least 10 characters.")
		res = c.post(path, url.Values{"password": {"a brand new secret"}, "password2": {"a different secret"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "The two passwords differ.")

		res = c.post(path, url.Values{"password": {"a brand new secret"}, "password2": {"a brand new secret"}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/today" {
			t.Errorf("after the reset: %q", res.location)
		}
		wantBody(t, c.get("/today"), "Your new password is set")
		if r := old.get("/today"); r.status != http.StatusSeeOther {
			t.Errorf("the older session lives on: %d", r.status)
		}
		wantStatus(t, h.client().post("/signin", url.Values{"email": {fx.agent.Email}, "password": {password}}), http.StatusUnauthorized)
		wantStatus(t, h.client().post("/signin", url.Values{"email": {fx.agent.Email}, "password": {"a brand new secret"}}), http.StatusSeeOther)

		// Used, unknown and expired: one answer.
		used := h.client().get(path)
		wantStatus(t, used, http.StatusNotFound)
		wantBody(t, used, "This password reset link does not work")
		wantStatus(t, h.client().post(path, url.Values{"password": {"another new secret"}, "password2": {"another new secret"}}), http.StatusNotFound)
		unknown := h.client().get("/reset/not-a-real-token")
		res = manager(h, fx).post(userPath(fx.agent, "reset"), nil) // managers make them for agents
		wantStatus(t, res, http.StatusOK)
		later := strings.TrimPrefix(between(res.body, `id="reset-url" type="text" readonly value="`, `"`), h.srv.URL)
		h.clock.Advance(time.Hour + time.Minute)
		expired := h.client().get(later)
		for name, r := range map[string]response{"unknown": unknown, "expired": expired} {
			if r.status != used.status || r.body != used.body {
				t.Errorf("the %s link answers otherwise than a used one: %d", name, r.status)
			}
		}
		log, _ := h.db.AuditLog(ctx, rapport.Actor{Org: fx.org.ID}, 0, 3)
		if log[0].Action != store.AuditResetLink || log[0].UserName != "Manager acme" || log[1].Action != store.AuditResetPassword ||
			log[1].UserName != "Agent acme" || log[2].Action != store.AuditResetLink || log[2].UserName != "Owner acme" {
			t.Errorf("audit: %+v", log)
		}
	})
}

func manager(h *harness, fx *teamFixture) *client { return h.signedIn(fx.manager.Email) }

// TestTeamKeysPage: owners and managers see every key of the
// organisation, whose and when used, and revoke any; agents see and
// revoke only their own. Making a key is in the audit log.
func TestTeamKeysPage(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		fx := h.team("acme")
		agent, mgr := h.signedIn(fx.agent.Email), manager(h, fx)
		wantStatus(t, agent.post("/settings/keys", url.Values{"name": {"Agent feed"}}), http.StatusOK)
		wantStatus(t, owner(h, fx).post("/settings/keys", url.Values{"name": {"Owner feed"}}), http.StatusOK)
		if log, _ := h.db.AuditLog(ctx, rapport.Actor{Org: fx.org.ID}, 0, 1); log[0].Action != store.AuditCreate || log[0].Entity != "API key" ||
			!strings.HasPrefix(log[0].Summary, `"Owner feed" (rk_`) || log[0].UserName != "Owner acme" {
			t.Errorf("audit: %+v", log[0])
		}
		keys, _ := h.db.OrgAPIKeys(ctx, rapport.Actor{Org: fx.org.ID})
		if len(keys) != 2 {
			t.Fatalf("%d keys", len(keys))
		}
		ownerKey, agentKey := keys[0], keys[1]

		res := mgr.get("/settings/keys")
		wantBody(t, res, "Your team's keys", "Agent feed", "Owner feed", "Agent acme", "never")
		res = agent.get("/settings/keys")
		if strings.Contains(res.body, "Owner feed") || strings.Contains(res.body, "Your team's keys") {
			t.Error("an agent sees the team's keys")
		}
		wantStatus(t, agent.post("/settings/keys/"+itoa(ownerKey.ID)+"/revoke", nil), http.StatusNotFound)

		// A manager revokes the agent's key from the agent's page.
		res = mgr.post("/settings/keys/"+itoa(agentKey.ID)+"/revoke", url.Values{"next": {userPath(fx.agent, "")}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != userPath(fx.agent, "") {
			t.Errorf("back to %q", res.location)
		}
		if k, _ := h.db.APIKey(ctx, rapport.Member(fx.org, fx.manager), agentKey.ID); k.RevokedAt.IsZero() {
			t.Error("not revoked")
		}
		if log, _ := h.db.AuditLog(ctx, rapport.Actor{Org: fx.org.ID}, 0, 1); log[0].Action != store.AuditRevoke || log[0].UserName != "Manager acme" ||
			!strings.Contains(log[0].Summary, `Agent acme's key "Agent feed"`) {
			t.Errorf("audit: %+v", log[0])
		}
		wantBody(t, mgr.get(userPath(fx.agent, "")), "revoked Mon 23 Nov")
	})
}

func owner(h *harness, fx *teamFixture) *client { return h.signedIn(fx.owner.Email) }

// TestResetTokenNotLogged: a reset link's token never reaches the
// request log, used or not.
func TestResetTokenNotLogged(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		fx := h.team("acme")
		var logs syncBuf
		app, err := web.New(web.Options{DB: h.db, Now: h.clock.Now, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(app)
		defer srv.Close()
		h.srv = srv
		link, err := h.db.IssuePasswordReset(ctx, rapport.Actor{Org: fx.org.ID}, fx.agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		c := h.client()
		wantStatus(t, c.get(link.Path()), http.StatusOK)
		wantStatus(t, c.post(link.Path(), url.Values{"password": {"short"}}), http.StatusUnprocessableEntity)
		wantStatus(t, c.post(link.Path(), url.Values{"password": {"a brand new secret"}, "password2": {"a brand new secret"}}), http.StatusSeeOther)
		wantStatus(t, c.get(link.Path()), http.StatusNotFound)
		if out := logs.String(); strings.Contains(out, link.Token) || !strings.Contains(out, "path=/reset/…") {
			t.Errorf("the log:\n%s", out)
		}
	})
}

// syncBuf is a buffer the server's goroutines may write to at once.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
