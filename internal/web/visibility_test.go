package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestVisibilitySetting: only an owner changes who sees whose people.
func TestVisibilitySetting(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		org := url.Values{"name": {"Org acme"}, "region": {"US"}, "tz": {"America/Chicago"}}
		with := func(v string) url.Values {
			f := url.Values{}
			for k, vs := range org {
				f[k] = vs
			}
			f.Set("visibility", v)
			return f
		}
		owner := h.signedIn(a.owner.Email)
		res := owner.get("/settings")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `name="visibility" type="radio" value="all" checked`, `value="own"`, "Agents see only the people they own")

		res = owner.post("/settings/org", with("secret"))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Choose whether everyone sees")
		wantStatus(t, owner.post("/settings/org", with("own")), http.StatusSeeOther)
		if o, _ := h.db.Org(ctx, a.org.ID); o.Visibility != rapport.VisibilityOwn {
			t.Fatalf("visibility = %q", o.Visibility)
		}
		wantBody(t, owner.get("/settings"), `value="own" checked`)

		// A manager keeps the organisation's other settings, but not this.
		manager := h.signedIn(a.manager.Email)
		res = manager.get("/settings")
		wantBody(t, res, "Agents see only the people they own; owners and managers see everyone.", "Only an owner can change this.")
		if strings.Contains(res.body, `name="visibility"`) {
			t.Error("a manager is offered the visibility setting")
		}
		res = manager.post("/settings/org", with("all"))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Only an owner can change who sees whose people.")
		renamed := with("own")
		renamed.Set("name", "Acme Realty")
		wantStatus(t, manager.post("/settings/org", renamed), http.StatusSeeOther)
		org.Del("visibility")
		org.Set("name", "Acme Homes")
		wantStatus(t, manager.post("/settings/org", org), http.StatusSeeOther)
		if o, _ := h.db.Org(ctx, a.org.ID); o.Visibility != rapport.VisibilityOwn || o.Name != "Acme Homes" {
			t.Fatalf("after the manager: %+v", o)
		}
		wantStatus(t, h.signedIn(a.agent.Email).post("/settings/org", with("all")), http.StatusForbidden)
	})
}

// TestPrivatePeople: with visibility "own", an agent works their own
// people and finds nothing of a colleague's anywhere; managers and owners
// see everyone; back to "all", the agent sees everyone again.
func TestPrivatePeople(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		fx := h.authzFixture("acme")
		secret := strconv.FormatInt(fx.ids["person"], 10)
		agent := h.signedIn(fx.agent.Email)

		res := agent.get("/people")
		wantBody(t, res, "Olivia Ownedbyme")
		leaks(t, "the agent's people", res, privateLeaks)
		for _, q := range []string{"zelda", "secretkeeper", "3125550177", "divorce", "afraid", "xavier"} {
			if r := agent.get("/people?q=" + url.QueryEscape(q)); !strings.Contains(r.body, "No one matches") {
				t.Errorf("the agent's search for %q finds someone", q)
			}
		}
		for _, path := range []string{"/people/export.csv", "/people/export.vcf", "/people?kind=client", "/people?sort=-created"} {
			res := agent.get(path)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Olivia")
			leaks(t, path, res, privateLeaks)
		}
		if r := agent.get("/people/suggest?q=zel"); strings.TrimSpace(r.body) != "[]" {
			t.Errorf("suggest: %s", r.body)
		}
		for _, path := range []string{"/followups?scope=all", "/duplicates", "/referrals", "/recruiting", "/recruiting/board",
			"/companies/" + strconv.FormatInt(fx.ids["company"], 10), "/import", "/people/new?referred_by=" + secret} {
			leaks(t, path, agent.get(path), privateLeaks)
		}
		// Naming her as a referrer is refused as for no one at all.
		res = agent.post("/people", url.Values{"first_name": {"Nina"}, "kind": {"lead"}, "referred_by": {"#" + secret}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "No one with that number")
		leaks(t, "refused referrer", res, privateLeaks)
		res = agent.post("/people", url.Values{"first_name": {"Nina"}, "kind": {"lead"}, "referred_by": {"Zelda"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "No one matches")

		// Someone the agent adds for the colleague is the colleague's to
		// see: saving goes back to the list.
		res = agent.post("/people", url.Values{"first_name": {"Gift"}, "kind": {"lead"}, "owner": {strconv.FormatInt(fx.colleague.ID, 10)}})
		if res.status != http.StatusSeeOther || res.location != "/people" {
			t.Errorf("adding someone for a colleague: %d → %q", res.status, res.location)
		}

		// A promise a manager gives the agent about her stays off the
		// agent's Today and follow-ups: the agent may not see her.
		given := &rapport.FollowUp{PersonID: fx.ids["person"], UserID: fx.agent.ID, DueOn: rapport.DayOf(h.clock.Now(), time.UTC), Note: "Given callback"}
		if err := h.db.CreateFollowUp(ctx, rapport.Member(fx.org, fx.manager), given); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/today", "/call", "/followups", "/followups?scope=all"} {
			res := agent.get(path)
			wantStatus(t, res, http.StatusOK)
			leaks(t, path, res, append(privateLeaks, "Given callback"))
		}

		// The agent's own person, referred by her: who referred them is part
		// of their story (Today's opening line names her), and stays when
		// the agent edits them; nothing else of hers shows.
		mine := &rapport.Person{FirstName: "Rex", LastName: "Referred", Kind: rapport.KindLead, OwnerID: fx.agent.ID, ReferredByID: fx.ids["person"]}
		if err := h.db.CreatePerson(ctx, rapport.Member(fx.org, fx.colleague), mine); err != nil {
			t.Fatal(err)
		}
		wantBody(t, agent.get("/people/"+strconv.FormatInt(mine.ID, 10)), "Referred by", "Zelda Secretkeeper")
		leaks(t, "the agent's Today", agent.get("/call"), []string{"Confidential divorce", "Afraid her ex", "Hush notes", "555-0177"})
		wantStatus(t, agent.get("/people/"+strconv.FormatInt(mine.ID, 10)+"/edit"), http.StatusOK)
		res = agent.post("/people/"+strconv.FormatInt(mine.ID, 10), url.Values{"first_name": {"Rex"}, "last_name": {"Referred"},
			"kind": {"lead"}, "owner": {strconv.FormatInt(fx.agent.ID, 10)}, "referred_by": {"#" + secret + " Zelda Secretkeeper"}})
		wantStatus(t, res, http.StatusSeeOther)
		if p, _ := h.db.Person(ctx, rapport.Actor{Org: fx.org.ID}, mine.ID); p.ReferredByID != fx.ids["person"] {
			t.Errorf("the referral was lost: %d", p.ReferredByID)
		}

		// Managers and owners see everyone.
		for _, email := range []string{fx.manager.Email, fx.owner.Email} {
			c := h.signedIn(email)
			wantBody(t, c.get("/people/"+secret), "Zelda", "Confidential divorce", "Afraid her ex")
			wantBody(t, c.get("/people?q=zelda"), "Zelda Secretkeeper")
			wantBody(t, c.get("/followups?scope=all"), "Private callback")
			wantBody(t, c.get("/duplicates"), "Zelda")
			wantBody(t, c.get("/recruiting"), "Xavier")
		}
		// The colleague sees their own.
		wantBody(t, h.signedIn(fx.colleague.Email).get("/people/"+secret), "Zelda", "Confidential divorce")

		// Back to everyone sees everyone's.
		fx.org.Visibility = rapport.VisibilityAll
		if err := h.db.UpdateOrg(ctx, rapport.Actor{Org: fx.org.ID}, fx.org); err != nil {
			t.Fatal(err)
		}
		wantBody(t, agent.get("/people/"+secret), "Zelda", "Confidential divorce")
		wantBody(t, agent.get("/people?q=zelda"), "Zelda Secretkeeper")
		wantBody(t, agent.get("/people/export.csv"), "Zelda", "Olivia")
	})
}
