package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func todayEntry(t *testing.T, f *fixture, name string) *rapport.TodayEntry {
	t.Helper()
	entries, err := f.db.Today(ctx, rapport.Member(f.org, f.agent), f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := range entries {
		if entries[i].Person.FirstName == name {
			return &entries[i]
		}
	}
	return nil
}

// TestWhyNowThroughTheStore: on both databases, what the rules need is
// gathered — a known person's return through a lead source (and their
// owner's alert), a dated fact, a referral's milestone, a new lead's
// attempt plan.
func TestWhyNowThroughTheStore(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		agent := rapport.Member(f.org, f.agent)
		// Someone talked to last month comes back: they saved a home.
		f.clock.Set(start.AddDate(0, -1, 0))
		dana := f.person(t, rapport.Person{FirstName: "Dana", LastName: "Whit", Kind: rapport.KindClient,
			Emails: []rapport.Email{{Address: "dana@example.com"}}})
		f.log(t, dana.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		f.clock.Set(start)
		ev := event("saved-1", "Saved Property", "Zillow", rapport.Person{FirstName: "Dana", Emails: []rapport.Email{{Address: "dana@example.com"}}})
		ev.Event.Property = "4102 Ridgeline"
		if res, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), ev); err != nil || res.Created {
			t.Fatalf("event: %+v %v", res, err)
		}
		f.clock.Advance(time.Minute)
		e := todayEntry(t, f, "Dana")
		if e == nil || e.Best().Kind != rapport.ReasonCameBack || !strings.HasPrefix(e.Best().Text, "Saved 4102 Ridgeline") ||
			!strings.Contains(e.Opener, "4102 Ridgeline") {
			t.Fatalf("came back: %+v", e)
		}
		ms, err := f.db.Outbox(ctx, rapport.Member(f.org, f.owner), store.OutboxPending, 50)
		if err != nil {
			t.Fatal(err)
		}
		alerted := false
		for _, m := range ms {
			alerted = alerted || (m.Kind == rapport.AlertCameBack && m.UserID == f.agent.ID && m.PersonID == dana.ID)
		}
		if !alerted {
			t.Errorf("no came-back alert for the owner among %d messages", len(ms))
		}
		// Called back: done.
		f.log(t, dana.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		f.clock.Advance(24 * time.Hour)
		if e := todayEntry(t, f, "Dana"); e != nil {
			t.Errorf("after the call back: %+v", e.Reasons)
		}

		// A dated fact: on Today two weeks before.
		lease := &rapport.Fact{PersonID: dana.ID, Type: rapport.FactMotivation, Text: "Lease ends soon",
			OnDate: rapport.DayOf(f.clock.Now(), chicago).AddDays(20), RemindDays: 14}
		if err := f.db.AddFact(ctx, agent, lease); err != nil {
			t.Fatal(err)
		}
		if e := todayEntry(t, f, "Dana"); e != nil {
			t.Errorf("20 days before: %+v", e.Reasons)
		}
		f.clock.Advance(7 * 24 * time.Hour)
		if e := todayEntry(t, f, "Dana"); e == nil || e.Best().Kind != rapport.ReasonDatedFact {
			t.Fatalf("13 days before: %+v", e)
		}
		facts, _ := f.db.Facts(ctx, agent, dana.ID)
		if facts[0].OnDate != lease.OnDate || facts[0].RemindDays != 14 {
			t.Errorf("stored fact: %+v", facts[0])
		}
		bad := &rapport.Fact{PersonID: dana.ID, Type: rapport.FactFear, Text: "x", OnDate: "next spring"}
		if err := f.db.AddFact(ctx, agent, bad); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("a date that is not one: %v", err)
		}

		// Gina referred Eli; Eli goes under contract: thank Gina.
		gina := f.person(t, rapport.Person{FirstName: "Gina", Kind: rapport.KindClient})
		f.log(t, gina.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		eli := f.person(t, rapport.Person{FirstName: "Eli", Kind: rapport.KindClient, ReferredByID: gina.ID})
		f.clock.Advance(24 * time.Hour)
		var contract int64
		ps, _ := f.db.Pipelines(ctx, agent)
		for _, p := range ps {
			for _, st := range p.Stages {
				if st.Key == rapport.StageUnderContract && p.Kind == rapport.PipelineClients {
					contract = st.ID
				}
			}
		}
		if err := f.db.SetStage(ctx, agent, eli.ID, contract, "signed"); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		if e := todayEntry(t, f, "Gina"); e == nil || e.Best().Kind != rapport.ReasonThanks ||
			!strings.Contains(e.Best().Text, "Eli") || !strings.Contains(e.Opener, "thank you") {
			t.Fatalf("thank the referrer: %+v", e)
		}

		// A new lead: attempt 2 of 7 a couple of hours after the first.
		lead := f.person(t, rapport.Person{FirstName: "Lee", Source: "Zillow"})
		f.log(t, lead.ID, store.LogInput{Conversation: call(rapport.OutcomeNoAnswer)})
		f.clock.Advance(3 * time.Hour)
		if e := todayEntry(t, f, "Lee"); e == nil || !strings.HasPrefix(e.Best().Text, "Attempt 2 of 7") {
			t.Fatalf("attempt plan: %+v", e)
		}
	})
}
