package rapport

import (
	"testing"
	"time"
)

func TestWeekStartAcrossDaylightSaving(t *testing.T) {
	// Sunday 8 March 2026 03:00 is after the spring-forward in Chicago;
	// the week still starts on Monday 2 March at local midnight.
	got := WeekStart(time.Date(2026, 3, 8, 23, 30, 0, 0, chicago), chicago)
	if want := time.Date(2026, 3, 2, 0, 0, 0, 0, chicago); !got.Equal(want) {
		t.Fatalf("WeekStart = %v, want %v", got, want)
	}
	got = WeekStart(time.Date(2026, 3, 9, 0, 0, 0, 0, chicago), chicago)
	if want := time.Date(2026, 3, 9, 0, 0, 0, 0, chicago); !got.Equal(want) {
		t.Fatalf("WeekStart on Monday midnight = %v, want %v", got, want)
	}
}

func TestWeekProgressAndStreak(t *testing.T) {
	now := time.Date(2026, 11, 25, 16, 0, 0, 0, chicago) // a Wednesday
	week := func(back, day, n int) []time.Time {
		start := WeekStart(now, chicago).AddDate(0, 0, -7*back+day)
		var out []time.Time
		for i := 0; i < n; i++ {
			out = append(out, start.Add(time.Duration(9+i%10)*time.Hour))
		}
		return out
	}
	var live []time.Time
	live = append(live, week(0, 0, 4)...) // this week: 4 so far
	live = append(live, week(1, 2, 5)...) // last week: met (target 5)
	live = append(live, week(2, 6, 6)...) // two weeks ago, all on Sunday: met
	live = append(live, week(3, 0, 4)...) // three weeks ago: missed
	live = append(live, week(4, 0, 9)...) // met, but the streak is broken
	g := WeekProgress(now, chicago, 5, live)
	if g.Done != 4 || g.Target != 5 || g.DaysLeft != 5 || g.Streak != 2 || g.Met() {
		t.Fatalf("got done=%d target=%d daysLeft=%d streak=%d met=%v; want 4 5 5 2 false", g.Done, g.Target, g.DaysLeft, g.Streak, g.Met())
	}
	live = append(live, now.Add(-time.Hour))
	g = WeekProgress(now, chicago, 5, live)
	if !g.Met() || g.Streak != 3 || g.Percent() != 100 {
		t.Fatalf("after the fifth: met=%v streak=%d pct=%d; want true 3 100", g.Met(), g.Streak, g.Percent())
	}
	// A Sunday late in the evening, across the November fall-back.
	sunday := time.Date(2026, 11, 1, 23, 0, 0, 0, chicago)
	g = WeekProgress(sunday, chicago, 5, []time.Time{time.Date(2026, 10, 26, 0, 30, 0, 0, chicago)})
	if g.Done != 1 || g.DaysLeft != 1 {
		t.Fatalf("sunday: done=%d daysLeft=%d, want 1 1", g.Done, g.DaysLeft)
	}
}

func TestWeekProgressInTheUsersZone(t *testing.T) {
	// 23:30 on Sunday in Los Angeles is already Monday in New York.
	la, ny := mustLoad("America/Los_Angeles"), mustLoad("America/New_York")
	call := time.Date(2026, 11, 22, 23, 30, 0, 0, la)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, la)
	if g := WeekProgress(now, la, 5, []time.Time{call}); g.Done != 0 {
		t.Errorf("Los Angeles user: done = %d, want 0 (the call was last week)", g.Done)
	}
	if g := WeekProgress(now, ny, 5, []time.Time{call}); g.Done != 1 {
		t.Errorf("New York user: done = %d, want 1", g.Done)
	}
}
