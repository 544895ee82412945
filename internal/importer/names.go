package importer

import "strings"

// honorifics are the titles people write before a name; they are not
// part of the first name.
var honorifics = map[string]bool{"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "mx": true, "prof": true}

// splitName splits a full name: "Lopez, Maria" or "Dr. Maria de la Cruz
// Jr." (first word first, the rest last), and says which title before
// the name it left out.
func splitName(full string) (first, last, title string) {
	full = strings.Join(strings.Fields(full), " ")
	if l, f, ok := strings.Cut(full, ","); ok && !strings.Contains(strings.TrimSpace(f), ",") {
		f = strings.TrimSpace(f)
		if !isSuffix(f) {
			return f, strings.TrimSpace(l), ""
		}
	}
	words := strings.Fields(full)
	var titles []string
	for len(words) > 1 && honorifics[strings.ToLower(strings.TrimSuffix(words[0], "."))] {
		titles, words = append(titles, words[0]), words[1:]
	}
	if len(words) == 1 {
		return words[0], "", strings.Join(titles, " ")
	}
	return words[0], strings.Join(words[1:], " "), strings.Join(titles, " ")
}

func isSuffix(s string) bool {
	switch strings.ToLower(strings.TrimSuffix(s, ".")) {
	case "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq":
		return true
	}
	return false
}
