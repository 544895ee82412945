package rapport

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// FunnelPerson is one person attempted in the funnel's period, with how
// far they got: the first attempt, connect and live conversation, whether
// an appointment or meeting happened, and whether they were won (became a
// client or joined us).
type FunnelPerson struct {
	Source       string
	Kind         Kind
	FirstAttempt time.Time
	FirstConnect time.Time
	FirstLive    time.Time
	Appointment  bool
	Won          bool
	// LiveAttempt is the attempt (a call, a text or an email from us,
	// counted from the first) at which they first had a live
	// conversation: 0 when they have not.
	LiveAttempt int
}

// AttemptBuckets is how many attempts the funnel tells apart: the last
// bucket is that many or more.
const AttemptBuckets = 8

// FunnelRow is the funnel of one group of people.
type FunnelRow struct {
	Group       string
	Attempted   int
	Connected   int
	Live        int
	Appointment int
	Won         int
	// ToLive is the median time from first attempt to first live
	// conversation among the ToLiveN people who got there (0: none).
	ToLive  time.Duration
	ToLiveN int
	// LiveAtAttempt counts the people whose first live conversation came
	// at attempt i+1 (the last: AttemptBuckets or later): whether the
	// attempt plan's later attempts pay.
	LiveAtAttempt [AttemptBuckets]int
}

// AttemptBucket is one column of LiveAtAttempt, for the page.
type AttemptBucket struct {
	Label string
	N     int
}

// LiveAttempts are the row's LiveAtAttempt with their labels.
func (r FunnelRow) LiveAttempts() []AttemptBucket {
	out := make([]AttemptBucket, AttemptBuckets)
	for i, n := range r.LiveAtAttempt {
		out[i] = AttemptBucket{Label: ordinal(i + 1), N: n}
	}
	out[AttemptBuckets-1].Label += "+"
	return out
}

func ordinal(n int) string {
	switch n {
	case 1:
		return "1st"
	case 2:
		return "2nd"
	case 3:
		return "3rd"
	}
	return strconv.Itoa(n) + "th"
}

// Steps are the row's counts in funnel order, with their names.
func (r FunnelRow) Steps() []FunnelStep {
	return []FunnelStep{{"Attempted", r.Attempted, 100}, {"Connected", r.Connected, percent(r.Connected, r.Attempted)},
		{"Live conversation", r.Live, percent(r.Live, r.Connected)}, {"Appointment", r.Appointment, percent(r.Appointment, r.Live)},
		{"Won", r.Won, percent(r.Won, r.Appointment)}}
}

// LivePercent is the share of attempted people who had a live
// conversation: the figure that compares sources.
func (r FunnelRow) LivePercent() int { return percent(r.Live, r.Attempted) }

// WonPercent is the share of attempted people won.
func (r FunnelRow) WonPercent() int { return percent(r.Won, r.Attempted) }

// FunnelStep is one step: its count and the share of the step before
// that reached it.
type FunnelStep struct {
	Name    string
	N       int
	Percent int
}

// Funnel is attempted → connected → live → appointment → won, for
// everyone and by lead source and by kind.
type Funnel struct {
	From, To time.Time
	Total    FunnelRow
	BySource []FunnelRow
	ByKind   []FunnelRow
}

// BuildFunnel groups the people attempted between from and to.
func BuildFunnel(from, to time.Time, people []FunnelPerson) *Funnel {
	f := &Funnel{From: from, To: to, Total: FunnelRow{Group: "Everyone"}}
	bySource, byKind := map[string]*FunnelRow{}, map[string]*FunnelRow{}
	waits := map[*FunnelRow][]time.Duration{}
	// The steps are cumulative: someone who reached a step is counted at
	// every step before it (a meeting booked by text still means they
	// were reached), so no step is larger than the one before.
	add := func(r *FunnelRow, p *FunnelPerson) {
		r.Attempted++
		live := !p.FirstLive.IsZero() || p.Appointment || p.Won
		if !p.FirstConnect.IsZero() || live {
			r.Connected++
		}
		if live {
			r.Live++
		}
		if p.LiveAttempt > 0 {
			r.LiveAtAttempt[min(p.LiveAttempt, AttemptBuckets)-1]++
		}
		if !p.FirstLive.IsZero() {
			if p.FirstLive.After(p.FirstAttempt) {
				waits[r] = append(waits[r], p.FirstLive.Sub(p.FirstAttempt))
			} else {
				waits[r] = append(waits[r], 0)
			}
		}
		if p.Appointment || p.Won {
			r.Appointment++
		}
		if p.Won {
			r.Won++
		}
	}
	group := func(m map[string]*FunnelRow, name string) *FunnelRow {
		r := m[name]
		if r == nil {
			r = &FunnelRow{Group: name}
			m[name] = r
		}
		return r
	}
	for i := range people {
		p := &people[i]
		if p.FirstAttempt.Before(from) || !p.FirstAttempt.Before(to) {
			continue
		}
		src := p.Source
		if src == "" {
			src = "No source"
		}
		add(&f.Total, p)
		add(group(bySource, src), p)
		add(group(byKind, p.Kind.Label()), p)
	}
	median := func(r *FunnelRow) {
		ws := waits[r]
		if len(ws) == 0 {
			return
		}
		slices.Sort(ws)
		r.ToLiveN = len(ws)
		if len(ws)%2 == 1 {
			r.ToLive = ws[len(ws)/2]
		} else {
			r.ToLive = (ws[len(ws)/2-1] + ws[len(ws)/2]) / 2
		}
	}
	median(&f.Total)
	sorted := func(m map[string]*FunnelRow) []FunnelRow {
		rows := make([]FunnelRow, 0, len(m))
		for _, r := range m {
			median(r)
			rows = append(rows, *r)
		}
		slices.SortFunc(rows, func(a, b FunnelRow) int {
			if c := cmp.Compare(b.Attempted, a.Attempted); c != 0 {
				return c
			}
			return cmp.Compare(a.Group, b.Group)
		})
		return rows
	}
	f.BySource, f.ByKind = sorted(bySource), sorted(byKind)
	return f
}

// LeaderRow is one team member's week for the leaderboard.
type LeaderRow struct {
	User   *User
	Live   int
	Target int
	Streak int
}

// Percent is goal attainment as a whole percentage (uncapped: 120% shows
// who went past the goal).
func (l LeaderRow) Percent() int { return percent(l.Live, l.Target) }

// SortLeaders orders the board: most live conversations first, then
// attainment, then streak, then name.
func SortLeaders(rows []LeaderRow) {
	slices.SortStableFunc(rows, func(a, b LeaderRow) int {
		if c := cmp.Compare(b.Live, a.Live); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Percent(), a.Percent()); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Streak, a.Streak); c != 0 {
			return c
		}
		return cmp.Compare(a.User.DisplayName(), b.User.DisplayName())
	})
}
