package store

import "testing"

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
