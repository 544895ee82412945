package importer

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// FuzzReader feeds the CSV reader anything: it must never panic or loop,
// every record it returns must be valid UTF-8 on a line after the header,
// in order, and an error must name a line.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"Name,Email\nAnn,ann@example.com\n",
		"\uFEFFName;Email\r\nAnn;ann@example.com\r\n\r\n;\r\n",
		"Name\tPhone\n\"Lee\nWong\"\t(312) 555-0142\n",
		"Name,Notes\n\"Ann,\"broken\n",
		"\xff\xfeN\x00a\x00m\x00e\x00\n\x00A\x00n\x00n\x00\n\x00",
		"Name,City\nJos\xe9,M\xfcnchen\n",
		"",
		",,,\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A reader that loops forever would hang the run: fail instead.
		hang := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("still reading %q after 5s", data)) })
		defer hang.Stop()
		rd, err := NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		last := 1
		for i := 0; ; i++ {
			rec, err := rd.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "line ") {
					t.Fatalf("error without a line: %v", err)
				}
				return
			}
			if rec.Line <= last {
				t.Fatalf("record %d on line %d, after line %d", i, rec.Line, last)
			}
			last = rec.Line
			for _, field := range rec.Fields {
				if !utf8.ValidString(field) {
					t.Fatalf("line %d: invalid UTF-8 %q", rec.Line, field)
				}
			}
		}
	})
}

// FuzzParseVCards feeds the vCard parser anything: it must never panic,
// and every person it returns must carry only normalised phones and
// emails and pass the same checks as any other person, or be skipped.
func FuzzParseVCards(f *testing.F) {
	for _, s := range []string{
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nTEL;TYPE=CELL:(312) 555-0142\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\nVERSION:4.0\nFN:Bo\nitem1.TEL:+1 773 555 0100\nitem1.X-ABLabel:_$!<Mobile>!$_\nBDAY:--0314\nEND:VCARD\n",
		"BEGIN:VCARD\nVERSION:2.1\nN;ENCODING=QUOTED-PRINTABLE:Nu=C3=B1ez;Jos=\n=C3=A9\nEND:VCARD\n",
		"BEGIN:VCARD\nFN:Folded\n  name\nADR;TYPE=home:;;9 Elm St;Evanston;IL;60201;US\nEND:VCARD",
		"BEGIN:VCARD\nBEGIN:VCARD\nEND:VCARD\nEND:VCARD\n",
		"END:VCARD\n",
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseVCards(bytes.NewReader(data), "US", "", now)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Skip {
				continue
			}
			p := r.Person
			for _, e := range p.Emails {
				if norm, err := rapport.NormalizeEmail(e.Address); err != nil || norm != e.Address {
					t.Fatalf("email %q is not normalised (%q, %v)", e.Address, norm, err)
				}
			}
			for _, ph := range p.Phones {
				if !strings.HasPrefix(ph.Number, "+") || strings.Trim(ph.Number[1:], "0123456789") != "" {
					t.Fatalf("phone %q is not E.164", ph.Number)
				}
			}
			p.Normalize()
			if err := p.Validate(now); err != nil {
				t.Fatalf("card at line %d gives an invalid person: %v (%+v)", r.Line, err, p)
			}
		}
	})
}
