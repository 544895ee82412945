package web

import (
	"fmt"
	"net/http"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

type inboxPage struct {
	Base
	Address string
	Emails  []store.InboundEmail
	Errors  map[int64]string
}

// inbox lists the user's messages that matched none of their people,
// each to put on someone's timeline, make a new lead of, or let go.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderInbox(w, r, a, nil, http.StatusOK)
}

func (s *Server) renderInbox(w http.ResponseWriter, r *http.Request, a *account, errs map[int64]string, status int) error {
	p := &inboxPage{Base: s.withFlash(w, r, a, "Email inbox", "people"), Errors: errs}
	if s.inbound != "" {
		token, err := s.db.InboundAddress(r.Context(), a.actor)
		if err != nil {
			return err
		}
		p.Address = token + "@" + s.inbound
	}
	var err error
	if p.Emails, err = s.db.Inbox(r.Context(), a.actor, 100); err != nil {
		return err
	}
	s.render(w, r, status, "inbox", p)
	return nil
}

// inboxAssign puts a message on the timeline of the person with the
// email address (or id) given.
func (s *Server) inboxAssign(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if err := s.db.AssignEmail(r.Context(), a.actor, id, f.Get("person")); err != nil {
		if e, ok := err.(*rapport.Error); ok && e.Fields["person"] != "" {
			return s.renderInbox(w, r, a, map[int64]string{id: e.Fields["person"]}, http.StatusUnprocessableEntity)
		}
		return err
	}
	s.flash(w, r, "The email is on their timeline.")
	return redirect(w, r, "/inbox")
}

func (s *Server) inboxNewLead(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.db.EmailToNewPerson(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	s.flash(w, r, p.Name()+" is a new lead of yours, with the email on their timeline.")
	return redirect(w, r, fmt.Sprintf("/people/%d", p.ID))
}

func (s *Server) inboxDismiss(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DismissEmail(r.Context(), a.actor, id); err != nil {
		return err
	}
	s.flash(w, r, "Let go.")
	return redirect(w, r, "/inbox")
}
