package rapport

import (
	"fmt"
	"slices"
	"time"
)

// CallBlock is a weekly time set aside for calls, in its user's zone.
type CallBlock struct {
	ID      int64        `bun:"id,pk,autoincrement"`
	OrgID   int64        `bun:"org_id"`
	UserID  int64        `bun:"user_id"`
	Weekday time.Weekday `bun:"weekday"`
	// Start and End are minutes after midnight.
	Start     int       `bun:"start_minute"`
	End       int       `bun:"end_minute"`
	CreatedAt time.Time `bun:"created_at"`
}

// Validate checks a block.
func (b *CallBlock) Validate() error {
	fe := FieldErrors{}
	if b.Weekday < time.Sunday || b.Weekday > time.Saturday {
		fe.Add("weekday", "Choose a day of the week.")
	}
	if b.Start < 0 || b.Start >= 24*60 {
		fe.Add("start", "Enter a start time such as 17:00.")
	}
	if b.End <= b.Start || b.End > 24*60 {
		fe.Add("end", "End the block after it starts, by midnight.")
	} else if b.End-b.Start < 15 {
		fe.Add("end", "Make the block at least 15 minutes long.")
	}
	return fe.Err()
}

// Label reads like "Tue 17:00–19:00".
func (b *CallBlock) Label() string {
	return fmt.Sprintf("%s %s–%s", b.Weekday.String()[:3], clockMinutes(b.Start), clockMinutes(b.End))
}

// ParseClock reads "17:00" (or "5:30") as minutes after midnight;
// "24:00" is midnight at the end of the day.
func ParseClock(s string) (int, bool) {
	if s == "24:00" {
		return 24 * 60, true
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

func clockMinutes(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// On returns the block's occurrence in the week starting at weekStart
// (a Monday midnight in loc).
func (b *CallBlock) On(weekStart time.Time, loc *time.Location) BlockTime {
	offset := (int(b.Weekday) + 6) % 7
	day := DayOf(weekStart, loc).AddDays(offset).Start(loc)
	at := func(min int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day(), min/60, min%60, 0, 0, loc)
	}
	return BlockTime{Block: b, Start: at(b.Start), End: at(b.End)}
}

// BlockTime is one occurrence of a call block.
type BlockTime struct {
	Block      *CallBlock
	Start, End time.Time
	// Kept: a call or a live conversation was logged inside it;
	// Conversations counts them. Upcoming blocks are not judged.
	Kept          bool
	Conversations int
	Upcoming      bool
}

// NextBlock returns the block occurrence in progress at now or the next
// one to start, within a week; ok is false when there are no blocks.
func NextBlock(now time.Time, loc *time.Location, blocks []CallBlock) (BlockTime, bool) {
	var best BlockTime
	found := false
	for _, week := range []time.Time{WeekStart(now, loc), DayOf(WeekStart(now, loc), loc).AddDays(7).Start(loc)} {
		for i := range blocks {
			bt := blocks[i].On(week, loc)
			if !bt.End.After(now) {
				continue
			}
			if !found || bt.Start.Before(best.Start) {
				best, found = bt, true
			}
		}
	}
	return best, found
}

// UserBlocks are one user's call blocks in their zone.
type UserBlocks struct {
	UserID int64
	Loc    *time.Location
	Blocks []CallBlock
}

func blockTimes(in ReviewInput, weekStart time.Time) []BlockTime {
	var out []BlockTime
	for _, ub := range in.Blocks {
		// Each user's blocks fall in their own week, the one holding the
		// reviewed week's Monday noon.
		ws := WeekStart(weekStart.Add(12*time.Hour), ub.Loc)
		for i := range ub.Blocks {
			bt := ub.Blocks[i].On(ws, ub.Loc)
			if created := ub.Blocks[i].CreatedAt; !created.IsZero() && bt.End.Before(created) {
				continue // the block did not exist yet
			}
			if bt.End.After(in.Now) {
				bt.Upcoming = true
			}
			for j := range in.Activities {
				a := &in.Activities[j]
				if a.UserID == ub.UserID && (a.Attempt() || a.Live) && !a.At.Before(bt.Start) && a.At.Before(bt.End) && !a.At.After(in.Now) {
					bt.Conversations++
				}
			}
			bt.Kept = bt.Conversations > 0
			if bt.Kept {
				bt.Upcoming = false
			}
			out = append(out, bt)
		}
	}
	slices.SortStableFunc(out, func(a, b BlockTime) int { return a.Start.Compare(b.Start) })
	return out
}
