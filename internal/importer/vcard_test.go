package importer_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
)

const phoneExport = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lopez;Maria;;;\r\nFN:Maria Lopez\r\nEMAIL;type=INTERNET;type=HOME;type=pref:maria@example.com\r\n" +
	"item1.TEL;type=pref:(312) 555-0142\r\nitem1.X-ABLabel:_$!<Mobile>!$_\r\nitem2.TEL:312.555.0143\r\nitem2.X-ABLabel:Boat\r\n" +
	"ADR;type=HOME:;;9 Elm St;Evanston;IL;60201;USA\r\nNOTE:Met at the open house\\, loves sailing.\\nTwo kids.\r\n" +
	"BDAY:1984-11-23\r\nCATEGORIES:Buyers,Sailing club\r\nEND:VCARD\r\n" +
	"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Dr. Dana Reyes\r\nTEL;VALUE=uri;TYPE=\"cell,voice\":tel:+1-773-555-0100\r\nBDAY:--0314\r\n" +
	"NOTE:A long note that is folded across\r\n  two lines by the exporting app.\r\nEND:VCARD\r\n" +
	"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:N=C3=BA=C3=B1ez;Jos=C3=A9\r\nTEL;CELL:bad number\r\nEND:VCARD\r\n"

func TestVCardImportAndExport(t *testing.T) {
	rows, err := importer.ParseVCards(strings.NewReader(phoneExport), "US", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d cards", len(rows))
	}
	m := rows[0].Person
	if m.Name() != "Maria Lopez" || m.Phones[0].Label != "mobile" || m.Phones[1].Label != "boat" || m.Phones[0].Number != "+13125550142" ||
		m.City != "Evanston" || m.Notes != "Met at the open house, loves sailing.\nTwo kids." || m.Birthday.String() != "1984-11-23" ||
		len(m.Tags) != 2 || m.Emails[0].Label != "home" || m.Kind != rapport.KindSphere {
		t.Errorf("maria = %+v", m)
	}
	d := rows[1].Person
	if d.FirstName != "Dana" || d.LastName != "Reyes" || d.Phones[0].Number != "+17735550100" || d.Phones[0].Label != "mobile" ||
		d.Birthday.String() != "03-14" || d.Notes != "A long note that is folded across two lines by the exporting app." {
		t.Errorf("dana = %+v", d)
	}
	j := rows[2]
	badLine := strings.Count(phoneExport[:strings.Index(phoneExport, "TEL;CELL:bad")], "\n") + 1
	if j.Person.Name() != "José Núñez" || len(j.Problems) != 1 || j.Problems[0].Line != badLine {
		t.Errorf("josé = %+v %+v", j.Person, j.Problems)
	}
	for _, bad := range []string{"", "BEGIN:VCARD\nFN:x\n", "END:VCARD\n", "BEGIN:VCARD\nnot a property\nEND:VCARD\n"} {
		if _, err := importer.ParseVCards(strings.NewReader(bad), "US", "", time.Now()); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// What Rapport writes, Rapport reads back the same.
	var buf bytes.Buffer
	people := []rapport.Person{m, d, j.Person}
	if err := importer.WriteVCard(&buf, people); err != nil {
		t.Fatal(err)
	}
	back, err := importer.ParseVCards(&buf, "US", "", time.Now())
	if err != nil || len(back) != 3 {
		t.Fatalf("round trip: %v %d", err, len(back))
	}
	for i := range back {
		a, b := people[i], back[i].Person
		if a.Name() != b.Name() || len(a.Phones) != len(b.Phones) || len(a.Emails) != len(b.Emails) || a.Notes != b.Notes ||
			a.Birthday != b.Birthday || a.City != b.City || strings.Join(a.Tags, ",") != strings.Join(b.Tags, ",") {
			t.Errorf("card %d: wrote %+v, read %+v", i, a, b)
		}
	}
	for _, l := range strings.Split(buf.String(), "\r\n") {
		if len(l) > 76 {
			t.Errorf("unfolded line of %d octets", len(l))
		}
	}
}

func TestCSVExportNeutralisesFormulas(t *testing.T) {
	var buf bytes.Buffer
	w, _ := importer.NewCSVWriter(&buf, "US", nil, nil)
	w.Write([]rapport.Person{{FirstName: "=HYPERLINK(\"http://evil\")", LastName: "+1", Notes: "@SUM(A1)", Source: "-2", Kind: rapport.KindLead,
		Phones: []rapport.Phone{{Number: "+13125550142"}, {Number: "+442079460958"}}}}, nil)
	w.Flush()
	out := buf.String()
	for _, want := range []string{`"'=HYPERLINK(""http://evil"")"`, "'+1", "'@SUM(A1)", "'-2", "(312) 555-0142", "'+44 20 7946 0958"} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %s:\n%s", want, out)
		}
	}
}

// TestVCardExportKeepsValuesInTheirLines: nothing a user typed (a name,
// notes, a tag or an email's label) can end its line and start another
// property or card.
func TestVCardExportKeepsValuesInTheirLines(t *testing.T) {
	evil := "x\r\nEND:VCARD\r\nBEGIN:VCARD\r\nFN:Injected\r\nEMAIL:evil@x.test"
	p := rapport.Person{FirstName: "Eve" + evil, Notes: "Notes" + evil, Tags: []string{"tag" + evil},
		Emails: []rapport.Email{{Address: "eve@x.test", Label: "home" + evil}}}
	var buf bytes.Buffer
	if err := importer.WriteVCard(&buf, []rapport.Person{p}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	begins := 0
	for _, l := range strings.Split(out, "\r\n") {
		if l == "BEGIN:VCARD" {
			begins++
		}
		if strings.HasPrefix(l, "FN:Injected") || strings.HasPrefix(l, "EMAIL:evil") {
			t.Errorf("a value broke out of its line: %q", l)
		}
	}
	if begins != 1 {
		t.Errorf("%d cards:\n%s", begins, out)
	}
	back, err := importer.ParseVCards(strings.NewReader(out), "US", "", time.Now())
	if err != nil || len(back) != 1 || len(back[0].Person.Emails) != 1 || back[0].Person.Emails[0].Address != "eve@x.test" {
		t.Fatalf("read back %+v, %v", back, err)
	}
}
