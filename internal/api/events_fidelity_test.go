package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Tests of the events endpoint's fidelity to what lead sources send:
// nothing is refused for its shape, and nothing is lost without a word.

// eventReply is the events endpoint's answer, as the tests read it.
type eventReply struct {
	Event struct {
		ID          int64
		PersonID    int64
		Type        string
		Message     string
		Note        string
		PageURL     string
		Property    string
		Description string
		Details     []struct{ Label, Value string }
		OccurredAt  time.Time
		Historical  bool
	}
	Person *struct {
		ID        int64
		FirstName string
		LastName  string
		OwnerID   *int64
		Stage     *struct{ Key, Name string }
		Emails    []struct{ Address string }
		Phones    []struct{ Number string }
		Tags      []string
		Notes     string
		Source    string
	}
	Created, Duplicate bool
	Warnings           []string
}

func (h *harness) postEvent(t *testing.T, key string, body any, status int) eventReply {
	t.Helper()
	r := h.call(key, "POST", "/api/v1/events", body)
	want(t, r, status)
	var ans eventReply
	if err := json.Unmarshal(r.body, &ans); err != nil {
		t.Fatal(err)
	}
	return ans
}

func (e eventReply) detail(label string) string {
	for _, d := range e.Event.Details {
		if d.Label == label {
			return d.Value
		}
	}
	return ""
}

func (e eventReply) warned(part string) bool {
	for _, w := range e.Warnings {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

// Item 14: numbers sent as text the OpenAPI document allows are read when
// they can be, and kept as written (with a warning) when not; the lead is
// never refused for them.
func TestEventsKeepNumbersWrittenAsText(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		ans := h.postEvent(t, a.key, `{"type": "Property Inquiry", "source": "IDX", "person": {"firstName": "Ada", "emails": [{"value": "ada@example.com"}]},
			"property": {"street": "9 Oak Ave", "bedrooms": "2+1", "bathrooms": "1.5", "price": "$500k"}}`, http.StatusCreated)
		if ans.Event.Property != "9 Oak Ave · 2+1 bd / 1.5 ba · $500K" || !ans.warned(`property.bedrooms: "2+1" is not a number; kept as written`) {
			t.Errorf("answer = %+v", ans)
		}
		for i, c := range []struct{ price, line string }{
			{`"$500k"`, "$500K"}, {`"1.2M"`, "$1.2M"}, {`"450,000"`, "$450K"}, {`"$449,900"`, "$449,900"}, {`1250000`, "$1,250,000"},
			{`"USD 725000"`, "$725K"}, {`"Call for price"`, "Call for price"},
		} {
			body := fmt.Sprintf(`{"type": "Viewed Property", "person": {"emails": "p%d@example.com"}, "property": {"price": %s}}`, i, c.price)
			got := h.postEvent(t, a.key, body, http.StatusCreated)
			if got.Event.Property != c.line {
				t.Errorf("price %s: line %q, want %q", c.price, got.Event.Property, c.line)
			}
			if unreadable := c.line == "Call for price"; unreadable != got.warned("property.price") {
				t.Errorf("price %s: warnings %q", c.price, got.Warnings)
			}
		}
	})
}

// Item 14: an event that names no one is refused, but held with its body
// where owners and managers find it, and placed from there: attached to a
// person they name (made, or found by email) or dismissed. A body that is
// not even JSON is held too.
func TestEventsHoldWhatNamesNoOne(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		owner := h.key(a.org.ID, a.owner.ID)
		body := `{"type": "Seller Inquiry", "source": "Facebook Lead Ads", "message": "What is my condo worth?", "person": {"phones": [{"value": "call me"}]}}`
		r := h.call(a.key, "POST", "/api/v1/events", body)
		want(t, r, http.StatusBadRequest)
		if r.errField() != "person" || !strings.Contains(string(r.body), "held under Intake") {
			t.Fatalf("refusal = %s", r.body)
		}
		// A retry is the same held event.
		want(t, h.call(a.key, "POST", "/api/v1/events", body), http.StatusBadRequest)
		r = h.call(a.key, "POST", "/api/v1/events", "<lead><name>Ann Example</name><email>ann@example.com</email></lead>")
		want(t, r, http.StatusBadRequest)
		if r.errField() != "body" {
			t.Errorf("XML body: %s", r.body)
		}
		// Agents do not place leads; owners and managers see them all.
		want(t, h.call(a.key, "GET", "/api/v1/events/held", nil), http.StatusForbidden)
		r = h.call(owner, "GET", "/api/v1/events/held", nil)
		want(t, r, http.StatusOK)
		var list struct {
			Items []struct {
				ID                      int64
				Source, Message, Reason string
				Payload                 json.RawMessage
			}
		}
		json.Unmarshal(r.body, &list)
		if len(list.Items) != 2 || list.Items[0].Source != "Facebook Lead Ads" || list.Items[0].Message != "What is my condo worth?" ||
			!strings.Contains(string(list.Items[0].Payload), `"call me"`) || !strings.Contains(string(list.Items[1].Payload), "<email>ann@example.com</email>") {
			t.Fatalf("held = %s", r.body)
		}
		seller, form := list.Items[0].ID, list.Items[1].ID
		// Attached to a person named by hand: they are made, with the
		// event on their timeline.
		r = h.call(owner, "POST", fmt.Sprintf("/api/v1/events/held/%d/attach", seller),
			map[string]any{"person": map[string]any{"name": "Rosa Diaz", "phones": "(312) 555-0147"}})
		want(t, r, http.StatusCreated)
		var placed eventReply
		json.Unmarshal(r.body, &placed)
		if placed.Person == nil || placed.Person.FirstName != "Rosa" || placed.Person.LastName != "Diaz" || placed.Event.Type != "Seller Inquiry" ||
			placed.Event.Message != "What is my condo worth?" || placed.Person.OwnerID == nil {
			t.Fatalf("placed = %s", r.body)
		}
		items, _ := h.db.Timeline(ctx, rapport.Actor{Org: a.org.ID}, placed.Person.ID)
		if len(items) == 0 || !slices.ContainsFunc(items, func(it store.TimelineItem) bool { return it.Event != nil && it.Event.Source == "Facebook Lead Ads" }) {
			t.Errorf("timeline = %+v", items)
		}
		// Once placed it is not placed again, and a repeat of the event is
		// the event it became.
		want(t, h.call(owner, "POST", fmt.Sprintf("/api/v1/events/held/%d/attach", seller), map[string]any{"personId": placed.Person.ID}), http.StatusConflict)
		again := h.postEvent(t, a.key, body, http.StatusOK)
		if !again.Duplicate || again.Event.ID != placed.Event.ID {
			t.Errorf("repeat = %+v", again)
		}
		// The form post is attached to an existing person by id, or dismissed.
		want(t, h.call(owner, "POST", fmt.Sprintf("/api/v1/events/held/%d/attach", form), map[string]any{}), http.StatusBadRequest)
		want(t, h.call(owner, "POST", fmt.Sprintf("/api/v1/events/held/%d/attach", form), map[string]any{"personId": 999999}), http.StatusBadRequest)
		want(t, h.call(a.key, "POST", fmt.Sprintf("/api/v1/events/held/%d/dismiss", form), nil), http.StatusForbidden)
		want(t, h.call(owner, "POST", fmt.Sprintf("/api/v1/events/held/%d/dismiss", form), nil), http.StatusOK)
		r = h.call(owner, "GET", "/api/v1/events/held", nil)
		if !strings.Contains(string(r.body), `"items":[]`) {
			t.Errorf("still held: %s", r.body)
		}
		r = h.call(owner, "GET", "/api/v1/events/held?resolved=true", nil)
		if n, _ := h.db.CountHeld(ctx, rapport.Actor{Org: a.org.ID}); n != 0 || !strings.Contains(string(r.body), fmt.Sprintf(`"personId":%d`, placed.Person.ID)) {
			t.Errorf("resolved = %s", r.body)
		}
		// Another organisation's owner places none of them.
		other := h.tenant("bravo")
		want(t, h.call(h.key(other.org.ID, other.owner.ID), "POST", fmt.Sprintf("/api/v1/events/held/%d/dismiss", seller), nil), http.StatusNotFound)
	})
}

// Items 14 and 15: any type is recorded: every type the events API
// documents and Note and Appointment as they are, other spellings as the
// type they mean, and an unknown one as given, each with a warning when it
// is not what was sent. The generic Inquiry is a Property Inquiry when a
// property is given, else a General Inquiry.
func TestEventsRecordEveryType(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		for i, typ := range rapport.EventTypes {
			ans := h.postEvent(t, a.key, map[string]any{"type": typ, "person": map[string]any{"emails": []string{fmt.Sprintf("t%d@example.com", i)}}},
				http.StatusCreated)
			want := rapport.ResolveInquiry(typ, false)
			if ans.Event.Type != want || ans.warned("type") {
				t.Errorf("%s: recorded as %q, warnings %q", typ, ans.Event.Type, ans.Warnings)
			}
		}
		for _, c := range []struct {
			sent, recorded string
			warned         bool
		}{
			{"note", "Note", false}, {"APPOINTMENT", "Appointment", false}, {"savedProperty", "Saved Property", false},
			{"pageView", "Viewed Page", true}, {"Rental Application", "Rental Application", true},
		} {
			ans := h.postEvent(t, a.key, map[string]any{"type": c.sent, "person": map[string]any{"name": "Type " + c.sent}}, http.StatusCreated)
			if ans.Event.Type != c.recorded || ans.warned(fmt.Sprintf("%q", c.sent)) != c.warned {
				t.Errorf("%s: recorded as %q, warnings %q", c.sent, ans.Event.Type, ans.Warnings)
			}
		}
		withProperty := h.postEvent(t, a.key, `{"type": "Inquiry", "person": {"firstName": "Ivy"}, "property": {"street": "1 Elm St"}}`, http.StatusCreated)
		without := h.postEvent(t, a.key, `{"type": "inquiry", "person": {"firstName": "Ike"}, "message": "Call me"}`, http.StatusCreated)
		if withProperty.Event.Type != "Property Inquiry" || without.Event.Type != "General Inquiry" || len(withProperty.Warnings)+len(without.Warnings) != 0 {
			t.Errorf("inquiries: %+v %+v", withProperty, without)
		}
	})
}

// Item 15: a full name in person.name names the person (first and last)
// rather than their email; emails and phones come as strings, lists of
// strings or lists of {value, type}; a byte-order mark before the JSON is
// not an error, here or on any other endpoint.
func TestEventsReadPersonAsSourcesSendIt(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		for i, c := range []struct {
			person      string
			first, last string
			emails      []string
			phones      []string
		}{
			{`{"name": "Maria Lopez", "emails": [{"value": "maria@example.com"}]}`, "Maria", "Lopez", []string{"maria@example.com"}, nil},
			{`{"name": "Lopez, Ana", "emails": ["ana@example.com", "ana@work.example"]}`, "Ana", "Lopez", []string{"ana@example.com", "ana@work.example"}, nil},
			{`{"name": "Mary Ann Smith Jr.", "phones": "312-555-0142"}`, "Mary Ann", "Smith Jr.", nil, []string{"+13125550142"}},
			{`{"firstName": "Bo", "name": "Bo Chen", "emails": "bo@example.com", "phones": ["(312) 555-0143", {"value": "312.555.0144", "type": "work"}]}`,
				"Bo", "Chen", []string{"bo@example.com"}, []string{"+13125550143", "+13125550144"}},
			{`{"emails": "solo@example.com; solo2@example.com", "phone": 3125550145}`, "solo", "", []string{"solo@example.com", "solo2@example.com"}, []string{"+13125550145"}},
		} {
			ans := h.postEvent(t, a.key, fmt.Sprintf(`{"type": "Registration", "source": "Web %d", "person": %s}`, i, c.person), http.StatusCreated)
			p := ans.Person
			var emails, phones []string
			for _, e := range p.Emails {
				emails = append(emails, e.Address)
			}
			for _, ph := range p.Phones {
				phones = append(phones, ph.Number)
			}
			if p.FirstName != c.first || p.LastName != c.last || !slices.Equal(emails, c.emails) || !slices.Equal(phones, c.phones) {
				t.Errorf("%s: got %s %s %v %v", c.person, p.FirstName, p.LastName, emails, phones)
			}
		}
		// A URL-encoded form, as Zillow's rental leads come, with the names
		// Zapier gives flattened fields.
		form := "name=Rae%20Form&email=rae%40example.com&phone=312-555-0148&listingStreet=246%20Oak%20Ave&numBedroomsSought=2&leadType=tourRequest"
		if ans := h.postEvent(t, a.key, form, http.StatusCreated); ans.Person.LastName != "Form" || len(ans.Person.Phones) != 1 ||
			ans.detail("listingStreet") != "246 Oak Ave" || !ans.warned("URL-encoded form") {
			t.Errorf("form: %+v", ans)
		}
		flat := `{"type": "Registration", "person__firstName": "Fla", "person__lastName": "Tten", "person__emails__0__value": "flat@example.com", "person__tags": "Zapier"}`
		if ans := h.postEvent(t, a.key, flat, http.StatusCreated); ans.Person.FirstName != "Fla" || len(ans.Person.Emails) != 1 || !slices.Equal(ans.Person.Tags, []string{"Zapier"}) {
			t.Errorf("flattened: %+v", ans)
		}
		// A byte-order mark, as Windows tools write before JSON.
		bom := "\uFEFF" + `{"type": "Registration", "person": {"name": "Bea Mark", "emails": ["bea@example.com"]}}`
		if ans := h.postEvent(t, a.key, bom, http.StatusCreated); ans.Person.LastName != "Mark" {
			t.Errorf("with a BOM: %+v", ans)
		}
		want(t, h.call(a.key, "POST", "/api/v1/people", "\uFEFF"+`{"firstName": "Boris"}`), http.StatusCreated)
	})
}

// Item 15: no error message of the API names a Go type: every field of
// every body the API takes, sent as each kind of JSON value it is not,
// is refused (or taken) in JSON's own words.
func TestErrorsNameNoGoType(t *testing.T) {
	goType := regexpGoType()
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		owner := h.key(a.org.ID, a.owner.ID)
		doc := h.call("", "GET", "/api/v1/openapi.json", nil)
		var spec openAPISpec
		json.Unmarshal(doc.body, &spec)
		checked := 0
		for path, ops := range spec.Paths {
			for method, op := range ops {
				props := spec.bodyProperties(op)
				if props == nil {
					continue
				}
				url := strings.NewReplacer("{id}", "1", "{fid}", "1", "{kind}", "objection", "{key}", "happy-here").Replace(path)
				for name := range props {
					for _, v := range []string{`{"a": 1}`, `[1, "b"]`, `1.5`, `-7`, `"text"`, `true`, `99999999999999999999`} {
						body := fmt.Sprintf(`{%q: %s}`, name, v)
						r := h.call(owner, strings.ToUpper(method), url, body)
						checked++
						if m := goType.FindString(string(r.body)); m != "" && r.status >= 400 {
							t.Errorf("%s %s %s: %d names %q: %s", method, path, body, r.status, m, r.body)
						}
					}
				}
			}
		}
		if checked < 500 {
			t.Fatalf("only %d bodies tried", checked)
		}
	})
}

// Item 16: person.assignedUserId names the owner when they are a user of
// the organisation; an assignee Rapport does not know (by id, email or
// name) is routed as usual, with a warning naming the value sent.
func TestEventsAssignedUser(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		other := h.tenant("bravo")
		ans := h.postEvent(t, a.key, fmt.Sprintf(`{"type": "Registration", "person": {"name": "Own Er", "emails": "o@example.com", "assignedUserId": %d}}`, a.owner.ID), http.StatusCreated)
		if ans.Person.OwnerID == nil || *ans.Person.OwnerID != a.owner.ID || len(ans.Warnings) != 0 {
			t.Errorf("by id: %+v", ans)
		}
		ans = h.postEvent(t, a.key, fmt.Sprintf(`{"type": "Registration", "person": {"name": "Str Ing", "emails": "s@example.com", "assignedUserId": "%d"}}`, a.owner.ID), http.StatusCreated)
		if ans.Person.OwnerID == nil || *ans.Person.OwnerID != a.owner.ID {
			t.Errorf("by id as text: %+v", ans)
		}
		for sent, named := range map[string]string{
			`"assignedUserId": 999999`:                                "999999",
			fmt.Sprintf(`"assignedUserId": %d`, other.owner.ID):       fmt.Sprint(other.owner.ID), // another organisation's user
			`"assignedTo": "Nobody Here"`:                             `"Nobody Here"`,
			fmt.Sprintf(`"assignedTo": %q`, other.agent.Email):        other.agent.Email,
			`"assignedTo": "Owner acme", "assignedUserId": 123456789`: "123456789",
		} {
			ans := h.postEvent(t, a.key, fmt.Sprintf(`{"type": "Registration", "person": {"firstName": "Rou Ted", "emails": %q, %s}}`, fmt.Sprint(len(sent), "@example.com"), sent), http.StatusCreated)
			if !ans.warned(named) {
				t.Errorf("%s: warnings %q", sent, ans.Warnings)
			}
			if ans.Person.OwnerID == nil || (strings.Contains(sent, "Owner acme") != (*ans.Person.OwnerID == a.owner.ID)) {
				t.Errorf("%s: owner %v", sent, ans.Person.OwnerID)
			}
		}
	})
}

// Item 17: the answer shows the stage the person is in, a new lead's too.
func TestEventsAnswerCarriesStage(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		ans := h.postEvent(t, a.key, `{"type": "Registration", "person": {"firstName": "Sta", "emails": "sta@example.com"}}`, http.StatusCreated)
		if ans.Person.Stage == nil || ans.Person.Stage.Key != rapport.StageNewLead {
			t.Errorf("new lead's stage: %+v", ans.Person.Stage)
		}
		ans = h.postEvent(t, a.key, `{"type": "Registration", "person": {"firstName": "Nur", "emails": "nur@example.com", "stage": "Nurture"}}`, http.StatusCreated)
		if ans.Person.Stage == nil || ans.Person.Stage.Key != rapport.StageNurture {
			t.Errorf("named stage: %+v", ans.Person.Stage)
		}
		ans = h.postEvent(t, a.key, `{"type": "Registration", "person": {"firstName": "Hot", "emails": "hot@example.com", "stage": "Hot Prospect"}}`, http.StatusCreated)
		if ans.Person.Stage == nil || ans.Person.Stage.Key != rapport.StageNewLead || !ans.warned(`"Hot Prospect"`) {
			t.Errorf("unknown stage: %+v %q", ans.Person.Stage, ans.Warnings)
		}
		// A second event about her: the stage she is in, still.
		ans = h.postEvent(t, a.key, `{"type": "Viewed Property", "person": {"emails": "nur@example.com"}}`, http.StatusOK)
		if ans.Person.Stage == nil || ans.Person.Stage.Key != rapport.StageNurture {
			t.Errorf("existing person's stage: %+v", ans.Person.Stage)
		}
	})
}

// Item 17: the listing's area, lot and rent, the page's title, referrer
// and time, and a note are kept on the event, where the person page shows
// them; the whole body is kept as received.
func TestEventsKeepPageAndPropertyDetails(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		ans := h.postEvent(t, a.key, `{"type": "Viewed Page", "source": "IDX", "pageUrl": "https://idx.example.com/listing/8", "pageTitle": "8 Birch Ct",
			"pageReferrer": "https://www.google.com/", "pageDuration": 95, "note": "Came back three times this week",
			"person": {"firstName": "Pia", "emails": "pia@example.com"},
			"property": {"street": "8 Birch Ct", "area": 1850, "lot": "0.25", "forRent": true, "price": 2400, "url": "https://idx.example.com/listing/8"}}`,
			http.StatusCreated)
		e := ans.Event
		if e.Property != "8 Birch Ct · 1,850 sq ft · 0.25 acre lot · for rent · $2,400" || e.Note != "Came back three times this week" ||
			e.PageURL != "https://idx.example.com/listing/8" || ans.detail("Page title") != "8 Birch Ct" || ans.detail("Referrer") != "https://www.google.com/" ||
			ans.detail("Time on page") != "95 s" || ans.detail("Listing") != "https://idx.example.com/listing/8" || len(ans.Warnings) != 0 {
			t.Fatalf("event = %+v warnings %q", e, ans.Warnings)
		}
		items, err := h.db.Timeline(ctx, rapport.Actor{Org: a.org.ID}, ans.Person.ID)
		i := slices.IndexFunc(items, func(it store.TimelineItem) bool { return it.Event != nil })
		if err != nil || i < 0 || items[i].Event.Note != e.Note || len(items[i].Event.Details) != 4 || !strings.Contains(items[i].Event.Payload, `"pageDuration": 95`) {
			t.Errorf("timeline = %+v, %v", items, err)
		}
	})
}

// Item 17: tags keep the case a source sends them in, and are one tag
// whatever their case; finding people by tag ignores case.
func TestEventsTagsKeepCase(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		ans := h.postEvent(t, a.key, `{"type": "Registration", "person": {"firstName": "Tia", "emails": "tia@example.com", "tags": ["VIP", "Zillow Flex", "vip", " FHA "]}}`, http.StatusCreated)
		if !slices.Equal(ans.Person.Tags, []string{"FHA", "VIP", "Zillow Flex"}) {
			t.Errorf("tags = %q", ans.Person.Tags)
		}
		// Another source's "zillow flex" is the tag she has; "Buyer" is new.
		ans = h.postEvent(t, a.key, `{"type": "Viewed Property", "person": {"emails": "tia@example.com", "tags": "zillow flex, Buyer"}}`, http.StatusOK)
		if !slices.Equal(ans.Person.Tags, []string{"Buyer", "FHA", "VIP", "Zillow Flex"}) {
			t.Errorf("merged tags = %q", ans.Person.Tags)
		}
		for _, tag := range []string{"vip", "VIP", "zillow%20flex", "ZILLOW%20FLEX", "buyer"} {
			r := h.call(a.key, "GET", "/api/v1/people?tag="+tag, nil)
			want(t, r, http.StatusOK)
			if items := r.json(t)["items"].([]any); len(items) != 1 {
				t.Errorf("tag %s finds %d", tag, len(items))
			}
		}
	})
}

// openAPISpec is the part of the OpenAPI document tests walk.
type openAPISpec struct {
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas   map[string]json.RawMessage `json:"schemas"`
		Responses map[string]openAPIResponse `json:"responses"`
	} `json:"components"`
}

type openAPIOp struct {
	Security    *[]any                     `json:"security"`
	RequestBody *json.RawMessage           `json:"requestBody"`
	Responses   map[string]openAPIResponse `json:"responses"`
}

type openAPIResponse struct {
	Ref     string                     `json:"$ref"`
	Headers map[string]json.RawMessage `json:"headers"`
}

// bodyProperties are the fields of the body an operation takes, or nil.
func (s *openAPISpec) bodyProperties(op openAPIOp) map[string]json.RawMessage {
	if op.RequestBody == nil {
		return nil
	}
	var rb struct {
		Content map[string]struct {
			Schema json.RawMessage `json:"schema"`
		} `json:"content"`
	}
	json.Unmarshal(*op.RequestBody, &rb)
	schema := rb.Content["application/json"].Schema
	var sch struct {
		Ref        string                     `json:"$ref"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	json.Unmarshal(schema, &sch)
	if sch.Ref != "" {
		json.Unmarshal(s.Components.Schemas[strings.TrimPrefix(sch.Ref, "#/components/schemas/")], &sch)
	}
	if sch.Properties == nil {
		return map[string]json.RawMessage{}
	}
	return sch.Properties
}

// response resolves a response's reference.
func (s *openAPISpec) response(r openAPIResponse) openAPIResponse {
	if r.Ref != "" {
		return s.Components.Responses[strings.TrimPrefix(r.Ref, "#/components/responses/")]
	}
	return r
}
