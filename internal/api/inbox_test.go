package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestInboxAPI(t *testing.T) {
	clock := storetest.NewClock(monday)
	storetest.Each(t, clock.Now, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, clock, api.Options{InboundDomain: "in.acme.test"})
		a := h.tenant("acme")
		act := rapport.Member(a.org, a.agent)
		r := h.call(a.key, "GET", "/api/v1/me/inbound-address", nil)
		want(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), "@in.acme.test") {
			t.Errorf("address: %s", r.body)
		}
		dana := &rapport.Person{FirstName: "Dana", Kind: rapport.KindClient, OwnerID: a.agent.ID, Emails: []rapport.Email{{Address: "dana@example.com"}}}
		if err := db.CreatePerson(ctx, act, dana); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"1", "2", "3"} {
			if err := db.ReceiveEmail(ctx, act, &store.InboundEmail{MessageID: id, FromAddr: "x" + id + "@example.org", FromName: "Xavier " + id, Subject: "Hi " + id}); err != nil {
				t.Fatal(err)
			}
		}
		r = h.call(a.key, "GET", "/api/v1/inbox", nil)
		want(t, r, http.StatusOK)
		var box struct{ Items []struct{ ID int64 } }
		json.Unmarshal(r.body, &box)
		if len(box.Items) != 3 {
			t.Fatalf("inbox: %s", r.body)
		}
		id := func(i int) string { return strconv.FormatInt(box.Items[i].ID, 10) }
		want(t, h.call(a.key, "POST", "/api/v1/inbox/"+id(0)+"/assign", map[string]any{"person": "nobody@example.com"}), http.StatusBadRequest)
		want(t, h.call(a.key, "POST", "/api/v1/inbox/"+id(0)+"/assign", map[string]any{"person": "dana@example.com"}), http.StatusNoContent)
		want(t, h.call(a.key, "POST", "/api/v1/inbox/"+id(0)+"/assign", map[string]any{"person": "dana@example.com"}), http.StatusConflict)
		want(t, h.call(a.key, "POST", "/api/v1/inbox/"+id(1)+"/lead", nil), http.StatusCreated)
		want(t, h.call(a.key, "POST", "/api/v1/inbox/"+id(2)+"/dismiss", nil), http.StatusNoContent)
		r = h.call(a.key, "GET", "/api/v1/inbox", nil)
		if !strings.Contains(string(r.body), `"items":[]`) {
			t.Errorf("inbox after: %s", r.body)
		}
	})
}
