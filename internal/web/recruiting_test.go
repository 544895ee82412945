package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func recruitingStage(t *testing.T, h *harness, orgID int64, key string) *rapport.Stage {
	t.Helper()
	pipes, err := h.db.Pipelines(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pipes {
		for _, s := range p.Stages {
			if p.Kind == rapport.PipelineRecruiting && s.Key == key {
				return &s
			}
		}
	}
	t.Fatalf("no stage %s", key)
	return nil
}

var companyURL = regexp.MustCompile(`^/companies/(\d+)$`)

// TestRecruitingPages walks a hiring manager's day in the browser's
// place: companies and an office made through forms (bad input shown and
// nothing saved), a signal, the ranked prospect list and "add to my
// Today", a move on the board with its reason on the timeline, the
// referrals page, the person page's production history, and recruiting
// targets with the week's figures.
func TestRecruitingPages(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		o := h.org("acme")
		c := h.signedIn(o.manager.Email)

		// A company with a bad website: every problem shown, nothing saved.
		r := c.post("/companies", url.Values{"kind": {"brokerage"}, "name": {""}, "website": {"not a site"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantBody(t, r, "Enter the company&#39;s name.", "Enter a web address")
		if cs, _ := h.db.Companies(ctx, rapport.Actor{Org: o.org.ID}, store.CompanyFilter{}); len(cs) != 0 {
			t.Fatalf("a bad company was saved: %+v", cs)
		}
		r = c.post("/companies", url.Values{"kind": {"brokerage"}, "name": {"Summit Realty"}, "market": {"Chicago North"}, "website": {"summit.example"}})
		wantStatus(t, r, http.StatusSeeOther)
		m := companyURL.FindStringSubmatch(r.location)
		if m == nil {
			t.Fatalf("created company → %q", r.location)
		}
		brokerageID, _ := strconv.ParseInt(m[1], 10, 64)
		r = c.post("/companies", url.Values{"kind": {"office"}, "parent": {m[1]}, "name": {"Lincoln Park"}, "market": {"Chicago North"}, "mls_id": {"O1"}})
		wantStatus(t, r, http.StatusSeeOther)
		officeID, _ := strconv.ParseInt(companyURL.FindStringSubmatch(r.location)[1], 10, 64)

		// Agents at the office, and one referred by a hired agent.
		joined := recruitingStage(t, h, o.org.ID, rapport.StageJoined)
		gina := &rapport.Person{FirstName: "Gina", LastName: "Hale", Kind: rapport.KindRecruit, OwnerID: o.manager.ID, StageID: joined.ID}
		if err := h.db.CreatePerson(ctx, rapport.Member(o.org, o.manager), gina); err != nil {
			t.Fatal(err)
		}
		var agents []*rapport.Person
		for i, n := range []string{"Pat Quinn", "Lee Wong", "Nia Brooks"} {
			first, last, _ := strings.Cut(n, " ")
			p := &rapport.Person{FirstName: first, LastName: last, Kind: rapport.KindRecruit, OwnerID: o.manager.ID, CompanyID: officeID,
				Units12m: 30 - 10*i, Volume12m: int64(12_000_000 - 4_000_000*i), ReferredByID: gina.ID}
			if err := h.db.CreatePerson(ctx, rapport.Member(o.org, o.manager), p); err != nil {
				t.Fatal(err)
			}
			agents = append(agents, p)
		}
		pat := agents[0]

		// The company page lists its agents ranked; a signal is added.
		r = c.get("/companies/" + m[1])
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Summit Realty", "Lincoln Park", "Pat Quinn", "$12.0M")
		if strings.Index(r.body, "Pat Quinn") > strings.Index(r.body, "Nia Brooks") {
			t.Error("the company's agents are not ranked by volume")
		}
		r = c.post("/companies/"+strconv.FormatInt(officeID, 10)+"/signals", url.Values{"on": {"2026-13-01"}, "title": {""}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		r = c.post("/companies/"+strconv.FormatInt(officeID, 10)+"/signals", url.Values{"on": {string(rapport.DayOf(h.clock.Now(), time.UTC))},
			"title": {"Managing broker left"}, "note": {"Team of four may follow"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = c.get("/companies/" + strconv.FormatInt(brokerageID, 10))
		wantBody(t, r, "Managing broker left")

		// Prospects: ranked, filtered, one click to Today.
		r = c.get("/recruiting?company=" + strconv.FormatInt(officeID, 10) + "&min_units=15")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Pat Quinn", "Lee Wong")
		if strings.Contains(r.body, "Nia Brooks") || strings.Contains(r.body, ">Gina Hale<") {
			t.Error("the filter let through Nia (10 units) or Gina (joined)")
		}
		r = c.get("/recruiting?min_units=lots")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Use a whole number of units.")
		r = c.post("/recruiting/today", url.Values{"person": {strconv.FormatInt(pat.ID, 10)}, "next": {"/recruiting?sort=units"}})
		wantStatus(t, r, http.StatusSeeOther)
		if r.location != "/recruiting?sort=units" {
			t.Errorf("add to Today → %q", r.location)
		}
		r = c.get("/today")
		wantBody(t, r, "Pat Quinn", "Try:")

		// The board: a move with a reason, kept on the timeline.
		meeting := recruitingStage(t, h, o.org.ID, rapport.StageMeeting)
		r = c.get("/recruiting/board")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Prospect", "Pat Quinn", `data-stage="`+strconv.FormatInt(meeting.ID, 10)+`"`)
		r = c.post("/recruiting/board/move", url.Values{"person": {strconv.FormatInt(pat.ID, 10)}, "stage": {strconv.FormatInt(meeting.ID, 10)},
			"reason": {"Coffee at Lula on the 9th"}, "next": {"/recruiting/board"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = c.get("/people/" + strconv.FormatInt(pat.ID, 10))
		wantBody(t, r, "Coffee at Lula on the 9th", "Summit Realty — Lincoln Park")
		r = c.post("/recruiting/board/move", url.Values{"person": {strconv.FormatInt(pat.ID, 10)}, "stage": {"999999"}})
		wantStatus(t, r, http.StatusSeeOther)
		if p, _ := h.db.Person(ctx, rapport.Actor{Org: o.org.ID}, pat.ID); p.StageID != meeting.ID {
			t.Errorf("a move to an unknown stage changed Pat's stage to %d", p.StageID)
		}

		// Referrals: Gina gave three names; one is in a meeting.
		r = c.get("/referrals")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Gina Hale")
		r = c.get("/people/" + strconv.FormatInt(gina.ID, 10))
		wantBody(t, r, `id="referrals"`, "Pat Quinn", "Meeting", "not talked to yet")

		// Production history on the person page: two reports make a trend.
		if err := h.db.UpdatePerson(ctx, rapport.Member(o.org, o.manager), withMLS(t, h, o.org.ID, agents[1].ID, "A200")); err != nil {
			t.Fatal(err)
		}
		for _, period := range []rapport.Day{"2026-06-30", "2026-09-30"} {
			s, err := h.db.BeginImport(ctx, rapport.Member(o.org, o.manager), store.ImportOptions{Period: period, Expected: 1})
			if err != nil {
				t.Fatal(err)
			}
			units := 20
			if period == "2026-09-30" {
				units = 30
			}
			row := store.ImportRow{Line: 2, Person: rapport.Person{FirstName: "Lee", LastName: "Wong", Kind: rapport.KindRecruit, MLSID: "A200",
				Units12m: units, Volume12m: int64(units) * 400_000}}
			if _, err := s.Add([]store.ImportRow{row}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Finish(); err != nil {
				t.Fatal(err)
			}
		}
		r = c.get("/people/" + strconv.FormatInt(agents[1].ID, 10))
		wantBody(t, r, `<svg class="trend"`, "Jun 2026", "Sep 2026", "up 50%", "$12.0M")

		// Targets for the manager, then the week's figures.
		r = c.post("/recruiting/goals/"+strconv.FormatInt(o.manager.ID, 10), url.Values{"recruit_live_target": {"-2"},
			"recruit_meeting_target": {"x"}, "recruit_offer_target": {"1"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		r = c.post("/recruiting/goals/"+strconv.FormatInt(o.manager.ID, 10), url.Values{"recruit_live_target": {"4"},
			"recruit_meeting_target": {"2"}, "recruit_offer_target": {"1"}})
		wantStatus(t, r, http.StatusSeeOther)
		if _, err := h.db.LogConversation(ctx, rapport.Member(o.org, o.manager), &store.LogInput{Conversation: rapport.Conversation{PersonID: agents[2].ID,
			Channel: rapport.ChannelCall, Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeLive}, Loc: time.UTC}); err != nil {
			t.Fatal(err)
		}
		r = c.get("/recruiting/goals")
		wantStatus(t, r, http.StatusOK)
		wantBody(t, r, "Hiring managers", "Manager acme", "1 / 4", "0 / 2")
		// An agent sees their own week and cannot set targets.
		ag := h.signedIn(o.agent.Email)
		r = ag.get("/recruiting/goals")
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(r.body, "Hiring managers") {
			t.Error("an agent sees every hiring manager's week")
		}
		r = ag.post("/recruiting/goals/"+strconv.FormatInt(o.agent.ID, 10), url.Values{"recruit_live_target": {"50"}})
		if r.status != http.StatusForbidden {
			t.Errorf("an agent setting targets: %d", r.status)
		}
	})
}

func withMLS(t *testing.T, h *harness, orgID, id int64, mls string) *rapport.Person {
	t.Helper()
	p, err := h.db.Person(ctx, rapport.Actor{Org: orgID}, id)
	if err != nil {
		t.Fatal(err)
	}
	p.MLSID = mls
	return p
}
