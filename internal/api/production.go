package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// maxProductionRows bounds the rows of one production request: larger
// reports go in several requests, each its own transaction.
const maxProductionRows = 5000

// productionBody bounds a production request's body (5,000 full rows fit).
const productionBody = 8 << 20

// productionSource is the source of people a production report adds.
const productionSource = "Production report"

// productionJSON is an agent's production over the 12 months ending on
// period. Trend compares its volume with the period before it.
type productionJSON struct {
	Period       rapport.Day `json:"period"`
	Label        string      `json:"label"`
	Rank         *int        `json:"rank"`
	ListUnits    int         `json:"listUnits"`
	SellUnits    int         `json:"sellUnits"`
	Units        int         `json:"units"`
	Volume       int64       `json:"volume"`
	AveragePrice int64       `json:"averagePrice"`
	Office       string      `json:"office"`
	Trend        *string     `json:"trend"`
}

// productionHistoryJSON is the list of an agent's periods, oldest first;
// Trend is the newest period's against the one before it.
type productionHistoryJSON struct {
	Items []productionJSON `json:"items"`
	Next  *string          `json:"next"`
	Trend *string          `json:"trend"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) getProduction(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	hist, err := s.db.ProductionHistory(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	out := productionHistoryJSON{Items: make([]productionJSON, len(hist))}
	for i := range hist {
		p := &hist[i]
		out.Items[i] = productionJSON{Period: p.Period, Label: rapport.PeriodLabel(p.Period), ListUnits: p.ListUnits, SellUnits: p.SellUnits,
			Units: p.Units, Volume: p.Volume, AveragePrice: p.AveragePrice(), Office: p.Office}
		if p.Rank > 0 {
			rank := p.Rank
			out.Items[i].Rank = &rank
		}
		if i > 0 {
			out.Items[i].Trend = strPtr(rapport.Trend(hist[i-1].Volume, p.Volume))
		}
	}
	if n := len(out.Items); n > 0 {
		out.Trend = out.Items[n-1].Trend
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// productionInput is one production report: every agent's figures for the
// 12 months ending on Period.
type productionInput struct {
	Period string              `json:"period"`
	Rows   []productionRowJSON `json:"rows"`
	DryRun bool                `json:"dryRun"`
}

// numberText is a number as a request wrote it: a JSON number, or a
// string holding one. It is parsed with its row, so that every bad value
// can be reported with the row it is in rather than as the first error
// that stops decoding.
type numberText string

// UnmarshalJSON keeps a number's text, a string's contents, or any other
// value as written (which will not parse as a number).
func (n *numberText) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*n = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*n = numberText(strings.TrimSpace(s))
	default:
		*n = numberText(b)
	}
	return nil
}

// productionRowJSON is one agent's line of a report.
type productionRowJSON struct {
	MLSID       string     `json:"mlsId"`
	FirstName   string     `json:"firstName"`
	LastName    string     `json:"lastName"`
	Email       string     `json:"email"`
	MobilePhone string     `json:"mobilePhone"`
	OfficePhone string     `json:"officePhone"`
	OfficeMLSID string     `json:"officeMlsId"`
	Office      string     `json:"office"`
	Rank        numberText `json:"rank"`
	ListUnits   numberText `json:"listUnits"`
	SellUnits   numberText `json:"sellUnits"`
	Units       numberText `json:"units"`
	Volume      numberText `json:"volume"`
}

// productionReportJSON is what a production request did (or, for a dry
// run, would do).
type productionReportJSON struct {
	Period rapport.Day `json:"period"`
	DryRun bool        `json:"dryRun"`
	Rows   int         `json:"rows"`
	// Created people are new; Updated gained figures, an office or
	// details; Unchanged were matched with nothing new for them (or
	// repeated an earlier row); Skipped could not be imported.
	Created   int                      `json:"created"`
	Updated   int                      `json:"updated"`
	Unchanged int                      `json:"unchanged"`
	Skipped   int                      `json:"skipped"`
	Results   []productionResultJSON   `json:"results"`
	Errors    []productionRowErrorJSON `json:"errors"`
}

// productionResultJSON is what became of one row: created (a new person),
// matched (an existing person, or one an earlier row created) or skipped.
type productionResultJSON struct {
	Row      int    `json:"row"`
	Outcome  string `json:"outcome"`
	PersonID *int64 `json:"personId"`
}

type productionRowErrorJSON struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// importProduction runs a production report through the import session
// that files go through (matching by MLS id, then email, then personal
// phone; a newer period replaces an agent's figures and office, an older
// one only adds history), in one transaction. A request with any bad row
// writes nothing and lists every problem.
func (s *Server) importProduction(w http.ResponseWriter, r *http.Request, a *account) error {
	var in productionInput
	if err := decodeLimit(w, r, &in, false, productionBody); err != nil {
		return err
	}
	now := s.now()
	period, rows, err := productionRows(&in, a.org.Region, rapport.DayOf(now, a.org.Location()), now)
	if err != nil {
		return err
	}
	ctx := r.Context()
	sess, err := s.db.BeginImport(ctx, a.actor, store.ImportOptions{OwnerID: a.user.ID, Source: productionSource,
		DryRun: in.DryRun, Expected: len(rows), Period: period})
	if err != nil {
		return err
	}
	rep := productionReportJSON{Period: period, DryRun: in.DryRun, Rows: len(rows), Results: make([]productionResultJSON, 0, len(rows)),
		Errors: []productionRowErrorJSON{}}
	created := map[int64]bool{}
	const chunk = 500
	for lo := 0; lo < len(rows); lo += chunk {
		results, err := sess.Add(rows[lo:min(lo+chunk, len(rows))])
		if err != nil {
			sess.Abort()
			return err
		}
		for j, res := range results {
			out := productionResultJSON{Row: lo + j}
			switch res.Outcome {
			case store.Created:
				out.Outcome = "created"
				created[res.PersonID] = true
			case store.Rejected:
				out.Outcome = "skipped"
				rep.Errors = append(rep.Errors, productionRowErrorJSON{Row: lo + j, Message: strings.Join(res.Notes, "; ")})
			default:
				out.Outcome = "matched"
			}
			// Nobody a dry run created exists afterwards.
			if res.PersonID != 0 && !(in.DryRun && created[res.PersonID]) {
				out.PersonID = idPtr(res.PersonID)
			}
			rep.Results = append(rep.Results, out)
		}
	}
	stats, err := sess.Finish()
	if err != nil {
		return err
	}
	rep.Created, rep.Updated, rep.Unchanged, rep.Skipped = stats.Created, stats.Updated, stats.Merged, stats.Rejected
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// productionRows checks a production request and turns its rows into
// import rows. Every problem is reported, by field ("rows[3].email").
func productionRows(in *productionInput, region string, today rapport.Day, now time.Time) (rapport.Day, []store.ImportRow, error) {
	fe := rapport.FieldErrors{}
	period, err := rapport.ParseDay(in.Period)
	switch {
	case strings.TrimSpace(in.Period) == "":
		fe.Add("period", "Give the last day of the 12 months the report covers, as YYYY-MM-DD.")
	case err != nil:
		fe.Add("period", "Use a date as YYYY-MM-DD.")
	case period > today:
		fe.Add("period", "A report covers months that have ended; use today or earlier.")
	}
	switch {
	case len(in.Rows) == 0:
		fe.Add("rows", "Send at least one row.")
	case len(in.Rows) > maxProductionRows:
		return "", nil, &rapport.Error{Code: rapport.EINVALID,
			Message: fmt.Sprintf("Send at most %d rows a request (this one has %d); split the report into several requests.", maxProductionRows, len(in.Rows)),
			Fields:  map[string]string{"rows": fmt.Sprintf("At most %d rows.", maxProductionRows)}}
	}
	rows := make([]store.ImportRow, len(in.Rows))
	mls := map[string]int{}
	for i := range in.Rows {
		rows[i] = productionRow(&in.Rows[i], i, region, now, fe, mls)
	}
	if len(fe) > 0 {
		msg := "Please correct the highlighted fields; nothing was imported."
		if n := badRows(fe); n > 0 {
			msg = fmt.Sprintf("%d of %d rows have problems; nothing was imported.", n, len(in.Rows))
		}
		return "", nil, &rapport.Error{Code: rapport.EINVALID, Message: msg, Fields: fe}
	}
	return period, rows, nil
}

// badRows counts the rows with a problem.
func badRows(fe rapport.FieldErrors) int {
	rows := map[string]bool{}
	for k := range fe {
		if i := strings.Index(k, "]"); strings.HasPrefix(k, "rows[") && i > 0 {
			rows[k[:i]] = true
		}
	}
	return len(rows)
}

// productionRow builds the import row for one report row, adding its
// problems to fe; mls maps the MLS ids of earlier rows to their index.
func productionRow(in *productionRowJSON, i int, region string, now time.Time, fe rapport.FieldErrors, mls map[string]int) store.ImportRow {
	field := func(name string) string { return "rows[" + strconv.Itoa(i) + "]." + name }
	p := rapport.Person{Kind: rapport.KindRecruit, FirstName: in.FirstName, LastName: in.LastName, MLSID: in.MLSID, Office: in.Office}
	r := store.ImportRow{Line: i + 1, OfficeMLSID: strings.TrimSpace(in.OfficeMLSID)}
	num := func(v numberText, name string, hi float64, whole bool) int64 {
		if v == "" {
			return 0
		}
		f, err := strconv.ParseFloat(string(v), 64)
		switch {
		case err != nil || math.IsNaN(f) || math.IsInf(f, 0):
			fe.Add(field(name), "Not a number.")
		case f < 0:
			fe.Add(field(name), "Cannot be negative.")
		case f > hi:
			fe.Add(field(name), fmt.Sprintf("At most %.0f.", hi))
		case whole && f != math.Trunc(f):
			fe.Add(field(name), "Use a whole number.")
		default:
			return int64(math.Round(f))
		}
		return 0
	}
	// The bounds are the domain's (rapport.ValidRank and the like). A rank
	// of 0 is taken as none, as a missing one is: 0 is how a production
	// keeps no rank.
	r.Rank = int(num(in.Rank, "rank", rapport.MaxRank, true))
	p.ListUnits12m = int(num(in.ListUnits, "listUnits", rapport.MaxUnits12m, true))
	p.SellUnits12m = int(num(in.SellUnits, "sellUnits", rapport.MaxUnits12m, true))
	p.Units12m = int(num(in.Units, "units", rapport.MaxUnits12m, true))
	p.Volume12m = num(in.Volume, "volume", rapport.MaxVolume12m, false)
	if p.Units12m == 0 {
		p.Units12m = p.ListUnits12m + p.SellUnits12m
	}
	if v := strings.TrimSpace(in.Email); v != "" {
		addr, err := rapport.NormalizeEmail(v)
		if err != nil {
			fe.Add(field("email"), rapport.ErrorMessage(err))
		} else {
			p.Emails = []rapport.Email{{Address: addr}}
		}
	}
	for _, ph := range []struct{ raw, label, name string }{{in.MobilePhone, "mobile", "mobilePhone"}, {in.OfficePhone, "office", "officePhone"}} {
		if strings.TrimSpace(ph.raw) == "" {
			continue
		}
		n, err := phone.Normalize(ph.raw, region)
		if err != nil {
			fe.Add(field(ph.name), err.Error())
			continue
		}
		// An office line the agent also gave as their own is theirs.
		if len(p.Phones) == 0 || p.Phones[0].Number != n {
			p.Phones = append(p.Phones, rapport.Phone{Number: n, Label: ph.label})
		}
	}
	p.Normalize()
	r.OfficeMLSID = strings.Join(strings.Fields(r.OfficeMLSID), " ")
	for _, c := range []struct {
		name, value string
		max         int
	}{{"mlsId", p.MLSID, 64}, {"officeMlsId", r.OfficeMLSID, 64}, {"office", p.Office, 200}} {
		if len(c.value) > c.max {
			fe.Add(field(c.name), fmt.Sprintf("Keep it under %d characters.", c.max))
		}
	}
	if p.MLSID != "" {
		if j, dup := mls[p.MLSID]; dup {
			fe.Add(field("mlsId"), fmt.Sprintf("Row %d has this MLS id too; send each agent once.", j))
		} else {
			mls[p.MLSID] = i
		}
	}
	if p.FirstName == "" && p.LastName == "" {
		if p.FirstName = importer.UnnamedName(&p, region); p.FirstName == "" {
			fe.Add(field("firstName"), "Give the agent's name, email, phone or MLS id.")
		}
		// A name made up from a contact is no evidence of who they are.
		r.Unnamed = true
	}
	if err := p.Validate(now); err != nil {
		var e *rapport.Error
		if errors.As(err, &e) {
			for k, v := range e.Fields {
				fe.Add(field(productionField(k)), v)
			}
		}
	}
	r.Person = p
	return r
}

// productionField names a person's field as a production row calls it.
func productionField(f string) string {
	switch {
	case f == "first_name":
		return "firstName"
	case f == "last_name":
		return "lastName"
	case f == "units_12m":
		return "units"
	case f == "volume_12m":
		return "volume"
	case strings.HasPrefix(f, "email."):
		return "email"
	}
	return f
}
