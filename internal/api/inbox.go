package api

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

type inboundJSON struct {
	ID         int64     `json:"id"`
	From       string    `json:"from"`
	FromName   string    `json:"fromName,omitempty"`
	To         string    `json:"to,omitempty"`
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	Direction  string    `json:"direction"`
	OccurredAt time.Time `json:"occurredAt"`
	ReceivedAt time.Time `json:"receivedAt"`
}

// inboundAddress answers the key's user's private address for email onto
// the timeline; 404 when the server's receiver is off.
func (s *Server) inboundAddress(w http.ResponseWriter, r *http.Request, a *account) error {
	if s.inbound == "" {
		return rapport.Errorf(rapport.ENOTFOUND, "Email onto the timeline is off at this server.")
	}
	token, err := s.db.InboundAddress(r.Context(), a.actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"address": token + "@" + s.inbound})
	return nil
}

// listInbox lists the key's user's messages that matched none of their
// people.
func (s *Server) listInbox(w http.ResponseWriter, r *http.Request, a *account) error {
	es, err := s.db.Inbox(r.Context(), a.actor, 200)
	if err != nil {
		return err
	}
	out := []inboundJSON{}
	for _, e := range es {
		out = append(out, inboundJSON{ID: e.ID, From: e.FromAddr, FromName: e.FromName, To: e.ToAddrs, Subject: e.Subject, Body: e.Body,
			Direction: string(e.Direction), OccurredAt: e.OccurredAt, ReceivedAt: e.ReceivedAt})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// assignInbound puts a waiting message on a person's timeline: {"person":
// an id or one of their email addresses}.
func (s *Server) assignInbound(w http.ResponseWriter, r *http.Request, a *account) error {
	var in struct {
		Person string `json:"person"`
	}
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.AssignEmail(r.Context(), a.actor, id, in.Person); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// inboundLead makes a waiting message's other side a new lead of the key's
// user, with the message on their timeline.
func (s *Server) inboundLead(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.db.EmailToNewPerson(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toPerson(p, nil))
	return nil
}

func (s *Server) dismissInbound(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DismissEmail(r.Context(), a.actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
