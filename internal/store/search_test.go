package store

import (
	"reflect"
	"testing"
)

func TestSearchTokens(t *testing.T) {
	for q, want := range map[string][]string{
		"José  Núñez":          {"jose", "nunez"},
		"jane.doe@example.com": {"jane", "doe", "example", "com"},
		"(312) 555-0142":       {"3125550142"},
		"+1 312 555":           {"1312555"},
		"555":                  {"555"},
		"O'Brien":              {"obrien"},
		"  ":                   nil,
		"unit 12b":             {"unit", "12b"},
	} {
		if got := searchTokens(q); !reflect.DeepEqual(got, want) {
			t.Errorf("searchTokens(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestPhoneTokens(t *testing.T) {
	got := phoneTokens("+13125550142")
	want := []string{"13125550142", "3125550142", "5550142"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("phoneTokens = %q, want %q", got, want)
	}
}

// A long run of digits is looked up whole; a long word by its ready
// prefix list, its matches checked.
func TestFTSQuery(t *testing.T) {
	for _, c := range []struct {
		tokens []string
		q      string
		long   []string
	}{
		{[]string{"3125550142"}, `"3125550142"*`, nil},
		{[]string{"hernandez", "jo"}, `"hernan"* "jo"*`, []string{"hernandez"}},
		{[]string{"12b", "unit4567"}, `"12b"* "unit45"*`, []string{"unit4567"}},
	} {
		q, long := ftsQuery(c.tokens)
		if q != c.q || !reflect.DeepEqual(long, c.long) {
			t.Errorf("ftsQuery(%q) = %s %q, want %s %q", c.tokens, q, long, c.q, c.long)
		}
	}
}
