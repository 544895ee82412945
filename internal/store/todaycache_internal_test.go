package store

import (
	"testing"
	"time"
)

// keep drops what can no longer serve, and keeps nothing older than what
// it holds: a slow load that read before a commit must not push out the
// loads that read after it.
func TestTodayKeepKeepsTheNewest(t *testing.T) {
	c := openTodayCache(nil)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	entry := func(gen uint64, v int64, from time.Time) *todayKeptEntry {
		return &todayKeptEntry{version: dataVersion{gen, v}, from: from, until: from.Add(todayKeep)}
	}
	keys := func() map[[2]int64]dataVersion {
		out := map[[2]int64]dataVersion{}
		for k, e := range c.entries {
			out[k] = e.at()
		}
		return out
	}
	c.keep([2]int64{1, 1}, entry(1, 5, now))
	c.keep([2]int64{1, 2}, entry(1, 5, now))
	c.keep([2]int64{1, 3}, entry(1, 4, now)) // read before the last commit
	if got := keys(); len(got) != 2 || got[[2]int64{1, 3}] != (dataVersion{}) {
		t.Fatalf("an older load was kept or pushed out newer ones: %v", got)
	}
	c.keep([2]int64{1, 3}, entry(1, 6, now)) // a commit since: the others go
	if got := keys(); len(got) != 1 || got[[2]int64{1, 3}] != (dataVersion{1, 6}) {
		t.Fatalf("after a newer version: %v", got)
	}
	c.keep([2]int64{1, 1}, entry(2, 1, now)) // a new watch connection is later
	if got := keys(); len(got) != 1 || got[[2]int64{1, 1}] != (dataVersion{2, 1}) {
		t.Fatalf("after a new watch connection: %v", got)
	}
	c.keep([2]int64{1, 2}, entry(2, 1, now.Add(todayKeep))) // the other's time is up
	if got := keys(); len(got) != 1 || got[[2]int64{1, 2}] != (dataVersion{2, 1}) {
		t.Fatalf("an expired entry stayed: %v", got)
	}
	for i := range int64(2 * todayKept) {
		c.keep([2]int64{1, 100 + i}, entry(2, 1, now.Add(todayKeep)))
	}
	if len(c.entries) > todayKept {
		t.Fatalf("%d entries kept, at most %d", len(c.entries), todayKept)
	}
}

// With a write log an entry of an older version may still be current (the
// commits since touched nothing of it): keep drops only what is past its
// time, and never a user's newer entry for an older one.
func TestTodayKeepWithWritesKeepsOthers(t *testing.T) {
	c := openTodayCache(nil).withWrites(newWriteLog(), nil)
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	entry := func(v int64, from time.Time) *todayKeptEntry {
		return &todayKeptEntry{version: dataVersion{1, v}, from: from, until: from.Add(todayKeep)}
	}
	c.keep([2]int64{1, 1}, entry(5, now))
	c.keep([2]int64{1, 2}, entry(6, now))
	c.keep([2]int64{1, 1}, entry(4, now)) // the user's own, read before the kept one
	if len(c.entries) != 2 || c.entries[[2]int64{1, 1}].at() != (dataVersion{1, 5}) {
		t.Fatalf("entries: %v", c.entries)
	}
	c.keep([2]int64{1, 3}, entry(7, now.Add(todayKeep/2)))
	if len(c.entries) != 3 {
		t.Fatalf("an older entry of another user went: %d kept", len(c.entries))
	}
	c.keep([2]int64{1, 4}, entry(8, now.Add(todayKeep)))
	if len(c.entries) != 2 || c.entries[[2]int64{1, 3}] == nil {
		t.Fatalf("after the first two's time: %v", c.entries)
	}
}
