package importer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// Problem is something wrong with a file, where it is.
type Problem struct {
	Line   int    `json:"line"`
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// Row is one data row turned into a person. Values that could not be read
// are left out and described in Problems; a row with nothing to know the
// person by is Skip.
type Row struct {
	Line     int
	Person   rapport.Person
	Stage    string
	Owner    string
	Problems []Problem
	Skip     bool
	// OfficeMLSID and Rank come from MLS rosters and production reports.
	OfficeMLSID string
	Rank        int
}

// Converter turns records into rows for one mapping.
type Converter struct {
	m      Mapping
	kind   rapport.Kind
	phones *phone.Normalizer
	now    time.Time
	pairs  map[string]int // pair key -> type column index
}

// NewConverter prepares to read rows mapped by m. Kind is the kind of
// people without a kind column (the preset's, when empty); region reads
// phone numbers written without a country code.
func NewConverter(m Mapping, kind rapport.Kind, region string, now time.Time) *Converter {
	if kind == "" {
		if p := PresetNamed(m.Preset); p != nil {
			kind = rapport.Kind(p.Kind)
		} else {
			kind = rapport.KindLead
		}
	}
	c := &Converter{m: m, kind: kind, phones: phone.NewNormalizer(region), now: now, pairs: map[string]int{}}
	for _, col := range m.Columns {
		if col.Pair != "" && (col.Field == PhoneType || col.Field == EmailType) {
			c.pairs[col.Pair] = col.Index
		}
	}
	return c
}

func cell(fields []string, i int) string {
	if i < len(fields) {
		return strings.TrimSpace(fields[i])
	}
	return ""
}

// Convert reads one record.
func (c *Converter) Convert(rec Record) Row {
	r := Row{Line: rec.Line, Person: rapport.Person{Kind: c.kind}}
	p := &r.Person
	problem := func(col Column, format string, args ...any) {
		r.Problems = append(r.Problems, Problem{Line: rec.Line, Column: col.Name, Reason: fmt.Sprintf(format, args...)})
	}
	var full, middle, address string
	var listUnits, sellUnits int
	for _, col := range c.m.Columns {
		v := cell(rec.Fields, col.Index)
		if v == "" {
			continue
		}
		switch col.Field {
		case FirstName:
			p.FirstName = v
		case LastName:
			p.LastName = v
		case MiddleName:
			middle = v
		case FullName:
			full = v
		case EmailF:
			label := col.Label
			if t, ok := c.pairs[col.Pair]; ok {
				label = strings.ToLower(strings.Trim(cell(rec.Fields, t), "* "))
			}
			for _, e := range splitList(v) {
				addr, err := rapport.NormalizeEmail(e)
				if err != nil {
					problem(col, "%s — left out", strings.TrimSuffix(rapport.ErrorMessage(err), "."))
					continue
				}
				if !hasEmail(p.Emails, addr) {
					p.Emails = append(p.Emails, rapport.Email{Address: addr, Label: label})
				}
			}
		case PhoneF:
			label := col.Label
			if t, ok := c.pairs[col.Pair]; ok {
				label = strings.ToLower(strings.Trim(cell(rec.Fields, t), "* "))
			}
			for _, raw := range splitPhones(v) {
				n, err := c.phones.Normalize(raw)
				if err != nil {
					problem(col, "%s — left out", strings.TrimSuffix(err.Error(), "."))
					continue
				}
				if !hasPhone(p.Phones, n) {
					p.Phones = append(p.Phones, rapport.Phone{Number: n, Label: label})
				}
			}
		case Street:
			p.Street = v
		case City:
			p.City = v
		case State:
			p.State = v
		case PostalCode:
			p.PostalCode = v
		case Country:
			p.Country = v
		case FullAddress:
			address = v
		case Source:
			p.Source = v
		case Tags:
			p.Tags = append(p.Tags, splitTags(v)...)
		case Notes:
			if p.Notes != "" {
				p.Notes += "\n"
			}
			p.Notes += v
		case KindF:
			k, ok := kindFrom(v)
			if !ok {
				problem(col, "%q is not a kind Rapport knows (lead, client, sphere, recruit); imported as %s", v, c.kind)
				continue
			}
			p.Kind = k
		case StageF:
			r.Stage = v
		case OwnerF:
			r.Owner = v
		case Birthday, HomeDate:
			a, err := parseDate(v)
			if err != nil {
				problem(col, "%q is not a date we can read — left out", v)
				continue
			}
			if col.Field == Birthday {
				p.Birthday = a
			} else {
				p.HomeAnniversary = a
			}
		case Brokerage:
			p.Brokerage = v
		case Office:
			p.Office = v
		case LicenceYear:
			y, err := strconv.Atoi(v)
			if err != nil || y < 1950 || y > c.now.Year()+1 {
				problem(col, "%q is not a year — left out", v)
				continue
			}
			p.LicenceYear = y
		case Units12m, ListUnits, SellUnits:
			n, err := parseNumber(v)
			if err != nil || n < 0 || n > 100000 {
				problem(col, "%q is not a number of transactions — left out", v)
				continue
			}
			switch col.Field {
			case Units12m:
				p.Units12m = int(n)
			case ListUnits:
				listUnits = int(n)
			default:
				sellUnits = int(n)
			}
		case Volume12m:
			n, err := parseNumber(v)
			if err != nil || n < 0 {
				problem(col, "%q is not an amount — left out", v)
				continue
			}
			p.Volume12m = int64(n)
		case MLSID:
			p.MLSID = v
		case OfficeMLSID:
			r.OfficeMLSID = v
		case Rank:
			n, err := parseNumber(v)
			if err != nil || n < 1 || n > 1_000_000 {
				problem(col, "%q is not a rank — left out", v)
				continue
			}
			r.Rank = int(n)
		case DoNotCall:
			switch strings.ToLower(v) {
			case "1", "y", "yes", "true", "x", "dnc", "do not call":
				p.DoNotCall = true
			case "0", "n", "no", "false":
			default:
				problem(col, "%q is not yes or no — left out", v)
			}
		case TimeZone:
			if err := rapport.ValidTZ(v); err != nil {
				problem(col, "%s — left out", strings.TrimSuffix(rapport.ErrorMessage(err), "."))
				continue
			}
			p.TZ = v
		case CadenceDays:
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 3650 {
				problem(col, "%q is not a number of days — left out", v)
				continue
			}
			p.CadenceDays = n
		}
	}
	p.ListUnits12m, p.SellUnits12m = listUnits, sellUnits
	if p.Units12m == 0 && listUnits+sellUnits > 0 {
		p.Units12m = listUnits + sellUnits
	}
	if p.FirstName == "" && p.LastName == "" && full != "" {
		p.FirstName, p.LastName = splitName(full)
	} else if middle != "" && p.FirstName != "" {
		p.FirstName += " " + middle
	}
	if address != "" && p.Street == "" && p.City == "" {
		p.Street, p.City, p.State, p.PostalCode = splitAddress(address)
	}
	if p.FirstName == "" && p.LastName == "" {
		switch {
		case len(p.Emails) > 0:
			p.FirstName = strings.SplitN(p.Emails[0].Address, "@", 2)[0]
		case len(p.Phones) > 0:
			p.FirstName = phone.Display(p.Phones[0].Number, "US")
		case p.MLSID != "":
			p.FirstName = "MLS " + p.MLSID
		default:
			r.Skip = true
			r.Problems = append(r.Problems, Problem{Line: rec.Line, Reason: "no name, email, phone or MLS id — row skipped"})
			return r
		}
		r.Problems = append(r.Problems, Problem{Line: rec.Line, Reason: "no name; imported as " + p.FirstName})
	}
	p.Normalize()
	if len(p.FirstName) > 100 || len(p.LastName) > 100 {
		r.Skip = true
		r.Problems = append(r.Problems, Problem{Line: rec.Line, Reason: "a name longer than 100 characters — row skipped"})
	}
	return r
}

func hasEmail(es []rapport.Email, a string) bool {
	for _, e := range es {
		if e.Address == a {
			return true
		}
	}
	return false
}

func hasPhone(ps []rapport.Phone, n string) bool {
	for _, p := range ps {
		if p.Number == n {
			return true
		}
	}
	return false
}

// splitList splits a cell holding several values (Google's " ::: ",
// semicolons, commas).
func splitList(v string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(strings.ReplaceAll(v, ":::", ";"), func(r rune) bool { return r == ';' || r == ',' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// splitPhones is splitList without commas (some people write "1,234"),
// and with slashes between complete numbers.
func splitPhones(v string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(strings.ReplaceAll(v, ":::", ";"), func(r rune) bool { return r == ';' || r == '|' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// splitTags reads a tag cell, dropping Google's system groups.
func splitTags(v string) []string {
	var out []string
	for _, t := range splitList(v) {
		t = strings.TrimSpace(strings.TrimPrefix(t, "* "))
		switch strings.ToLower(t) {
		case "mycontacts", "starred", "":
			continue
		}
		out = append(out, t)
	}
	return out
}

func kindFrom(v string) (rapport.Kind, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "lead", "leads", "buyer", "seller", "prospect", "new", "new lead", "buyer lead", "seller lead", "inquiry":
		return rapport.KindLead, true
	case "client", "clients", "customer", "past client", "active client", "closed":
		return rapport.KindClient, true
	case "sphere", "soi", "sphere of influence", "friend", "family", "personal", "contact", "vendor":
		return rapport.KindSphere, true
	case "recruit", "agent", "realtor", "prospect agent", "recruiting", "agent prospect":
		return rapport.KindRecruit, true
	}
	return "", false
}

var honorifics = map[string]bool{"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "mx": true, "prof": true}

// splitName splits a full name: "Lopez, Maria" or "Dr. Maria de la Cruz
// Jr." (first word first, the rest last, titles dropped).
func splitName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	if l, f, ok := strings.Cut(full, ","); ok && !strings.Contains(strings.TrimSpace(f), ",") {
		f = strings.TrimSpace(f)
		if !isSuffix(f) {
			return f, strings.TrimSpace(l)
		}
	}
	words := strings.Fields(full)
	for len(words) > 1 && honorifics[strings.ToLower(strings.TrimSuffix(words[0], "."))] {
		words = words[1:]
	}
	if len(words) == 1 {
		return words[0], ""
	}
	return words[0], strings.Join(words[1:], " ")
}

func isSuffix(s string) bool {
	switch strings.ToLower(strings.TrimSuffix(s, ".")) {
	case "jr", "sr", "ii", "iii", "iv", "phd", "md", "esq":
		return true
	}
	return false
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

var dateLayouts = []string{"2006-01-02", "01/02/2006", "1/2/2006", "01/02/06", "1/2/06", "2006/01/02", "Jan 2, 2006", "January 2, 2006",
	"2 Jan 2006", "2 January 2006", "Jan 2 2006", "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05"}

// parseDate reads a date as contact apps write it; a month and day without
// a year is an anniversary with no year.
func parseDate(v string) (rapport.Anniversary, error) {
	if a, err := rapport.ParseAnniversary(v); err == nil {
		return a, nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return rapport.Anniversary{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
		}
	}
	for _, l := range []string{"01/02", "1/2", "Jan 2", "January 2"} {
		if t, err := time.Parse(l, v); err == nil {
			return rapport.Anniversary{Month: t.Month(), Day: t.Day()}, nil
		}
	}
	return rapport.Anniversary{}, fmt.Errorf("bad date %q", v)
}

// parseNumber reads "1,234", "$12.5M", "950K".
func parseNumber(v string) (float64, error) {
	s := strings.ToUpper(strings.NewReplacer(",", "", "$", "", " ", "").Replace(v))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "K"):
		mult, s = 1e3, strings.TrimSuffix(s, "K")
	}
	f, err := strconv.ParseFloat(s, 64)
	return f * mult, err
}
