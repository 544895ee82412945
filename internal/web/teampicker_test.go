package web_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/web"
)

// TestLargeTeamTypesWhoItMeans: in a team too large for a list of
// everyone, the owner filter, a person's owner and whom a drill set is for
// are typed — a name, an email, or the start of a name — with suggestions
// from the team (never another organisation's), and what fits no one, or
// several people, is said beside the field rather than ignored.
func TestLargeTeamTypesWhoItMeans(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		defer web.SetTeamSelectMax(2)()
		a, b := h.org("acme"), h.org("globex")
		p := &rapport.Person{FirstName: "Olga", LastName: "Owned", Kind: rapport.KindLead, OwnerID: a.agent.ID}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p); err != nil {
			t.Fatal(err)
		}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.owner), &rapport.Person{FirstName: "Nina", LastName: "Nobody",
			Kind: rapport.KindLead, OwnerID: a.owner.ID}); err != nil {
			t.Fatal(err)
		}
		owner := h.signedIn(a.owner.Email)
		agentLabel := "Agent acme <agent@acme.test>"

		// The people list: no select of everyone; a typed owner filters
		// and is shown as who it found, and links carry the id.
		res := owner.get("/people")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `<input id="f-owner" name="owner" type="text" value=""`, `data-suggest="/team/suggest"`)
		if strings.Contains(res.body, `<select id="f-owner"`) {
			t.Error("the owner filter is still a list of everyone")
		}
		for _, typed := range []string{"agent acme", "Agent@Acme.test", "age", agentLabel} {
			res = owner.get("/people?owner=" + url.QueryEscape(typed))
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Olga Owned", `value="`+html.EscapeString(agentLabel)+`"`, "owner="+itoa(a.agent.ID))
			if strings.Contains(res.body, "Nina Nobody") {
				t.Errorf("owner %q: the list is not filtered", typed)
			}
		}
		res = owner.get("/people?owner=nobody+here")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, html.EscapeString(`No one on the team is called "nobody here".`), `value="nobody here"`,
			`aria-describedby="e-owner"`, `<details class="more-filters" open>`)
		// The export link asks for what was typed (and is refused, below),
		// not for everyone; no list is offered to save.
		wantBody(t, res, "export.csv?owner=nobody&#43;here")
		if strings.Contains(res.body, `action="/lists"`) {
			t.Error("a list with an owner that fits no one is offered to save")
		}
		// Another organisation's people are no one here.
		res = owner.get("/people?owner=" + url.QueryEscape(b.agent.Email))
		wantBody(t, res, html.EscapeString(`No one on the team has the email "agent@globex.test".`))
		// An export does not widen to everyone.
		res = owner.get("/people/export.csv?owner=nobody")
		wantStatus(t, res, http.StatusBadRequest)
		wantBody(t, res, html.EscapeString(`No one on the team is called "nobody".`))

		// Suggestions: the team's, by a word of the name or the email.
		var got []struct{ Label string }
		res = owner.get("/team/suggest?q=age")
		wantStatus(t, res, http.StatusOK)
		if err := json.Unmarshal([]byte(res.body), &got); err != nil || len(got) != 1 || got[0].Label != agentLabel {
			t.Errorf("suggestions for age: %s (%v)", res.body, err)
		}
		zoe := &rapport.User{OrgID: a.org.ID, Email: "zoe@acme.test", Name: "Zoë O'Brien", Role: rapport.RoleAgent, PasswordHash: h.hash}
		if err := h.db.CreateUser(ctx, rapport.Actor{Org: a.org.ID}, zoe); err != nil {
			t.Fatal(err)
		}
		res = owner.get("/team/suggest?q=" + url.QueryEscape("zoe obr"))
		if err := json.Unmarshal([]byte(res.body), &got); err != nil || len(got) != 1 || got[0].Label != "Zoë O'Brien <zoe@acme.test>" {
			t.Errorf("suggestions for zoe obr (folded as search folds): %s (%v)", res.body, err)
		}
		res = owner.get("/team/suggest?q=" + url.QueryEscape("agent@globex"))
		if strings.TrimSpace(res.body) != "[]" {
			t.Errorf("another organisation's agent suggested: %s", res.body)
		}

		// A person's owner, typed.
		res = owner.post("/people", url.Values{"first_name": {"Tess"}, "last_name": {"Typed"}, "kind": {"lead"}, "owner": {"agent@acme.test"}})
		wantStatus(t, res, http.StatusSeeOther)
		page, err := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, storeQuery("Tess"))
		if err != nil || len(page.People) != 1 || page.People[0].OwnerID != a.agent.ID {
			t.Fatalf("Tess: %+v %v", page, err)
		}
		tess := page.People[0].ID
		res = owner.get("/people/" + itoa(tess) + "/edit")
		wantBody(t, res, `value="`+html.EscapeString(agentLabel)+`"`)
		res = owner.post("/people", url.Values{"first_name": {"Uma"}, "kind": {"lead"}, "owner": {"Agnes"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, html.EscapeString(`No one on the team is called "Agnes".`), `value="Agnes"`, `aria-invalid="true" aria-describedby="e-owner"`)
		res = owner.post("/people", url.Values{"first_name": {"Uma"}, "kind": {"lead"}, "owner": {""}})
		wantStatus(t, res, http.StatusSeeOther)
		if page, _ := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, storeQuery("Uma")); len(page.People) != 1 || page.People[0].OwnerID != 0 {
			t.Errorf("an owner left empty is no one: %+v", page.People)
		}

		// An import's owner, typed; one that fits no one keeps the one
		// chosen before, and the import cannot start with it.
		res = owner.upload("/import", "leads.csv", []byte("Name,Email\nIvy Import,ivy@example.com\n"))
		wantStatus(t, res, http.StatusSeeOther)
		imp := res.location
		wantStatus(t, owner.post(imp, url.Values{"preset": {"auto"}, "owner": {"agent@acme.test"}}), http.StatusSeeOther)
		wantBody(t, owner.get(imp), `value="`+html.EscapeString(agentLabel)+`"`)
		wantStatus(t, owner.post(imp, url.Values{"preset": {"auto"}, "owner": {"Agnes"}, "start": {"1"}}), http.StatusSeeOther)
		res = owner.get(imp)
		wantBody(t, res, `value="`+html.EscapeString(agentLabel)+`"`, html.EscapeString(`No one on the team is called "Agnes".`))
		if strings.Contains(res.body, "rows:") {
			t.Error("an import started with an owner that fits no one")
		}

		// Whom a drill set is for.
		m := h.signedIn(a.manager.Email)
		res = m.post("/practice/assign", url.Values{"user": {"agent"}, "objection": {"have-an-agent"}})
		wantStatus(t, res, http.StatusSeeOther)
		if as, _ := h.db.DrillAssignments(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID); len(as) != 1 {
			t.Errorf("%d drill sets for the agent", len(as))
		}
		res = m.post("/practice/assign", url.Values{"user": {"Globex"}, "objection": {"have-an-agent"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, html.EscapeString(`No one on the team is called "Globex".`))

		// Whom a departing agent's people go to.
		path := "/users/" + itoa(a.agent.ID)
		wantBody(t, owner.get(path), `<input id="f-hand-to" name="hand_to" type="text" value=""`)
		res = owner.post(path+"/disable", url.Values{"hand_to": {"agent acme"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, html.EscapeString(`No one on the team is called "agent acme".`)) // not themselves
		res = owner.post(path+"/disable", url.Values{"hand_to": {"manager"}})
		wantStatus(t, res, http.StatusSeeOther)
		if got, err := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, p.ID); err != nil || got.OwnerID != a.manager.ID {
			t.Errorf("Olga's owner after the agent left: %+v %v", got, err)
		}
	})
}

// storeQuery is a search of the people list.
func storeQuery(q string) store.PeopleFilter { return store.PeopleFilter{Query: q} }
