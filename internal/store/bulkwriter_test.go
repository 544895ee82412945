package store_test

import (
	"fmt"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestBulkWriter writes 701 audit rows with the import's bulk writer on
// each database — full statements of 250 rows, then powers of two, with
// values the same in every row written into the statement on SQLite —
// and reads every one back as written, quotes and all.
func TestBulkWriter(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		cols := []string{"org_id", "user_id", "user_name", "action", "entity", "entity_id", "summary", "at"}
		var vals []any
		at := f.clock.Now().UTC()
		for i := range 701 {
			vals = append(vals, f.org.ID, nil, "", "bulk", "person", int64(i+1), fmt.Sprintf("row %d: it's \"quoted\"; DROP TABLE x", i), store.TimeValue(f.db, at))
		}
		if err := f.db.BulkInsert(ctx, "audit_log", cols, vals); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for before := int64(0); ; {
			entries, err := f.db.AuditLog(ctx, rapport.Actor{Org: f.org.ID}, before, 200)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				break
			}
			for _, e := range entries {
				if e.Action == "bulk" {
					seen[e.Summary] = true
				}
				before = e.ID
			}
		}
		for i := range 701 {
			if !seen[fmt.Sprintf("row %d: it's \"quoted\"; DROP TABLE x", i)] {
				t.Fatalf("row %d missing (%d read back)", i, len(seen))
			}
		}
	})
}

// TestSQLLiteral: only plain values are written into a statement; anything
// that would need quoting is bound.
func TestSQLLiteral(t *testing.T) {
	for _, c := range []struct {
		v    any
		lit  string
		safe bool
	}{
		{nil, "NULL", true}, {int64(7), "7", true}, {true, "1", true}, {"2026-11-23 10:00:00+00:00", "'2026-11-23 10:00:00+00:00'", true},
		{"it's", "", false}, {"a;b", "", false}, {"x\x00", "", false}, {3.5, "", false},
	} {
		lit, ok := store.SQLLiteral(c.v)
		if ok != c.safe || lit != c.lit {
			t.Errorf("%#v: %q %v", c.v, lit, ok)
		}
	}
}
