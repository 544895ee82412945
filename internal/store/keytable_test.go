package store

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
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
	if load := float64(kt.n) / float64(kt.size()); load > 0.75 {
		t.Fatalf("load %.2f", load)
	}
	kt.free()
	kt.free() // twice is harmless
	// A table that came from the heap (allocTable's fallback) is left to
	// the collector.
	freeTable(make([]byte, 3*keySlot))
}

// TestKeyTableGivesMemoryBack checks that a table's memory outside the heap
// goes back when it is freed, and when it is dropped without being freed.
func TestKeyTableGivesMemoryBack(t *testing.T) {
	// Tables an earlier test dropped go back first.
	runtime.GC()
	runtime.GC()
	time.Sleep(20 * time.Millisecond)
	before := tableBytes.Load()
	kt := newKeyTable(100_000)
	for i := range 200_000 { // grows once: the first slots go back at once
		kt.set(uint64(i)*0x9e3779b97f4a7c15, int64(i+1))
	}
	if !mappedTables() {
		t.Skip("tables live on the heap here")
	}
	if got := tableBytes.Load() - before; got != int64(kt.size()*keySlot) {
		t.Fatalf("%d bytes mapped for a table of %d slots", got, kt.size())
	}
	kt.free()
	if got := tableBytes.Load(); got != before {
		t.Fatalf("%d bytes still mapped after free, want %d", got, before)
	}
	dropped := newKeyTable(100_000)
	dropped.set(1, 1)
	dropped = nil
	for deadline := time.Now().Add(10 * time.Second); tableBytes.Load() != before; {
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes still mapped after a table was dropped, want %d", tableBytes.Load(), before)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
