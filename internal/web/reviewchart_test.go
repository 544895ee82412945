package web

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

func TestWaitWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "under a minute", 59 * time.Second: "under a minute", time.Minute: "1 minute", 45 * time.Minute: "45 minutes",
		89 * time.Minute: "89 minutes", 90 * time.Minute: "2 hours", 5 * time.Hour: "5 hours", 24*time.Hour + 5*time.Minute: "24 hours",
		36 * time.Hour: "2 days", 2 * 24 * time.Hour: "2 days", 27*24*time.Hour + 23*time.Hour: "28 days",
	} {
		if got := waitWords(d); got != want {
			t.Errorf("waitWords(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestDistinctWindows(t *testing.T) {
	w := func(day time.Weekday, hour int) rapport.HeatWindow {
		return rapport.HeatWindow{Weekday: day, Hour: hour}
	}
	got := distinctWindows([]rapport.HeatWindow{w(time.Tuesday, 17), w(time.Tuesday, 18), w(time.Tuesday, 16), w(time.Wednesday, 17),
		w(time.Tuesday, 19), w(time.Friday, 9)}, 3)
	want := []rapport.HeatWindow{w(time.Tuesday, 17), w(time.Wednesday, 17), w(time.Tuesday, 19)}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("window %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestTrendChartScalesToTheTallerOfGoalAndWeeks(t *testing.T) {
	loc := time.UTC
	weeks := make([]rapport.WeekFigures, 12)
	for i := range weeks {
		weeks[i] = rapport.WeekFigures{Start: time.Date(2026, 9, 7+7*i, 0, 0, 0, 0, loc), Live: i}
	}
	weeks[10].Live = 30
	c := newTrendChart(weeks, 20, true)
	if c.Bars[10].Y != trendTop || c.Bars[10].H != c.BaseY-trendTop {
		t.Errorf("the tallest week is not full height: %+v", c.Bars[10])
	}
	if c.GoalY != c.BaseY-20*(c.BaseY-trendTop)/30 {
		t.Errorf("goal line at %d", c.GoalY)
	}
	if c.Bars[0].H != 0 || c.Bars[1].H < 2 || !c.Bars[10].Met || c.Bars[9].Met || !c.Bars[11].Current {
		t.Errorf("bars: %+v", c.Bars)
	}
	if c.Bars[0].Month != "Sep" || c.Bars[1].Month != "" || c.Bars[4].Month != "Oct" || c.Bars[0].Day != "7" {
		t.Errorf("labels: %+v", c.Bars)
	}
	if c.Bars[0].X != "1.5%" || c.Bars[11].Mid != "95.833%" {
		t.Errorf("positions: %s, %s", c.Bars[0].X, c.Bars[11].Mid)
	}
}

func TestHeatGridWidensToHoursWithCalls(t *testing.T) {
	var h rapport.HeatMap
	h.Cells[0][6] = rapport.HeatCell{Attempts: 2}                // Mon 6:00, a few calls
	h.Cells[1][17] = rapport.HeatCell{Attempts: 10, Connects: 4} // Tue 17:00, 40%
	g := newHeatGrid(&h)
	if first, last := g.Hours[0].Hour, g.Hours[len(g.Hours)-1].Hour; first != 6 || last != 21 {
		t.Errorf("hours %d–%d, want 6–21", first, last)
	}
	if g.Width > heatWidth {
		t.Errorf("grid %d wide, more than %d", g.Width, heatWidth)
	}
	mon6, tue17 := g.Rows[0].Cells[0], g.Rows[1].Cells[17-6]
	if mon6.Class != "few" || tue17.Class != "h4" || tue17.Title != "Tue 17:00–18:00: 40% of 10 calls connected" {
		t.Errorf("cells: %+v, %+v", mon6, tue17)
	}
}

func TestTrendMonthLabelsDoNotRunTogether(t *testing.T) {
	weeks := make([]rapport.WeekFigures, 12)
	for i := range weeks {
		weeks[i].Start = time.Date(2026, 8, 31+7*i, 0, 0, 0, 0, time.UTC)
	}
	c := newTrendChart(weeks, 5, false)
	if c.Bars[0].Month != "" || c.Bars[1].Month != "Sep" || c.Bars[5].Month != "Oct" {
		t.Errorf("months: %q %q %q", c.Bars[0].Month, c.Bars[1].Month, c.Bars[5].Month)
	}
}
