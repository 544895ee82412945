package api

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// objectionsJSON counts the objections that came up in the users'
// conversations over the weeks ending with the one asked for, and how
// those conversations ended.
type objectionsJSON struct {
	WeekStart  rapport.Day         `json:"weekStart"`
	Weeks      int                 `json:"weeks"`
	From       time.Time           `json:"from"`
	To         time.Time           `json:"to"`
	TimeZone   string              `json:"timeZone"`
	UserIDs    []int64             `json:"userIds"`
	Objections []objectionStatJSON `json:"objections"`
}

type objectionStatJSON struct {
	Key   string `json:"key"`
	Text  string `json:"text"`
	Count int    `json:"count"`
	// Live conversations went on after the objection; nextStep ones ended
	// with a follow-up set, appointment ones with an appointment.
	Live        int `json:"live"`
	NextStep    int `json:"nextStep"`
	Appointment int `json:"appointment"`
	DoNotCall   int `json:"doNotCall"`
}

// Objection reports cover a few weeks by default.
const (
	defaultObjectionWeeks = 4
	maxObjectionWeeks     = 52
)

// objectionReport is the objection statistics of the key's user, another
// user or the team, most frequent first. As CSV it is its rows.
func (s *Server) objectionReport(w http.ResponseWriter, r *http.Request, a *account) error {
	asCSV, err := reportFormat(w, r)
	if err != nil {
		return err
	}
	sc, err := s.reportScope(r, a)
	if err != nil {
		return err
	}
	users := sc.Users
	at, err := reportWeek(r, s.now(), sc.Loc)
	if err != nil {
		return err
	}
	weeks, err := queryInt(r.URL.Query().Get("weeks"), "weeks", defaultObjectionWeeks)
	if err != nil {
		return err
	}
	if weeks < 1 || weeks > maxObjectionWeeks {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Use 1 to " + itoa(maxObjectionWeeks) + " for weeks.",
			Fields: map[string]string{"weeks": "Out of range."}}
	}
	week := rapport.DayOf(rapport.WeekStart(at, sc.Loc), sc.Loc)
	from, to := week.AddDays(-7*(weeks-1)).Start(sc.Loc), week.AddDays(7).Start(sc.Loc)
	stats, err := s.db.ObjectionStats(r.Context(), a.actor, userIDs(users), from, to)
	if err != nil {
		return err
	}
	out := objectionsJSON{WeekStart: week, Weeks: weeks, From: from.UTC(), To: to.UTC(), TimeZone: sc.Loc.String(), UserIDs: userIDs(users),
		Objections: []objectionStatJSON{}}
	for _, st := range stats {
		out.Objections = append(out.Objections, objectionStatJSON{Key: st.Key, Text: st.Text, Count: st.N, Live: st.Live,
			NextStep: st.NextStep, Appointment: st.Appointment, DoNotCall: st.DoNotCall})
	}
	if !asCSV {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	rows := make([][]string, len(out.Objections))
	for i, o := range out.Objections {
		rows[i] = []string{o.Key, o.Text, itoa(o.Count), itoa(o.Live), itoa(o.NextStep), itoa(o.Appointment), itoa(o.DoNotCall)}
	}
	return writeCSV(w, "objections-"+week.String()+".csv",
		[]string{"Key", "Objection", "Times", "Live", "Next step set", "Appointment", "Do not call"}, rows)
}
