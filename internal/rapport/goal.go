package rapport

import "time"

// WeekStart returns midnight on the Monday of t's week in loc. Weeks are
// counted in the user's zone, so a week that crosses a daylight-saving
// change is still seven calendar days.
func WeekStart(t time.Time, loc *time.Location) time.Time {
	lt := t.In(loc)
	back := (int(lt.Weekday()) + 6) % 7
	return time.Date(lt.Year(), lt.Month(), lt.Day()-back, 0, 0, 0, 0, loc)
}

// StreakWeeks is how far back streaks are counted.
const StreakWeeks = 52

// WeekGoal is a user's progress towards their weekly live-conversation goal.
type WeekGoal struct {
	Done   int
	Target int
	// DaysLeft counts today and the days after it in this week.
	DaysLeft int
	// Streak is the number of consecutive weeks the goal was met, ending
	// with the last full week, plus this week once it is met.
	Streak int
	Start  time.Time
}

// Met reports whether this week's target has been reached.
func (g WeekGoal) Met() bool { return g.Done >= g.Target }

// Percent is progress as a whole percentage, capped at 100.
func (g WeekGoal) Percent() int {
	if g.Target <= 0 {
		return 100
	}
	p := g.Done * 100 / g.Target
	if p > 100 {
		p = 100
	}
	return p
}

// Remaining is how many live conversations are still needed this week.
func (g WeekGoal) Remaining() int {
	if g.Done >= g.Target {
		return 0
	}
	return g.Target - g.Done
}

// WeekProgress computes the week's progress and the streak from the times
// of the user's live conversations (at least the last StreakWeeks weeks).
// The current target is applied to past weeks.
func WeekProgress(now time.Time, loc *time.Location, target int, live []time.Time) WeekGoal {
	start := WeekStart(now, loc)
	g := WeekGoal{Target: target, Start: start}
	lt := now.In(loc)
	g.DaysLeft = 7 - (int(lt.Weekday())+6)%7

	weekOf := func(t time.Time) int {
		// Index of t's week counting back from this week (0), by calendar
		// days so that daylight-saving changes do not shift boundaries.
		ws := WeekStart(t, loc)
		days := DayOf(ws, loc).DaysUntil(DayOf(start, loc))
		return days / 7
	}
	counts := make([]int, StreakWeeks+1)
	for _, t := range live {
		if t.After(now) {
			continue
		}
		w := weekOf(t)
		if w >= 0 && w <= StreakWeeks {
			counts[w]++
		}
	}
	g.Done = counts[0]
	for w := 1; w <= StreakWeeks && counts[w] >= target; w++ {
		g.Streak++
	}
	if g.Met() {
		g.Streak++
	}
	return g
}
