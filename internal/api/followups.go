package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

type followUpJSON struct {
	ID             int64                  `json:"id"`
	PersonID       int64                  `json:"personId"`
	PersonName     string                 `json:"personName,omitempty"`
	UserID         int64                  `json:"userId"`
	ConversationID *int64                 `json:"conversationId"`
	Kind           rapport.FollowUpKind   `json:"kind"`
	Owes           rapport.Owes           `json:"owes"`
	DueOn          rapport.Day            `json:"dueOn"`
	DueTime        string                 `json:"dueTime,omitempty"`
	Note           string                 `json:"note"`
	Status         rapport.FollowUpStatus `json:"status"`
	CreatedAt      time.Time              `json:"createdAt"`
	DoneAt         *time.Time             `json:"doneAt"`
	CancelledAt    *time.Time             `json:"cancelledAt"`
}

func toFollowUp(f *rapport.FollowUp) followUpJSON {
	out := followUpJSON{ID: f.ID, PersonID: f.PersonID, UserID: f.UserID, ConversationID: idPtr(f.ConversationID), Kind: f.Kind,
		Owes: f.Owes, DueOn: f.DueOn, DueTime: f.DueTime, Note: f.Note, Status: f.Status, CreatedAt: f.CreatedAt.UTC(),
		DoneAt: timePtr(f.DoneAt), CancelledAt: timePtr(f.CancelledAt)}
	if f.Person != nil {
		out.PersonName = f.Person.Name
	}
	return out
}

func (s *Server) listFollowUps(w http.ResponseWriter, r *http.Request, a *account) error {
	q := r.URL.Query()
	f := store.FollowUpFilter{Status: rapport.FollowUpStatus(q.Get("status")), Owes: rapport.Owes(q.Get("owes")), Cursor: q.Get("cursor")}
	switch f.Status {
	case "", rapport.FollowUpOpen, rapport.FollowUpDone, rapport.FollowUpCancelled:
	default:
		return &rapport.Error{Code: rapport.EINVALID, Message: "Unknown status.", Fields: map[string]string{"status": "Use open, done or cancelled."}}
	}
	if f.Owes != "" && f.Owes != rapport.OwesMe && f.Owes != rapport.OwesThem {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Unknown owes.", Fields: map[string]string{"owes": "Use me or them."}}
	}
	var err error
	if f.PersonID, err = queryID(q.Get("personId"), "personId"); err != nil {
		return err
	}
	if q.Get("userId") == "me" {
		f.UserID = a.user.ID
	} else if f.UserID, err = queryID(q.Get("userId"), "userId"); err != nil {
		return err
	}
	if f.Limit, err = queryInt(q.Get("limit"), "limit", 50); err != nil {
		return err
	}
	f.Limit = min(f.Limit, 200)
	for name, dst := range map[string]*rapport.Day{"dueFrom": &f.DueFrom, "dueTo": &f.DueTo} {
		if v := q.Get(name); v != "" {
			d, err := rapport.ParseDay(v)
			if err != nil {
				return &rapport.Error{Code: rapport.EINVALID, Message: "Use a YYYY-MM-DD date for " + name + ".", Fields: map[string]string{name: "Not a date."}}
			}
			*dst = d
		}
	}
	fus, next, err := s.db.FollowUpsPage(r.Context(), a.actor, f)
	if err != nil {
		return err
	}
	items := make([]followUpJSON, len(fus))
	for i := range fus {
		items[i] = toFollowUp(&fus[i])
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}

func (s *Server) createFollowUp(w http.ResponseWriter, r *http.Request, a *account) error {
	var in followUpInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if in.PersonID == 0 {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Say who the follow-up is with.", Fields: map[string]string{"personId": "Required."}}
	}
	f, err := in.build(a, s.now())
	if err != nil {
		return err
	}
	if err := s.db.CheckVisible(r.Context(), a.actor, f.PersonID); err != nil {
		return err
	}
	if err := s.db.CreateFollowUp(r.Context(), a.actor, f); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/followups/"+strconv.FormatInt(f.ID, 10))
	writeJSON(w, http.StatusCreated, toFollowUp(f))
	return nil
}

func (s *Server) getFollowUp(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := s.db.FollowUp(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toFollowUp(f))
	return nil
}

func (s *Server) doneFollowUp(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.closeFollowUp(w, r, a, rapport.FollowUpDone)
}

func (s *Server) cancelFollowUp(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.closeFollowUp(w, r, a, rapport.FollowUpCancelled)
}

func (s *Server) closeFollowUp(w http.ResponseWriter, r *http.Request, a *account, status rapport.FollowUpStatus) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.db.FollowUp(r.Context(), a.actor, id); err != nil {
		return err
	}
	if err := s.db.CloseFollowUp(r.Context(), a.actor, id, status); err != nil {
		return err
	}
	return s.getFollowUp(w, r, a)
}
