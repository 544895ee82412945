package rapport

import (
	"strings"
	"testing"
	"time"
)

var chicago = mustLoad("America/Chicago")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at returns a time in Chicago.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, chicago)
}

func params(now time.Time) TodayParams {
	return TodayParams{Now: now, UserLoc: chicago, OrgLoc: chicago, Size: 10}
}

func person(id int64, kind Kind, created time.Time) *Person {
	return &Person{ID: id, OrgID: 1, FirstName: "P", LastName: string(rune('A' + id%26)), Kind: kind, CreatedAt: created}
}

func ids(entries []TodayEntry) []int64 {
	var out []int64
	for _, e := range entries {
		out = append(out, e.Person.ID)
	}
	return out
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTwoWeekFollowUpSurfacesExactlyFourteenDaysLater(t *testing.T) {
	logged := at(2026, 3, 2, 10, 0) // crosses the US daylight-saving change on 8 March
	today := DayOf(logged, chicago)
	due, err := DueFromPick("2w", today, "")
	if err != nil {
		t.Fatal(err)
	}
	p := person(1, KindClient, logged.AddDate(0, -3, 0))
	p.FirstAttemptAt = logged
	fu := FollowUp{ID: 9, PersonID: 1, Kind: FollowUpCall, Owes: OwesMe, DueOn: due, Status: FollowUpOpen}
	for day := 1; day <= 15; day++ {
		now := time.Date(2026, 3, 2+day, 9, 0, 0, 0, chicago)
		// The store only offers follow-ups due on or before today; the
		// rules must agree on what that means.
		var offered []FollowUp
		if fu.DueOn <= DayOf(now, chicago) {
			offered = append(offered, fu)
		}
		got := BuildToday(params(now), []Candidate{{Person: p, FollowUps: offered}})
		want := day >= 14
		if (len(got) == 1) != want {
			t.Fatalf("day %d (%s): on Today = %v, want %v", day, DayOf(now, chicago), len(got) == 1, want)
		}
		if day == 14 && got[0].Best().Kind != ReasonPromiseDue {
			t.Errorf("day 14 reason = %s, want promise due", got[0].Best().Kind)
		}
		if day == 15 && got[0].Best().Kind != ReasonPromiseOverdue {
			t.Errorf("day 15 reason = %s, want promise overdue", got[0].Best().Kind)
		}
	}
	if due != "2026-03-16" {
		t.Errorf("due = %s, want 2026-03-16", due)
	}
}

func TestDoNotCallAndArchivedNeverAppear(t *testing.T) {
	now := at(2026, 11, 23, 10, 0)
	today := DayOf(now, chicago)
	var cands []Candidate
	for i := int64(1); i <= 6; i++ {
		p := person(i, KindLead, now.Add(-time.Duration(i)*time.Minute)) // fresh lead: the strongest reason
		p.Birthday = Anniversary{Month: time.November, Day: 23}
		p.CadenceDays = 1
		p.TouchDueAt = now.Add(-48 * time.Hour)
		cands = append(cands, Candidate{Person: p, FollowUps: []FollowUp{{ID: i, Kind: FollowUpCall, Owes: OwesMe, DueOn: today.AddDays(-3), Status: FollowUpOpen}}})
	}
	cands[1].Person.DoNotCall = true
	cands[3].Person.DoNotCall = true
	cands[4].Person.ArchivedAt = now.Add(-time.Hour)
	got := ids(BuildToday(params(now), cands))
	if !sameIDs(got, []int64{1, 3, 6}) {
		t.Fatalf("Today = %v, want [1 3 6] (newest lead first, no do-not-call, no archived)", got)
	}
}

func TestBackOffAfterThreeUnansweredCallsInSevenDays(t *testing.T) {
	now := at(2026, 11, 23, 10, 0)
	call := func(daysAgo int, o Outcome) Touch {
		return Touch{At: now.Add(-time.Duration(daysAgo)*24*time.Hour - time.Hour), Channel: ChannelCall, Direction: DirectionOutbound, Outcome: o, Live: IsLive(ChannelCall, o)}
	}
	cases := []struct {
		name    string
		touches []Touch
		listed  bool
	}{
		{"two unanswered", []Touch{call(1, OutcomeNoAnswer), call(3, OutcomeVoicemail)}, true},
		{"three unanswered", []Touch{call(1, OutcomeNoAnswer), call(3, OutcomeVoicemail), call(5, OutcomeNoAnswer)}, false},
		{"three, one older than a week", []Touch{call(1, OutcomeNoAnswer), call(3, OutcomeVoicemail), call(8, OutcomeNoAnswer)}, true},
		{"three, then they called back", []Touch{call(1, OutcomeNoAnswer), call(3, OutcomeVoicemail), call(5, OutcomeNoAnswer),
			{At: now.Add(-2 * time.Hour), Channel: ChannelCall, Direction: DirectionInbound, Outcome: OutcomeNoAnswer}}, true},
		{"live in between resets", []Touch{call(1, OutcomeNoAnswer), call(2, OutcomeVoicemail), call(3, OutcomeLive), call(5, OutcomeNoAnswer)}, true},
		{"texts do not count", []Touch{call(1, OutcomeNoAnswer), call(3, OutcomeVoicemail),
			{At: now.Add(-50 * time.Hour), Channel: ChannelText, Direction: DirectionOutbound}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := person(1, KindSphere, now.AddDate(-1, 0, 0))
			p.CadenceDays = 30
			p.TouchDueAt = now.Add(-24 * time.Hour)
			got := BuildToday(params(now), []Candidate{{Person: p, Recent: tc.touches}})
			if (len(got) == 1) != tc.listed {
				t.Fatalf("listed = %v, want %v", len(got) == 1, tc.listed)
			}
		})
	}
}

func TestCallingHours(t *testing.T) {
	// 07:30 in Chicago is 08:30 in New York and 05:30 in Los Angeles.
	now := at(2026, 11, 23, 7, 30)
	mk := func(id int64, tz string) Candidate {
		p := person(id, KindLead, now.Add(-time.Duration(id)*time.Minute))
		p.TZ = tz
		return Candidate{Person: p}
	}
	got := BuildToday(params(now), []Candidate{mk(1, "America/Los_Angeles"), mk(2, "America/New_York"), mk(3, ""), mk(4, "America/New_York")})
	if !sameIDs(ids(got), []int64{2, 4, 1, 3}) {
		t.Fatalf("order = %v, want callable New Yorkers first (newest first), then the rest by rank", ids(got))
	}
	if !got[0].CallableNow || got[2].CallableNow || got[3].CallableNow {
		t.Fatalf("callable flags wrong: %+v", got)
	}
	la := got[2]
	if want := time.Date(2026, 11, 23, 8, 0, 0, 0, mustLoad("America/Los_Angeles")); !la.CallableAt.Equal(want) {
		t.Errorf("Los Angeles callable at %v, want %v", la.CallableAt, want)
	}
	// Someone whose evening is over is callable from 08:00 tomorrow.
	late := at(2026, 11, 23, 20, 30) // 21:30 in New York
	got = BuildToday(params(late), []Candidate{mk(2, "America/New_York")})
	if want := time.Date(2026, 11, 24, 8, 0, 0, 0, mustLoad("America/New_York")); got[0].CallableNow || !got[0].CallableAt.Equal(want) {
		t.Errorf("late: callable=%v at %v, want false at %v", got[0].CallableNow, got[0].CallableAt, want)
	}
}

func TestOrderingFollowsTheDocumentedRanks(t *testing.T) {
	now := at(2026, 11, 23, 11, 0)
	today := DayOf(now, chicago)
	fu := func(id int64, kind FollowUpKind, owes Owes, due Day, tm, note string) FollowUp {
		return FollowUp{ID: id, Kind: kind, Owes: owes, DueOn: due, DueTime: tm, Note: note, Status: FollowUpOpen}
	}
	old := now.AddDate(-1, 0, 0)
	attempted := func(p *Person) *Person { p.FirstAttemptAt = old; return p }

	freshLead := person(1, KindLead, now.Add(-4*time.Minute))
	staleLead := person(2, KindLead, now.Add(-72*time.Hour))
	meeting := attempted(person(3, KindClient, old))
	overdue3 := attempted(person(4, KindClient, old))
	overdue1 := attempted(person(5, KindClient, old))
	dueToday := attempted(person(6, KindClient, old))
	referral := person(7, KindSphere, now.Add(-48*time.Hour))
	referral.ReferredByID = 99
	theirs := attempted(person(8, KindRecruit, old))
	top := attempted(person(9, KindRecruit, old))
	top.Volume12m, top.Units12m = 30_000_000, 40
	top.LastLiveAt = now.AddDate(0, -3, 0)
	topRecent := attempted(person(10, KindRecruit, old))
	topRecent.Volume12m = 50_000_000
	topRecent.LastLiveAt = now.AddDate(0, 0, -10)
	bday := attempted(person(11, KindSphere, old))
	bday.Birthday = Anniversary{Year: 1980, Month: time.November, Day: 23}
	kit := attempted(person(12, KindSphere, old))
	kit.CadenceDays = 30
	kit.LastTouchAt = now.AddDate(0, 0, -40)
	kit.ScheduleTouch()

	cands := []Candidate{
		{Person: kit}, {Person: bday}, {Person: topRecent, TopProducer: true}, {Person: top, TopProducer: true},
		{Person: theirs, FollowUps: []FollowUp{fu(80, FollowUpCall, OwesThem, today.AddDays(-1), "", "send her list of agents")}},
		{Person: referral, Referrer: "Dana Reyes"},
		{Person: dueToday, FollowUps: []FollowUp{fu(60, FollowUpCall, OwesMe, today, "", "")}},
		{Person: overdue1, FollowUps: []FollowUp{fu(50, FollowUpCall, OwesMe, today.AddDays(-1), "", "")}},
		{Person: overdue3, FollowUps: []FollowUp{fu(40, FollowUpEmail, OwesMe, today.AddDays(-3), "", "market report")}},
		{Person: meeting, FollowUps: []FollowUp{fu(30, FollowUpMeeting, OwesMe, today, "15:00", "coffee")}},
		{Person: staleLead}, {Person: freshLead},
	}
	p := params(now)
	p.Size = 20
	got := BuildToday(p, cands)
	want := []int64{1, 3, 4, 5, 6, 7, 2, 8, 9, 11, 12}
	if !sameIDs(ids(got), want) {
		t.Fatalf("order = %v, want %v", ids(got), want)
	}
	texts := map[int64]string{}
	for _, e := range got {
		texts[e.Person.ID] = e.Best().Text
	}
	for id, want := range map[int64]string{
		1:  "New lead, 4 min ago, not yet called",
		3:  "Meeting today at 15:00 — coffee",
		4:  "You promised to email: 3 days overdue — market report",
		7:  "Referred by Dana Reyes, not yet called",
		8:  "They promised (due yesterday): check in — send her list of agents",
		9:  "Top-fifth producer (40 units, $30.0M in 12 months), last talked 3 months ago",
		11: "Birthday today (46)",
		12: "Keep in touch every 30 days: last touch 40 days ago",
	} {
		if texts[id] != want {
			t.Errorf("person %d reason = %q, want %q", id, texts[id], want)
		}
	}
	p.Size = 3
	if got := ids(BuildToday(p, cands)); !sameIDs(got, want[:3]) {
		t.Errorf("size 3 = %v, want %v", got, want[:3])
	}
}

func TestWorkedTodayLeavesTheList(t *testing.T) {
	now := at(2026, 11, 23, 15, 0)
	p := person(1, KindLead, now.Add(-time.Hour))
	p.Birthday = Anniversary{Month: 11, Day: 23}
	cases := []struct {
		touch  Touch
		listed bool
	}{
		{Touch{At: now.Add(-time.Hour), Channel: ChannelCall, Direction: DirectionOutbound, Outcome: OutcomeNoAnswer}, false},
		{Touch{At: now.Add(-time.Hour), Channel: ChannelEvent, Direction: DirectionInbound}, true},
		{Touch{At: at(2026, 11, 22, 23, 0), Channel: ChannelCall, Direction: DirectionOutbound, Outcome: OutcomeVoicemail}, true},
	}
	for i, tc := range cases {
		got := BuildToday(params(now), []Candidate{{Person: p, Recent: []Touch{tc.touch}}})
		if (len(got) == 1) != tc.listed {
			t.Errorf("case %d: listed = %v, want %v", i, len(got) == 1, tc.listed)
		}
	}
}

func TestLeapDayBirthdaysAreKeptOnTheTwentyEighth(t *testing.T) {
	p := person(1, KindSphere, at(2020, 1, 1, 0, 0))
	p.FirstAttemptAt = p.CreatedAt
	p.Birthday = Anniversary{Year: 1992, Month: time.February, Day: 29}
	for _, tc := range []struct {
		now    time.Time
		listed bool
	}{
		{at(2027, 2, 28, 10, 0), true},
		{at(2028, 2, 28, 10, 0), false},
		{at(2028, 2, 29, 10, 0), true},
	} {
		got := BuildToday(params(tc.now), []Candidate{{Person: p}})
		if (len(got) == 1) != tc.listed {
			t.Errorf("%s: listed = %v, want %v", tc.now.Format("2006-01-02"), len(got) == 1, tc.listed)
		}
	}
}

func TestAgo(t *testing.T) {
	now := at(2026, 11, 23, 12, 0)
	for d, want := range map[time.Duration]string{
		10 * time.Second: "just now", 4 * time.Minute: "4 min ago", 3 * time.Hour: "3 hours ago",
		30 * time.Hour: "yesterday", 12 * 24 * time.Hour: "12 days ago", 100 * 24 * time.Hour: "3 months ago",
	} {
		if got := Ago(now, now.Add(-d)); got != want {
			t.Errorf("Ago(%v) = %q, want %q", d, got, want)
		}
	}
	if !strings.HasPrefix(Money(12_400_000), "$12.4M") || Money(950_000) != "$950K" {
		t.Errorf("Money: %s %s", Money(12_400_000), Money(950_000))
	}
}

func TestMeetingTodaySurvivesAnEarlierTouch(t *testing.T) {
	now := at(2026, 11, 23, 11, 0)
	today := DayOf(now, chicago)
	p := person(1, KindClient, now.AddDate(-1, 0, 0))
	p.FirstAttemptAt = p.CreatedAt
	c := Candidate{Person: p,
		FollowUps: []FollowUp{
			{ID: 1, Kind: FollowUpMeeting, Owes: OwesMe, DueOn: today, DueTime: "15:00", Status: FollowUpOpen, Note: "coffee"},
			{ID: 2, Kind: FollowUpCall, Owes: OwesMe, DueOn: today.AddDays(-2), Status: FollowUpOpen},
		},
		// A text at nine to confirm the meeting.
		Recent: []Touch{{At: at(2026, 11, 23, 9, 0), Channel: ChannelText, Direction: DirectionOutbound}},
	}
	got := BuildToday(params(now), []Candidate{c})
	if len(got) != 1 || len(got[0].Reasons) != 1 || got[0].Best().Kind != ReasonMeeting {
		t.Fatalf("Today = %+v, want only the meeting left", got)
	}
}

func TestALeadWhoCalledInAndTalkedIsNotNew(t *testing.T) {
	now := at(2026, 11, 24, 11, 0)
	p := person(1, KindLead, now.Add(-26*time.Hour))
	p.LastLiveAt = now.Add(-25 * time.Hour) // they rang in and talked; we never called out
	if got := BuildToday(params(now), []Candidate{{Person: p}}); len(got) != 0 {
		t.Fatalf("Today = %v, want no new-lead reason", got[0].Reasons)
	}
}
