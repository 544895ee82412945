package web

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/intake"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// Held events are lead-source events that named no one Rapport could
// know. Owners and managers see them here, with the body as it came, and
// place each: attached to a person (found by the email or phone they type,
// or by id, or made from the name they give) or dismissed.

type heldPage struct {
	Base
	Held []rapport.HeldEvent
	// Done are the last attached or dismissed, for the record.
	Done []rapport.HeldEvent
	// Forms carry a failed attach back to its event, by id.
	Forms map[int64]*form
}

// Form is the attach form of a held event.
func (p *heldPage) Form(id int64) *form {
	if f := p.Forms[id]; f != nil {
		return f
	}
	return newForm(nil)
}

func (s *Server) renderHeld(w http.ResponseWriter, r *http.Request, a *account, forms map[int64]*form, status int) error {
	held, err := s.db.HeldEvents(r.Context(), a.actor, false, 200)
	if err != nil {
		return err
	}
	done, err := s.db.HeldEvents(r.Context(), a.actor, true, 20)
	if err != nil {
		return err
	}
	s.render(w, r, status, "held", &heldPage{Base: s.withFlash(w, r, a, "Held leads", "reports"), Held: held, Done: done, Forms: forms})
	return nil
}

func (s *Server) heldList(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderHeld(w, r, a, nil, http.StatusOK)
}

// heldAttach records a held event against the person the form names, as
// the events API would have: by id, else by the email or phone typed
// (someone already here), else a new lead with the name given.
func (s *Server) heldAttach(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.db.HeldEvent(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	var personID int64
	if v := f.Get("person"); v != "" {
		if personID, err = strconv.ParseInt(v, 10, 64); err != nil || personID <= 0 {
			f.addErr("person", "Give the number from the person's page address, or leave it empty.")
		} else if _, err := s.db.Person(r.Context(), a.actor, personID); err != nil {
			f.addErr("person", "No one here has that number.")
		}
	}
	var person []byte
	if personID == 0 {
		person, _ = json.Marshal(map[string]string{"firstName": f.Get("first_name"), "lastName": f.Get("last_name"),
			"emails": f.Get("email"), "phones": f.Get("phone")})
	}
	var ev *intake.Event
	if f.Valid() {
		ev, err = intake.Attach(h, personID, person, a.org.Region, s.now())
		if err != nil && !f.absorb(err) {
			return err
		}
	}
	if !f.Valid() {
		if f.Err("person") == "" && f.Err("personId") != "" {
			f.addErr("first_name", "Give a name, an email or a phone — or the person's number.")
		}
		return s.renderHeld(w, r, a, map[int64]*form{id: f}, http.StatusUnprocessableEntity)
	}
	res, err := s.db.RecordEvent(r.Context(), a.actor, &ev.Input)
	if err != nil {
		if f.absorb(err) {
			return s.renderHeld(w, r, a, map[int64]*form{id: f}, http.StatusUnprocessableEntity)
		}
		return err
	}
	if res.Created {
		s.flash(w, r, "The lead is in Rapport as "+res.Person.Name()+", with the event on their timeline.")
	} else {
		s.flash(w, r, "The event is on "+res.Person.Name()+"'s timeline.")
	}
	return redirect(w, r, "/people/"+strconv.FormatInt(res.Person.ID, 10))
}

// heldDismiss closes a held event without recording it.
func (s *Server) heldDismiss(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DismissHeld(r.Context(), a.actor, id); err != nil {
		return err
	}
	s.flash(w, r, "Dismissed. Its body stays in the list of those placed.")
	return redirect(w, r, "/intake/held")
}
