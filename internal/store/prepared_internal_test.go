package store

import (
	"path/filepath"
	"strings"
	"testing"
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

// An id list goes to SQLite as one JSON array and to PostgreSQL as an
// array; the caller's values are left as they were.
func TestBindArgsIDLists(t *testing.T) {
	args := []any{int64(7), idList{3, 1, 2}}
	got := (&DB{dialect: SQLite}).bindArgs(args)
	if got[0] != int64(7) || got[1] != "[3,1,2]" {
		t.Errorf("SQLite: %#v", got)
	}
	if _, ok := args[1].(idList); !ok {
		t.Errorf("the caller's list was replaced: %#v", args)
	}
	got = (&DB{dialect: Postgres}).bindArgs(args)
	if l, ok := got[1].([]int64); !ok || len(l) != 3 || l[0] != 3 {
		t.Errorf("PostgreSQL: %#v", got)
	}
	if got := (&DB{dialect: SQLite}).bindArgs([]any{idList{}}); got[0] != "[]" {
		t.Errorf("empty list: %#v", got)
	}
}

// The reads of many people by an id list look each one up, by primary key
// or through an index that leads with the person, on a new database
// without statistics — never through the organisation's whole book.
func TestIDListReadsLookUpEachID(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, Options{URL: filepath.Join(t.TempDir(), "plan.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		h    *hotRead
		args []any
		want string
	}{
		"people":  {readPeopleOf, []any{1, "[1,2]"}, "INTEGER PRIMARY KEY"},
		"names":   {readNamesOf, []any{1, "[1,2]"}, "INTEGER PRIMARY KEY"},
		"today":   {readTodayOf, []any{1, "[1,2]"}, "INTEGER PRIMARY KEY"},
		"phones":  {readPhonesOf, []any{1, "[1,2]"}, "person_id=?"},
		"emails":  {readEmailsOf, []any{1, "[1,2]"}, "person_id=?"},
		"tags":    {readTagsOf, []any{1, "[1,2]"}, "person_id=?"},
		"phones1": {readPhones, []any{1, 1}, "person_id=?"},
		"tags1":   {readTags, []any{1, 1}, "person_id=?"},
		"touches": {readTouchesOf, []any{1, "[1,2]", "2026-01-01"}, "person_id=?"},
	} {
		rows, err := db.ro.QueryContext(ctx, "EXPLAIN QUERY PLAN "+c.h.sql(db), c.args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		if !strings.Contains(all, c.want) {
			t.Errorf("%s: plan %q does not use %s", name, all, c.want)
		}
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") && !strings.HasPrefix(step, "SCAN json_each") {
				t.Errorf("%s: plan %q scans", name, all)
			}
		}
	}
}
