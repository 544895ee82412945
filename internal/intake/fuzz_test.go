package intake

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// FuzzEventDecoder feeds the events endpoint's reader any body: it must
// never panic, and never refuse: it gives an event of a type about a
// person who can be known by a name, an email, a phone or an id, with
// every email and phone normalised, or it holds the event saying why;
// either way with a dedupe key and the body kept as valid UTF-8.
func FuzzEventDecoder(f *testing.F) {
	for _, s := range []string{
		`{"source":"Zillow","type":"Inquiry","message":"Is it still available?","person":{"firstName":"Ann","emails":[{"value":"ann@example.com"}],"phones":[{"value":"(312) 555-0142","type":"mobile"}]},"property":{"street":"9 Elm St","price":"450000"}}`,
		`{"type":"registration","occurredAt":"2026-11-20T10:00:00Z","person":{"phones":[{"value":"555"}]}}`,
		`{"type":"Viewed Property","person":{"emails":[{"value":"not an email"}],"price":1e999}}`,
		`{"type":"Inquiry","person":{}}`,
		`{"type":"Inquiry","person":{"firstName":"Bo","tags":["a",null]},"property":{"bedrooms":"3","bathrooms":2.5}}`,
		`{"type":"Note","person":{"name":"Lopez, Maria","emails":"m@example.com","phones":"312-555-0142"},"property":{"bedrooms":"2+1","price":"$500k"}}`,
		"\uFEFF{\"type\":\"savedProperty\",\"person\":{\"id\":\"12\",\"emails\":[\"a@example.com\",{\"value\":\"b@example.com\"}]}}",
		`[]`, `null`, `{"type":7}`, `{"type":"Inquiry","person":{"firstName":"A"}} {}`, "\xff\x00{", `{"person":[{"name":"A B"},{"name":"C D"}]}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		ev := Read(body, "US", now)
		if ev.Input.Event.DedupeKey == "" || ev.Input.Event.Type == "" || !utf8.ValidString(ev.Payload) || strings.ContainsRune(ev.Payload, 0) {
			t.Fatalf("event = %+v", ev.Input.Event)
		}
		p := ev.Input.Person
		if ev.Held == "" && strings.TrimSpace(p.FirstName+p.LastName) == "" && ev.Input.PersonID == 0 {
			t.Fatalf("a person with no name: %+v", p)
		}
		if ev.Held == "" && ev.Input.PersonID == 0 {
			// What the store checks must hold, or the lead would be refused there.
			q := p
			q.Kind = rapport.KindLead
			tags := q.Tags
			q.Normalize()
			q.Tags = rapport.NormalizeTags(tags)
			if err := q.Validate(now); err != nil {
				t.Fatalf("the store would refuse %+v: %v", q, err)
			}
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
