package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func TestErrorsLandOnTheRowTyped(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		res := c.post("/people", url.Values{"first_name": {"Row"}, "kind": {"lead"},
			"phone": {"", "(312) 555-0142", "(312) 555-0143", "312.555.0142"}, "phone_label": {"", "", "", ""}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		// The duplicate is the fourth row, not the third.
		i := strings.Index(res.body, `id="f-phone-3"`)
		j := strings.Index(res.body, "listed twice")
		if i < 0 || j < i || strings.Contains(res.body[strings.Index(res.body, `id="f-phone-2"`):i], "listed twice") {
			t.Errorf("duplicate phone error not on row 4")
		}
		p := &rapport.Person{FirstName: "Fact", Kind: rapport.KindLead, OwnerID: a.agent.ID}
		h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p)
		res = c.post("/people/"+strconv.FormatInt(p.ID, 10)+"/log", url.Values{"channel": {"text"}, "direction": {"outbound"},
			"fact_type": {"passion", "fear", "motivation"}, "fact_text": {"   ", strings.Repeat("x", 2001), ""}, "due": {"none"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		row1 := res.body[strings.Index(res.body, `id="fact-text-1"`):strings.Index(res.body, `id="fact-text-2"`)]
		if !strings.Contains(row1, "under 2,000 characters") {
			t.Error("long fact error not under row 2")
		}
		res = c.post("/people/"+strconv.FormatInt(p.ID, 10)+"/log", url.Values{"channel": {"text"}, "direction": {"outbound"},
			"fact_type": {"passion"}, "fact_text": {"   "}, "due": {"none"}})
		wantStatus(t, res, http.StatusSeeOther)
	})
}

func TestStaleEditDoesNotUndoDoNotCall(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		p := &rapport.Person{FirstName: "Dee", Kind: rapport.KindLead, OwnerID: a.agent.ID}
		h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p)
		path := "/people/" + strconv.FormatInt(p.ID, 10)
		c := h.signedIn(a.agent.Email)
		res := c.get(path + "/edit")
		version := between(res.body, `name="version" value="`, `"`)
		if version == "" {
			t.Fatal("edit form carries no version")
		}
		// Meanwhile a call asks not to be called again.
		h.clock.Advance(1)
		if _, err := h.db.LogConversation(ctx, rapport.Member(a.org, a.manager), &store.LogInput{Conversation: rapport.Conversation{
			PersonID: p.ID, Channel: rapport.ChannelCall, Outcome: rapport.OutcomeDoNotCall}}); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"version": {version}, "first_name": {"Deirdre"}, "kind": {"lead"}, "owner": {strconv.FormatInt(a.agent.ID, 10)}}
		res = c.post(path, form)
		wantStatus(t, res, http.StatusConflict)
		wantBody(t, res, "while you were editing", `value="Deirdre"`, "Now marked do not call")
		got, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, p.ID)
		if !got.DoNotCall || got.FirstName != "Dee" {
			t.Fatalf("a stale edit saved: %+v", got)
		}
		// Saving the refreshed form goes through and keeps do-not-call.
		form.Set("version", between(res.body, `name="version" value="`, `"`))
		form.Set("do_not_call", "on")
		wantStatus(t, c.post(path, form), http.StatusSeeOther)
		got, _ = h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, p.ID)
		if !got.DoNotCall || got.FirstName != "Deirdre" {
			t.Fatalf("after saving again: %+v", got)
		}
	})
}

func TestAnEndedSessionKeepsWhatWasTyped(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		h.org("acme")
		res := h.client().post("/people/1/log", url.Values{"notes": {"She loves <b>jazz</b> and worries about schools"}, "fact_text": {"Plays cello"}})
		wantStatus(t, res, http.StatusUnauthorized)
		wantBody(t, res, "session has ended", "She loves &lt;b&gt;jazz&lt;/b&gt; and worries about schools", "Plays cello")
	})
}

func TestArchivedPeoplesFollowUpsLeaveTheList(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		p := &rapport.Person{FirstName: "Gone", Kind: rapport.KindLead, OwnerID: a.agent.ID}
		h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p)
		h.db.CreateFollowUp(ctx, rapport.Member(a.org, a.agent), &rapport.FollowUp{PersonID: p.ID, DueOn: "2026-11-01"})
		c := h.signedIn(a.agent.Email)
		wantBody(t, c.get("/followups"), "Gone")
		wantStatus(t, c.post("/people/"+strconv.FormatInt(p.ID, 10)+"/archive", nil), http.StatusSeeOther)
		if strings.Contains(c.get("/followups").body, "Gone") {
			t.Error("an archived person's follow-up is still listed")
		}
		wantBody(t, c.get("/people/"+strconv.FormatInt(p.ID, 10)), "due 22 days ago")
	})
}
