//go:build unix

package store

import "syscall"

// allocTable returns n zeroed bytes for a keyTable, mapped from the
// operating system rather than taken from the Go heap: the collector
// neither scans them nor counts them toward its next goal, and freeTable
// returns them to the system at once. (Anonymous pages are zero and only
// become resident when first written.)
func allocTable(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n) // the heap will do
	}
	tableBytes.Add(int64(n))
	return b[:n:n]
}

// freeTable releases what allocTable returned (nil: nothing).
func freeTable(b []byte) {
	if len(b) == 0 {
		return
	}
	// A table from allocTable's fallback is not a mapping: Munmap refuses
	// it (EINVAL) and the collector has it.
	if syscall.Munmap(b) == nil {
		tableBytes.Add(-int64(len(b)))
	}
}

// mappedTables says whether key tables live outside the heap here.
func mappedTables() bool { return true }
