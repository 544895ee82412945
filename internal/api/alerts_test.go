package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

func TestAlertsPondAndOutbox(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		ownerKey := h.key(a.org.ID, a.owner.ID)

		r := h.call(a.key, "GET", "/api/v1/me/alerts", nil)
		want(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"email":["new_lead","reassigned","came_back","promise_due","agenda"]`) || !strings.Contains(string(r.body), `"agendaHour":7`) {
			t.Errorf("default alerts: %s", r.body)
		}
		bad := h.call(a.key, "PUT", "/api/v1/me/alerts", map[string]any{"email": []string{"spam"}, "push": []string{"agenda"}, "quietFrom": "9pm", "quietTo": "", "agendaHour": 30})
		want(t, bad, http.StatusBadRequest)
		for _, f := range []string{"alerts", "quiet_from", "agenda_hour"} {
			if !strings.Contains(string(bad.body), `"`+f+`"`) {
				t.Errorf("no error for %s: %s", f, bad.body)
			}
		}
		r = h.call(a.key, "PUT", "/api/v1/me/alerts", map[string]any{"email": []string{"new_lead"}, "push": []string{"new_lead", "promise_due"},
			"quietFrom": "21:00", "quietTo": "07:00", "agendaHour": 6, "offDuty": true})
		want(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"offDuty":true`) || !strings.Contains(string(r.body), `"quietFrom":"21:00"`) {
			t.Errorf("saved: %s", r.body)
		}
		h.call(a.key, "PUT", "/api/v1/me/alerts", map[string]any{"email": []string{"new_lead"}, "push": []string{}, "quietFrom": "", "quietTo": "", "agendaHour": 7})

		// The claim window sends an unattempted lead to the pond; the agent claims it.
		org := *a.org
		org.ClaimMinutes, org.ClaimTo = 5, rapport.ClaimPond
		if err := h.db.UpdateOrg(ctx, rapport.Member(a.org, a.owner), &org); err != nil {
			t.Fatal(err)
		}
		ev := h.call(ownerKey, "POST", "/api/v1/events", `{"type": "Inquiry", "source": "Zillow", "person": {"firstName": "Poppy", "lastName": "Pond"}}`)
		want(t, ev, http.StatusCreated)
		var created struct{ Person struct{ ID int64 } }
		json.Unmarshal(ev.body, &created)
		h.clock.Advance(6 * time.Minute)
		if n, err := h.db.SweepClaims(ctx, h.clock.Now()); err != nil || n != 1 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		r = h.call(a.key, "GET", "/api/v1/pond", nil)
		want(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), "Poppy") {
			t.Errorf("pond: %s", r.body)
		}
		id := strconv.FormatInt(created.Person.ID, 10)
		want(t, h.call(a.key, "POST", "/api/v1/pond/"+id+"/claim", nil), http.StatusOK)
		want(t, h.call(ownerKey, "POST", "/api/v1/pond/"+id+"/claim", nil), http.StatusConflict)
		r = h.call(ownerKey, "GET", "/api/v1/reports/speed-to-lead", nil)
		want(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"reason":"not attempted within 5 minutes"`) || !strings.Contains(string(r.body), `"reason":"claimed from the pond"`) {
			t.Errorf("speed to lead lacks the hand-overs: %s", r.body)
		}
		if r = h.call(a.key, "GET", "/api/v1/reports/speed-to-lead", nil); strings.Contains(string(r.body), "handovers") {
			t.Errorf("an agent sees the hand-overs: %s", r.body)
		}

		// The outbox: the owner's to read, with a filter that is checked.
		want(t, h.call(a.key, "GET", "/api/v1/outbox", nil), http.StatusForbidden)
		want(t, h.call(ownerKey, "GET", "/api/v1/outbox?status=lost", nil), http.StatusBadRequest)
		r = h.call(ownerKey, "GET", "/api/v1/outbox?status=pending", nil)
		want(t, r, http.StatusOK)
		if !strings.Contains(string(r.body), `"kind":"new_lead"`) {
			t.Errorf("outbox: %s", r.body)
		}
		want(t, h.call(ownerKey, "POST", "/api/v1/outbox/999999/retry", nil), http.StatusNotFound)

		// A calendar link, answered once; turned off, it is gone.
		want(t, h.call(a.key, "DELETE", "/api/v1/me/calendar-feed", nil), http.StatusNotFound)
		r = h.call(a.key, "POST", "/api/v1/me/calendar-feed", nil)
		want(t, r, http.StatusCreated)
		var feed struct{ URL, Webcal string }
		json.Unmarshal(r.body, &feed)
		if !strings.Contains(feed.URL, "/calendar/") || !strings.HasSuffix(feed.URL, ".ics") || !strings.HasPrefix(feed.Webcal, "webcal://") {
			t.Errorf("calendar link: %s", r.body)
		}
		if _, err := h.db.CalendarFor(ctx, feed.URL[strings.LastIndex(feed.URL, "/")+1:len(feed.URL)-4]); err != nil {
			t.Errorf("the link does not open the calendar: %v", err)
		}
		want(t, h.call(a.key, "DELETE", "/api/v1/me/calendar-feed", nil), http.StatusNoContent)
	})
}
