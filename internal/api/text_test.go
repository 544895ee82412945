package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestTextThatNoFieldCanHold: a NUL or bytes that are not UTF-8 in any
// field of a body, or in any filter, answer 400 naming it (never 500),
// and nothing is written; a person holds at most 20 phones and 20 emails.
func TestTextThatNoFieldCanHold(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		fieldOf := func(r reply) string {
			e, _ := r.json(t)["error"].(map[string]any)
			f, _ := e["field"].(string)
			return f
		}
		for body, field := range map[string]string{
			`{"firstName":"A\u0000nn"}`:                                                      "firstName",
			`{"firstName":"Ann","notes":"x\u001b[31m"}`:                                      "notes",
			`{"firstName":"Ann","emails":[{"value":"a@x.test"},{"value":"b\u0000@x.test"}]}`: "emails[1].value",
			"{\"firstName\":\"J\xe4ger\"}":                                                   "firstName",
		} {
			r := h.call(a.key, "POST", "/api/v1/people", body)
			if r.status != http.StatusBadRequest || fieldOf(r) != field {
				t.Errorf("%q: %d %s, want 400 naming %s", body, r.status, r.body, field)
			}
		}
		for _, q := range []string{"q=%00", "q=%FF", "tag=a%00b", "%00=x"} {
			r := h.call(a.key, "GET", "/api/v1/people?"+q, nil)
			if r.status != http.StatusBadRequest || fieldOf(r) == "" {
				t.Errorf("?%s: %d %s", q, r.status, r.body)
			}
		}
		r := h.call(a.key, "GET", "/api/v1/people", nil)
		if items := r.json(t)["items"].([]any); len(items) != 0 {
			t.Errorf("something was written: %s", r.body)
		}
		var phones []string
		for i := range 21 {
			phones = append(phones, fmt.Sprintf(`{"number":"+1312555%04d"}`, i))
		}
		r = h.call(a.key, "POST", "/api/v1/people", `{"firstName":"Many","phones":[`+strings.Join(phones, ",")+`]}`)
		if r.status != http.StatusBadRequest && r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "20 phone") {
			t.Errorf("21 phones: %d %s", r.status, r.body)
		}
	})
}

// TestEventsSayNothingOfAPrivatePerson: where people are private to their
// owner, an event an agent's key sends about a colleague's person lands on
// that person's timeline, and the answer gives neither their id nor their
// values (not even as what was kept rather than applied).
func TestEventsSayNothingOfAPrivatePerson(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		a.org.Visibility = rapport.VisibilityOwn
		if err := h.db.UpdateOrg(ctx, rapport.Actor{Org: a.org.ID}, a.org); err != nil {
			t.Fatal(err)
		}
		colleague := &rapport.User{OrgID: a.org.ID, Email: "col@acme.test", Name: "Col", Role: rapport.RoleAgent, PasswordHash: "x"}
		if err := h.db.CreateUser(ctx, rapport.Actor{Org: colleague.OrgID}, colleague); err != nil {
			t.Fatal(err)
		}
		secret := &rapport.Person{FirstName: "Private", LastName: "Person", Kind: rapport.KindLead, OwnerID: colleague.ID, City: "Secretville",
			Emails: []rapport.Email{{Address: "private@example.com"}}}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, colleague), secret); err != nil {
			t.Fatal(err)
		}
		agentKey := h.key(a.org.ID, a.agent.ID)
		r := h.call(agentKey, "POST", "/api/v1/events", map[string]any{"source": "Zillow", "type": "Inquiry",
			"person": map[string]any{"firstName": "Someone", "lastName": "Else", "emails": []string{"private@example.com"},
				"addresses": []map[string]any{{"street": "1 Main", "city": "Elsewhere"}}}})
		if r.status != http.StatusOK {
			t.Fatalf("event: %d %s", r.status, r.body)
		}
		body := string(r.body)
		for _, leak := range []string{fmt.Sprint(secret.ID), "Private", "Secretville", `"person":{`} {
			if strings.Contains(body, `"personId":`+leak) || leak != fmt.Sprint(secret.ID) && strings.Contains(body, leak) {
				t.Errorf("the answer shows %q: %s", leak, body)
			}
		}
		if ev := r.json(t)["event"].(map[string]any); ev["personId"] != nil {
			t.Errorf("event personId = %v", ev["personId"])
		}
		if r.header.Get("Location") != "" {
			t.Errorf("Location: %s", r.header.Get("Location"))
		}
	})
}
