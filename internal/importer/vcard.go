package importer

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

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
	value  string
	line   int
}

// ParseVCards reads vCard 2.1, 3.0 and 4.0 — including the labels phones
// export as itemN.X-ABLabel — into rows, one per card.
func ParseVCards(r io.Reader, region string, kind rapport.Kind, now time.Time) ([]Row, error) {
	if kind == "" {
		kind = rapport.KindSphere
	}
	phones := phone.NewNormalizer(region)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxVCardLine)
	var rows []Row
	var card []vprop
	inCard := false
	lineNo := 0
	var cur *vprop
	var startLine int
	flush := func() {
		if cur != nil {
			card = append(card, *cur)
			cur = nil
		}
	}
	for sc.Scan() {
		lineNo++
		line := strings.TrimRight(sc.Text(), "\r")
		if lineNo == 1 {
			line = strings.TrimPrefix(line, "\uFEFF")
		}
		if (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) && cur != nil {
			cur.value += line[1:] // folded continuation
			continue
		}
		if cur != nil && strings.HasSuffix(cur.value, "=") && qp(cur) {
			cur.value = strings.TrimSuffix(cur.value, "=") + line // quoted-printable soft break
			continue
		}
		flush()
		if strings.TrimSpace(line) == "" {
			continue
		}
		p, ok := parseVProp(line)
		if !ok {
			if inCard {
				return nil, fmt.Errorf("line %d: %q is not a vCard property", lineNo, truncate(line, 40))
			}
			continue
		}
		p.line = lineNo
		switch {
		case p.name == "BEGIN" && strings.EqualFold(p.value, "VCARD"):
			inCard, card, startLine = true, nil, lineNo
		case p.name == "END" && strings.EqualFold(p.value, "VCARD"):
			if !inCard {
				return nil, fmt.Errorf("line %d: END:VCARD without BEGIN:VCARD", lineNo)
			}
			rows = append(rows, cardRow(card, startLine, phones, kind))
			inCard = false
		case inCard:
			cur = &p
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %v", lineNo+1, err)
	}
	flush()
	if inCard {
		return nil, fmt.Errorf("line %d: the last card has no END:VCARD", lineNo)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no vCards found (a card starts with BEGIN:VCARD)")
	}
	return rows, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func qp(p *vprop) bool {
	for _, e := range p.params["ENCODING"] {
		if strings.EqualFold(e, "QUOTED-PRINTABLE") {
			return true
		}
	}
	return false
}

// parseVProp splits "group.NAME;PARAM=a,b;PARAM2=c:value".
func parseVProp(line string) (vprop, bool) {
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
	head, value := line[:colon], line[colon+1:]
	parts := strings.Split(head, ";")
	p := vprop{params: map[string][]string{}, value: value}
	name := parts[0]
	if g, n, ok := strings.Cut(name, "."); ok {
		p.group, name = strings.ToLower(g), n
	}
	p.name = strings.ToUpper(strings.TrimSpace(name))
	if p.name == "" {
		return vprop{}, false
	}
	for _, param := range parts[1:] {
		k, v, ok := strings.Cut(param, "=")
		if !ok {
			// vCard 2.1: a bare type ("TEL;CELL:").
			k, v = "TYPE", param
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		for _, one := range strings.Split(strings.Trim(v, `"`), ",") {
			if one = strings.TrimSpace(one); one != "" {
				p.params[k] = append(p.params[k], one)
			}
		}
	}
	if qp(&p) {
		p.value = decodeQP(p.value)
	}
	return p, true
}

func decodeQP(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+3], "%02X", &c); err == nil {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
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

func typeLabel(p vprop, labels map[string]string) string {
	if l, ok := labels[p.group]; ok && p.group != "" {
		return l
	}
	for _, t := range p.params["TYPE"] {
		switch strings.ToLower(t) {
		case "cell", "mobile", "iphone":
			return "mobile"
		case "home":
			return "home"
		case "work":
			return "work"
		case "fax":
			return "fax"
		case "main":
			return "main"
		}
	}
	return ""
}

// cardRow turns one card into a row.
func cardRow(card []vprop, line int, phones *phone.Normalizer, kind rapport.Kind) Row {
	r := Row{Line: line, Person: rapport.Person{Kind: kind}}
	p := &r.Person
	problem := func(v vprop, format string, args ...any) {
		r.Problems = append(r.Problems, Problem{Line: v.line, Column: v.name, Reason: fmt.Sprintf(format, args...)})
	}
	// Apple's phone exports label numbers in a separate property of the
	// same group: "item1.TEL:…" with "item1.X-ABLabel:_$!<Mobile>!$_".
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
	var fn string
	for _, v := range card {
		switch v.name {
		case "FN":
			fn = strings.TrimSpace(unescape(v.value))
		case "N":
			parts := splitStructured(v.value)
			if len(parts) > 0 {
				p.LastName = strings.TrimSpace(parts[0])
			}
			if len(parts) > 1 {
				p.FirstName = strings.TrimSpace(parts[1])
			}
		case "EMAIL":
			addr, err := rapport.NormalizeEmail(unescape(v.value))
			if err != nil {
				problem(v, "%s — left out", strings.TrimSuffix(rapport.ErrorMessage(err), "."))
				continue
			}
			if !hasEmail(p.Emails, addr) {
				p.Emails = append(p.Emails, rapport.Email{Address: addr, Label: typeLabel(v, labels)})
			}
		case "TEL":
			raw := strings.TrimPrefix(strings.TrimPrefix(unescape(v.value), "tel:"), "TEL:")
			if i := strings.IndexAny(raw, ";"); i >= 0 {
				raw = raw[:i] // tel:+1-555-555-0100;ext=2
			}
			n, err := phones.Normalize(raw)
			if err != nil {
				problem(v, "%s — left out", strings.TrimSuffix(err.Error(), "."))
				continue
			}
			if !hasPhone(p.Phones, n) {
				p.Phones = append(p.Phones, rapport.Phone{Number: n, Label: typeLabel(v, labels)})
			}
		case "ADR":
			if p.Street != "" || p.City != "" {
				continue
			}
			parts := splitStructured(v.value)
			for len(parts) < 7 {
				parts = append(parts, "")
			}
			p.Street = strings.TrimSpace(strings.Join(nonBlank(parts[1], parts[2]), " "))
			p.City, p.State, p.PostalCode, p.Country = parts[3], parts[4], parts[5], parts[6]
		case "BDAY", "ANNIVERSARY":
			a, err := parseVDate(unescape(v.value))
			if err != nil {
				problem(v, "%q is not a date we can read — left out", v.value)
				continue
			}
			if v.name == "BDAY" {
				p.Birthday = a
			}
		case "NOTE":
			if p.Notes != "" {
				p.Notes += "\n"
			}
			p.Notes += unescape(v.value)
		case "ORG":
			p.Brokerage = strings.TrimSpace(splitStructured(v.value)[0])
		case "CATEGORIES":
			p.Tags = append(p.Tags, splitTags(unescape(v.value))...)
		}
	}
	if p.FirstName == "" && p.LastName == "" && fn != "" {
		p.FirstName, p.LastName = splitName(fn)
	}
	if p.FirstName == "" && p.LastName == "" {
		switch {
		case len(p.Emails) > 0:
			p.FirstName = strings.SplitN(p.Emails[0].Address, "@", 2)[0]
		case len(p.Phones) > 0:
			p.FirstName = phone.Display(p.Phones[0].Number, "US")
		default:
			r.Skip = true
			r.Problems = append(r.Problems, Problem{Line: line, Reason: "no name, email or phone — card skipped"})
			return r
		}
	}
	p.Normalize()
	return r
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
// 1984-11-23T00:00:00Z.
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
		if p.Birthday.Year == 0 {
			line("BDAY:--" + strings.ReplaceAll(p.Birthday.MonthDay(), "-", ""))
		} else {
			line("BDAY:" + p.Birthday.String())
		}
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
