package api

import (
	"bytes"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// FuzzEventDecoder feeds the events endpoint's decoding and checking any
// body: it must never panic; it either refuses the body with a field
// error, or gives an event of a known type about a person who can be
// known by a name, an email or a phone, with every email and phone
// normalised and a dedupe key.
func FuzzEventDecoder(f *testing.F) {
	for _, s := range []string{
		`{"source":"Zillow","type":"Inquiry","message":"Is it still available?","person":{"firstName":"Ann","emails":[{"value":"ann@example.com"}],"phones":[{"value":"(312) 555-0142","type":"mobile"}]},"property":{"street":"9 Elm St","price":"450000"}}`,
		`{"type":"registration","occurredAt":"2026-11-20T10:00:00Z","person":{"phones":[{"value":"555"}]}}`,
		`{"type":"Viewed Property","person":{"emails":[{"value":"not an email"}],"price":1e999}}`,
		`{"type":"Inquiry","person":{}}`,
		`{"type":"Inquiry","person":{"firstName":"Bo","tags":["a",null]},"property":{"bedrooms":"3","bathrooms":2.5}}`,
		`[]`, `null`, `{"type":7}`, `{"type":"Inquiry","person":{"firstName":"A"}} {}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/api/v1/events", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var b eventPayload
		if err := decode(httptest.NewRecorder(), r, &b, true); err != nil {
			if rapport.ErrorCode(err) != rapport.EINVALID {
				t.Fatalf("decode error %v is not a validation error", err)
			}
			return
		}
		in, _, err := eventInput(&b, "US", now)
		if err != nil {
			if rapport.ErrorCode(err) != rapport.EINVALID {
				t.Fatalf("eventInput error %v is not a validation error", err)
			}
			return
		}
		if !slices.Contains(rapport.EventTypes, in.Event.Type) || in.Event.DedupeKey == "" {
			t.Fatalf("event = %+v", in.Event)
		}
		p := in.Person
		if strings.TrimSpace(p.FirstName+p.LastName) == "" {
			t.Fatalf("a person with no name: %+v", p)
		}
		for _, e := range p.Emails {
			if norm, err := rapport.NormalizeEmail(e.Address); err != nil || norm != e.Address {
				t.Fatalf("email %q is not normalised", e.Address)
			}
		}
		for _, ph := range p.Phones {
			if !strings.HasPrefix(ph.Number, "+") || strings.Trim(ph.Number[1:], "0123456789") != "" {
				t.Fatalf("phone %q is not E.164", ph.Number)
			}
		}
	})
}
