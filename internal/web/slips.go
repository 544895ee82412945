package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Today's slips, a person's badges and phone buttons (on Today, the
// person page and the call screen), and the context card on Today and the
// call screen, are written here rather than by html/template (the
// templates call them as slips, badges, phones and card): as partials
// they were a third of Today's rendering, most of it html/template
// finding each field and method by reflection. A slip writes its parts
// into its own buffer (writePersonBadges, writePhones, writeCard). As in the people list's rows (people_rows.go),
// every value is escaped as html/template escapes it in the same place;
// TestSlipPartsMatchTemplates, TestCardMatchesTemplate and
// TestSlipsMatchTemplate hold the output to the templates they replace,
// on hostile values.

// writePersonBadges writes a person's kind and stage as badges, and
// whether they are not to be called or archived (badgesHTML, a slip).
func writePersonBadges(b *strings.Builder, p *rapport.Person) {
	writeBadges(b, p.Kind, p.Stage, p.DoNotCall)
	if p.Archived() {
		b.WriteString("<span class=\"badge archived\">Archived</span>\n")
	}
}

// badgesHTML is writePersonBadges' HTML, for the templates.
func badgesHTML(p *rapport.Person) template.HTML {
	var b strings.Builder
	writePersonBadges(&b, p)
	return template.HTML(b.String())
}

// writePhones writes a person's phones as tap-to-call buttons; for
// someone marked do not call, the numbers only, marked, with nothing to
// tap (phonesHTML, a slip).
func writePhones(b *strings.Builder, base Base, p *rapport.Person) {
	phones := p.CallablePhones()
	label := func(ph *rapport.Phone) {
		escapeHTML(b, base.Phone(ph.Number))
		escapeIf(b, " <span class=\"muted\">", ph.Label, "</span>")
	}
	if p.DoNotCall {
		for i := range phones {
			b.WriteString("<span class=\"phone dnc\">")
			label(&phones[i])
			b.WriteString("</span> ")
		}
		b.WriteString("<span class=\"badge dnc\">Do not call</span>\n")
		return
	}
	for i := range phones {
		b.WriteString("<a class=\"button tel\" href=\"tel:")
		escapeHTML(b, normalizeURL(phones[i].Number))
		b.WriteString("\"><span aria-hidden=\"true\">☎</span> ")
		label(&phones[i])
		b.WriteString("</a> ")
	}
	if len(phones) == 0 {
		b.WriteString("<span class=\"muted\">No working phone number.</span>")
	}
	b.WriteString("\n")
}

// phonesHTML is writePhones' HTML, for the templates.
func phonesHTML(base Base, p *rapport.Person) template.HTML {
	var b strings.Builder
	writePhones(&b, base, p)
	return template.HTML(b.String())
}

// normalizeURL is what html/template does to a value placed after the
// scheme of a URL in an attribute: bytes that may not stand in a URL as
// they are written percent-encoded (lower-case hex), the rest, and any
// percent-encoding already there (a % and two hex digits), left.
func normalizeURL(s string) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
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

// slipsHTML is Today's list: for each person a slip with their name and
// badges, the reasons they are on it, an opener, when they may be called
// (outside their calling hours), the phone buttons and the context card.
// (Written by html/template, a slip was most of Today's rendering: 0.8 ms
// of a 4.7 ms Today at a million people.)
func slipsHTML(base Base, items []todayItem) template.HTML {
	var b strings.Builder
	b.Grow(2048 * len(items))
	for i := range items {
		it := &items[i]
		p := it.Person
		id := strconv.FormatInt(p.ID, 10)
		b.WriteString("<li class=\"slip")
		if !it.CallableNow {
			b.WriteString(" later")
		}
		b.WriteString("\">\n<div class=\"slip-head\">\n<h2><a href=\"/people/")
		b.WriteString(id)
		b.WriteString("\">")
		escapeHTML(&b, p.Name())
		b.WriteString("</a></h2>\n<div class=\"badges\">")
		writePersonBadges(&b, p)
		b.WriteString("</div>\n</div>\n<ul class=\"reasons\">")
		for j := range it.Reasons {
			b.WriteString("<li")
			if j == 0 {
				b.WriteString(" class=\"first\"")
			}
			b.WriteString(">")
			escapeHTML(&b, it.Reasons[j].Text)
			b.WriteString("</li>")
		}
		b.WriteString("</ul>\n")
		escapeIf(&b, "<p class=\"opener\"><span class=\"label\">Try:</span> “", it.Opener, "”</p>\n")
		if !it.CallableNow {
			b.WriteString("<p class=\"hours\">It is ")
			escapeHTML(&b, it.LocalTime.Format("3:04 PM"))
			b.WriteString(" for them: call after ")
			escapeHTML(&b, it.CallableAt.Format("3:04 PM"))
			b.WriteString(" their time (")
			escapeHTML(&b, base.Clock(it.CallableAt))
			b.WriteString(" yours).</p>\n")
		}
		b.WriteString("<div class=\"slip-actions\">\n")
		writePhones(&b, base, p)
		b.WriteString("<a class=\"button\" href=\"/call/")
		b.WriteString(id)
		b.WriteString("\">Open call screen</a>\n</div>\n<details class=\"card\">\n<summary>Context</summary>\n")
		writeCard(&b, base, it)
		b.WriteString("</details>\n</li>\n")
	}
	return template.HTML(b.String())
}

// writeCard writes a person's context card on Today and the call
// screen: what to know before calling (cardHTML, a slip).
func writeCard(b *strings.Builder, base Base, it *store.TodayItem) {
	p := it.Person
	b.WriteString("<div class=\"card-body\">\n")
	if c := it.Card; c != nil {
		if len(c.Facts) > 0 {
			b.WriteString("<dl class=\"story\">\n")
			for _, g := range c.Facts {
				b.WriteString("<dt>")
				escapeHTML(b, g.Type.Label())
				b.WriteString("</dt>")
				for _, f := range g.Facts {
					b.WriteString("<dd>")
					escapeHTML(b, f.Text)
					b.WriteString("</dd>")
				}
			}
			b.WriteString("\n</dl>\n")
		}
		if len(c.Questions) > 0 {
			b.WriteString("<div class=\"questions\">\n<p class=\"label\">Still unknown — try asking:</p>\n<ul>")
			for _, q := range c.Questions {
				writeTyped(b, "<li>", q.Type, " “", q.Text, "”</li>")
			}
			b.WriteString("</ul>\n</div>\n")
		}
		if e := c.LastEvent; e != nil {
			b.WriteString("<p class=\"last\"><span class=\"label\">")
			escapeHTML(b, e.Type)
			b.WriteString("</span> ")
			escapeHTML(b, base.Ago(e.OccurredAt))
			escapeIf(b, " via ", e.Source, "")
			escapeIf(b, ": ", e.Property, "")
			escapeIf(b, " — “", e.Message, "”")
			b.WriteString("</p>\n")
		}
		if lc := c.LastConversation; lc != nil {
			b.WriteString("<p class=\"last\"><span class=\"label\">Last touch</span> ")
			escapeHTML(b, base.Date(lc.OccurredAt))
			b.WriteString(": ")
			escapeHTML(b, lc.Channel.Label())
			escapeIf(b, ", ", strings.ToLower(lc.Outcome.Label()), "")
			escapeIf(b, " — ", lc.Notes, "")
			b.WriteString("</p>\n")
		} else {
			b.WriteString("<p class=\"last\"><span class=\"label\">Last touch</span> never</p>\n")
		}
		if len(c.Promises) > 0 {
			b.WriteString("<ul class=\"promises\">")
			for i := range c.Promises {
				f := &c.Promises[i]
				if f.Owes == rapport.OwesThem {
					b.WriteString("<li class=\"theirs\">")
				} else {
					b.WriteString("<li class=\"mine\">")
				}
				escapeHTML(b, f.Label())
				b.WriteString(" <span class=\"due\">· due ")
				escapeHTML(b, base.Day(f.DueOn))
				b.WriteString("</span></li>")
			}
			b.WriteString("</ul>\n")
		}
	}
	if it.Referrer != "" {
		b.WriteString("<p><span class=\"label\">Referred by</span> ")
		writePersonLink(b, p.ReferredByID, it.Referrer)
		b.WriteString("</p>\n")
	}
	if p.Kind == rapport.KindRecruit {
		b.WriteString("<p class=\"production\"><span class=\"label\">Production</span> ")
		escapeIf(b, "", p.Workplace(), " · ")
		b.WriteString(strconv.Itoa(p.Units12m))
		b.WriteString(" units, ")
		escapeHTML(b, rapport.Money(p.Volume12m))
		b.WriteString(" in 12 months")
		if p.LicenceYear != 0 {
			b.WriteString(" · licensed ")
			b.WriteString(strconv.Itoa(p.LicenceYear))
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("</div>\n")
}

// cardHTML is writeCard's HTML, for the templates.
func cardHTML(base Base, it *store.TodayItem) template.HTML {
	var b strings.Builder
	writeCard(&b, base, it)
	return template.HTML(b.String())
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
