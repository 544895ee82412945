package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// typeLabel is the label a phone or email's TYPE parameters, or its
// Apple label, give it.
func typeLabel(p vprop, labels map[string]string) string {
	if l, ok := labels[p.group]; ok && p.group != "" {
		return l
	}
	for _, t := range p.types() {
		switch t {
		case "cell", "mobile", "iphone":
			return "mobile"
		case "home", "work", "fax", "main", "pager", "other":
			return t
		}
	}
	return ""
}

// structural properties describe the card, not the person: nothing of
// them is kept. Pictures, sounds and keys are not imported.
var structural = map[string]bool{"VERSION": true, "PRODID": true, "REV": true, "UID": true, "X-ABUID": true, "CLIENTPIDMAP": true,
	"X-ABLABEL": true, "X-ABSHOWAS": true, "X-MS-OL-DEFAULT-POSTAL-ADDRESS": true, "X-MS-CARDPICTURE": true, "MAILER": true,
	"SORT-STRING": true, "X-ABADR": true, "X-ADDRESSING-GRAMMAR": true, "X-IMAGETYPE": true, "X-IMAGEHASH": true,
	"X-SHAREDPHOTODISPLAYPREF": true, "X-ABPERSONFLAGS": true, "X-EVOLUTION-FILE-AS": true, "X-MS-OL-DESIGN": true, "KIND": true,
	"X-ADDRESSBOOKSERVER-KIND": true, "PROFILE": true, "NAME": true, "PHOTO": true, "LOGO": true, "SOUND": true, "KEY": true,
	"X-ABPHOTO": true, "X-WAB-GENDER": false, "X-MS-IMADDRESS": false, "X-ANDROID-CUSTOM": false, "SOURCE": true, "XML": true}

// cardKind says what a card is: a person, or a group, an organisation or
// a place (vCard 4's KIND, Apple's group and company cards).
func cardKind(card []vprop) string {
	for _, v := range card {
		switch v.name {
		case "KIND", "X-ADDRESSBOOKSERVER-KIND":
			if k := strings.ToLower(strings.TrimSpace(v.value)); k != "individual" && k != "" {
				return k
			}
		case "X-ABSHOWAS":
			if strings.EqualFold(strings.TrimSpace(v.value), "COMPANY") {
				return "org"
			}
		}
	}
	return "individual"
}

// cardText writes the card back out, decoded, for the record kept with
// the person (pictures left out).
func cardText(card []vprop) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCARD\n")
	for _, v := range card {
		if structural[v.name] && v.name != "VERSION" && v.name != "X-ABLABEL" {
			continue
		}
		head := v.head
		// The value is decoded now: drop what said how it was encoded.
		if v.qp || len(v.params["CHARSET"]) > 0 {
			parts := strings.Split(head, ";")
			kept := parts[:1]
			for _, p := range parts[1:] {
				u := strings.ToUpper(p)
				if strings.HasPrefix(u, "ENCODING=") || strings.HasPrefix(u, "CHARSET=") || u == "QUOTED-PRINTABLE" {
					continue
				}
				kept = append(kept, p)
			}
			head = strings.Join(kept, ";")
		}
		b.WriteString(head + ":" + strings.ReplaceAll(v.value, "\n", `\n`) + "\n")
	}
	b.WriteString("END:VCARD")
	return b.String()
}

// cardRow turns one card into a row (region is the organisation's, for
// writing a phone as its name); a card that is not a person (a
// group, an organisation, a place) is a skipped row saying so.
func cardRow(card []vprop, line int, phones *phone.Normalizer, region string, kind rapport.Kind, uids map[string]string) (Row, bool) {
	r := Row{Line: line, Person: rapport.Person{Kind: kind}, Original: cardText(card)}
	p := &r.Person
	if k := cardKind(card); k != "individual" {
		what := map[string]string{"group": "a group", "org": "an organisation", "organization": "an organisation",
			"location": "a place"}[k]
		if what == "" {
			what = "a " + k
		}
		r.Skip = true
		r.Problems = append(r.Problems, Problem{Line: line, Reason: fmt.Sprintf("%s card (%s), not a person — skipped", what, cardName(card))})
		return r, false
	}
	keep := func(v vprop, value, why string) {
		r.Kept = append(r.Kept, rapport.KeptValue{Name: v.name, Value: value, Why: why})
	}
	problem := func(v vprop, value, format string, args ...any) {
		why := fmt.Sprintf(format, args...)
		r.Problems = append(r.Problems, Problem{Line: v.line, Column: v.name, Reason: why + " — kept as imported"})
		keep(v, value, why)
	}
	// Apple's exports label numbers, dates and related names in a separate
	// property of the same group: "item1.TEL:…" with
	// "item1.X-ABLabel:_$!<Mobile>!$_".
	labels := map[string]string{}
	for _, v := range card {
		if v.name == "X-ABLABEL" && v.group != "" {
			l := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(unescape(v.value), "_$!<"), ">!$_"))
			if l == "iphone" || l == "cell" {
				l = "mobile"
			}
			labels[v.group] = l
		}
	}
	hasADR := false
	for _, v := range card {
		hasADR = hasADR || v.name == "ADR"
	}
	var fn, prefix, spouse string
	var children []string
	var emailPref []int
	for _, v := range card {
		val := strings.TrimSpace(unescape(v.value))
		if structural[v.name] {
			continue
		}
		if v.cleaned {
			r.Problems = append(r.Problems, Problem{Line: v.line, Column: v.name, Reason: "control characters (a NUL or the like) removed"})
		}
		if val == "" && v.name != "N" && v.name != "ADR" && v.name != "ORG" {
			continue
		}
		switch v.name {
		case "FN":
			fn = val
		case "N":
			parts := splitStructured(v.value)
			for len(parts) < 5 {
				parts = append(parts, "")
			}
			p.LastName = strings.TrimSpace(parts[0])
			p.FirstName = strings.TrimSpace(strings.Join(nonBlank(parts[1], parts[2]), " "))
			prefix = strings.TrimSpace(parts[3])
			if suffix := strings.TrimSpace(parts[4]); suffix != "" {
				keep(v, suffix, "after the name")
			}
		case "NICKNAME":
			for _, n := range splitList(val) {
				r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactPreference, Text: "Goes by " + n})
			}
		case "EMAIL":
			addr, err := rapport.NormalizeEmail(val)
			if err != nil {
				problem(v, val, "%s", strings.TrimSuffix(rapport.ErrorMessage(err), "."))
				continue
			}
			if hasEmail(p.Emails, addr) {
				continue
			}
			if len(p.Emails) >= rapport.MaxEmails {
				keep(v, val, fmt.Sprintf("no room: a person keeps %d addresses", rapport.MaxEmails))
				continue
			}
			p.Emails = append(p.Emails, rapport.Email{Address: addr, Label: emailLabel(typeLabel(v, labels))})
			emailPref = append(emailPref, v.pref())
		case "TEL":
			label := typeLabel(v, labels)
			if notAPhone(label) || v.hasType("fax", "pager", "textphone") {
				keep(v, val, "not a number to call")
				continue
			}
			raw := strings.TrimPrefix(strings.TrimPrefix(val, "tel:"), "TEL:")
			if i := strings.IndexAny(raw, ";"); i >= 0 {
				keep(v, val, "the number's extension") // tel:+1-555-555-0100;ext=2
				raw = raw[:i]
			}
			n, err := phones.Normalize(raw)
			if err != nil {
				problem(v, val, "%s", strings.TrimSuffix(err.Error(), "."))
				continue
			}
			switch {
			case hasPhone(p.Phones, n):
			case len(p.Phones) >= rapport.MaxPhones:
				keep(v, val, fmt.Sprintf("no room: a person keeps %d numbers", rapport.MaxPhones))
			default:
				p.Phones = append(p.Phones, rapport.Phone{Number: n, Label: phoneLabel(label)})
			}
		case "ADR":
			parts := splitStructured(v.value)
			for len(parts) < 7 {
				parts = append(parts, "")
			}
			for i := range parts {
				parts[i] = strings.TrimSpace(parts[i])
			}
			street := strings.Join(nonBlank(parts[2], parts[1], parts[0]), ", ")
			if street == "" && parts[3] == "" && parts[5] == "" && parts[6] == "" {
				continue
			}
			if p.Street != "" || p.City != "" {
				keep(v, strings.Join(nonBlank(street, parts[3], strings.TrimSpace(parts[4]+" "+parts[5]), parts[6]), ", "), "another address")
				continue
			}
			p.Street, p.City, p.State, p.PostalCode, p.Country = street, parts[3], parts[4], parts[5], parts[6]
		case "LABEL":
			if !hasADR {
				keep(v, val, rapport.WhyNoField)
			}
		case "BDAY", "ANNIVERSARY", "X-ANNIVERSARY", "X-MS-ANNIVERSARY", "X-EVOLUTION-ANNIVERSARY", "X-ABDATE":
			f := Anniversary
			switch {
			case v.name == "BDAY":
				f = Birthday
			case v.name == "X-ABDATE":
				f = eventField(labels[v.group])
			}
			a, err := parseVDate(val)
			if err != nil {
				problem(v, val, "%q is not a date we can read", val)
				continue
			}
			if f == Ignore {
				keep(v, val, labels[v.group])
				continue
			}
			switch f {
			case Birthday:
				if p.Birthday.IsZero() {
					p.Birthday = a
				} else if p.Birthday != a {
					keep(v, val, "another birthday")
				}
			case HomeDate:
				if p.HomeAnniversary.IsZero() {
					p.HomeAnniversary = a
				}
			default:
				r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: "Wedding anniversary: " + a.Display()})
			}
		case "NOTE":
			if p.Notes != "" {
				p.Notes += "\n"
			}
			p.Notes += val
		case "ORG":
			parts := splitStructured(v.value)
			if org := strings.TrimSpace(parts[0]); org != "" {
				if p.Brokerage == "" {
					p.Brokerage = org
				} else {
					keep(v, org, "another organisation")
				}
			}
			if dept := strings.Join(nonBlank(parts[1:]...), ", "); dept != "" {
				keep(v, dept, "department")
			}
		case "TITLE":
			r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactOther, Text: "Job title: " + val})
		case "CATEGORIES":
			p.Tags = append(p.Tags, splitTags(val)...)
		case "TZ":
			if rapport.ValidTZ(val) == nil && p.TZ == "" {
				p.TZ = val
			} else {
				keep(v, val, rapport.WhyNoField)
			}
		case "X-ABRELATEDNAMES", "RELATED", "X-SPOUSE", "X-EVOLUTION-SPOUSE", "X-KADDRESSBOOK-X-SPOUSESNAME", "X-MS-SPOUSE",
			"X-CHILDREN", "X-MS-CHILD":
			label := labels[v.group]
			if label == "" {
				label = strings.Join(v.types(), ",")
			}
			switch v.name {
			case "X-SPOUSE", "X-EVOLUTION-SPOUSE", "X-KADDRESSBOOK-X-SPOUSESNAME", "X-MS-SPOUSE":
				label = "spouse"
			case "X-CHILDREN", "X-MS-CHILD":
				label = "child"
			}
			name := strings.TrimPrefix(val, "text:")
			if id, ok := strings.CutPrefix(name, "urn:uuid:"); ok && uids[id] != "" {
				name = uids[id]
			}
			switch relationKind(label) {
			case "spouse":
				if spouse == "" {
					spouse = name
				} else {
					keep(v, name, label)
				}
			case "child":
				children = append(children, name)
			case "family":
				r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: capitalize(label) + ": " + name})
			case "referred by":
				r.ReferredBy = name
			default:
				keep(v, name, label)
			}
		case "X-ANDROID-CUSTOM":
			if !androidCustom(&r, val) {
				keep(v, val, rapport.WhyNoField)
			}
		default:
			// A URL, a social profile, a custom field: kept as imported.
			why := labels[v.group]
			if why == "" {
				why = strings.Join(v.types(), ",")
			}
			keep(v, val, why)
		}
	}
	// The preferred address first (vCard 4's PREF=1, 2…; 3.0's
	// TYPE=pref), the rest as written.
	order := make([]int, len(p.Emails))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return emailPref[a] - emailPref[b] })
	sorted := make([]rapport.Email, len(p.Emails))
	for i, j := range order {
		sorted[i] = p.Emails[j]
	}
	p.Emails = sorted
	if spouse != "" {
		r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: "Spouse: " + spouse})
	}
	if len(children) > 0 {
		r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: "Children: " + strings.Join(children, ", ")})
	}
	if prefix != "" {
		r.Kept = append(r.Kept, rapport.KeptValue{Name: "N", Value: prefix, Why: "a title before the name"})
	}
	if p.FirstName == "" && p.LastName == "" && fn != "" {
		var title string
		if p.FirstName, p.LastName, title = splitName(fn); title != "" {
			r.Kept = append(r.Kept, rapport.KeptValue{Name: "FN", Value: fn, Why: "a title before the name"})
		}
	}
	if !r.nameUnnamed(region, "no name, email or phone — card skipped") {
		return r, false
	}
	p.Normalize()
	if len(p.FirstName) > 100 || len(p.LastName) > 100 {
		r.skip("a name longer than 100 characters — card skipped")
		return r, false
	}
	return r, true
}

// androidRelations are the relation types of Android's contacts
// (ContactsContract.CommonDataKinds.Relation), as labels.
var androidRelations = map[string]string{"1": "assistant", "2": "brother", "3": "child", "4": "domestic partner", "5": "father",
	"6": "friend", "7": "manager", "8": "mother", "9": "parent", "10": "partner", "11": "referred by", "12": "relative",
	"13": "sister", "14": "spouse"}

// androidCustom reads what Android's own export writes as
// X-ANDROID-CUSTOM: a nickname, a relation, a dated event. It reports
// whether it took the value.
func androidCustom(r *Row, val string) bool {
	parts := strings.Split(val, ";")
	if len(parts) < 2 || strings.TrimSpace(parts[1]) == "" {
		return false
	}
	data := strings.TrimSpace(parts[1])
	typ, custom := "", ""
	if len(parts) > 2 {
		typ = strings.TrimSpace(parts[2])
	}
	if len(parts) > 3 {
		custom = strings.TrimSpace(parts[3])
	}
	switch strings.TrimPrefix(parts[0], "vnd.android.cursor.item/") {
	case "nickname":
		r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactPreference, Text: "Goes by " + data})
		return true
	case "relation":
		label := androidRelations[typ]
		if typ == "0" {
			label = strings.ToLower(custom)
		}
		switch relationKind(label) {
		case "spouse":
			r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: "Spouse: " + data})
		case "child":
			r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: "Children: " + data})
		case "family":
			r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: capitalize(label) + ": " + data})
		case "referred by":
			r.ReferredBy = data
		default:
			return false
		}
		return true
	case "contact_event":
		a, err := parseVDate(data)
		if err != nil {
			return false
		}
		switch typ {
		case "1": // anniversary
			r.Facts = append(r.Facts, rapport.Fact{Type: rapport.FactFamily, Text: "Wedding anniversary: " + a.Display()})
		case "3": // birthday
			if !r.Person.Birthday.IsZero() {
				return r.Person.Birthday == a
			}
			r.Person.Birthday = a
		default:
			return false
		}
		return true
	}
	return false
}

// cardName names a card for the report: its FN, or its ORG.
func cardName(card []vprop) string {
	for _, name := range []string{"FN", "ORG", "N"} {
		for _, v := range card {
			if v.name == name {
				if s := strings.Trim(strings.TrimSpace(unescape(v.value)), ";"); s != "" {
					return s
				}
			}
		}
	}
	return "no name"
}

// parseVDate reads vCard dates: 1984-11-23, 19841123, --1123, --11-23,
// 1984-11-23T00:00:00Z, and Apple's 1604-11-23 for a date without a year.
func parseVDate(v string) (rapport.Anniversary, error) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, 'T'); i > 0 {
		v = v[:i]
	}
	if strings.HasPrefix(v, "--") && len(v) == 6 {
		v = "--" + v[2:4] + "-" + v[4:]
	}
	if len(v) == 8 && !strings.Contains(v, "-") {
		v = v[:4] + "-" + v[4:6] + "-" + v[6:]
	}
	if strings.HasPrefix(v, "1604-") {
		// Apple writes a birthday without a year in 1604.
		v = strings.TrimPrefix(v, "1604-")
	}
	return parseDate(v)
}
