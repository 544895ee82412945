package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestHealthzReportsADatabaseThatCannotWrite: /healthz answers 200 "ok"
// over a database that takes writes, and 503 with the reason over one
// that answers reads but cannot write (SQLite opened read-only,
// PostgreSQL read-only as a standby is), naming nothing of the server.
func TestHealthzReportsADatabaseThatCannotWrite(t *testing.T) {
	clock := storetest.NewClock(monday)
	storetest.Each(t, clock.Now, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, clock)
		res := h.client().get("/healthz")
		wantStatus(t, res, http.StatusOK)
		if res.body != "ok\n" {
			t.Errorf("healthy body %q", res.body)
		}
		ro := newHarness(t, storetest.ReopenReadOnly(t, db, clock.Now), clock)
		res = ro.client().get("/healthz")
		wantStatus(t, res, http.StatusServiceUnavailable)
		if strings.TrimSpace(res.body) != "database cannot write: read-only" {
			t.Errorf("body %q", res.body)
		}
		if strings.Contains(res.body, db.Name()) || strings.Contains(res.body, "/") {
			t.Errorf("the body names the database: %q", res.body)
		}
		// The writable server is still fine.
		wantStatus(t, h.client().get("/healthz"), http.StatusOK)
	})
}
