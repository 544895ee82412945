package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

type factJSON struct {
	ID             int64            `json:"id"`
	PersonID       int64            `json:"personId"`
	Type           rapport.FactType `json:"type"`
	Text           string           `json:"text"`
	LearnedAt      time.Time        `json:"learnedAt"`
	ConversationID *int64           `json:"conversationId"`
	UserID         *int64           `json:"userId"`
	// OnDate is the day the fact is about, when it has one; Today brings
	// the person RemindDays before it.
	OnDate     *string `json:"onDate"`
	RemindDays int     `json:"remindDays"`
}

func toFact(f *rapport.Fact) factJSON {
	return factJSON{ID: f.ID, PersonID: f.PersonID, Type: f.Type, Text: f.Text, LearnedAt: f.LearnedAt.UTC(),
		ConversationID: idPtr(f.ConversationID), UserID: idPtr(f.UserID), OnDate: dayPtr(f.OnDate), RemindDays: f.RemindDays}
}

func dayPtr(d rapport.Day) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

type factInput struct {
	Type      rapport.FactType `json:"type"`
	Text      string           `json:"text"`
	LearnedAt *time.Time       `json:"learnedAt"`
	// OnDate (YYYY-MM-DD) dates the fact; RemindDays (default 14) is how
	// many days before it the person is on Today.
	OnDate     *string `json:"onDate"`
	RemindDays *int    `json:"remindDays"`
}

// fact is the input as a fact.
func (in *factInput) fact() rapport.Fact {
	f := rapport.Fact{Type: in.Type, Text: in.Text}
	if in.OnDate != nil && *in.OnDate != "" {
		f.OnDate, f.RemindDays = rapport.Day(*in.OnDate), rapport.DefaultRemindDays
		if in.RemindDays != nil {
			f.RemindDays = *in.RemindDays
		}
	}
	return f
}

func (s *Server) listFacts(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	facts, err := s.db.Facts(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	items := make([]factJSON, len(facts))
	for i := range facts {
		items[i] = toFact(&facts[i])
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

func (s *Server) createFact(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in factInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	fact := in.fact()
	f := &fact
	f.PersonID = id
	if in.LearnedAt != nil {
		if in.LearnedAt.After(s.now().Add(10 * time.Minute)) {
			return &rapport.Error{Code: rapport.EINVALID, Message: "A fact cannot be learned in the future.", Fields: map[string]string{"learnedAt": "In the future."}}
		}
		f.LearnedAt = in.LearnedAt.UTC()
	}
	if err := s.db.AddFact(r.Context(), a.actor, f); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/people/"+strconv.FormatInt(id, 10)+"/facts")
	writeJSON(w, http.StatusCreated, toFact(f))
	return nil
}

func (s *Server) deleteFact(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fid, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	if err := s.db.DeleteFact(r.Context(), a.actor, id, fid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
