//go:build !unix

package store

// allocTable returns n zeroed bytes for a keyTable (on the heap here; see
// tablemem_unix.go).
func allocTable(n int) []byte { return make([]byte, n) }

func freeTable([]byte) {}

func mappedTables() bool { return false }
