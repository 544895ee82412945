package importer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
)

// TestUnnamedInTheOrgsRegion: a person who comes with no name is named
// after their email, else their phone as the organisation's region writes
// it, else their MLS id, in a CSV file and in a vCard alike.
func TestUnnamedInTheOrgsRegion(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		region, email, phone, mls string
		want                      string // "" for a row skipped
	}{
		{region: "GB", phone: "020 7946 0958", want: "020 7946 0958"},
		{region: "GB", phone: "+44 20 7946 0958", want: "020 7946 0958"},
		{region: "US", phone: "(312) 555-0142", want: "(312) 555-0142"},
		{region: "US", phone: "+44 20 7946 0958", want: "+44 20 7946 0958"},
		{region: "GB", phone: "+1 312 555 0142", want: "+1 312-555-0142"},
		{region: "GB", email: "pat.quinn@example.com", phone: "020 7946 0958", want: "pat.quinn"},
		{region: "GB", mls: "A100", want: "MLS A100"},
		{region: "GB"},
	} {
		name := c.region + " " + c.email + c.phone + c.mls
		t.Run("csv "+name, func(t *testing.T) {
			file := "First Name,Last Name,Email,Phone,MLS ID,Notes\n,," + c.email + "," + c.phone + "," + c.mls + ",met at the open house\n"
			rd, err := importer.NewReader(strings.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			rec, err := rd.Next()
			if err != nil {
				t.Fatal(err)
			}
			row := importer.NewConverter(importer.DetectMapping(rd.Header), "", c.region, now).Convert(rec)
			checkUnnamed(t, row, c.want, "no name, email, phone or MLS id — row skipped")
		})
		if c.mls != "" {
			continue // a vCard has no MLS id
		}
		t.Run("vcard "+name, func(t *testing.T) {
			card := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:\r\nN:;;;;\r\n"
			if c.email != "" {
				card += "EMAIL:" + c.email + "\r\n"
			}
			if c.phone != "" {
				card += "TEL;TYPE=CELL:" + c.phone + "\r\n"
			}
			card += "NOTE:met at the open house\r\nEND:VCARD\r\n"
			rows, err := importer.ParseVCards(strings.NewReader(card), c.region, "", now)
			if err != nil || len(rows) != 1 {
				t.Fatalf("%d rows, %v", len(rows), err)
			}
			checkUnnamed(t, rows[0], c.want, "no name, email or phone — card skipped")
		})
	}
}

func checkUnnamed(t *testing.T, row importer.Row, want, skipped string) {
	t.Helper()
	last := ""
	if n := len(row.Problems); n > 0 {
		last = row.Problems[n-1].Reason
	}
	if want == "" {
		if !row.Skip || last != skipped {
			t.Errorf("skip %v, last problem %q; want the row skipped: %q", row.Skip, last, skipped)
		}
		return
	}
	if row.Skip || !row.Unnamed || row.Person.FirstName != want || row.Person.LastName != "" || last != "no name; imported as "+want {
		t.Errorf("skip %v, unnamed %v, named %q %q, last problem %q; want named %q", row.Skip, row.Unnamed,
			row.Person.FirstName, row.Person.LastName, last, want)
	}
}
