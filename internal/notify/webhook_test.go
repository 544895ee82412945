package notify_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/egress"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// receiver is a webhook receiver as its documentation tells one to be
// written: it verifies each request's signature and timestamp with the
// endpoint's secret, and acts on a delivery id once.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	secret string

	mu sync.Mutex
	// down: it answers 503 (a receiver being deployed).
	down bool
	// gone: it answers 410.
	gone bool
	// got lists the deliveries acted on, in the order they came; seen
	// counts the requests of each id, bodies keeps each id's first body.
	got    []hook
	seen   map[string]int
	bodies map[string]string
	// refused counts the requests it answered with an error.
	refused int
}

type hook struct {
	id, event string
	personID  int64
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, seen: map[string]int{}, bodies: map[string]string{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		switch {
		case rc.gone:
			rc.refused++
			w.WriteHeader(http.StatusGone)
			return
		case rc.down:
			rc.refused++
			w.Header().Set("Retry-After", "1")
			http.Error(w, "deploying", http.StatusServiceUnavailable)
			return
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		id, err := webhook.Verify(rc.secret, r.Header, body, time.Now())
		if err != nil {
			t.Errorf("signature: %v (headers %v)", err, r.Header)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		rc.seen[id]++
		if rc.seen[id] > 1 {
			// Had it already: acknowledged, not acted on again.
			if rc.bodies[id] != string(body) {
				t.Errorf("delivery %s came again with another body:\n%s\n%s", id, rc.bodies[id], body)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		rc.bodies[id] = string(body)
		var env struct {
			Type string `json:"type"`
			Data struct {
				PersonID int64 `json:"personId"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			t.Errorf("body %s: %v", body, err)
		}
		rc.got = append(rc.got, hook{id: id, event: env.Type, personID: env.Data.PersonID})
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) set(f func(rc *receiver)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	f(rc)
}

func (rc *receiver) snapshot() ([]hook, map[string]int, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	seen := map[string]int{}
	for k, v := range rc.seen {
		seen[k] = v
	}
	return append([]hook(nil), rc.got...), seen, rc.refused
}

// drain delivers until nothing is due now.
func drain(t *testing.T, w *world) {
	t.Helper()
	for range 100 {
		n, err := w.outbox.DeliverDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the outbox never ran dry")
}

// TestWebhooksEndToEnd: an endpoint registered for every event, a
// receiver started by the test that verifies every signature. What
// happens reaches it, each person's events in the order they happened;
// while the receiver is down nothing is lost, and once it is back it gets
// everything after, each delivery once; a replay carries the same id and
// body; a long run of failures disables the endpoint and emails the owner.
func TestWebhooksEndToEnd(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, db *store.DB) {
		db.AllowWebhooks(egress.Loopback)
		w := setup(t, db)
		w.outbox.Webhooks = api.Webhooks{DB: db}
		w.outbox.WebhookClient = egress.Client(egress.Loopback, 5*time.Second)
		rc := newReceiver(t)
		owner := rapport.Member(w.org, w.owner)
		agent := rapport.Member(w.org, w.agent)
		u := rc.srv.URL + "/hooks/rapport?token=receiver-own-token"
		ep, err := db.CreateWebhookEndpoint(ctx, owner, store.WebhookInput{URL: &u, Events: rapport.WebhookEvents})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ep.Secret, webhook.SecretPrefix) {
			t.Fatalf("secret %q", ep.Secret)
		}
		rc.secret = ep.Secret
		// An agent may not manage webhooks.
		if _, err := db.WebhookEndpoints(ctx, agent); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
			t.Errorf("an agent listed webhooks: %v", err)
		}

		// What happens.
		dana := &rapport.Person{FirstName: "Dana", LastName: "Whit", Kind: rapport.KindLead, OwnerID: w.agent.ID, Phones: []rapport.Phone{{Number: "+13125550142"}}}
		if err := db.CreatePerson(ctx, agent, dana); err != nil {
			t.Fatal(err)
		}
		eli := &rapport.Person{FirstName: "Eli", LastName: "Noor", Kind: rapport.KindLead, OwnerID: w.agent.ID}
		if err := db.CreatePerson(ctx, agent, eli); err != nil {
			t.Fatal(err)
		}
		dana.Notes = "Wants a place near the water"
		dana.Version = 0
		if err := db.UpdatePerson(ctx, agent, dana); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LogConversation(ctx, agent, &store.LogInput{
			Conversation: rapport.Conversation{PersonID: dana.ID, Channel: rapport.ChannelCall, Outcome: rapport.OutcomeLive, Notes: "Back from the lake"},
			Facts:        []rapport.Fact{{Type: rapport.FactPassion, Text: "Sails every summer"}},
			FollowUp:     &rapport.FollowUp{DueOn: rapport.DayOf(clock.Now(), time.UTC).AddDays(14), Note: "Send listings"},
		}); err != nil {
			t.Fatal(err)
		}
		drain(t, w)
		got, _, _ := rc.snapshot()
		checkOrder(t, db, owner, ep.ID, got)
		events := map[string]bool{}
		for _, g := range got {
			events[g.event] = true
		}
		for _, e := range []string{"person.created", "person.updated", "conversation.logged", "followup.created"} {
			if !events[e] {
				t.Errorf("no %s among %+v", e, got)
			}
		}
		before := len(got)

		// The receiver is down for a while: everything after still comes.
		rc.set(func(rc *receiver) { rc.down = true })
		if err := db.ArchivePerson(ctx, agent, dana.ID, true); err != nil {
			t.Fatal(err)
		}
		for _, notes := range []string{"First", "Second", "Third"} {
			p, err := db.Person(ctx, agent, eli.ID)
			if err != nil {
				t.Fatal(err)
			}
			p.Notes = notes
			if err := db.UpdatePerson(ctx, agent, p); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 {
			drain(t, w)
			clock.Advance(2 * time.Minute)
		}
		got, _, refused := rc.snapshot()
		if len(got) != before || refused == 0 {
			t.Fatalf("while down: %d acted on (want %d), %d refused", len(got), before, refused)
		}
		// Only the head of each person's line was tried: Eli's second and
		// third wait behind the first.
		attempts, err := db.WebhookAttempts(ctx, owner, ep.ID, 200)
		if err != nil {
			t.Fatal(err)
		}
		failed := 0
		for _, a := range attempts {
			if !a.OK {
				failed++
				if a.StatusCode != http.StatusServiceUnavailable || !strings.Contains(a.Error, "503") {
					t.Errorf("failed attempt %+v", a)
				}
			}
		}
		if failed != refused {
			t.Errorf("%d failed attempts logged, the receiver refused %d", failed, refused)
		}
		e, _ := db.WebhookEndpoint(ctx, owner, ep.ID)
		if e.Failures != failed || e.FailingSince.IsZero() || e.Disabled() {
			t.Errorf("endpoint while failing: %+v", e)
		}

		rc.set(func(rc *receiver) { rc.down = false })
		for range 12 {
			clock.Advance(time.Hour)
			drain(t, w)
		}
		got, seen, _ := rc.snapshot()
		if len(got) != before+4 {
			t.Fatalf("after the receiver came back: %d acted on, want %d: %+v", len(got), before+4, got[before:])
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("delivery %s came %d times", id, n)
			}
		}
		checkOrder(t, db, owner, ep.ID, got)
		if e, _ := db.WebhookEndpoint(ctx, owner, ep.ID); e.Failures != 0 || !e.FailingSince.IsZero() || e.LastSuccessAt.IsZero() {
			t.Errorf("endpoint after recovering: %+v", e)
		}

		// A replay carries the same id and body: the receiver knows it.
		ds, err := db.WebhookDeliveries(ctx, owner, ep.ID, store.OutboxSent, 1)
		if err != nil || len(ds) != 1 {
			t.Fatal(err, len(ds))
		}
		if n, err := db.ReplayWebhooks(ctx, owner, ep.ID, ds[0].ID); err != nil || n != 1 {
			t.Fatalf("replay: %d %v", n, err)
		}
		drain(t, w)
		got2, seen, _ := rc.snapshot()
		if len(got2) != len(got) || seen[ds[0].Key] != 2 {
			t.Errorf("replay: acted on %d (want %d), id seen %d times", len(got2), len(got), seen[ds[0].Key])
		}

		// Down for good: after 72 hours of failures the endpoint is
		// disabled, what waits is dead, and the owner is told by email.
		rc.set(func(rc *receiver) { rc.down = true })
		start := clock.Now()
		for clock.Now().Sub(start) < 80*time.Hour {
			p, _ := db.Person(ctx, agent, eli.ID)
			p.Notes = "Changed at " + clock.Now().Format(time.RFC3339)
			if err := db.UpdatePerson(ctx, agent, p); err != nil {
				t.Fatal(err)
			}
			drain(t, w)
			clock.Advance(4 * time.Hour)
		}
		e, _ = db.WebhookEndpoint(ctx, owner, ep.ID)
		if !e.Disabled() || !strings.Contains(e.DisabledReason, "every request failed") {
			t.Fatalf("after 80 hours of failures: %+v", e)
		}
		if pending, _ := db.WebhookDeliveries(ctx, owner, ep.ID, store.OutboxPending, 10); len(pending) != 0 {
			t.Errorf("%d deliveries still waiting on a disabled endpoint", len(pending))
		}
		drain(t, w) // the owner's email
		w.smtp.mu.Lock()
		msgs := append([]received(nil), w.smtp.messages...)
		w.smtp.mu.Unlock()
		if len(msgs) == 0 || !strings.Contains(msgs[len(msgs)-1].msg.Header.Get("Subject"), "stopped") || msgs[len(msgs)-1].to[0] != w.owner.Email {
			t.Fatalf("owner's email: %d messages", len(msgs))
		}
		// The receiver works again: enabled, the dead are sent again, once.
		rc.set(func(rc *receiver) { rc.down = false })
		on := true
		if _, err := db.UpdateWebhookEndpoint(ctx, owner, ep.ID, store.WebhookInput{Enabled: &on}); err != nil {
			t.Fatal(err)
		}
		n, err := db.ReplayWebhooks(ctx, owner, ep.ID, 0)
		if err != nil || n == 0 {
			t.Fatalf("replaying the dead: %d %v", n, err)
		}
		drain(t, w)
		got, seen, _ = rc.snapshot()
		for id, k := range seen {
			if k > 1 && id != ds[0].Key {
				t.Errorf("delivery %s acted on %d times", id, k)
			}
		}
		if dead, _ := db.WebhookDeliveries(ctx, owner, ep.ID, store.OutboxDead, 10); len(dead) != 0 {
			t.Errorf("%d dead after the replay", len(dead))
		}

		// 410 Gone: disabled at once.
		rc.set(func(rc *receiver) { rc.gone = true })
		if err := db.PingWebhook(ctx, owner, ep.ID); err != nil {
			t.Fatal(err)
		}
		drain(t, w)
		if e, _ := db.WebhookEndpoint(ctx, owner, ep.ID); !e.Disabled() || !strings.Contains(e.DisabledReason, "410") {
			t.Errorf("after 410: %+v", e)
		}
		audit, err := db.AuditLog(ctx, owner, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var trail []string
		for _, a := range audit {
			if a.Entity == "webhook endpoint" {
				trail = append(trail, a.Action+": "+a.Summary)
			}
		}
		if len(trail) < 4 || strings.Contains(strings.Join(trail, "\n"), "receiver-own-token") {
			t.Errorf("audit trail: %q", trail)
		}
	})
}

// checkOrder checks that each person's events came in the order they
// happened (the order of their deliveries).
func checkOrder(t *testing.T, db *store.DB, act rapport.Actor, endpoint int64, got []hook) {
	t.Helper()
	ds, err := db.WebhookDeliveries(ctx, act, endpoint, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	rank := map[string]int64{}
	for _, d := range ds {
		rank[d.Key] = d.ID
	}
	last := map[int64]int64{}
	for _, g := range got {
		if r := rank[g.id]; r < last[g.personID] {
			t.Errorf("person %d: %s (delivery %d) came after a later one", g.personID, g.event, r)
		} else {
			last[g.personID] = r
		}
	}
}

// TestWebhookAddresses: an endpoint must be on the internet unless the
// operator allows otherwise, when it is registered and again when the
// request is made (a name that resolves inside the network).
func TestWebhookAddresses(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC))
	db := storetest.OpenSQLite(t, clock.Now)
	w := setup(t, db)
	owner := rapport.Member(w.org, w.owner)
	for _, u := range []string{"http://127.0.0.1:8080/x", "https://localhost/x", "https://10.0.0.5/x", "https://169.254.169.254/latest/meta-data",
		"https://[fd00::1]/x", "http://hooks.example.com/x", "ftp://hooks.example.com/x", "not a url"} {
		_, err := db.CreateWebhookEndpoint(ctx, owner, store.WebhookInput{URL: &u, Events: []rapport.WebhookEvent{rapport.EventPersonCreated}})
		var e *rapport.Error
		if rapport.ErrorCode(err) != rapport.EINVALID || !errors.As(err, &e) || e.Fields["url"] == "" {
			t.Errorf("%s: %v", u, err)
		}
	}
	// No events, or an unknown one: refused, naming the field.
	u := "https://hooks.example.com/x"
	for _, evs := range [][]rapport.WebhookEvent{{}, {"person.exploded"}} {
		_, err := db.CreateWebhookEndpoint(ctx, owner, store.WebhookInput{URL: &u, Events: evs})
		var e *rapport.Error
		if !errors.As(err, &e) || e.Fields["events"] == "" {
			t.Errorf("events %v: %v", evs, err)
		}
	}
	// A name the operator's store allowed but the sender's client does
	// not: refused when connecting, and not tried again.
	db.AllowWebhooks(egress.Loopback)
	rc := newReceiver(t)
	local := strings.Replace(rc.srv.URL, "127.0.0.1", "localhost", 1)
	ep, err := db.CreateWebhookEndpoint(ctx, owner, store.WebhookInput{URL: &local, Events: []rapport.WebhookEvent{rapport.EventPersonCreated}})
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = ep.Secret
	w.outbox.Webhooks = api.Webhooks{DB: db}
	w.outbox.WebhookClient = egress.Client(egress.Public, 5*time.Second)
	if err := db.CreatePerson(ctx, owner, &rapport.Person{FirstName: "Ina", Kind: rapport.KindLead}); err != nil {
		t.Fatal(err)
	}
	drain(t, w)
	dead, _ := db.WebhookDeliveries(ctx, owner, ep.ID, store.OutboxDead, 10)
	if got, _, _ := rc.snapshot(); len(got) != 0 || len(dead) != 1 || !strings.Contains(dead[0].LastError, "not at an address on the internet") {
		t.Errorf("a local address: received %d, dead %+v", len(got), dead)
	}
}
