package bench

import (
	"testing"
	"time"
)

// TestSwitchFigures: the longest stretch without an acknowledged write
// after the disruption began, the failures within it and after it.
func TestSwitchFigures(t *testing.T) {
	s := func(start, end float64, ack bool, err string) sample {
		x := sample{start: time.Duration(start * float64(time.Second)), end: time.Duration(end * float64(time.Second)), err: err}
		if ack {
			x.ack = "mark"
		}
		return x
	}
	results := [][]sample{
		{s(1, 1.1, false, "before"), s(9.9, 10.05, true, ""), s(10.1, 10.2, false, "refused"), s(12, 12.5, true, "")},
		{s(10.2, 11, false, "refused"), s(12.6, 12.7, false, "late"), s(12.8, 13, true, "")},
	}
	sw := switchFigures(results, 10*time.Second, 20*time.Second)
	// From 10.05 s to 12.5 s nothing acknowledged; then to the end 7 s
	// without one either: the tail counts, and writes never came back.
	if sw.WritesBackAtS != -1 || sw.WritesStoppedS != 7 || sw.Errors != 3 || sw.After != 0 {
		t.Errorf("with a silent tail: %+v", sw)
	}
	results[1] = append(results[1], s(14, 14.1, true, ""), s(16, 16.1, true, ""), s(18, 18.1, true, ""), s(19.9, 19.95, true, ""))
	sw = switchFigures(results, 10*time.Second, 20*time.Second)
	if sw.WritesBackAtS != 12.5 || sw.WritesStoppedS < 2.44 || sw.WritesStoppedS > 2.46 || sw.Errors != 2 || sw.After != 1 {
		t.Errorf("writes back: %+v", sw)
	}
}

// TestAcknowledgedIsAWrite: a logged call counts as written only when a
// server answered it with its redirect or a 2xx; a redirect to sign in
// (the session was lost) and an error are not writes.
func TestAcknowledgedIsAWrite(t *testing.T) {
	log := &call{action: "log", mark: "m"}
	for _, c := range []struct {
		status   int
		location string
		want     bool
	}{
		{303, "/people/7", true}, {200, "", true}, {303, "/signin?next=%2Fpeople%2F7%2Flog", false}, {500, "", false},
	} {
		if got := log.acknowledged(c.status, c.location); got != c.want {
			t.Errorf("%d %q: %v, want %v", c.status, c.location, got, c.want)
		}
	}
	if (&call{action: "event", mark: "m"}).acknowledged(303, "/x") {
		t.Error("an event answered with a redirect counted as written")
	}
}
