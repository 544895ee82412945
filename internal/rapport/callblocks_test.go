package rapport_test

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

func TestCallBlocks(t *testing.T) {
	b := rapport.CallBlock{Weekday: time.Tuesday, Start: 17 * 60, End: 19 * 60}
	if b.Validate() != nil || b.Label() != "Tue 17:00–19:00" {
		t.Errorf("block %q: %v", b.Label(), b.Validate())
	}
	for _, bad := range []rapport.CallBlock{{Weekday: 7, Start: 60, End: 120}, {Weekday: 1, Start: 120, End: 60}, {Weekday: 1, Start: 60, End: 70}, {Weekday: 1, Start: -5, End: 60}} {
		if bad.Validate() == nil {
			t.Errorf("%+v is valid", bad)
		}
	}
	if m, ok := rapport.ParseClock("7:30"); !ok || m != 450 {
		t.Errorf("7:30 = %d %v", m, ok)
	}
	if _, ok := rapport.ParseClock("25:00"); ok {
		t.Error("25:00 parsed")
	}
	blocks := []rapport.CallBlock{b, {Weekday: time.Saturday, Start: 10 * 60, End: 12 * 60}}
	// Tuesday 18:00: the block in progress. Tuesday 19:00: Saturday's.
	// Sunday: next Tuesday's, across the week boundary.
	for _, c := range []struct {
		now  time.Time
		want time.Time
	}{
		{at(chicago, 2026, 10, 27, 18, 0), at(chicago, 2026, 10, 27, 17, 0)},
		{at(chicago, 2026, 10, 27, 19, 0), at(chicago, 2026, 10, 31, 10, 0)},
		{at(chicago, 2026, 11, 1, 9, 0), at(chicago, 2026, 11, 3, 17, 0)},
	} {
		next, ok := rapport.NextBlock(c.now, chicago, blocks)
		if !ok || !next.Start.Equal(c.want) {
			t.Errorf("at %v: next %v, want %v", c.now, next.Start, c.want)
		}
	}
	if _, ok := rapport.NextBlock(time.Now(), chicago, nil); ok {
		t.Error("a next block with no blocks")
	}
}
