package store

import (
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"
)

func TestDollarPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":        "SELECT 1",
		"a = ? AND b > ?": "a = $1 AND b > $2",
		`x = '?' AND "we?ird" = ? AND y = 'it''s?'`: `x = '?' AND "we?ird" = $1 AND y = 'it''s?'`,
	} {
		if got := dollarPlaceholders(in); got != want {
			t.Errorf("dollarPlaceholders(%q) = %q, want %q", in, got, want)
		}
	}
}

// Each reader maps the file: a reader that dropped its page cache after a
// write reads pages where they lie instead of copying each one in with a
// system call. The writer, which walks whole tables in imports, does not.
func TestSQLiteConnectionsMapTheFile(t *testing.T) {
	ctx := t.Context()
	rw, ro, err := openSQLite(filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	defer ro.Close()
	for name, c := range map[string]struct {
		db   *bun.DB
		want int64
	}{"writer": {rw, 0}, "reader": {ro, sqliteMapSize}} {
		var size int64
		if err := c.db.NewRaw("PRAGMA mmap_size").Scan(ctx, &size); err != nil {
			t.Fatal(err)
		}
		if size != c.want {
			t.Errorf("%s: mmap_size = %d, want %d", name, size, c.want)
		}
	}
}
