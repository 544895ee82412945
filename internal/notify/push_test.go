package notify_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/push/pushtest"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestNewLeadPushDecryptsOnEveryDevice routes a lead to an agent with two
// devices, one of which its push service has forgotten: the outbox sends
// the alert, the test push service (which checks VAPID and decrypts, RFC
// 8291) reads it, and the gone device is forgotten.
func TestNewLeadPushDecryptsOnEveryDevice(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		keys, err := push.NewKeys()
		if err != nil {
			t.Fatal(err)
		}
		svc := pushtest.New(t)
		svc.Subject, svc.Key = "mailto:ops@acme.test", keys.Public
		sender := &push.Sender{Keys: keys, Subject: "mailto:ops@acme.test", AllowLocal: true}
		w.outbox.Push = &notify.Devices{DB: db, Sender: sender, BaseURL: w.outbox.BaseURL}
		agent := rapport.Member(w.org, w.agent)
		for _, name := range []string{"phone", "old laptop"} {
			d := svc.Subscribe(name)
			if err := db.SavePushSubscription(ctx, agent, &store.PushSubscription{Endpoint: d.Endpoint, P256dh: d.P256dh, Auth: d.Auth, UserAgent: name}); err != nil {
				t.Fatal(err)
			}
		}
		svc.Queue(pushtest.Answer{Status: http.StatusGone}) // the first device asked is gone
		res, err := db.RecordEvent(ctx, rapport.Member(w.org, w.owner), &store.EventInput{
			Event:  rapport.Event{DedupeKey: "z-push", Type: "Inquiry", Source: "Zillow"},
			Person: rapport.Person{FirstName: "Pablo", LastName: "Push", Phones: []rapport.Phone{{Number: "+13125550111"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.outbox.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		var ok []pushtest.Push
		for _, p := range svc.Received() {
			if p.Err != nil {
				t.Errorf("push to %s: %v", p.Device, p.Err)
			}
			if p.Status == http.StatusCreated {
				ok = append(ok, p)
			}
		}
		if len(ok) != 1 {
			t.Fatalf("delivered pushes = %+v", svc.Received())
		}
		var payload struct{ Title, Body, URL, Tag string }
		if err := json.Unmarshal(ok[0].Payload, &payload); err != nil {
			t.Fatal(err)
		}
		if payload.Title != "New lead: Pablo Push" || payload.URL != "/people/"+itoa(res.Person.ID) || ok[0].Urgency != "high" {
			t.Errorf("payload %+v urgency %q", payload, ok[0].Urgency)
		}
		subs, _ := db.PushSubscriptionsFor(ctx, w.org.ID, w.agent.ID)
		if len(subs) != 1 {
			t.Errorf("after a 410 the agent has %d devices, want 1", len(subs))
		}
		sent, _ := db.Outbox(ctx, rapport.Member(w.org, w.owner), store.OutboxSent, 10)
		if len(sent) != 2 { // the email and the push
			t.Errorf("sent = %+v", sent)
		}
	})
}
