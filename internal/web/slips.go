package web

import (
	"html/template"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// A person's badges and phone buttons, on Today (once a slip), the person
// page and the call screen, are written here rather than by html/template
// (the templates call them as badges and phones): as partials they were a
// third of Today's rendering, most of it html/template finding each field
// and method by reflection. As in the people list's rows (people_rows.go),
// every value is escaped as html/template escapes it in the same place;
// TestSlipPartsMatchTemplates holds the output to the templates they
// replace, on hostile values.

// badgesHTML is a person's kind and stage as badges, and whether they are
// not to be called or archived.
func badgesHTML(p *rapport.Person) template.HTML {
	var b strings.Builder
	b.WriteString("<span class=\"badge kind-")
	escapeHTML(&b, string(p.Kind))
	b.WriteString("\">")
	escapeHTML(&b, p.Kind.Label())
	b.WriteString("</span>\n")
	if p.Stage != nil {
		b.WriteString("<span class=\"badge stage\">")
		escapeHTML(&b, p.Stage.Name)
		b.WriteString("</span>\n")
	}
	if p.DoNotCall {
		b.WriteString("<span class=\"badge dnc\">Do not call</span>\n")
	}
	if p.Archived() {
		b.WriteString("<span class=\"badge archived\">Archived</span>\n")
	}
	return template.HTML(b.String())
}

// phonesHTML is a person's phones as tap-to-call buttons; for someone
// marked do not call, the numbers only, marked, with nothing to tap.
func phonesHTML(base Base, p *rapport.Person) template.HTML {
	var b strings.Builder
	phones := p.CallablePhones()
	label := func(ph *rapport.Phone) {
		escapeHTML(&b, base.Phone(ph.Number))
		if ph.Label != "" {
			b.WriteString(" <span class=\"muted\">")
			escapeHTML(&b, ph.Label)
			b.WriteString("</span>")
		}
	}
	if p.DoNotCall {
		for i := range phones {
			b.WriteString("<span class=\"phone dnc\">")
			label(&phones[i])
			b.WriteString("</span> ")
		}
		b.WriteString("<span class=\"badge dnc\">Do not call</span>\n")
		return template.HTML(b.String())
	}
	for i := range phones {
		b.WriteString("<a class=\"button tel\" href=\"tel:")
		escapeHTML(&b, normalizeURL(phones[i].Number))
		b.WriteString("\"><span aria-hidden=\"true\">☎</span> ")
		label(&phones[i])
		b.WriteString("</a> ")
	}
	if len(phones) == 0 {
		b.WriteString("<span class=\"muted\">No working phone number.</span>")
	}
	b.WriteString("\n")
	return template.HTML(b.String())
}

// normalizeURL is what html/template does to a value placed after the
// scheme of a URL in an attribute: bytes that may not stand in a URL as
// they are written percent-encoded (lower-case hex), the rest, and any
// percent-encoding already there, left.
func normalizeURL(s string) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~%", c) >= 0:
			continue
		}
		b.WriteString(s[written:i])
		const hex = "0123456789abcdef"
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}
