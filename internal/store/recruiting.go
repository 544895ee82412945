package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// ProspectFilter narrows the prospect view: agents at other brokerages.
type ProspectFilter struct {
	Market string
	// CompanyID is an office, or a brokerage with all its offices.
	CompanyID int64
	MinUnits  int
	// NotTalkedDays keeps agents with no live conversation in that many
	// days (-1: never talked to; 0: no condition).
	NotTalkedDays int
	StageID       int64
	OwnerID       int64
	// Sort is "volume" (the default) or "units", largest first.
	Sort   string
	Limit  int
	Cursor string
}

// ProspectPage is a page of ranked prospects. Rank is the position of
// the page's first agent in the whole ranking (1-based).
type ProspectPage struct {
	People []rapport.Person
	Rank   int
	Next   string
}

// Prospects ranks the organisation's agent prospects by 12-month volume or
// units, a page at a time. Agents who joined us are left out unless the
// stage filter asks for them.
func (db *DB) Prospects(ctx context.Context, act rapport.Actor, f ProspectFilter) (*ProspectPage, error) {
	orgID := act.Org
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	col := "volume_12m"
	switch f.Sort {
	case "", "volume":
	case "units":
		col = "units_12m"
	default:
		return nil, invalidField("sort", "Rank by volume or units.")
	}
	var cur struct {
		set       bool
		value, id int64
		rank      int
	}
	if f.Cursor != "" {
		parts := strings.Split(f.Cursor, ".")
		ok := len(parts) == 3
		if ok {
			var e1, e2, e3 error
			cur.value, e1 = strconv.ParseInt(parts[0], 10, 64)
			cur.id, e2 = strconv.ParseInt(parts[1], 10, 64)
			cur.rank, e3 = strconv.Atoi(parts[2])
			ok = e1 == nil && e2 == nil && e3 == nil && cur.rank > 0
		}
		if !ok {
			return nil, invalidField("cursor", "This page link has expired; start from the first page.")
		}
		cur.set = true
	}
	var people []rapport.Person
	q := db.ro.NewSelect().Model(&people).ExcludeColumn("search_doc").
		Where("person.org_id = ? AND person.kind = ? AND person.archived_at IS NULL", orgID, rapport.KindRecruit)
	var scope []int64
	if f.CompanyID != 0 {
		c, err := db.Company(ctx, rapport.Actor{Org: orgID}, f.CompanyID)
		if err != nil {
			return nil, err
		}
		if scope, err = db.companyScope(ctx, orgID, c); err != nil {
			return nil, err
		}
	}
	if f.Market != "" {
		all, err := db.allCompanies(ctx, orgID)
		if err != nil {
			return nil, err
		}
		in := map[int64]bool{}
		for _, id := range scope {
			in[id] = true
		}
		var market []int64
		for _, c := range all {
			m := c.Market
			if m == "" && c.Parent != nil {
				m = c.Parent.Market
			}
			if m == f.Market && (len(scope) == 0 || in[c.ID]) {
				market = append(market, c.ID)
			}
		}
		scope = append(market, -1) // -1: none, so an empty market matches nobody
	}
	if len(scope) > 0 {
		q.Where("person.company_id IN (?)", bun.List(scope))
	}
	if f.MinUnits > 0 {
		q.Where("person.units_12m >= ?", f.MinUnits)
	}
	switch {
	case f.NotTalkedDays < 0:
		q.Where("person.last_live_at IS NULL")
	case f.NotTalkedDays > 0:
		q.Where("(person.last_live_at IS NULL OR person.last_live_at < ?)", db.now().UTC().AddDate(0, 0, -f.NotTalkedDays))
	}
	if f.OwnerID != 0 {
		q.Where("person.owner_id = ?", f.OwnerID)
	}
	if act.Only != 0 {
		q.Where("person.owner_id = ?", act.Only)
	}
	if f.StageID != 0 {
		q.Where("person.stage_id = ?", f.StageID)
	} else if joined, err := db.stageIDs(ctx, orgID, rapport.StageJoined); err != nil {
		return nil, err
	} else if len(joined) > 0 {
		q.Where("(person.stage_id IS NULL OR person.stage_id NOT IN (?))", bun.List(joined))
	}
	if cur.set {
		// A row value, which both databases read as a range of the
		// ranking index.
		q.Where("(person."+col+", person.id) < (?, ?)", cur.value, cur.id)
	}
	if err := q.OrderExpr("person." + col + " DESC, person.id DESC").Limit(int64(limit + 1)).Scan(ctx); err != nil {
		return nil, err
	}
	page := &ProspectPage{People: people, Rank: 1}
	if cur.set {
		page.Rank = cur.rank
	}
	if len(people) > limit {
		page.People = people[:limit]
		last := page.People[limit-1]
		v := last.Volume12m
		if col == "units_12m" {
			v = int64(last.Units12m)
		}
		page.Next = fmt.Sprintf("%d.%d.%d", v, last.ID, page.Rank+limit)
	}
	return page, db.decorate(ctx, orgID, page.People)
}

// decorate loads phones, emails, tags, stages and companies for a page of
// people.
func (db *DB) decorate(ctx context.Context, orgID int64, people []rapport.Person) error {
	if err := db.loadDetails(ctx, db.ro, orgID, people); err != nil {
		return err
	}
	pipes, err := db.Pipelines(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return err
	}
	stages := Stages(pipes)
	for i := range people {
		people[i].Stage = stages[people[i].StageID]
	}
	return db.attachCompanies(ctx, orgID, people)
}

// stageIDs returns the ids of the organisation's stages with the key.
func (db *DB) stageIDs(ctx context.Context, orgID int64, key string) ([]int64, error) {
	pipes, err := db.Pipelines(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, p := range pipes {
		for _, s := range p.Stages {
			if s.Key == key {
				ids = append(ids, s.ID)
			}
		}
	}
	return ids, nil
}

// CompanyAgents lists the agents at a company (a brokerage's offices
// included) the actor sees, largest 12-month volume first.
func (db *DB) CompanyAgents(ctx context.Context, act rapport.Actor, companyID int64, limit int) (*ProspectPage, error) {
	page, err := db.Prospects(ctx, act, ProspectFilter{CompanyID: companyID, Limit: limit})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// BoardColumn is one stage of the recruiting board: how many agents are in
// it and the largest producers among them.
type BoardColumn struct {
	Stage  rapport.Stage
	Count  int
	People []rapport.Person
}

// RecruitingBoard returns the recruiting pipeline's stages with their
// counts, and for the open stages the perColumn agents with the largest
// 12-month volume (ownerID, when set, keeps that user's agents only; an actor who sees only their own people sees only theirs).
// Agents in a closed stage (they joined us) leave the columns and are
// only counted; "Not now" stays a column to drop people into.
func (db *DB) RecruitingBoard(ctx context.Context, act rapport.Actor, ownerID int64, perColumn int) ([]BoardColumn, error) {
	orgID := act.Org
	if act.Only != 0 {
		ownerID = act.Only
	}
	pipes, err := db.Pipelines(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	var stages []rapport.Stage
	for _, p := range pipes {
		if p.Kind == rapport.PipelineRecruiting {
			stages = p.Stages
		}
	}
	if len(stages) == 0 {
		return nil, nil
	}
	base := func(q *bun.SelectQuery) *bun.SelectQuery {
		q.Where("person.org_id = ? AND person.kind = ? AND person.archived_at IS NULL", orgID, rapport.KindRecruit)
		if ownerID != 0 {
			q.Where("person.owner_id = ?", ownerID)
		}
		return q
	}
	var counts []struct {
		StageID int64 `bun:"stage_id"`
		N       int   `bun:"n"`
	}
	if err := base(db.ro.NewSelect().TableExpr("people AS person")).ColumnExpr("person.stage_id, COUNT(*) AS n").
		GroupExpr("person.stage_id").Scan(ctx, &counts); err != nil {
		return nil, err
	}
	byStage := map[int64]int{}
	for _, c := range counts {
		byStage[c.StageID] = c.N
	}
	cols := make([]BoardColumn, len(stages))
	var all []rapport.Person
	for i, s := range stages {
		cols[i] = BoardColumn{Stage: s, Count: byStage[s.ID]}
		if s.Closed || cols[i].Count == 0 {
			continue
		}
		var people []rapport.Person
		if err := base(db.ro.NewSelect().Model(&people).ExcludeColumn("search_doc")).Where("person.stage_id = ?", s.ID).
			OrderExpr("person.volume_12m DESC, person.id DESC").Limit(int64(perColumn)).Scan(ctx); err != nil {
			return nil, err
		}
		cols[i].People = people
		all = append(all, people...)
	}
	if err := db.attachCompanies(ctx, orgID, all); err != nil {
		return nil, err
	}
	k := 0
	for i := range cols {
		for j := range cols[i].People {
			cols[i].People[j].Company = all[k].Company
			k++
		}
	}
	return cols, nil
}

// MoveOnBoard moves an agent to another recruiting stage, keeping the
// reason on their timeline.
func (db *DB) MoveOnBoard(ctx context.Context, act rapport.Actor, personID int64, stageID int64, reason string) error {
	orgID, actorID := act.Org, act.User
	if strings.TrimSpace(reason) == "" {
		reason = "Moved on the recruiting board"
	}
	return db.SetStage(ctx, rapport.Actor{Org: orgID, User: actorID}, personID, stageID, reason)
}

// Referrer is someone who gave us names, with how far those people got.
type Referrer struct {
	Person rapport.PersonRef
	Total  int
	// Talked counts the referred people we have had a live conversation
	// with; Meeting those who reached an appointment or meeting stage or
	// beyond; Won those who became clients or joined us.
	Talked  int
	Meeting int
	Won     int
	Latest  time.Time
}

// Referrers lists the people who referred others to us, most referrals
// first. With visibleTo set (see PeopleFilter), both the referrers and the
// people they referred are that user's own.
func (db *DB) Referrers(ctx context.Context, act rapport.Actor) ([]Referrer, error) {
	orgID, visibleTo := act.Org, act.Only
	var rows []struct {
		ReferredByID int64     `bun:"referred_by_id"`
		StageID      int64     `bun:"stage_id"`
		Talked       bool      `bun:"talked"`
		N            int       `bun:"n"`
		Latest       time.Time `bun:"latest"`
	}
	q := db.ro.NewSelect().Table("people").
		ColumnExpr("referred_by_id, stage_id, last_live_at IS NOT NULL AS talked, COUNT(*) AS n, MAX(created_at) AS latest").
		Where("org_id = ? AND referred_by_id IS NOT NULL AND archived_at IS NULL", orgID)
	if visibleTo != 0 {
		q.Where("owner_id = ? AND referred_by_id IN (SELECT id FROM people WHERE org_id = ? AND owner_id = ?)", visibleTo, orgID, visibleTo)
	}
	if err := q.GroupExpr("referred_by_id, stage_id, last_live_at IS NOT NULL").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	pipes, err := db.Pipelines(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	stages := Stages(pipes)
	by := map[int64]*Referrer{}
	var order []int64
	for _, r := range rows {
		ref := by[r.ReferredByID]
		if ref == nil {
			ref = &Referrer{Person: rapport.PersonRef{ID: r.ReferredByID}}
			by[r.ReferredByID] = ref
			order = append(order, r.ReferredByID)
		}
		ref.Total += r.N
		if r.Talked {
			ref.Talked += r.N
		}
		if s := stages[r.StageID]; s != nil {
			switch {
			case s.Key == rapport.StageJoined || s.Key == rapport.StageClosed || s.Key == rapport.StageActive || s.Key == rapport.StageUnderContract:
				ref.Won += r.N
				ref.Meeting += r.N
			case s.Key == rapport.StageMeeting || s.Key == rapport.StageOffer || s.Key == rapport.StageAppointment:
				ref.Meeting += r.N
			}
		}
		if r.Latest.After(ref.Latest) {
			ref.Latest = r.Latest
		}
	}
	names, err := db.personNames(ctx, orgID, order)
	if err != nil {
		return nil, err
	}
	out := make([]Referrer, 0, len(order))
	for _, id := range order {
		r := by[id]
		r.Person.Name = names[id]
		out = append(out, *r)
	}
	sortReferrers(out)
	return out, nil
}

func sortReferrers(rs []Referrer) {
	slices.SortStableFunc(rs, func(a, b Referrer) int {
		if c := cmp.Compare(b.Total, a.Total); c != 0 {
			return c
		}
		return strings.Compare(a.Person.Name, b.Person.Name)
	})
}

// Referred lists everyone a person referred, newest first, with their
// stage. With visibleTo set (see PeopleFilter), the referrer and the
// people listed are that user's own.
func (db *DB) Referred(ctx context.Context, act rapport.Actor, referrerID int64, limit int) ([]rapport.Person, error) {
	orgID, visibleTo := act.Org, act.Only
	if err := db.CheckVisible(ctx, rapport.Actor{Org: orgID, Only: visibleTo}, referrerID); err != nil {
		return nil, err
	}
	var people []rapport.Person
	read, args := readReferred, []any{orgID, referrerID, max(limit, 1)}
	if visibleTo != 0 {
		read, args = readReferredOwned, []any{orgID, referrerID, visibleTo, max(limit, 1)}
	}
	if err := db.readAll(ctx, db.ro, &people, read, args...); err != nil {
		return nil, err
	}
	return people, db.decorate(ctx, orgID, people)
}

// readReferred reads whom a person referred (every person's page asks),
// newest first, of all the organisation's people or (readReferredOwned)
// of one user's: the organisation, the referrer, the user, how many.
var readReferred, readReferredOwned = referredRead(false), referredRead(true)

func referredRead(owned bool) *hotRead {
	return newHotRead(func(q bun.IDB) string {
		s := q.NewSelect().Model((*rapport.Person)(nil)).ExcludeColumn("search_doc").
			Where("person.org_id = ? AND person.referred_by_id = ? AND person.archived_at IS NULL", ph, ph)
		if owned {
			s.Where("person.owner_id = ?", ph)
		}
		return s.OrderExpr("person.created_at DESC, person.id DESC").String() + " LIMIT ?"
	})
}

// ProductionHistory returns an agent's production, oldest period first.
func (db *DB) ProductionHistory(ctx context.Context, act rapport.Actor, personID int64) ([]rapport.Production, error) {
	orgID := act.Org
	if err := db.CheckVisible(ctx, act, personID); err != nil {
		return nil, err
	}
	var ps []rapport.Production
	b := &bound{}
	q := db.ro.NewSelect().Model(&ps).ModelTableExpr("production").Where("org_id = ? AND person_id = ?", b.v(orgID), b.v(personID)).Order("period")
	return ps, db.readBound(ctx, &ps, q.String(), b)
}

// AddToToday puts a person on the user's Today by promising them a call
// today (unless one is already open for today or earlier). Someone marked
// do not call is refused: Today would never show them.
func (db *DB) AddToToday(ctx context.Context, act rapport.Actor, personID int64, note string) error {
	org, user, err := db.member(ctx, act)
	if err != nil {
		return err
	}
	var dnc bool
	q := db.ro.NewSelect().Table("people").Column("do_not_call").Where("org_id = ? AND id = ?", org.ID, personID)
	if act.Only != 0 {
		q.Where("owner_id = ?", act.Only)
	}
	if err := q.Scan(ctx, &dnc); err != nil {
		return notFound(err, "person")
	}
	if dnc {
		return rapport.Errorf(rapport.EINVALID, "They are marked do not call, so they cannot go on Today for a call.")
	}
	today := rapport.DayOf(db.now(), user.Location(org))
	open, err := db.ro.NewSelect().Table("follow_ups").
		Where("org_id = ? AND user_id = ? AND person_id = ? AND status = 'open' AND due_on <= ?", org.ID, user.ID, personID, today).Exists(ctx)
	if err != nil || open {
		return err
	}
	return db.CreateFollowUp(ctx, act, &rapport.FollowUp{PersonID: personID, UserID: user.ID, DueOn: today,
		Kind: rapport.FollowUpCall, Owes: rapport.OwesMe, Note: note})
}

// SetRecruitingTargets saves a user's weekly recruiting targets.
func (db *DB) SetRecruitingTargets(ctx context.Context, act rapport.Actor, u *rapport.User) error {
	orgID := act.Org
	if !act.Runs() {
		return rapport.ErrNotManager
	}
	check := *u
	check.WeeklyGoal, check.TodaySize, check.TZ = max(check.WeeklyGoal, 1), max(check.TodaySize, 3), ""
	if err := check.ValidateSettings(); err != nil {
		return err
	}
	res, err := db.rw.NewUpdate().Model(u).Column("recruit_live_target", "recruit_meeting_target", "recruit_offer_target").
		Where("org_id = ? AND id = ?", orgID, u.ID).Exec(ctx)
	return affected(res, err, "user")
}

// RecruitingWeeks counts, for each user, the week containing at (in the
// user's own time zone): live conversations with agent prospects,
// meetings held with them, and offers made.
func (db *DB) RecruitingWeeks(ctx context.Context, act rapport.Actor, users []rapport.User, at time.Time) ([]rapport.RecruitingWeek, error) {
	org, err := db.reportOrg(ctx, act, users)
	if err != nil {
		return nil, err
	}
	out := make([]rapport.RecruitingWeek, len(users))
	for i := range users {
		u := &users[i]
		start := rapport.WeekStart(at, u.Location(org))
		end := rapport.DayOf(start, u.Location(org)).AddDays(7).Start(u.Location(org))
		w := rapport.RecruitingWeek{User: u, Start: start}
		conv := func() *bun.SelectQuery {
			return db.ro.NewSelect().TableExpr("conversations AS c").
				Join("JOIN people AS p ON p.org_id = c.org_id AND p.id = c.person_id").
				Where("c.org_id = ? AND c.user_id = ? AND c.live = ? AND p.kind = ? AND c.occurred_at >= ? AND c.occurred_at < ?",
					org.ID, u.ID, true, rapport.KindRecruit, start.UTC(), end.UTC())
		}
		live, err := conv().Count(ctx)
		if err != nil {
			return nil, err
		}
		meetings, err := conv().Where("c.channel = ?", rapport.ChannelMeeting).Count(ctx)
		if err != nil {
			return nil, err
		}
		// An offer is a prospect moved to the offer stage; moved there
		// twice in a week (a revised offer) is still one.
		var offers int
		err = db.ro.NewSelect().TableExpr("stage_changes AS sc").
			Join("JOIN stages AS s ON s.org_id = sc.org_id AND s.id = sc.to_stage_id").
			ColumnExpr("COUNT(DISTINCT sc.person_id)").
			Where("sc.org_id = ? AND sc.user_id = ? AND s.key = ? AND sc.at >= ? AND sc.at < ?",
				org.ID, u.ID, rapport.StageOffer, start.UTC(), end.UTC()).Scan(ctx, &offers)
		if err != nil {
			return nil, err
		}
		w.Live, w.Meetings, w.Offers = int(live), int(meetings), offers
		out[i] = w
	}
	return out, nil
}

// PersonStage returns the stage a person is in now (nil for none).
func (db *DB) PersonStage(ctx context.Context, act rapport.Actor, personID int64) (*rapport.Stage, error) {
	orgID := act.Org
	p := new(rapport.Person)
	if err := db.ro.NewSelect().Model(p).Column("stage_id").Where("org_id = ? AND id = ?", orgID, personID).Scan(ctx); err != nil {
		return nil, notFound(err, "person")
	}
	pipes, err := db.Pipelines(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	return Stages(pipes)[p.StageID], nil
}
