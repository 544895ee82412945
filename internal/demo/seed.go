package demo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// The demo organisation and its users.
const (
	OrgSlug      = "demo"
	OwnerEmail   = "owner@demo.test"
	ManagerEmail = "manager@demo.test"
)

// Users are the demo's users: an owner who also sells, a hiring manager who
// recruits (with weekly recruiting targets), and two agents.
var Users = []rapport.User{
	{Email: OwnerEmail, Name: "Olivia Grant", Role: rapport.RoleOwner},
	{Email: ManagerEmail, Name: "Marcus Bell", Role: rapport.RoleManager, TodaySize: 15},
	{Email: "priya@demo.test", Name: "Priya Shah", Role: rapport.RoleAgent},
	{Email: "diego@demo.test", Name: "Diego Alvarez", Role: rapport.RoleAgent},
}

// book is how many people of each kind a user owns.
type book map[rapport.Kind]int

var books = []book{
	{rapport.KindLead: 14, rapport.KindClient: 12, rapport.KindSphere: 16, rapport.KindRecruit: 6},
	{rapport.KindRecruit: 44, rapport.KindSphere: 6},
	{rapport.KindLead: 18, rapport.KindClient: 12, rapport.KindSphere: 18},
	{rapport.KindLead: 18, rapport.KindClient: 12, rapport.KindSphere: 18},
}

// Seed creates the demo brokerage in an empty database as it would look
// after eight weeks of use, ending at now. passwordHash is every demo
// user's password hash.
func Seed(ctx context.Context, db *store.DB, now time.Time, passwordHash string) (*rapport.Org, error) {
	org := &rapport.Org{Name: "Lakeshore Realty", Slug: OrgSlug, Region: "US", TZ: "America/Chicago"}
	users := make([]rapport.User, len(Users))
	copy(users, Users)
	for i := range users {
		users[i].PasswordHash = passwordHash
	}
	if err := db.CreateOrg(ctx, org, &users[0]); err != nil {
		return nil, fmt.Errorf("create demo organisation: %w", err)
	}
	for i := 1; i < len(users); i++ {
		users[i].OrgID = org.ID
		if err := db.CreateUser(ctx, rapport.Actor{Org: users[i].OrgID}, &users[i]); err != nil {
			return nil, err
		}
	}
	manager := &users[1]
	manager.RecruitLiveTarget, manager.RecruitMeetingTarget, manager.RecruitOfferTarget = 15, 3, 1
	if err := db.SetRecruitingTargets(ctx, rapport.Actor{Org: org.ID}, manager); err != nil {
		return nil, fmt.Errorf("set recruiting targets: %w", err)
	}
	if err := reviewSetup(ctx, db, org.ID, users); err != nil {
		return nil, fmt.Errorf("set review targets and call blocks: %w", err)
	}
	loc := org.Location()
	g := NewGenerator(20261123, now)
	s := &seeder{db: db, org: org, loc: loc, now: now, g: g, users: users}
	if err := s.companies(ctx); err != nil {
		return nil, fmt.Errorf("create competing brokerages: %w", err)
	}
	for i := range users {
		if err := s.book(ctx, &users[i], books[i]); err != nil {
			return nil, err
		}
	}
	c, err := s.referralChain(ctx, manager)
	if err != nil {
		return nil, fmt.Errorf("create referral chain: %w", err)
	}
	if err := s.production(ctx, manager, c); err != nil {
		return nil, fmt.Errorf("import production reports: %w", err)
	}
	if err := s.history(ctx); err != nil {
		return nil, err
	}
	if err := s.recruiting(ctx, manager, c); err != nil {
		return nil, fmt.Errorf("recruiting story: %w", err)
	}
	for i := range users {
		if err := s.today(ctx, &users[i]); err != nil {
			return nil, err
		}
	}
	if err := practice(ctx, db, org.ID, users); err != nil {
		return nil, fmt.Errorf("practice drills: %w", err)
	}
	return org, nil
}

// demoPlaybook is the default playbook, for the objections the demo's
// conversations record.
var demoPlaybook = rapport.MergePlaybook(nil)

// practice gives the agents some drill history and the manager's
// assignment of a drill set to each of them.
func practice(ctx context.Context, db *store.DB, orgID int64, users []rapport.User) error {
	responses := []struct{ objection, response string }{
		{"just-looking", "No problem, let me send you some listings. Are you pre-approved?"},
		{"just-looking", "That makes sense; looking is the fun part. What caught your eye so far?"},
		{"market-too-high", "I hear you, but prices won't come down any time soon. What's your budget?"},
		{"market-too-high", "That's a real worry. What would need to happen for the timing to feel right?"},
	}
	var manager rapport.Actor
	for _, u := range users {
		if u.Role == rapport.RoleOwner {
			manager = rapport.Actor{Org: orgID, User: u.ID, Role: u.Role}
		}
	}
	for _, u := range users {
		if u.Role != rapport.RoleAgent {
			continue
		}
		for _, r := range responses {
			if _, _, err := db.Practise(ctx, rapport.Actor{Org: orgID, User: u.ID}, r.objection, r.response); err != nil {
				return err
			}
		}
		if _, err := db.AssignDrills(ctx, manager, u.ID, []string{"have-an-agent", "wait-for-rates", "sell-ourselves"},
			"Three that came up in last week's calls — practise them before Thursday's block."); err != nil {
			return err
		}
	}
	return nil
}

// reviewSetup gives every demo user weekly targets for the review and
// call blocks: evenings and Saturday mornings for the agents, mornings
// for the hiring manager.
func reviewSetup(ctx context.Context, db *store.DB, orgID int64, users []rapport.User) error {
	for i := range users {
		u := &users[i]
		if u.WeeklyGoal == 0 {
			u.WeeklyGoal = rapport.DefaultWeeklyGoal
		}
		if u.TodaySize == 0 {
			u.TodaySize = rapport.DefaultTodaySize
		}
		u.AttemptTarget, u.ConnectTarget, u.AppointmentTarget, u.NewPeopleTarget, u.ReferralTarget = 150, 40, 3, 10, 2
		blocks := []rapport.CallBlock{{Weekday: time.Tuesday, Start: 17 * 60, End: 19 * 60},
			{Weekday: time.Thursday, Start: 17 * 60, End: 19 * 60}, {Weekday: time.Saturday, Start: 10 * 60, End: 12 * 60}}
		if u.Email == ManagerEmail {
			u.AttemptTarget, u.ConnectTarget, u.AppointmentTarget, u.NewPeopleTarget, u.ReferralTarget = 80, 25, 3, 5, 3
			blocks = []rapport.CallBlock{{Weekday: time.Monday, Start: 9 * 60, End: 11 * 60}, {Weekday: time.Wednesday, Start: 9 * 60, End: 11 * 60}}
		}
		if err := db.UpdateUserSettings(ctx, rapport.Actor{Org: u.OrgID}, u); err != nil {
			return err
		}
		for _, b := range blocks {
			b.UserID = u.ID
			b.CreatedAt = u.CreatedAt.AddDate(0, 0, -70) // in use since before the history
			if err := db.AddCallBlock(ctx, rapport.Actor{Org: orgID}, &b); err != nil {
				return err
			}
		}
	}
	return nil
}

type seeder struct {
	db    *store.DB
	org   *rapport.Org
	loc   *time.Location
	now   time.Time
	g     *Generator
	users []rapport.User
	owned map[int64][]rapport.Person // by user id
	// offices are the competing brokerages' offices, each with its
	// brokerage as Parent.
	offices []*rapport.Company
	// promised holds each user's open promises to call, by user id.
	promised map[int64][]promise
	// arrivals are the leads that came from a lead source during the
	// history, by user id: the history calls them soon after.
	arrivals map[int64][]*rapport.Person
	// unreachable are the people who never pick up (a wrong number kept,
	// a lead who filled in a form and lost interest): a funnel where
	// everyone called was reached would mislead.
	unreachable map[int64]bool
	// known is the kinds of fact on record for each person.
	known map[int64]map[rapport.FactType]bool
}

// atWork moves t to the working hours (9:00 to 18:00) of its day in the
// organisation's zone, keeping its minute: people are added, and leads
// arrive, while someone is at a desk.
func (s *seeder) atWork(t time.Time) time.Time {
	l := t.In(s.loc)
	hour := 9 + int(t.Unix()/3600%9)
	return time.Date(l.Year(), l.Month(), l.Day(), hour, l.Minute(), l.Second(), 0, s.loc).UTC()
}

// book creates a user's people: most of them now, some referred by the
// first ones, and a few fresh leads that arrived minutes ago.
func (s *seeder) book(ctx context.Context, u *rapport.User, b book) error {
	if s.owned == nil {
		s.owned = map[int64][]rapport.Person{}
	}
	var people []rapport.Person
	for _, k := range rapport.Kinds {
		for i := 0; i < b[k]; i++ {
			people = append(people, s.g.Person(k, u.ID))
		}
	}
	for i := range people {
		// An agent's brokerage and office come from the production
		// reports (see production).
		people[i].Brokerage, people[i].Office = "", ""
		people[i].CreatedAt = s.atWork(people[i].CreatedAt)
	}
	// Leads that arrived from a lead source in the last four weeks: the
	// history calls each soon after it came (speed to lead).
	var arrived []*rapport.Person
	if b[rapport.KindLead] > 0 {
		for i := 0; i < 5; i++ {
			p := s.g.Person(rapport.KindLead, u.ID)
			p.CreatedAt = s.atWork(s.now.Add(-time.Duration(2+i*5)*24*time.Hour - time.Duration(s.g.IntN(600))*time.Minute))
			p.ArrivedAt = p.CreatedAt
			people = append(people, p)
		}
	}
	if err := s.db.BulkCreatePeople(ctx, rapport.Member(s.org, u), people); err != nil {
		return err
	}
	// Referrals: a few people were introduced by someone already in the book.
	var referred []rapport.Person
	for i := 0; i < 3; i++ {
		kind := rapport.KindLead
		if b[rapport.KindRecruit] > b[rapport.KindLead] {
			kind = rapport.KindRecruit
		}
		p := s.g.Person(kind, u.ID)
		p.ReferredByID = people[s.g.IntN(len(people))].ID
		p.Source, p.Brokerage, p.Office = "Referral", "", ""
		p.CreatedAt = s.now.Add(-time.Duration(2+i*3) * 24 * time.Hour).UTC()
		referred = append(referred, p)
	}
	if err := s.db.BulkCreatePeople(ctx, rapport.Member(s.org, u), referred); err != nil {
		return err
	}
	s.owned[u.ID] = append(people, referred...)
	for i := range s.owned[u.ID] {
		if p := &s.owned[u.ID][i]; !p.ArrivedAt.IsZero() {
			arrived = append(arrived, p)
		}
	}
	if s.arrivals == nil {
		s.arrivals = map[int64][]*rapport.Person{}
	}
	s.arrivals[u.ID] = arrived
	if b[rapport.KindLead] == 0 {
		return nil
	}
	var fresh []rapport.Person
	for i, ago := range []time.Duration{4 * time.Minute, 38 * time.Minute, 5 * time.Hour} {
		p := s.g.Person(rapport.KindLead, u.ID)
		p.CreatedAt = s.now.Add(-ago - time.Duration(i)*time.Second).UTC()
		p.ArrivedAt = p.CreatedAt
		fresh = append(fresh, p)
	}
	return s.db.BulkCreatePeople(ctx, rapport.Member(s.org, u), fresh)
}

type plannedCall struct {
	at     time.Time
	user   int64
	person *rapport.Person
	// arrival is the first call to a lead that has just arrived: no
	// promise comes before it.
	arrival bool
}

// history logs eight weeks of calls, texts and meetings, in time order, so
// that stages, promises and activity evolve as they would have.
func (s *seeder) history(ctx context.Context) error {
	var plan []plannedCall
	today := rapport.DayOf(s.now, s.loc)
	// Users in order, not the map's: the generator's draws must come in
	// the same order every time for the seed to be the same.
	for _, u := range s.users {
		uid, people := u.ID, s.owned[u.ID]
		var eligible []*rapport.Person
		for i := range people {
			if people[i].ReferredByID == 0 && s.now.Sub(people[i].CreatedAt) > 60*24*time.Hour {
				eligible = append(eligible, &people[i])
			}
		}
		// Each lead that arrived is called minutes or hours after it came
		// (sooner by day than by evening), and twice more on later days.
		for _, p := range s.arrivals[uid] {
			wait := time.Duration(2+s.g.IntN(25)) * time.Minute
			if s.g.Chance(0.3) {
				wait = time.Duration(1+s.g.IntN(5)) * time.Hour
			}
			at := p.ArrivedAt.Add(wait)
			plan = append(plan, plannedCall{at: at, user: uid, person: p, arrival: true},
				plannedCall{at: at.Add(time.Duration(26+s.g.IntN(40)) * time.Hour), user: uid, person: p},
				plannedCall{at: at.Add(time.Duration(100+s.g.IntN(100)) * time.Hour), user: uid, person: p})
		}
		for d := 56; d >= 1; d-- {
			day := today.AddDays(-d)
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			calls := 9 + s.g.IntN(9)
			for i := 0; i < calls; i++ {
				at := day.Start(s.loc).Add(time.Duration(9*60+s.g.IntN(10*60)) * time.Minute)
				plan = append(plan, plannedCall{at: at, user: uid, person: eligible[s.g.IntN(len(eligible))]})
			}
		}
	}
	sort.SliceStable(plan, func(i, j int) bool { return plan[i].at.Before(plan[j].at) })
	last := map[int64]time.Time{} // each person's latest call
	for _, pc := range plan {
		if pc.at.After(s.now) {
			continue
		}
		// Half the calls keep a promise that has come due, as someone who
		// works their follow-ups would; the rest go down the list.
		if p := s.duePromise(pc); s.g.Chance(0.5) && p != nil && !pc.arrival {
			pc.person = p
		}
		// No one is called twice within a few hours.
		if t, ok := last[pc.person.ID]; ok && pc.at.Sub(t) < 4*time.Hour {
			continue
		}
		last[pc.person.ID] = pc.at
		if err := s.logOne(ctx, pc); err != nil {
			return err
		}
	}
	return nil
}

// reachable reports whether p ever picks up, drawn once per person: a
// third of leads and a quarter of recruits never do; nearly everyone
// who knows the agent does.
func (s *seeder) reachable(p *rapport.Person) bool {
	if s.unreachable == nil {
		s.unreachable = map[int64]bool{}
	}
	if v, ok := s.unreachable[p.ID]; ok {
		return !v
	}
	never := map[rapport.Kind]float64{rapport.KindLead: 0.33, rapport.KindRecruit: 0.15}[p.Kind]
	if never == 0 {
		never = 0.05
	}
	s.unreachable[p.ID] = s.g.Chance(never)
	return !s.unreachable[p.ID]
}

// factType is the kind of fact a live conversation brings out: most
// often a passion, fear or motivation still missing from the story.
func (s *seeder) factType(p *rapport.Person) rapport.FactType {
	if s.known == nil {
		s.known = map[int64]map[rapport.FactType]bool{}
	}
	if s.known[p.ID] == nil {
		s.known[p.ID] = map[rapport.FactType]bool{}
	}
	t := pick(s.g, rapport.FactTypes[:7])
	if s.g.Chance(0.75) {
		for _, core := range []rapport.FactType{rapport.FactPassion, rapport.FactFear, rapport.FactMotivation} {
			if !s.known[p.ID][core] {
				t = core
				break
			}
		}
	}
	s.known[p.ID][t] = true
	return t
}

// promise is a callback the history promised and has not yet kept.
type promise struct {
	person *rapport.Person
	due    rapport.Day
}

// duePromise returns the person whose promised callback from the call's
// user has been due longest on the call's day, or nil.
func (s *seeder) duePromise(pc plannedCall) *rapport.Person {
	day := rapport.DayOf(pc.at, s.loc)
	var best *promise
	for i, p := range s.promised[pc.user] {
		if p.due <= day && (best == nil || p.due < best.due) {
			best = &s.promised[pc.user][i]
		}
	}
	if best == nil {
		return nil
	}
	return best.person
}

func (s *seeder) logOne(ctx context.Context, pc plannedCall) error {
	g, p := s.g, pc.person
	c := rapport.Conversation{PersonID: p.ID, Channel: rapport.ChannelCall, Direction: rapport.DirectionOutbound, OccurredAt: pc.at}
	r := g.rng.Float64()
	if !s.reachable(p) && r >= 0.58 {
		r = g.rng.Float64() * 0.58 // no answer or voicemail
	}
	switch {
	case r < 0.40:
		c.Outcome = rapport.OutcomeNoAnswer
	case r < 0.58:
		c.Outcome = rapport.OutcomeVoicemail
	case r < 0.62:
		c.Channel, c.Outcome = rapport.ChannelText, rapport.OutcomeNone
	case r < 0.90:
		c.Outcome = rapport.OutcomeLive
	case r < 0.96:
		c.Outcome = rapport.OutcomeAppointment
	case r < 0.99:
		c.Channel, c.Outcome = rapport.ChannelMeeting, rapport.OutcomeNone
	default:
		c.Outcome = rapport.OutcomeBadNumber
	}
	if p.Kind == rapport.KindRecruit && r >= 0.90 && r < 0.99 && g.Chance(0.8) {
		// An agent at another brokerage agrees to meet far less readily
		// than a buyer does.
		c.Channel, c.Outcome = rapport.ChannelCall, rapport.OutcomeLive
	}
	in := store.LogInput{Loc: s.loc}
	if rapport.IsLive(c.Channel, c.Outcome) {
		c.Notes = g.Notes(p.Kind)
		c.DurationSeconds = 60 * (3 + g.IntN(25))
		c.Temperature = pick(g, rapport.Temperatures)
		if g.Chance(0.6) {
			in.Facts = append(in.Facts, g.Fact(p.Kind, s.factType(p)))
		}
		if g.Chance(0.35) {
			due := rapport.DayOf(pc.at, s.loc).AddDays([]int{7, 14, 30}[g.IntN(3)])
			fu := &rapport.FollowUp{Kind: rapport.FollowUpCall, DueOn: due}
			if g.Chance(0.2) {
				theirs := clientPromises
				if p.Kind == rapport.KindRecruit {
					theirs = recruitPromises
				}
				fu.Owes, fu.Note = rapport.OwesThem, pick(g, theirs)
			}
			in.FollowUp = fu
		}
	}
	// One call in four with an objection: which one follows from the
	// person, so that the random story stays as it was.
	if (rapport.IsLive(c.Channel, c.Outcome) || c.Outcome == rapport.OutcomeBadNumber) && c.Channel == rapport.ChannelCall && p.ID%4 == 0 {
		objs := demoPlaybook.Objections(rapport.AudienceFor(p.Kind))
		c.Objection = objs[int(p.ID/4)%len(objs)].Key
	}
	in.Conversation = c
	if _, err := s.db.LogConversation(ctx, rapport.Actor{Org: s.org.ID, User: pc.user}, &in); err != nil {
		return err
	}
	if s.promised == nil {
		s.promised = map[int64][]promise{}
	}
	mine := s.promised[pc.user]
	if c.IsLive() {
		// A live conversation keeps the promises to call that are due.
		day := rapport.DayOf(pc.at, s.loc)
		kept := mine[:0]
		for _, pr := range mine {
			if pr.person != p || pr.due > day {
				kept = append(kept, pr)
			}
		}
		mine = kept
	}
	if f := in.FollowUp; f != nil && f.Owes == rapport.OwesMe {
		mine = append(mine, promise{person: p, due: f.DueOn})
	}
	s.promised[pc.user] = mine
	return nil
}

// today sets up what makes a Monday interesting: promises due today and
// overdue, a meeting, a promise the other side made, and a birthday.
func (s *seeder) today(ctx context.Context, u *rapport.User) error {
	today := rapport.DayOf(s.now, s.loc)
	people := s.owned[u.ID]
	g := s.g
	add := func(p *rapport.Person, f rapport.FollowUp) error {
		f.PersonID = p.ID
		return s.db.CreateFollowUp(ctx, rapport.Member(s.org, u), &f)
	}
	for i := 0; i < 2; i++ {
		if err := add(&people[g.IntN(len(people))], rapport.FollowUp{DueOn: today, Note: "call back as promised"}); err != nil {
			return err
		}
	}
	if err := add(&people[g.IntN(len(people))], rapport.FollowUp{DueOn: today.AddDays(-3), Kind: rapport.FollowUpEmail, Note: "send the market report"}); err != nil {
		return err
	}
	if err := add(&people[g.IntN(len(people))], rapport.FollowUp{DueOn: today, Kind: rapport.FollowUpMeeting, DueTime: "16:30", Note: "coffee at Intelligentsia"}); err != nil {
		return err
	}
	if err := add(&people[g.IntN(len(people))], rapport.FollowUp{DueOn: today.AddDays(-1), Owes: rapport.OwesThem, Note: "send her list of agents I should call"}); err != nil {
		return err
	}
	// A birthday today.
	p, err := s.db.Person(ctx, rapport.Actor{Org: s.org.ID}, people[g.IntN(len(people))].ID)
	if err != nil {
		return err
	}
	y, m, d := s.now.In(s.loc).Date()
	p.Birthday = rapport.Anniversary{Year: y - 30 - g.IntN(30), Month: m, Day: d}
	if err := s.db.AddFact(ctx, rapport.Member(s.org, u), &rapport.Fact{PersonID: p.ID, Type: rapport.FactFamily, Text: "Celebrates birthdays with a big family dinner"}); err != nil {
		return err
	}
	return s.db.UpdatePerson(ctx, rapport.Member(s.org, u), p)
}
