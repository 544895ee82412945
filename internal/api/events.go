package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/intake"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

type detailJSON struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type eventJSON struct {
	ID int64 `json:"id"`
	// PersonID is nil when the person is a colleague's private one.
	PersonID    *int64       `json:"personId"`
	Type        string       `json:"type"`
	Source      string       `json:"source"`
	System      string       `json:"system,omitempty"`
	Message     string       `json:"message"`
	Description string       `json:"description,omitempty"`
	Note        string       `json:"note,omitempty"`
	PageURL     string       `json:"pageUrl,omitempty"`
	Property    string       `json:"property,omitempty"`
	Details     []detailJSON `json:"details"`
	OccurredAt  time.Time    `json:"occurredAt"`
	Historical  bool         `json:"historical"`
}

func toEvent(e *rapport.Event) eventJSON {
	out := eventJSON{ID: e.ID, PersonID: idPtr(e.PersonID), Type: e.Type, Source: e.Source, System: e.System, Message: e.Message,
		Description: e.Description, Note: e.Note, PageURL: e.PageURL, Property: e.Property, OccurredAt: e.OccurredAt.UTC(),
		Historical: e.Historical, Details: []detailJSON{}}
	for _, d := range e.Details {
		out.Details = append(out.Details, detailJSON(d))
	}
	return out
}

type eventAnswer struct {
	Event eventJSON `json:"event"`
	// Person is nil when the event matched a colleague's private person.
	Person    *personJSON `json:"person"`
	Created   bool        `json:"created"`
	Duplicate bool        `json:"duplicate"`
	Warnings  []string    `json:"warnings"`
}

// createEvent records a lead-source event: 201 when it created the person,
// 200 when it updated an existing one or was a repeat of one recorded.
// An event that names no one Rapport can know is held for an owner or
// manager to attach, and answered 400 saying so: the source learns its
// mapping lacks the person, and the lead is not lost.
func (s *Server) createEvent(w http.ResponseWriter, r *http.Request, a *account) error {
	body, err := readBody(w, r, maxBody)
	if err != nil {
		return err
	}
	ev := intake.Read(body, a.org.Region, s.now())
	if id := ev.Input.PersonID; id != 0 && s.db.CheckVisible(r.Context(), a.actor, id) != nil {
		// An id the key's user may not see is treated as one no one has,
		// so that ids cannot be probed.
		ev.Warnings = append(ev.Warnings, "person.id: no person here has the id "+strconv.FormatInt(id, 10)+"; matched by name, email and phone instead.")
		ev.Input.PersonID = 0
		p := &ev.Input.Person
		if ev.Held == "" && p.FirstName == "" && p.LastName == "" && len(p.Emails) == 0 && len(p.Phones) == 0 {
			ev.Held = "No name, email, phone or person id that could be read."
		}
	}
	if ev.Held != "" {
		return s.holdEvent(w, r, a, ev)
	}
	res, err := s.db.RecordEvent(r.Context(), a.actor, &ev.Input)
	if err != nil {
		return err
	}
	return s.answerEvent(w, r, a, res, ev.Warnings)
}

// answerEvent answers with what recording an event did.
func (s *Server) answerEvent(w http.ResponseWriter, r *http.Request, a *account, res *store.EventResult, warnings []string) error {
	status := http.StatusOK
	if res.Created && !res.Duplicate {
		status = http.StatusCreated
	}
	out := eventAnswer{Event: toEvent(res.Event), Created: res.Created, Duplicate: res.Duplicate,
		Warnings: append(append([]string{}, warnings...), res.Warnings...)}
	// An event matches people across the organisation, so that a lead is
	// one person however many sources send them; one the key's user may
	// not see gets the event on their timeline, and the answer shows
	// nothing of them.
	if a.org.Sees(a.user, res.Person.OwnerID) {
		stages, err := s.stages(r, a)
		if err != nil {
			return err
		}
		pj := toPerson(res.Person, stages)
		out.Person = &pj
		out.Warnings = append(out.Warnings, res.PersonWarnings...)
		if status == http.StatusCreated {
			w.Header().Set("Location", Prefix+"/people/"+strconv.FormatInt(res.Person.ID, 10))
		}
	} else {
		out.Event.PersonID = nil
		out.Warnings = append(out.Warnings, "person: a colleague's private person; the event is on their timeline.")
	}
	writeJSON(w, status, out)
	return nil
}

// holdEvent keeps an event that names no one, and says where it is. The
// same event held before is not held twice; one since attached answers as
// the event it became.
func (s *Server) holdEvent(w http.ResponseWriter, r *http.Request, a *account, ev *intake.Event) error {
	h := ev.HeldEvent()
	if _, err := s.db.HoldEvent(r.Context(), a.actor, h); err != nil {
		return err
	}
	if h.EventID != 0 {
		res, err := s.db.HeldEventResult(r.Context(), a.actor, h)
		if err != nil {
			return err
		}
		return s.answerEvent(w, r, a, res, nil)
	}
	field, msg := "person", "Send the person's name, email or phone. "
	if ev.NotJSON {
		field, msg = "body", "The body is not valid JSON. "
	} else if strings.HasPrefix(ev.Held, "The body") {
		field, msg = "body", "Send the event as a JSON object. "
	}
	return &rapport.Error{Code: rapport.EINVALID,
		Message: msg + "The event is kept, held under Intake (held event " + strconv.FormatInt(h.ID, 10) + ") for an owner or manager to attach to a person.",
		Fields:  map[string]string{field: ev.Held}}
}

// readBody reads a request body of up to limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, rapport.Errorf(rapport.ETOOLARGE, "The body is larger than %d bytes.", tooBig.Limit)
	case err != nil:
		return nil, rapport.Errorf(rapport.EINVALID, "The body could not be read.")
	case len(strings.TrimSpace(strings.TrimPrefix(string(b), "\uFEFF"))) == 0:
		return nil, rapport.Errorf(rapport.EINVALID, "The body is empty; send a JSON object.")
	}
	return b, nil
}

type heldJSON struct {
	ID         int64           `json:"id"`
	ReceivedAt time.Time       `json:"receivedAt"`
	Reason     string          `json:"reason"`
	Type       string          `json:"type"`
	Source     string          `json:"source"`
	Message    string          `json:"message"`
	Payload    json.RawMessage `json:"payload"`
	ResolvedAt *time.Time      `json:"resolvedAt"`
	PersonID   *int64          `json:"personId"`
	EventID    *int64          `json:"eventId"`
}

func toHeld(h *rapport.HeldEvent) heldJSON {
	out := heldJSON{ID: h.ID, ReceivedAt: h.ReceivedAt.UTC(), Reason: h.Reason, Type: h.Type, Source: h.Source, Message: h.Message,
		ResolvedAt: timePtr(h.ResolvedAt), PersonID: idPtr(h.PersonID), EventID: idPtr(h.EventID)}
	// The body as it came: JSON when it was, else a string holding it.
	if json.Valid([]byte(h.Payload)) {
		out.Payload = json.RawMessage(h.Payload)
	} else {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(h.Payload)
		out.Payload = bytes.TrimSpace(b.Bytes())
	}
	return out
}

// listHeld lists held events: those waiting, oldest first, or with
// resolved=true those attached or dismissed, newest first. Owners and
// managers only, who place leads.
func (s *Server) listHeld(w http.ResponseWriter, r *http.Request, a *account) error {
	limit, err := queryInt(r.URL.Query().Get("limit"), "limit", 50)
	if err != nil {
		return err
	}
	hs, err := s.db.HeldEvents(r.Context(), a.actor, r.URL.Query().Get("resolved") == "true", min(max(limit, 1), 200))
	if err != nil {
		return err
	}
	items := make([]heldJSON, len(hs))
	for i := range hs {
		items[i] = toHeld(&hs[i])
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

// attachInput names the person a held event is about: an existing one by
// id, or the name, emails and phones to find or make them by (in the
// events API's person shape).
type attachInput struct {
	PersonID int64           `json:"personId"`
	Person   json.RawMessage `json:"person"`
}

// attachHeld records a held event against a person: the one named by id,
// or the one its person fields match or make. The answer is the events
// endpoint's.
func (s *Server) attachHeld(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.db.HeldEvent(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	var in attachInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	ev, err := intake.Attach(h, in.PersonID, in.Person, a.org.Region, s.now())
	if err != nil {
		return err
	}
	if in.PersonID != 0 {
		if err := s.db.CheckVisible(r.Context(), a.actor, in.PersonID); err != nil {
			return &rapport.Error{Code: rapport.EINVALID, Message: "No person here has that id.", Fields: map[string]string{"personId": "Not a person of this organisation."}}
		}
	}
	res, err := s.db.RecordEvent(r.Context(), a.actor, &ev.Input)
	if err != nil {
		return err
	}
	return s.answerEvent(w, r, a, res, ev.Warnings)
}

// dismissHeld closes a held event without recording it.
func (s *Server) dismissHeld(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DismissHeld(r.Context(), a.actor, id); err != nil {
		return err
	}
	h, err := s.db.HeldEvent(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toHeld(h))
	return nil
}
