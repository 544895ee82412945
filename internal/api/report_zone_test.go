package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestReportZone: one member's figures are counted in that member's own
// time zone, whoever reads them, and the team's in the reader's
// (rapport.ReportZone) — the same rule the web review follows. At 1:00 on
// Monday in Chicago it is still Sunday in Los Angeles, so a Los Angeles
// agent's week is the one before.
func TestReportZone(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		a.agent.TZ = "America/Los_Angeles"
		if err := h.db.UpdateUserSettings(ctx, rapport.Actor{Org: a.agent.OrgID}, a.agent); err != nil {
			t.Fatal(err)
		}
		owner := h.key(a.org.ID, a.owner.ID)
		chicago, _ := time.LoadLocation("America/Chicago")
		h.clock.Set(time.Date(2026, 11, 23, 1, 0, 0, 0, chicago))

		for _, c := range []struct {
			key, query, zone, week string
		}{
			{a.key, "", "America/Los_Angeles", "2026-11-16"},
			{owner, fmt.Sprintf("?user=%d", a.agent.ID), "America/Los_Angeles", "2026-11-16"},
			{owner, "", "America/Chicago", "2026-11-23"},
			{owner, "?team=true", "America/Chicago", "2026-11-23"},
		} {
			for _, report := range []string{"review", "funnel", "objections"} {
				r := h.call(c.key, "GET", "/api/v1/reports/"+report+c.query, nil)
				want(t, r, http.StatusOK)
				b := r.json(t)
				if b["timeZone"] != c.zone || b["weekStart"] != c.week {
					t.Errorf("%s%s: zone %v week %v, want %s %s", report, c.query, b["timeZone"], b["weekStart"], c.zone, c.week)
				}
			}
		}
		// An agent asking for the owner's figures, or the team's, is refused.
		for _, q := range []string{fmt.Sprintf("?user=%d", a.owner.ID), "?team=true"} {
			if r := h.call(a.key, "GET", "/api/v1/reports/review"+q, nil); r.status != http.StatusForbidden {
				t.Errorf("agent %s: %d", q, r.status)
			}
		}
	})
}
