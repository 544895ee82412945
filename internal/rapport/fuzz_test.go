package rapport_test

import (
	"testing"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// FuzzAssess: any text a user types into a drill gets feedback — four
// rules, each with a message, a score that counts the passed ones — and
// the same feedback every time.
func FuzzAssess(f *testing.F) {
	for _, s := range []string{"", "That makes sense. What would help?", "I understand, but no.", "?!.", "Tell me more",
		"so, and, then — what?", "“Curly quotes” ’ok’?", "I hear you… how's the family?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, b := rapport.Assess(s), rapport.Assess(s)
		if len(a.Checks) != 4 || a.Score() < 0 || a.Score() > 4 || a.Good() != (a.Score() == 4) {
			t.Fatalf("feedback = %+v", a)
		}
		for i, c := range a.Checks {
			if c.Message == "" || !utf8.ValidString(c.Message) && utf8.ValidString(s) {
				t.Fatalf("check %s: message %q", c.Key, c.Message)
			}
			if b.Checks[i] != c {
				t.Fatalf("not deterministic: %+v vs %+v", c, b.Checks[i])
			}
		}
	})
}
