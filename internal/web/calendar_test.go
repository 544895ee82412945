package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// icalCheck parses a feed with Python's icalendar (an implementation
// independent of the one that wrote it) and lists its events.
const icalCheck = `
import json, sys
from icalendar import Calendar
cal = Calendar.from_ical(sys.stdin.read())
out = []
for e in cal.walk('VEVENT'):
    s = e.decoded('DTSTART')
    out.append({
        'uid': str(e['UID']), 'summary': str(e['SUMMARY']),
        'start': s.isoformat(), 'allday': not hasattr(s, 'hour'),
        'sequence': int(e.get('SEQUENCE', 0)), 'status': str(e.get('STATUS', '')),
        'rrule': e['RRULE'].to_ical().decode() if 'RRULE' in e else '',
        'description': str(e.get('DESCRIPTION', '')), 'location': str(e.get('LOCATION', '')),
    })
print(json.dumps(out))
`

// pythonWithICalendar is a Python that has the icalendar module (Debian's
// python3-icalendar is for the system's Python), or "python3".
func pythonWithICalendar() string {
	for _, p := range []string{os.Getenv("RAPPORT_PYTHON"), "/usr/bin/python3", "python3"} {
		if p != "" && exec.Command(p, "-c", "import icalendar").Run() == nil {
			return p
		}
	}
	return "python3"
}

type icalEvent struct {
	UID, Summary, Start, Status, Rrule, Description, Location string
	Allday                                                    bool
	Sequence                                                  int
}

func parseICal(t *testing.T, feed string) []icalEvent {
	t.Helper()
	cmd := exec.Command(pythonWithICalendar(), "-c", icalCheck)
	cmd.Stdin = strings.NewReader(feed)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if strings.Contains(errb.String(), "No module named") || strings.Contains(err.Error(), "executable file not found") {
			if os.Getenv("RAPPORT_TEST_ICALENDAR") == "required" {
				t.Fatalf("python3-icalendar is required: %s", errb.String())
			}
			t.Skip("install python3-icalendar to check the feed with an independent parser")
		}
		t.Fatalf("python icalendar refused the feed: %v\n%s\n%s", err, errb.String(), feed)
	}
	var evs []icalEvent
	if err := json.Unmarshal(out.Bytes(), &evs); err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestCalendarFeed(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		agent := rapport.Member(a.org, a.agent)
		dana := &rapport.Person{FirstName: "Dana", LastName: "Whit", Kind: rapport.KindClient, OwnerID: a.agent.ID,
			Phones:   []rapport.Phone{{Number: "+13125550142", Label: "mobile"}},
			Birthday: rapport.Anniversary{Year: 1985, Month: time.March, Day: 14}, HomeAnniversary: rapport.Anniversary{Month: time.June, Day: 2}}
		if err := h.db.CreatePerson(ctx, agent, dana); err != nil {
			t.Fatal(err)
		}
		if err := h.db.AddFact(ctx, agent, &rapport.Fact{PersonID: dana.ID, Type: rapport.FactPassion, Text: "Sails on Lake Michigan"}); err != nil {
			t.Fatal(err)
		}
		meeting := &rapport.FollowUp{PersonID: dana.ID, UserID: a.agent.ID, Kind: rapport.FollowUpMeeting, DueOn: "2026-11-25", DueTime: "15:30", Note: "Coffee at the marina"}
		call := &rapport.FollowUp{PersonID: dana.ID, UserID: a.agent.ID, Kind: rapport.FollowUpCall, DueOn: "2026-11-26", Note: "Send comps"}
		dropped := &rapport.FollowUp{PersonID: dana.ID, UserID: a.agent.ID, Kind: rapport.FollowUpCall, DueOn: "2026-11-27"}
		for _, f := range []*rapport.FollowUp{meeting, call, dropped} {
			if err := h.db.CreateFollowUp(ctx, agent, f); err != nil {
				t.Fatal(err)
			}
		}
		if err := h.db.AddCallBlock(ctx, agent, &rapport.CallBlock{UserID: a.agent.ID, Weekday: time.Tuesday, Start: 9 * 60, End: 10 * 60}); err != nil {
			t.Fatal(err)
		}

		c := h.signedIn(a.agent.Email)
		wantBody(t, c.get("/settings"), "Calendar on your phone", "Make my calendar link")
		made := c.post("/settings/calendar", nil)
		wantStatus(t, made, http.StatusOK)
		m := regexp.MustCompile(`value="(http://[^"]+/calendar/[A-Za-z0-9_-]+\.ics)"`).FindStringSubmatch(made.body)
		if m == nil || !strings.Contains(made.body, `href="webcal://`) {
			t.Fatalf("no calendar link shown:\n%s", made.body)
		}
		path := strings.TrimPrefix(m[1], h.srv.URL)
		if !strings.Contains(c.get("/settings").body, "Make a new link") || strings.Contains(c.get("/settings").body, path) {
			t.Error("the link is shown again, or the page does not know it exists")
		}
		anon := h.client()
		res := anon.get(path)
		wantStatus(t, res, http.StatusOK)
		if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
			t.Errorf("content type %q", ct)
		}
		evs := parseICal(t, res.body)
		byUID := map[string]icalEvent{}
		for _, e := range evs {
			byUID[strings.Split(e.UID, "@")[0]] = e
		}
		mt := byUID["followup-"+itoa(meeting.ID)]
		// 15:30 in Chicago on 25 November is 21:30 UTC.
		if mt.Start != "2026-11-25T21:30:00+00:00" || mt.Allday || !strings.Contains(mt.Summary, "Dana Whit") ||
			mt.Location != "tel:+13125550142" || !strings.Contains(mt.Description, "Coffee at the marina") ||
			!strings.Contains(mt.Description, "Sails on Lake Michigan") || !strings.Contains(mt.Description, "+13125550142 (mobile)") {
			t.Errorf("meeting event: %+v", mt)
		}
		if e := byUID["followup-"+itoa(call.ID)]; !e.Allday || e.Start != "2026-11-26" || e.Sequence != 0 {
			t.Errorf("day promise: %+v", e)
		}
		if e := byUID["birthday-"+itoa(dana.ID)]; !e.Allday || e.Start != "1985-03-14" || e.Rrule != "FREQ=YEARLY" {
			t.Errorf("birthday: %+v", e)
		}
		if e := byUID["home-"+itoa(dana.ID)]; !e.Allday || !strings.HasSuffix(e.Start, "-06-02") {
			t.Errorf("home anniversary: %+v", e)
		}
		var blocks []icalEvent
		for _, e := range evs {
			if strings.HasPrefix(e.UID, "block-") {
				blocks = append(blocks, e)
			}
		}
		// Chicago leaves daylight time on 1 November and starts it on
		// 14 March: the block's UTC hour changes there, its local one never.
		if len(blocks) < 2 {
			t.Fatalf("call block series: %+v", blocks)
		}
		chicago := mustLoc("America/Chicago")
		for _, b := range blocks {
			start, err := time.Parse(time.RFC3339, b.Start)
			if err != nil || start.In(chicago).Hour() != 9 || start.In(chicago).Weekday() != time.Tuesday || !strings.HasPrefix(b.Rrule, "FREQ=WEEKLY;COUNT=") {
				t.Errorf("call block series %+v (%v)", b, err)
			}
		}

		// A kept and a cancelled promise change in place (same UID, a
		// higher SEQUENCE); the cancelled one is marked so.
		if err := h.db.CloseFollowUp(ctx, agent, call.ID, rapport.FollowUpDone); err != nil {
			t.Fatal(err)
		}
		if err := h.db.CloseFollowUp(ctx, agent, dropped.ID, rapport.FollowUpCancelled); err != nil {
			t.Fatal(err)
		}
		evs = parseICal(t, anon.get(path).body)
		for _, e := range evs {
			switch strings.Split(e.UID, "@")[0] {
			case "followup-" + itoa(call.ID):
				if e.Sequence != 1 || !strings.HasPrefix(e.Summary, "✓") || e.Status == "CANCELLED" {
					t.Errorf("kept promise: %+v", e)
				}
			case "followup-" + itoa(dropped.ID):
				if e.Sequence != 1 || e.Status != "CANCELLED" {
					t.Errorf("cancelled promise: %+v", e)
				}
			}
		}

		// Another user's link shows nothing of this one's; a new link
		// retires the old; turning it off ends it.
		other := h.signedIn(a.owner.Email)
		om := regexp.MustCompile(`/calendar/[A-Za-z0-9_-]+\.ics`).FindString(other.post("/settings/calendar", nil).body)
		if feed := anon.get(om).body; strings.Contains(feed, "Dana") {
			t.Errorf("the owner's feed shows the agent's promises")
		}
		c.post("/settings/calendar", nil)
		wantStatus(t, anon.get(path), http.StatusNotFound)
		wantStatus(t, c.post("/settings/calendar/off", nil), http.StatusSeeOther)
		log, _ := h.db.AuditLog(ctx, rapport.Actor{Org: a.org.ID}, 0, 20)
		n := 0
		for _, e := range log {
			if e.Entity == "calendar link" {
				n++
			}
		}
		if n < 3 {
			t.Errorf("calendar links in the audit log: %d", n)
		}
		_ = store.OutboxSent
	})
}
