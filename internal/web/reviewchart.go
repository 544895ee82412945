package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// The review's two charts, drawn as SVG by the template from the
// geometry computed here. Both carry a text alternative.

// trendChart is live conversations per week as bars, with the weekly goal
// as a line. Across, positions are percentages of the width it is given,
// so that its text keeps its size from a phone to a desktop; down, they
// are pixels.
type trendChart struct {
	Title  string
	Desc   string
	Height int
	// BaseY is the bars' foot; GoalY the goal line's height (0: no goal).
	BaseY int
	Goal  int
	GoalY int
	Bars  []trendBar
}

type trendBar struct {
	// X, W and Mid (the bar's centre) are percentages of the width.
	X, W, Mid string
	Y, H      int
	Value     int
	// Day labels the week by its Monday; Month is set on the first week
	// and the first of each month.
	Day, Month string
	Met        bool
	Current    bool
}

// Trend chart geometry: room above the bars for their values, below for
// two lines of labels.
const (
	trendHeight = 200
	trendTop    = 22
	trendBottom = 36
)

func pct(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", f), "0"), ".") + "%"
}

// newTrendChart draws weeks (oldest first) against the live goal; current
// marks the last week as still under way.
func newTrendChart(weeks []rapport.WeekFigures, goal int, current bool) *trendChart {
	c := &trendChart{Title: fmt.Sprintf("Live conversations per week, last %d weeks", len(weeks)), Height: trendHeight,
		BaseY: trendHeight - trendBottom, Goal: goal}
	top := max(goal, 1)
	for _, w := range weeks {
		top = max(top, w.Live)
	}
	room := c.BaseY - trendTop
	if goal > 0 {
		c.GoalY = c.BaseY - goal*room/top
	}
	slot := 100 / float64(len(weeks))
	var desc []string
	month := ""
	for i, w := range weeks {
		h := w.Live * room / top
		if w.Live > 0 {
			h = max(h, 2)
		}
		b := trendBar{X: pct(float64(i)*slot + slot*0.18), W: pct(slot * 0.64), Mid: pct(float64(i)*slot + slot/2),
			Y: c.BaseY - h, H: h, Value: w.Live, Day: w.Start.Format("2"), Met: goal > 0 && w.Live >= goal,
			Current: current && i == len(weeks)-1}
		if m := w.Start.Format("Jan"); m != month {
			b.Month, month = m, m
		}
		c.Bars = append(c.Bars, b)
		d := fmt.Sprintf("week of %s: %d", w.Start.Format("2 Jan"), w.Live)
		if b.Current {
			d += " so far"
		}
		desc = append(desc, d)
	}
	// The first week is labelled with its month unless the next one starts
	// a month: two month names side by side would run together.
	if len(c.Bars) > 1 && c.Bars[1].Month != "" {
		c.Bars[0].Month = ""
	}
	c.Desc = strings.Join(desc, "; ") + "."
	if goal > 0 {
		c.Desc = fmt.Sprintf("Goal: %d a week. ", goal) + c.Desc
	}
	return c
}

// heatGrid is the connect rate by weekday (rows, Monday first) and hour
// (columns) of the called person's local time, drawn in a fixed view box.
type heatGrid struct {
	Width, Height int
	Hours         []heatHour
	Rows          []heatRow
	Desc          string
	// Attempts and Rate are the totals behind it.
	Attempts, Rate int
}

type heatHour struct {
	Hour  int
	X     int
	Label string
}

type heatRow struct {
	Label string
	Y     int
	TextY int
	Cells []heatCellView
}

type heatCellView struct {
	X, Y, W, H int
	Class      string
	// Text says what the cell shows; Title adds when, for its tooltip;
	// Short is the table's cell.
	Text, Title, Short string
}

// heatMinAttempts is how many calls an hour needs before its colour is
// believed; fewer are marked "not enough calls". Half a two-hour window's.
const heatMinAttempts = rapport.MinWindowAttempts / 2

// Heat grid geometry.
const (
	heatWidth  = 360
	heatLabelW = 36
	heatHead   = 20
	heatRowH   = 26
	heatGap    = 2
)

// heatDayNames are the rows, in the heat map's order.
var heatDayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// newHeatGrid shows the hours 7–21, widened to any hour that had calls.
func newHeatGrid(h *rapport.HeatMap) *heatGrid {
	first, last := 7, 21
	for d := range 7 {
		for hr := range 24 {
			if h.Cells[d][hr].Attempts > 0 {
				first, last = min(first, hr), max(last, hr)
			}
		}
	}
	n := last - first + 1
	cw := (heatWidth - heatLabelW) / n
	g := &heatGrid{Width: heatLabelW + n*cw, Height: heatHead + 7*heatRowH, Attempts: h.Attempts, Rate: h.Rate()}
	every := 1
	if cw < 18 {
		every = 3
	}
	for hr := first; hr <= last; hr++ {
		hh := heatHour{Hour: hr, X: heatLabelW + (hr-first)*cw + cw/2}
		if (hr-first)%every == 0 {
			hh.Label = fmt.Sprint(hr)
		}
		g.Hours = append(g.Hours, hh)
	}
	for d := range 7 {
		y := heatHead + d*heatRowH
		row := heatRow{Label: heatDayNames[d], Y: y, TextY: y + heatRowH/2 + 4}
		for hr := first; hr <= last; hr++ {
			c := h.Cells[d][hr]
			v := heatCellView{X: heatLabelW + (hr-first)*cw, Y: y, W: cw - heatGap, H: heatRowH - heatGap}
			when := fmt.Sprintf("%s %02d:00–%02d:00", heatDayNames[d], hr, hr+1)
			switch {
			case c.Attempts == 0:
				v.Class, v.Text, v.Short = "none", "no calls", "·"
			case c.Attempts < heatMinAttempts:
				v.Class, v.Text, v.Short = "few", fmt.Sprintf("%d %s: not enough calls", c.Attempts, plural(c.Attempts, "call", "calls")), "few"
			default:
				v.Class = fmt.Sprintf("h%d", min(c.Rate()/10, 4))
				v.Text = fmt.Sprintf("%d%% of %d calls connected", c.Rate(), c.Attempts)
				v.Short = fmt.Sprintf("%d%%", c.Rate())
			}
			v.Title = when + ": " + v.Text
			row.Cells = append(row.Cells, v)
		}
		g.Rows = append(g.Rows, row)
	}
	g.Desc = fmt.Sprintf("Connect rate by weekday and hour of the called person's local time, hours %d to %d, over the %d weeks to this one: %d calls, %d%% connected. Hours with fewer than %d calls are marked not enough calls.",
		first, last+1, rapport.HeatWeeks, h.Attempts, h.Rate(), heatMinAttempts)
	return g
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// liveLength renders an average call length: "4 min 30 s".
func liveLength(secs int) string {
	d := time.Duration(secs) * time.Second
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return fmt.Sprintf("%d s", s)
	case s == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d min %d s", m, s)
}
