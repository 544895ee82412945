package api

import (
	"bytes"
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// The weekly reports (review, funnel, leaderboard) share how a week is
// named, whose figures they show, and that each also answers as CSV.

// reportWeek reads ?week=YYYY-MM-DD, any day of the week to report (this
// week when absent), and returns a moment inside it, weeks being counted
// in loc. Noon keeps the moment inside its day across a daylight-saving
// change. Weeks that have not begun have no figures and are refused.
func reportWeek(r *http.Request, now time.Time, loc *time.Location) (time.Time, error) {
	v := strings.TrimSpace(r.URL.Query().Get("week"))
	if v == "" {
		return now, nil
	}
	d, err := rapport.ParseDay(v)
	if err != nil {
		return time.Time{}, &rapport.Error{Code: rapport.EINVALID, Message: "Use a YYYY-MM-DD date for week.",
			Fields: map[string]string{"week": "Not a date."}}
	}
	at := d.Start(loc).Add(12 * time.Hour)
	if rapport.WeekStart(at, loc).After(now) {
		return time.Time{}, &rapport.Error{Code: rapport.EINVALID, Message: "That week has not begun.",
			Fields: map[string]string{"week": "Choose this week or an earlier one."}}
	}
	return at, nil
}

// reportScope reads whose figures a report shows: the key's user, another
// user of the organisation (?user=ID), or every active user (?team=true);
// the store decides who may see which (store.ReportScope) and the zone
// the weeks are counted in.
func (s *Server) reportScope(r *http.Request, a *account) (*store.ReportScope, error) {
	q := r.URL.Query()
	team := false
	switch q.Get("team") {
	case "", "false":
	case "true":
		team = true
	default:
		return nil, &rapport.Error{Code: rapport.EINVALID, Message: "Use true or false for team.", Fields: map[string]string{"team": "Not true or false."}}
	}
	id, err := queryUserID(q.Get("user"))
	if err != nil {
		return nil, err
	}
	if team && id != 0 {
		return nil, &rapport.Error{Code: rapport.EINVALID, Message: "Ask for one user or for the team, not both.",
			Fields: map[string]string{"team": "Leave out team when asking for one user."}}
	}
	return s.db.ReportScope(r.Context(), a.actor, id, team)
}

// queryUserID reads ?user=ID; absent is 0. Like an id in a path, one
// that is not a number names no one.
func queryUserID(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, rapport.NotFound("user")
	}
	return id, nil
}

func userIDs(users []rapport.User) []int64 {
	ids := make([]int64, len(users))
	for i := range users {
		ids[i] = users[i].ID
	}
	return ids
}

// reportFormat reads whether a report should answer as CSV: ?format=csv,
// or, without format, an Accept header that prefers text/csv to JSON.
func reportFormat(w http.ResponseWriter, r *http.Request) (csv bool, err error) {
	w.Header().Add("Vary", "Accept")
	switch r.URL.Query().Get("format") {
	case "csv":
		return true, nil
	case "json":
		return false, nil
	case "":
		return prefersCSV(r.Header.Values("Accept")), nil
	}
	return false, &rapport.Error{Code: rapport.EINVALID, Message: "Use json or csv for format.", Fields: map[string]string{"format": "Use json or csv."}}
}

// prefersCSV reports whether an Accept header ranks text/csv above every
// media range that JSON would satisfy; a tie goes to JSON.
func prefersCSV(accept []string) bool {
	csvQ, jsonQ := 0.0, 0.0
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(v, 64); err != nil {
					continue
				}
			}
			switch mt {
			case "text/csv":
				csvQ = max(csvQ, q)
			case "application/json", "application/*", "*/*":
				jsonQ = max(jsonQ, q)
			}
		}
	}
	return csvQ > jsonQ
}

// writeCSV answers with a header and rows as CSV, rendered whole before
// anything is sent. Every cell is neutralised as the people export does,
// so that a cell a spreadsheet would read as a formula runs nothing.
func writeCSV(w http.ResponseWriter, filename string, header []string, rows [][]string) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	for _, rec := range append([][]string{header}, rows...) {
		cells := make([]string, len(rec))
		for i, v := range rec {
			cells[i] = importer.Neutralize(v)
		}
		if err := cw.Write(cells); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}

// weekdayName is a weekday as the API writes it: "monday".
func weekdayName(d time.Weekday) string { return strings.ToLower(d.String()) }

// optionalInt is n, or null when n is 0 (a target not set, an average of
// nothing).
func optionalInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// ifAny is v, or null when it was measured over nothing: a percentage of
// none, an average of none (n is how many it was measured over).
func ifAny(v, n int) *int {
	if n <= 0 {
		return nil
	}
	return &v
}

func itoa(n int) string { return strconv.Itoa(n) }
