package importer

import (
	"strings"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
)

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

// UnnamedName is the name an import gives a person who came with none, so
// that someone who can be written to or called is not lost for want of a
// name: the local part of their first email, else their first phone as
// people in region (the organisation's) write it, else "MLS" and their
// MLS id. It is "" when there is nothing to name them by. Files, vCards
// and production reports all name people so, so that one person comes
// out named alike whichever way they came in.
func UnnamedName(p *rapport.Person, region string) string {
	switch {
	case len(p.Emails) > 0:
		return strings.SplitN(p.Emails[0].Address, "@", 2)[0]
	case len(p.Phones) > 0:
		return phone.Display(p.Phones[0].Number, region)
	case p.MLSID != "":
		return "MLS " + p.MLSID
	}
	return ""
}

// nameUnnamed names the row's person when they came with no name (see
// UnnamedName) and says so in the report; the row is marked Unnamed, as a
// made-up name is no evidence of who they are when matching. A row with
// nothing to name them by is skipped, saying why. It reports whether the
// row goes on.
func (r *Row) nameUnnamed(region, why string) bool {
	p := &r.Person
	if p.FirstName != "" || p.LastName != "" {
		return true
	}
	name := UnnamedName(p, region)
	if name == "" {
		r.skip(why)
		return false
	}
	p.FirstName, r.Unnamed = name, true
	r.Problems = append(r.Problems, Problem{Line: r.Line, Reason: "no name; imported as " + name})
	return true
}
