package httpx_test

import (
	"net/url"
	"testing"

	"github.com/rapport-crm/rapport/internal/httpx"
)

func TestTextProblems(t *testing.T) {
	for s, bad := range map[string]bool{"Zoë": false, "line\none\ttab\r\n": false, "a\x00b": true, "\x1b[31m": true, "J\xe4ger": true, "\x7f": true, "": false} {
		if got := httpx.TextProblem(s) != ""; got != bad {
			t.Errorf("%q: refused %v", s, got)
		}
	}
	if f, p := httpx.ValuesProblem(url.Values{"q": {"ok"}, "name": {"a\x00"}}); f != "name" || p == "" {
		t.Errorf("form: %q %q", f, p)
	}
	for body, want := range map[string]string{
		`{"firstName":"Ann","notes":"ok\nfine"}`:                        "",
		`{"firstName":"A\u0000nn"}`:                                     "firstName",
		`{"person":{"emails":[{"value":"a@x"},{"value":"b\u001b@x"}]}}`: "person.emails[1].value",
		`{"tags":["a","b","\u0000"]}`:                                   "tags[2]",
		"{\"notes\":\"J\xe4ger\"}":                                      "notes",
		`{"a\u0000":1}`:                                                 "a\x00",
		`{"a":[[1,2],{"b":"\u0007"}]}`:                                  "a[1].b",
		`{"x":1,"y":{"z":[]},"w":"\u0000"}`:                             "w",
		`not json`:                                                      "",
	} {
		f, _ := httpx.JSONProblem([]byte(body))
		if f != want {
			t.Errorf("%s: field %q, want %q", body, f, want)
		}
	}
}
