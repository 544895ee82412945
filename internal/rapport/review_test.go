package rapport_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

var (
	chicago = mustLoc("America/Chicago")
	newYork = mustLoc("America/New_York")
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func at(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

func attempt(t time.Time, o rapport.Outcome, ploc *time.Location) rapport.Activity {
	return rapport.Activity{UserID: 1, At: t, Channel: rapport.ChannelCall, Direction: rapport.DirectionOutbound, Outcome: o,
		Live: rapport.IsLive(rapport.ChannelCall, o), PersonLoc: ploc}
}

// reviewHistory is the history TestReviewByHand computes by hand. The
// reviewed week is Mon Oct 26 – Sun Nov 1 2026 in Chicago, which ends
// with the change back from daylight-saving time (Nov 1, 02:00): the
// week is 169 hours long.
func reviewHistory() rapport.ReviewInput {
	var acts []rapport.Activity
	// Group A: Tue Oct 6, 8 calls to people in New York, 4 at 18:10 and 4
	// at 19:10 their time: 3 live, 1 appointment set, 1 "don't call",
	// 3 unanswered.
	outcomesA := []rapport.Outcome{rapport.OutcomeLive, rapport.OutcomeLive, rapport.OutcomeLive, rapport.OutcomeAppointment,
		rapport.OutcomeDoNotCall, rapport.OutcomeNoAnswer, rapport.OutcomeNoAnswer, rapport.OutcomeVoicemail}
	for i, o := range outcomesA {
		acts = append(acts, attempt(at(newYork, 2026, 10, 6, 18+i%2, 10), o, newYork))
	}
	// Group B: Thursdays at 10:00 in Chicago, 10 + 10 + 10 + 9 calls; the
	// first is live, the rest unanswered; and one late on Sun Oct 25.
	for w, n := range []int{10, 10, 10, 9} {
		for i := range n {
			o := rapport.OutcomeNoAnswer
			if w == 0 && i == 0 {
				o = rapport.OutcomeLive
			}
			acts = append(acts, attempt(at(chicago, 2026, 10, 1+7*w, 10, i), o, chicago))
		}
	}
	acts = append(acts, attempt(at(chicago, 2026, 10, 25, 23, 50), rapport.OutcomeNoAnswer, chicago))
	// The reviewed week.
	acts = append(acts,
		attempt(at(chicago, 2026, 10, 26, 0, 10), rapport.OutcomeNoAnswer, chicago),
		attempt(at(chicago, 2026, 10, 31, 10, 30), rapport.OutcomeVoicemail, chicago),
		rapport.Activity{UserID: 1, At: at(chicago, 2026, 10, 29, 15, 0), Channel: rapport.ChannelMeeting, Live: true},
		rapport.Activity{UserID: 1, At: at(chicago, 2026, 10, 30, 9, 0), Channel: rapport.ChannelCall, Direction: rapport.DirectionInbound,
			Outcome: rapport.OutcomeLive, Live: true, Seconds: 300},
	)
	late := attempt(at(chicago, 2026, 11, 1, 23, 30), rapport.OutcomeLive, chicago) // CST, after the clocks went back
	late.Seconds = 600
	acts = append(acts, late)
	// Next week: not counted.
	acts = append(acts, attempt(at(chicago, 2026, 11, 2, 0, 30), rapport.OutcomeLive, chicago))

	return rapport.ReviewInput{
		Now:        at(chicago, 2026, 11, 4, 12, 0),
		Loc:        chicago,
		At:         at(chicago, 2026, 10, 28, 12, 0),
		Targets:    rapport.Targets{Live: 10, Referrals: 2},
		Activities: acts,
		NewPeople: []rapport.NewPerson{
			{CreatedAt: at(chicago, 2026, 10, 26, 10, 0)},
			{CreatedAt: at(chicago, 2026, 10, 30, 10, 0), Referred: true},
			{CreatedAt: at(chicago, 2026, 11, 1, 23, 59)},
			{CreatedAt: at(chicago, 2026, 11, 2, 0, 30), Referred: true},
		},
		Promises: []rapport.Promise{
			{DueOn: "2026-10-27", DoneAt: at(chicago, 2026, 10, 27, 16, 0), Status: rapport.FollowUpDone},
			{DueOn: "2026-10-28", DoneAt: at(chicago, 2026, 10, 29, 9, 0), Status: rapport.FollowUpDone},
			{DueOn: "2026-10-29", Status: rapport.FollowUpOpen},
			{DueOn: "2026-10-30", Status: rapport.FollowUpCancelled},
		},
		Story:    rapport.StoryCounts{Active: 10, Known: 4, Unknown: 2},
		Callable: 50,
		Blocks: []rapport.UserBlocks{{UserID: 1, Loc: chicago, Blocks: []rapport.CallBlock{
			{ID: 1, UserID: 1, Weekday: time.Tuesday, Start: 17 * 60, End: 19 * 60},
			{ID: 2, UserID: 1, Weekday: time.Saturday, Start: 10 * 60, End: 12 * 60},
		}}},
	}
}

func TestReviewByHand(t *testing.T) {
	r := rapport.BuildReview(reviewHistory())
	if !r.Start.Equal(at(chicago, 2026, 10, 26, 0, 0)) || !r.End.Equal(at(chicago, 2026, 11, 2, 0, 0)) || r.End.Sub(r.Start) != 169*time.Hour {
		t.Fatalf("week %v – %v", r.Start, r.End)
	}
	if r.Current {
		t.Error("a past week is marked current")
	}
	// The week: 3 attempts (Mon 00:10, Sat, Sun 23:30 CST), 1 connect,
	// 3 live (the Sunday call, the meeting, the inbound call), 1 meeting,
	// 3 new people of whom 1 referred.
	want := rapport.WeekFigures{Start: r.Start, Attempts: 3, Connects: 1, Live: 3, Appointments: 1, NewPeople: 3, Referrals: 1}
	if r.Week != want {
		t.Errorf("week = %+v\nwant   %+v", r.Week, want)
	}
	var got []string
	for _, m := range r.Measures() {
		got = append(got, m.Key+":"+strconv.Itoa(m.Done)+"/"+strconv.Itoa(m.Target))
	}
	if w := []string{"attempts:3/0", "connects:1/0", "live:3/10", "appointments:1/0", "new_people:3/0", "referrals:1/2"}; !slices.Equal(got, w) {
		t.Errorf("measures = %v", got)
	}
	// Trend, oldest first: weeks of Sep 28 (10 attempts), Oct 5 (18),
	// Oct 12 (10), Oct 19 (10), Oct 26 (3); earlier weeks are empty.
	var attempts, live []int
	for _, w := range r.Trend {
		attempts, live = append(attempts, w.Attempts), append(live, w.Live)
	}
	if w := []int{0, 0, 0, 0, 0, 0, 0, 10, 18, 10, 10, 3}; !slices.Equal(attempts, w) {
		t.Errorf("trend attempts = %v, want %v", attempts, w)
	}
	if w := []int{0, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 3}; !slices.Equal(live, w) {
		t.Errorf("trend live = %v, want %v", live, w)
	}
	if !r.Trend[0].Start.Equal(at(chicago, 2026, 8, 10, 0, 0)) {
		t.Errorf("trend starts %v", r.Trend[0].Start)
	}
	// Baseline: 48 attempts, 6 connects, 5 of them live (10.4% → 10%):
	// 10 live conversations need 100 attempts a week.
	if r.Baseline.Attempts != 48 || r.Baseline.Connects != 6 || r.LivePercent != 10 || r.Assumed || r.NeededAttempts != 100 {
		t.Errorf("baseline %+v, live %d%% (assumed %v), needed %d", r.Baseline, r.LivePercent, r.Assumed, r.NeededAttempts)
	}
	// Quality: the two timed live calls average 450 s; of three promises
	// due (the cancelled one aside) one was kept on its day, two within
	// a day.
	q := r.Quality
	if q.AvgLiveSeconds != 450 || q.TimedLive != 2 || q.PromisesDue != 3 || q.OnTime != 1 || q.WithinDay != 2 ||
		q.OnTimePercent() != 33 || q.WithinDayPercent() != 67 || q.StoryPercent() != 40 {
		t.Errorf("quality = %+v", q)
	}
	// Blocks: Tuesday's missed, Saturday's kept by the 10:30 call.
	if kept, judged := r.BlocksKept(); kept != 1 || judged != 2 || r.Blocks[0].Kept || !r.Blocks[1].Kept || r.Blocks[1].Conversations != 1 {
		t.Errorf("blocks = %+v", r.Blocks)
	}
	// Heat map, in the called person's time: the New York calls at 18:10
	// and 19:10 their time (17:10 and 18:10 in Chicago).
	if c := r.Heat.Cells[1][18]; c.Attempts != 4 || c.Connects != 3 {
		t.Errorf("Tue 18:00 = %+v", c)
	}
	if c := r.Heat.Cells[1][19]; c.Attempts != 4 || c.Connects != 2 {
		t.Errorf("Tue 19:00 = %+v", c)
	}
	if r.Heat.Attempts != 51 || r.Heat.Connects != 7 || r.Heat.Rate() != 14 {
		t.Errorf("heat totals %d/%d", r.Heat.Connects, r.Heat.Attempts)
	}
	best := r.Heat.Best()
	if len(best) == 0 || best[0].Label() != "Tue 18:00–20:00" || best[0].Rate() != 63 {
		t.Fatalf("best windows = %+v", best)
	}

	// Obstacles, each with its figure.
	byKey := map[string]rapport.Obstacle{}
	var keys []string
	for _, o := range r.Obstacles {
		byKey[o.Key] = o
		keys = append(keys, o.Key)
	}
	if w := []string{rapport.ObstacleAttempts, rapport.ObstacleConnectRate, rapport.ObstacleTiming, rapport.ObstaclePromises,
		rapport.ObstacleThinList, rapport.ObstacleStory}; !slices.Equal(keys, w) {
		t.Fatalf("obstacles = %v", keys)
	}
	for key, figure := range map[string]string{
		rapport.ObstacleAttempts:    "12 attempts a week over the last 4 weeks; at your 10% live-conversation rate, 10 live conversations take about 100.",
		rapport.ObstacleConnectRate: "6 of 48 calls (13%) reached someone",
		rapport.ObstacleTiming:      "Tue 18:00–20:00 connects 63% of your calls, against 14% overall, but only 16% of your calls are made then.",
		rapport.ObstaclePromises:    "1 follow-up overdue now; of 3 promises due in the last 5 weeks, 1 was kept late",
		rapport.ObstacleThinList:    "50 people can be called; the goal takes about 100 attempts a week.",
		rapport.ObstacleStory:       "2 people you have had a live conversation with have no passion, fear or motivation on record.",
	} {
		if !strings.Contains(byKey[key].Figure, figure) {
			t.Errorf("%s figure = %q, want %q", key, byKey[key].Figure, figure)
		}
		if byKey[key].Suggestion == "" {
			t.Errorf("%s has no suggestion", key)
		}
	}
	if s := byKey[rapport.ObstacleAttempts].Suggestion; !strings.Contains(s, "about 88 more calls a week: roughly 3 more hours") {
		t.Errorf("attempts suggestion = %q", s)
	}
	if s := byKey[rapport.ObstacleConnectRate].Suggestion; !strings.Contains(s, "Tue 18:00–20:00 connects 63%") {
		t.Errorf("connect-rate suggestion = %q", s)
	}
}

// TestReviewOfTheCurrentWeek: only what happened up to now counts; blocks
// still ahead are upcoming; with no history the live rate is assumed.
func TestReviewOfTheCurrentWeek(t *testing.T) {
	in := reviewHistory()
	in.Now = at(chicago, 2026, 10, 29, 12, 0) // Thursday noon
	r := rapport.BuildReview(in)
	if !r.Current || r.Week.Attempts != 1 || r.Week.Live != 0 || r.Week.NewPeople != 1 {
		t.Errorf("Thursday noon: current %v, %+v", r.Current, r.Week)
	}
	if r.Blocks[0].Upcoming || r.Blocks[0].Kept || !r.Blocks[1].Upcoming {
		t.Errorf("blocks on Thursday = %+v", r.Blocks)
	}
	// Promises due so far: Tuesday's and Wednesday's, both done by now;
	// Thursday's is still open and can be kept today.
	if r.Quality.PromisesDue != 2 || r.Quality.OnTime != 1 || r.Quality.WithinDay != 2 {
		t.Errorf("promises = %+v", r.Quality)
	}

	// A block made on Wednesday is not judged on the Tuesday before it.
	in.Blocks[0].Blocks[0].CreatedAt = at(chicago, 2026, 10, 28, 9, 0)
	if r := rapport.BuildReview(in); len(r.Blocks) != 1 || r.Blocks[0].Block.Weekday != time.Saturday {
		t.Errorf("blocks with Tuesday's made on Wednesday = %+v", r.Blocks)
	}
	if m, ok := rapport.ParseClock("24:00"); !ok || m != 1440 {
		t.Errorf("24:00 = %d %v", m, ok)
	}

	// An attempt target above what the live rate needs is named as such.
	tgt := in
	tgt.Targets = rapport.Targets{Live: 5, Attempts: 300}
	tgt.Now = at(chicago, 2026, 11, 4, 12, 0)
	for _, o := range rapport.BuildReview(tgt).Obstacles {
		if o.Key == rapport.ObstacleAttempts && o.Figure != "12 attempts a week over the last 4 weeks, against your target of 300." {
			t.Errorf("attempts against a target: %q", o.Figure)
		}
	}

	empty := rapport.BuildReview(rapport.ReviewInput{Now: in.Now, Loc: chicago, At: in.Now, Targets: rapport.Targets{Live: 5}, Callable: 500})
	if !empty.Assumed || empty.LivePercent != rapport.AssumedLivePercent || empty.NeededAttempts != 50 {
		t.Errorf("no history: %d%% assumed=%v needed %d", empty.LivePercent, empty.Assumed, empty.NeededAttempts)
	}
	if len(empty.Obstacles) != 1 || empty.Obstacles[0].Key != rapport.ObstacleAttempts || !strings.Contains(empty.Obstacles[0].Figure, "assumed") {
		t.Errorf("no history obstacles = %+v", empty.Obstacles)
	}
}

// TestReviewWeeksInTheirOwnZone: the same moment falls in different weeks
// for users in different zones, and the spring-forward week is 167 hours.
func TestReviewWeeksInTheirOwnZone(t *testing.T) {
	la := mustLoc("America/Los_Angeles")
	call := attempt(at(chicago, 2026, 3, 9, 1, 30), rapport.OutcomeLive, chicago) // Monday 01:30 Chicago = Sunday 23:30 LA
	in := rapport.ReviewInput{Now: at(chicago, 2026, 3, 20, 12, 0), At: at(chicago, 2026, 3, 11, 12, 0), Activities: []rapport.Activity{call}}
	in.Loc = chicago
	if r := rapport.BuildReview(in); r.Week.Live != 1 {
		t.Errorf("Chicago week of Mar 9: %+v", r.Week)
	}
	in.Loc = la
	r := rapport.BuildReview(in)
	if r.Week.Live != 0 || r.Trend[rapport.TrendWeeks-2].Live != 1 {
		t.Errorf("Los Angeles: this week %d, the week before %d", r.Week.Live, r.Trend[rapport.TrendWeeks-2].Live)
	}
	// Mar 8 2026 is the spring change: the LA week of Mar 2 is 167 hours.
	in.At = at(la, 2026, 3, 4, 12, 0)
	if r := rapport.BuildReview(in); r.End.Sub(r.Start) != 167*time.Hour || r.Week.Live != 1 {
		t.Errorf("spring week: %v long, live %d", r.End.Sub(r.Start), r.Week.Live)
	}
}

func TestFunnel(t *testing.T) {
	from, to := at(chicago, 2026, 10, 1, 0, 0), at(chicago, 2026, 11, 1, 0, 0)
	day := func(d, h int) time.Time { return at(chicago, 2026, 10, d, h, 0) }
	people := []rapport.FunnelPerson{
		// Zillow leads: four tried, two answered, one talked (after 2 days).
		{Source: "Zillow", Kind: rapport.KindLead, FirstAttempt: day(2, 9)},
		{Source: "Zillow", Kind: rapport.KindLead, FirstAttempt: day(3, 9), FirstConnect: day(3, 9)},
		{Source: "Zillow", Kind: rapport.KindLead, FirstAttempt: day(4, 9)},
		{Source: "Zillow", Kind: rapport.KindLead, FirstAttempt: day(5, 9), FirstConnect: day(7, 9), FirstLive: day(7, 9)},
		// Referrals: both talked (after 1 and 3 hours); one met and won.
		{Source: "Referral", Kind: rapport.KindSphere, FirstAttempt: day(6, 9), FirstConnect: day(6, 10), FirstLive: day(6, 10)},
		{Source: "Referral", Kind: rapport.KindSphere, FirstAttempt: day(8, 9), FirstConnect: day(8, 12), FirstLive: day(8, 12),
			Appointment: true, Won: true},
		// Outside the period.
		{Source: "Zillow", Kind: rapport.KindLead, FirstAttempt: at(chicago, 2026, 9, 30, 9, 0), FirstLive: day(1, 9)},
	}
	f := rapport.BuildFunnel(from, to, people)
	if tot := f.Total; tot.Attempted != 6 || tot.Connected != 4 || tot.Live != 3 || tot.Appointment != 1 || tot.Won != 1 ||
		tot.ToLive != 3*time.Hour || tot.ToLiveN != 3 {
		t.Errorf("total = %+v", tot)
	}
	if len(f.BySource) != 2 || f.BySource[0].Group != "Zillow" || f.BySource[1].Group != "Referral" {
		t.Fatalf("by source = %+v", f.BySource)
	}
	z, r := f.BySource[0], f.BySource[1]
	if z.LivePercent() != 25 || r.LivePercent() != 100 || z.ToLive != 48*time.Hour || r.ToLive != 2*time.Hour || r.WonPercent() != 50 {
		t.Errorf("zillow %+v (%d%%), referral %+v (%d%%)", z, z.LivePercent(), r, r.LivePercent())
	}
	var steps []string
	for _, s := range z.Steps() {
		steps = append(steps, s.Name+":"+strconv.Itoa(s.N)+":"+strconv.Itoa(s.Percent))
	}
	if w := []string{"Attempted:4:100", "Connected:2:50", "Live conversation:1:50", "Appointment:0:0", "Won:0:0"}; !slices.Equal(steps, w) {
		t.Errorf("zillow steps = %v", steps)
	}
	if len(f.ByKind) != 2 || f.ByKind[0].Group != "Lead" || f.ByKind[0].Attempted != 4 {
		t.Errorf("by kind = %+v", f.ByKind)
	}
	// Someone met after a text, never reached by a call, still counts as
	// connected and talked to: no step outgrows the one before.
	f = rapport.BuildFunnel(from, to, []rapport.FunnelPerson{{Source: "Website", FirstAttempt: day(2, 9), Appointment: true}})
	if tot := f.Total; tot.Connected != 1 || tot.Live != 1 || tot.Appointment != 1 {
		t.Errorf("cumulative steps = %+v", tot)
	}
}

func TestLeaderboardOrder(t *testing.T) {
	u := func(name string) *rapport.User { return &rapport.User{Name: name} }
	rows := []rapport.LeaderRow{
		{User: u("Ann"), Live: 10, Target: 25, Streak: 1},
		{User: u("Bo"), Live: 12, Target: 10, Streak: 0},
		{User: u("Cy"), Live: 10, Target: 10, Streak: 3},
		{User: u("Di"), Live: 10, Target: 10, Streak: 5},
	}
	rapport.SortLeaders(rows)
	var got []string
	for _, r := range rows {
		got = append(got, r.User.Name+":"+strconv.Itoa(r.Percent()))
	}
	if w := []string{"Bo:120", "Di:100", "Cy:100", "Ann:40"}; !slices.Equal(got, w) {
		t.Errorf("leaderboard = %v, want %v", got, w)
	}
}
