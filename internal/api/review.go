package api

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// reviewJSON is a week's review: its counts against their targets, the
// trend, the quality measures, the call blocks, what stands in the way,
// and when calls connect.
type reviewJSON struct {
	WeekStart rapport.Day `json:"weekStart"`
	From      time.Time   `json:"from"`
	To        time.Time   `json:"to"`
	// TimeZone is the zone weeks are counted in: the key's user's.
	TimeZone           string            `json:"timeZone"`
	Current            bool              `json:"current"`
	UserIDs            []int64           `json:"userIds"`
	Measures           []measureJSON     `json:"measures"`
	Trend              []weekFiguresJSON `json:"trend"`
	Quality            qualityJSON       `json:"quality"`
	Blocks             []blockTimeJSON   `json:"blocks"`
	Obstacles          []obstacleJSON    `json:"obstacles"`
	HeatMap            heatMapJSON       `json:"heatMap"`
	Baseline           baselineJSON      `json:"baseline"`
	LivePercent        int               `json:"livePercent"`
	LivePercentAssumed bool              `json:"livePercentAssumed"`
	NeededAttempts     *int              `json:"neededAttempts"`
}

type measureJSON struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Done   int    `json:"done"`
	Target *int   `json:"target"`
}

type weekFiguresJSON struct {
	WeekStart    rapport.Day `json:"weekStart"`
	Attempts     int         `json:"attempts"`
	Connects     int         `json:"connects"`
	Live         int         `json:"live"`
	Appointments int         `json:"appointments"`
	NewPeople    int         `json:"newPeople"`
	Referrals    int         `json:"referrals"`
}

func toWeekFigures(w rapport.WeekFigures, loc *time.Location) weekFiguresJSON {
	return weekFiguresJSON{WeekStart: rapport.DayOf(w.Start, loc), Attempts: w.Attempts, Connects: w.Connects, Live: w.Live,
		Appointments: w.Appointments, NewPeople: w.NewPeople, Referrals: w.Referrals}
}

// count is the week's figure for a measure's key.
func (w weekFiguresJSON) count(key string) int {
	switch key {
	case "attempts":
		return w.Attempts
	case "connects":
		return w.Connects
	case "live":
		return w.Live
	case "appointments":
		return w.Appointments
	case "new_people":
		return w.NewPeople
	case "referrals":
		return w.Referrals
	}
	return 0
}

type baselineJSON struct {
	From         rapport.Day `json:"from"`
	Weeks        int         `json:"weeks"`
	Attempts     int         `json:"attempts"`
	Connects     int         `json:"connects"`
	Live         int         `json:"live"`
	Appointments int         `json:"appointments"`
	NewPeople    int         `json:"newPeople"`
	Referrals    int         `json:"referrals"`
}

type qualityJSON struct {
	Story     storyJSON     `json:"story"`
	LiveCalls liveCallsJSON `json:"liveCalls"`
	Promises  promisesJSON  `json:"promises"`
}

type storyJSON struct {
	Active  int  `json:"active"`
	Known   int  `json:"known"`
	Unknown int  `json:"unknown"`
	Percent *int `json:"percent"`
}

type liveCallsJSON struct {
	Timed          int  `json:"timed"`
	AverageSeconds *int `json:"averageSeconds"`
}

type promisesJSON struct {
	Due              int  `json:"due"`
	OnTime           int  `json:"onTime"`
	WithinDay        int  `json:"withinDay"`
	OnTimePercent    *int `json:"onTimePercent"`
	WithinDayPercent *int `json:"withinDayPercent"`
}

type blockTimeJSON struct {
	BlockID       int64     `json:"blockId"`
	UserID        int64     `json:"userId"`
	Weekday       string    `json:"weekday"`
	Label         string    `json:"label"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Kept          bool      `json:"kept"`
	Upcoming      bool      `json:"upcoming"`
	Conversations int       `json:"conversations"`
}

type obstacleJSON struct {
	Key        string `json:"key"`
	Title      string `json:"title"`
	Figure     string `json:"figure"`
	Suggestion string `json:"suggestion"`
}

type heatMapJSON struct {
	Attempts       int              `json:"attempts"`
	Connects       int              `json:"connects"`
	ConnectPercent *int             `json:"connectPercent"`
	Days           []heatDayJSON    `json:"days"`
	Best           []heatWindowJSON `json:"best"`
}

type heatDayJSON struct {
	Weekday string         `json:"weekday"`
	Hours   []heatCellJSON `json:"hours"`
}

type heatCellJSON struct {
	Hour     int `json:"hour"`
	Attempts int `json:"attempts"`
	Connects int `json:"connects"`
}

type heatWindowJSON struct {
	Weekday        string `json:"weekday"`
	Hour           int    `json:"hour"`
	Label          string `json:"label"`
	Attempts       int    `json:"attempts"`
	Connects       int    `json:"connects"`
	ConnectPercent int    `json:"connectPercent"`
}

// bestWindows is how many of the best calling windows the review lists.
const bestWindows = 5

func toReview(rv *rapport.Review, users []rapport.User, loc *time.Location) reviewJSON {
	out := reviewJSON{WeekStart: rapport.DayOf(rv.Start, loc), From: rv.Start.UTC(), To: rv.End.UTC(), TimeZone: loc.String(),
		Current: rv.Current, UserIDs: userIDs(users), LivePercent: rv.LivePercent, LivePercentAssumed: rv.Assumed,
		NeededAttempts: optionalInt(rv.NeededAttempts), Blocks: []blockTimeJSON{}, Obstacles: []obstacleJSON{}}
	for _, m := range rv.Measures() {
		out.Measures = append(out.Measures, measureJSON{Key: m.Key, Name: m.Name, Done: m.Done, Target: optionalInt(m.Target)})
	}
	for _, w := range rv.Trend {
		out.Trend = append(out.Trend, toWeekFigures(w, loc))
	}
	b := rv.Baseline
	out.Baseline = baselineJSON{From: rapport.DayOf(b.Start, loc), Weeks: rapport.BaselineWeeks, Attempts: b.Attempts, Connects: b.Connects,
		Live: b.Live, Appointments: b.Appointments, NewPeople: b.NewPeople, Referrals: b.Referrals}
	q := rv.Quality
	out.Quality = qualityJSON{
		Story:     storyJSON{Active: q.Story.Active, Known: q.Story.Known, Unknown: q.Story.Unknown, Percent: ifAny(q.StoryPercent(), q.Story.Active)},
		LiveCalls: liveCallsJSON{Timed: q.TimedLive, AverageSeconds: ifAny(q.AvgLiveSeconds, q.TimedLive)},
		Promises: promisesJSON{Due: q.PromisesDue, OnTime: q.OnTime, WithinDay: q.WithinDay,
			OnTimePercent: ifAny(q.OnTimePercent(), q.PromisesDue), WithinDayPercent: ifAny(q.WithinDayPercent(), q.PromisesDue)},
	}
	for _, bt := range rv.Blocks {
		out.Blocks = append(out.Blocks, blockTimeJSON{BlockID: bt.Block.ID, UserID: bt.Block.UserID, Weekday: weekdayName(bt.Block.Weekday),
			Label: bt.Block.Label(), Start: bt.Start.UTC(), End: bt.End.UTC(), Kept: bt.Kept, Upcoming: bt.Upcoming, Conversations: bt.Conversations})
	}
	for _, o := range rv.Obstacles {
		out.Obstacles = append(out.Obstacles, obstacleJSON{Key: o.Key, Title: o.Title, Figure: o.Figure, Suggestion: o.Suggestion})
	}
	out.HeatMap = toHeatMap(&rv.Heat)
	return out
}

// toHeatMap writes the heat map Monday first, each day's 24 hours in
// order, with the best two-hour windows.
func toHeatMap(h *rapport.HeatMap) heatMapJSON {
	out := heatMapJSON{Attempts: h.Attempts, Connects: h.Connects, ConnectPercent: ifAny(h.Rate(), h.Attempts), Best: []heatWindowJSON{}}
	for d := range h.Cells {
		day := heatDayJSON{Weekday: weekdayName(time.Weekday((d + 1) % 7)), Hours: make([]heatCellJSON, len(h.Cells[d]))}
		for hr, c := range h.Cells[d] {
			day.Hours[hr] = heatCellJSON{Hour: hr, Attempts: c.Attempts, Connects: c.Connects}
		}
		out.Days = append(out.Days, day)
	}
	for i, w := range h.Best() {
		if i == bestWindows {
			break
		}
		out.Best = append(out.Best, heatWindowJSON{Weekday: weekdayName(w.Weekday), Hour: w.Hour, Label: w.Label(),
			Attempts: w.Attempts, Connects: w.Connects, ConnectPercent: w.Rate()})
	}
	return out
}

// review is the weekly review of the key's user, another user or the
// team, with weeks counted in the key's user's zone. As CSV it is the
// trend: one row a week.
func (s *Server) review(w http.ResponseWriter, r *http.Request, a *account) error {
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
	rv, err := s.db.Review(r.Context(), a.actor, users, sc.Loc, at)
	if err != nil {
		return err
	}
	out := toReview(rv, users, sc.Loc)
	if !asCSV {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	header := []string{"Week"}
	for _, m := range out.Measures {
		header = append(header, m.Name)
	}
	rows := make([][]string, len(out.Trend))
	for i, wk := range out.Trend {
		rows[i] = []string{wk.WeekStart.String()}
		for _, m := range out.Measures {
			rows[i] = append(rows[i], itoa(wk.count(m.Key)))
		}
	}
	return writeCSV(w, "review-"+out.WeekStart.String()+".csv", header, rows)
}
