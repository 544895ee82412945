package rapport

import (
	"strings"
	"testing"
	"time"
)

// TestAttemptPlan: a new lead is tried on the plan's days (twice on the
// first, the second a couple of hours after the first), each a reason
// "attempt n of 7" — a text or an email counts; the back-off does not
// stop them while the plan runs; after the plan they rest 30 days and
// come back.
func TestAttemptPlan(t *testing.T) {
	arrived := at(2026, 11, 2, 9, 0) // a Monday
	lead := person(1, KindLead, arrived)
	lead.Source = "Zillow"
	call := func(when time.Time, ch Channel) Touch {
		return Touch{At: when, Channel: ch, Direction: DirectionOutbound, Outcome: OutcomeNoAnswer}
	}
	c := Candidate{Person: lead}
	reason := func(now time.Time) string {
		es := BuildToday(params(now), []Candidate{c})
		if len(es) == 0 {
			return ""
		}
		return es[0].Best().Text
	}
	if r := reason(arrived.Add(5 * time.Minute)); !strings.HasPrefix(r, "New lead from Zillow") {
		t.Fatalf("arrival: %q", r)
	}
	first := arrived.Add(10 * time.Minute)
	lead.FirstAttemptAt, lead.LastAttemptAt = first, first
	c.Recent = []Touch{call(first, ChannelCall)}
	if r := reason(first.Add(time.Hour)); r != "" {
		t.Errorf("an hour after the first attempt: %q", r)
	}
	if r := reason(first.Add(3 * time.Hour)); !strings.HasPrefix(r, "Attempt 2 of 7 for a new lead from Zillow") {
		t.Errorf("day 0, later: %q", r)
	}
	second := first.Add(3 * time.Hour)
	c.Recent = append(c.Recent, call(second, ChannelText)) // a text counts
	lead.LastAttemptAt = second
	if r := reason(second.Add(4 * time.Hour)); r != "" {
		t.Errorf("day 0 done: %q", r)
	}
	// Day 1: attempt 3. Three unanswered calls would back anyone else off.
	third := at(2026, 11, 3, 10, 0)
	if r := reason(third); !strings.HasPrefix(r, "Attempt 3 of 7") {
		t.Errorf("day 1: %q", r)
	}
	c.Recent = append(c.Recent, call(third, ChannelCall))
	lead.LastAttemptAt = third
	fourth := at(2026, 11, 4, 10, 0)
	if r := reason(fourth); !strings.HasPrefix(r, "Attempt 4 of 7") {
		t.Errorf("day 2, after three unanswered: %q", r)
	}
	c.Recent = append(c.Recent, call(fourth, ChannelEmail))
	lead.LastAttemptAt = fourth
	if r := reason(at(2026, 11, 5, 10, 0)); r != "" {
		t.Errorf("day 3 has no attempt: %q", r)
	}
	for i, day := range []int{4, 7, 14} {
		when := at(2026, 11, 2+day, 10, 0)
		if r := reason(when); !strings.HasPrefix(r, "Attempt "+string(rune('5'+i))+" of 7") {
			t.Errorf("day %d: %q", day, r)
		}
		c.Recent = append(c.Recent, call(when, ChannelCall))
		lead.LastAttemptAt = when
	}
	// The plan is done: they rest, then come back after 30 days.
	if r := reason(at(2026, 11, 20, 10, 0)); r != "" {
		t.Errorf("resting: %q", r)
	}
	if r := reason(at(2026, 12, 19, 10, 0)); !strings.HasPrefix(r, "Lead rested 30 days") {
		t.Errorf("after the rest: %q", r)
	}
	// An organisation's own plan.
	p := params(at(2026, 11, 3, 10, 0))
	p.Plan = AttemptPlan{0, 3}
	c.Recent, lead.LastAttemptAt = []Touch{call(first, ChannelCall)}, first
	if es := BuildToday(p, []Candidate{c}); len(es) != 0 {
		t.Errorf("day 1 of a 0,3 plan: %+v", es[0].Reasons)
	}
	p.Now = at(2026, 11, 5, 10, 0)
	if es := BuildToday(p, []Candidate{c}); len(es) != 1 || es[0].Best().Text[:12] != "Attempt 2 of" {
		t.Errorf("day 3 of a 0,3 plan: %+v", es)
	}
}

func TestParseAttemptPlan(t *testing.T) {
	if p, err := ParseAttemptPlan(" 0,0, 1 2;4,7,14 "); err != nil || p.String() != "0, 0, 1, 2, 4, 7, 14" {
		t.Errorf("%v %v", p, err)
	}
	for _, bad := range []string{"0,x", "3,1", "61", "-1", strings.Repeat("1,", 13)} {
		if _, err := ParseAttemptPlan(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestWhyNow: someone known who came back leads the list with what they
// did and an opener from it, until someone answers; a dated fact brings
// them two weeks before with an opener from the fact; a referral's
// milestone brings the referrer, to thank.
func TestWhyNow(t *testing.T) {
	now := at(2026, 11, 26, 11, 0) // a Thursday
	client := person(1, KindClient, now.AddDate(-1, 0, 0))
	client.FirstName = "Dana"
	client.LastAttemptAt, client.LastLiveAt, client.LastTouchAt = now.AddDate(0, -2, 0), now.AddDate(0, -2, 0), now.AddDate(0, -2, 0)
	saved := &Event{Type: "Saved Property", Property: "4102 Ridgeline", OccurredAt: at(2026, 11, 24, 20, 0)}
	fresh := person(2, KindLead, now.Add(-10*time.Minute))
	es := BuildToday(params(now), []Candidate{{Person: client, CameBack: saved}, {Person: fresh}})
	if len(es) != 2 || es[1].Person.ID != 1 {
		t.Fatalf("order: %v", ids(es))
	}
	if r := es[1].Best(); r.Kind != ReasonCameBack || r.Text != "Saved 4102 Ridgeline on Tuesday" {
		t.Errorf("came back: %+v", r)
	}
	if o := es[1].Opener; o != "Hi Dana, I saw you saved 4102 Ridgeline — what caught your eye?" {
		t.Errorf("opener: %q", o)
	}
	// Answered since: no longer a reason.
	client.LastAttemptAt = at(2026, 11, 25, 9, 0)
	if es := BuildToday(params(now), []Candidate{{Person: client, CameBack: saved}}); len(es) != 0 {
		t.Errorf("after a call back: %+v", es[0].Reasons)
	}
	// A week later it is old news.
	client.LastAttemptAt = now.AddDate(0, -2, 0)
	if es := BuildToday(params(now.AddDate(0, 0, 8)), []Candidate{{Person: client, CameBack: saved}}); len(es) != 0 {
		t.Errorf("a week on: %+v", es[0].Reasons)
	}

	lease := Fact{Type: FactMotivation, Text: "Lease ends May 31", OnDate: "2027-05-31", RemindDays: 14}
	c := Candidate{Person: client, Dated: []Fact{lease}}
	if es := BuildToday(params(at(2027, 5, 16, 11, 0)), []Candidate{c}); len(es) != 0 {
		t.Errorf("15 days before: %+v", es[0].Reasons)
	}
	es = BuildToday(params(at(2027, 5, 17, 11, 0)), []Candidate{c})
	if len(es) != 1 || es[0].Best().Text != "Lease ends May 31 (May 31, in 14 days)" ||
		!strings.Contains(es[0].Opener, "you mentioned lease ends May 31") {
		t.Fatalf("14 days before: %+v", es)
	}
	client.LastTouchAt = at(2027, 5, 18, 9, 0)
	if es := BuildToday(params(at(2027, 5, 20, 11, 0)), []Candidate{c}); len(es) != 0 {
		t.Errorf("talked since the reminder began: %+v", es[0].Reasons)
	}

	gina := person(3, KindClient, now.AddDate(-2, 0, 0))
	gina.FirstName, gina.LastTouchAt = "Gina", now.AddDate(0, -1, 0)
	m := Milestone{PersonID: 9, Name: "Dana Whit", StageKey: StageUnderContract, At: now.Add(-24 * time.Hour)}
	es = BuildToday(params(now), []Candidate{{Person: gina, Thanks: []Milestone{m}}})
	if len(es) != 1 || es[0].Best().Text != "Thank Gina — Dana Whit, whom Gina referred, went under contract with us" ||
		!strings.Contains(es[0].Opener, "thank you for introducing me to Dana Whit") {
		t.Fatalf("thanks: %+v", es)
	}
}
