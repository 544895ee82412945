package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// claimAll takes every due message, as the outbox's runner does.
func claimAll(t *testing.T, f *fixture) []store.Message {
	t.Helper()
	ms, err := f.db.ClaimMessages(ctx, 100, time.Minute, store.LaneAll)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// drain marks every due message sent.
func drain(t *testing.T, f *fixture) {
	t.Helper()
	for _, m := range claimAll(t, f) {
		if err := f.db.MessageSent(ctx, &m); err != nil {
			t.Fatal(err)
		}
	}
}

// device turns push alerts on for u on one (pretend) device.
func (f *fixture) device(t *testing.T, u *rapport.User) {
	t.Helper()
	if err := f.db.SavePushSubscription(ctx, rapport.Member(f.org, u), &store.PushSubscription{
		Endpoint: "https://push.example.net/" + u.Email, P256dh: "BPublicKeyOfTheBrowser", Auth: "authsecret"}); err != nil {
		t.Fatal(err)
	}
}

func only(ms []store.Message, userID int64) []store.Message {
	var out []store.Message
	for _, m := range ms {
		if m.UserID == userID {
			out = append(out, m)
		}
	}
	return out
}

func TestOutboxNewLeadAlertOnceAndRetries(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		listening := make(chan struct{})
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go f.db.Listen(lctx, func() { close(listening) })
		<-listening
		f.device(t, f.agent)
		wake, stop := f.db.Subscribe(store.TopicOutbox)
		defer stop()
		today, stopToday := f.db.Subscribe(store.TopicToday(f.org.ID, f.agent.ID))
		defer stopToday()
		res, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("k1", "Inquiry", "Zillow",
			rapport.Person{FirstName: "Maria", Emails: []rapport.Email{{Address: "maria@example.com"}}}))
		if err != nil || res.Person.OwnerID != f.agent.ID {
			t.Fatalf("event: %+v %v", res, err)
		}
		for name, ch := range map[string]<-chan struct{}{"outbox": wake, "today": today} {
			select {
			case <-ch:
			case <-time.After(5 * time.Second):
				t.Fatalf("no %s signal after the lead was routed", name)
			}
		}
		// The same event again alerts no one again.
		if _, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("k1", "Inquiry", "Zillow",
			rapport.Person{FirstName: "Maria", Emails: []rapport.Email{{Address: "maria@example.com"}}})); err != nil {
			t.Fatal(err)
		}
		ms := claimAll(t, f)
		if len(ms) != 2 {
			t.Fatalf("messages = %+v, want an email and a push to the agent", ms)
		}
		for _, m := range ms {
			if m.UserID != f.agent.ID || m.Kind != rapport.AlertNewLead || m.PersonID != res.Person.ID || m.Attempts != 1 {
				t.Errorf("message %+v", m)
			}
		}
		// Leased: another server's claim takes nothing.
		if again := claimAll(t, f); len(again) != 0 {
			t.Fatalf("leased messages claimed twice: %+v", again)
		}
		email, push := ms[0], ms[1]
		if email.Channel != rapport.AlertEmail {
			email, push = push, email
		}
		if err := f.db.MessageSent(ctx, &email); err != nil {
			t.Fatal(err)
		}
		// A failure is retried after its backoff, then dies at the limit.
		if err := f.db.MessageFailed(ctx, &push, "503 from the push service", true, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got := claimAll(t, f); len(got) != 0 {
			t.Fatalf("retried before its backoff: %+v", got)
		}
		f.clock.Advance(2 * time.Minute)
		got := claimAll(t, f)
		if len(got) != 1 || got[0].ID != push.ID || got[0].Attempts != 2 {
			t.Fatalf("retry = %+v", got)
		}
		// A server whose lease ran out records nothing (another claimed it).
		stale := got[0]
		stale.Attempts--
		if err := f.db.MessageFailed(ctx, &stale, "late", false, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.db.MessageFailed(ctx, &got[0], "410 gone", false, 0); err != nil {
			t.Fatal(err)
		}
		owner := rapport.Member(f.org, f.owner)
		dead, err := f.db.Outbox(ctx, owner, store.OutboxDead, 10)
		if err != nil || len(dead) != 1 || dead[0].LastError != "410 gone" {
			t.Fatalf("dead letters = %+v, %v", dead, err)
		}
		_, err = f.db.Outbox(ctx, rapport.Member(f.org, f.agent), store.OutboxDead, 10)
		wantCode(t, err, rapport.EFORBIDDEN)
		other := newFixture(t, f.db, f.clock, "other")
		wantCode(t, f.db.RetryMessage(ctx, rapport.Member(other.org, other.owner), dead[0].ID), rapport.ENOTFOUND)
		if err := f.db.RetryMessage(ctx, owner, dead[0].ID); err != nil {
			t.Fatal(err)
		}
		if got := claimAll(t, f); len(got) != 1 || got[0].Attempts != 1 {
			t.Fatalf("after retry: %+v", got)
		}
	})
}

func TestAlertPreferencesQuietHoursAndUnsubscribe(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		agent := rapport.Member(f.org, f.agent)
		wantCode(t, f.db.UpdateAlerts(ctx, agent, rapport.Alerts{QuietFrom: "9pm", AgendaHour: 7}), rapport.EINVALID)
		// Email only, quiet from 09:00 to 10:00 (the fixture's clock is 09:30 Chicago).
		if err := f.db.UpdateAlerts(ctx, agent, rapport.Alerts{Email: []rapport.AlertKind{rapport.AlertNewLead, rapport.AlertAgenda},
			QuietFrom: "09:00", QuietTo: "10:00", AgendaHour: 9}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("k1", "Inquiry", "Zillow", rapport.Person{FirstName: "Quinn"})); err != nil {
			t.Fatal(err)
		}
		if got := claimAll(t, f); len(got) != 0 {
			t.Fatalf("alerted in quiet hours: %+v", got)
		}
		f.clock.Advance(31 * time.Minute)
		got := claimAll(t, f)
		if len(got) != 1 || got[0].Channel != rapport.AlertEmail {
			t.Fatalf("after quiet hours: %+v", got)
		}
		// The organisation may let new leads through quiet hours.
		org := *f.org
		org.QuietLeads = rapport.QuietLeadsAlert
		if err := f.db.UpdateOrg(ctx, rapport.Member(f.org, f.owner), &org); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(start) // 09:30, quiet again
		if _, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("k2", "Inquiry", "Zillow", rapport.Person{FirstName: "Rae"})); err != nil {
			t.Fatal(err)
		}
		if got := claimAll(t, f); len(got) != 1 {
			t.Fatalf("new lead did not come through quiet hours: %+v", got)
		}

		// The agenda: once a day, at the hour, email only.
		for range 2 {
			if _, err := f.db.SweepAgendas(ctx, f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		got = only(claimAll(t, f), f.agent.ID)
		if len(got) != 1 || got[0].Kind != rapport.AlertAgenda || got[0].Data != "2026-11-23" {
			t.Fatalf("agenda = %+v", got)
		}
		// One click turns a kind off, by the token of the user's links.
		u, err := f.db.User(ctx, agent, f.agent.ID)
		if err != nil || len(u.AlertToken) < 32 {
			t.Fatalf("alert token = %q, %v", u.AlertToken, err)
		}
		_, err = f.db.Unsubscribe(ctx, "0123456789abcdef0123456789abcdef0123", rapport.AlertAgenda)
		wantCode(t, err, rapport.ENOTFOUND)
		if _, err := f.db.Unsubscribe(ctx, u.AlertToken, rapport.AlertAgenda); err != nil {
			t.Fatal(err)
		}
		if u, _ = f.db.User(ctx, agent, f.agent.ID); u.Wants(rapport.AlertEmail, rapport.AlertAgenda) || !u.Wants(rapport.AlertEmail, rapport.AlertNewLead) {
			t.Errorf("after unsubscribing from the agenda: %q", u.AlertEmail)
		}
	})
}

func TestPromiseDueAlerts(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.device(t, f.agent)
		p := f.person(t, rapport.Person{FirstName: "Pat"})
		f.log(t, p.ID, store.LogInput{Conversation: call(rapport.OutcomeLive),
			FollowUp: &rapport.FollowUp{Kind: rapport.FollowUpMeeting, DueOn: "2026-11-23", DueTime: "11:00", Note: "coffee"}})
		drain(t, f) // whatever logging queued
		if n, err := f.db.SweepPromises(ctx, f.clock.Now()); err != nil || n != 0 {
			t.Fatalf("early sweep: %d %v", n, err)
		}
		f.clock.Advance(90 * time.Minute) // 11:00 Chicago
		for range 2 {
			if _, err := f.db.SweepPromises(ctx, f.clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
		got := claimAll(t, f)
		if len(got) != 2 || got[0].Kind != rapport.AlertPromiseDue || got[0].RefID == 0 {
			t.Fatalf("promise alerts = %+v", got)
		}
	})
}

func TestClaimWindowAndPond(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		bea := f.member(t, "Bea Second", rapport.RoleAgent)
		f.device(t, bea)
		owner := rapport.Member(f.org, f.owner)
		org := *f.org
		org.ClaimMinutes = 5
		if err := f.db.UpdateOrg(ctx, owner, &org); err != nil {
			t.Fatal(err)
		}
		lead := func(key, name string) *rapport.Person {
			res, err := f.db.RecordEvent(ctx, owner, event(key, "Inquiry", "Zillow", rapport.Person{FirstName: name}))
			if err != nil {
				t.Fatal(err)
			}
			return res.Person
		}
		a := lead("k1", "Ann") // to the agent
		b := lead("k2", "Ben") // to Bea
		if a.OwnerID != f.agent.ID || b.OwnerID != bea.ID {
			t.Fatalf("rotation: %d %d", a.OwnerID, b.OwnerID)
		}
		// Bea calls Ben; no one calls Ann.
		in := store.LogInput{Conversation: call(rapport.OutcomeNoAnswer), Loc: chicago}
		in.Conversation.PersonID = b.ID
		if _, err := f.db.LogConversation(ctx, rapport.Member(f.org, bea), &in); err != nil {
			t.Fatal(err)
		}
		drain(t, f)
		f.clock.Advance(4 * time.Minute)
		if n, _ := f.db.SweepClaims(ctx, f.clock.Now()); n != 0 {
			t.Fatalf("passed %d leads inside the window", n)
		}
		f.clock.Advance(2 * time.Minute)
		if n, err := f.db.SweepClaims(ctx, f.clock.Now()); err != nil || n != 1 {
			t.Fatalf("sweep passed %d, %v", n, err)
		}
		got, _ := f.db.Person(ctx, owner, a.ID)
		if got.OwnerID != bea.ID {
			t.Fatalf("Ann went to %d, want Bea", got.OwnerID)
		}
		ms := claimAll(t, f)
		if len(ms) != 2 || ms[0].Kind != rapport.AlertReassigned || ms[0].UserID != bea.ID {
			t.Fatalf("hand-over alerts = %+v", ms)
		}
		hs, err := f.db.Handovers(ctx, owner, start, f.clock.Now().Add(time.Minute))
		if err != nil || len(hs) != 1 || hs[0].FromUserID != f.agent.ID || hs[0].ToUserID != bea.ID || hs[0].PersonName != "Ann" {
			t.Fatalf("handovers = %+v, %v", hs, err)
		}

		// Off duty: Bea pauses; the next lead skips her, the window passes to no one.
		if err := f.db.SetPaused(ctx, rapport.Member(f.org, bea), true); err != nil {
			t.Fatal(err)
		}
		c := lead("k3", "Cal")
		d := lead("k4", "Dee")
		if c.OwnerID != f.agent.ID || d.OwnerID != f.agent.ID {
			t.Fatalf("paused agent routed to: %d %d", c.OwnerID, d.OwnerID)
		}

		// The pond: unattempted leads wait for any agent to claim them.
		org.ClaimTo = rapport.ClaimPond
		if err := f.db.UpdateOrg(ctx, owner, &org); err != nil {
			t.Fatal(err)
		}
		if err := f.db.SetPaused(ctx, rapport.Member(f.org, bea), false); err != nil {
			t.Fatal(err)
		}
		drain(t, f)
		f.clock.Advance(6 * time.Minute)
		if n, err := f.db.SweepClaims(ctx, f.clock.Now()); err != nil || n < 2 {
			t.Fatalf("pond sweep passed %d, %v", n, err)
		}
		pond, err := f.db.Pond(ctx, rapport.Member(f.org, bea), 10)
		if err != nil || len(pond) < 2 {
			t.Fatalf("pond = %d people, %v", len(pond), err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, u := range []*rapport.User{f.agent, bea} {
			wg.Go(func() { errs[i] = f.db.ClaimLead(ctx, rapport.Member(f.org, u), c.ID) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("two claims of one lead: %v / %v", errs[0], errs[1])
		}
		for _, err := range errs {
			if err != nil {
				wantCode(t, err, rapport.ECONFLICT)
			}
		}
		hs, _ = f.db.Handovers(ctx, owner, start, f.clock.Now().Add(time.Minute))
		if len(hs) < 4 || hs[0].Reason != "claimed from the pond" {
			t.Fatalf("handovers after the pond = %+v", hs)
		}
	})
}

// TestSignalsReachOtherServers: servers sharing PostgreSQL hear each
// other's signals (a lead routed by one shows on a Today open on another).
func TestSignalsReachOtherServers(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if f.db.Dialect() != store.Postgres {
			t.Skip("a SQLite file has one server")
		}
		other := storetest.Reopen(t, f.db, f.clock.Now)
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		listening := make(chan struct{})
		go other.Listen(lctx, func() { close(listening) })
		<-listening
		today, stop := other.Subscribe(store.TopicToday(f.org.ID, f.agent.ID))
		defer stop()
		if _, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("x1", "Inquiry", "Zillow", rapport.Person{FirstName: "Sid"})); err != nil {
			t.Fatal(err)
		}
		select {
		case <-today:
		case <-time.After(5 * time.Second):
			t.Fatal("the other server did not hear of the lead")
		}
	})
}

// TestClaimWindowOnlyForNewLeads: a client given to someone else, and a
// lead handed over with its owner's departure, are not passed on by the
// claim window meanwhile.
func TestClaimWindowOnlyForNewLeads(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		bea := f.member(t, "Bea Second", rapport.RoleAgent)
		cy := f.member(t, "Cy Third", rapport.RoleAgent)
		owner := rapport.Member(f.org, f.owner)
		org := *f.org
		org.ClaimMinutes = 60
		if err := f.db.UpdateOrg(ctx, owner, &org); err != nil {
			t.Fatal(err)
		}
		client := f.person(t, rapport.Person{FirstName: "Clara", Kind: rapport.KindClient})
		client.OwnerID, client.Version = bea.ID, 0
		if err := f.db.UpdatePerson(ctx, owner, client); err != nil {
			t.Fatal(err)
		}
		res, err := f.db.RecordEvent(ctx, owner, event("k1", "Inquiry", "Zillow", rapport.Person{FirstName: "Ann"}))
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(50 * time.Minute)
		// The lead's owner leaves: their people go to Cy, whose window starts now.
		if _, err := f.db.DisableUser(ctx, owner, res.Person.OwnerID, cy.ID); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(15 * time.Minute)
		if n, err := f.db.SweepClaims(ctx, f.clock.Now()); err != nil || n != 0 {
			t.Fatalf("sweep passed %d, %v", n, err)
		}
		if p, _ := f.db.Person(ctx, owner, client.ID); p.OwnerID != bea.ID {
			t.Errorf("the client moved to %d", p.OwnerID)
		}
		if p, _ := f.db.Person(ctx, owner, res.Person.ID); p.OwnerID != cy.ID {
			t.Errorf("the handed-over lead moved to %d", p.OwnerID)
		}
	})
}

// Messages done with and webhook tries are kept MessageRetention, then
// pruned in batches; pending messages stay whatever their age.
func TestPruneMessages(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.device(t, f.agent)
		owner := rapport.Member(f.org, f.owner)
		lead := func(key, email string) {
			t.Helper()
			if _, err := f.db.RecordEvent(ctx, owner, event(key, "Inquiry", "Zillow",
				rapport.Person{FirstName: "Lead", Emails: []rapport.Email{{Address: email}}})); err != nil {
				t.Fatal(err)
			}
		}
		lead("k1", "one@example.com")
		ms := claimAll(t, f)
		if len(ms) != 2 {
			t.Fatalf("messages = %+v, want an email and a push", ms)
		}
		if err := f.db.MessageSent(ctx, &ms[0]); err != nil {
			t.Fatal(err)
		}
		if err := f.db.MessageFailed(ctx, &ms[1], "410 gone", false, 0); err != nil {
			t.Fatal(err)
		}
		lead("k2", "two@example.com") // two more, left pending
		day := 24 * time.Hour
		for i := 0; i < 1205; i++ { // more than one batch
			if err := f.db.AddWebhookAttempt(ctx, f.org.ID, start.Add(-time.Duration(i)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.db.AddWebhookAttempt(ctx, f.org.ID, start.Add(30*day)); err != nil {
			t.Fatal(err)
		}
		count := func(table string) int {
			t.Helper()
			n, err := f.db.Rows(ctx, table)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n, err := f.db.PruneMessages(ctx, start.Add(store.MessageRetention-day)); err != nil || n != 0 {
			t.Fatalf("pruned %d (%v) before the retention ran out", n, err)
		}
		n, err := f.db.PruneMessages(ctx, start.Add(store.MessageRetention+day))
		if err != nil || n != 2+1205 {
			t.Fatalf("pruned %d (%v), want the sent and the dead message and 1205 tries", n, err)
		}
		if got := count("outbox"); got != 2 {
			t.Errorf("outbox holds %d, want the 2 pending messages", got)
		}
		if got := count("webhook_attempts"); got != 1 {
			t.Errorf("webhook log holds %d, want the later try", got)
		}
		if pending := claimAll(t, f); len(pending) != 2 {
			t.Errorf("pending after the prune: %+v", pending)
		}
	})
}
