package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// The log form starts in a state that saves: a call, talked, on the only
// number; the follow-up's fields wait for a step to be picked (CSS); no
// outcome is an invalid "—".
func TestLogFormStartsReadyToSave(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		p := &rapport.Person{FirstName: "Rosa", LastName: "Jackson", Kind: rapport.KindLead, OwnerID: a.agent.ID,
			Phones: []rapport.Phone{{Number: "+13125550142"}}}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p); err != nil {
			t.Fatal(err)
		}
		c := h.signedIn(a.agent.Email)
		path := "/people/" + strconv.FormatInt(p.ID, 10) + "/log"
		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `name="outcome" value="live" checked`, `<option value="`+strconv.FormatInt(p.Phones[0].ID, 10)+`" selected>`,
			`placeholder="e.g. sails on Lake Michigan every summer"`, `placeholder="e.g. worried the kids will have to change schools"`,
			`<details class="fold">`)
		if strings.Contains(res.body, `<span>—</span>`) || strings.Contains(between(res.body, `id="f-phone_id"`, `</select>`), `value=""`) {
			t.Error("the form still offers a bare — for the outcome or the number")
		}
		// What the form holds as it starts, sent as it is, saves.
		form := url.Values{}
		for _, m := range regexp.MustCompile(`<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"[^>]*checked`).FindAllStringSubmatch(res.body, -1) {
			form.Set(m[1], m[2])
		}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(res.body, -1) {
			form.Set(m[1], m[2])
		}
		form.Set("phone_id", strconv.FormatInt(p.Phones[0].ID, 10))
		form.Set("occurred_at", between(res.body, `name="occurred_at" type="datetime-local" value="`, `"`))
		wantStatus(t, c.post(path, form), http.StatusSeeOther)
	})
}

// After logging in the call session, the message says who was logged and
// links to them; the reflection links back to them too.
func TestCallSessionLinksToWhoWasLogged(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		p := &rapport.Person{FirstName: "Maria", LastName: "Lopez", Kind: rapport.KindLead, OwnerID: a.agent.ID,
			Phones: []rapport.Phone{{Number: "+13125550143"}}}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p); err != nil {
			t.Fatal(err)
		}
		c := h.signedIn(a.agent.Email)
		id := strconv.FormatInt(p.ID, 10)
		res := c.post("/call/"+id, url.Values{"outcome": {"live"}, "notes": {"Talked schools"}, "due": {"none"}, "skip": {""}})
		wantStatus(t, res, http.StatusSeeOther)
		reflect := c.get(res.location)
		wantBody(t, reflect, `Logged live conversation with Maria Lopez.`, ` <a href="/people/`+id+`">Open Maria Lopez</a></p>`,
			`<p class="crumbs"><a href="/people/`+id+`">← Maria Lopez</a></p>`)
		// Once shown, the message and its link are gone.
		if again := c.get(res.location); strings.Contains(again.body, "Open Maria Lopez") {
			t.Error("the flash's link stays after it was shown")
		}
	})
}

// The tab bar follows the role: who recruits has Recruiting, an agent
// the Playbook, on a phone; the call screen saves from the bottom of the
// screen with the guide and objections folded.
func TestTabsFollowTheRole(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		tab := regexp.MustCompile(`<a( class="tab-wide")? href="/(recruiting|playbook)"`)
		tabs := func(email string) map[string]bool {
			res := h.signedIn(email).get("/today")
			nav := between(res.body, `<nav class="tabs"`, `</nav>`)
			out := map[string]bool{}
			for _, m := range tab.FindAllStringSubmatch(nav, -1) {
				out[m[2]] = m[1] == "" // on the phone's tab bar
			}
			return out
		}
		if got := tabs(a.agent.Email); got["recruiting"] || !got["playbook"] {
			t.Errorf("agent's phone tabs: %v", got)
		}
		if got := tabs(a.manager.Email); !got["recruiting"] || got["playbook"] {
			t.Errorf("manager's phone tabs: %v", got)
		}
	})
}
