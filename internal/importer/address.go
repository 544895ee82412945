package importer

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// colValue is a cell and its column, so that an address not chosen can
// be kept under the names of the columns it came from.
type colValue struct {
	col Column
	v   string
}

// addressParts is one address of a row: its parts, and the cells they
// came from.
type addressParts struct {
	group                                      int
	street, city, state, postal, country, full string
	cols                                       []colValue
}

// addresses are a row's addresses, in the order of their group.
type addresses []*addressParts

func (as *addresses) group(g int) *addressParts {
	for _, a := range *as {
		if a.group == g {
			return a
		}
	}
	a := &addressParts{group: g}
	*as = append(*as, a)
	slices.SortFunc(*as, func(x, y *addressParts) int { return x.group - y.group })
	return a
}

// placeAddress gives the person the first of the row's addresses (home
// before business before other, in Outlook's terms) and keeps the others.
// A one-line address is split when no part came on its own; a US ZIP code
// that lost its leading zero to a spreadsheet gets it back, with a note.
func (c *Converter) placeAddress(r *Row, addrs addresses) {
	p := &r.Person
	chosen := false
	for _, a := range addrs {
		if chosen {
			for _, cv := range a.cols {
				r.Kept = append(r.Kept, rapport.KeptValue{Name: cv.col.Name, Value: cv.v, Why: "another address"})
			}
			continue
		}
		chosen = true
		p.Street, p.City, p.State, p.PostalCode, p.Country = a.street, a.city, a.state, a.postal, a.country
		if a.full != "" {
			if p.Street == "" && p.City == "" {
				p.Street, p.City, p.State, p.PostalCode = splitAddress(a.full)
			} else if !strings.Contains(fold(a.full), fold(firstLine(p.Street))) {
				r.Kept = append(r.Kept, rapport.KeptValue{Name: c.nameOf(FullAddress), Value: a.full, Why: "another address"})
			}
		}
		if len(p.PostalCode) == 4 && allDigits(p.PostalCode) && c.region == "US" {
			r.Problems = append(r.Problems, Problem{Line: r.Line, Column: c.nameOf(PostalCode),
				Reason: fmt.Sprintf("ZIP code %s lost its leading zero (a spreadsheet read it as a number); read as 0%s", p.PostalCode, p.PostalCode)})
			p.PostalCode = "0" + p.PostalCode
		}
	}
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// fold lower-cases s and keeps only its letters and digits, for comparing
// what people wrote.
func fold(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, ",")
	return strings.TrimSpace(s)
}

// splitAddress reads "123 Main St, Chicago, IL 60614" into its parts.
func splitAddress(a string) (street, city, state, postal string) {
	parts := strings.Split(a, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	switch len(parts) {
	case 1:
		return parts[0], "", "", ""
	case 2:
		street = parts[0]
		city, state, postal = cityStateZip(parts[1])
		return
	default:
		street = strings.Join(parts[:len(parts)-2], ", ")
		city = parts[len(parts)-2]
		_, state, postal = cityStateZip(parts[len(parts)-1])
		if state == "" {
			state = parts[len(parts)-1]
		}
		return
	}
}

// cityStateZip reads "IL 60614", "Chicago IL 60614" or "Chicago".
func cityStateZip(s string) (city, state, postal string) {
	words := strings.Fields(s)
	if n := len(words); n > 0 && isPostal(words[n-1]) {
		postal, words = words[n-1], words[:n-1]
	}
	if n := len(words); n > 0 && len(words[n-1]) == 2 && strings.ToUpper(words[n-1]) == words[n-1] {
		state, words = words[n-1], words[:n-1]
	}
	return strings.Join(words, " "), state, postal
}

func isPostal(w string) bool {
	digits := 0
	for _, r := range w {
		if r >= '0' && r <= '9' {
			digits++
		} else if r != '-' {
			return false
		}
	}
	return digits >= 5
}
