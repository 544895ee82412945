package rapport_test

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

func TestAlerts(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	u := &rapport.User{AlertEmail: "agenda,new_lead", AlertPush: "promise_due"}
	if !u.Wants(rapport.AlertEmail, rapport.AlertNewLead) || u.Wants(rapport.AlertPush, rapport.AlertNewLead) ||
		!u.Wants(rapport.AlertEmail, rapport.AlertPasswordReset) || u.Wants(rapport.AlertPush, rapport.AlertPasswordReset) {
		t.Error("Wants does not follow the user's choices")
	}
	a := u.AlertsOf()
	if len(a.Email) != 2 || a.Email[0] != rapport.AlertNewLead {
		t.Errorf("kinds not in the settings' order: %v", a.Email)
	}

	bad := rapport.Alerts{Email: []rapport.AlertKind{"spam"}, Push: []rapport.AlertKind{rapport.AlertAgenda}, QuietFrom: "25:00", QuietTo: "7:00", AgendaHour: 24}
	var fe map[string]string
	if e, ok := bad.Validate().(*rapport.Error); ok {
		fe = e.Fields
	}
	for _, f := range []string{"alerts", "quiet_from", "agenda_hour"} {
		if fe[f] == "" {
			t.Errorf("no error for %s in %v", f, fe)
		}
	}

	// Quiet hours over midnight, in the user's zone.
	q := rapport.Alerts{QuietFrom: "21:00", QuietTo: "07:00"}
	at := func(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, chicago) }
	for _, c := range []struct {
		now, want time.Time
	}{
		{at(22, 30), time.Date(2026, 12, 8, 7, 0, 0, 0, chicago)},
		{at(3, 0), at(7, 0)},
		{at(7, 0), time.Time{}},
		{at(20, 59), time.Time{}},
	} {
		if got := q.QuietUntil(c.now, chicago); !got.Equal(c.want) {
			t.Errorf("QuietUntil(%v) = %v, want %v", c.now, got, c.want)
		}
	}
	day := rapport.Alerts{QuietFrom: "12:00", QuietTo: "13:00"}
	if got := day.QuietUntil(at(12, 15), chicago); !got.Equal(at(13, 0)) {
		t.Errorf("lunch quiet hour until %v", got)
	}

	ag := rapport.Alerts{AgendaHour: 7}
	if _, ok := ag.AgendaDay(at(6, 59), chicago); ok {
		t.Error("agenda before its hour")
	}
	if d, ok := ag.AgendaDay(at(8, 0), chicago); !ok || d != "2026-12-07" {
		t.Errorf("agenda day = %q %v", d, ok)
	}
	if _, ok := ag.AgendaDay(at(10, 0), chicago); ok {
		t.Error("agenda three hours late")
	}

	meet := &rapport.FollowUp{Status: rapport.FollowUpOpen, DueOn: "2026-12-07", DueTime: "15:00"}
	if rapport.PromiseDueNow(meet, ag, at(14, 59), chicago) || !rapport.PromiseDueNow(meet, ag, at(15, 0), chicago) || rapport.PromiseDueNow(meet, ag, at(17, 0), chicago) {
		t.Error("timed promise alerts outside its two hours")
	}
	dayPromise := &rapport.FollowUp{Status: rapport.FollowUpOpen, DueOn: "2026-12-07"}
	if rapport.PromiseDueNow(dayPromise, ag, at(6, 0), chicago) || !rapport.PromiseDueNow(dayPromise, ag, at(7, 0), chicago) ||
		rapport.PromiseDueNow(dayPromise, ag, at(7, 0).AddDate(0, 0, 1), chicago) {
		t.Error("day promise alerts outside its day from the agenda hour")
	}

	for attempt := 1; attempt <= 12; attempt++ {
		d := rapport.OutboxBackoff(attempt)
		lo := min(15*time.Second<<(attempt-1), time.Hour) / 2
		if d < lo || d > 2*lo {
			t.Errorf("backoff after attempt %d = %v, want %v..%v", attempt, d, lo, 2*lo)
		}
	}
}
