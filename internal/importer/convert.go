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
// are described in Problems; they, and every value no field holds, are in
// Kept, kept with the person as the row was (Cells, or Original for a
// vCard). A row with nothing to know the person by is Skip.
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
	// Unnamed says the person's name was made up from their email or
	// phone, for want of one.
	Unnamed bool
	// ReferredBy names the person who referred them.
	ReferredBy string
	Facts      []rapport.Fact
	Kept       []rapport.KeptValue
	Cells      []string
	Original   string
}

// Converter turns records into rows for one mapping.
type Converter struct {
	m      Mapping
	header []string
	kind   rapport.Kind
	phones *phone.Normalizer
	region string
	// delim is the file's delimiter, to join cells a stray one split.
	delim rune
	now   time.Time
	pairs map[string]int // pair key -> type or label column index
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
	c := &Converter{m: m, kind: kind, phones: phone.NewNormalizer(region), region: strings.ToUpper(region), delim: ',', now: now,
		pairs: map[string]int{}}
	for _, col := range m.Columns {
		c.header = append(c.header, col.Name)
		switch col.Field {
		case PhoneType, EmailType, RelationLabel, EventLabel:
			if col.Pair != "" {
				c.pairs[col.Pair] = col.Index
			}
		}
	}
	return c
}

// SetDelimiter says what separates the file's cells (a comma unless said).
func (c *Converter) SetDelimiter(d rune) { c.delim = d }

// Header is the file's header, as the mapping names its columns.
func (c *Converter) Header() []string { return c.header }

func cell(fields []string, i int) string {
	if i < len(fields) {
		return strings.TrimSpace(fields[i])
	}
	return ""
}

// label is the label a pair's type column gives a value, or the column's
// own.
func (c *Converter) label(col Column, fields []string) string {
	if t, ok := c.pairs[col.Pair]; ok && col.Pair != "" {
		if l := strings.ToLower(strings.Trim(cell(fields, t), "* ")); l != "" {
			return l
		}
	}
	return col.Label
}

// Convert reads one record.
func (c *Converter) Convert(rec Record) Row {
	r := Row{Line: rec.Line, Person: rapport.Person{Kind: c.kind}, Cells: rec.Fields}
	p := &r.Person
	if c.m.Preset == "rapport" {
		// Our own export wrote formula-like cells with an apostrophe.
		fields := make([]string, len(rec.Fields))
		for i, f := range rec.Fields {
			fields[i] = unneutralize(f)
		}
		rec.Fields = fields
	}
	if fitted, why, ok := c.fit(rec.Fields); !ok {
		r.skip(why)
		return r
	} else if why != "" {
		r.Problems = append(r.Problems, Problem{Line: rec.Line, Reason: why})
		rec.Fields = fitted
	}
	keep := func(col Column, v, why string) {
		r.Kept = append(r.Kept, rapport.KeptValue{Name: col.Name, Value: v, Why: why})
	}
	problem := func(col Column, v, format string, args ...any) {
		why := fmt.Sprintf(format, args...)
		r.Problems = append(r.Problems, Problem{Line: rec.Line, Column: col.Name, Reason: why + " — kept as imported"})
		keep(col, v, why)
	}
	// set fills a one-value field; a second column with another value for
	// it is kept.
	set := func(col Column, dst *string, v string) {
		switch {
		case *dst == "":
			*dst = v
		case !strings.EqualFold(*dst, v):
			keep(col, v, "another column gave "+*dst)
		}
	}
	join := func(dst *string, v, sep string) {
		if *dst != "" {
			*dst += sep
		}
		*dst += v
	}
	for _, i := range rec.Cleaned {
		name := "(column " + strconv.Itoa(i+1) + ")"
		if i < len(c.header) {
			name = c.header[i]
		}
		r.Problems = append(r.Problems, Problem{Line: rec.Line, Column: name, Reason: "control characters (a NUL or the like) removed"})
	}
	var full, middle, suffix, spouse string
	var addrs addresses
	var spouseInfo, children []string
	var listUnits, sellUnits int
	for _, col := range c.m.Columns {
		v := cell(rec.Fields, col.Index)
		if v == "" || col.Noise == "*" || (col.Noise != "" && strings.EqualFold(v, col.Noise)) {
			continue
		}
		switch col.Field {
		case Ignore:
			keep(col, v, rapport.WhyNoField)
		case PhoneType, EmailType, RelationLabel, EventLabel:
			if _, ok := c.pairs[col.Pair]; !ok || col.Pair == "" {
				keep(col, v, rapport.WhyNoField)
			}
			// Otherwise read with the value it labels.
		case FirstName:
			set(col, &p.FirstName, v)
		case LastName:
			set(col, &p.LastName, v)
		case MiddleName:
			set(col, &middle, v)
		case NameSuffix:
			set(col, &suffix, v)
		case FullName:
			set(col, &full, v)
		case Nickname:
			r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactPreference, Text: "Goes by " + v})
		case EmailF:
			label := c.label(col, rec.Fields)
			for _, e := range splitList(v) {
				addr, err := rapport.NormalizeEmail(e)
				if err != nil {
					problem(col, e, "%s", strings.TrimSuffix(rapport.ErrorMessage(err), "."))
					continue
				}
				if placeholderEmail(addr) {
					problem(col, e, "%s is a CRM's placeholder, not an address", addr)
					continue
				}
				switch {
				case hasEmail(p.Emails, addr):
				case len(p.Emails) >= rapport.MaxEmails:
					keep(col, e, fmt.Sprintf("no room: a person keeps %d addresses", rapport.MaxEmails))
				default:
					p.Emails = append(p.Emails, rapport.Email{Address: addr, Label: emailLabel(label)})
				}
			}
		case PhoneF:
			label := c.label(col, rec.Fields)
			if notAPhone(label) {
				// A fax or a pager is no way to talk to them.
				keep(col, v, label)
				continue
			}
			for _, raw := range splitPhones(v) {
				n, err := c.phones.Normalize(raw)
				if err != nil {
					problem(col, raw, "%s", strings.TrimSuffix(err.Error(), "."))
					continue
				}
				switch {
				case hasPhone(p.Phones, n):
				case len(p.Phones) >= rapport.MaxPhones:
					keep(col, raw, fmt.Sprintf("no room: a person keeps %d numbers", rapport.MaxPhones))
				default:
					p.Phones = append(p.Phones, rapport.Phone{Number: n, Label: phoneLabel(label)})
				}
			}
		case Street, City, State, PostalCode, Country, FullAddress:
			a := addrs.group(col.Group)
			a.cols = append(a.cols, colValue{col, v})
			switch col.Field {
			case Street:
				join(&a.street, v, ", ")
			case City:
				set(col, &a.city, v)
			case State:
				set(col, &a.state, v)
			case PostalCode:
				set(col, &a.postal, v)
			case Country:
				set(col, &a.country, v)
			default:
				set(col, &a.full, v)
			}
		case Source:
			set(col, &p.Source, v)
		case Tags:
			p.Tags = append(p.Tags, splitTags(v)...)
		case Notes:
			join(&p.Notes, v, "\n")
		case KindF:
			k, ok := kindFrom(v)
			if !ok {
				problem(col, v, "%q is not a kind Rapport knows (lead, client, sphere, recruit); imported as %s", v, c.kind)
				continue
			}
			p.Kind = k
			if !strings.EqualFold(v, string(k)) && !strings.EqualFold(v, string(k)+"s") {
				keep(col, v, "read as "+string(k)) // "Seller", "Past client": more than the kind says
			}
		case StageF:
			set(col, &r.Stage, v)
		case OwnerF:
			set(col, &r.Owner, v)
		case Birthday, HomeDate, Anniversary:
			a, err := parseDate(v)
			if err != nil {
				problem(col, v, "%q is not a date we can read", v)
				continue
			}
			if a.IsZero() {
				continue // Outlook's 0/0/00: no date
			}
			c.setDate(&r, col, col.Field, a, keep)
		case Spouse:
			join(&spouse, v, " ") // Spouse First Name, Spouse Last Name
		case SpouseInfo:
			spouseInfo = append(spouseInfo, v)
		case Children:
			children = append(children, v)
		case JobTitle:
			if honorifics[strings.ToLower(strings.TrimSuffix(v, "."))] {
				keep(col, v, "a title before the name")
				continue
			}
			r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactOther, Text: "Job title: " + v})
		case Hobby:
			r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactInterest, Text: v})
		case ReferredBy:
			set(col, &r.ReferredBy, v)
		case Relation:
			label := c.label(col, rec.Fields)
			switch relationKind(label) {
			case "spouse":
				set(col, &spouse, v)
			case "child":
				children = append(children, v)
			case "family":
				r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: capitalize(label) + ": " + v})
			case "referred by":
				set(col, &r.ReferredBy, v)
			default:
				keep(col, v, label)
			}
		case Event:
			label := c.label(col, rec.Fields)
			a, err := parseDate(v)
			if err != nil {
				problem(col, v, "%q is not a date we can read", v)
				continue
			}
			if f := eventField(label); f != Ignore {
				c.setDate(&r, col, f, a, keep)
			} else {
				keep(col, v, label)
			}
		case Brokerage:
			set(col, &p.Brokerage, v)
		case Office:
			set(col, &p.Office, v)
		case LicenceYear:
			y, err := strconv.Atoi(v)
			if err != nil || !rapport.ValidLicenceYear(y, c.now) {
				problem(col, v, "%q is not a year", v)
				continue
			}
			p.LicenceYear = y
		case Units12m, ListUnits, SellUnits:
			n, err := parseNumber(v)
			if err != nil || !rapport.ValidUnits12m(n) {
				problem(col, v, "%q is not a number of transactions", v)
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
			if err != nil || !rapport.ValidVolume12m(n) {
				problem(col, v, "%q is not an amount", v)
				continue
			}
			p.Volume12m = int64(n)
		case MLSID:
			set(col, &p.MLSID, v)
		case OfficeMLSID:
			set(col, &r.OfficeMLSID, v)
		case Rank:
			n, err := parseNumber(v)
			if err != nil || !rapport.ValidRank(n) {
				problem(col, v, "%q is not a rank", v)
				continue
			}
			r.Rank = int(n)
		case DoNotCall:
			dnc, ok := doNotCall(v)
			if !ok {
				problem(col, v, "%q is not yes or no", v)
				continue
			}
			p.DoNotCall = p.DoNotCall || dnc
		case TimeZone:
			if err := rapport.ValidTZ(v); err != nil {
				problem(col, v, "%s", strings.TrimSuffix(rapport.ErrorMessage(err), "."))
				continue
			}
			set(col, &p.TZ, v)
		case CadenceDays:
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 3650 {
				problem(col, v, "%q is not a number of days", v)
				continue
			}
			p.CadenceDays = n
		}
	}
	for i := len(c.header); i < len(rec.Fields); i++ {
		if v := strings.TrimSpace(rec.Fields[i]); v != "" {
			r.Kept = append(r.Kept, rapport.KeptValue{Name: "(column " + strconv.Itoa(i+1) + ")", Value: v, Why: "beyond the header"})
		}
	}
	p.ListUnits12m, p.SellUnits12m = listUnits, sellUnits
	if p.Units12m == 0 && listUnits+sellUnits > 0 {
		p.Units12m = listUnits + sellUnits
	}
	if p.FirstName == "" && p.LastName == "" && full != "" {
		var title string
		p.FirstName, p.LastName, title = splitName(full)
		if title != "" {
			r.Kept = append(r.Kept, rapport.KeptValue{Name: c.nameOf(FullName), Value: full, Why: "a title before the name"})
		}
	} else if full != "" && !strings.EqualFold(full, strings.TrimSpace(p.FirstName+" "+p.LastName)) &&
		!strings.EqualFold(full, strings.TrimSpace(p.FirstName+" "+middle+" "+p.LastName)) {
		r.Kept = append(r.Kept, rapport.KeptValue{Name: c.nameOf(FullName), Value: full, Why: "the name columns gave " + p.FirstName + " " + p.LastName})
	}
	if middle != "" && p.FirstName != "" {
		p.FirstName += " " + middle
	}
	if suffix != "" {
		r.Kept = append(r.Kept, rapport.KeptValue{Name: c.nameOf(NameSuffix), Value: suffix, Why: "after the name"})
	}
	if spouse != "" || len(spouseInfo) > 0 {
		text := "Spouse: " + spouse
		if len(spouseInfo) > 0 {
			if spouse != "" {
				text += " (" + strings.Join(spouseInfo, ", ") + ")"
			} else {
				text += strings.Join(spouseInfo, ", ")
			}
		}
		r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: text})
	}
	if len(children) > 0 {
		r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: "Children: " + strings.Join(children, ", ")})
	}
	c.placeAddress(&r, addrs)
	if p.FirstName == "" && p.LastName == "" && p.Brokerage != "" && p.MLSID == "" {
		// A company's row (a title company, a lender) names no one.
		r.skip(fmt.Sprintf("an organisation (%s), not a person — row skipped", p.Brokerage))
		return r
	}
	if !r.nameUnnamed(c.region, "no name, email, phone or MLS id — row skipped") {
		return r
	}
	p.Normalize()
	if len(p.FirstName) > 100 || len(p.LastName) > 100 {
		r.skip("a name longer than 100 characters — row skipped")
	}
	return r
}

// skip leaves the row out, saying why; what its problems said would be
// kept is not imported either.
func (r *Row) skip(why string) {
	r.Skip = true
	for i := range r.Problems {
		r.Problems[i].Reason = strings.TrimSuffix(r.Problems[i].Reason, " — kept as imported") + " — not imported"
	}
	r.Problems = append(r.Problems, Problem{Line: r.Line, Reason: why})
}

// setDate puts a date where its field says: a birthday and a home
// anniversary are the person's, a wedding anniversary is a family fact.
func (c *Converter) setDate(r *Row, col Column, f Field, a rapport.Anniversary, keep func(Column, string, string)) {
	p := &r.Person
	switch f {
	case Birthday, HomeDate:
		dst := &p.Birthday
		if f == HomeDate {
			dst = &p.HomeAnniversary
		}
		if !dst.IsZero() && *dst != a {
			keep(col, a.String(), "another column gave "+dst.String())
			return
		}
		*dst = a
	case Anniversary:
		r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: "Wedding anniversary: " + a.Display()})
	}
}

// nameOf is the header of the first column mapped to f.
func (c *Converter) nameOf(f Field) string {
	for _, col := range c.m.Columns {
		if col.Field == f {
			return col.Name
		}
	}
	return f.Label()
}
