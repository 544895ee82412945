package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

var chicago = mustLoc("America/Chicago")

// nov is a moment of November 2026 in Chicago.
func nov(day, hour, minute int) time.Time {
	return time.Date(2026, time.November, day, hour, minute, 0, 0, chicago)
}

// reviewNow is when the review is read: Thursday of the week of
// 23 November 2026, in the evening.
var reviewNow = nov(26, 18, 0)

// history is what reviewHistory built.
type history struct {
	ana, ben, cara, dan int64
	tuesdayBlock        int64
}

// reviewHistory gives the tenant's agent weekly targets and five weeks of
// work, every figure of which the review and funnel tests count by hand.
// The clock walks forward through it, each thing done when it happened
// (Chicago time):
//
//   - Mon 2 Nov: Dan added (lead, source "@Cold list"); Tue 10 Nov six
//     unanswered calls to him, 18:00 to 18:25.
//   - Mon 16 Nov: Ana (lead, Zillow) and Ben (sphere, Open house, who lives
//     in New York) added. Ana: no answer Tue 17 Nov 10:15, live Wed 18 Nov
//     17:30 (5 min).
//   - Mon 23 Nov 09:00: Cara added (client, referred by Ana). Promises:
//     Ana's due Mon 23, Ben's due Tue 24, Cara's due Wed 25, Ben's due
//     Fri 27, and Dan's due Thu 19 (overdue, never kept). Ben: voicemail
//     17:05.
//   - Tue 24 Nov: Ben's promise kept 15:00 (on time); Ben live 17:20
//     (10 min); Cara's call 18:00 sets an appointment (2 min).
//   - Wed 25 Nov: Ana's promise kept 10:00 (two days late); a meeting with
//     Ana 12:00.
//   - Thu 26 Nov: Ben calls back 09:00, live (3 min); Cara's promise kept
//     09:30 (a day late). At 18:00, when the review is read: Ana's
//     passion, fear and motivation and Ben's passion are on record, and
//     the call blocks are Mon 09:00–10:00, Tue 17:00–19:00, Fri
//     17:00–19:00.
func (h *harness) reviewHistory(tn *tenant) history {
	h.t.Helper()
	t := h.t
	u, err := h.db.User(ctx, rapport.Actor{Org: tn.org.ID}, tn.agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	u.WeeklyGoal, u.AttemptTarget, u.AppointmentTarget, u.ReferralTarget = 5, 10, 2, 1
	if err := h.db.UpdateUserSettings(ctx, rapport.Actor{Org: u.OrgID}, u); err != nil {
		t.Fatal(err)
	}
	// The call blocks exist from before the history starts: a block is
	// judged only in weeks after it was made.
	h.clock.Set(reviewNow.AddDate(0, 0, -60))
	var tuesdayBlock int64
	for _, b := range []map[string]any{{"weekday": "monday", "start": "09:00", "end": "10:00"},
		{"weekday": 2, "start": "17:00", "end": "19:00"}, {"weekday": "fri", "start": "17:00", "end": "19:00"}} {
		r := h.call(tn.key, "POST", "/api/v1/blocks", b)
		want(t, r, http.StatusCreated)
		if b["weekday"] == 2 {
			tuesdayBlock = num(r.json(t), "id")
		}
	}
	person := func(when time.Time, body map[string]any) int64 {
		t.Helper()
		h.clock.Set(when)
		r := h.call(tn.key, "POST", "/api/v1/people", body)
		want(t, r, http.StatusCreated)
		return num(r.json(t), "id")
	}
	talk := func(pid int64, when time.Time, body map[string]any) {
		t.Helper()
		h.clock.Set(when)
		body["personId"] = pid
		if body["channel"] == nil {
			body["channel"] = "call"
		}
		r := h.call(tn.key, "POST", "/api/v1/conversations", body)
		want(t, r, http.StatusCreated)
		if kept := r.json(t)["keptFollowUpIds"].([]any); len(kept) != 0 {
			t.Fatalf("a conversation kept promises %v", kept)
		}
	}
	promise := func(pid int64, due string) int64 {
		t.Helper()
		r := h.call(tn.key, "POST", "/api/v1/followups", map[string]any{"personId": pid, "dueOn": due, "owes": "me"})
		want(t, r, http.StatusCreated)
		return num(r.json(t), "id")
	}
	keep := func(id int64, when time.Time) {
		t.Helper()
		h.clock.Set(when)
		want(t, h.call(tn.key, "POST", fmt.Sprintf("/api/v1/followups/%d/done", id), nil), http.StatusOK)
	}
	phones := func(n string) []map[string]string { return []map[string]string{{"number": n}} }
	hs := history{tuesdayBlock: tuesdayBlock}

	hs.dan = person(nov(2, 9, 0), map[string]any{"firstName": "Dan", "kind": "lead", "source": "@Cold list", "phones": phones("(312) 555-0101")})
	for i := range 6 {
		talk(hs.dan, nov(10, 18, 5*i), map[string]any{"outcome": "no_answer"})
	}
	hs.ana = person(nov(16, 9, 0), map[string]any{"firstName": "Ana", "kind": "lead", "source": "Zillow", "phones": phones("(312) 555-0102")})
	hs.ben = person(nov(16, 9, 5), map[string]any{"firstName": "Ben", "kind": "sphere", "source": "Open house", "phones": phones("(312) 555-0103"),
		"timeZone": "America/New_York"})
	talk(hs.ana, nov(17, 10, 15), map[string]any{"outcome": "no_answer"})
	talk(hs.ana, nov(18, 17, 30), map[string]any{"outcome": "live", "durationSeconds": 300})

	hs.cara = person(nov(23, 9, 0), map[string]any{"firstName": "Cara", "kind": "client", "source": "Referral", "referredById": hs.ana})
	anas, bens, caras := promise(hs.ana, "2026-11-23"), promise(hs.ben, "2026-11-24"), promise(hs.cara, "2026-11-25")
	promise(hs.ben, "2026-11-27")
	promise(hs.dan, "2026-11-19")
	talk(hs.ben, nov(23, 17, 5), map[string]any{"outcome": "voicemail"})

	keep(bens, nov(24, 15, 0))
	talk(hs.ben, nov(24, 17, 20), map[string]any{"outcome": "live", "durationSeconds": 600})
	talk(hs.cara, nov(24, 18, 0), map[string]any{"outcome": "appointment_set", "durationSeconds": 120})

	keep(anas, nov(25, 10, 0))
	talk(hs.ana, nov(25, 12, 0), map[string]any{"channel": "meeting"})

	talk(hs.ben, nov(26, 9, 0), map[string]any{"direction": "inbound", "outcome": "live", "durationSeconds": 180})
	keep(caras, nov(26, 9, 30))

	h.clock.Set(reviewNow)
	for pid, types := range map[int64][]string{hs.ana: {"passion", "fear", "motivation"}, hs.ben: {"passion"}} {
		for _, typ := range types {
			want(t, h.call(tn.key, "POST", fmt.Sprintf("/api/v1/people/%d/facts", pid), map[string]string{"type": typ, "text": "noted"}), http.StatusCreated)
		}
	}
	return hs
}

// reviewBody is the review answer, as a client reads it.
type reviewBody struct {
	WeekStart string
	From, To  time.Time
	TimeZone  string
	Current   bool
	UserIDs   []int64
	Measures  []struct {
		Key, Name string
		Done      int
		Target    *int
	}
	Trend   []weekBody
	Quality struct {
		Story struct {
			Active, Known, Unknown int
			Percent                *int
		}
		LiveCalls struct {
			Timed          int
			AverageSeconds *int
		}
		Promises struct {
			Due, OnTime, WithinDay          int
			OnTimePercent, WithinDayPercent *int
		}
	}
	Blocks []struct {
		BlockID, UserID int64
		Weekday, Label  string
		Start, End      time.Time
		Kept, Upcoming  bool
		Conversations   int
	}
	Obstacles []struct{ Key, Title, Figure, Suggestion string }
	HeatMap   struct {
		Attempts, Connects int
		ConnectPercent     *int
		Days               []struct {
			Weekday string
			Hours   []struct{ Hour, Attempts, Connects int }
		}
		Best []struct {
			Weekday, Label                           string
			Hour, Attempts, Connects, ConnectPercent int
		}
	}
	Baseline struct {
		From  string
		Weeks int
		weekCounts
	}
	LivePercent        int
	LivePercentAssumed bool
	NeededAttempts     *int
}

type weekCounts struct {
	Attempts, Connects, Live, Appointments, NewPeople, Referrals int
}

type weekBody struct {
	WeekStart string
	weekCounts
}

func (h *harness) review(key, query string) reviewBody {
	h.t.Helper()
	r := h.call(key, "GET", "/api/v1/reports/review"+query, nil)
	want(h.t, r, http.StatusOK)
	var rv reviewBody
	if err := json.Unmarshal(r.body, &rv); err != nil {
		h.t.Fatal(err)
	}
	return rv
}

// measures writes the measures as "key done/target" ("-" for no target).
func (rv reviewBody) measures() string {
	var parts []string
	for _, m := range rv.Measures {
		target := "-"
		if m.Target != nil {
			target = fmt.Sprint(*m.Target)
		}
		parts = append(parts, fmt.Sprintf("%s %d/%s", m.Key, m.Done, target))
	}
	return strings.Join(parts, ", ")
}

// numbers lists the whole numbers in s, smallest first.
func numbers(s string) string {
	var ns []int
	for _, f := range regexp.MustCompile(`\d+`).FindAllString(s, -1) {
		n, _ := strconv.Atoi(f)
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return strings.Trim(fmt.Sprint(ns), "[]")
}

func intOr(p *int) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

func TestReview(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		hs := h.reviewHistory(a)
		rv := h.review(a.key, "")
		if rv.WeekStart != "2026-11-23" || !rv.From.Equal(nov(23, 0, 0)) || !rv.To.Equal(nov(30, 0, 0)) || rv.TimeZone != "America/Chicago" ||
			!rv.Current || fmt.Sprint(rv.UserIDs) != fmt.Sprint([]int64{a.agent.ID}) {
			t.Errorf("week = %s %v–%v %s current=%v users=%v", rv.WeekStart, rv.From, rv.To, rv.TimeZone, rv.Current, rv.UserIDs)
		}
		// Attempts: Ben's voicemail and live call, Cara's call. Connects:
		// the live call and the appointment. Live: those two, Ana's meeting
		// and Ben's call back. Appointments: Cara's and the meeting.
		wantMeasures := "attempts 3/10, connects 2/-, live 4/5, appointments 2/2, new_people 1/-, referrals 1/1"
		if got := rv.measures(); got != wantMeasures {
			t.Errorf("measures = %s, want %s", got, wantMeasures)
		}
		if len(rv.Trend) != 12 || rv.Trend[0].WeekStart != "2026-09-07" || rv.Trend[11].WeekStart != "2026-11-23" {
			t.Fatalf("trend weeks = %+v", rv.Trend)
		}
		wantTrend := map[string]weekCounts{
			"2026-11-02": {NewPeople: 1},
			"2026-11-09": {Attempts: 6},
			"2026-11-16": {Attempts: 2, Connects: 1, Live: 1, NewPeople: 2},
			"2026-11-23": {Attempts: 3, Connects: 2, Live: 4, Appointments: 2, NewPeople: 1, Referrals: 1},
		}
		for _, w := range rv.Trend {
			if w.weekCounts != wantTrend[w.WeekStart] {
				t.Errorf("trend %s = %+v, want %+v", w.WeekStart, w.weekCounts, wantTrend[w.WeekStart])
			}
		}
		// The baseline is the four weeks from 26 October; with 8 attempts it
		// is too short to trust, so 10% is assumed: 5 live take 50 attempts.
		if b := rv.Baseline; b.From != "2026-10-26" || b.Weeks != 4 || b.weekCounts != (weekCounts{Attempts: 8, Connects: 1, Live: 1, NewPeople: 3}) ||
			rv.LivePercent != 10 || !rv.LivePercentAssumed || intOr(rv.NeededAttempts) != "50" {
			t.Errorf("baseline = %+v, live %d%% assumed=%v, needed %s", b, rv.LivePercent, rv.LivePercentAssumed, intOr(rv.NeededAttempts))
		}
		// Story: Ana, Ben and Cara were talked to; Ana's is known, Cara's
		// unknown. Live calls: (600+120+180)/3. Promises due by Thursday:
		// Ana's (two days late), Ben's (on time), Cara's (a day late).
		q := rv.Quality
		if got := fmt.Sprintf("story %d/%d/%d %s; calls %d avg %s; promises %d on time %d (%s%%) within a day %d (%s%%)",
			q.Story.Active, q.Story.Known, q.Story.Unknown, intOr(q.Story.Percent), q.LiveCalls.Timed, intOr(q.LiveCalls.AverageSeconds),
			q.Promises.Due, q.Promises.OnTime, intOr(q.Promises.OnTimePercent), q.Promises.WithinDay, intOr(q.Promises.WithinDayPercent)); got !=
			"story 3/1/1 33; calls 3 avg 300; promises 3 on time 1 (33%) within a day 2 (67%)" {
			t.Errorf("quality = %s", got)
		}
		var blocks []string
		for _, b := range rv.Blocks {
			if b.UserID != a.agent.ID {
				t.Errorf("block of user %d", b.UserID)
			}
			blocks = append(blocks, fmt.Sprintf("%s %s %s–%s kept=%v upcoming=%v %d", b.Weekday, b.Label,
				b.Start.Format(time.RFC3339), b.End.Format(time.RFC3339), b.Kept, b.Upcoming, b.Conversations))
		}
		wantBlocks := []string{
			"monday Mon 09:00–10:00 2026-11-23T15:00:00Z–2026-11-23T16:00:00Z kept=false upcoming=false 0",
			"tuesday Tue 17:00–19:00 2026-11-24T23:00:00Z–2026-11-25T01:00:00Z kept=true upcoming=false 2",
			"friday Fri 17:00–19:00 2026-11-27T23:00:00Z–2026-11-28T01:00:00Z kept=false upcoming=true 0",
		}
		if strings.Join(blocks, "\n") != strings.Join(wantBlocks, "\n") {
			t.Errorf("blocks =\n%s\nwant\n%s", strings.Join(blocks, "\n"), strings.Join(wantBlocks, "\n"))
		}
		if len(rv.Blocks) > 1 && rv.Blocks[1].BlockID != hs.tuesdayBlock {
			t.Errorf("Tuesday's block id = %d, want %d", rv.Blocks[1].BlockID, hs.tuesdayBlock)
		}
		var keys []string
		for _, o := range rv.Obstacles {
			keys = append(keys, o.Key)
			switch o.Key {
			// The domain words the figures; these are their numbers.
			case "few_attempts":
				// 2 attempts a week over the last 4 weeks; at an assumed 10%
				// (until 20 calls of history), 5 live take about 50: about
				// 48 more calls, 2 hours.
				if numbers(o.Figure) != "2 4 5 10 20 50" || numbers(o.Suggestion) != "2 48" {
					t.Errorf("few attempts = %+v", o)
				}
			case "promises":
				// Overdue: Dan's of the 19th. Of the four due in the last 5
				// weeks, 2 broken: that one and Ana's, kept two days late.
				if numbers(o.Figure) != "1 2 4 5" {
					t.Errorf("promises = %+v", o)
				}
			case "thin_list":
				// Cara has no number: 3 people for 50 attempts.
				if numbers(o.Figure) != "3 50" {
					t.Errorf("thin list = %+v", o)
				}
			case "unknown_story":
				if numbers(o.Figure) != "1" { // Cara
					t.Errorf("unknown story = %+v", o)
				}
			}
			if o.Title == "" || o.Suggestion == "" {
				t.Errorf("obstacle without words: %+v", o)
			}
		}
		if strings.Join(keys, " ") != "few_attempts promises thin_list unknown_story" {
			t.Errorf("obstacles = %v", keys)
		}
		// The heat map is in the called person's time: Ben's calls at 17:xx
		// in Chicago were at 18:xx for him in New York.
		hm := rv.HeatMap
		if len(hm.Days) != 7 {
			t.Fatalf("heat map of %d days", len(hm.Days))
		}
		if hm.Attempts != 11 || hm.Connects != 3 || intOr(hm.ConnectPercent) != "27" {
			t.Errorf("heat map totals = %d/%d %s%%", hm.Attempts, hm.Connects, intOr(hm.ConnectPercent))
		}
		var cells []string
		for d, day := range hm.Days {
			if want := []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}[d]; day.Weekday != want || len(day.Hours) != 24 {
				t.Fatalf("day %d = %s with %d hours", d, day.Weekday, len(day.Hours))
			}
			for hr, c := range day.Hours {
				if c.Hour != hr {
					t.Fatalf("%s hour %d says %d", day.Weekday, hr, c.Hour)
				}
				if c.Attempts > 0 {
					cells = append(cells, fmt.Sprintf("%s %d: %d/%d", day.Weekday, hr, c.Connects, c.Attempts))
				}
			}
		}
		if got := strings.Join(cells, ", "); got != "monday 18: 0/1, tuesday 10: 0/1, tuesday 18: 2/8, wednesday 17: 1/1" {
			t.Errorf("heat cells = %s", got)
		}
		var best []string
		for _, w := range hm.Best {
			best = append(best, fmt.Sprintf("%s %d %s %d/%d %d%%", w.Weekday, w.Hour, w.Label, w.Connects, w.Attempts, w.ConnectPercent))
		}
		if got := strings.Join(best, ", "); got != "tuesday 18 Tue 18:00–19:00 2/8 25%" {
			t.Errorf("best windows = %s", got)
		}

		// Last week, named by its Wednesday.
		last := h.review(a.key, "?week=2026-11-18")
		if last.WeekStart != "2026-11-16" || last.Current || last.measures() != "attempts 2/10, connects 1/-, live 1/5, appointments 0/2, new_people 2/-, referrals 0/1" ||
			last.Trend[11].WeekStart != "2026-11-16" {
			t.Errorf("last week = %s current=%v: %s", last.WeekStart, last.Current, last.measures())
		}
		for _, query := range []string{"?week=2026-11-30", "?week=next", "?week=2026-11-31"} {
			r := h.call(a.key, "GET", "/api/v1/reports/review"+query, nil)
			want(t, r, http.StatusBadRequest)
			if r.errField() != "week" {
				t.Errorf("%s: field %q", query, r.errField())
			}
		}

		// An agent sees only their own figures; owners and managers anyone's.
		for _, query := range []string{"?team=true", fmt.Sprintf("?user=%d", a.owner.ID)} {
			r := h.call(a.key, "GET", "/api/v1/reports/review"+query, nil)
			want(t, r, http.StatusForbidden)
			if code := r.json(t)["error"].(map[string]any)["code"]; code != "forbidden" {
				t.Errorf("%s: code %v", query, code)
			}
		}
		if self := h.review(a.key, fmt.Sprintf("?user=%d", a.agent.ID)); self.measures() != wantMeasures {
			t.Errorf("own user = %s", self.measures())
		}
		owner := h.key(a.org.ID, a.owner.ID)
		if theirs := h.review(owner, fmt.Sprintf("?user=%d", a.agent.ID)); theirs.measures() != wantMeasures ||
			fmt.Sprint(theirs.UserIDs) != fmt.Sprint([]int64{a.agent.ID}) || len(theirs.Blocks) != 3 {
			t.Errorf("the agent's, by the owner = %s %v", theirs.measures(), theirs.UserIDs)
		}
		// The team's targets add up: the owner's default goal of 25 live
		// conversations and the agent's 5.
		team := h.review(owner, "?team=true")
		if len(team.UserIDs) != 2 || team.measures() != "attempts 3/10, connects 2/-, live 4/30, appointments 2/2, new_people 1/-, referrals 1/1" ||
			intOr(team.NeededAttempts) != "300" {
			t.Errorf("team = %v %s needed %s", team.UserIDs, team.measures(), intOr(team.NeededAttempts))
		}
		want(t, h.call(owner, "GET", "/api/v1/reports/review?user=999999", nil), http.StatusNotFound)
		want(t, h.call(owner, "GET", "/api/v1/reports/review?user=me", nil), http.StatusNotFound)
		r := h.call(owner, "GET", fmt.Sprintf("/api/v1/reports/review?team=true&user=%d", a.agent.ID), nil)
		want(t, r, http.StatusBadRequest)
		if r.errField() != "team" {
			t.Errorf("team and user: field %q", r.errField())
		}
		want(t, h.call(owner, "GET", "/api/v1/reports/review?team=yes", nil), http.StatusBadRequest)
	})
}

// csvReply checks a CSV answer and returns its lines.
func csvReply(t *testing.T, r reply) []string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q: %s", ct, r.body)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`) || !strings.HasSuffix(cd, `.csv"`) {
		t.Errorf("content disposition %q", cd)
	}
	return strings.Split(strings.TrimSuffix(string(r.body), "\n"), "\n")
}

// callAccept is call with an Accept header.
func (h *harness) callAccept(key, path, accept string) reply {
	h.t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", accept)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, b}
}

func TestReportsAsCSV(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		h.reviewHistory(a)
		owner := h.key(a.org.ID, a.owner.ID)

		lines := csvReply(t, h.call(a.key, "GET", "/api/v1/reports/review?format=csv", nil))
		if len(lines) != 13 || lines[0] != "Week,Attempts,Connects,Live conversations,Appointments and meetings,New people,Referrals received" ||
			lines[1] != "2026-09-07,0,0,0,0,0,0" || lines[10] != "2026-11-09,6,0,0,0,0,0" || lines[12] != "2026-11-23,3,2,4,2,1,1" {
			t.Errorf("review CSV =\n%s", strings.Join(lines, "\n"))
		}
		r := h.call(a.key, "GET", "/api/v1/reports/review?format=csv", nil)
		if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="review-2026-11-23.csv"` {
			t.Errorf("file name: %q", cd)
		}
		// Asked for by Accept, CSV is the same; a tie goes to JSON.
		if byAccept := h.callAccept(a.key, "/api/v1/reports/review", "text/csv"); strings.Join(csvReply(t, byAccept), "\n") != strings.Join(lines, "\n") {
			t.Errorf("by Accept = %s", byAccept.body)
		}
		csvReply(t, h.callAccept(a.key, "/api/v1/reports/review", "text/csv;q=0.9, */*;q=0.1"))
		for _, accept := range []string{"application/json, text/csv", "*/*", "text/html"} {
			r := h.callAccept(a.key, "/api/v1/reports/review", accept)
			want(t, r, http.StatusOK)
			if !strings.Contains(r.header.Get("Vary"), "Accept") {
				t.Errorf("Vary = %q", r.header.Get("Vary"))
			}
		}
		want(t, h.callAccept(a.key, "/api/v1/reports/review?format=json", "text/csv"), http.StatusOK)
		r = h.call(a.key, "GET", "/api/v1/reports/review?format=xlsx", nil)
		want(t, r, http.StatusBadRequest)
		if r.errField() != "format" {
			t.Errorf("format field = %q", r.errField())
		}
		// Errors stay JSON.
		want(t, h.callAccept(a.key, "/api/v1/reports/review?team=true", "text/csv"), http.StatusForbidden)

		// The funnel's rows; Dan's source would be a formula in a
		// spreadsheet, so it is written with an apostrophe.
		lines = csvReply(t, h.callAccept(a.key, "/api/v1/reports/funnel", "text/csv"))
		wantFunnel := []string{
			"By,Group,Attempted,Connected,Connected %,Live conversation,Live conversation %,Appointment,Appointment %,Won,Won %,Median seconds to first live",
			"total,Everyone,4,3,75,3,100,2,67,1,50,87300",
			"source,'@Cold list,1,0,0,0,0,0,0,0,0,",
			"source,Open house,1,1,100,1,100,0,0,0,0,87300",
			"source,Referral,1,1,100,1,100,1,100,1,100,0",
			"source,Zillow,1,1,100,1,100,1,100,0,0,112500",
			"kind,Lead,2,1,50,1,100,1,100,0,0,112500",
			"kind,Client,1,1,100,1,100,1,100,1,100,0",
			"kind,Sphere,1,1,100,1,100,0,0,0,0,87300",
		}
		if strings.Join(lines, "\n") != strings.Join(wantFunnel, "\n") {
			t.Errorf("funnel CSV =\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(wantFunnel, "\n"))
		}

		lines = csvReply(t, h.call(owner, "GET", "/api/v1/reports/leaderboard?format=csv", nil))
		wantBoard := []string{"Rank,User,Live conversations,Target,Percent,Streak", "1,Agent acme,4,5,80,0", "2,Owner acme,0,25,0,0"}
		if strings.Join(lines, "\n") != strings.Join(wantBoard, "\n") {
			t.Errorf("leaderboard CSV =\n%s", strings.Join(lines, "\n"))
		}
	})
}

type funnelRowBody struct {
	Group, Kind                                  string
	Attempted, Connected, Live, Appointment, Won int
	Steps                                        []struct {
		Name           string
		Count, Percent int
	}
	LivePercent, WonPercent int
	MedianSecondsToLive     *int
	ReachedLive             int
	LiveAtAttempt           []int
}

// String writes a row as "Group a/c/l/m/w live% won% median(n)".
func (r funnelRowBody) String() string {
	return fmt.Sprintf("%s %d/%d/%d/%d/%d %d%% %d%% %s(%d)", r.Group, r.Attempted, r.Connected, r.Live, r.Appointment, r.Won,
		r.LivePercent, r.WonPercent, intOr(r.MedianSecondsToLive), r.ReachedLive)
}

type funnelBody struct {
	WeekStart string
	Weeks     int
	From, To  time.Time
	UserIDs   []int64
	Total     funnelRowBody
	BySource  []funnelRowBody
	ByKind    []funnelRowBody
}

func TestFunnel(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		h.reviewHistory(a)
		get := func(key, query string) funnelBody {
			t.Helper()
			r := h.call(key, "GET", "/api/v1/reports/funnel"+query, nil)
			want(t, r, http.StatusOK)
			var f funnelBody
			if err := json.Unmarshal(r.body, &f); err != nil {
				t.Fatal(err)
			}
			return f
		}
		// Thirteen weeks: everyone first called since 31 August. Ana waited
		// 31h15m from her first call to her first live one, Ben 24h15m,
		// Cara none; Dan never got there. Cara, a client, is won; Ana's
		// meeting and Cara's appointment are the appointments.
		f := get(a.key, "")
		if f.WeekStart != "2026-11-23" || f.Weeks != 13 || !f.From.Equal(time.Date(2026, 8, 31, 0, 0, 0, 0, chicago)) || !f.To.Equal(nov(30, 0, 0)) {
			t.Errorf("period = %s ×%d %v–%v", f.WeekStart, f.Weeks, f.From, f.To)
		}
		if got := f.Total.String(); got != "Everyone 4/3/3/2/1 75% 25% 87300(3)" {
			t.Errorf("total = %s", got)
		}
		// Each of the three who talked is counted once, at the attempt it
		// took.
		if la := f.Total.LiveAtAttempt; len(la) != 8 || la[0]+la[1]+la[2]+la[3]+la[4]+la[5]+la[6]+la[7] != 3 {
			t.Errorf("live at attempt = %v", la)
		}
		var steps []string
		for _, st := range f.Total.Steps {
			steps = append(steps, fmt.Sprintf("%s %d %d%%", st.Name, st.Count, st.Percent))
		}
		if got := strings.Join(steps, ", "); got != "Attempted 4 100%, Connected 3 75%, Live conversation 3 100%, Appointment 2 67%, Won 1 50%" {
			t.Errorf("steps = %s", got)
		}
		rows := func(rs []funnelRowBody) string {
			var out []string
			for _, r := range rs {
				out = append(out, r.Kind+":"+r.String())
			}
			return strings.Join(out, "; ")
		}
		if got := rows(f.BySource); got != ":@Cold list 1/0/0/0/0 0% 0% null(0); :Open house 1/1/1/0/0 100% 0% 87300(1); "+
			":Referral 1/1/1/1/1 100% 100% 0(1); :Zillow 1/1/1/1/0 100% 0% 112500(1)" {
			t.Errorf("by source = %s", got)
		}
		if got := rows(f.ByKind); got != "lead:Lead 2/1/1/1/0 50% 0% 112500(1); client:Client 1/1/1/1/1 100% 100% 0(1); sphere:Sphere 1/1/1/0/0 100% 0% 87300(1)" {
			t.Errorf("by kind = %s", got)
		}
		// One week: Ben and Cara, first called this week; the median of
		// 0 and 24h15m.
		if got := get(a.key, "?weeks=1").Total.String(); got != "Everyone 2/2/2/1/1 100% 50% 43650(2)" {
			t.Errorf("this week = %s", got)
		}
		// Last week alone: Ana.
		if got := get(a.key, "?week=2026-11-16&weeks=1").Total.String(); got != "Everyone 1/1/1/1/0 100% 0% 112500(1)" {
			t.Errorf("last week = %s", got)
		}
		for _, query := range []string{"?weeks=0", "?weeks=105", "?weeks=many"} {
			r := h.call(a.key, "GET", "/api/v1/reports/funnel"+query, nil)
			want(t, r, http.StatusBadRequest)
			if r.errField() != "weeks" {
				t.Errorf("%s: field %q", query, r.errField())
			}
		}
		want(t, h.call(a.key, "GET", "/api/v1/reports/funnel?team=true", nil), http.StatusForbidden)
		want(t, h.call(a.key, "GET", fmt.Sprintf("/api/v1/reports/funnel?user=%d", a.owner.ID), nil), http.StatusForbidden)
		owner := h.key(a.org.ID, a.owner.ID)
		if got := get(owner, "?team=true"); got.Total.String() != f.Total.String() || len(got.UserIDs) != 2 {
			t.Errorf("team = %s %v", got.Total, got.UserIDs)
		}
		if got := get(owner, "").Total.String(); got != "Everyone 0/0/0/0/0 0% 0% null(0)" {
			t.Errorf("the owner's own = %s", got)
		}
		if got := get(owner, fmt.Sprintf("?user=%d", a.agent.ID)).Total.String(); got != f.Total.String() {
			t.Errorf("the agent's, by the owner = %s", got)
		}
	})
}

func TestLeaderboard(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		h.reviewHistory(a)
		owner := h.key(a.org.ID, a.owner.ID)
		board := func(query string) string {
			t.Helper()
			r := h.call(owner, "GET", "/api/v1/reports/leaderboard"+query, nil)
			want(t, r, http.StatusOK)
			var lb struct {
				WeekStart string
				Rows      []struct {
					Rank                          int
					User                          struct{ ID int64 }
					Live, Target, Percent, Streak int
				}
			}
			json.Unmarshal(r.body, &lb)
			out := lb.WeekStart
			for _, row := range lb.Rows {
				who := "owner"
				if row.User.ID == a.agent.ID {
					who = "agent"
				}
				out += fmt.Sprintf("; %d %s %d/%d %d%% streak %d", row.Rank, who, row.Live, row.Target, row.Percent, row.Streak)
			}
			return out
		}
		if got := board(""); got != "2026-11-23; 1 agent 4/5 80% streak 0; 2 owner 0/25 0% streak 0" {
			t.Errorf("this week = %s", got)
		}
		// A past week is counted to its end: Ana's live call on Wednesday.
		if got := board("?week=2026-11-16"); got != "2026-11-16; 1 agent 1/5 20% streak 0; 2 owner 0/25 0% streak 0" {
			t.Errorf("last week = %s", got)
		}
		r := h.call(a.key, "GET", "/api/v1/reports/leaderboard", nil)
		want(t, r, http.StatusForbidden)
		want(t, h.call(owner, "GET", "/api/v1/reports/leaderboard?week=2027-01-04", nil), http.StatusBadRequest)
	})
}

func TestCallBlocks(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		// Every problem is reported, by its field.
		for body, fields := range map[string][]string{
			`{"weekday": "funday", "start": "5pm", "end": "25:00"}`:    {"weekday", "start", "end"},
			`{"weekday": 8, "start": "17:00", "end": "19:00"}`:         {"weekday"},
			`{"weekday": -1, "start": "17:00", "end": "19:00"}`:        {"weekday"},
			`{"start": "17:00", "end": "19:00"}`:                       {"weekday"},
			`{"weekday": "tuesday", "start": "19:00", "end": "17:00"}`: {"end"},
			`{"weekday": "tuesday", "start": "17:00", "end": "17:10"}`: {"end"},
			`{"weekday": "tuesday", "start": 17, "end": "19:00"}`:      {"start"},
		} {
			r := h.call(a.key, "POST", "/api/v1/blocks", body)
			want(t, r, http.StatusBadRequest)
			hasFields(t, r, fields...)
		}
		want(t, h.call(a.key, "POST", "/api/v1/blocks", `{"weekday": "tuesday", "start": "17:00", "end": "19:00", "room": "den"}`), http.StatusBadRequest)

		r := h.call(a.key, "POST", "/api/v1/blocks", map[string]any{"weekday": "Tuesday", "start": "17:00", "end": "19:00"})
		want(t, r, http.StatusCreated)
		b := r.json(t)
		tuesday := num(b, "id")
		if b["weekday"] != "tuesday" || b["start"] != "17:00" || b["end"] != "19:00" || b["label"] != "Tue 17:00–19:00" ||
			b["timeZone"] != "America/Chicago" || r.header.Get("Location") != "/api/v1/blocks" {
			t.Errorf("created = %s", r.body)
		}
		// Blocks may not overlap, whichever way the day is named.
		r = h.call(a.key, "POST", "/api/v1/blocks", map[string]any{"weekday": 2, "start": "18:00", "end": "20:00"})
		want(t, r, http.StatusBadRequest)
		if r.errField() != "start" {
			t.Errorf("overlap field = %q: %s", r.errField(), r.body)
		}
		want(t, h.call(a.key, "POST", "/api/v1/blocks", map[string]any{"weekday": 2, "start": "19:00", "end": "20:00"}), http.StatusCreated)
		r = h.call(a.key, "POST", "/api/v1/blocks", map[string]any{"weekday": 0, "start": "22:00", "end": "24:00"})
		want(t, r, http.StatusCreated)
		if got := r.json(t); got["weekday"] != "sunday" || got["end"] != "24:00" {
			t.Errorf("Sunday night = %s", r.body)
		}
		want(t, h.call(a.key, "POST", "/api/v1/blocks", map[string]any{"weekday": "mon", "start": "9:30", "end": "10:00"}), http.StatusCreated)

		list := func(key string) []string {
			t.Helper()
			r := h.call(key, "GET", "/api/v1/blocks", nil)
			want(t, r, http.StatusOK)
			var l struct {
				Items []struct{ Weekday, Start, End string }
				Next  *string
			}
			json.Unmarshal(r.body, &l)
			out := []string{}
			for _, it := range l.Items {
				out = append(out, it.Weekday+" "+it.Start+"–"+it.End)
			}
			return out
		}
		if got := strings.Join(list(a.key), ", "); got != "monday 09:30–10:00, tuesday 17:00–19:00, tuesday 19:00–20:00, sunday 22:00–24:00" {
			t.Errorf("blocks = %s", got)
		}
		// Blocks are each user's own: the owner neither sees nor removes
		// the agent's.
		owner := h.key(a.org.ID, a.owner.ID)
		if got := list(owner); len(got) != 0 {
			t.Errorf("the owner sees %v", got)
		}
		path := fmt.Sprintf("/api/v1/blocks/%d", tuesday)
		want(t, h.call(owner, "DELETE", path, nil), http.StatusNotFound)
		if r := h.call(a.key, "DELETE", path, nil); r.status != http.StatusNoContent {
			t.Errorf("delete: %d %s", r.status, r.body)
		}
		want(t, h.call(a.key, "DELETE", path, nil), http.StatusNotFound)
		want(t, h.call(a.key, "DELETE", "/api/v1/blocks/tuesday", nil), http.StatusNotFound)
		if got := len(list(a.key)); got != 3 {
			t.Errorf("%d blocks left", got)
		}
		// The freed time can be taken again.
		want(t, h.call(a.key, "POST", "/api/v1/blocks", map[string]any{"weekday": "tue", "start": "18:00", "end": "19:00"}), http.StatusCreated)
	})
}
