package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func todayNames(t *testing.T, f *fixture) []string {
	t.Helper()
	return todayNamesOf(t, f.db, rapport.Member(f.org, f.agent), f.clock.Now())
}

func TestTodayThroughTheStore(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		old := f.clock.Now().AddDate(-1, 0, 0)
		// Someone we talked to a year ago, with a cadence, a birthday
		// today and a follow-up promised in two weeks.
		f.clock.Set(old)
		maria := f.person(t, rapport.Person{FirstName: "Maria", Kind: rapport.KindSphere, CadenceDays: 400})
		f.clock.Set(start)
		f.log(t, maria.ID, store.LogInput{Conversation: call(rapport.OutcomeLive),
			FollowUp: &rapport.FollowUp{DueOn: must(rapport.DueFromPick("2w", rapport.DayOf(start, chicago), ""))}})
		f.person(t, rapport.Person{FirstName: "Dnc", DoNotCall: true}) // a new lead, but do-not-call
		lead := f.person(t, rapport.Person{FirstName: "Lead"})
		f.person(t, rapport.Person{FirstName: "Other", OwnerID: f.owner.ID}) // someone else's lead
		f.clock.Advance(time.Minute)

		if got := todayNames(t, f); len(got) != 1 || got[0] != "Lead:new_lead" {
			t.Fatalf("Today = %v, want [Lead:new_lead]", got)
		}
		// Three unanswered calls over three days: anyone else would rest,
		// but a new lead follows the attempt plan.
		for day := 0; day < 3; day++ {
			f.log(t, lead.ID, store.LogInput{Conversation: call(rapport.OutcomeNoAnswer)})
			if got := todayNames(t, f); len(got) != 0 {
				t.Fatalf("day %d: a lead called today is still on Today: %v", day, got)
			}
			f.clock.Advance(24 * time.Hour)
		}
		// Day 3: the plan's fourth attempt is due, and so is a promise.
		if err := f.db.CreateFollowUp(ctx, rapport.Member(f.org, f.agent), &rapport.FollowUp{PersonID: lead.ID, DueOn: rapport.DayOf(f.clock.Now(), chicago)}); err != nil {
			t.Fatal(err)
		}
		if got := todayNames(t, f); len(got) != 1 || got[0] != "Lead:promise_due" {
			t.Fatalf("a new lead in the attempt plan: %v", got)
		}
		f.clock.Set(start.AddDate(0, 0, 7).Add(time.Hour)) // the first unanswered call is now over a week old
		if got := todayNames(t, f); len(got) != 1 || got[0] != "Lead:promise_overdue" {
			t.Fatalf("after the back-off: %v", got)
		}

		// Maria's "2 weeks" follow-up surfaces exactly 14 days after it was set.
		f.log(t, lead.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		f.clock.Set(start.AddDate(0, 0, 13).Add(8 * time.Hour))
		if got := todayNames(t, f); len(got) != 0 {
			t.Fatalf("day 13: %v", got)
		}
		f.clock.Set(start.AddDate(0, 0, 14).Add(-9*time.Hour - 29*time.Minute)) // 00:01 on day 14
		if got := todayNames(t, f); len(got) != 1 || got[0] != "Maria:promise_due" {
			t.Fatalf("day 14: %v", got)
		}
		// Outside calling hours she stays, marked.
		entries, _ := f.db.Today(ctx, rapport.Member(f.org, f.agent), f.clock.Now())
		if entries[0].CallableNow || entries[0].CallableAt.Hour() != 8 {
			t.Errorf("00:01: callable=%v at %v", entries[0].CallableNow, entries[0].CallableAt)
		}
	})
}

func TestTodayTopProducersAndDates(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		// Ten recruits with volumes 1..10 million: the top fifth is the top two.
		for i := 1; i <= 10; i++ {
			f.person(t, rapport.Person{FirstName: "R" + string(rune('A'+i-1)), Kind: rapport.KindRecruit, Volume12m: int64(i) * 1_000_000, Units12m: i * 3})
		}
		// Attempted already, so only the production rule applies.
		page, _ := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Kind: rapport.KindRecruit})
		for _, p := range page.People {
			f.log(t, p.ID, store.LogInput{Conversation: rapport.Conversation{Channel: rapport.ChannelEmail}})
		}
		f.person(t, rapport.Person{FirstName: "Birthday", Kind: rapport.KindSphere, Birthday: rapport.Anniversary{Month: 11, Day: 24}})
		f.clock.Advance(24 * time.Hour)
		got := todayNames(t, f)
		want := []string{"RJ:top_producer", "RI:top_producer", "Birthday:birthday"}
		if !slices.Equal(got, want) {
			t.Fatalf("Today = %v, want %v", got, want)
		}
		// Someone who is not a recruit leaves the threshold as it was; two
		// bigger producers raise it (twelve recruits: the top three), and
		// RI drops out.
		f.person(t, rapport.Person{FirstName: "Seller", Kind: rapport.KindSphere, Volume12m: 99_000_000})
		for i, name := range []string{"BigA", "BigB"} {
			f.person(t, rapport.Person{FirstName: name, Kind: rapport.KindRecruit, Volume12m: int64(50-10*i) * 1_000_000})
		}
		got = todayNames(t, f)
		if slices.Contains(got, "RI:top_producer") {
			t.Fatalf("Today = %v: the top fifth was not recounted for the new producers", got)
		}
		if !slices.Contains(got, "BigA:top_producer") {
			t.Fatalf("Today = %v, want BigA as a top producer", got)
		}
	})
}

func TestContextCards(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Maria", Kind: rapport.KindRecruit})
		f.log(t, p.ID, store.LogInput{Conversation: rapport.Conversation{Channel: rapport.ChannelCall, Outcome: rapport.OutcomeLive, Notes: "Happy at Summit"},
			Facts:    []rapport.Fact{{Type: rapport.FactPassion, Text: "Marathons"}},
			FollowUp: &rapport.FollowUp{Owes: rapport.OwesThem, DueOn: "2026-12-01", Note: "send her list of agents"}})
		cards, err := f.db.ContextCards(ctx, rapport.Actor{Org: f.org.ID}, []*rapport.Person{p})
		if err != nil {
			t.Fatal(err)
		}
		c := cards[p.ID]
		if len(c.Facts) != 1 || c.Facts[0].Type != rapport.FactPassion || c.LastConversation == nil || c.LastConversation.Notes != "Happy at Summit" ||
			len(c.Promises) != 1 || len(c.Questions) != 2 || c.Questions[0].Type != rapport.FactFear {
			t.Fatalf("card = %+v", c)
		}
	})
}
