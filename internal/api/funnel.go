package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// funnelJSON follows the people first attempted in a period through
// connected, live conversation, appointment and won, for everyone and by
// lead source and by kind.
type funnelJSON struct {
	WeekStart rapport.Day     `json:"weekStart"`
	Weeks     int             `json:"weeks"`
	From      time.Time       `json:"from"`
	To        time.Time       `json:"to"`
	TimeZone  string          `json:"timeZone"`
	UserIDs   []int64         `json:"userIds"`
	Total     funnelRowJSON   `json:"total"`
	BySource  []funnelRowJSON `json:"bySource"`
	ByKind    []funnelRowJSON `json:"byKind"`
}

type funnelRowJSON struct {
	Group string `json:"group"`
	// Kind is the key of a byKind row's group.
	Kind                rapport.Kind     `json:"kind,omitempty"`
	Attempted           int              `json:"attempted"`
	Connected           int              `json:"connected"`
	Live                int              `json:"live"`
	Appointment         int              `json:"appointment"`
	Won                 int              `json:"won"`
	Steps               []funnelStepJSON `json:"steps"`
	LivePercent         int              `json:"livePercent"`
	WonPercent          int              `json:"wonPercent"`
	MedianSecondsToLive *int64           `json:"medianSecondsToLive"`
	// LiveAtAttempt[i]: people whose first live conversation came at
	// attempt i+1 (the last: 8 or later).
	LiveAtAttempt []int `json:"liveAtAttempt"`
	ReachedLive   int   `json:"reachedLive"`
}

type funnelStepJSON struct {
	Name    string `json:"name"`
	Count   int    `json:"count"`
	Percent int    `json:"percent"`
}

func toFunnelRow(row rapport.FunnelRow) funnelRowJSON {
	out := funnelRowJSON{Group: row.Group, Attempted: row.Attempted, Connected: row.Connected, Live: row.Live,
		Appointment: row.Appointment, Won: row.Won, LivePercent: row.LivePercent(), WonPercent: row.WonPercent(), ReachedLive: row.ToLiveN,
		LiveAtAttempt: row.LiveAtAttempt[:]}
	for _, st := range row.Steps() {
		out.Steps = append(out.Steps, funnelStepJSON{Name: st.Name, Count: st.N, Percent: st.Percent})
	}
	if row.ToLiveN > 0 {
		sec := int64(row.ToLive / time.Second)
		out.MedianSecondsToLive = &sec
	}
	return out
}

// Funnel periods are counted in weeks.
const (
	defaultFunnelWeeks = 13
	maxFunnelWeeks     = 104
)

// funnel is the funnel of the people first attempted over the weeks
// ending with the one asked for. As CSV it is its rows: the total, then by
// source, then by kind.
func (s *Server) funnel(w http.ResponseWriter, r *http.Request, a *account) error {
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
	weeks, err := queryInt(r.URL.Query().Get("weeks"), "weeks", defaultFunnelWeeks)
	if err != nil {
		return err
	}
	if weeks < 1 || weeks > maxFunnelWeeks {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Use 1 to " + itoa(maxFunnelWeeks) + " for weeks.",
			Fields: map[string]string{"weeks": "Out of range."}}
	}
	week := rapport.DayOf(rapport.WeekStart(at, sc.Loc), sc.Loc)
	from, to := week.AddDays(-7*(weeks-1)).Start(sc.Loc), week.AddDays(7).Start(sc.Loc)
	f, err := s.db.Funnel(r.Context(), a.actor, users, from, to)
	if err != nil {
		return err
	}
	out := funnelJSON{WeekStart: week, Weeks: weeks, From: from.UTC(), To: to.UTC(), TimeZone: sc.Loc.String(), UserIDs: userIDs(users),
		Total: toFunnelRow(f.Total), BySource: []funnelRowJSON{}, ByKind: []funnelRowJSON{}}
	for _, row := range f.BySource {
		out.BySource = append(out.BySource, toFunnelRow(row))
	}
	for _, row := range f.ByKind {
		fr := toFunnelRow(row)
		for _, k := range rapport.Kinds {
			if k.Label() == row.Group {
				fr.Kind = k
			}
		}
		out.ByKind = append(out.ByKind, fr)
	}
	if !asCSV {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	header := []string{"By", "Group"}
	for i, st := range out.Total.Steps {
		header = append(header, st.Name)
		if i > 0 {
			header = append(header, st.Name+" %")
		}
	}
	header = append(header, "Median seconds to first live")
	var rows [][]string
	add := func(by string, fr funnelRowJSON) {
		rec := []string{by, fr.Group}
		for i, st := range fr.Steps {
			rec = append(rec, itoa(st.Count))
			if i > 0 {
				rec = append(rec, itoa(st.Percent))
			}
		}
		median := ""
		if fr.MedianSecondsToLive != nil {
			median = strconv.FormatInt(*fr.MedianSecondsToLive, 10)
		}
		rows = append(rows, append(rec, median))
	}
	add("total", out.Total)
	for _, fr := range out.BySource {
		add("source", fr)
	}
	for _, fr := range out.ByKind {
		add("kind", fr)
	}
	return writeCSV(w, "funnel-"+week.String()+".csv", header, rows)
}

// leaderboardJSON ranks the organisation's active users by live
// conversations in a week.
type leaderboardJSON struct {
	WeekStart rapport.Day     `json:"weekStart"`
	Rows      []leaderRowJSON `json:"rows"`
}

type leaderRowJSON struct {
	Rank    int         `json:"rank"`
	User    userRefJSON `json:"user"`
	Live    int         `json:"live"`
	Target  int         `json:"target"`
	Percent int         `json:"percent"`
	Streak  int         `json:"streak"`
}

type userRefJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// leaderboard ranks the team's week, for owners and managers. As CSV it
// is its rows.
func (s *Server) leaderboard(w http.ResponseWriter, r *http.Request, a *account) error {
	asCSV, err := reportFormat(w, r)
	if err != nil {
		return err
	}
	now := s.now()
	at, err := reportWeek(r, now, a.loc)
	if err != nil {
		return err
	}
	// The store counts each user's own week holding this moment, to its
	// end or to now: the week's Wednesday noon is inside it in every zone.
	week := rapport.DayOf(rapport.WeekStart(at, a.loc), a.loc)
	mid := week.AddDays(2).Start(a.loc).Add(12 * time.Hour)
	rows, err := s.db.Leaderboard(r.Context(), a.actor, mid)
	if err != nil {
		return err
	}
	out := leaderboardJSON{WeekStart: week, Rows: []leaderRowJSON{}}
	for i, row := range rows {
		out.Rows = append(out.Rows, leaderRowJSON{Rank: i + 1, User: userRefJSON{ID: row.User.ID, Name: row.User.DisplayName()},
			Live: row.Live, Target: row.Target, Percent: row.Percent(), Streak: row.Streak})
	}
	if !asCSV {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	csvRows := make([][]string, len(out.Rows))
	for i, row := range out.Rows {
		csvRows[i] = []string{itoa(row.Rank), row.User.Name, itoa(row.Live), itoa(row.Target), itoa(row.Percent), itoa(row.Streak)}
	}
	return writeCSV(w, "leaderboard-"+week.String()+".csv",
		[]string{"Rank", "User", "Live conversations", "Target", "Percent", "Streak"}, csvRows)
}
