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
	// mem holds the slots, apart from the table so that a cleanup can free
	// them if free is never called.
	mem *tableMem
	n   int
	big map[uint64]int64
}

// tableMem is a keyTable's slots: 0 as a slot's hash marks it empty (a
// hash of 0 is stored as 1).
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
	old := t.mem.b
	t.mem.b, t.n = allocTable((1<<bits.Len(uint(n*4/3)))*keySlot), 0
	for s := old; len(s) > 0; s = s[keySlot:] {
		if h := binary.NativeEndian.Uint64(s); h != 0 {
			t.put(h, binary.NativeEndian.Uint32(s[8:]))
		}
	}
	freeTable(old)
}

// size is how many slots the table has.
func (t *keyTable) size() int { return len(t.mem.b) / keySlot }

// free gives the table's memory back.
func (t *keyTable) free() {
	freeTable(t.mem.b)
	t.mem.b, t.n, t.big = nil, 0, nil
}

// slot returns the offset of h's slot, or of the empty slot where it goes.
func (t *keyTable) slot(h uint64) int {
	slots := t.mem.b
	mask := len(slots)/keySlot - 1
	i := int(h) & mask
	for {
		o := i * keySlot
		if v := binary.NativeEndian.Uint64(slots[o:]); v == 0 || v == h {
			return o
		}
		i = (i + 1) & mask
	}
}

func (t *keyTable) put(h uint64, id uint32) {
	o, slots := t.slot(h), t.mem.b
	if binary.NativeEndian.Uint64(slots[o:]) == 0 {
		t.n++
		binary.NativeEndian.PutUint64(slots[o:], h)
	}
	binary.NativeEndian.PutUint32(slots[o+8:], id)
}

// get returns the id stored for hash h.
func (t *keyTable) get(h uint64) (int64, bool) {
	if h == 0 {
		h = 1
	}
	if id, ok := t.big[h]; ok {
		return id, true
	}
	o, slots := t.slot(h), t.mem.b
	if binary.NativeEndian.Uint64(slots[o:]) == 0 {
		return 0, false
	}
	return int64(binary.NativeEndian.Uint32(slots[o+8:])), true
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
	if (t.n+1)*4 > t.size()*3 {
		t.resize(2 * t.n)
	}
	t.put(h, uint32(id))
}
