package importer

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// exportColumns are the CSV export's columns; Rapport's own import reads
// them back (as the generic CRM layout).
var exportColumns = []string{"First Name", "Last Name", "Kind", "Stage", "Email", "Email 2", "Email 3", "Mobile Phone",
	"Phone 2", "Phone 3", "Street", "City", "State", "Postal Code", "Country", "Source", "Tags", "Owner", "Birthday",
	"Home Anniversary", "Brokerage", "Office", "MLS ID", "Units", "Volume", "Do Not Call", "Notes", "Created"}

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

// Write adds people.
func (cw *CSVWriter) Write(people []rapport.Person) error {
	for i := range people {
		p := &people[i]
		nth := func(n int, f func(int) string, count int) string {
			if n < count {
				return f(n)
			}
			return ""
		}
		email := func(n int) string { return p.Emails[n].Address }
		tel := func(n int) string { return phone.Display(p.Phones[n].Number, cw.region) }
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
		rec := []string{p.FirstName, p.LastName, string(p.Kind), stage,
			nth(0, email, len(p.Emails)), nth(1, email, len(p.Emails)), nth(2, email, len(p.Emails)),
			nth(0, tel, len(p.Phones)), nth(1, tel, len(p.Phones)), nth(2, tel, len(p.Phones)),
			p.Street, p.City, p.State, p.PostalCode, p.Country, p.Source, strings.Join(p.Tags, ", "), cw.users[p.OwnerID],
			p.Birthday.String(), p.HomeAnniversary.String(), p.Brokerage, p.Office, p.MLSID, num(int64(p.Units12m)),
			num(p.Volume12m), dnc, p.Notes, p.CreatedAt.UTC().Format("2006-01-02")}
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

// Neutralize makes a cell safe to open in a spreadsheet.
func Neutralize(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + v
	}
	return v
}
