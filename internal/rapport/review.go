package rapport

import (
	"fmt"
	"math"
	"time"
)

// The weekly review answers two questions: are enough live conversations
// happening to meet the goal, and if not, what stands in the way. Every
// figure is computed here from plain rows (conversations, people added,
// promises, call blocks) so that it can be checked by hand; the store
// only gathers the rows.

// Activity is one logged conversation as the review counts it.
type Activity struct {
	UserID    int64
	PersonID  int64
	At        time.Time
	Channel   Channel
	Direction Direction
	Outcome   Outcome
	Live      bool
	Seconds   int
	// PersonLoc is the person's own time zone (or the organisation's):
	// the heat map places a call at the hour it was for them.
	PersonLoc *time.Location
}

// Attempt reports whether the activity was a call we made.
func (a *Activity) Attempt() bool {
	return a.Channel == ChannelCall && a.Direction == DirectionOutbound
}

// Connect reports whether an attempt reached the person: a live
// conversation, an appointment set, or a person who answered to say
// "don't call". Voicemail, no answer and bad numbers do not connect.
func (a *Activity) Connect() bool {
	return a.Attempt() && (a.Outcome == OutcomeLive || a.Outcome == OutcomeAppointment || a.Outcome == OutcomeDoNotCall)
}

// Appointment reports whether the activity set an appointment or was a
// meeting that took place.
func (a *Activity) Appointment() bool {
	return a.Outcome == OutcomeAppointment || (a.Channel == ChannelMeeting && a.Live)
}

// NewPerson is someone added to the book, for the review's counts.
type NewPerson struct {
	CreatedAt time.Time
	Referred  bool
}

// Promise is a follow-up the user owed, for the quality measures.
type Promise struct {
	DueOn  Day
	DoneAt time.Time
	Status FollowUpStatus
}

// StoryCounts say how well the people of the book are understood.
// Active people are those with a live conversation in the last 90 days;
// Known of them have a passion, a fear and a motivation on record;
// Unknown people have had a live conversation and have none of the three.
type StoryCounts struct {
	Active  int
	Known   int
	Unknown int
}

// Targets are weekly targets; 0 means none set.
type Targets struct {
	Attempts     int
	Connects     int
	Live         int
	Appointments int
	NewPeople    int
	Referrals    int
}

// Add sums two users' targets, for a team.
func (t Targets) Add(o Targets) Targets {
	return Targets{t.Attempts + o.Attempts, t.Connects + o.Connects, t.Live + o.Live, t.Appointments + o.Appointments,
		t.NewPeople + o.NewPeople, t.Referrals + o.Referrals}
}

// WeekFigures are one week's counts.
type WeekFigures struct {
	Start        time.Time
	Attempts     int
	Connects     int
	Live         int
	Appointments int
	NewPeople    int
	Referrals    int
}

// Quality measures stand beside the counts: how well people are known,
// how long live conversations last, and whether promises are kept.
type Quality struct {
	Story StoryCounts
	// AvgLiveSeconds is the average length of the week's live calls whose
	// length was logged (0: none were).
	AvgLiveSeconds int
	TimedLive      int
	// PromisesDue are the week's promises due so far (one due today and
	// still open is not counted yet); OnTime were done by their day,
	// WithinDay by the day after.
	PromisesDue int
	OnTime      int
	WithinDay   int
}

// StoryPercent is the share of active people whose story is known.
func (q Quality) StoryPercent() int { return percent(q.Story.Known, q.Story.Active) }

// OnTimePercent is the share of promises kept on their day.
func (q Quality) OnTimePercent() int { return percent(q.OnTime, q.PromisesDue) }

// WithinDayPercent is the share of promises kept within a day of due.
func (q Quality) WithinDayPercent() int { return percent(q.WithinDay, q.PromisesDue) }

func percent(n, of int) int {
	if of <= 0 {
		return 0
	}
	return int(math.Round(float64(n) * 100 / float64(of)))
}

// Obstacle is something that keeps live conversations from happening,
// with the figure that shows it and one concrete suggestion.
type Obstacle struct {
	Key        string
	Title      string
	Figure     string
	Suggestion string
	// Link is a page that helps (may be empty).
	Link string
}

// Obstacle keys.
const (
	ObstacleAttempts    = "few_attempts"
	ObstacleConnectRate = "low_connect_rate"
	ObstacleTiming      = "timing"
	ObstaclePromises    = "promises"
	ObstacleThinList    = "thin_list"
	ObstacleStory       = "unknown_story"
)

// Thresholds of the obstacles.
const (
	// BaselineWeeks is how many full weeks before the reviewed week the
	// rates are measured over.
	BaselineWeeks = 4
	// MinRateAttempts is how many attempts a rate needs to be trusted.
	MinRateAttempts = 20
	// LowConnectPercent is the connect rate below which it is an obstacle.
	LowConnectPercent = 20
	// AssumedLivePercent stands in for a user's live-conversation rate
	// until they have MinRateAttempts attempts of history.
	AssumedLivePercent = 10
	// DialsPerHour turns attempts into calling time for suggestions.
	DialsPerHour = 30
)

// ReviewInput is everything a review is computed from. Activities should
// cover TrendWeeks weeks up to the end of the reviewed week (HeatWeeks
// for the heat map); promises those due from BaselineWeeks weeks before
// it to its end, and every one still open.
type ReviewInput struct {
	Now time.Time
	// Loc is the zone weeks are counted in (the reviewer's).
	Loc *time.Location
	// At is any moment of the week to review.
	At         time.Time
	Targets    Targets
	Activities []Activity
	NewPeople  []NewPerson
	Promises   []Promise
	Story      StoryCounts
	// Callable counts the people who could be called now: not archived,
	// not do-not-call, with a usable number (CallableUnknown: not
	// counted, and the thin-list obstacle is not judged).
	Callable int
	// Blocks are the call blocks, with the zone of their user.
	Blocks []UserBlocks
}

// CallableUnknown says the callable people were not counted.
const CallableUnknown = -1

// TrendWeeks is how many weeks the trend shows; HeatWeeks how many the
// heat map is drawn from.
const (
	TrendWeeks = 12
	HeatWeeks  = 26
)

// Review is a week's review.
type Review struct {
	Start   time.Time
	End     time.Time
	Current bool
	Week    WeekFigures
	Targets Targets
	// Trend is TrendWeeks weeks, oldest first, ending with this one.
	Trend     []WeekFigures
	Quality   Quality
	Blocks    []BlockTime
	Heat      HeatMap
	Obstacles []Obstacle
	// Baseline are the BaselineWeeks full weeks before this one, summed.
	Baseline WeekFigures
	// LivePercent is the share of attempts that became live conversations
	// over the baseline (AssumedLivePercent when there is too little).
	LivePercent int
	Assumed     bool
	// LiveNeeds is about how many attempts a week the live target takes
	// at LivePercent; NeededAttempts is that or the attempt target,
	// whichever is more.
	LiveNeeds      int
	NeededAttempts int
}

// Measures are the week's counts against their targets.
func (r *Review) Measures() []Measure {
	w, t := r.Week, r.Targets
	return []Measure{
		{Key: "attempts", Name: "Attempts", Done: w.Attempts, Target: t.Attempts},
		{Key: "connects", Name: "Connects", Done: w.Connects, Target: t.Connects},
		{Key: "live", Name: "Live conversations", Done: w.Live, Target: t.Live},
		{Key: "appointments", Name: "Appointments and meetings", Done: w.Appointments, Target: t.Appointments},
		{Key: "new_people", Name: "New people", Done: w.NewPeople, Target: t.NewPeople},
		{Key: "referrals", Name: "Referrals received", Done: w.Referrals, Target: t.Referrals},
	}
}

// BlocksKept counts the week's judged blocks and those kept.
func (r *Review) BlocksKept() (kept, judged int) {
	for _, b := range r.Blocks {
		if b.Upcoming {
			continue
		}
		judged++
		if b.Kept {
			kept++
		}
	}
	return kept, judged
}

// BuildReview computes the review of the week containing in.At.
func BuildReview(in ReviewInput) *Review {
	loc := in.Loc
	start := WeekStart(in.At, loc)
	startDay := DayOf(start, loc)
	end := startDay.AddDays(7).Start(loc)
	r := &Review{Start: start, End: end, Targets: in.Targets}
	r.Current = !in.Now.Before(start) && in.Now.Before(end)

	// weekIndex counts calendar weeks back from the reviewed one (0), so
	// that a daylight-saving change never moves a boundary.
	weekIndex := func(t time.Time) int {
		d := DayOf(WeekStart(t, loc), loc).DaysUntil(startDay)
		if d < 0 {
			return -1 - (-d-1)/7 // after the reviewed week
		}
		return d / 7
	}
	r.Trend = make([]WeekFigures, TrendWeeks)
	for i := range r.Trend {
		r.Trend[i].Start = startDay.AddDays(-7 * (TrendWeeks - 1 - i)).Start(loc)
	}
	week := func(t time.Time) *WeekFigures {
		if t.After(in.Now) {
			return nil
		}
		w := weekIndex(t)
		if w < 0 || w >= TrendWeeks {
			return nil
		}
		return &r.Trend[TrendWeeks-1-w]
	}
	for i := range in.Activities {
		a := &in.Activities[i]
		if a.At.After(in.Now) {
			continue
		}
		if w := weekIndex(a.At); w >= 0 && w < HeatWeeks && a.Attempt() {
			ploc := a.PersonLoc
			if ploc == nil {
				ploc = loc
			}
			lt := a.At.In(ploc)
			c := &r.Heat.Cells[(int(lt.Weekday())+6)%7][lt.Hour()]
			c.Attempts++
			r.Heat.Attempts++
			if a.Connect() {
				c.Connects++
				r.Heat.Connects++
			}
		}
		f := week(a.At)
		if f == nil {
			continue
		}
		if a.Attempt() {
			f.Attempts++
			if a.Connect() {
				f.Connects++
			}
		}
		if a.Live {
			f.Live++
		}
		if a.Appointment() {
			f.Appointments++
		}
	}
	for _, p := range in.NewPeople {
		if f := week(p.CreatedAt); f != nil {
			f.NewPeople++
			if p.Referred {
				f.Referrals++
			}
		}
	}
	r.Week = r.Trend[TrendWeeks-1]
	for i := TrendWeeks - 1 - BaselineWeeks; i < TrendWeeks-1; i++ {
		b := r.Trend[i]
		r.Baseline.Attempts += b.Attempts
		r.Baseline.Connects += b.Connects
		r.Baseline.Live += b.Live
		r.Baseline.Appointments += b.Appointments
		r.Baseline.NewPeople += b.NewPeople
		r.Baseline.Referrals += b.Referrals
	}
	r.Baseline.Start = r.Trend[TrendWeeks-1-BaselineWeeks].Start

	// Live conversations per attempt: attempts that were live, over the
	// baseline.
	liveAttempts := 0
	for i := range in.Activities {
		a := &in.Activities[i]
		if w := weekIndex(a.At); w >= 1 && w <= BaselineWeeks && !a.At.After(in.Now) && a.Attempt() && a.Live {
			liveAttempts++
		}
	}
	r.LivePercent = AssumedLivePercent
	r.Assumed = true
	if r.Baseline.Attempts >= MinRateAttempts && liveAttempts > 0 {
		r.LivePercent = max(percent(liveAttempts, r.Baseline.Attempts), 1)
		r.Assumed = false
	}
	if in.Targets.Live > 0 {
		r.LiveNeeds = int(math.Ceil(float64(in.Targets.Live) * 100 / float64(r.LivePercent)))
	}
	r.NeededAttempts = max(r.LiveNeeds, in.Targets.Attempts)

	r.Quality = quality(in, r, loc)
	r.Blocks = blockTimes(in, start)
	r.Obstacles = obstacles(in, r, loc)
	return r
}

func quality(in ReviewInput, r *Review, loc *time.Location) Quality {
	q := Quality{Story: in.Story}
	total := 0
	for i := range in.Activities {
		a := &in.Activities[i]
		if a.Live && a.Channel == ChannelCall && a.Seconds > 0 && !a.At.Before(r.Start) && a.At.Before(r.End) && !a.At.After(in.Now) {
			total += a.Seconds
			q.TimedLive++
		}
	}
	if q.TimedLive > 0 {
		q.AvgLiveSeconds = int(math.Round(float64(total) / float64(q.TimedLive)))
	}
	today := DayOf(in.Now, loc)
	first, last := DayOf(r.Start, loc), DayOf(r.Start, loc).AddDays(6)
	for _, p := range in.Promises {
		if p.Status == FollowUpCancelled || p.DueOn < first || p.DueOn > last || p.DueOn > today {
			continue
		}
		if p.DueOn == today && p.Status == FollowUpOpen {
			continue // still to be kept today
		}
		q.PromisesDue++
		if p.Status != FollowUpDone {
			continue
		}
		done := DayOf(p.DoneAt, loc)
		if done <= p.DueOn {
			q.OnTime++
		}
		if done <= p.DueOn.AddDays(1) {
			q.WithinDay++
		}
	}
	return q
}

func obstacles(in ReviewInput, r *Review, loc *time.Location) []Obstacle {
	var out []Obstacle
	b := r.Baseline
	perWeek := func(n int) int { return int(math.Round(float64(n) / BaselineWeeks)) }

	// 1. Too few attempts for the live target.
	if in.Targets.Live > 0 && r.NeededAttempts > 0 {
		avg := perWeek(b.Attempts)
		if avg < r.NeededAttempts {
			rate := fmt.Sprintf("your %d%% live-conversation rate", r.LivePercent)
			if r.Assumed {
				rate = fmt.Sprintf("a %d%% live-conversation rate (assumed until you have %d calls of history)", r.LivePercent, MinRateAttempts)
			}
			more := r.NeededAttempts - avg
			hours := math.Ceil(float64(more)/DialsPerHour*2) / 2
			figure := fmt.Sprintf("%d attempts a week over the last %d weeks; at %s, %d live conversations take about %d.",
				avg, BaselineWeeks, rate, in.Targets.Live, r.LiveNeeds)
			if in.Targets.Attempts > r.LiveNeeds {
				figure = fmt.Sprintf("%d attempts a week over the last %d weeks, against your target of %d.", avg, BaselineWeeks, in.Targets.Attempts)
			}
			out = append(out, Obstacle{Key: ObstacleAttempts, Title: "Too few attempts for the goal",
				Figure:     figure,
				Suggestion: fmt.Sprintf("Make about %d more calls a week: roughly %s more hours of calling. Put them in call blocks.", more, trimHalf(hours)),
				Link:       "/review/blocks"})
		}
	}

	// 2. Low connect rate.
	if b.Attempts >= MinRateAttempts && percent(b.Connects, b.Attempts) < LowConnectPercent {
		s := "Check that numbers are right and try evenings and Saturdays, when people pick up."
		if best := r.Heat.Best(); len(best) > 0 && best[0].Rate() > percent(b.Connects, b.Attempts) {
			s = fmt.Sprintf("Call when people answer you: %s connects %d%% of the time.", best[0].Label(), best[0].Rate())
		}
		out = append(out, Obstacle{Key: ObstacleConnectRate, Title: "Few calls reach anyone",
			Figure: fmt.Sprintf("%d of %d calls (%d%%) reached someone over the last %d weeks; below %d%% is low.",
				b.Connects, b.Attempts, percent(b.Connects, b.Attempts), BaselineWeeks, LowConnectPercent),
			Suggestion: s})
	}

	// 3. Calling outside the hours that connect.
	if best := r.Heat.Best(); len(best) > 0 && r.Heat.Attempts >= MinRateAttempts {
		w, overall := best[0], r.Heat.Rate()
		share := percent(w.Attempts, r.Heat.Attempts)
		if w.Rate() >= overall*3/2 && w.Rate() > 0 && share < 20 {
			out = append(out, Obstacle{Key: ObstacleTiming, Title: "Calls at hours that don't connect",
				Figure: fmt.Sprintf("%s connects %d%% of your calls, against %d%% overall, but only %d%% of your calls are made then.",
					w.Label(), w.Rate(), overall, share),
				Suggestion: fmt.Sprintf("Move a call block to %s (their local time).", w.Label()),
				Link:       "/review/blocks"})
		}
	}

	// 4. Overdue follow-ups and broken promises.
	today := DayOf(in.Now, loc)
	from := DayOf(r.Start, loc).AddDays(-7 * BaselineWeeks)
	overdue, due, broken := 0, 0, 0
	for _, p := range in.Promises {
		if p.Status == FollowUpOpen && p.DueOn < today {
			overdue++
		}
		if p.Status == FollowUpCancelled || p.DueOn < from || p.DueOn >= today {
			continue
		}
		due++
		if p.Status == FollowUpOpen || DayOf(p.DoneAt, loc) > p.DueOn.AddDays(1) {
			broken++
		}
	}
	if overdue > 0 || broken > 0 {
		out = append(out, Obstacle{Key: ObstaclePromises, Title: "Follow-ups overdue and promises broken",
			Figure: fmt.Sprintf("%s overdue now; of %s due in the last %d weeks, %d %s kept late (more than a day after) or not at all.",
				Plural(overdue, "follow-up", "follow-ups"), Plural(due, "promise", "promises"), BaselineWeeks+1, broken, pick(broken, "was", "were")),
			Suggestion: "Clear the overdue ones at the start of your next call block, and promise smaller next steps you can keep.",
			Link:       "/followups"})
	}

	// 5. A list too thin for the target.
	if r.NeededAttempts > 0 && in.Callable != CallableUnknown && in.Callable < r.NeededAttempts {
		out = append(out, Obstacle{Key: ObstacleThinList, Title: "Not enough people to call",
			Figure:     fmt.Sprintf("%d people can be called; the goal takes about %d attempts a week.", in.Callable, r.NeededAttempts),
			Suggestion: "Ask each live conversation this week for one name, and import the lists you have (sphere, open houses, past clients).",
			Link:       "/import"})
	}

	// 6. People talked to whose story is unknown.
	if in.Story.Unknown > 0 {
		out = append(out, Obstacle{Key: ObstacleStory, Title: "Talked to, but not understood",
			Figure: fmt.Sprintf("%s you have had a live conversation with %s no passion, fear or motivation on record.",
				Plural(in.Story.Unknown, "person", "people"), pick(in.Story.Unknown, "has", "have")),
			Suggestion: "On the next call with each, ask one open question from their card (\"What made you start thinking about a move?\") and note the answer."})
	}
	return out
}

// Plural writes a count with its noun: "1 promise", "3 promises".
func Plural(n int, one, many string) string { return fmt.Sprintf("%d %s", n, pick(n, one, many)) }

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func trimHalf(h float64) string {
	if h == math.Trunc(h) {
		return fmt.Sprintf("%.0f", h)
	}
	return fmt.Sprintf("%.1f", h)
}
