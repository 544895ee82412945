package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
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
