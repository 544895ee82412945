package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// flexNumber accepts a number written as a JSON number or a string
// ("450000", "$450,000"), as lead sources send both.
type flexNumber float64

func (f *flexNumber) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	s = strings.NewReplacer("$", "", ",", "", " ", "").Replace(s)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number", string(b))
	}
	*f = flexNumber(v)
	return nil
}

type valueType struct {
	Value string `json:"value"`
	Type  string `json:"type"`
}

type eventAddress struct {
	Type    string `json:"type"`
	Street  string `json:"street"`
	City    string `json:"city"`
	State   string `json:"state"`
	Code    string `json:"code"`
	Country string `json:"country"`
}

type eventPerson struct {
	FirstName  string         `json:"firstName"`
	LastName   string         `json:"lastName"`
	Emails     []valueType    `json:"emails"`
	Phones     []valueType    `json:"phones"`
	Addresses  []eventAddress `json:"addresses"`
	Tags       []string       `json:"tags"`
	Stage      string         `json:"stage"`
	Source     string         `json:"source"`
	SourceURL  string         `json:"sourceUrl"`
	Price      flexNumber     `json:"price"`
	AssignedTo string         `json:"assignedTo"`
}

type eventProperty struct {
	Street    string     `json:"street"`
	City      string     `json:"city"`
	State     string     `json:"state"`
	Code      string     `json:"code"`
	MLSNumber string     `json:"mlsNumber"`
	Price     flexNumber `json:"price"`
	URL       string     `json:"url"`
	Type      string     `json:"type"`
	Bedrooms  flexNumber `json:"bedrooms"`
	Bathrooms flexNumber `json:"bathrooms"`
}

// eventPayload is the event shape lead sources already send to real-estate
// CRMs. Fields Rapport does not use are accepted and kept in the payload.
type eventPayload struct {
	Source         string          `json:"source"`
	System         string          `json:"system"`
	Type           string          `json:"type"`
	Message        string          `json:"message"`
	Description    string          `json:"description"`
	OccurredAt     string          `json:"occurredAt"`
	PageURL        string          `json:"pageUrl"`
	Person         *eventPerson    `json:"person"`
	Property       *eventProperty  `json:"property"`
	PropertySearch json.RawMessage `json:"propertySearch"`
	Campaign       json.RawMessage `json:"campaign"`
}

type eventJSON struct {
	ID          int64     `json:"id"`
	PersonID    int64     `json:"personId"`
	Type        string    `json:"type"`
	Source      string    `json:"source"`
	System      string    `json:"system,omitempty"`
	Message     string    `json:"message"`
	Description string    `json:"description,omitempty"`
	PageURL     string    `json:"pageUrl,omitempty"`
	Property    string    `json:"property,omitempty"`
	OccurredAt  time.Time `json:"occurredAt"`
	Historical  bool      `json:"historical"`
}

func toEvent(e *rapport.Event) eventJSON {
	return eventJSON{ID: e.ID, PersonID: e.PersonID, Type: e.Type, Source: e.Source, System: e.System, Message: e.Message,
		Description: e.Description, PageURL: e.PageURL, Property: e.Property, OccurredAt: e.OccurredAt.UTC(), Historical: e.Historical}
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
func (s *Server) createEvent(w http.ResponseWriter, r *http.Request, a *account) error {
	var body eventPayload
	if err := decode(w, r, &body, true); err != nil {
		return err
	}
	in, warnings, err := eventInput(&body, a.org.Region, s.now())
	if err != nil {
		return err
	}
	res, err := s.db.RecordEvent(r.Context(), a.org.ID, a.user.ID, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created && !res.Duplicate {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/people/"+strconv.FormatInt(res.Person.ID, 10))
	}
	if warnings == nil {
		warnings = []string{}
	}
	out := eventAnswer{Event: toEvent(res.Event), Created: res.Created, Duplicate: res.Duplicate, Warnings: warnings}
	// An event matches people across the organisation, so that a lead is
	// one person however many sources send them; one the key's user may
	// not see gets the event on their timeline, and the answer shows
	// nothing of them.
	if a.org.Sees(a.user, res.Person.OwnerID) {
		pj := toPerson(res.Person, nil)
		out.Person = &pj
	} else {
		out.Warnings = append(out.Warnings, "person: a colleague's private person; the event is on their timeline.")
	}
	writeJSON(w, status, out)
	return nil
}

// eventInput checks and normalises an event. Phones and emails that cannot
// be read are reported as warnings rather than refusing the lead, unless
// nothing is left to know the person by.
func eventInput(b *eventPayload, region string, now time.Time) (*store.EventInput, []string, error) {
	fe := rapport.FieldErrors{}
	typ, known := rapport.CanonicalEventType(b.Type)
	switch {
	case typ == "":
		fe.Add("type", "Say what happened, e.g. Inquiry or Registration.")
	case !known:
		fe.Add("type", fmt.Sprintf("Unknown type %q; use one of: %s.", b.Type, strings.Join(rapport.EventTypes, ", ")))
	}
	if b.Person == nil {
		fe.Add("person", "Send the person the event is about.")
	}
	var occurred time.Time
	if b.OccurredAt != "" {
		t, err := parseWhen(b.OccurredAt)
		if err != nil {
			fe.Add("occurredAt", "Use an RFC 3339 time such as 2026-11-23T14:05:00Z.")
		}
		occurred = t
	}
	if err := fe.Err(); err != nil {
		return nil, nil, err
	}
	bp := b.Person
	p := rapport.Person{FirstName: bp.FirstName, LastName: bp.LastName, Source: firstNonEmpty(bp.Source, b.Source), Tags: bp.Tags}
	var warnings []string
	for i, e := range bp.Emails {
		if strings.TrimSpace(e.Value) == "" {
			continue
		}
		addr, err := rapport.NormalizeEmail(e.Value)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("person.emails[%d]: %s", i, rapport.ErrorMessage(err)))
			continue
		}
		if !hasEmail(p.Emails, addr) {
			p.Emails = append(p.Emails, rapport.Email{Address: addr, Label: strings.ToLower(e.Type)})
		}
	}
	for i, ph := range bp.Phones {
		if strings.TrimSpace(ph.Value) == "" {
			continue
		}
		n, err := phone.Normalize(ph.Value, region)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("person.phones[%d]: %s", i, err.Error()))
			continue
		}
		if !hasPhone(p.Phones, n) {
			p.Phones = append(p.Phones, rapport.Phone{Number: n, Label: strings.ToLower(ph.Type)})
		}
	}
	for _, ad := range bp.Addresses {
		if ad.Street != "" || ad.City != "" {
			p.Street, p.City, p.State, p.PostalCode, p.Country = ad.Street, ad.City, ad.State, ad.Code, ad.Country
			break
		}
	}
	if strings.TrimSpace(p.FirstName+p.LastName) == "" && len(p.Emails) == 0 && len(p.Phones) == 0 {
		return nil, warnings, &rapport.Error{Code: rapport.EINVALID, Message: "The person needs a name, an email or a phone we can read.",
			Fields: map[string]string{"person": "No name, email or usable phone."}}
	}
	if strings.TrimSpace(p.FirstName+p.LastName) == "" {
		// Known by contact details only, for now.
		p.FirstName = nameFromContact(&p)
	}
	ev := rapport.Event{Type: typ, Source: firstNonEmpty(b.Source, bp.Source), System: b.System, Message: strings.TrimSpace(b.Message),
		Description: strings.TrimSpace(b.Description), PageURL: b.PageURL, Property: propertyLine(b.Property, bp.Price), OccurredAt: occurred}
	raw, _ := json.Marshal(b)
	ev.Payload = string(raw)
	key := sha256.New()
	key.Write(raw)
	if b.OccurredAt == "" {
		// Without a time of its own, a retry is known by its content on
		// the day it arrived.
		key.Write([]byte(now.UTC().Format("2006-01-02")))
	}
	ev.DedupeKey = hex.EncodeToString(key.Sum(nil))
	return &store.EventInput{Event: ev, Person: p, Stage: bp.Stage, AssignedTo: bp.AssignedTo}, warnings, nil
}

func parseWhen(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

func nameFromContact(p *rapport.Person) string {
	if len(p.Emails) > 0 {
		return strings.SplitN(p.Emails[0].Address, "@", 2)[0]
	}
	return p.Phones[0].Number
}

// propertyLine describes the listing in a line: "123 Main St, Chicago, IL
// 60614 · MLS 123 · $450K · 3 bd / 2 ba".
func propertyLine(pr *eventProperty, price flexNumber) string {
	var parts []string
	if pr != nil {
		addr := strings.Join(nonEmpty(pr.Street, pr.City, strings.TrimSpace(pr.State+" "+pr.Code)), ", ")
		if addr != "" {
			parts = append(parts, addr)
		}
		if pr.MLSNumber != "" {
			parts = append(parts, "MLS "+pr.MLSNumber)
		}
		if pr.Price > 0 {
			price = pr.Price
		}
		if pr.Bedrooms > 0 || pr.Bathrooms > 0 {
			parts = append(parts, fmt.Sprintf("%g bd / %g ba", float64(pr.Bedrooms), float64(pr.Bathrooms)))
		}
	}
	if price > 0 {
		parts = append(parts, rapport.Money(int64(price)))
	}
	return strings.Join(parts, " · ")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func hasEmail(es []rapport.Email, a string) bool {
	for _, e := range es {
		if e.Address == a {
			return true
		}
	}
	return false
}

func hasPhone(ps []rapport.Phone, n string) bool {
	for _, p := range ps {
		if p.Number == n {
			return true
		}
	}
	return false
}
