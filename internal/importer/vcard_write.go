package importer

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

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
