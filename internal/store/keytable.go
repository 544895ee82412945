package store

import "math/bits"

// keyTable maps the 64-bit hashes of contact keys to person ids for an
// import's dedupe. A million-row import holds millions of keys, so it is
// kept compact: open addressing with linear probing over two flat arrays,
// 12 bytes a slot, with nothing for the garbage collector to scan. Ids that
// do not fit 32 bits (none, in practice) live in a map beside it.
type keyTable struct {
	hashes []uint64 // 0 marks an empty slot; a hash of 0 is stored as 1
	ids    []uint32
	n      int
	big    map[uint64]int64
}

// newKeyTable returns a table sized for about n keys.
func newKeyTable(n int) *keyTable {
	t := &keyTable{}
	t.resize(max(n, 1024))
	return t
}

// resize makes room for n keys at a load of at most 3/4.
func (t *keyTable) resize(n int) {
	size := 1 << bits.Len(uint(n*4/3))
	old, oldIDs := t.hashes, t.ids
	t.hashes, t.ids, t.n = make([]uint64, size), make([]uint32, size), 0
	for i, h := range old {
		if h != 0 {
			t.put(h, oldIDs[i])
		}
	}
}

func (t *keyTable) slot(h uint64) int {
	mask := len(t.hashes) - 1
	i := int(h) & mask
	for t.hashes[i] != 0 && t.hashes[i] != h {
		i = (i + 1) & mask
	}
	return i
}

func (t *keyTable) put(h uint64, id uint32) {
	i := t.slot(h)
	if t.hashes[i] == 0 {
		t.n++
	}
	t.hashes[i], t.ids[i] = h, id
}

// get returns the id stored for hash h.
func (t *keyTable) get(h uint64) (int64, bool) {
	if h == 0 {
		h = 1
	}
	if id, ok := t.big[h]; ok {
		return id, true
	}
	i := t.slot(h)
	if t.hashes[i] == 0 {
		return 0, false
	}
	return int64(t.ids[i]), true
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
	if (t.n+1)*4 > len(t.hashes)*3 {
		t.resize(2 * t.n)
	}
	t.put(h, uint32(id))
}
