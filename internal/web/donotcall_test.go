package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestDoNotCallIsNeverOffered: someone marked do not call is not on
// Today or in the call session, cannot be put on Today from the prospect
// list, and shows their numbers marked, with nothing to tap to call. A
// call logged to them comes back asking for confirmation, saving
// nothing, and once confirmed is kept and says so; calls they made, and
// texts, need no confirmation.
func TestDoNotCallIsNeverOffered(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		office := &rapport.Company{Kind: rapport.CompanyOffice, Name: "Quiet Realty", Market: "North"}
		if err := h.db.CreateCompany(ctx, rapport.Actor{Org: a.org.ID}, office); err != nil {
			t.Fatal(err)
		}
		newPerson := func(first string, kind rapport.Kind, dnc bool, phone string) *rapport.Person {
			t.Helper()
			p := &rapport.Person{FirstName: first, LastName: "Test", Kind: kind, OwnerID: a.agent.ID, DoNotCall: dnc,
				Phones: []rapport.Phone{{Number: phone, Label: "mobile"}}}
			if kind == rapport.KindRecruit {
				p.CompanyID, p.Units12m, p.Volume12m = office.ID, 20, 9_000_000
			}
			if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(time.Minute)
			return p
		}
		dana := newPerson("Dana", rapport.KindLead, true, "+13125550101")
		carl := newPerson("Carl", rapport.KindLead, false, "+13125550102")
		rosa := newPerson("Rosa", rapport.KindRecruit, true, "+13125550103")
		raj := newPerson("Raj", rapport.KindRecruit, false, "+13125550104")
		// A promised call due today would put Dana on Today, were she
		// callable.
		if err := h.db.CreateFollowUp(ctx, rapport.Member(a.org, a.agent), &rapport.FollowUp{PersonID: dana.ID, UserID: a.agent.ID,
			DueOn: rapport.DayOf(h.clock.Now(), a.org.Location()), Kind: rapport.FollowUpCall, Owes: rapport.OwesMe}); err != nil {
			t.Fatal(err)
		}
		c := h.signedIn(a.agent.Email)
		path := func(p *rapport.Person, rest string) string { return "/people/" + strconv.FormatInt(p.ID, 10) + rest }
		callPath := func(p *rapport.Person) string { return "/call/" + strconv.FormatInt(p.ID, 10) }

		res := c.get("/today")
		wantBody(t, res, "Carl Test")
		if strings.Contains(res.body, "Dana") {
			t.Error("Today offers Dana")
		}
		// The call session offers Carl, then Raj (a top producer), and no
		// one else.
		res = c.get("/call")
		wantBody(t, res, "Carl Test")
		res = c.get("/call?skip=" + strconv.FormatInt(carl.ID, 10))
		wantBody(t, res, "Raj Test")
		if res = c.get("/call?skip=" + strconv.FormatInt(carl.ID, 10) + "," + strconv.FormatInt(raj.ID, 10)); !strings.Contains(res.body, "That's everyone on Today") {
			t.Error("the call session offers someone after Carl and Raj")
		}

		// Her page, her call screen, the log page: the number, marked,
		// and nothing to tap.
		for _, p := range []string{path(dana, ""), callPath(dana), path(dana, "/log")} {
			res = c.get(p)
			wantStatus(t, res, http.StatusOK)
			if strings.Contains(res.body, "tel:") || strings.Contains(res.body, `href="`+callPath(dana)+`"`) {
				t.Errorf("%s offers a call", p)
			}
			wantBody(t, res, "Do not call")
		}
		wantBody(t, c.get(path(dana, "")), "(312) 555-0101", `href="sms:&#43;13125550101"`)
		wantBody(t, c.get(path(carl, "")), `href="tel:&#43;13125550102"`, `href="`+callPath(carl)+`"`)

		// Logging a call to her: asked to confirm, nothing saved, what was
		// written kept.
		call := url.Values{"outcome": {"live"}, "notes": {"She rang back about the condo"}, "due": {"none"}, "skip": {""},
			"phone_id": {strconv.FormatInt(mustPerson(t, h, a.org.ID, dana.ID).Phones[0].ID, 10)}}
		res = c.post(callPath(dana), call)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Marked do not call.", "Log this call only if they called you or asked you to call them",
			`name="confirm_dnc"`, "Yes, log it — they called/asked me to", "She rang back about the condo")
		if got := conversations(t, h, a.org.ID, dana.ID); len(got) != 0 {
			t.Fatalf("an unconfirmed call was saved: %+v", got)
		}
		res = c.post(path(dana, "/log"), url.Values{"channel": {"call"}, "direction": {"outbound"}, "outcome": {"no_answer"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Yes, log it — they called/asked me to")
		// Confirmed: saved, marked, and she stays do not call.
		call.Set("confirm_dnc", "yes")
		res = c.post(callPath(dana), call)
		wantStatus(t, res, http.StatusSeeOther)
		got := conversations(t, h, a.org.ID, dana.ID)
		if len(got) != 1 || !got[0].Conversation.DNCConfirmed || got[0].Conversation.Notes != "She rang back about the condo" {
			t.Fatalf("confirmed call: %+v", got)
		}
		wantBody(t, c.get(path(dana, "")), "do not call: confirmed wanted")
		if p := mustPerson(t, h, a.org.ID, dana.ID); !p.DoNotCall {
			t.Error("a confirmed call cleared do not call")
		}
		// Calls she makes, and texts, need no confirmation.
		for _, v := range []url.Values{
			{"channel": {"call"}, "direction": {"inbound"}, "outcome": {"live"}},
			{"channel": {"text"}, "direction": {"outbound"}},
		} {
			wantStatus(t, c.post(path(dana, "/log"), v), http.StatusSeeOther)
		}
		for _, it := range conversations(t, h, a.org.ID, dana.ID)[:2] {
			if it.Conversation.DNCConfirmed {
				t.Errorf("%+v marked confirmed", it.Conversation)
			}
		}

		// Prospects and the company page: Rosa has no "Add to my Today";
		// sending it anyway puts no one on Today.
		for _, p := range []string{"/recruiting", "/companies/" + strconv.FormatInt(office.ID, 10)} {
			res = c.get(p)
			wantBody(t, res, "Rosa Test", "Raj Test")
			if n := strings.Count(res.body, ">Add to my Today<"); n != 1 {
				t.Errorf("%s: %d Add to my Today buttons, want 1 (Raj's)", p, n)
			}
			if strings.Contains(res.body, `name="person" value="`+strconv.FormatInt(rosa.ID, 10)+`"`) {
				t.Errorf("%s offers Rosa for Today", p)
			}
		}
		res = c.post("/recruiting/today", url.Values{"person": {strconv.FormatInt(rosa.ID, 10)}, "next": {"/recruiting"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, c.get("/recruiting"), "Rosa Test is marked do not call, so they were not put on your Today.")
		if fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: a.org.ID}, store.FollowUpFilter{PersonID: rosa.ID}); len(fus) != 0 {
			t.Errorf("Rosa got a follow-up: %+v", fus)
		}
		wantStatus(t, c.post("/recruiting/today", url.Values{"person": {strconv.FormatInt(raj.ID, 10)}}), http.StatusSeeOther)
		// The board marks her and offers no call.
		res = c.get("/recruiting/board")
		wantBody(t, res, "Rosa Test</a> <span class=\"badge dnc\">Do not call</span>")
		if strings.Contains(res.body, "tel:") {
			t.Error("the board offers a call")
		}

		// Marked by how a call ended: Carl leaves Today and the session.
		res = c.post(callPath(carl), url.Values{"outcome": {"do_not_call"}, "due": {"none"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, c.get("/call"), "Marked do not call.")
		if res = c.get("/today"); strings.Contains(res.body, "Carl") || !strings.Contains(res.body, "Raj Test") {
			t.Error("Today after Carl asked not to be called: Carl there, or Raj missing")
		}
		wantBody(t, c.get(path(carl, "")), "Do not call")
		if strings.Contains(c.get(path(carl, "")).body, "tel:") {
			t.Error("Carl's page still offers a call")
		}

		// A bad number is marked on its own and never offered again; with
		// no other number, Raj has nothing to tap.
		rajPhone := mustPerson(t, h, a.org.ID, raj.ID).Phones[0].ID
		wantStatus(t, c.post(callPath(raj), url.Values{"outcome": {"bad_number"}, "phone_id": {strconv.FormatInt(rajPhone, 10)},
			"due": {"none"}}), http.StatusSeeOther)
		for _, p := range []string{path(raj, ""), callPath(raj)} {
			res = c.get(p)
			wantBody(t, res, "No working phone number.")
			if strings.Contains(res.body, "tel:") || strings.Contains(res.body, `name="phone_id"`) {
				t.Errorf("%s still offers the bad number", p)
			}
		}
	})
}

func mustPerson(t *testing.T, h *harness, orgID, id int64) *rapport.Person {
	t.Helper()
	p, err := h.db.Person(ctx, rapport.Actor{Org: orgID}, id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
