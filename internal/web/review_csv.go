package web

import (
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// The review's figures as CSV, for a spreadsheet: the same scope and week
// as the pages, every cell made safe to open.

// csvFile starts a CSV download named name.
func csvFile(w http.ResponseWriter, name string) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	return csv.NewWriter(w)
}

func writeRows(cw *csv.Writer, rows [][]string) error {
	for _, row := range rows {
		for i, v := range row {
			row[i] = importer.Neutralize(v)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// scopeSlug names a download by whose figures it holds.
func scopeSlug(sc *reviewScope) string {
	switch {
	case sc.Team:
		return "-team"
	case sc.Member != nil:
		return "-user-" + strconv.FormatInt(sc.Member.ID, 10)
	}
	return ""
}

// reviewCSV downloads the trend's weeks with their targets.
func (s *Server) reviewCSV(w http.ResponseWriter, r *http.Request, a *account) error {
	sc, err := s.reviewScope(r, a)
	if err != nil {
		return err
	}
	week := readWeek(r, s.now(), sc.Loc)
	rev, err := s.db.Review(r.Context(), a.actor, sc.Users, sc.Loc, week.At)
	if err != nil {
		return err
	}
	t := rev.Targets
	rows := [][]string{{"Week starting", "Attempts", "Connects", "Live conversations", "Appointments and meetings", "New people", "Referrals received",
		"Attempt target", "Connect target", "Live conversation target", "Appointment target", "New people target", "Referral target"}}
	for _, f := range rev.Trend {
		rows = append(rows, []string{f.Start.Format("2006-01-02"), itoa(f.Attempts), itoa(f.Connects), itoa(f.Live), itoa(f.Appointments),
			itoa(f.NewPeople), itoa(f.Referrals), itoa(t.Attempts), itoa(t.Connects), itoa(t.Live), itoa(t.Appointments),
			itoa(t.NewPeople), itoa(t.Referrals)})
	}
	return writeRows(csvFile(w, "rapport-review-"+string(week.Start)+scopeSlug(sc)), rows)
}

// funnelCSV downloads the funnel's rows, everyone then by source and kind.
func (s *Server) funnelCSV(w http.ResponseWriter, r *http.Request, a *account) error {
	page, err := s.loadFunnel(r, a)
	if err != nil {
		return err
	}
	rows := [][]string{{"Group by", "Group", "Attempted", "Connected", "Live conversation", "Appointment", "Won",
		"Connected % of attempted", "Live % of connected", "Appointment % of live", "Won % of appointment",
		"Live % of attempted", "Median hours from first attempt to first live conversation", "People with a live conversation"}}
	add := func(by string, fr rapport.FunnelRow) {
		st := fr.Steps()
		median := ""
		if fr.ToLiveN > 0 {
			median = strconv.FormatFloat(fr.ToLive.Hours(), 'f', 1, 64)
		}
		rows = append(rows, []string{by, fr.Group, itoa(fr.Attempted), itoa(fr.Connected), itoa(fr.Live), itoa(fr.Appointment), itoa(fr.Won),
			itoa(st[1].Percent), itoa(st[2].Percent), itoa(st[3].Percent), itoa(st[4].Percent), itoa(fr.LivePercent()), median, itoa(fr.ToLiveN)})
	}
	add("Total", page.Funnel.Total)
	for _, fr := range page.Funnel.BySource {
		add("Source", fr)
	}
	for _, fr := range page.Funnel.ByKind {
		add("Kind", fr)
	}
	name := "rapport-funnel-" + string(page.Week.Start) + "-" + strconv.Itoa(page.Weeks) + "w" + scopeSlug(page.Scope)
	return writeRows(csvFile(w, name), rows)
}

func itoa(n int) string { return strconv.Itoa(n) }
