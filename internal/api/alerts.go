package api

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// alertsJSON is a user's choice of alerts.
type alertsJSON struct {
	Email      []rapport.AlertKind `json:"email"`
	Push       []rapport.AlertKind `json:"push"`
	QuietFrom  string              `json:"quietFrom"`
	QuietTo    string              `json:"quietTo"`
	AgendaHour int                 `json:"agendaHour"`
	OffDuty    bool                `json:"offDuty"`
}

func toAlerts(u *rapport.User) alertsJSON {
	a := u.AlertsOf()
	return alertsJSON{Email: nonNil(a.Email), Push: nonNil(a.Push), QuietFrom: a.QuietFrom, QuietTo: a.QuietTo,
		AgendaHour: a.AgendaHour, OffDuty: u.Paused()}
}

func nonNil(ks []rapport.AlertKind) []rapport.AlertKind {
	if ks == nil {
		return []rapport.AlertKind{}
	}
	return ks
}

func (s *Server) getAlerts(w http.ResponseWriter, r *http.Request, a *account) error {
	u, err := s.db.User(r.Context(), a.actor, a.actor.User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAlerts(u))
	return nil
}

// putAlerts replaces the key's user's alert choices and duty.
func (s *Server) putAlerts(w http.ResponseWriter, r *http.Request, a *account) error {
	var in alertsJSON
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.db.UpdateAlerts(ctx, a.actor, rapport.Alerts{Email: in.Email, Push: in.Push, QuietFrom: in.QuietFrom,
		QuietTo: in.QuietTo, AgendaHour: in.AgendaHour}); err != nil {
		return err
	}
	if err := s.db.SetPaused(ctx, a.actor, in.OffDuty); err != nil {
		return err
	}
	return s.getAlerts(w, r, a)
}

func (s *Server) listPond(w http.ResponseWriter, r *http.Request, a *account) error {
	ps, err := s.db.Pond(r.Context(), a.actor, 100)
	if err != nil {
		return err
	}
	out := []personJSON{}
	for i := range ps {
		out = append(out, toPerson(&ps[i], nil))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// claimLead makes a lead in the pond the key's user's; 409 when someone
// claimed it first.
func (s *Server) claimLead(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.db.ClaimLead(ctx, a.actor, id); err != nil {
		return err
	}
	p, err := s.db.Person(ctx, a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toPerson(p, nil))
	return nil
}

type messageJSON struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"userId"`
	Channel   string     `json:"channel"`
	Kind      string     `json:"kind"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"lastError,omitempty"`
	NotBefore time.Time  `json:"notBefore"`
	CreatedAt time.Time  `json:"createdAt"`
	SentAt    *time.Time `json:"sentAt,omitempty"`
}

// listOutbox shows owners the organisation's messages (?status=dead for
// those that did not go).
func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request, a *account) error {
	status := r.URL.Query().Get("status")
	switch status {
	case "", store.OutboxPending, store.OutboxSent, store.OutboxSkipped, store.OutboxDead:
	default:
		return rapport.Errorf(rapport.EINVALID, "status: use pending, sent, skipped or dead.")
	}
	ms, err := s.db.Outbox(r.Context(), a.actor, status, 200)
	if err != nil {
		return err
	}
	out := []messageJSON{}
	for _, m := range ms {
		out = append(out, messageJSON{ID: m.ID, UserID: m.UserID, Channel: string(m.Channel), Kind: string(m.Kind), Status: m.Status,
			Attempts: m.Attempts, LastError: m.LastError, NotBefore: m.NotBefore, CreatedAt: m.CreatedAt, SentAt: timePtr(m.SentAt)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (s *Server) retryMessage(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.RetryMessage(r.Context(), a.actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// createCalendarFeed makes the key's user a new secret calendar link (an
// earlier one stops working) and answers it, this once.
func (s *Server) createCalendarFeed(w http.ResponseWriter, r *http.Request, a *account) error {
	token, err := s.db.CreateCalendarFeed(r.Context(), a.actor)
	if err != nil {
		return err
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	url := scheme + "://" + r.Host + "/calendar/" + token + ".ics"
	writeJSON(w, http.StatusCreated, map[string]string{"url": url, "webcal": "webcal://" + r.Host + "/calendar/" + token + ".ics"})
	return nil
}

// deleteCalendarFeed turns the key's user's calendar link off.
func (s *Server) deleteCalendarFeed(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := s.db.RevokeCalendarFeed(r.Context(), a.actor); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
