package store_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// recruitingStage returns the organisation's recruiting stage with key.
func (f *fixture) recruitingStage(t *testing.T, key string) *rapport.Stage {
	t.Helper()
	pipes, err := f.db.Pipelines(ctx, rapport.Actor{Org: f.org.ID})
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
	t.Fatalf("no recruiting stage %q", key)
	return nil
}

func (f *fixture) logAs(t *testing.T, u *rapport.User, personID int64, c rapport.Conversation) {
	t.Helper()
	c.PersonID = personID
	if _, err := f.db.LogConversation(ctx, rapport.Member(f.org, u), &store.LogInput{Conversation: c, Loc: u.Location(f.org)}); err != nil {
		t.Fatalf("log conversation: %v", err)
	}
}

func entryFor(entries []rapport.TodayEntry, id int64) *rapport.TodayEntry {
	for i := range entries {
		if entries[i].Person.ID == id {
			return &entries[i]
		}
	}
	return nil
}

// TestSignalRaisesAnOfficesAgents: a dated signal on an office (or its
// brokerage) puts its agents on their recruiter's Today with the signal
// as the reason and an opener that mentions it, for 30 days, until a live
// conversation after the signal.
func TestSignalRaisesAnOfficesAgents(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		brokerage := &rapport.Company{Kind: rapport.CompanyBrokerage, Name: "Summit Realty", Market: "Chicago North"}
		if err := f.db.CreateCompany(ctx, rapport.Actor{Org: f.org.ID}, brokerage); err != nil {
			t.Fatal(err)
		}
		office := &rapport.Company{Kind: rapport.CompanyOffice, ParentID: brokerage.ID, Name: "Lincoln Park", Market: "Chicago North"}
		other := &rapport.Company{Kind: rapport.CompanyOffice, Name: "Lakeside Homes"}
		for _, c := range []*rapport.Company{office, other} {
			if err := f.db.CreateCompany(ctx, rapport.Actor{Org: f.org.ID}, c); err != nil {
				t.Fatal(err)
			}
		}
		// Mid-table producers, talked to two months ago: no reason to call
		// today without news.
		f.clock.Set(start.AddDate(0, -2, 0))
		dana := f.person(t, rapport.Person{FirstName: "Dana", LastName: "Lind", Kind: rapport.KindRecruit, CompanyID: office.ID, Units12m: 9, Volume12m: 3_000_000})
		eli := f.person(t, rapport.Person{FirstName: "Eli", LastName: "Marsh", Kind: rapport.KindRecruit, CompanyID: other.ID, Units12m: 9, Volume12m: 3_100_000})
		for _, p := range []*rapport.Person{dana, eli} {
			f.log(t, p.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		}
		// A big producer keeps the two out of the top fifth.
		for i := range 9 {
			f.person(t, rapport.Person{FirstName: "Big", LastName: strings.Repeat("x", i+1), Kind: rapport.KindRecruit, OwnerID: f.owner.ID,
				Units12m: 80, Volume12m: 40_000_000})
		}
		// Someone who joined us from that office is ours now: not counted
		// among its agents.
		hired := f.person(t, rapport.Person{FirstName: "Hal", Kind: rapport.KindRecruit, CompanyID: office.ID, Volume12m: 9_000_000,
			StageID: f.recruitingStage(t, rapport.StageJoined).ID})
		rows, err := f.db.Companies(ctx, rapport.Actor{Org: f.org.ID}, store.CompanyFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if (r.ID == office.ID || r.ID == brokerage.ID) && (r.Agents != 1 || r.Volume != 3_000_000) {
				t.Errorf("%s counts %d agents, %d volume; want Dana alone (not %s, who joined)", r.Name, r.Agents, r.Volume, hired.FirstName)
			}
		}
		f.clock.Set(start)
		before, err := f.db.Today(ctx, rapport.Member(f.org, f.agent), f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if entryFor(before, dana.ID) != nil || entryFor(before, eli.ID) != nil {
			t.Fatalf("on Today before any signal: %v", todayNames(t, f))
		}

		// News at the brokerage reaches its office's agents.
		sig := &rapport.Signal{CompanyID: brokerage.ID, On: rapport.DayOf(start, chicago).AddDays(-3), Title: "Leadership change",
			Note: "Managing broker left for a competitor"}
		if err := f.db.AddSignal(ctx, rapport.Member(f.org, f.owner), sig); err != nil {
			t.Fatal(err)
		}
		bad := &rapport.Signal{CompanyID: other.ID, On: rapport.DayOf(start, chicago).AddDays(3), Title: "Future news"}
		if err := f.db.AddSignal(ctx, rapport.Member(f.org, f.owner), bad); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("a signal dated in the future: %v", err)
		}
		after, err := f.db.Today(ctx, rapport.Member(f.org, f.agent), f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		e := entryFor(after, dana.ID)
		if e == nil {
			t.Fatalf("Dana is not on Today after the signal: %v", todayNames(t, f))
		}
		if e.Best().Kind != rapport.ReasonSignal || !strings.Contains(e.Best().Text, "Leadership change at Summit Realty") {
			t.Errorf("Dana's reason = %+v", e.Best())
		}
		if !strings.Contains(e.Opener, "Hi Dana") || !strings.Contains(e.Opener, "leadership change") {
			t.Errorf("Dana's opener = %q", e.Opener)
		}
		if entryFor(after, eli.ID) != nil {
			t.Error("Eli, at another office, is on Today")
		}

		// A live conversation after the signal answers it.
		f.log(t, dana.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		f.clock.Advance(24 * time.Hour)
		if e := entryFor(must(f.db.Today(ctx, rapport.Member(f.org, f.agent), f.clock.Now())), dana.ID); e != nil {
			t.Errorf("Dana still on Today after the talk: %+v", e.Reasons)
		}
		// Eli's office gets news; 31 days later it has expired.
		sig2 := &rapport.Signal{CompanyID: other.ID, On: rapport.DayOf(f.clock.Now(), chicago), Title: "Office turmoil"}
		if err := f.db.AddSignal(ctx, rapport.Member(f.org, f.owner), sig2); err != nil {
			t.Fatal(err)
		}
		if e := entryFor(must(f.db.Today(ctx, rapport.Member(f.org, f.agent), f.clock.Now())), eli.ID); e == nil || e.Best().Kind != rapport.ReasonSignal {
			t.Errorf("Eli after his office's signal: %+v", e)
		}
		f.clock.Advance(31 * 24 * time.Hour)
		if e := entryFor(must(f.db.Today(ctx, rapport.Member(f.org, f.agent), f.clock.Now())), eli.ID); e != nil && e.Best().Kind == rapport.ReasonSignal {
			t.Errorf("a 31-day-old signal still raises Eli: %+v", e.Reasons)
		}
		// Deleting a signal is scoped to the organisation.
		intruder := newFixture(t, f.db, f.clock, "intruder")
		if err := f.db.DeleteSignal(ctx, rapport.Actor{Org: intruder.org.ID}, sig2.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("another organisation deleting a signal: %v", err)
		}
		if ss, _ := f.db.Signals(ctx, rapport.Actor{Org: f.org.ID}, brokerage.ID, 10); len(ss) != 1 || ss[0].Title != "Leadership change" {
			t.Errorf("brokerage signals = %+v", ss)
		}
	})
}

// TestReferralChainToHire follows a list of names from the agent who gave
// it to a hire: the referrer named on Today and in the opener, the
// referrer's counts as each referred agent moves on, and the hire
// leaving the board while staying a person.
func TestReferralChainToHire(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		joined := f.recruitingStage(t, rapport.StageJoined)
		meeting := f.recruitingStage(t, rapport.StageMeeting)
		offer := f.recruitingStage(t, rapport.StageOffer)
		gina := f.person(t, rapport.Person{FirstName: "Gina", LastName: "Hale", Kind: rapport.KindRecruit, OwnerID: f.owner.ID})
		if err := f.db.SetStage(ctx, rapport.Member(f.org, f.owner), gina.ID, joined.ID, "Signed with us"); err != nil {
			t.Fatal(err)
		}
		// Gina gives us three names; the list is imported with her as the
		// referrer.
		s, err := f.db.BeginImport(ctx, rapport.Member(f.org, f.agent), store.ImportOptions{OwnerID: f.agent.ID, ReferredByID: gina.ID, Expected: 3})
		if err != nil {
			t.Fatal(err)
		}
		var rows []store.ImportRow
		for i, n := range []string{"Hank Ives", "Iris Jones", "Jon Kerr"} {
			first, last, _ := strings.Cut(n, " ")
			rows = append(rows, store.ImportRow{Line: i + 2, Person: rapport.Person{FirstName: first, LastName: last, Kind: rapport.KindRecruit,
				Phones: []rapport.Phone{{Number: "+1312555010" + string(rune('1'+i)), Label: "mobile"}}}})
		}
		res, err := s.Add(rows)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Finish(); err != nil {
			t.Fatal(err)
		}
		hank, iris := res[0].PersonID, res[1].PersonID

		f.clock.Advance(time.Hour)
		entries, err := f.db.Today(ctx, rapport.Member(f.org, f.agent), f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		e := entryFor(entries, hank)
		if e == nil || e.Best().Kind != rapport.ReasonReferral || !strings.Contains(e.Best().Text, "Gina Hale") {
			t.Fatalf("Hank on Today = %+v", e)
		}
		if !strings.Contains(e.Opener, "Gina Hale suggested I give you a call") {
			t.Errorf("Hank's opener = %q", e.Opener)
		}

		// Hank: a live call, a meeting, an offer, and he joins; Iris: a
		// live call only; Jon: not reached yet.
		f.log(t, hank, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		f.log(t, iris, store.LogInput{Conversation: call(rapport.OutcomeLive)})
		for _, st := range []*rapport.Stage{meeting, offer} {
			if err := f.db.MoveOnBoard(ctx, rapport.Member(f.org, f.agent), hank, st.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
		refs, err := f.db.Referrers(ctx, rapport.Actor{Org: f.org.ID})
		if err != nil || len(refs) != 1 {
			t.Fatalf("referrers = %+v %v", refs, err)
		}
		if r := refs[0]; r.Person.ID != gina.ID || r.Person.Name != "Gina Hale" || r.Total != 3 || r.Talked != 2 || r.Meeting != 1 || r.Won != 0 {
			t.Errorf("Gina before the hire = %+v", r)
		}
		if err := f.db.MoveOnBoard(ctx, rapport.Member(f.org, f.agent), hank, joined.ID, "Signed Friday; Gina's referral"); err != nil {
			t.Fatal(err)
		}
		refs, _ = f.db.Referrers(ctx, rapport.Actor{Org: f.org.ID})
		if r := refs[0]; r.Total != 3 || r.Talked != 2 || r.Meeting != 1 || r.Won != 1 {
			t.Errorf("Gina after the hire = %+v", r)
		}
		referred, err := f.db.Referred(ctx, rapport.Actor{Org: f.org.ID}, gina.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range referred {
			stage := "-"
			if p.Stage != nil {
				stage = p.Stage.Key
			}
			got = append(got, p.FirstName+":"+stage)
		}
		slices.Sort(got)
		if want := []string{"Hank:joined", "Iris:conversation", "Jon:prospect"}; !slices.Equal(got, want) {
			t.Errorf("Gina's referrals = %v, want %v", got, want)
		}

		// The move's reason is on Hank's timeline.
		items, err := f.db.Timeline(ctx, rapport.Actor{Org: f.org.ID}, hank)
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, it := range items {
			if it.ToStage != nil {
				reasons = append(reasons, it.ToStage.Key+":"+it.Reason)
			}
		}
		if !slices.Contains(reasons, "joined:Signed Friday; Gina's referral") || !slices.Contains(reasons, "offer:Moved on the recruiting board") {
			t.Errorf("Hank's stage changes = %v", reasons)
		}
		// Hired, he leaves the board and stays a person.
		cols, err := f.db.RecruitingBoard(ctx, rapport.Actor{Org: f.org.ID}, 0, 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			for _, p := range c.People {
				if p.ID == hank && !c.Stage.Closed {
					t.Errorf("Hank is on the open column %s", c.Stage.Name)
				}
			}
			if c.Stage.Key == rapport.StageJoined && c.Count != 2 {
				t.Errorf("joined count = %d, want 2 (Gina and Hank)", c.Count)
			}
		}
		if p, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, hank); err != nil || !p.Hired() || p.ReferredByID != gina.ID {
			t.Errorf("Hank after the hire = %+v %v", p, err)
		}
		// The chain goes on: Hank refers Kay.
		kay := f.person(t, rapport.Person{FirstName: "Kay", LastName: "Lowe", Kind: rapport.KindRecruit, ReferredByID: hank})
		refs, _ = f.db.Referrers(ctx, rapport.Actor{Org: f.org.ID})
		if len(refs) != 2 || refs[1].Person.ID != hank || refs[1].Total != 1 {
			t.Errorf("referrers after Kay = %+v", refs)
		}
		if e := entryFor(must(f.db.Today(ctx, rapport.Member(f.org, f.agent), f.clock.Now())), kay.ID); e == nil || !strings.Contains(e.Opener, "Hank Ives") {
			t.Errorf("Kay on Today = %+v", e)
		}
	})
}

// TestRecruitingWeeks counts a hiring manager's week in their own time
// zone: live conversations with agent prospects (not with clients),
// meetings, and offers made.
func TestRecruitingWeeks(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		la := must(time.LoadLocation("America/Los_Angeles"))
		hm := &rapport.User{OrgID: f.org.ID, Email: "hm@" + f.org.Slug + ".test", Name: "Hana Manager", Role: rapport.RoleManager,
			PasswordHash: "x", TZ: "America/Los_Angeles", RecruitLiveTarget: 4, RecruitMeetingTarget: 2, RecruitOfferTarget: 1}
		if err := f.db.CreateUser(ctx, rapport.Actor{Org: hm.OrgID}, hm); err != nil {
			t.Fatal(err)
		}
		if err := f.db.SetRecruitingTargets(ctx, rapport.Actor{Org: f.org.ID}, hm); err != nil {
			t.Fatal(err)
		}
		bad := *hm
		bad.RecruitLiveTarget = -1
		if err := f.db.SetRecruitingTargets(ctx, rapport.Actor{Org: f.org.ID}, &bad); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("a negative target: %v", err)
		}
		offer := f.recruitingStage(t, rapport.StageOffer)
		r1 := f.person(t, rapport.Person{FirstName: "Rae", Kind: rapport.KindRecruit, OwnerID: hm.ID})
		r2 := f.person(t, rapport.Person{FirstName: "Sol", Kind: rapport.KindRecruit, OwnerID: hm.ID})
		client := f.person(t, rapport.Person{FirstName: "Cli", Kind: rapport.KindClient, OwnerID: hm.ID})

		// Her week (Los Angeles) runs Monday Nov 23 00:00 to Nov 30 00:00.
		at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, la) }
		f.clock.Set(at(22, 23)) // Sunday 23:00 in LA, already Monday in Chicago: last week for her
		f.logAs(t, hm, r1.ID, call(rapport.OutcomeLive))
		f.clock.Set(at(23, 9))
		f.logAs(t, hm, r1.ID, call(rapport.OutcomeLive))
		f.logAs(t, hm, r2.ID, call(rapport.OutcomeNoAnswer))
		f.logAs(t, hm, client.ID, call(rapport.OutcomeLive)) // not a prospect
		f.clock.Set(at(25, 12))
		f.logAs(t, hm, r2.ID, rapport.Conversation{Channel: rapport.ChannelMeeting, Outcome: rapport.OutcomeLive})
		meeting := f.recruitingStage(t, rapport.StageMeeting)
		// An offer, taken back to talk it over, and made again: one offer.
		for _, st := range []*rapport.Stage{offer, meeting, offer} {
			if err := f.db.MoveOnBoard(ctx, rapport.Member(f.org, hm), r2.ID, st.ID, "Offer sent after coffee"); err != nil {
				t.Fatal(err)
			}
		}
		f.logAs(t, f.agent, r1.ID, call(rapport.OutcomeLive)) // someone else's conversation
		f.clock.Set(at(29, 23))                               // Sunday 23:00: still her week
		f.logAs(t, hm, r1.ID, rapport.Conversation{Channel: rapport.ChannelMeeting, Outcome: rapport.OutcomeLive})
		f.clock.Set(at(30, 1)) // next week
		f.logAs(t, hm, r1.ID, call(rapport.OutcomeLive))

		users, err := f.db.Users(ctx, rapport.Actor{Org: f.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		var hmRow []rapport.User
		for _, u := range users {
			if u.ID == hm.ID {
				hmRow = append(hmRow, u)
			}
		}
		weeks, err := f.db.RecruitingWeeks(ctx, rapport.Actor{Org: f.org.ID}, hmRow, at(26, 12))
		if err != nil {
			t.Fatal(err)
		}
		w := weeks[0]
		if !w.Start.Equal(at(23, 0)) || w.Live != 3 || w.Meetings != 2 || w.Offers != 1 {
			t.Errorf("her week from %v: live %d meetings %d offers %d, want live 3 meetings 2 offers 1", w.Start, w.Live, w.Meetings, w.Offers)
		}
		ms := w.Measures()
		if ms[0].Target != 4 || ms[0].Percent() != 75 || ms[0].Met() || !ms[1].Met() || !ms[2].Met() {
			t.Errorf("measures = %+v", ms)
		}
		prev, _ := f.db.RecruitingWeeks(ctx, rapport.Actor{Org: f.org.ID}, hmRow, at(22, 12))
		if prev[0].Live != 1 || prev[0].Offers != 0 {
			t.Errorf("the week before: %+v", prev[0])
		}
	})
}

// TestMergeKeepsProductionHistory: merging two records of one agent keeps
// every period, the kept record's figures winning where both have one,
// and the newer report's figures on the person.
func TestMergeKeepsProductionHistory(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		importReport := func(period rapport.Day, rows ...store.ImportRow) {
			t.Helper()
			s, err := f.db.BeginImport(ctx, rapport.Member(f.org, f.agent), store.ImportOptions{Period: period, Expected: len(rows)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Add(rows); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Finish(); err != nil {
				t.Fatal(err)
			}
		}
		row := func(mls, email string, units int) store.ImportRow {
			return store.ImportRow{Line: 2, Person: rapport.Person{FirstName: "Uma", LastName: "Vale", Kind: rapport.KindRecruit, MLSID: mls,
				Emails: []rapport.Email{{Address: email}}, Units12m: units, Volume12m: int64(units) * 400_000}}
		}
		importReport("2026-03-31", row("M1", "uma@one.example", 10))
		importReport("2026-06-30", row("M1", "uma@one.example", 12))
		importReport("2026-06-30", row("M2", "uma@two.example", 99)) // a second record of her, same period
		importReport("2026-09-30", row("M2", "uma@two.example", 14))
		page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Kind: rapport.KindRecruit})
		if err != nil || len(page.People) != 2 {
			t.Fatalf("people = %+v %v", page, err)
		}
		keep, drop := page.People[0].ID, page.People[1].ID
		if page.People[0].MLSID != "M1" {
			keep, drop = drop, keep
		}
		if _, err := f.db.MergePeople(ctx, rapport.Member(f.org, f.owner), keep, drop); err != nil {
			t.Fatal(err)
		}
		hist, err := f.db.ProductionHistory(ctx, rapport.Actor{Org: f.org.ID}, keep)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hist {
			got = append(got, string(h.Period)+":"+strings.Repeat("|", h.Units/2))
		}
		if want := []string{"2026-03-31:|||||", "2026-06-30:||||||", "2026-09-30:|||||||"}; !slices.Equal(got, want) {
			t.Errorf("history = %v, want %v", got, want)
		}
		p, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, keep)
		if p.Units12m != 14 || p.ProductionPeriod != "2026-09-30" {
			t.Errorf("merged figures = %d units for %s", p.Units12m, p.ProductionPeriod)
		}
	})
}
