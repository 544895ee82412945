package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/web"
)

func TestInboxAssignsNewLeadsAndLetsGo(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		app, err := web.New(web.Options{DB: h.db, Now: h.clock.Now, Logger: quietLog(), InboundDomain: "in.acme.test"})
		if err != nil {
			t.Fatal(err)
		}
		h.srv.Config.Handler = app
		a := h.org("acme")
		act := rapport.Member(a.org, a.agent)
		dana := &rapport.Person{FirstName: "Dana", LastName: "Whit", Kind: rapport.KindClient, OwnerID: a.agent.ID, Emails: []rapport.Email{{Address: "dana@example.com"}}}
		if err := h.db.CreatePerson(ctx, act, dana); err != nil {
			t.Fatal(err)
		}
		for _, m := range []store.InboundEmail{
			{MessageID: "1", FromAddr: "sam@example.org", FromName: "Sam Stranger", Subject: "Saw your sign", Body: "Is it still for sale?"},
			{MessageID: "2", FromAddr: "pat@example.org", Subject: "Hello", Body: "Hi"},
			{MessageID: "3", FromAddr: "spam@example.org", Subject: "Win", Body: "Prizes"},
		} {
			if err := h.db.ReceiveEmail(ctx, act, &m); err != nil {
				t.Fatal(err)
			}
		}
		c := h.signedIn(a.agent.Email)
		wantBody(t, c.get("/settings"), "@in.acme.test", "Email onto the timeline")
		page := c.get("/inbox")
		wantBody(t, page, "Saw your sign", "Sam Stranger", "Is it still for sale?")
		box, _ := h.db.Inbox(ctx, act, 10)
		ids := map[string]string{}
		for _, e := range box {
			ids[e.MessageID] = strconv.FormatInt(e.ID, 10)
		}
		bad := c.post("/inbox/"+ids["2"]+"/assign", url.Values{"person": {"nobody@example.com"}})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantBody(t, bad, "None of your people has the address")
		wantStatus(t, c.post("/inbox/"+ids["2"]+"/assign", url.Values{"person": {"DANA@example.com"}}), http.StatusSeeOther)
		lead := c.post("/inbox/"+ids["1"]+"/new-lead", nil)
		wantStatus(t, lead, http.StatusSeeOther)
		wantStatus(t, c.post("/inbox/"+ids["3"]+"/dismiss", nil), http.StatusSeeOther)
		wantBody(t, c.get("/inbox"), "Nothing waiting.")
		cs, _, _ := h.db.Conversations(ctx, act, store.ConversationFilter{PersonID: dana.ID})
		if len(cs) != 1 || cs[0].Channel != rapport.ChannelEmail {
			t.Errorf("Dana's conversations: %+v", cs)
		}
		wantBody(t, c.get(lead.location), "Sam Stranger", "Saw your sign")
		// Another user of the organisation cannot touch the agent's inbox.
		wantStatus(t, h.signedIn(a.owner.Email).post("/inbox/"+ids["1"]+"/dismiss", nil), http.StatusNotFound)
	})
}
