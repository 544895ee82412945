package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestStoryIsWhatItsReadsWere holds Story, which reads a person's facts
// and follow-ups once, to Facts, FollowUps and Timeline read apart: with
// follow-ups open, done and cancelled, due the same day, set while
// logging, and with more of each than the timeline reads.
func TestStoryIsWhatItsReadsWere(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		act := rapport.Member(f.org, f.agent)
		p := f.person(t, rapport.Person{FirstName: "Sam"})
		other := f.person(t, rapport.Person{FirstName: "Pat"})
		today := rapport.DayOf(f.clock.Now(), chicago)
		fu := func(who int64, due rapport.Day) *rapport.FollowUp {
			t.Helper()
			x := &rapport.FollowUp{PersonID: who, DueOn: due, Owes: rapport.OwesMe}
			if err := f.db.CreateFollowUp(ctx, act, x); err != nil {
				t.Fatal(err)
			}
			return x
		}
		fact := func(text string) {
			t.Helper()
			if err := f.db.AddFact(ctx, act, &rapport.Fact{PersonID: p.ID, Type: rapport.FactInterest, Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		same := func(step string) {
			t.Helper()
			read, err := f.db.Person(ctx, act, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			st, err := f.db.Story(ctx, act, read)
			if err != nil {
				t.Fatal(err)
			}
			facts, err := f.db.Facts(ctx, act, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			fus, err := f.db.FollowUps(ctx, act, store.FollowUpFilter{PersonID: p.ID})
			if err != nil {
				t.Fatal(err)
			}
			tl, err := f.db.Timeline(ctx, act, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(st.Facts, facts) {
				t.Errorf("%s: story's facts %d, Facts %d", step, len(st.Facts), len(facts))
			}
			if !reflect.DeepEqual(st.FollowUps, fus) {
				t.Errorf("%s: story's follow-ups differ from FollowUps (%d, %d)", step, len(st.FollowUps), len(fus))
			}
			if !reflect.DeepEqual(st.Timeline, tl) {
				t.Errorf("%s: story's timeline differs from Timeline (%d, %d items)", step, len(st.Timeline), len(tl))
			}
		}
		same("nothing yet")
		f.clock.Advance(time.Minute)
		f.log(t, p.ID, store.LogInput{Conversation: call(rapport.OutcomeLive),
			Facts:    []rapport.Fact{{Type: rapport.FactFamily, Text: "two kids"}},
			FollowUp: &rapport.FollowUp{DueOn: today.AddDays(3), Owes: rapport.OwesThem, Note: "send the list"}})
		fact("sails on weekends")
		a, b := fu(p.ID, today.AddDays(7)), fu(p.ID, today.AddDays(1))
		fu(p.ID, today.AddDays(1)) // the same day as b: by id
		fu(other.ID, today)        // someone else's
		if err := f.db.CloseFollowUp(ctx, act, a.ID, rapport.FollowUpDone); err != nil {
			t.Fatal(err)
		}
		if err := f.db.CloseFollowUp(ctx, act, b.ID, rapport.FollowUpCancelled); err != nil {
			t.Fatal(err)
		}
		same("a few of each")
		// More follow-ups and facts than a timeline reads: the open ones
		// can no longer be told from the timeline's.
		for i := range 305 {
			fu(p.ID, today.AddDays(i%40))
			fact("note")
		}
		same("past the timeline's bound")
		// A user who sees only their own people sees the same.
		act = rapport.Member(f.org, f.agent)
		act.Only = f.agent.ID
		same("own people only")
	})
}

// TestPhoneSharers: the people who share a personal number of someone's
// are linked on their page; an office's number, the archived, another
// agent's people (for an agent who sees only their own) and another
// organisation's people are not.
func TestPhoneSharers(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		act := rapport.Member(f.org, f.agent)
		const home, office, mobile = "+13125550101", "+13125550199", "+13125550102"
		mary := f.person(t, rapport.Person{FirstName: "Mary", Phones: []rapport.Phone{
			{Number: home, Label: "home"}, {Number: office, Label: "work"}, {Number: mobile, Label: "mobile"}}})
		john := f.person(t, rapport.Person{FirstName: "John", Phones: []rapport.Phone{{Number: home, Label: "home"}}})
		f.person(t, rapport.Person{FirstName: "Colleague", Phones: []rapport.Phone{{Number: office, Label: "mobile"}}})
		gone := f.person(t, rapport.Person{FirstName: "Gone", Phones: []rapport.Phone{{Number: mobile}}})
		if err := f.db.ArchivePerson(ctx, act, gone.ID, true); err != nil {
			t.Fatal(err)
		}
		theirs := f.person(t, rapport.Person{FirstName: "Kid", OwnerID: f.owner.ID, Phones: []rapport.Phone{{Number: mobile, Label: "mobile"}}})
		other := newFixture(t, f.db, f.clock, "other")
		other.person(t, rapport.Person{FirstName: "Stranger", Phones: []rapport.Phone{{Number: home, Label: "home"}}})

		names := func(a rapport.Actor) []string {
			t.Helper()
			p, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, mary.ID)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := f.db.PhoneSharers(ctx, a, p)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range ss {
				out = append(out, s.Name+" "+s.Number)
			}
			return out
		}
		want := []string{"John " + home, "Kid " + mobile}
		if theirs.ID < john.ID {
			want[0], want[1] = want[1], want[0]
		}
		if got := names(rapport.Actor{Org: f.org.ID}); !reflect.DeepEqual(got, want) {
			t.Errorf("sharers = %q, want %q", got, want)
		}
		own := act
		own.Only = f.agent.ID
		if got := names(own); !reflect.DeepEqual(got, []string{"John " + home}) {
			t.Errorf("own people's sharers = %q", got)
		}
		// No personal number: nothing to read.
		lone := f.person(t, rapport.Person{FirstName: "Lone", Phones: []rapport.Phone{{Number: office, Label: "office"}}})
		if ss, err := f.db.PhoneSharers(ctx, act, lone); err != nil || len(ss) != 0 {
			t.Errorf("lone = %+v, %v", ss, err)
		}
	})
}
