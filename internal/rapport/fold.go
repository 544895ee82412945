package rapport

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Fold is text as Rapport compares names and searches: lower-cased,
// accents stripped, apostrophes dropped (O'Brien is "obrien") and every
// other run of what is not a letter or digit one space. The search index,
// duplicate finding and the team pickers all fold with it, so that they
// agree on what matches.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’':
			// Accents go, and so do apostrophes: O'Brien is "obrien".
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSpace(b.String())
}
