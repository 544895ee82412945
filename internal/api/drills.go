package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Practice drills: a user answers an objection of the playbook, gets each
// rule's verdict and the playbook's responses to compare with, and keeps
// a history and a streak; managers assign sets of objections to practise.

// drillJSON is one practice response with its score.
type drillJSON struct {
	ID            int64  `json:"id"`
	Objection     string `json:"objection"`
	ObjectionText string `json:"objectionText"`
	Response      string `json:"response"`
	Score         int    `json:"score"`
	// Passed are the keys of the checks the response passed.
	Passed    []string  `json:"passed"`
	CreatedAt time.Time `json:"createdAt"`
}

func toDrill(d *store.DrillAttempt, pb *rapport.Playbook) drillJSON {
	out := drillJSON{ID: d.ID, Objection: d.Objection, Response: d.Response, Score: d.Score, Passed: []string{}, CreatedAt: d.CreatedAt.UTC()}
	if e, ok := pb.Find(rapport.EntryObjection, d.Objection); ok {
		out.ObjectionText = e.Text
	}
	if d.Passed != "" {
		out.Passed = strings.Split(d.Passed, ",")
	}
	return out
}

type checkJSON struct {
	Key     string `json:"key"`
	Name    string `json:"name"`
	Passed  bool   `json:"passed"`
	Message string `json:"message"`
}

// practisedJSON is the answer to a practice response: its score, each
// check, and the playbook's responses to the objection with why they
// work.
type practisedJSON struct {
	drillJSON
	OutOf     int         `json:"outOf"`
	Good      bool        `json:"good"`
	Words     int         `json:"words"`
	Checks    []checkJSON `json:"checks"`
	Exemplars []string    `json:"exemplars"`
	Why       string      `json:"why"`
}

type drillInput struct {
	Objection string `json:"objection"`
	Response  string `json:"response"`
}

// practise assesses the key's user's response to an objection and keeps
// it in their history.
func (s *Server) practise(w http.ResponseWriter, r *http.Request, a *account) error {
	var in drillInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	in.Objection = strings.TrimSpace(in.Objection)
	if in.Objection == "" {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Choose the objection to answer.", Fields: map[string]string{"objection": "Required."}}
	}
	ctx := r.Context()
	d, fb, err := s.db.Practise(ctx, a.actor, in.Objection, in.Response)
	if err != nil {
		return err
	}
	pb, err := s.db.Playbook(ctx, a.actor)
	if err != nil {
		return err
	}
	out := practisedJSON{drillJSON: toDrill(d, pb), OutOf: len(fb.Checks), Good: fb.Good(), Words: fb.Words, Exemplars: []string{}}
	for _, c := range fb.Checks {
		out.Checks = append(out.Checks, checkJSON{Key: c.Key, Name: c.Name, Passed: c.Passed, Message: c.Message})
	}
	if e, ok := pb.Find(rapport.EntryObjection, d.Objection); ok {
		out.Exemplars, out.Why = append(out.Exemplars, e.Responses...), e.Why
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// drillHistoryJSON is the key's user's practice, newest first, with the
// days in a row they practised.
type drillHistoryJSON struct {
	list[drillJSON]
	// Streak counts the days in a row, ending today or yesterday in the
	// user's zone, with practice.
	Streak int `json:"streak"`
}

// Drill history pages are bounded.
const (
	defaultDrillLimit = 50
	maxDrillLimit     = 200
)

func (s *Server) listDrills(w http.ResponseWriter, r *http.Request, a *account) error {
	limit, err := queryInt(r.URL.Query().Get("limit"), "limit", defaultDrillLimit)
	if err != nil {
		return err
	}
	if limit < 1 || limit > maxDrillLimit {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Use 1 to " + itoa(maxDrillLimit) + " for limit.",
			Fields: map[string]string{"limit": "Out of range."}}
	}
	ctx := r.Context()
	ds, err := s.db.DrillHistory(ctx, a.actor, a.user.ID, limit)
	if err != nil {
		return err
	}
	days, err := s.db.PracticeDays(ctx, a.actor, a.user.ID)
	if err != nil {
		return err
	}
	pb, err := s.db.Playbook(ctx, a.actor)
	if err != nil {
		return err
	}
	items := make([]drillJSON, len(ds))
	for i := range ds {
		items[i] = toDrill(&ds[i], pb)
	}
	writeJSON(w, http.StatusOK, drillHistoryJSON{list: newList(items, ""), Streak: rapport.PracticeStreak(s.now(), a.loc, days)})
	return nil
}

// assignmentJSON is a set of objections a manager asked a user to
// practise.
type assignmentJSON struct {
	ID           int64     `json:"id"`
	UserID       int64     `json:"userId"`
	Objections   []string  `json:"objections"`
	Note         string    `json:"note"`
	AssignedByID *int64    `json:"assignedById"`
	CreatedAt    time.Time `json:"createdAt"`
}

func toAssignment(d *store.DrillAssignment) assignmentJSON {
	return assignmentJSON{ID: d.ID, UserID: d.UserID, Objections: d.Keys(), Note: d.Note, AssignedByID: idPtr(d.AssignedBy), CreatedAt: d.CreatedAt.UTC()}
}

type assignmentInput struct {
	UserID     int64    `json:"userId"`
	Objections []string `json:"objections"`
	Note       string   `json:"note"`
}

// assignDrills asks a user of the organisation to practise objections;
// for owners and managers.
func (s *Server) assignDrills(w http.ResponseWriter, r *http.Request, a *account) error {
	var in assignmentInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if in.UserID == 0 {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Say who should practise.", Fields: map[string]string{"userId": "Required."}}
	}
	d, err := s.db.AssignDrills(r.Context(), a.actor, in.UserID, in.Objections, in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toAssignment(d))
	return nil
}

// listAssignments lists the key's user's drill assignments, newest first;
// owners and managers may ask for another user's (?user=ID).
func (s *Server) listAssignments(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := queryUserID(r.URL.Query().Get("user"))
	if err != nil {
		return err
	}
	if id == 0 {
		id = a.user.ID
	}
	ds, err := s.db.DrillAssignments(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	items := make([]assignmentJSON, len(ds))
	for i := range ds {
		items[i] = toAssignment(&ds[i])
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}
