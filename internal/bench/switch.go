package bench

import (
	"slices"
	"time"
)

// Switch is what a disruption (a failover drill's switch to a standby)
// cost the users, from the moment the disrupting command began.
type Switch struct {
	// Errors are the requests that failed from the command's start until
	// writes were acknowledged again; After those that failed later (a
	// server that rode the switch out has none).
	Errors int `json:"errors"`
	After  int `json:"errors_after"`
	// WritesStoppedS is the longest time after the command's start in
	// which no write was acknowledged (refused, or waiting), and
	// WritesBackAtS when, into the mix, that stretch ended (-1: writes
	// never came back before the mix ended).
	WritesStoppedS float64 `json:"writes_stopped_s"`
	WritesBackAtS  float64 `json:"writes_back_at_s"`
}

// switchFigures measures the disruption that began at from into a mix
// that ended at end.
func switchFigures(results [][]sample, from, end time.Duration) *Switch {
	acks := []time.Duration{end}
	for _, rs := range results {
		for _, s := range rs {
			if s.ack != "" && s.end >= from {
				acks = append(acks, s.end)
			}
		}
	}
	slices.Sort(acks)
	last, longest, back := from, time.Duration(0), from
	for _, t := range acks {
		if t-last > longest {
			longest, back = t-last, t
		}
		last = t
	}
	sw := &Switch{WritesStoppedS: longest.Seconds(), WritesBackAtS: back.Seconds()}
	if back == end {
		sw.WritesBackAtS = -1
	}
	for _, rs := range results {
		for _, s := range rs {
			switch {
			case s.err == "" || s.end < from:
			case s.start > back && back != end:
				sw.After++
			default:
				sw.Errors++
			}
		}
	}
	return sw
}
