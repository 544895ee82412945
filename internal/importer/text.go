package importer

import (
	"strings"
	"unicode/utf8"
)

// truncate shortens s to n bytes for a message, never inside a UTF-8
// sequence, so that quoting a bad line never writes invalid text.
func truncate(s string, n int) string {
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		return s[:n] + "…"
	}
	return s
}

// cleanText drops control characters but tab and newline: a NUL or an
// escape sequence in a name is never what anyone meant, and breaks what
// reads the data later.
func cleanText(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' || c == 0x7F {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7F {
			return -1
		}
		return r
	}, s)
}

// nonBlank are the trimmed strings that have anything in them, for
// joining parts of which some may be empty.
func nonBlank(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
