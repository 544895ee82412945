package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// After a live conversation, twenty seconds of reflection while it is
// fresh: what the person cares about most (a fact of the type the user
// picks) and what the user would feel in their place. Skipping is one tap
// and goes where logging would have gone.

// reflectTypes are the kinds of fact the first answer can be.
var reflectTypes = rapport.FactTypes

func reflectURL(convID int64, next string) string {
	return "/conversations/" + strconv.FormatInt(convID, 10) + "/reflect?next=" + url.QueryEscape(next)
}

type reflectPage struct {
	Base
	Conversation *rapport.Conversation
	Person       *rapport.Person
	Form         *form
	Types        []rapport.FactType
	// Next is where saving or skipping goes.
	Next string
}

// reflectTarget loads the conversation of the path and the person it was
// with.
func (s *Server) reflectTarget(r *http.Request, a *account) (*rapport.Conversation, *rapport.Person, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	c, err := s.db.Conversation(r.Context(), a.actor, id)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.db.Person(r.Context(), a.actor, c.PersonID)
	if err != nil {
		return nil, nil, err
	}
	return c, p, nil
}

func (s *Server) reflectForm(w http.ResponseWriter, r *http.Request, a *account) error {
	c, p, err := s.reflectTarget(r, a)
	if err != nil {
		return err
	}
	f := newForm(nil)
	f.Values.Set("care_type", string(rapport.FactPassion))
	next := nextOr(r.URL.Query().Get("next"), personURL(p.ID))
	s.render(w, r, http.StatusOK, "reflect", &reflectPage{Base: s.withFlash(w, r, a, "A moment on "+p.Name(), "today"),
		Conversation: c, Person: p, Form: f, Types: reflectTypes, Next: next})
	return nil
}

// reflect saves the reflection: both answers or neither. Nothing written
// is the same as skipping.
func (s *Server) reflect(w http.ResponseWriter, r *http.Request, a *account) error {
	c, p, err := s.reflectTarget(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	next := nextOr(f.Get("next"), personURL(p.ID))
	var care *rapport.Fact
	if text := f.Get("care"); text != "" {
		care = &rapport.Fact{PersonID: p.ID, Type: rapport.FactType(f.Get("care_type")), Text: text, LearnedAt: c.OccurredAt}
		if err := care.Validate(); err != nil {
			fe := asFields(err)
			if m := fe["type"]; m != "" {
				f.addErr("care_type", m)
			}
			if m := fe["text"]; m != "" {
				f.addErr("care", m)
			}
		}
	}
	feel := f.Get("feel")
	if len(feel) > 2000 {
		f.addErr("feel", "Keep it under 2,000 characters.")
	}
	if !f.Valid() {
		s.render(w, r, http.StatusUnprocessableEntity, "reflect", &reflectPage{Base: s.basePage(r, a, "A moment on "+p.Name()),
			Conversation: c, Person: p, Form: f, Types: reflectTypes, Next: next})
		return nil
	}
	if care != nil || feel != "" {
		// The fact is learned in the conversation; the feeling goes on
		// its notes.
		if err := s.db.Reflect(r.Context(), a.actor, c.ID, care, feel); err != nil {
			return err
		}
		s.flash(w, r, "Reflection saved with the conversation.")
	}
	return redirect(w, r, next)
}
