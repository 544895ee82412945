package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
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
		row, _ := cardRow(c.props, c.line, phones, region, kind, names) // a card that is no one is a skipped row, saying why
		rows = append(rows, row)
	}
	return rows, nil
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
