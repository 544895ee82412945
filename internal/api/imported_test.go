package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/importer"
)

// TestPersonShowsWhatWasKeptAsImported: a person's answer carries the
// rows they came from whose values no field holds, with those values,
// why, and the row as it was.
func TestPersonShowsWhatWasKeptAsImported(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		file := "First Name,Last Name,Email,Web Page,Spouse\nAnn,Lee,ann@example.com,https://example.org/ann,Tom Lee\n"
		if _, err := importer.Import(ctx, h.db, a.org.ID, a.owner.ID, strings.NewReader(file),
			importer.Options{Region: "US", Origin: "contacts.csv", OwnerID: a.owner.ID}); err != nil {
			t.Fatal(err)
		}
		r := h.call(a.key, "GET", "/api/v1/people", nil)
		want(t, r, http.StatusOK)
		items := r.json(t)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["imported"] != nil {
			t.Fatalf("list = %s", r.body)
		}
		id := num(items[0].(map[string]any), "id")
		r = h.call(a.key, "GET", fmt.Sprintf("/api/v1/people/%d", id), nil)
		want(t, r, http.StatusOK)
		imported, _ := r.json(t)["imported"].([]any)
		if len(imported) != 1 {
			t.Fatalf("person = %s", r.body)
		}
		rec := imported[0].(map[string]any)
		kept := rec["kept"].([]any)[0].(map[string]any)
		if rec["kind"] != "csv" || rec["origin"] != "contacts.csv" || rec["line"] != 2.0 || kept["name"] != "Web Page" ||
			kept["value"] != "https://example.org/ann" || !strings.Contains(rec["original"].(string), "Tom Lee") || len(rec["fields"].([]any)) != 5 {
			t.Errorf("record = %v", rec)
		}
		// Another organisation's key sees nothing of it.
		b := h.tenant("other")
		want(t, h.call(b.key, "GET", fmt.Sprintf("/api/v1/people/%d", id), nil), http.StatusNotFound)
	})
}
