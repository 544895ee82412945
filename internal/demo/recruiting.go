package demo

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// The demo's recruiting: the brokerages the hiring manager recruits from,
// production reports for two periods imported through the real import
// path, news about two offices, a referral chain that started with an
// agent who joined, and a few weeks of meetings, an offer and a hire.

// Signals about the competitors, by office MLS id.
const (
	signalOffice  = "14023" // Summit Realty Group - Evanston
	signalTitle   = "Managing broker left for a competitor"
	expiredOffice = "41870" // Prairie State Realty - Oak Park
	expiredTitle  = "Lost its top team"
)

// companies creates the competing brokerages and their offices.
func (s *seeder) companies(ctx context.Context) error {
	for _, c := range competitors {
		b := &rapport.Company{Kind: rapport.CompanyBrokerage, Name: c.name, Market: c.market, Website: c.website}
		if err := s.db.CreateCompany(ctx, rapport.Actor{Org: s.org.ID}, b); err != nil {
			return err
		}
		for _, o := range c.offices {
			oc := &rapport.Company{Kind: rapport.CompanyOffice, ParentID: b.ID, Name: o.name, Market: o.market, Street: o.street,
				City: o.city, State: "IL", PostalCode: o.zip, Website: c.website, MLSID: o.mlsID, Parent: b}
			if err := s.db.CreateCompany(ctx, rapport.Actor{Org: s.org.ID}, oc); err != nil {
				return err
			}
			s.offices = append(s.offices, oc)
		}
	}
	return nil
}

// office returns the competing office with the MLS id.
func (s *seeder) office(mlsID string) *rapport.Company {
	for _, o := range s.offices {
		if o.MLSID == mlsID {
			return o
		}
	}
	panic("demo: no office " + mlsID)
}

// chain is the referral chain: hired joined us and gave us the names of
// two agents, a and b; a gave us c.
type chain struct {
	hired, a, b, c *rapport.Person
}

// referralChain picks the agent who will join and creates the agents
// referred through them, each at their own office like everyone else.
func (s *seeder) referralChain(ctx context.Context, m *rapport.User) (*chain, error) {
	picks := s.pickRecruits(m, 1, nil)
	c := &chain{hired: picks[0]}
	// Two names given on a call three weeks ago; a gave one more over
	// coffee a few days ago.
	people := make([]rapport.Person, 3)
	for i, made := range []time.Time{s.at(15, 13, 10), s.at(15, 13, 12), s.at(4, 11, 0)} {
		p := s.g.Person(rapport.KindRecruit, m.ID)
		p.Source, p.Brokerage, p.Office, p.CreatedAt = "Referral", "", "", made.UTC()
		people[i] = p
	}
	people[0].ReferredByID, people[1].ReferredByID = c.hired.ID, c.hired.ID
	if err := s.db.BulkCreatePeople(ctx, rapport.Member(s.org, m), people[:2]); err != nil {
		return nil, err
	}
	people[2].ReferredByID = people[0].ID
	if err := s.db.BulkCreatePeople(ctx, rapport.Member(s.org, m), people[2:]); err != nil {
		return nil, err
	}
	c.a, c.b, c.c = &people[0], &people[1], &people[2]
	return c, nil
}

// pickRecruits chooses n of the user's recruits who have been in the book
// long enough to have a history, from the larger producers, leaving out
// those in not.
func (s *seeder) pickRecruits(u *rapport.User, n int, not map[int64]bool) []*rapport.Person {
	var pool []*rapport.Person
	for i := range s.owned[u.ID] {
		p := &s.owned[u.ID][i]
		if p.Kind == rapport.KindRecruit && p.ReferredByID == 0 && s.now.Sub(p.CreatedAt) > 60*24*time.Hour && !not[p.ID] {
			pool = append(pool, p)
		}
	}
	sort.SliceStable(pool, func(i, j int) bool { return pool[i].Volume12m > pool[j].Volume12m })
	pool = pool[:max(len(pool)/2, n)]
	var out []*rapport.Person
	for len(out) < n {
		i := s.g.IntN(len(pool))
		out = append(out, pool[i])
		pool = append(pool[:i], pool[i+1:]...)
	}
	return out
}

// figures are an agent's 12-month production as a report gives it.
type figures struct {
	list, sell int
	volume     int64
}

func (f figures) units() int { return f.list + f.sell }

// production imports two MLS production reports, as a hiring manager would
// each quarter: the 12 months to the end of the quarter before last, then
// to the end of last quarter. The first links every agent to their office
// (by its MLS id) and the second brings the figures up to date; both stay
// as history, so an agent's page shows the trend.
func (s *seeder) production(ctx context.Context, m *rapport.User, c *chain) error {
	var agents []*rapport.Person
	for _, u := range s.users {
		for i := range s.owned[u.ID] {
			if p := &s.owned[u.ID][i]; p.Kind == rapport.KindRecruit {
				agents = append(agents, p)
			}
		}
	}
	agents = append(agents, c.a, c.b, c.c)
	// Agents spread evenly over the offices, in an order of the
	// generator's choosing.
	order := make([]int, len(s.offices))
	for i := range order {
		order[i] = i
	}
	for i := len(order) - 1; i > 0; i-- {
		j := s.g.IntN(i + 1)
		order[i], order[j] = order[j], order[i]
	}
	type agentRow struct {
		p              *rapport.Person
		office         *rapport.Company
		before, recent figures
	}
	rows := make([]agentRow, len(agents))
	for i, p := range agents {
		recent := figures{volume: p.Volume12m}
		units := max(p.Units12m, 1)
		if recent.volume <= 0 {
			recent.volume = int64(units) * 385_000
		}
		recent.list = int(math.Round(float64(units) * (0.25 + 0.5*s.g.rng.Float64())))
		recent.sell = units - recent.list
		// A year-on-quarter trend: most agents move a little, some a lot.
		trend := math.Exp(s.g.rng.NormFloat64() * 0.22)
		before := figures{list: int(math.Round(float64(recent.list) / trend)), sell: int(math.Round(float64(recent.sell) / trend))}
		if before.units() == 0 {
			before.sell = 1
		}
		before.volume = int64(float64(recent.volume)/trend/1000) * 1000
		rows[i] = agentRow{p: p, office: s.offices[order[i%len(order)]], before: before, recent: recent}
	}
	recent, before := reportPeriods(s.now, s.loc)
	for _, period := range []rapport.Day{before, recent} {
		fig := func(r agentRow) figures {
			if period == recent {
				return r.recent
			}
			return r.before
		}
		ranked := make([]agentRow, len(rows))
		copy(ranked, rows)
		sort.SliceStable(ranked, func(i, j int) bool { return fig(ranked[i]).volume > fig(ranked[j]).volume })
		report := make([]store.ImportRow, len(ranked))
		for i, r := range ranked {
			f := fig(r)
			report[i] = store.ImportRow{Line: i + 2, OfficeMLSID: r.office.MLSID, Rank: i + 1, Person: rapport.Person{
				FirstName: r.p.FirstName, LastName: r.p.LastName, Kind: rapport.KindRecruit, MLSID: r.p.MLSID,
				Brokerage: r.office.Parent.Name, Office: r.office.Name,
				ListUnits12m: f.list, SellUnits12m: f.sell, Units12m: f.units(), Volume12m: f.volume,
			}}
		}
		if err := s.importReport(ctx, m, period, report); err != nil {
			return fmt.Errorf("report for %s: %w", period, err)
		}
	}
	return nil
}

// importReport writes one production report through the import path.
// Every agent in it is already in the book: a row that creates someone or
// is rejected is a mistake in the demo.
func (s *seeder) importReport(ctx context.Context, m *rapport.User, period rapport.Day, rows []store.ImportRow) error {
	sess, err := s.db.BeginImport(ctx, rapport.Member(s.org, m), store.ImportOptions{OwnerID: m.ID, Source: "MLS production report",
		Expected: len(rows), Period: period})
	if err != nil {
		return err
	}
	res, err := sess.Add(rows)
	if err != nil {
		sess.Abort()
		return err
	}
	for i, r := range res {
		if r.Outcome == store.Rejected {
			sess.Abort()
			return fmt.Errorf("line %d rejected: %v", rows[i].Line, r.Notes)
		}
	}
	stats, err := sess.Finish()
	if err != nil {
		return err
	}
	if stats.Created != 0 || stats.Rejected != 0 {
		return fmt.Errorf("%d agents created and %d rows rejected; want none", stats.Created, stats.Rejected)
	}
	return nil
}

// reportPeriods returns the last days of the last two quarters that have
// ended at now: the periods of the two production reports.
func reportPeriods(now time.Time, loc *time.Location) (recent, before rapport.Day) {
	y, m, _ := now.In(loc).Date()
	quarter := time.Date(y, m-(m-1)%3, 1, 12, 0, 0, 0, time.UTC)
	return rapport.DayOf(quarter.AddDate(0, 0, -1), time.UTC), rapport.DayOf(quarter.AddDate(0, -3, -1), time.UTC)
}

// at returns the time hh:mm on the weekday n weekdays before today.
func (s *seeder) at(n, hh, mm int) time.Time {
	day := rapport.DayOf(s.now, s.loc)
	for n > 0 {
		day = day.AddDays(-1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return day.Start(s.loc).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

// recruiting adds the hiring manager's recruiting weeks on top of the
// history: news about two offices, the referral chain's conversations,
// meetings over the last two weeks, an offer, a hire and a "not now",
// each move with its reason.
func (s *seeder) recruiting(ctx context.Context, m *rapport.User, c *chain) error {
	today := rapport.DayOf(s.now, s.loc)
	for _, sg := range []rapport.Signal{
		{CompanyID: s.office(signalOffice).ID, On: today.AddDays(-3), Title: signalTitle,
			Note: "Dana Whitfield ran the office for twelve years and left for North Shore Properties in Wilmette. Her agents hear the office may be folded into Lincoln Park."},
		{CompanyID: s.office(expiredOffice).ID, On: today.AddDays(-45), Title: expiredTitle,
			Note: "The Harper team (about 40 closings a year) left for a virtual brokerage."},
	} {
		if err := s.db.AddSignal(ctx, rapport.Member(s.org, m), &sg); err != nil {
			return err
		}
	}
	picks := s.pickRecruits(m, 4, map[int64]bool{c.hired.ID: true})
	offer, met1, met2, notNow := picks[0], picks[1], picks[2], picks[3]
	hired := c.hired
	hiredName := hired.FirstName + " " + hired.LastName
	fact := func(t rapport.FactType, text string) []rapport.Fact { return []rapport.Fact{{Type: t, Text: text}} }
	callIn := func(days int, note string) *rapport.FollowUp {
		return &rapport.FollowUp{Kind: rapport.FollowUpCall, DueOn: today.AddDays(days), Note: note}
	}
	call, meet := rapport.ChannelCall, rapport.ChannelMeeting
	live, none := rapport.OutcomeLive, rapport.OutcomeNone
	talks := []struct {
		p        *rapport.Person
		at       time.Time
		ch       rapport.Channel
		out      rapport.Outcome
		notes    string
		facts    []rapport.Fact
		followUp *rapport.FollowUp
	}{
		{hired, s.at(15, 13, 0), call, live,
			"Not looking, but open to talk. Asked what would make the office better; support came up three times. Gave me two agents I should call: " +
				c.a.FirstName + " " + c.a.LastName + " and " + c.b.FirstName + " " + c.b.LastName + ".",
			fact(rapport.FactMotivation, "Wants more marketing support than the office gives"), nil},
		{c.a, s.at(13, 10, 30), call, live,
			hiredName + " suggested I call. Curious, a little guarded; agreed to coffee next month.",
			fact(rapport.FactFear, "Worried about losing clients in a move"), nil},
		{c.b, s.at(12, 17, 15), call, rapport.OutcomeVoicemail, "", nil, nil},
		{hired, s.at(8, 12, 30), meet, none,
			"Lunch at Gibsons. Walked through our split, the marketing budget and the transition plan for current listings.",
			fact(rapport.FactInterest, "Asked about our luxury division"), nil},
		{met2, s.at(6, 9, 0), meet, none,
			"Coffee near their office. Loves the clients, tired of paying for marketing out of pocket.", nil, callIn(10, "send the marketing plan")},
		{notNow, s.at(5, 11, 0), call, live,
			"No interest in changing brokerages before retiring. Said I understood, that I would not want a change at that stage either, and asked what makes the office feel like home; we talked for ten minutes.",
			fact(rapport.FactLifeStage, "Ten years from retirement"), nil},
		{c.a, s.at(4, 8, 30), meet, none,
			"Coffee at Intelligentsia. Wants to build a team; gave me the name of " + c.c.FirstName + " " + c.c.LastName + ", a buyer's agent worth a call.",
			fact(rapport.FactMotivation, "Wants to build a team and needs support"), callIn(3, "send the team-support plan")},
		{offer, s.at(3, 15, 0), meet, none,
			"Met at our office with the managing broker. Ready to move if the numbers work; wants it in writing.",
			fact(rapport.FactMotivation, "Wants a better split to fund retirement"), nil},
		{c.b, s.at(2, 12, 45), call, live,
			"Not ready before spring: three listings close in March. Open to coffee after that.", nil, callIn(14, "check in after the March closings")},
		{met1, s.at(1, 16, 0), meet, none,
			"Second meeting. Brought questions about the move in writing; we walked through each.", nil, callIn(2, "answer the question about the desk fee")},
	}
	for _, t := range talks {
		conv := rapport.Conversation{PersonID: t.p.ID, Channel: t.ch, Direction: rapport.DirectionOutbound, Outcome: t.out,
			OccurredAt: t.at, Notes: t.notes}
		if rapport.IsLive(t.ch, t.out) {
			conv.DurationSeconds, conv.Temperature = 25*60, rapport.TempWarm
			if t.ch == rapport.ChannelMeeting {
				conv.DurationSeconds = 60 * 60
			}
		}
		if _, err := s.db.LogConversation(ctx, rapport.Member(s.org, m), &store.LogInput{Conversation: conv, Facts: t.facts,
			FollowUp: t.followUp, Loc: s.loc}); err != nil {
			return err
		}
	}
	stage := map[string]int64{}
	pipes, err := s.db.Pipelines(ctx, rapport.Actor{Org: s.org.ID})
	if err != nil {
		return err
	}
	for _, p := range pipes {
		if p.Kind == rapport.PipelineRecruiting {
			for _, st := range p.Stages {
				stage[st.Key] = st.ID
			}
		}
	}
	for _, mv := range []struct {
		p      *rapport.Person
		stage  string
		reason string
	}{
		{offer, rapport.StageOffer, "Offer sent after our meeting: 85/15 split, desk fee waived for the first year."},
		{hired, rapport.StageOffer, "Offer sent after lunch: 80/20 split and a marketing budget."},
		{hired, rapport.StageJoined, "Signed with us. Starts on the 1st and brings two listings."},
		{notNow, rapport.StageNotNow, "Happy where they are until retirement; check back in the spring."},
	} {
		if err := s.db.MoveOnBoard(ctx, rapport.Member(s.org, m), mv.p.ID, stage[mv.stage], mv.reason); err != nil {
			return fmt.Errorf("move to %s: %w", mv.stage, err)
		}
	}
	return nil
}
