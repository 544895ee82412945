package rapport

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// HeatMap counts attempts and connects by weekday (Monday first) and hour,
// in the called person's local time.
type HeatMap struct {
	Cells [7][24]HeatCell
	// Attempts and Connects are the totals.
	Attempts, Connects int
}

// HeatCell is one hour of one weekday.
type HeatCell struct{ Attempts, Connects int }

// Rate is the connect rate as a whole percentage.
func (c HeatCell) Rate() int { return percent(c.Connects, c.Attempts) }

// Rate is the overall connect rate as a whole percentage.
func (h *HeatMap) Rate() int { return percent(h.Connects, h.Attempts) }

// HeatWindow is a window of one weekday, two hours long (one when only
// one of the two had calls), with its figures.
type HeatWindow struct {
	Weekday  time.Weekday
	Hour     int // the first of its hours
	Hours    int
	Attempts int
	Connects int
}

// Rate is the window's connect rate as a whole percentage.
func (w HeatWindow) Rate() int { return percent(w.Connects, w.Attempts) }

// Label reads like "Tue 17:00–19:00".
func (w HeatWindow) Label() string {
	return fmt.Sprintf("%s %02d:00–%02d:00", w.Weekday.String()[:3], w.Hour, w.Hour+max(w.Hours, 1))
}

// MinWindowAttempts is how many attempts a window needs before its rate
// is believed.
const MinWindowAttempts = 8

// Best returns the two-hour windows with enough attempts (narrowed to the
// one hour that had calls, when the other had none), best connect rate
// first (ties: more attempts first), leaving out any that overlaps a
// better one.
func (h *HeatMap) Best() []HeatWindow {
	var ws []HeatWindow
	for d := range 7 {
		for hr := 0; hr < 23; hr++ {
			a, b := h.Cells[d][hr], h.Cells[d][hr+1]
			w := HeatWindow{Weekday: time.Weekday((d + 1) % 7), Hour: hr, Hours: 2, Attempts: a.Attempts + b.Attempts, Connects: a.Connects + b.Connects}
			switch {
			case a.Attempts == 0:
				w.Hour, w.Hours = hr+1, 1
			case b.Attempts == 0:
				w.Hours = 1
			}
			if w.Attempts >= MinWindowAttempts && !slices.ContainsFunc(ws, func(x HeatWindow) bool { return x == w }) {
				ws = append(ws, w)
			}
		}
	}
	sort.SliceStable(ws, func(i, j int) bool {
		ri, rj := ws[i].Connects*ws[j].Attempts, ws[j].Connects*ws[i].Attempts
		if ri != rj {
			return ri > rj
		}
		return ws[i].Attempts > ws[j].Attempts
	})
	// Keep the best of overlapping windows.
	var out []HeatWindow
	taken := map[[2]int]bool{}
	for _, w := range ws {
		d := int(w.Weekday)
		if taken[[2]int{d, w.Hour}] || (w.Hours == 2 && taken[[2]int{d, w.Hour + 1}]) {
			continue
		}
		taken[[2]int{d, w.Hour}] = true
		if w.Hours == 2 {
			taken[[2]int{d, w.Hour + 1}] = true
		}
		out = append(out, w)
	}
	return out
}
