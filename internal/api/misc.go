package api

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

type reasonJSON struct {
	Kind rapport.ReasonKind `json:"kind"`
	Text string             `json:"text"`
	Rank int                `json:"rank"`
}

type questionJSON struct {
	Type rapport.FactType `json:"type"`
	Text string           `json:"text"`
}

type cardJSON struct {
	Facts            []factJSON        `json:"facts"`
	Questions        []questionJSON    `json:"questions"`
	LastConversation *conversationJSON `json:"lastConversation"`
	Promises         []followUpJSON    `json:"promises"`
	LastEvent        *eventJSON        `json:"lastEvent"`
}

type todayItemJSON struct {
	Person      personJSON   `json:"person"`
	Reasons     []reasonJSON `json:"reasons"`
	CallableNow bool         `json:"callableNow"`
	CallableAt  *time.Time   `json:"callableAt"`
	Referrer    string       `json:"referrer,omitempty"`
	Card        cardJSON     `json:"card"`
}

type goalJSON struct {
	Done     int       `json:"done"`
	Target   int       `json:"target"`
	DaysLeft int       `json:"daysLeft"`
	Streak   int       `json:"streak"`
	Met      bool      `json:"met"`
	Start    time.Time `json:"weekStart"`
}

type todayJSON struct {
	Items []todayItemJSON `json:"items"`
	Next  *string         `json:"next"`
	Goal  goalJSON        `json:"goal"`
}

// today is the key's user's Today, with the context card for each person
// and the week's goal.
func (s *Server) today(w http.ResponseWriter, r *http.Request, a *account) error {
	ctx := r.Context()
	now := s.now()
	items, err := s.db.TodayList(ctx, a.actor, now)
	if err != nil {
		return err
	}
	out := todayJSON{Items: []todayItemJSON{}}
	for _, e := range items {
		it := todayItemJSON{Person: toPerson(e.Person, nil), CallableNow: e.CallableNow, CallableAt: timePtr(e.CallableAt), Referrer: e.Referrer}
		for _, rs := range e.Reasons {
			it.Reasons = append(it.Reasons, reasonJSON{rs.Kind, rs.Text, rs.Rank})
		}
		c := e.Card
		it.Card = cardJSON{Facts: []factJSON{}, Questions: []questionJSON{}, Promises: []followUpJSON{}}
		for _, g := range c.Facts {
			for i := range g.Facts {
				it.Card.Facts = append(it.Card.Facts, toFact(&g.Facts[i]))
			}
		}
		for _, q := range c.Questions {
			it.Card.Questions = append(it.Card.Questions, questionJSON{q.Type, q.Text})
		}
		if c.LastConversation != nil {
			cj := toConversation(c.LastConversation)
			it.Card.LastConversation = &cj
		}
		for i := range c.Promises {
			it.Card.Promises = append(it.Card.Promises, toFollowUp(&c.Promises[i]))
		}
		if c.LastEvent != nil {
			ej := toEvent(c.LastEvent)
			it.Card.LastEvent = &ej
		}
		out.Items = append(out.Items, it)
	}
	g, err := s.db.WeekGoal(ctx, a.actor, now)
	if err != nil {
		return err
	}
	out.Goal = goalJSON{Done: g.Done, Target: g.Target, DaysLeft: g.DaysLeft, Streak: g.Streak, Met: g.Met(), Start: g.Start.UTC()}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type userJSON struct {
	ID         int64        `json:"id"`
	Email      string       `json:"email"`
	Name       string       `json:"name"`
	Role       rapport.Role `json:"role"`
	TimeZone   string       `json:"timeZone"`
	WeeklyGoal int          `json:"weeklyGoal"`
	TodaySize  int          `json:"todaySize"`
	Active     bool         `json:"active"`
	DisabledAt *time.Time   `json:"disabledAt"`
}

func toUser(u *rapport.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, TimeZone: u.TZ, WeeklyGoal: u.WeeklyGoal,
		TodaySize: u.TodaySize, Active: u.DisabledAt.IsZero(), DisabledAt: timePtr(u.DisabledAt)}
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, a *account) error {
	us, err := s.db.Users(r.Context(), a.actor)
	if err != nil {
		return err
	}
	items := make([]userJSON, len(us))
	for i := range us {
		items[i] = toUser(&us[i])
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.db.User(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUser(u))
	return nil
}

type pipelineJSON struct {
	ID     int64                `json:"id"`
	Kind   rapport.PipelineKind `json:"kind"`
	Name   string               `json:"name"`
	Stages []pipelineStageJSON  `json:"stages"`
}

type pipelineStageJSON struct {
	ID       int64  `json:"id"`
	Key      string `json:"key"`
	Name     string `json:"name"`
	Position int    `json:"position"`
	Closed   bool   `json:"closed"`
}

func (s *Server) listPipelines(w http.ResponseWriter, r *http.Request, a *account) error {
	ps, err := s.db.Pipelines(r.Context(), a.actor)
	if err != nil {
		return err
	}
	items := make([]pipelineJSON, len(ps))
	for i, p := range ps {
		items[i] = pipelineJSON{ID: p.ID, Kind: p.Kind, Name: p.Name, Stages: []pipelineStageJSON{}}
		for _, st := range p.Stages {
			items[i].Stages = append(items[i].Stages, pipelineStageJSON{st.ID, st.Key, st.Name, st.Position, st.Closed})
		}
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

type speedRowJSON struct {
	Key           string `json:"key,omitempty"`
	OwnerID       *int64 `json:"ownerId,omitempty"`
	Leads         int    `json:"leads"`
	Attempted     int    `json:"attempted"`
	MedianSeconds *int64 `json:"medianSeconds"`
	P90Seconds    *int64 `json:"p90Seconds"`
}

type speedJSON struct {
	From     time.Time      `json:"from"`
	To       time.Time      `json:"to"`
	All      speedRowJSON   `json:"all"`
	ByOwner  []speedRowJSON `json:"byOwner"`
	BySource []speedRowJSON `json:"bySource"`
	// Handovers are the period's leads passed on for want of an attempt
	// in the claim window and claims from the pond, newest first (owners
	// and managers; absent for agents).
	Handovers []handoverJSON `json:"handovers,omitempty"`
}

type handoverJSON struct {
	PersonID   int64     `json:"personId"`
	PersonName string    `json:"personName"`
	FromUserID *int64    `json:"fromUserId"`
	ToUserID   *int64    `json:"toUserId"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
}

func toSpeedRow(r rapport.SpeedRow) speedRowJSON {
	out := speedRowJSON{Key: r.Key, OwnerID: idPtr(r.OwnerID), Leads: r.Leads, Attempted: r.Attempted}
	if r.Attempted > 0 {
		m, p := int64(r.Median.Seconds()), int64(r.P90.Seconds())
		out.MedianSeconds, out.P90Seconds = &m, &p
	}
	return out
}

// speedToLead reports time from lead arrival to first attempt, over the
// last 30 days unless from/to say otherwise.
func (s *Server) speedToLead(w http.ResponseWriter, r *http.Request, a *account) error {
	q := r.URL.Query()
	to, err := queryTime(q.Get("to"), "to", a.loc)
	if err != nil {
		return err
	}
	from, err := queryTime(q.Get("from"), "from", a.loc)
	if err != nil {
		return err
	}
	if to.IsZero() {
		to = s.now()
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	rep, err := s.db.SpeedToLead(r.Context(), a.actor, from, to)
	if err != nil {
		return err
	}
	out := speedJSON{From: from.UTC(), To: to.UTC(), All: toSpeedRow(rep.All), ByOwner: []speedRowJSON{}, BySource: []speedRowJSON{}}
	out.All.Key = ""
	for _, row := range rep.ByOwner {
		out.ByOwner = append(out.ByOwner, toSpeedRow(row))
	}
	for _, row := range rep.BySource {
		out.BySource = append(out.BySource, toSpeedRow(row))
	}
	if a.actor.Runs() {
		hs, err := s.db.Handovers(r.Context(), a.actor, from, to)
		if err != nil {
			return err
		}
		out.Handovers = []handoverJSON{}
		for _, h := range hs {
			out.Handovers = append(out.Handovers, handoverJSON{PersonID: h.PersonID, PersonName: h.PersonName, FromUserID: idPtr(h.FromUserID),
				ToUserID: idPtr(h.ToUserID), Reason: h.Reason, At: h.At})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
