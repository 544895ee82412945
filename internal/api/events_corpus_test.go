package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// The corpus: payloads in the shapes real lead sources and integrations
// post to an events endpoint (testdata/intake/events, whose README says
// which integration each reproduces and where it is documented). Each is
// posted as it is, byte for byte, into an organisation of its own.
//
// Every lead is kept: recorded against a person (200 or 201), or, when it
// names no one, held with its body for an owner or manager. And nothing is
// lost without a word: every value of a recorded payload is found in the
// answer — in a field of the event or the person, in the event's details,
// or in a warning.

// corpusCase is what a payload must give.
type corpusCase struct {
	// held is set for a payload that names no one: 400, and held.
	held bool
	// status is 201 unless said.
	status      int
	first, last string
	emails      []string // in order
	phones      []string // in order, E.164
	tags        []string
	typ         string
	warnings    []string // each a part of some warning
	noWarnings  bool
	property    string
	note        string
	historical  bool
	details     map[string]string // label: value
}

var corpus = map[string]corpusCase{
	"fub-registration.json": {first: "Dana", last: "Whitfield", emails: []string{"dana.whitfield@example.com"}, typ: "Registration",
		tags: []string{"Free Market Report"}, warnings: []string{`person.phones[0]: "555-555-0101"`}},
	"fub-property-inquiry.json": {first: "Marcus", last: "Oyelaran", phones: []string{"+13125550102"}, typ: "Property Inquiry", noWarnings: true,
		property: "4410 N Hermitage Ave, Chicago, IL 60640 · Single-Family Home · MLS 12093344 · 4 bd / 2.5 ba · 2,460 sq ft · 0.09 acre lot · for sale · $649K",
		tags:     []string{"Buyer", "More Information"}},
	"fub-seller-inquiry.json": {first: "Helen", last: "Kowalczyk", typ: "Seller Inquiry", tags: []string{"CMA Request", "Seller"}, noWarnings: true,
		property: "2215 W Giddings St, Chicago, IL 60625 · Two-Flat · 5 bd / 2 ba"},
	"fub-general-inquiry.json":                 {first: "Tomas", last: "Reyes", phones: []string{"+13125550104"}, typ: "General Inquiry", noWarnings: true},
	"fub-inquiry-shorthand-with-property.json": {first: "Priya", last: "Natarajan", typ: "Property Inquiry", noWarnings: true, property: "1820 W Henderson St, Chicago, IL 60657 · MLS 12110022 · $729K"},
	"fub-inquiry-shorthand-general.json":       {first: "Gregor", last: "Lindqvist", phones: []string{"+13125550106"}, typ: "General Inquiry", noWarnings: true},
	"fub-visited-open-house.json":              {first: "Abigail", last: "Fontaine", typ: "Visited Open House", historical: true, noWarnings: true},
	"fub-note-by-person-id.json":               {held: true},
	"n8n-viewed-page.json": {first: "Lucia", last: "Benedetti", typ: "Viewed Page",
		warnings: []string{`"Lead" is not a stage`, `"Jordan Agent" is not an active user`, "person.contacted"},
		details:  map[string]string{"Page title": "Contact Us", "Referrer": "https://www.google.com/", "Time on page": "42.5 s", "Custom closing date": "2027-01-15"}},
	"n8n-saved-property-legacy-type.json": {first: "Owen", last: "Castellanos", typ: "Saved Property", noWarnings: true, tags: []string{"Favorites"},
		property: "1112 S Wabash Ave Unit 704, Chicago, IL 60605 · Townhouse · MLS 12120011 · 3 bd / 2.5 ba · 1,450 sq ft · 0.12 acre lot · for sale · $310K"},
	"n8n-property-search.json":          {first: "Ingrid", last: "Halvorsen", typ: "Property Search", noWarnings: true},
	"n8n-general-type-with-lender.json": {first: "Darnell", last: "Okafor", typ: "General Inquiry", warnings: []string{`"general" recorded as General Inquiry`, "assignedLenderName"}},
	"python-sdk-create-event.json": {first: "Mei", last: "Tanaka", emails: []string{"mei.tanaka@example.com"}, phones: []string{"+13125550113"},
		typ: "Property Inquiry", noWarnings: true, property: "2231 N Lincoln Ave, Chicago, IL 60614 · MLS 12134455 · $579K"},
	"php-client-nulls.json":     {first: "Nadia", last: "Petrov", typ: "Registration", noWarnings: true},
	"php-client-page-view.json": {first: "Nadia", last: "Petrov", typ: "Viewed Page", noWarnings: true, details: map[string]string{"Time on page": "45 s"}},
	"assistant-event-lead.json": {first: "Rosalind", last: "Achebe", typ: "Registration", tags: []string{"AI Managed", "Hot Lead"},
		warnings: []string{`"lead" recorded as Registration`, "assignedUserId: 123"}, property: "1 E Scott St Unit 1801, Chicago, IL 60610 · Condo · $489K"},
	"assistant-note-event.json": {held: true},
	"zapier-webhook-flattened.json": {first: "Keisha", last: "Monroe", emails: []string{"keisha.monroe@example.com"}, phones: []string{"+13125550117"},
		tags: []string{"Buyer", "Facebook"}, typ: "Registration", warnings: []string{"flattened field names"}},
	"zapier-strings-everywhere.json": {first: "Vikram", last: "Sethi", emails: []string{"vikram.sethi@example.com"}, phones: []string{"+13125550118"},
		tags: []string{"Open House", "Zapier"}, typ: "Property Inquiry", warnings: []string{`"2+1" is not a number`, `"1,850 sqft" is not a number`},
		property: "3347 N Kedvale Ave, Chicago, IL 60641 · 2+1 bd / 1.5 ba · 1,850 sqft · $1.2M", details: map[string]string{"Their price": "$500K"}},
	"windows-tool-bom.json":         {first: "Bridget", last: "O'Rourke", typ: "Registration", noWarnings: true},
	"wordpress-cf7-to-webhook.json": {held: true},
	"website-flat-form.json": {first: "Sofia", last: "Marchetti", emails: []string{"sofia.marchetti@example.com"}, phones: []string{"+17735550122"},
		typ: "Property Inquiry", warnings: []string{"read the name, email and phone from the top level"}, property: "4837 N Hermitage Ave, Chicago, IL · MLS 12140099 · $815K"},
	"zillow-rentals-forwarded.json": {first: "Jonah", last: "Whitaker", phones: []string{"+17735550123"}, typ: "General Inquiry",
		warnings: []string{"none sent", "listingStreet"}, details: map[string]string{"listingStreet": "2840 N Sheffield Ave", "movingDate": "20261215"}},
	"realtor-com-forwarded.json": {held: true},
	"quirk-unknown-type-and-assignees.json": {first: "Amara", last: "Eze", typ: "Rental Application",
		warnings: []string{`"Rental Application" is not a type`, "assignedUserId: 4242", `"Nobody Example"`}},
	"quirk-tags-case.json":      {first: "Theo", last: "Vanterpool", typ: "Registration", tags: []string{"FHA", "VIP", "Zillow Flex"}, noWarnings: true},
	"quirk-truncated-body.json": {held: true},
	"quirk-two-addresses-primary-flags.json": {first: "Wendell", last: "Ashby", emails: []string{"wendell.ashby@example.com", "w.ashby@work.example"},
		phones: []string{"+13125550128"}, typ: "Registration", noWarnings: true, details: map[string]string{"Address work": "1600 Glenarm Pl, Denver, CO 80202"}},
	"quirk-appointment-epoch-time.json": {first: "Hanna", last: "Lindgren", typ: "Appointment", note: "Buyer will bring her father; allow extra time.", noWarnings: true},
	"quirk-full-name-only.json":         {first: "Maria Elena", last: "Lopez", typ: "Incoming Call", noWarnings: true},
}

func TestEventsCorpus(t *testing.T) {
	files, err := filepath.Glob("../../testdata/intake/events/*.json")
	if err != nil || len(files) < 25 {
		t.Fatalf("%d payloads in the corpus (%v)", len(files), err)
	}
	for _, f := range files {
		if _, ok := corpus[filepath.Base(f)]; !ok {
			t.Errorf("%s: say in corpus what it must give", filepath.Base(f))
		}
	}
	each(t, func(t *testing.T, h *harness) {
		for i, f := range files {
			name := filepath.Base(f)
			want, ok := corpus[name]
			if !ok {
				continue
			}
			body, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			a := h.tenant(fmt.Sprintf("corpus%d", i))
			r := h.call(a.key, "POST", "/api/v1/events", string(body))
			if want.held {
				checkHeld(t, h, a, name, body, r)
				continue
			}
			status := want.status
			if status == 0 {
				status = http.StatusCreated
			}
			if r.status != status {
				t.Errorf("%s: %d, want %d: %s", name, r.status, status, r.body)
				continue
			}
			var ans eventReply
			json.Unmarshal(r.body, &ans)
			checkCorpusAnswer(t, name, want, ans)
			checkNothingLost(t, name, body, r.body, ans)
		}
	})
}

func checkHeld(t *testing.T, h *harness, a *tenant, name string, body []byte, r reply) {
	t.Helper()
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "held under Intake") {
		t.Errorf("%s: %d %s, want it held", name, r.status, r.body)
		return
	}
	held, err := h.db.HeldEvents(ctx, rapport.Actor{Org: a.org.ID}, false, 10)
	if err != nil || len(held) != 1 || held[0].Payload != string(bytes.TrimPrefix(body, []byte("\uFEFF"))) {
		t.Errorf("%s: held %+v, %v", name, held, err)
	}
}

func checkCorpusAnswer(t *testing.T, name string, want corpusCase, ans eventReply) {
	t.Helper()
	p := ans.Person
	if p == nil {
		t.Errorf("%s: no person in the answer", name)
		return
	}
	var emails, phones []string
	for _, e := range p.Emails {
		emails = append(emails, e.Address)
	}
	for _, ph := range p.Phones {
		phones = append(phones, ph.Number)
	}
	switch {
	case p.FirstName != want.first || p.LastName != want.last:
		t.Errorf("%s: named %q %q, want %q %q", name, p.FirstName, p.LastName, want.first, want.last)
	case want.emails != nil && !slices.Equal(emails, want.emails):
		t.Errorf("%s: emails %q, want %q", name, emails, want.emails)
	case want.phones != nil && !slices.Equal(phones, want.phones):
		t.Errorf("%s: phones %q, want %q", name, phones, want.phones)
	case want.tags != nil && !slices.Equal(p.Tags, want.tags):
		t.Errorf("%s: tags %q, want %q", name, p.Tags, want.tags)
	case ans.Event.Type != want.typ:
		t.Errorf("%s: type %q, want %q", name, ans.Event.Type, want.typ)
	case want.property != "" && ans.Event.Property != want.property:
		t.Errorf("%s: property %q, want %q", name, ans.Event.Property, want.property)
	case ans.Event.Note != want.note:
		t.Errorf("%s: note %q, want %q", name, ans.Event.Note, want.note)
	case want.noWarnings && len(ans.Warnings) != 0:
		t.Errorf("%s: warnings %q, want none", name, ans.Warnings)
	case p.Stage == nil:
		t.Errorf("%s: no stage", name)
	case ans.Event.Historical != want.historical:
		t.Errorf("%s: historical %v, want %v", name, ans.Event.Historical, want.historical)
	}
	for _, w := range want.warnings {
		if !ans.warned(w) {
			t.Errorf("%s: no warning about %q in %q", name, w, ans.Warnings)
		}
	}
	for label, value := range want.details {
		if got := ans.detail(label); got != value {
			t.Errorf("%s: detail %q is %q, want %q", name, label, got, value)
		}
	}
}

// checkNothingLost finds every value of the payload in the answer. A value
// may have been normalised on the way (an email lower-cased, a phone put
// in E.164, an amount written as money, a time in UTC), so each is looked
// for in the forms Rapport writes it in.
func checkNothingLost(t *testing.T, name string, body, answer []byte, ans eventReply) {
	t.Helper()
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	// The answer as text: JSON escapes undone, so that "O'Rourke" reads as
	// it was sent.
	var decoded any
	json.Unmarshal(answer, &decoded)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(decoded)
	hay := fold(b.String())
	for _, leaf := range leaves("", v) {
		if !foundIn(hay, leaf, ans) {
			t.Errorf("%s: %s = %v is nowhere in the answer: %s", name, leaf.path, leaf.value, answer)
		}
	}
}

type leaf struct {
	path, key string
	value     any
}

func leaves(path string, v any) []leaf {
	var out []leaf
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, l := range leaves(path+"."+k, x[k]) {
				if l.key == "" {
					l.key = k
				}
				out = append(out, l)
			}
		}
	case []any:
		for i, e := range x {
			out = append(out, leaves(fmt.Sprintf("%s[%d]", path, i), e)...)
		}
	default:
		out = append(out, leaf{path: path, value: v})
	}
	return out
}

// fold keeps only letters and digits, lower-cased.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func foundIn(hay string, l leaf, ans eventReply) bool {
	switch x := l.value.(type) {
	case nil:
		return true // null says nothing
	case bool:
		switch l.key {
		case "forRent":
			return strings.Contains(hay, "forrent") || strings.Contains(hay, "forsale")
		case "isPrimary":
			return true // the primary one is listed first (checked with the emails)
		}
		return strings.Contains(hay, fold(l.key))
	case json.Number:
		return textFound(hay, x.String(), l, ans)
	case string:
		if strings.TrimSpace(x) == "" {
			return true
		}
		if textFound(hay, x, l, ans) {
			return true
		}
		// A list in one string ("Facebook, Buyer"): each part.
		parts := strings.FieldsFunc(x, func(r rune) bool { return r == ',' || r == ';' })
		if len(parts) < 2 {
			return false
		}
		for _, p := range parts {
			if !textFound(hay, p, l, ans) {
				return false
			}
		}
		return true
	}
	return false
}

func textFound(hay, s string, l leaf, ans eventReply) bool {
	if f := fold(s); f != "" && strings.Contains(hay, f) {
		return true
	}
	// An amount written as money.
	clean := strings.NewReplacer("$", "", ",", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	mult := 1.0
	for suffix, m := range map[string]float64{"k": 1e3, "m": 1e6} {
		if strings.HasSuffix(clean, suffix) {
			clean, mult = strings.TrimSuffix(clean, suffix), m
		}
	}
	if n, err := strconv.ParseFloat(clean, 64); err == nil {
		n *= mult
		for _, form := range []string{rapport.Money(int64(math.Round(n))), strconv.FormatFloat(n, 'f', -1, 64)} {
			if strings.Contains(hay, fold(form)) {
				return true
			}
		}
	}
	// A time, as the event's.
	if strings.EqualFold(l.key, "occurredAt") {
		at := ans.Event.OccurredAt
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return at.Equal(time.Unix(n, 0))
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return at.Equal(t)
		}
	}
	return false
}
