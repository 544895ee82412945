package store

// SetMaxNarrow changes how many search matches are listed by name, so that
// tests can reach the newest-first path with a small book.
func SetMaxNarrow(n int) (restore func()) {
	old := maxNarrow
	maxNarrow = n
	return func() { maxNarrow = old }
}
