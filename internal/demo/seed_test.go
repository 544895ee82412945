package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// seedNow is a Monday morning in Chicago, before anyone has called.
var seedNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func TestSeedBuildsABelievableBrokerage(t *testing.T) {
	storetest.Each(t, storetest.NewClock(seedNow).Now, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Now()
		org, err := demo.Seed(ctx, db, seedNow, "x")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seeded in %v", time.Since(start))
		users, err := db.Users(ctx, rapport.Actor{Org: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 4 {
			t.Fatalf("users = %d", len(users))
		}
		people := allPeople(t, db, org.ID)
		kinds := map[rapport.Kind]int{}
		for _, p := range people {
			kinds[p.Kind]++
		}
		if len(people) < 180 || len(people) > 240 || kinds[rapport.KindRecruit] < 40 || kinds[rapport.KindLead] < 40 {
			t.Errorf("people = %d, kinds = %v", len(people), kinds)
		}
		for _, u := range users {
			entries, err := db.Today(ctx, rapport.Member(org, &u), seedNow)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != u.TodaySize {
				t.Errorf("%s: Today has %d people, want %d", u.Email, len(entries), u.TodaySize)
			}
			live, _ := db.LiveTimes(ctx, rapport.Actor{Org: org.ID}, u.ID, seedNow.AddDate(0, 0, -56))
			if len(live) < 40 {
				t.Errorf("%s: only %d live conversations in eight weeks", u.Email, len(live))
			}
			overdue, _ := db.FollowUps(ctx, rapport.Actor{Org: org.ID}, store.FollowUpFilter{UserID: u.ID, DueTo: rapport.DayOf(seedNow, org.Location()).AddDays(-1)})
			if len(overdue) == 0 {
				t.Errorf("%s: no overdue follow-ups", u.Email)
			}
		}
		var manager *rapport.User
		for i := range users {
			if users[i].Email == demo.ManagerEmail {
				manager = &users[i]
			}
		}
		if manager == nil || !manager.HiringManager() {
			t.Fatalf("no hiring manager with recruiting targets among %v", users)
		}
		t.Run("companies", func(t *testing.T) { checkCompanies(t, db, org, people) })
		t.Run("production", func(t *testing.T) { checkProduction(t, db, org, people) })
		t.Run("signals", func(t *testing.T) { checkSignals(t, db, org, manager) })
		t.Run("referrals", func(t *testing.T) { checkReferrals(t, db, org) })
		t.Run("goals", func(t *testing.T) { checkRecruitingWeeks(t, db, org, manager) })
		t.Run("figures", func(t *testing.T) { checkFigures(t, db, org, users, people) })
		for i := range users {
			if users[i].Role == rapport.RoleAgent {
				t.Run("review "+users[i].Email, func(t *testing.T) { checkReview(t, db, org, &users[i]) })
			}
		}
		// The demo's lead source: a lead is routed and its owner alerted.
		p, err := demo.ArriveLead(ctx, db, seedNow)
		if err != nil || p.OwnerID == 0 {
			t.Fatalf("arrived lead %+v, %v", p, err)
		}
		var owner rapport.Actor
		for _, u := range users {
			if u.Role == rapport.RoleOwner {
				owner = rapport.Member(org, &u)
			}
		}
		msgs, err := db.Outbox(ctx, owner, store.OutboxPending, 10)
		if err != nil || len(msgs) == 0 || msgs[0].Kind != rapport.AlertNewLead || msgs[0].UserID != p.OwnerID {
			t.Errorf("alerts for the arrived lead: %+v, %v", msgs, err)
		}
	})
}

func allPeople(t *testing.T, db *store.DB, orgID int64) []rapport.Person {
	t.Helper()
	var out []rapport.Person
	cursor := ""
	for {
		page, err := db.ListPeople(context.Background(), rapport.Actor{Org: orgID}, store.PeopleFilter{Limit: 200, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.People...)
		if cursor = page.Next; cursor == "" {
			return out
		}
	}
}

// checkCompanies: competing brokerages with two or three offices each,
// and every agent prospect at one of those offices, with an MLS id.
func checkCompanies(t *testing.T, db *store.DB, org *rapport.Org, people []rapport.Person) {
	ctx := context.Background()
	brokerages, err := db.Companies(ctx, rapport.Actor{Org: org.ID}, store.CompanyFilter{Kind: rapport.CompanyBrokerage})
	if err != nil {
		t.Fatal(err)
	}
	if len(brokerages) < 3 || len(brokerages) > 4 {
		t.Errorf("%d brokerages, want 3 or 4", len(brokerages))
	}
	offices := map[int64]bool{}
	for _, b := range brokerages {
		if b.Website == "" || b.Market == "" {
			t.Errorf("%s: website %q, market %q", b.Name, b.Website, b.Market)
		}
		offs, err := db.Companies(ctx, rapport.Actor{Org: org.ID}, store.CompanyFilter{ParentID: b.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(offs) < 2 || len(offs) > 3 {
			t.Errorf("%s has %d offices, want 2 or 3", b.Name, len(offs))
		}
		for _, o := range offs {
			offices[o.ID] = true
			if o.Kind != rapport.CompanyOffice || o.MLSID == "" || o.Market == "" || o.Street == "" || o.City == "" {
				t.Errorf("office %+v lacks its kind, MLS id, market or address", o.Company)
			}
			if o.Agents == 0 {
				t.Errorf("%s: no agents", o.Name)
			}
		}
	}
	markets, _ := db.Markets(ctx, rapport.Actor{Org: org.ID})
	if len(markets) < 2 {
		t.Errorf("markets = %v", markets)
	}
	for _, p := range people {
		if p.Kind != rapport.KindRecruit {
			continue
		}
		if !offices[p.CompanyID] || p.MLSID == "" || p.Office == "" || p.Brokerage == "" {
			t.Errorf("%s: company %d, MLS id %q, office %q, brokerage %q; want one of the offices", p.Name(), p.CompanyID, p.MLSID, p.Office, p.Brokerage)
		}
	}
}

// checkProduction: every agent has figures from the newer report, split
// by side, and both reports in their history, oldest first.
func checkProduction(t *testing.T, db *store.DB, org *rapport.Org, people []rapport.Person) {
	ctx := context.Background()
	// The 12 months to the ends of the two quarters before seedNow's.
	before, recent := rapport.Day("2026-06-30"), rapport.Day("2026-09-30")
	var moved int
	for _, p := range people {
		if p.Kind != rapport.KindRecruit {
			continue
		}
		if p.ProductionPeriod != recent || p.Units12m == 0 || p.Volume12m == 0 || p.ListUnits12m+p.SellUnits12m != p.Units12m {
			t.Errorf("%s: %d units (%d list, %d sell), volume %d for %s", p.Name(), p.Units12m, p.ListUnits12m, p.SellUnits12m, p.Volume12m, p.ProductionPeriod)
		}
		hist, err := db.ProductionHistory(ctx, rapport.Actor{Org: org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 2 || hist[0].Period != before || hist[1].Period != recent {
			t.Errorf("%s: production history %+v, want %s and %s", p.Name(), hist, before, recent)
			continue
		}
		if hist[1].Volume != p.Volume12m || hist[0].Rank == 0 || hist[0].Office == "" {
			t.Errorf("%s: history %+v does not match the person's %d", p.Name(), hist, p.Volume12m)
		}
		if rapport.Trend(hist[0].Volume, hist[1].Volume) != "flat" {
			moved++
		}
	}
	if moved == 0 {
		t.Error("nobody's production moved between the periods")
	}
}

// checkSignals: one active signal, one expired, and the active one puts
// agents at its office on the hiring manager's Today.
func checkSignals(t *testing.T, db *store.DB, org *rapport.Org, manager *rapport.User) {
	ctx := context.Background()
	signals, err := db.Signals(ctx, rapport.Actor{Org: org.ID}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var active *rapport.Signal
	expired := 0
	for i, s := range signals {
		switch {
		case s.Active(seedNow, org.Location()):
			active = &signals[i]
		case seedNow.Sub(s.On.Start(org.Location())) > rapport.SignalWindow:
			expired++
		}
	}
	if len(signals) != 2 || active == nil || expired != 1 {
		t.Fatalf("signals = %+v; want one active, one expired", signals)
	}
	entries, err := db.Today(ctx, rapport.Member(org, manager), seedNow)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		for _, r := range e.Reasons {
			if r.Kind == rapport.ReasonSignal {
				found = true
				if !strings.Contains(r.Text, active.Title) || e.Person.CompanyID != active.CompanyID {
					t.Errorf("%s: signal reason %q, company %d; want %q at %d", e.Person.Name(), r.Text, e.Person.CompanyID, active.Title, active.CompanyID)
				}
			}
		}
	}
	if !found {
		t.Errorf("no one on %s's Today for the signal %q", manager.Email, active.Title)
	}
}

// checkReferrals: an agent who joined us referred two agents, one of whom
// referred a third; the four are at four different stages.
func checkReferrals(t *testing.T, db *store.DB, org *rapport.Org) {
	ctx := context.Background()
	refs, err := db.Referrers(ctx, rapport.Actor{Org: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int64]store.Referrer{}
	for _, r := range refs {
		byID[r.Person.ID] = r
	}
	stageOf := func(id int64) string {
		t.Helper()
		st, err := db.PersonStage(ctx, rapport.Actor{Org: org.ID}, id)
		if err != nil || st == nil {
			t.Fatalf("stage of %d: %v, %v", id, st, err)
		}
		return st.Key
	}
	for _, r := range refs {
		if r.Total != 2 || stageOf(r.Person.ID) != rapport.StageJoined {
			continue
		}
		if r.Talked != 2 || r.Meeting != 1 {
			t.Errorf("%s's referrals: talked to %d, met %d; want 2 and 1", r.Person.Name, r.Talked, r.Meeting)
		}
		referred, err := db.Referred(ctx, rapport.Actor{Org: org.ID}, r.Person.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		stages := map[string]bool{rapport.StageJoined: true}
		var third int64
		for _, p := range referred {
			stages[p.Stage.Key] = true
			if next, ok := byID[p.ID]; ok && next.Total == 1 {
				third = p.ID
				more, err := db.Referred(ctx, rapport.Actor{Org: org.ID}, p.ID, 10)
				if err != nil || len(more) != 1 {
					t.Fatalf("referred by %s: %v, %v", p.Name(), more, err)
				}
				stages[more[0].Stage.Key] = true
			}
		}
		if third == 0 || len(stages) != 4 {
			t.Errorf("chain from %s: stages %v, second referrer %d; want four stages", r.Person.Name, stages, third)
		}
		return
	}
	t.Errorf("no agent who joined referred two others: %+v", refs)
}

// checkRecruitingWeeks: the hiring manager's goals page has figures for
// last week (live conversations and meetings) and this one (offers).
func checkRecruitingWeeks(t *testing.T, db *store.DB, org *rapport.Org, manager *rapport.User) {
	ctx := context.Background()
	if manager.RecruitLiveTarget != 15 || manager.RecruitMeetingTarget != 3 || manager.RecruitOfferTarget != 1 {
		t.Errorf("targets %d/%d/%d, want 15/3/1", manager.RecruitLiveTarget, manager.RecruitMeetingTarget, manager.RecruitOfferTarget)
	}
	weeks, err := db.RecruitingWeeks(ctx, rapport.Actor{Org: org.ID}, []rapport.User{*manager}, seedNow)
	if err != nil {
		t.Fatal(err)
	}
	last, err := db.RecruitingWeeks(ctx, rapport.Actor{Org: org.ID}, []rapport.User{*manager}, seedNow.AddDate(0, 0, -7))
	if err != nil {
		t.Fatal(err)
	}
	this, prev := weeks[0], last[0]
	if this.Offers == 0 || prev.Live < manager.RecruitLiveTarget || prev.Meetings < manager.RecruitMeetingTarget {
		t.Errorf("this week %d offers; last week %d live, %d meetings", this.Offers, prev.Live, prev.Meetings)
	}
}

// checkReview: last week's review of an agent has figures against targets,
// a trend, call blocks, a heat map and at least one obstacle to work on.
func checkReview(t *testing.T, db *store.DB, org *rapport.Org, u *rapport.User) {
	r, err := db.Review(context.Background(), rapport.Actor{Org: org.ID}, []rapport.User{*u}, u.Location(org), seedNow.AddDate(0, 0, -7))
	if err != nil {
		t.Fatal(err)
	}
	weeksWithCalls := 0
	for _, w := range r.Trend {
		if w.Attempts > 0 {
			weeksWithCalls++
		}
	}
	if r.Week.Attempts == 0 || r.Week.Live == 0 || r.Targets.Attempts == 0 || weeksWithCalls < 6 || len(r.Blocks) == 0 ||
		r.Heat.Attempts == 0 || len(r.Obstacles) == 0 {
		t.Errorf("%s's review of last week: %+v, %d weeks with calls, %d blocks, heat %d, obstacles %+v",
			u.Email, r.Week, weeksWithCalls, len(r.Blocks), r.Heat.Attempts, r.Obstacles)
	}
}

// checkFigures holds the demo's reports to what a real brokerage would
// show: leads from lead sources in the last month, most of them called
// within the hour; a funnel where not everyone called was reached; some
// stories known (a passion, a fear and a motivation on record).
func checkFigures(t *testing.T, db *store.DB, org *rapport.Org, users []rapport.User, people []rapport.Person) {
	ctx := context.Background()
	act := rapport.Actor{Org: org.ID}
	speed, err := db.SpeedToLead(ctx, act, seedNow.AddDate(0, 0, -30), seedNow)
	if err != nil {
		t.Fatal(err)
	}
	if all := speed.All; all.Leads < 10 || all.Attempted < all.Leads/2 || all.Attempted == all.Leads || all.Median <= 0 || all.Median > 2*time.Hour {
		t.Errorf("speed to lead, last 30 days: %+v", all)
	}
	var owner rapport.User
	for _, u := range users {
		if u.Role == rapport.RoleOwner {
			owner = u
		}
	}
	f, err := db.Funnel(ctx, rapport.Member(org, &owner), users, seedNow.AddDate(0, 0, -91), seedNow)
	if err != nil {
		t.Fatal(err)
	}
	if tot := f.Total; tot.Attempted < 50 || tot.Connected*100 > tot.Attempted*90 || tot.Connected*100 < tot.Attempted*50 || tot.Won == 0 {
		t.Errorf("funnel: %+v", tot)
	}
	talked, known := 0, 0
	for _, p := range people {
		if p.LastLiveAt.IsZero() {
			continue
		}
		talked++
		facts, err := db.Facts(ctx, act, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		has := map[rapport.FactType]bool{}
		for _, fa := range facts {
			has[fa.Type] = true
		}
		if has[rapport.FactPassion] && has[rapport.FactFear] && has[rapport.FactMotivation] {
			known++
		}
	}
	if talked == 0 || known*100 < talked*15 {
		t.Errorf("stories known: %d of %d talked to", known, talked)
	}
	t.Logf("speed to lead %d leads, %d attempted, median %v; funnel %d → %d connected → %d live; %d of %d stories known",
		speed.All.Leads, speed.All.Attempted, speed.All.Median, f.Total.Attempted, f.Total.Connected, f.Total.Live, known, talked)
}
