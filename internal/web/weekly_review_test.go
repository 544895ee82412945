package web_test

import (
	"encoding/csv"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

var chicago = mustLoc("America/Chicago")

// at is a moment in Chicago, the test organisation's zone.
func at(month time.Month, day, hour, min int) time.Time {
	return time.Date(2026, month, day, hour, min, 0, 0, chicago)
}

// reviewHistory is an agent's book and five weeks of calls, built so that
// every figure of the review can be worked out by hand (see the comments
// in buildReviewHistory). The clock ends at now, a Wednesday evening.
type reviewHistory struct {
	o      *orgFixture
	people map[string]*rapport.Person
	now    time.Time
}

func clientStage(t *testing.T, h *harness, orgID int64, key string) int64 {
	t.Helper()
	pipes, err := h.db.Pipelines(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pipes {
		for _, s := range p.Stages {
			if p.Kind == rapport.PipelineClients && s.Key == key {
				return s.ID
			}
		}
	}
	t.Fatalf("no stage %s", key)
	return 0
}

func buildReviewHistory(t *testing.T, h *harness) *reviewHistory {
	t.Helper()
	hist := &reviewHistory{o: h.org("acme"), people: map[string]*rapport.Person{}, now: at(time.November, 25, 20, 0)}
	o := hist.o
	agent := o.agent
	// Targets: 5 live conversations, 30 attempts, 10 connects, 2
	// appointments, 3 new people, 1 referral a week.
	agent.WeeklyGoal, agent.AttemptTarget, agent.ConnectTarget = 5, 30, 10
	agent.AppointmentTarget, agent.NewPeopleTarget, agent.ReferralTarget = 2, 3, 1
	if err := h.db.UpdateUserSettings(ctx, rapport.Actor{Org: agent.OrgID}, agent); err != nil {
		t.Fatal(err)
	}

	// Eight people added on Monday 19 October; p4 is already a client.
	h.clock.Set(at(time.October, 19, 9, 0))
	sources := map[string]string{"p1": "Zillow", "p2": "Zillow", "p3": "Open house", "p4": "Referral", "p5": "Zillow", "p6": "=SUM(A1)",
		"p7": "Sphere", "p8": "Sphere"}
	for i := 1; i <= 8; i++ {
		name := "p" + strconv.Itoa(i)
		p := &rapport.Person{FirstName: "Person", LastName: name, Kind: rapport.KindLead, OwnerID: agent.ID, Source: sources[name]}
		if i <= 6 {
			p.Phones = []rapport.Phone{{Number: "+1312555" + strconv.Itoa(1000+i)}}
		}
		if name == "p4" {
			p.StageID = clientStage(t, h, o.org.ID, rapport.StageActive)
		}
		if err := h.db.CreatePerson(ctx, rapport.Member(o.org, agent), p); err != nil {
			t.Fatal(err)
		}
		hist.people[name] = p
	}
	// Three new people this week, one referred by p1.
	h.clock.Set(at(time.November, 23, 9, 0))
	for i, name := range []string{"n1", "n2", "n3"} {
		p := &rapport.Person{FirstName: "New", LastName: name, Kind: rapport.KindLead, OwnerID: agent.ID}
		if i == 0 {
			p.ReferredByID = hist.people["p1"].ID
		}
		if err := h.db.CreatePerson(ctx, rapport.Member(o.org, agent), p); err != nil {
			t.Fatal(err)
		}
	}
	// Promises owed by the agent (to p7 and p8, who get no calls): one
	// due Monday kept Tuesday, one due Tuesday kept Tuesday, one due last
	// week still open.
	var due []*rapport.FollowUp
	for _, d := range []struct {
		person string
		on     rapport.Day
	}{{"p7", "2026-11-23"}, {"p8", "2026-11-24"}, {"p7", "2026-11-16"}} {
		f := &rapport.FollowUp{PersonID: hist.people[d.person].ID, DueOn: d.on, Note: "call back"}
		if err := h.db.CreateFollowUp(ctx, rapport.Member(o.org, agent), f); err != nil {
			t.Fatal(err)
		}
		due = append(due, f)
	}
	h.clock.Set(at(time.November, 24, 12, 0))
	for _, f := range due[:2] {
		if err := h.db.CloseFollowUp(ctx, rapport.Actor{Org: o.org.ID}, f.ID, rapport.FollowUpDone); err != nil {
			t.Fatal(err)
		}
	}

	h.clock.Set(hist.now)
	call := func(name string, when time.Time, o rapport.Outcome, secs int, facts ...rapport.Fact) {
		t.Helper()
		if _, err := h.db.LogConversation(ctx, rapport.Member(hist.o.org, agent), &store.LogInput{Loc: chicago, Facts: facts,
			Conversation: rapport.Conversation{PersonID: hist.people[name].ID, Channel: rapport.ChannelCall, Outcome: o,
				DurationSeconds: secs, OccurredAt: when}}); err != nil {
			t.Fatal(err)
		}
	}
	// The four baseline weeks: p2 and p3 unanswered every Tuesday at
	// 18:00; p5 unanswered on 17 November and live the next day at noon.
	// 10 attempts, 1 connect, 1 live: about 3 attempts a week.
	for _, day := range []int{27, 3, 10, 17} {
		month := time.November
		if day == 27 {
			month = time.October
		}
		call("p2", at(month, day, 18, 0), rapport.OutcomeNoAnswer, 0)
		call("p3", at(month, day, 18, 0), rapport.OutcomeNoAnswer, 0)
	}
	call("p5", at(time.November, 17, 18, 0), rapport.OutcomeNoAnswer, 0)
	call("p5", at(time.November, 18, 12, 0), rapport.OutcomeLive, 0)
	// This week: 7 attempts, 4 connects, 4 live conversations (two calls,
	// an appointment set and a meeting), 2 appointments (one set, one
	// meeting).
	call("p1", at(time.November, 23, 11, 0), rapport.OutcomeNoAnswer, 0)
	call("p1", at(time.November, 24, 17, 10), rapport.OutcomeLive, 300)
	call("p2", at(time.November, 24, 17, 20), rapport.OutcomeLive, 600)
	call("p3", at(time.November, 24, 17, 30), rapport.OutcomeVoicemail, 0)
	call("p4", at(time.November, 24, 17, 40), rapport.OutcomeAppointment, 0,
		rapport.Fact{Type: rapport.FactPassion, Text: "Rowing"}, rapport.Fact{Type: rapport.FactFear, Text: "Rates"},
		rapport.Fact{Type: rapport.FactMotivation, Text: "Second child"})
	call("p5", at(time.November, 25, 18, 0), rapport.OutcomeNoAnswer, 0)
	call("p6", at(time.November, 25, 18, 10), rapport.OutcomeDoNotCall, 0)
	if _, err := h.db.LogConversation(ctx, rapport.Member(o.org, agent), &store.LogInput{Loc: chicago, Conversation: rapport.Conversation{
		PersonID: hist.people["p1"].ID, Channel: rapport.ChannelMeeting, OccurredAt: at(time.November, 25, 19, 0)}}); err != nil {
		t.Fatal(err)
	}
	return hist
}

var tags = regexp.MustCompile(`<[^>]*>`)

// squash is a fragment's text with tags dropped and spaces collapsed.
func squash(s string) string { return strings.Join(strings.Fields(tags.ReplaceAllString(s, " ")), " ") }

// measure is the text of a measure's card on the review page.
func measure(t *testing.T, body, key string) string {
	t.Helper()
	m := between(body, `<li class="m-`+key, `</li>`)
	if m == "" {
		t.Fatalf("no measure %s", key)
	}
	return squash(m[strings.Index(m, ">")+1:])
}

// section is the text of the page's section headed by id.
func section(body, id string) string {
	return squash(between(body, `aria-labelledby="`+id+`"`, `</section>`))
}

func TestWeeklyReview(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		hist := buildReviewHistory(t, h)
		c := h.signedIn(hist.o.agent.Email)

		// Call blocks, set up the Friday before: every problem shown at
		// once, nothing saved.
		h.clock.Set(at(time.November, 20, 12, 0))
		r := c.post("/review/blocks", url.Values{"weekday": {"9"}, "start": {"5pm"}, "end": {""}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "Nothing was saved", "Choose a day of the week.", "Enter a start time such as 17:00.", "Enter an end time such as 19:00.")
		r = c.post("/review/blocks", url.Values{"weekday": {"2"}, "start": {"19:00"}, "end": {"17:00"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "End the block after it starts, by midnight.", `value="19:00"`)
		for _, b := range [][3]string{{"2", "17:00", "19:00"}, {"1", "09:00", "10:00"}, {"5", "17:00", "19:00"}} {
			r = c.post("/review/blocks", url.Values{"weekday": {b[0]}, "start": {b[1]}, "end": {b[2]}})
			wantStatus(t, r, http.StatusSeeOther)
		}
		r = c.post("/review/blocks", url.Values{"weekday": {"2"}, "start": {"18:00"}, "end": {"20:00"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "overlaps another of your blocks on Tuesday")
		blocks, err := h.db.CallBlocks(ctx, rapport.Actor{Org: hist.o.org.ID}, hist.o.agent.ID)
		if err != nil || len(blocks) != 3 {
			t.Fatalf("blocks = %+v, %v", blocks, err)
		}
		wantBody(t, c.get("/review/blocks"), "Mon 09:00–10:00", "Tue 17:00–19:00", "Fri 17:00–19:00")
		h.clock.Set(hist.now)
		wantBody(t, c.get("/review/blocks"), "Next call block: Fri 17:00–19:00")
		wantBody(t, c.get("/today"), "Next call block: Fri 17:00–19:00")

		// The review of this week.
		r = c.get("/review")
		wantStatus(t, r, http.StatusOK)
		for key, want := range map[string]string{"attempts": "Attempts 7 / 30", "connects": "Connects 4 / 10", "live": "Live conversations 4 / 5",
			"appointments": "Appointments and meetings 2 / 2", "new_people": "New people 3 / 3", "referrals": "Referrals received 1 / 1"} {
			if got := measure(t, r.body, key); !strings.HasPrefix(got, want) {
				t.Errorf("measure %s = %q, want %q", key, got, want)
			}
		}
		// The obstacles are the domain's, each with its figure, suggestion
		// and link: too few attempts (3 a week against the 50 that 5 live
		// conversations take at an assumed 10%), a promise broken, 5
		// callable people, 3 people talked to with no story.
		rev, err := h.db.Review(ctx, rapport.Actor{Org: hist.o.org.ID}, []rapport.User{*hist.o.agent}, chicago, hist.now)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, ob := range rev.Obstacles {
			keys = append(keys, ob.Key)
			li := between(r.body, `id="obstacle-`+ob.Key+`"`, `</li>`)
			for _, part := range []string{ob.Title, ob.Figure, ob.Suggestion} {
				if !strings.Contains(li, template.HTMLEscapeString(part)) {
					t.Errorf("obstacle %s lacks %q", ob.Key, part)
				}
			}
			if ob.Link != "" && !strings.Contains(li, `href="`+ob.Link+`"`) {
				t.Errorf("obstacle %s lacks its link %s", ob.Key, ob.Link)
			}
		}
		if want := []string{rapport.ObstacleAttempts, rapport.ObstaclePromises, rapport.ObstacleThinList, rapport.ObstacleStory}; !slices.Equal(keys, want) {
			t.Errorf("obstacles = %v, want %v", keys, want)
		}
		for _, want := range []string{"3 attempts a week", "about 50", "5 people can be called", "3 people you have had a live conversation with"} {
			if !strings.Contains(section(r.body, "h-obstacles"), want) {
				t.Errorf("obstacles lack %q", want)
			}
		}
		quality := section(r.body, "h-quality")
		for _, want := range []string{"Story known 25% 1 of 4 people", "Average live call 7 min 30 s Over 2 live calls",
			"Promises kept on time 50% 1 of 2 due this week", "Kept within a day 100% 2 of 2"} {
			if !strings.Contains(quality, want) {
				t.Errorf("quality lacks %q:\n%s", want, quality)
			}
		}
		blockText := section(r.body, "h-blocks")
		for _, want := range []string{"Kept 1 of 2 blocks", "Mon 23 Nov, 09:00–10:00 Missed", "Tue 24 Nov, 17:00–19:00 Kept: 4 calls",
			"Fri 27 Nov, 17:00–19:00 Upcoming"} {
			if !strings.Contains(blockText, want) {
				t.Errorf("blocks lack %q:\n%s", want, blockText)
			}
		}
		trend := between(r.body, `<svg class="trend-chart"`, `</svg>`)
		if strings.Count(trend, `<rect class="bar`) != 12 || !strings.Contains(trend, "Goal: 5 a week.") ||
			!strings.Contains(trend, "week of 16 Nov: 1; week of 23 Nov: 4 so far.") || !strings.Contains(trend, `class="goal-line"`) {
			t.Errorf("trend chart:\n%s", trend)
		}
		heat := section(r.body, "h-heat")
		for _, want := range []string{"over the 17 calls of the last 26 weeks (29% connected)", "Best times to call Tue 17:00–19:00: 23% of 13 calls connected"} {
			if !strings.Contains(heat, want) {
				t.Errorf("heat map lacks %q:\n%s", want, heat)
			}
		}
		// Tue 18:00–20:00 (0% of 9) shares an hour with the best window.
		if strings.Contains(heat, "Tue 18:00–20:00") {
			t.Errorf("an overlapping window is listed:\n%s", heat)
		}
		svg := between(r.body, `<svg class="heat-chart"`, `</svg>`)
		for _, want := range []string{`<rect class="cell h4"`, "Tue 17:00–18:00: 75% of 4 calls connected", "Tue 18:00–19:00: 0% of 9 calls connected",
			`fill="url(#heat-few)"><title>Wed 18:00–19:00: 2 calls: not enough calls`} {
			if !strings.Contains(svg, want) {
				t.Errorf("heat map SVG lacks %q", want)
			}
		}
		wantBody(t, r, `href="/review?week=2026-11-16"`, `href="/review.csv"`)
		if strings.Contains(r.body, `rel="next"`) {
			t.Error("this week links to a week to come")
		}

		// Last week, by any of its days.
		r = c.get("/review?week=2026-11-18")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "16–22 Nov 2026", `href="/review?week=2026-11-23"`)
		if got := measure(t, r.body, "live"); !strings.HasPrefix(got, "Live conversations 1 / 5") {
			t.Errorf("last week's live = %q", got)
		}

		// The trend as CSV.
		r = c.get("/review.csv")
		wantStatus(t, r, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil || len(rows) != 13 {
			t.Fatalf("review.csv: %d rows, %v\n%s", len(rows), err, r.body)
		}
		for i, want := range map[int]string{0: "Week starting,Attempts,Connects,Live conversations,Appointments and meetings,New people,Referrals received," +
			"Attempt target,Connect target,Live conversation target,Appointment target,New people target,Referral target",
			1:  "2026-09-07,0,0,0,0,0,0,30,10,5,2,3,1",
			7:  "2026-10-19,0,0,0,0,8,0,30,10,5,2,3,1",
			11: "2026-11-16,4,1,1,0,0,0,30,10,5,2,3,1",
			12: "2026-11-23,7,4,4,2,3,1,30,10,5,2,3,1"} {
			if got := strings.Join(rows[i], ","); got != want {
				t.Errorf("review.csv row %d = %s, want %s", i, got, want)
			}
		}
		if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "rapport-review-2026-11-23.csv") {
			t.Errorf("Content-Disposition = %q", cd)
		}

		// The funnel of the last 13 weeks: p2 and p3 first called on 27
		// October, p5 on 17 November, p1 on Monday, p4 and p6 this week.
		r = c.get("/review/funnel")
		wantStatus(t, r, http.StatusOK)
		total := section(r.body, "h-total")
		for _, want := range []string{"Attempted 6 people first called", "Connected 5 83% of the step before", "Live conversation 4 80% of the step before",
			"Appointment 2 50% of the step before", "Won 1 50% of the step before",
			"67% of the people called had a live conversation; from the first call to the first live conversation took 24 hours (the median of 4)",
			"17% were won"} {
			if !strings.Contains(total, want) {
				t.Errorf("funnel lacks %q:\n%s", want, total)
			}
		}
		bySource := section(r.body, "h-source")
		for _, want := range []string{"Zillow 3 3 100% 3 100% 1 33% 0 0% 100% 30 hours", "Open house 1 0 0% 0 0% 0 0% 0 0% 0% —",
			"Referral 1 1 100% 1 100% 1 100% 1 100% 100% under a minute", "=SUM(A1) 1 1 100% 0 0%"} {
			if !strings.Contains(bySource, want) {
				t.Errorf("funnel by source lacks %q:\n%s", want, bySource)
			}
		}
		if byKind := section(r.body, "h-kind"); !strings.Contains(byKind, "Lead 6 5 83% 4 80% 2 50% 1 50% 67% 24 hours") {
			t.Errorf("funnel by kind:\n%s", byKind)
		}
		r = c.get("/review/funnel?weeks=4")
		wantBody(t, r, "2–29 Nov 2026")
		if total := section(r.body, "h-total"); !strings.Contains(total, "Attempted 4 people first called") {
			t.Errorf("4-week funnel:\n%s", total)
		}
		r = c.get("/review/funnel.csv")
		wantStatus(t, r, http.StatusOK)
		rows, err = csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, row := range rows[1:] {
			got[row[0]+"/"+row[1]] = strings.Join(row[2:], ",")
		}
		for k, want := range map[string]string{"Total/Everyone": "6,5,4,2,1,83,80,50,50,67,24.1,4", "Source/Zillow": "3,3,3,1,0,100,100,33,0,100,30.2,3",
			"Source/'=SUM(A1)": "1,1,0,0,0,100,0,0,0,0,,0", "Kind/Lead": "6,5,4,2,1,83,80,50,50,67,24.1,4"} {
			if got[k] != want {
				t.Errorf("funnel.csv %s = %q, want %q (%v)", k, got[k], want, got)
			}
		}

		// Agents see only their own: no team, no one else, no leaderboard.
		wantStatus(t, c.get("/review?team=1"), http.StatusForbidden)
		wantStatus(t, c.get("/review?user="+strconv.FormatInt(hist.o.manager.ID, 10)), http.StatusForbidden)
		wantStatus(t, c.get("/review/funnel.csv?team=1"), http.StatusForbidden)
		wantStatus(t, c.get("/review/leaderboard"), http.StatusForbidden)
		wantStatus(t, c.get("/review?user="+strconv.FormatInt(hist.o.agent.ID, 10)), http.StatusOK)
		if strings.Contains(c.get("/review").body, `href="/review/leaderboard"`) {
			t.Error("an agent is offered the leaderboard")
		}

		// A manager sees the team (targets summed) and one member.
		m := h.signedIn(hist.o.manager.Email)
		r = m.get("/review?team=1")
		wantStatus(t, r, http.StatusOK)
		if got := measure(t, r.body, "live"); !strings.HasPrefix(got, "Live conversations 4 / 55") {
			t.Errorf("team live = %q", got)
		}
		wantBody(t, r, "The team", `href="/review.csv?team=1"`, `href="/review/funnel?team=1"`)
		r = m.get("/review?user=" + strconv.FormatInt(hist.o.agent.ID, 10) + "&week=2026-11-16")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Agent acme", "16–22 Nov 2026")
		wantStatus(t, m.get("/review?user=999999"), http.StatusNotFound)
		wantStatus(t, m.get("/review?user=x"), http.StatusNotFound)
		r = m.get("/review/funnel.csv?user=" + strconv.FormatInt(hist.o.agent.ID, 10))
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(r.body, "Total,Everyone,6,5,4,2,1,") {
			t.Errorf("the agent's funnel from the manager:\n%s", r.body)
		}
		r = m.get("/review/leaderboard")
		wantStatus(t, r, http.StatusOK)
		board := squash(between(r.body, "<tbody>", "</tbody>"))
		if !strings.HasPrefix(board, "1 Agent acme 4 / 5 · 80%") {
			t.Errorf("leaderboard = %q", board)
		}
		r = m.get("/review/leaderboard?week=2026-11-17")
		wantBody(t, r, "week of 16–22 Nov 2026", `href="/review?user=`+strconv.FormatInt(hist.o.agent.ID, 10)+`&amp;week=2026-11-16"`)
		if board := squash(between(r.body, "<tbody>", "</tbody>")); !strings.HasPrefix(board, "1 Agent acme 1 / 5 · 20%") {
			t.Errorf("last week's leaderboard = %q", board)
		}

		// Someone else's block is not found; one's own goes.
		id := strconv.FormatInt(blocks[0].ID, 10)
		wantStatus(t, m.post("/review/blocks/"+id+"/delete", nil), http.StatusNotFound)
		wantStatus(t, c.post("/review/blocks/"+id+"/delete", nil), http.StatusSeeOther)
		if bs, _ := h.db.CallBlocks(ctx, rapport.Actor{Org: hist.o.org.ID}, hist.o.agent.ID); len(bs) != 2 {
			t.Errorf("after deleting one block: %+v", bs)
		}
		// During a block, Today says so.
		h.clock.Set(at(time.November, 27, 17, 30))
		wantBody(t, c.get("/today"), "Call block now until 19:00")
	})
}

func TestSettingsWeeklyTargets(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		o := h.org("acme")
		c := h.signedIn(o.agent.Email)
		// Before any targets: counts only, and the live goal.
		r := c.get("/review")
		if got := measure(t, r.body, "attempts"); got != "Attempts 0 No target set" {
			t.Errorf("attempts without a target = %q", got)
		}
		if got := measure(t, r.body, "live"); !strings.HasPrefix(got, "Live conversations 0 / 25") {
			t.Errorf("live = %q", got)
		}
		form := url.Values{"name": {"Agent acme"}, "weekly_goal": {"12"}, "today_size": {"10"}, "attempt_target": {"-1"},
			"connect_target": {"lots"}, "appointment_target": {"501"}, "new_people_target": {"4"}, "referral_target": {"2"}}
		r = c.post("/settings", form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "Set a weekly target between 0 (none) and 5,000.", "Use a whole number; 0 for no target.",
			"Set a weekly target between 0 (none) and 500.", `value="lots"`)
		if u, _ := h.db.User(ctx, rapport.Actor{Org: o.org.ID}, o.agent.ID); u.WeeklyGoal != rapport.DefaultWeeklyGoal || u.NewPeopleTarget != 0 {
			t.Fatalf("a bad form saved: %+v", u)
		}
		form.Set("attempt_target", "150")
		form.Set("connect_target", "40")
		form.Set("appointment_target", "3")
		wantStatus(t, c.post("/settings", form), http.StatusSeeOther)
		u, _ := h.db.User(ctx, rapport.Actor{Org: o.org.ID}, o.agent.ID)
		if got := u.Targets(); got != (rapport.Targets{Attempts: 150, Connects: 40, Live: 12, Appointments: 3, NewPeople: 4, Referrals: 2}) {
			t.Fatalf("targets = %+v", got)
		}
		wantBody(t, c.get("/settings"), `name="attempt_target" type="number" value="150"`, `name="referral_target" type="number" value="2"`)
		r = c.get("/review")
		if got := measure(t, r.body, "attempts"); !strings.HasPrefix(got, "Attempts 0 / 150") {
			t.Errorf("attempts measure = %q", got)
		}
		// The Reports tab leads to the review, and speed to lead keeps
		// working under it.
		wantBody(t, r, `href="/review" aria-current="page"`)
		r = c.get("/reports/speed-to-lead")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, `<a href="/reports/speed-to-lead" aria-current="page">Speed to lead</a>`)
	})
}
