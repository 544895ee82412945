package web

import (
	"github.com/rapport-crm/rapport/internal/rapport"
)

// barChart is a small bar chart drawn as SVG by the template: bars with
// their labels, in a fixed view box that scales to the width it is given.
type barChart struct {
	Title  string
	Width  int
	Height int
	Bars   []bar
}

type bar struct {
	X, Y, W, H int
	// LabelX is the centre of the bar, where its labels go.
	LabelX int
	Label  string
	Value  string
	Latest bool
}

// Chart geometry: room under the bars for the period, above for the value.
const (
	chartWidth  = 320
	chartHeight = 150
	chartTop    = 18
	chartBottom = 22
)

// productionChart draws an agent's 12-month volume per report period,
// oldest on the left. It returns nil for fewer than two periods: one bar
// shows no trend.
func productionChart(hist []rapport.Production) *barChart {
	if len(hist) < 2 {
		return nil
	}
	if len(hist) > 8 {
		hist = hist[len(hist)-8:]
	}
	var top int64 = 1
	for _, h := range hist {
		top = max(top, h.Volume)
	}
	c := &barChart{Title: "12-month volume by report", Width: chartWidth, Height: chartHeight}
	slot := chartWidth / len(hist)
	w := min(slot*3/5, 56)
	room := chartHeight - chartTop - chartBottom
	for i, h := range hist {
		height := int(h.Volume * int64(room) / top)
		if h.Volume > 0 {
			height = max(height, 2)
		}
		x := i*slot + (slot-w)/2
		c.Bars = append(c.Bars, bar{X: x, W: w, Y: chartTop + room - height, H: height, LabelX: x + w/2,
			Label: rapport.PeriodLabel(h.Period), Value: rapport.Money(h.Volume), Latest: i == len(hist)-1})
	}
	return c
}
