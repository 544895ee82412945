package store

import (
	"encoding/binary"
	"math/bits"
	"runtime"
	"sync/atomic"
)

// keyTable maps the 64-bit hashes of contact keys to person ids for an
// import's dedupe. A million-row import holds millions of keys, so it is
// kept compact: open addressing with linear probing over one flat array of
// 12-byte slots (the hash, then the id), with nothing for the garbage
// collector to scan. Ids that do not fit 32 bits (none, in practice) live
// in a map beside it.
//
// The slots live outside the Go heap where the system allows (see
// allocTable): at a million rows they are 48 MB that live as long as the
// import, and on the heap the collector would let the heap grow by as
// much again before collecting (GOGC), for 96 MB of the import's peak
// instead of 48. free gives them back at once; the table is not used
// after it. A table dropped without free (an import that panicked) is
// given back when the collector finds it unreachable.
type keyTable struct {
	slots []byte // 0 as a slot's hash marks it empty; a hash of 0 is stored as 1
	size  int    // slots
	n     int
	big   map[uint64]int64
	// mem holds the slots for the cleanup that frees them if free is
	// never called; free empties it.
	mem *tableMem
}

type tableMem struct{ b []byte }

// tableBytes counts the bytes of key tables mapped outside the heap.
var tableBytes atomic.Int64

const keySlot = 12

// newKeyTable returns a table sized for about n keys.
func newKeyTable(n int) *keyTable {
	t := &keyTable{mem: &tableMem{}}
	t.resize(max(n, 1024))
	runtime.AddCleanup(t, func(m *tableMem) { freeTable(m.b) }, t.mem)
	return t
}

// resize makes room for n keys at a load of at most 3/4.
func (t *keyTable) resize(n int) {
	size := 1 << bits.Len(uint(n*4/3))
	old, oldSize := t.slots, t.size
	t.slots, t.size, t.n = allocTable(size*keySlot), size, 0
	t.mem.b = t.slots
	for i := 0; i < oldSize; i++ {
		s := old[i*keySlot : (i+1)*keySlot]
		if h := binary.NativeEndian.Uint64(s); h != 0 {
			t.put(h, binary.NativeEndian.Uint32(s[8:]))
		}
	}
	freeTable(old)
}

// free gives the table's memory back.
func (t *keyTable) free() {
	freeTable(t.slots)
	t.slots, t.size, t.n, t.big = nil, 0, 0, nil
	t.mem.b = nil
}

// slot returns the offset of h's slot, or of the empty slot where it goes.
func (t *keyTable) slot(h uint64) int {
	mask := t.size - 1
	i := int(h) & mask
	for {
		o := i * keySlot
		if v := binary.NativeEndian.Uint64(t.slots[o:]); v == 0 || v == h {
			return o
		}
		i = (i + 1) & mask
	}
}

func (t *keyTable) put(h uint64, id uint32) {
	o := t.slot(h)
	if binary.NativeEndian.Uint64(t.slots[o:]) == 0 {
		t.n++
		binary.NativeEndian.PutUint64(t.slots[o:], h)
	}
	binary.NativeEndian.PutUint32(t.slots[o+8:], id)
}

// get returns the id stored for hash h.
func (t *keyTable) get(h uint64) (int64, bool) {
	if h == 0 {
		h = 1
	}
	if id, ok := t.big[h]; ok {
		return id, true
	}
	o := t.slot(h)
	if binary.NativeEndian.Uint64(t.slots[o:]) == 0 {
		return 0, false
	}
	return int64(binary.NativeEndian.Uint32(t.slots[o+8:])), true
}

// set stores id for hash h, replacing what was there.
func (t *keyTable) set(h uint64, id int64) {
	if h == 0 {
		h = 1
	}
	if id <= 0 || id > 1<<32-1 {
		if t.big == nil {
			t.big = map[uint64]int64{}
		}
		t.big[h] = id
		return
	}
	delete(t.big, h)
	if (t.n+1)*4 > t.size*3 {
		t.resize(2 * t.n)
	}
	t.put(h, uint32(id))
}
