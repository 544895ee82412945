package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// maxVCardLine bounds one unfolded vCard line (a photo is skipped whole).
const maxVCardLine = 1 << 20

// vprop is one vCard property: "item1.TEL;TYPE=CELL:+1 312 555 0142".
type vprop struct {
	group  string
	name   string
	params map[string][]string
	// head is the property as written before the colon.
	head  string
	value string
	line  int
	// raw is the value's bytes as read, until the property is complete:
	// folded lines and quoted-printable soft breaks are joined first, then
	// the value is decoded.
	raw []byte
	qp  bool
	// cleaned says control characters were dropped from the value.
	cleaned bool
}

// LooksLikeVCard reports whether the start of a file is a vCard file,
// whatever its encoding.
func LooksLikeVCard(head []byte) bool {
	dec, _ := textDecoder(head)
	if dec != nil {
		head, _, _ = transform.Bytes(dec.NewDecoder(), head[:len(head)&^1])
	}
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	return bytes.HasPrefix(bytes.ToUpper(bytes.TrimSpace(head)), []byte("BEGIN:VCARD"))
}

// textDecoder tells a UTF-16 file by its byte-order mark, or without one
// by the zero bytes of ASCII text; nil for anything else.
func textDecoder(head []byte) (encoding.Encoding, string) {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "UTF-16LE"
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "UTF-16BE"
	case len(head) >= 4 && head[0] != 0 && head[1] == 0 && head[2] != 0 && head[3] == 0:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "UTF-16LE"
	case len(head) >= 4 && head[0] == 0 && head[1] != 0 && head[2] == 0 && head[3] != 0:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), "UTF-16BE"
	}
	return nil, ""
}

// ParseVCards reads vCard 2.1, 3.0 and 4.0 — in UTF-8, UTF-16 or an 8-bit
// charset, quoted-printable or not, with the labels phones export as
// itemN.X-ABLabel — into rows, one per card that is a person. Every value
// of a card that no field holds is kept with the person; the card itself
// is the row's Original.
func ParseVCards(r io.Reader, region string, kind rapport.Kind, now time.Time) ([]Row, error) {
	if kind == "" {
		kind = rapport.KindSphere
	}
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(4)
	var src io.Reader = br
	if dec, _ := textDecoder(head); dec != nil {
		src = transform.NewReader(br, dec.NewDecoder())
	}
	phones := phone.NewNormalizer(region)
	sc := bufio.NewScanner(src)
	sc.Buffer(make([]byte, 64<<10), maxVCardLine)
	type parsed struct {
		props []vprop
		line  int
	}
	var cards []parsed
	var card []vprop
	inCard := false
	lineNo := 0
	var cur *vprop
	var startLine int
	flush := func() {
		if cur != nil {
			cur.finish()
			card = append(card, *cur)
			cur = nil
		}
	}
	for sc.Scan() {
		lineNo++
		line := bytes.TrimRight(sc.Bytes(), "\r")
		if lineNo == 1 {
			line = bytes.TrimPrefix(line, []byte("\xEF\xBB\xBF"))
		}
		if cur != nil && cur.qp && bytes.HasSuffix(cur.raw, []byte("=")) {
			// A quoted-printable soft line break: the value goes on.
			cur.raw = append(cur.raw[:len(cur.raw)-1], line...)
			continue
		}
		if cur != nil && len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			cur.raw = append(cur.raw, line[1:]...) // folded continuation
			continue
		}
		flush()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		p, ok := parseVProp(line)
		if !ok {
			if inCard {
				return nil, fmt.Errorf("line %d: %q is not a vCard property", lineNo, truncate(toUTF8(line, ""), 40))
			}
			continue
		}
		p.line = lineNo
		switch {
		case p.name == "BEGIN" && strings.EqualFold(strings.TrimSpace(string(p.raw)), "VCARD"):
			inCard, card, startLine = true, nil, lineNo
		case p.name == "END" && strings.EqualFold(strings.TrimSpace(string(p.raw)), "VCARD"):
			if !inCard {
				return nil, fmt.Errorf("line %d: END:VCARD without BEGIN:VCARD", lineNo)
			}
			cards = append(cards, parsed{card, startLine})
			inCard = false
		case inCard:
			cur = &p
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: a line longer than %d KB", lineNo+1, maxVCardLine>>10)
		}
		return nil, fmt.Errorf("line %d: %v", lineNo+1, err)
	}
	flush()
	if inCard {
		return nil, fmt.Errorf("line %d: the last card has no END:VCARD", lineNo)
	}
	if len(cards) == 0 {
		return nil, fmt.Errorf("no vCards found (a card starts with BEGIN:VCARD)")
	}
	// vCard 4 relates people by their UID ("RELATED;TYPE=spouse:
	// urn:uuid:…"): the name of a card of the same file stands in.
	names := map[string]string{}
	for _, c := range cards {
		for _, v := range c.props {
			if v.name == "UID" {
				names[strings.TrimPrefix(strings.TrimSpace(v.value), "urn:uuid:")] = cardName(c.props)
			}
		}
	}
	rows := make([]Row, 0, len(cards))
	for _, c := range cards {
		row, _ := cardRow(c.props, c.line, phones, kind, names) // a card that is no one is a skipped row, saying why
		rows = append(rows, row)
	}
	return rows, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		return s[:n] + "…"
	}
	return s
}

// parseVProp splits "group.NAME;PARAM=a,b;PARAM2=c:value". The value is
// left raw, to be decoded when the property is complete.
func parseVProp(line []byte) (vprop, bool) {
	colon := -1
	inQuote := false
	for i, c := range line {
		if c == '"' {
			inQuote = !inQuote
		}
		if c == ':' && !inQuote {
			colon = i
			break
		}
	}
	if colon <= 0 {
		return vprop{}, false
	}
	head := string(line[:colon])
	if !utf8.ValidString(head) {
		return vprop{}, false
	}
	parts := strings.Split(head, ";")
	p := vprop{params: map[string][]string{}, head: head, raw: append([]byte(nil), line[colon+1:]...)}
	name := parts[0]
	if g, n, ok := strings.Cut(name, "."); ok {
		p.group, name = strings.ToLower(g), n
	}
	p.name = strings.ToUpper(strings.TrimSpace(name))
	if p.name == "" || strings.ContainsAny(p.name, " \t\"") {
		return vprop{}, false
	}
	for _, param := range parts[1:] {
		k, v, ok := strings.Cut(param, "=")
		if !ok {
			// vCard 2.1: a bare type ("TEL;CELL:") or encoding.
			k, v = "TYPE", param
			switch strings.ToUpper(strings.TrimSpace(param)) {
			case "QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT":
				k = "ENCODING"
			}
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		for _, one := range strings.Split(strings.Trim(v, `"`), ",") {
			if one = strings.TrimSpace(one); one != "" {
				p.params[k] = append(p.params[k], one)
			}
		}
	}
	for _, e := range p.params["ENCODING"] {
		p.qp = p.qp || strings.EqualFold(e, "QUOTED-PRINTABLE")
	}
	return p, true
}

// finish decodes the complete value: quoted-printable to bytes, then the
// bytes from the charset the property names (or, without one, UTF-8 if
// they are valid UTF-8, otherwise Windows-1252, the usual 8-bit charset
// of old exporters), then control characters dropped.
func (p *vprop) finish() {
	raw := p.raw
	if p.qp {
		raw = decodeQP(raw)
	}
	charset := ""
	if cs := p.params["CHARSET"]; len(cs) > 0 {
		charset = cs[0]
	}
	text := toUTF8(raw, charset)
	p.value = cleanText(text)
	p.cleaned = len(p.value) != len(text)
	p.raw = nil
}

// toUTF8 decodes b from charset; text that is not what the charset says
// falls back to UTF-8, then Windows-1252, so that nothing stored is ever
// invalid UTF-8.
func toUTF8(b []byte, charset string) string {
	if charset != "" && !strings.EqualFold(charset, "utf-8") && !strings.EqualFold(charset, "utf8") {
		if enc, err := htmlindex.Get(charset); err == nil {
			if out, _, err := transform.Bytes(enc.NewDecoder(), b); err == nil && utf8.Valid(out) {
				return string(out)
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return string(fixUTF8(nil, b))
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

func decodeQP(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			if hi, ok := unhex(s[i+1]); ok {
				if lo, ok := unhex(s[i+2]); ok {
					out = append(out, hi<<4|lo)
					i += 2
					continue
				}
			}
		}
		out = append(out, s[i])
	}
	return out
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// unescape undoes vCard text escaping.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// splitStructured splits a structured value on unescaped semicolons.
func splitStructured(s string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			b.WriteByte(s[i])
			b.WriteByte(s[i+1])
			i++
		case s[i] == ';':
			out = append(out, unescape(b.String()))
			b.Reset()
		default:
			b.WriteByte(s[i])
		}
	}
	return append(out, unescape(b.String()))
}

// pref is the property's preference: 1 for the most preferred, 100 for
// none said.
func (p vprop) pref() int {
	if ps := p.params["PREF"]; len(ps) > 0 {
		if n, err := strconv.Atoi(ps[0]); err == nil && n > 0 {
			return n
		}
	}
	if p.hasType("pref") {
		return 1
	}
	return 100
}

func (p vprop) types() []string {
	var out []string
	for _, t := range p.params["TYPE"] {
		out = append(out, strings.ToLower(t))
	}
	return out
}

func (p vprop) hasType(ts ...string) bool {
	for _, t := range p.types() {
		for _, want := range ts {
			if t == want {
				return true
			}
		}
	}
	return false
}

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

// cardRow turns one card into a row; a card that is not a person (a
// group, an organisation, a place) is a skipped row saying so.
func cardRow(card []vprop, line int, phones *phone.Normalizer, kind rapport.Kind, uids map[string]string) (Row, bool) {
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
	if p.FirstName == "" && p.LastName == "" {
		switch {
		case len(p.Emails) > 0:
			p.FirstName = strings.SplitN(p.Emails[0].Address, "@", 2)[0]
		case len(p.Phones) > 0:
			p.FirstName = phone.Display(p.Phones[0].Number, "US")
		default:
			r.skip("no name, email or phone — card skipped")
			return r, false
		}
		r.Unnamed = true
		r.Problems = append(r.Problems, Problem{Line: line, Reason: "no name; imported as " + p.FirstName})
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

func nonBlank(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
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

// WriteVCard writes people as vCard 3.0, which every contact app reads.
func WriteVCard(w io.Writer, people []rapport.Person) error {
	bw := bufio.NewWriter(w)
	for i := range people {
		writeCard(bw, &people[i])
	}
	return bw.Flush()
}

func writeCard(w *bufio.Writer, p *rapport.Person) {
	line := func(s string) {
		// Fold at 75 octets, never inside a UTF-8 sequence.
		for len(s) > 75 {
			cut := 75
			for cut > 0 && s[cut]&0xC0 == 0x80 {
				cut--
			}
			w.WriteString(s[:cut] + "\r\n ")
			s = s[cut:]
		}
		w.WriteString(s + "\r\n")
	}
	line("BEGIN:VCARD")
	line("VERSION:3.0")
	line("FN:" + escape(p.Name()))
	line("N:" + escape(p.LastName) + ";" + escape(p.FirstName) + ";;;")
	for _, e := range p.Emails {
		t := "INTERNET"
		if l := typeParam(e.Label); l != "" {
			t += "," + l
		}
		line("EMAIL;TYPE=" + t + ":" + e.Address)
	}
	for _, ph := range p.Phones {
		t := "VOICE"
		switch ph.Label {
		case "mobile":
			t = "CELL"
		case "home", "work", "fax":
			t = strings.ToUpper(ph.Label)
		}
		line("TEL;TYPE=" + t + ":" + ph.Number)
	}
	if p.Street != "" || p.City != "" || p.PostalCode != "" {
		line("ADR;TYPE=HOME:;;" + escape(p.Street) + ";" + escape(p.City) + ";" + escape(p.State) + ";" + escape(p.PostalCode) + ";" + escape(p.Country))
	}
	if !p.Birthday.IsZero() {
		line("BDAY:" + vDate(p.Birthday))
	}
	if !p.HomeAnniversary.IsZero() {
		// Apple's way to write a dated event with a label, which Apple's
		// apps and Rapport read back.
		line("item1.X-ABDATE:" + vDate(p.HomeAnniversary))
		line("item1.X-ABLabel:Home purchase")
	}
	if p.Brokerage != "" {
		line("ORG:" + escape(p.Brokerage))
	}
	if len(p.Tags) > 0 {
		tags := make([]string, len(p.Tags))
		for i, t := range p.Tags {
			tags[i] = escape(t)
		}
		line("CATEGORIES:" + strings.Join(tags, ","))
	}
	if p.Notes != "" {
		line("NOTE:" + escape(p.Notes))
	}
	line("UID:rapport-" + fmt.Sprint(p.OrgID) + "-" + fmt.Sprint(p.ID))
	line("END:VCARD")
}

// vDate writes a date as vCard does: 1984-11-23, or --1123 without a
// year.
func vDate(a rapport.Anniversary) string {
	if a.Year == 0 {
		return "--" + strings.ReplaceAll(a.MonthDay(), "-", "")
	}
	return a.String()
}

// typeParam turns a label into a TYPE parameter value: letters, digits
// and hyphens only, so that no label can end the line or the parameter.
func typeParam(label string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		}
		return -1
	}, label)
}

func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", "", ",", `\,`, ";", `\;`).Replace(s)
}
