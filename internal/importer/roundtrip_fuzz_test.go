package importer

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// FuzzRoundTrip imports a person from a CSV row, exports them as CSV and
// as a vCard, and imports each export again: the names, emails, phones,
// notes and dates that came in must come back the same.
func FuzzRoundTrip(f *testing.F) {
	f.Add("María", "de la Cruz", "maria", "Loves sailing.\nTwo kids, one dog; \"Max\".", uint16(142), uint16(1984), uint8(11), uint8(23), uint8(5), uint8(1))
	f.Add("=HYPERLINK(1)", "'Brien", "x.y", "@note", uint16(0), uint16(0), uint8(2), uint8(29), uint8(0), uint8(0))
	f.Add("", "", "only", "", uint16(7), uint16(2001), uint8(1), uint8(31), uint8(12), uint8(31))
	f.Add("Ann;Marie", "Lee, Jr.", "a+b", "tab\there\\back", uint16(42), uint16(1990), uint8(6), uint8(1), uint8(2), uint8(3))
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, first, last, local, notes string, phoneN, year uint16, month, day, hmonth, hday uint8) {
		hang := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("still going after 10s: %q %q %q %q", first, last, local, notes)) })
		defer hang.Stop()
		var in bytes.Buffer
		w := csv.NewWriter(&in)
		w.Write([]string{"First Name", "Last Name", "Email", "Phone", "Notes", "Birthday", "Home Anniversary"})
		bday := ""
		if month >= 1 && month <= 12 && day >= 1 && day <= 28 {
			bday = fmt.Sprintf("%02d-%02d", month, day)
			if year >= 1900 && year <= 2100 {
				bday = fmt.Sprintf("%04d-%s", year, bday)
			}
		}
		home := ""
		if hmonth >= 1 && hmonth <= 12 && hday >= 1 && hday <= 28 {
			home = fmt.Sprintf("2015-%02d-%02d", hmonth, hday)
		}
		email := ""
		if local != "" {
			email = local + "@example.com"
		}
		phoneCell := ""
		if phoneN != 0 {
			phoneCell = fmt.Sprintf("(312) 555-%04d", int(phoneN)%10000)
		}
		w.Write([]string{first, last, email, phoneCell, notes, bday, home})
		w.Flush()
		a, ok := readOne(t, in.Bytes())
		if !ok {
			return
		}

		var out bytes.Buffer
		cw, err := NewCSVWriter(&out, "US", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := cw.Write([]rapport.Person{a}, nil); err != nil {
			t.Fatal(err)
		}
		if err := cw.Flush(); err != nil {
			t.Fatal(err)
		}
		b, ok := readOne(t, out.Bytes())
		if !ok {
			t.Fatalf("the export of %+v reads as no one:\n%s", a, out.String())
		}
		same(t, "CSV", a, b)

		var card bytes.Buffer
		if err := WriteVCard(&card, []rapport.Person{a}); err != nil {
			t.Fatal(err)
		}
		rows, err := ParseVCards(&card, "US", "", now)
		if err != nil || len(rows) != 1 || rows[0].Skip {
			t.Fatalf("the vCard of %+v reads as %+v, %v:\n%s", a, rows, err, card.String())
		}
		same(t, "vCard", a, rows[0].Person)
	})
}

// readOne imports the one row of a CSV file, or reports there was none.
func readOne(t *testing.T, file []byte) (rapport.Person, bool) {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(file))
	if err != nil {
		return rapport.Person{}, false
	}
	rec, err := rd.Next()
	if err != nil {
		return rapport.Person{}, false
	}
	conv := NewConverter(DetectMapping(rd.Header), "", "US", time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	conv.SetDelimiter(rd.Delimiter)
	row := conv.Convert(rec)
	return row.Person, !row.Skip
}

func same(t *testing.T, via string, a, b rapport.Person) {
	t.Helper()
	emails := func(p rapport.Person) (out []string) {
		for _, e := range p.Emails {
			out = append(out, e.Address)
		}
		return
	}
	phones := func(p rapport.Person) (out []string) {
		for _, ph := range p.Phones {
			out = append(out, ph.Number)
		}
		return
	}
	if a.FirstName != b.FirstName || a.LastName != b.LastName || a.Notes != b.Notes || a.Birthday != b.Birthday ||
		a.HomeAnniversary != b.HomeAnniversary || !slices.Equal(emails(a), emails(b)) || !slices.Equal(phones(a), phones(b)) {
		t.Fatalf("through %s:\n went in %q %q %q %v %v %v %v\ncame back %q %q %q %v %v %v %v", via,
			a.FirstName, a.LastName, a.Notes, emails(a), phones(a), a.Birthday, a.HomeAnniversary,
			b.FirstName, b.LastName, b.Notes, emails(b), phones(b), b.Birthday, b.HomeAnniversary)
	}
}

// TestExportReadsBack: Rapport's CSV export is told as its own layout and
// reads back to the same person, every email and phone with its label,
// kind, dates, tags in their case and do-not-call, and the values kept as
// imported are kept again.
func TestExportReadsBack(t *testing.T) {
	p := rapport.Person{FirstName: "Zoë", LastName: "O'Brien-Núñez", Kind: rapport.KindClient, Source: "Open house", DoNotCall: true,
		Street: "9 Elm St, Apt 2", City: "Evanston", State: "IL", PostalCode: "60201", Country: "USA", Notes: "=not a formula\nsecond line",
		Birthday: rapport.Anniversary{Month: 2, Day: 29}, HomeAnniversary: rapport.Anniversary{Year: 2015, Month: 6, Day: 1},
		Tags: []string{"Buyer", "VIP"}, CadenceDays: 90, TZ: "America/Chicago", Brokerage: "Acme", MLSID: "M-1"}
	for i := range 5 {
		p.Emails = append(p.Emails, rapport.Email{Address: fmt.Sprintf("z%d@example.com", i)})
	}
	for i, l := range []string{"mobile", "home", "work", "other"} {
		p.Phones = append(p.Phones, rapport.Phone{Number: fmt.Sprintf("+1312555%04d", 100+i), Label: l})
	}
	p.Phones = append(p.Phones, rapport.Phone{Number: "+442079460958", Label: "mobile"})
	p.Normalize()
	var out bytes.Buffer
	cw, _ := NewCSVWriter(&out, "US", nil, nil)
	cw.Write([]rapport.Person{p}, map[int64][]rapport.KeptValue{0: {{Name: "Web Page", Value: "https://example.org"}}})
	cw.Flush()
	rd, err := NewReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if preset := DetectPreset(rd.Header); preset != "rapport" {
		t.Fatalf("read as %q", preset)
	}
	rec, _ := rd.Next()
	row := NewConverter(DetectMapping(rd.Header), "", "US", time.Now()).Convert(rec)
	b := row.Person
	same(t, "CSV", p, b)
	if b.Kind != p.Kind || b.Source != p.Source || !b.DoNotCall || b.Street != p.Street || b.Country != "USA" || fmt.Sprint(b.Tags) != "[Buyer VIP]" ||
		b.CadenceDays != 90 || b.TZ != p.TZ || b.Brokerage != "Acme" || b.MLSID != "M-1" || b.Phones[2].Label != "work" || b.Phones[1].Label != "home" {
		t.Errorf("read back %+v", b)
	}
	if len(row.Kept) != 2 || row.Kept[0].Name != "Kept As Imported" || row.Kept[0].Value != "Web Page: https://example.org" {
		t.Errorf("kept = %+v", row.Kept)
	}
}
