package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func event(key, typ, source string, p rapport.Person) *store.EventInput {
	return &store.EventInput{Event: rapport.Event{DedupeKey: key, Type: typ, Source: source, Message: "Is it still available?"}, Person: p}
}

func TestEventsCreateMergeAndDedupe(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		second := &rapport.User{OrgID: f.org.ID, Email: "agent2@acme.test", Name: "Bea", Role: rapport.RoleAgent, PasswordHash: "x"}
		if err := f.db.CreateUser(ctx, rapport.Actor{Org: second.OrgID}, second); err != nil {
			t.Fatal(err)
		}
		maria := rapport.Person{FirstName: "Maria", Emails: []rapport.Email{{Address: "maria@example.com"}}, Source: "Zillow", Tags: []string{"buyer"}}
		res, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("k1", "Inquiry", "Zillow", maria))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Created || res.Duplicate || !res.Routed || res.Person.OwnerID != f.agent.ID || res.Person.ArrivedAt.IsZero() {
			t.Fatalf("first event: %+v person %+v", res, res.Person)
		}
		// The same event again (a retry) changes nothing.
		again, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("k1", "Inquiry", "Zillow", maria))
		if err != nil || !again.Duplicate || again.Created || again.Person.ID != res.Person.ID || again.Event.ID != res.Event.ID {
			t.Fatalf("replay: %+v %v", again, err)
		}
		// A later event by phone and the same email merges without overwriting.
		later := rapport.Person{FirstName: "Mary", LastName: "Lopez", Emails: []rapport.Email{{Address: "maria@example.com"}},
			Phones: []rapport.Phone{{Number: "+13125550142"}}, Tags: []string{"seller"}}
		upd, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("k2", "Viewed Property", "Realtor.com", later))
		if err != nil || upd.Created || upd.Duplicate || upd.Person.ID != res.Person.ID {
			t.Fatalf("update: %+v %v", upd, err)
		}
		p, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, res.Person.ID)
		if p.FirstName != "Maria" || p.LastName != "Lopez" || p.Source != "Zillow" || len(p.Phones) != 1 || len(p.Tags) != 2 || p.OwnerID != f.agent.ID {
			t.Fatalf("merged person = %+v", p)
		}
		// A new lead goes to the next agent in turn; one assigned goes where told.
		bob, _ := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("k3", "Registration", "Website", rapport.Person{FirstName: "Bob", Phones: []rapport.Phone{{Number: "+13125550100"}}}))
		if bob.Person.OwnerID != second.ID {
			t.Errorf("second lead owner = %d, want %d", bob.Person.OwnerID, second.ID)
		}
		in := event("k4", "Registration", "Website", rapport.Person{FirstName: "Cy", Emails: []rapport.Email{{Address: "cy@example.com"}}})
		in.AssignedTo, in.Stage = "OWNER@acme.test", "Nurture"
		cy, _ := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), in)
		if cy.Routed || cy.Person.OwnerID != f.owner.ID {
			t.Errorf("assigned lead: %+v", cy.Person)
		}
		if got, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, cy.Person.ID); got.Stage.Key != rapport.StageNurture {
			t.Errorf("stage = %s", got.Stage.Key)
		}
		// A historical event is recorded but neither routed nor an arrival.
		old := event("k5", "Registration", "Open house", rapport.Person{FirstName: "Old", Emails: []rapport.Email{{Address: "old@example.com"}}})
		old.Event.OccurredAt = f.clock.Now().Add(-72 * time.Hour)
		hist, _ := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), old)
		if !hist.Event.Historical || hist.Routed || hist.Person.OwnerID != 0 || !hist.Person.ArrivedAt.IsZero() {
			t.Errorf("historical: %+v %+v", hist.Event, hist.Person)
		}
		// The timeline shows the events; search finds what they said.
		items, _ := f.db.Timeline(ctx, rapport.Actor{Org: f.org.ID}, res.Person.ID)
		events := 0
		for _, it := range items {
			if it.Kind == store.TimelineEvent {
				events++
			}
		}
		if events != 2 {
			t.Errorf("timeline has %d events, want 2", events)
		}
		page, _ := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "still available"})
		if len(page.People) < 1 {
			t.Error("event message not searchable")
		}
		// Speed to lead counts the live arrivals only.
		f.clock.Advance(3 * time.Minute)
		f.log(t, res.Person.ID, store.LogInput{Conversation: call(rapport.OutcomeNoAnswer)})
		rep, err := f.db.SpeedToLead(ctx, rapport.Actor{Org: f.org.ID}, f.clock.Now().Add(-time.Hour), f.clock.Now().Add(time.Hour))
		if err != nil || rep.All.Leads != 3 || rep.All.Attempted != 1 || rep.All.Median != 3*time.Minute {
			t.Errorf("speed to lead = %+v, %v", rep.All, err)
		}
	})
}

func TestRoutingRules(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		rule := &rapport.RoutingRule{OrgID: f.org.ID, Source: "Zillow", UserIDs: rapport.FormatIDs([]int64{f.owner.ID})}
		if err := f.db.CreateRoutingRule(ctx, rapport.Actor{Org: rule.OrgID}, rule); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.db.CreateRoutingRule(ctx, rapport.Actor{Org: f.org.ID}, &rapport.RoutingRule{Source: "X", UserIDs: "999999"}), rapport.EINVALID)
		res, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("z1", "Inquiry", "zillow", rapport.Person{FirstName: "Z", Emails: []rapport.Email{{Address: "z@example.com"}}}))
		if err != nil || res.Person.OwnerID != f.owner.ID {
			t.Fatalf("zillow lead owner = %+v %v", res.Person, err)
		}
		rules, _ := f.db.RoutingRules(ctx, rapport.Actor{Org: f.org.ID})
		if len(rules) != 1 {
			t.Fatalf("rules = %d", len(rules))
		}
		if err := f.db.DeleteRoutingRule(ctx, rapport.Actor{Org: f.org.ID}, rule.ID); err != nil {
			t.Fatal(err)
		}
		other := newFixture(t, f.db, f.clock, "other")
		wantCode(t, f.db.DeleteRoutingRule(ctx, rapport.Actor{Org: other.org.ID}, rule.ID), rapport.ENOTFOUND)
	})
}

// TestEventsKeepHouseholdsApart: an event is matched as an import row is.
// Its email is enough; a phone only under a name that fits (a lead with
// her husband's number on file is someone new, and the answer says whose
// number it is too); what it says otherwise than the person's record is
// kept with them as imported and named in a warning.
func TestEventsKeepHouseholdsApart(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		home := []rapport.Phone{{Number: "+13125550150", Label: "home"}}
		john := f.person(t, rapport.Person{FirstName: "John", LastName: "Smith", Kind: rapport.KindSphere, Phones: home, City: "Evanston",
			Emails: []rapport.Email{{Address: "john@example.com"}}})
		mary, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("h1", "Inquiry", "Zillow", rapport.Person{FirstName: "Mary", LastName: "Smith", Phones: home}))
		if err != nil {
			t.Fatal(err)
		}
		if !mary.Created || mary.Person.ID == john.ID || !slices.ContainsFunc(mary.Warnings, func(w string) bool { return strings.Contains(w, "someone else") }) {
			t.Fatalf("mary: created %v id %d warnings %q", mary.Created, mary.Person.ID, mary.Warnings)
		}
		johnny, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("h2", "Saved Property", "Zillow", rapport.Person{FirstName: "Johnny", LastName: "Smith", Phones: home}))
		if err != nil || johnny.Created || johnny.Person.ID != john.ID {
			t.Fatalf("johnny: %+v %v", johnny, err)
		}
		moved, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("h3", "Registration", "Website",
			rapport.Person{FirstName: "Jonathan", LastName: "Smythe", City: "Skokie", Street: "1 Oak St", Emails: []rapport.Email{{Address: "john@example.com"}}}))
		if err != nil || moved.Created || moved.Person.ID != john.ID || moved.Person.City != "Evanston" {
			t.Fatalf("by email: %+v %v", moved, err)
		}
		records, err := f.db.Records(ctx, rapport.Actor{Org: f.org.ID}, john.ID)
		if err != nil || len(records) != 1 || records[0].Kind != rapport.RecordEvent || records[0].Origin != "Website" {
			t.Fatalf("records = %+v %v", records, err)
		}
		kept := map[string]string{}
		for _, k := range records[0].Kept {
			kept[k.Name] = k.Value
		}
		if kept["First name"] != "Jonathan" || kept["Last name"] != "Smythe" || !strings.Contains(kept["Address"], "Skokie") {
			t.Errorf("kept = %+v", records[0].Kept)
		}
		if len(moved.PersonWarnings) < 3 {
			t.Errorf("warnings about the person = %q", moved.PersonWarnings)
		}
	})
}
