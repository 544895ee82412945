package importer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

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
			if err != nil || y < 1950 || y > c.now.Year()+1 {
				problem(col, v, "%q is not a year", v)
				continue
			}
			p.LicenceYear = y
		case Units12m, ListUnits, SellUnits:
			n, err := parseNumber(v)
			if err != nil || n < 0 || n > 100000 {
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
			if err != nil || n < 0 {
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
			if err != nil || n < 1 || n > 1_000_000 {
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
	if p.FirstName == "" && p.LastName == "" {
		switch {
		case len(p.Emails) > 0:
			p.FirstName = strings.SplitN(p.Emails[0].Address, "@", 2)[0]
		case len(p.Phones) > 0:
			p.FirstName = phone.Display(p.Phones[0].Number, "US")
		case p.MLSID != "":
			p.FirstName = "MLS " + p.MLSID
		default:
			r.skip("no name, email, phone or MLS id — row skipped")
			return r
		}
		r.Unnamed = true
		r.Problems = append(r.Problems, Problem{Line: rec.Line, Reason: "no name; imported as " + p.FirstName})
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

// freeText are the fields a value with a stray delimiter in it can
// belong to: the ones people write sentences and lists in.
var freeText = map[Field]bool{Ignore: true, Street: true, FullAddress: true, Notes: true, Tags: true, Brokerage: true, Office: true,
	JobTitle: true, Hobby: true}

// fit checks that a row has no more cells than the header has columns.
// A row with one cell too many (a comma in an unquoted value) is put
// right when exactly one way of joining two neighbouring cells, in a
// column that takes free text, gives every column a value it can hold;
// otherwise it is refused, never shifted into the wrong fields. why says
// what was done or why it was refused.
func (c *Converter) fit(fields []string) (fitted []string, why string, ok bool) {
	n := len(fields)
	for n > len(c.header) && strings.TrimSpace(fields[n-1]) == "" {
		n--
	}
	if n <= len(c.header) {
		return fields, "", true
	}
	refuse := fmt.Sprintf("%d cells where the header has %d columns (a comma in a value without quotes?); row not imported — quote the value and import the row again",
		n, len(c.header))
	if n > len(c.header)+1 {
		return nil, refuse, false
	}
	var found []string
	at := -1
	for _, col := range c.m.Columns {
		j := col.Index
		if !freeText[col.Field] || j+1 >= n {
			continue
		}
		joined := make([]string, 0, n-1)
		joined = append(joined, fields[:j]...)
		joined = append(joined, fields[j]+string(c.delim)+fields[j+1])
		joined = append(joined, fields[j+2:n]...)
		if c.shapesFit(joined) {
			if found != nil {
				return nil, refuse, false // more than one way: no way to know
			}
			found, at = joined, j
		}
	}
	if found == nil {
		return nil, refuse, false
	}
	return found, fmt.Sprintf("one cell more than the header has columns: %q and %q joined in %s (quote values with commas in them)",
		strings.TrimSpace(fields[at]), strings.TrimSpace(fields[at+1]), c.header[at]), true
}

// shapesFit reports whether every cell of a row holds a value its column
// can: an email where an email goes, a date where a date goes, a state
// that is a word.
func (c *Converter) shapesFit(fields []string) bool {
	for _, col := range c.m.Columns {
		v := cell(fields, col.Index)
		if v == "" {
			continue
		}
		ok := true
		switch col.Field {
		case EmailF:
			for _, e := range splitList(v) {
				_, err := rapport.NormalizeEmail(e)
				ok = ok && err == nil
			}
		case PhoneF:
			for _, raw := range splitPhones(v) {
				_, err := c.phones.Normalize(raw)
				ok = ok && err == nil
			}
		case PostalCode:
			ok = len(v) <= 10 && strings.ContainsAny(v, "0123456789") && strings.Trim(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz -") == ""
		case State, Country, City:
			ok = len(v) <= 40 && !strings.ContainsAny(v, "0123456789@"+string(c.delim))
		case FirstName, LastName, FullName, MiddleName:
			ok = !strings.ContainsAny(v, "0123456789@")
		case Birthday, HomeDate, Anniversary:
			_, err := parseDate(v)
			ok = err == nil
		case Units12m, ListUnits, SellUnits, Volume12m, Rank, LicenceYear, CadenceDays:
			_, err := parseNumber(v)
			ok = err == nil
		case DoNotCall:
			_, ok = doNotCall(v)
		case KindF:
			_, ok = kindFrom(v)
		case TimeZone:
			ok = rapport.ValidTZ(v) == nil
		}
		if !ok {
			return false
		}
	}
	return true
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

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, ",")
	return strings.TrimSpace(s)
}

// placeholderEmail reports whether an address is one a CRM made up for a
// lead without one (CINC's noemail-import-…@cincimport.com and the like):
// matching people by it would merge strangers.
func placeholderEmail(addr string) bool {
	local, domain, _ := strings.Cut(addr, "@")
	switch domain {
	case "cincimport.com", "noemail.com", "no-email.com", "noemail.invalid", "example.invalid", "none.com", "nomail.com":
		return true
	}
	for _, p := range []string{"noemail", "no-email", "no_email", "nomail", "none", "unknown", "donotreply", "noreply"} {
		if local == p || strings.HasPrefix(local, p+"-") || strings.HasPrefix(local, p+"+") || strings.HasPrefix(local, p+".") {
			return true
		}
	}
	return false
}

// notAPhone reports whether a phone label says the number is no way to
// talk to the person: a fax, a pager, an assistant's line.
func notAPhone(label string) bool {
	for _, w := range []string{"fax", "pager", "telex", "isdn", "tty", "assistant"} {
		if strings.Contains(label, w) {
			return true
		}
	}
	return false
}

// phoneLabel reads the labels contact apps write ("Mobile", "iPhone",
// "Cell", "Business").
func phoneLabel(l string) string {
	switch l = strings.ToLower(strings.TrimSpace(l)); l {
	case "cell", "iphone", "mobile phone", "cell phone", "cellular":
		return "mobile"
	case "business", "office", "work phone", "direct":
		return "work"
	case "home phone":
		return "home"
	}
	return l
}

func emailLabel(l string) string {
	switch l = strings.ToLower(strings.TrimSpace(l)); l {
	case "business", "office":
		return "work"
	case "internet", "smtp", "pref":
		return ""
	}
	return l
}

// relationKind reads a relation's label (Google's "Relation 1 - Label",
// Apple's X-ABRelatedNames, vCard 4's RELATED;TYPE=).
func relationKind(label string) string {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "spouse", "partner", "wife", "husband", "domestic partner", "domestic_partner", "fiance", "fiancé", "fiancee", "fiancée":
		return "spouse"
	case "child", "son", "daughter", "kid", "children":
		return "child"
	case "mother", "father", "parent", "brother", "sister", "sibling", "relative", "grandmother", "grandfather",
		"grandparent", "grandchild", "aunt", "uncle", "cousin", "niece", "nephew", "kin", "mom", "dad", "stepmother", "stepfather":
		return "family"
	case "referred by", "referred_by", "referrer":
		return "referred by"
	}
	return ""
}

// eventField reads a dated event's label (Google's "Event 1 - Label").
func eventField(label string) Field {
	l := strings.ToLower(strings.TrimSpace(label))
	switch {
	case l == "anniversary" || strings.Contains(l, "wedding"):
		return Anniversary
	case l == "birthday":
		return Birthday
	case strings.Contains(l, "home") || strings.Contains(l, "closing") || strings.Contains(l, "purchase"):
		return HomeDate
	}
	return Ignore
}

func capitalize(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// doNotCall reads a do-not-call or opt-out cell: what CRMs write for a
// number on the do-not-call list (DNC, Yes, Opted Out…) and for one that
// is not (No, Clear, Callable…).
func doNotCall(v string) (dnc, ok bool) {
	switch strings.ToLower(strings.Join(strings.Fields(strings.NewReplacer("-", " ", "_", " ").Replace(v)), " ")) {
	case "1", "y", "yes", "true", "x", "dnc", "do not call", "on dnc", "on dnc list", "opted out", "opt out", "optout", "out",
		"unsubscribed", "blocked", "federal dnc", "state dnc", "national dnc", "internal dnc", "dnc list", "litigator",
		"do not contact", "do not text", "stop":
		return true, true
	case "0", "n", "no", "false", "clear", "ok", "callable", "not dnc", "not on dnc", "subscribed", "opted in", "opt in",
		"none", "valid", "allowed", "can call":
		return false, true
	}
	return false, false
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
		case "mycontacts", "my contacts", "starred", "":
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

// dateLayouts are the dates contact apps and CRMs write: ISO, the US
// month first with slashes, Europe's day first with dots, and in words.
var dateLayouts = []string{"2006-01-02", "01/02/2006", "1/2/2006", "01/02/06", "1/2/06", "2006/01/02", "02.01.2006", "2.1.2006",
	"02.01.06", "Jan 2, 2006", "January 2, 2006", "2 Jan 2006", "02 Jan 2006", "2 January 2006", "Jan 2 2006",
	"2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05", "01/02/2006 3:04 PM", "1/2/2006 3:04 PM", "1/2/2006 15:04"}

// parseDate reads a date as contact apps write it; a month and day without
// a year is an anniversary with no year.
func parseDate(v string) (rapport.Anniversary, error) {
	if strings.Trim(v, "0/-. ") == "" {
		// Outlook writes 0/0/00 for no date.
		return rapport.Anniversary{}, nil
	}
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
