package intake

import (
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// HeldEvent is what keeps an event that names no one: its body, why it is
// held, and what could be read of it for the list.
func (e *Event) HeldEvent() *rapport.HeldEvent {
	ev := &e.Input.Event
	h := &rapport.HeldEvent{DedupeKey: ev.DedupeKey, Type: ev.Type, Source: ev.Source, Message: clip(ev.Message, 500),
		Reason: e.Held, Payload: e.Payload}
	if e.NotJSON {
		h.Type = ""
	}
	return h
}

// Attach reads a held event again for recording against a person: the one
// with personID, or the one person (the events API's person shape, as JSON)
// names. The event keeps the identity (the dedupe key) it was held with,
// and is marked attached as it is recorded.
func Attach(h *rapport.HeldEvent, personID int64, person []byte, region string, now time.Time) (*Event, error) {
	if h.Resolved() {
		return nil, rapport.Errorf(rapport.ECONFLICT, "Someone already attached or dismissed this event.")
	}
	hasPerson := len(person) > 0 && string(person) != "null"
	if personID == 0 && !hasPerson {
		return nil, &rapport.Error{Code: rapport.EINVALID, Message: "Say whom the event is about: an existing person, or a name, email or phone.",
			Fields: map[string]string{"personId": "Name a person, or give their details."}}
	}
	ev := Read([]byte(h.Payload), region, now)
	ev.Input.Event.DedupeKey, ev.Input.HeldID = h.DedupeKey, h.ID
	if ev.NotJSON {
		// Nothing of it could be read but its body, which the details keep.
		ev.Input.Event.Type = "General Inquiry"
	}
	ev.Held, ev.Input.PersonID = "", personID
	if hasPerson {
		named := Read(append(append([]byte(`{"type":"Note","person":`), person...), '}'), region, now)
		if named.Held != "" {
			return nil, &rapport.Error{Code: rapport.EINVALID, Message: "Give the person a name, an email or a phone we can read.",
				Fields: map[string]string{"person": named.Held}}
		}
		ev.Input.Person = named.Input.Person
		ev.Warnings = append(ev.Warnings, named.Warnings...)
	} else {
		ev.Input.Person = rapport.Person{}
	}
	return ev, nil
}
