package store

import (
	"math/rand/v2"
	"testing"
)

func TestKeyTable(t *testing.T) {
	kt := newKeyTable(0)
	want := map[uint64]int64{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100_000; i++ {
		h := rng.Uint64()
		if i%10 == 0 {
			h &= 0xffff // crowd a few slots, to exercise probing
		}
		if h < 2 || h == 42 || h == 43 {
			continue // 0 is stored as 1; 42 and 43 are the cases below
		}
		id := int64(1 + rng.IntN(1<<31))
		kt.set(h, id)
		want[h] = id
	}
	// Edge cases: the hash 0 (the empty-slot mark, stored as 1), ids
	// beyond 32 bits, and an id replaced by one that fits again.
	kt.set(0, 7)
	want[0] = 7
	kt.set(42, 1<<40)
	want[42] = 1 << 40
	kt.set(43, 1<<40)
	kt.set(43, 5)
	want[43] = 5
	for h, id := range want {
		if got, ok := kt.get(h); !ok || got != id {
			t.Fatalf("get(%#x) = %d, %v; want %d", h, got, ok, id)
		}
	}
	misses := 0
	for i := 0; i < 10_000; i++ {
		h := rng.Uint64()
		if _, in := want[h]; in {
			continue
		}
		if _, ok := kt.get(h); ok {
			misses++
		}
	}
	if misses > 0 {
		t.Fatalf("%d absent hashes found", misses)
	}
	if load := float64(kt.n) / float64(kt.size); load > 0.75 {
		t.Fatalf("load %.2f", load)
	}
	kt.free()
	kt.free() // twice is harmless
	// A table that came from the heap (allocTable's fallback) is left to
	// the collector.
	freeTable(make([]byte, 3*keySlot))
}
