package api_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestOpenAPIMatchesRoutes checks the document against the routes both
// ways: every route is documented, and everything documented is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	clock := storetest.NewClock(monday)
	h := newHarness(t, storetest.OpenSQLite(t, clock.Now), clock, api.Options{})
	r := h.call("", "GET", "/api/v1/openapi.json", nil)
	want(t, r, http.StatusOK)
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, route := range api.New(api.Options{DB: h.db}).Routes() {
		served[route] = true
		if !documented[route] {
			t.Errorf("route %s is not in the OpenAPI document", route)
		}
	}
	var extra []string
	for op := range documented {
		if !served[op] {
			extra = append(extra, op)
		}
	}
	sort.Strings(extra)
	for _, op := range extra {
		t.Errorf("the document describes %s, which is not served", op)
	}
	// Every schema reference resolves.
	for _, ref := range refs(r.body) {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		if strings.HasPrefix(ref, "#/components/schemas/") && doc.Components.Schemas[name] == nil {
			t.Errorf("dangling reference %s", ref)
		}
	}
}

func refs(doc []byte) []string {
	var out []string
	for _, part := range strings.Split(string(doc), `"$ref": "`)[1:] {
		out = append(out, part[:strings.IndexByte(part, '"')])
	}
	return out
}
