package importer

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// exportColumns are the CSV export's columns. Every email and phone is
// written (the first three with their labels, the rest together), and the
// values kept as imported, so that Rapport's own import (the "rapport"
// preset) reads an export back to the same people.
var exportColumns = []string{"First Name", "Last Name", "Kind", "Stage", "Email 1", "Email 2", "Email 3", "More Emails",
	"Phone 1", "Phone 1 Label", "Phone 2", "Phone 2 Label", "Phone 3", "Phone 3 Label", "More Phones", "Street", "City", "State",
	"Postal Code", "Country", "Source", "Tags", "Owner", "Birthday", "Home Anniversary", "Brokerage", "Office", "MLS ID", "Units",
	"Volume", "Do Not Call", "Cadence Days", "Time Zone", "Notes", "Kept As Imported", "Created"}

// CSVWriter writes people as CSV, safely: a cell that a spreadsheet would
// read as a formula (starting with =, +, -, @, a tab or a carriage return)
// is written with a leading apostrophe, so that opening the file runs
// nothing.
type CSVWriter struct {
	w      *csv.Writer
	region string
	stages map[int64]*rapport.Stage
	users  map[int64]string
}

// NewCSVWriter starts a CSV export with its header. Region formats phone
// numbers; stages and users name the stage and owner of each person.
func NewCSVWriter(w io.Writer, region string, stages map[int64]*rapport.Stage, users map[int64]string) (*CSVWriter, error) {
	cw := &CSVWriter{w: csv.NewWriter(w), region: region, stages: stages, users: users}
	return cw, cw.w.Write(exportColumns)
}

// Write adds people, with what was kept of each as imported (by person
// id; nil for none).
func (cw *CSVWriter) Write(people []rapport.Person, kept map[int64][]rapport.KeptValue) error {
	for i := range people {
		p := &people[i]
		var emails, phones [3]string
		var labels [3]string
		var moreEmails, morePhones []string
		for j, e := range p.Emails {
			if j < 3 {
				emails[j] = e.Address
			} else {
				moreEmails = append(moreEmails, e.Address)
			}
		}
		for j, ph := range p.Phones {
			n := phone.Display(ph.Number, cw.region)
			if j < 3 {
				phones[j], labels[j] = n, ph.Label
			} else {
				morePhones = append(morePhones, n)
			}
		}
		stage := ""
		if st := cw.stages[p.StageID]; st != nil {
			stage = st.Name
		}
		dnc := ""
		if p.DoNotCall {
			dnc = "yes"
		}
		num := func(n int64) string {
			if n == 0 {
				return ""
			}
			return strconv.FormatInt(n, 10)
		}
		var k []string
		for _, v := range kept[p.ID] {
			k = append(k, v.Name+": "+v.Value)
		}
		rec := []string{p.FirstName, p.LastName, string(p.Kind), stage, emails[0], emails[1], emails[2], strings.Join(moreEmails, "; "),
			phones[0], labels[0], phones[1], labels[1], phones[2], labels[2], strings.Join(morePhones, "; "),
			p.Street, p.City, p.State, p.PostalCode, p.Country, p.Source, strings.Join(p.Tags, "; "), cw.users[p.OwnerID],
			p.Birthday.String(), p.HomeAnniversary.String(), p.Brokerage, p.Office, p.MLSID, num(int64(p.Units12m)),
			num(p.Volume12m), dnc, num(int64(p.CadenceDays)), p.TZ, p.Notes, strings.Join(k, "; "), p.CreatedAt.UTC().Format("2006-01-02")}
		for i, v := range rec {
			rec[i] = Neutralize(v)
		}
		if err := cw.w.Write(rec); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes out what is buffered.
func (cw *CSVWriter) Flush() error {
	cw.w.Flush()
	return cw.w.Error()
}

// Neutralize makes a cell safe to open in a spreadsheet. A cell that
// starts with an apostrophe gets one more, so that reading an export back
// (unneutralize) takes exactly one off and loses nothing.
func Neutralize(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r', '\'':
		return "'" + v
	}
	return v
}

// unneutralize undoes Neutralize, for Rapport's own exports.
func unneutralize(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.IndexByte("=+-@\t\r'", v[1]) >= 0 {
		return v[1:]
	}
	return v
}
