package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Today returns the user's focus list for now: candidates gathered from
// each source with bounded, indexed queries, then chosen and ordered by
// rapport.BuildToday.
func (db *DB) Today(ctx context.Context, org *rapport.Org, user *rapport.User, now time.Time) ([]rapport.TodayEntry, error) {
	cands, err := db.TodayCandidates(ctx, org, user, now)
	if err != nil {
		return nil, err
	}
	entries := rapport.BuildToday(rapport.TodayParams{
		Now: now, UserLoc: user.Location(org), OrgLoc: org.Location(), Size: user.TodaySize,
	}, cands)
	// Phones, emails and stages only for the people chosen.
	people := make([]rapport.Person, len(entries))
	for i := range entries {
		people[i] = *entries[i].Person
	}
	if err := db.loadDetails(ctx, db.ro, org.ID, people); err != nil {
		return nil, err
	}
	pipes, err := db.Pipelines(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	stages := Stages(pipes)
	for i := range entries {
		people[i].Stage = stages[people[i].StageID]
		entries[i].Person = &people[i]
	}
	return entries, nil
}

// TodayCandidates gathers everyone who may belong on the user's Today
// (without their phones and emails, which only the chosen need):
// people with the user's follow-ups due today or earlier, and among the
// people the user owns: never-attempted leads and referrals, quiet
// top-fifth recruits, birthdays and home anniversaries today, and those
// past their keep-in-touch date. Each source is capped at a few times the
// list size, in the order the rules rank it, so the work stays bounded
// however large the book is.
func (db *DB) TodayCandidates(ctx context.Context, org *rapport.Org, user *rapport.User, now time.Time) ([]rapport.Candidate, error) {
	orgID, userID := org.ID, user.ID
	today := rapport.DayOf(now, user.Location(org))
	per := int64(max(5*user.TodaySize, 50))
	nowUTC := now.UTC()

	// Follow-ups due today first, so that a long backlog of overdue ones
	// cannot crowd out today's meetings and promises; then the backlog,
	// longest overdue first.
	var fus, overdue []rapport.FollowUp
	if err := db.ro.NewSelect().Model(&fus).
		Where("org_id = ? AND user_id = ? AND status = 'open' AND due_on = ?", orgID, userID, today).
		OrderExpr("due_time, id").Limit(4 * per).Scan(ctx); err != nil {
		return nil, err
	}
	if err := db.ro.NewSelect().Model(&overdue).
		Where("org_id = ? AND user_id = ? AND status = 'open' AND due_on < ?", orgID, userID, today).
		OrderExpr("due_on, id").Limit(4 * per).Scan(ctx); err != nil {
		return nil, err
	}
	fus = append(fus, overdue...)
	ids := newIDSet()
	for _, f := range fus {
		ids.add(f.PersonID)
	}
	owned := func() *bun.SelectQuery {
		return db.ro.NewSelect().Table("people").Column("id").
			Where("org_id = ? AND owner_id = ? AND archived_at IS NULL AND do_not_call = ?", orgID, userID, false)
	}
	collect := func(q *bun.SelectQuery) error {
		var got []int64
		if err := q.Scan(ctx, &got); err != nil {
			return err
		}
		ids.add(got...)
		return nil
	}
	// Never attempted: leads (newest first) and referrals.
	if err := collect(owned().Where("first_attempt_at IS NULL AND last_live_at IS NULL AND (kind = 'lead' OR referred_by_id IS NOT NULL)").
		OrderExpr("created_at DESC").Limit(per)); err != nil {
		return nil, err
	}
	// Keep-in-touch dates that have passed, longest overdue first.
	if err := collect(owned().Where("touch_due_at IS NOT NULL AND touch_due_at <= ?", nowUTC).
		OrderExpr("touch_due_at").Limit(per)); err != nil {
		return nil, err
	}
	// Birthdays and home anniversaries today.
	y, m, d := today.Start(time.UTC).Date()
	days := []int{d}
	if m == time.February && d == 28 && time.Date(y, 2, 29, 0, 0, 0, 0, time.UTC).Month() == time.March {
		days = append(days, 29)
	}
	// The "> 0" terms name the partial indexes' conditions, so SQLite
	// knows it may use them.
	if err := collect(owned().Where("birthday_month > 0 AND birthday_month = ? AND birthday_day IN (?)", int(m), bun.List(days)).Limit(per)); err != nil {
		return nil, err
	}
	if err := collect(owned().Where("home_month > 0 AND home_month = ? AND home_day IN (?)", int(m), bun.List(days)).Limit(per)); err != nil {
		return nil, err
	}
	// Top-fifth recruits by 12-month volume with no live conversation in
	// the quiet period.
	threshold, err := db.topFifthVolume(ctx, orgID)
	if err != nil {
		return nil, err
	}
	top := map[int64]bool{}
	if threshold > 0 {
		var got []int64
		if err := owned().Where("kind = 'recruit' AND volume_12m > 0 AND volume_12m >= ? AND (last_live_at IS NULL OR last_live_at < ?)",
			threshold, nowUTC.Add(-rapport.TopProducerQuiet)).OrderExpr("volume_12m DESC").Limit(per).Scan(ctx, &got); err != nil {
			return nil, err
		}
		ids.add(got...)
		for _, id := range got {
			top[id] = true
		}
	}
	if len(ids.list) == 0 {
		return nil, nil
	}

	var people []rapport.Person
	if err := db.ro.NewSelect().Model(&people).ModelTableExpr(db.byIDTable()).ExcludeColumn("search_doc").
		Where("org_id = ? AND id IN (?)", orgID, bun.List(ids.list)).Scan(ctx); err != nil {
		return nil, err
	}
	var recent []rapport.Conversation
	if err := db.ro.NewSelect().Model(&recent).Column("person_id", "occurred_at", "channel", "direction", "outcome", "live").
		Where("org_id = ? AND person_id IN (?) AND occurred_at >= ?", orgID, bun.List(ids.list), nowUTC.Add(-rapport.BackOffWindow)).
		Scan(ctx); err != nil {
		return nil, err
	}
	var refIDs []int64
	for _, p := range people {
		if p.ReferredByID != 0 {
			refIDs = append(refIDs, p.ReferredByID)
		}
	}
	refNames, err := db.personNames(ctx, orgID, refIDs)
	if err != nil {
		return nil, err
	}

	byID := map[int64]*rapport.Candidate{}
	cands := make([]rapport.Candidate, len(people))
	for i := range people {
		p := &people[i]
		cands[i] = rapport.Candidate{Person: p, TopProducer: top[p.ID], Referrer: refNames[p.ReferredByID]}
		byID[p.ID] = &cands[i]
	}
	for _, f := range fus {
		if c := byID[f.PersonID]; c != nil {
			c.FollowUps = append(c.FollowUps, f)
		}
	}
	for _, r := range recent {
		if c := byID[r.PersonID]; c != nil {
			c.Recent = append(c.Recent, rapport.Touch{At: r.OccurredAt, Channel: r.Channel, Direction: r.Direction, Outcome: r.Outcome, Live: r.Live})
		}
	}
	return cands, nil
}

// thresholdTTL is how long a computed top-fifth volume is reused: it moves
// only when production data is imported, and counting a large
// organisation's recruits on every Today would dominate its cost.
const thresholdTTL = 10 * time.Minute

type threshold struct {
	volume int64
	at     time.Time
}

// topFifthVolume returns the 12-month volume a recruit needs to be in the
// top fifth of the organisation's active recruits with any production, or
// 0 when there are none. It is cached for thresholdTTL, and forgotten when
// this server changes the organisation's people.
func (db *DB) topFifthVolume(ctx context.Context, orgID int64) (int64, error) {
	now := db.now()
	if v, ok := db.thresholds.Load(orgID); ok && now.Sub(v.(threshold).at) < thresholdTTL {
		return v.(threshold).volume, nil
	}
	vol, err := db.computeTopFifth(ctx, orgID)
	if err == nil {
		db.thresholds.Store(orgID, threshold{volume: vol, at: now})
	}
	return vol, err
}

func (db *DB) computeTopFifth(ctx context.Context, orgID int64) (int64, error) {
	q := func() *bun.SelectQuery {
		return db.ro.NewSelect().Table("people").
			Where("org_id = ? AND kind = 'recruit' AND archived_at IS NULL AND volume_12m > 0", orgID)
	}
	n, err := q().Count(ctx)
	if err != nil || n == 0 {
		return 0, err
	}
	var v []int64
	err = q().Column("volume_12m").OrderExpr("volume_12m DESC").Limit(1).Offset(int64(max((n+4)/5-1, 0))).Scan(ctx, &v)
	if err != nil || len(v) == 0 {
		return 0, err
	}
	return v[0], nil
}

// ContextCards loads what to know before calling each person: facts
// grouped by type, questions for what is unknown, the last conversation
// and open promises both ways.
func (db *DB) ContextCards(ctx context.Context, orgID int64, people []*rapport.Person) (map[int64]*rapport.ContextCard, error) {
	out := map[int64]*rapport.ContextCard{}
	if len(people) == 0 {
		return out, nil
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	var facts []rapport.Fact
	if err := db.ro.NewSelect().Model(&facts).Where("org_id = ? AND person_id IN (?)", orgID, bun.List(ids)).
		OrderExpr("learned_at DESC, id DESC").Scan(ctx); err != nil {
		return nil, err
	}
	var fus []rapport.FollowUp
	if err := db.ro.NewSelect().Model(&fus).Where("org_id = ? AND person_id IN (?) AND status = 'open'", orgID, bun.List(ids)).
		OrderExpr("due_on, id").Scan(ctx); err != nil {
		return nil, err
	}
	// The latest conversation per person: one indexed lookup each, which
	// for a page of ten is cheaper than a window over their histories.
	last := map[int64]*rapport.Conversation{}
	for _, id := range ids {
		c := new(rapport.Conversation)
		err := db.ro.NewSelect().Model(c).Where("org_id = ? AND person_id = ?", orgID, id).
			OrderExpr("occurred_at DESC, id DESC").Limit(1).Scan(ctx)
		if err == nil {
			last[id] = c
		} else if err := notFound(err, ""); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			return nil, err
		}
	}
	lastEvent := map[int64]*rapport.Event{}
	for _, id := range ids {
		es, err := db.Events(ctx, orgID, id, 1)
		if err != nil {
			return nil, err
		}
		if len(es) == 1 {
			lastEvent[id] = &es[0]
		}
	}
	for _, p := range people {
		var pf []rapport.Fact
		for _, f := range facts {
			if f.PersonID == p.ID {
				pf = append(pf, f)
			}
		}
		card := &rapport.ContextCard{Facts: rapport.GroupFacts(pf), Questions: rapport.UnknownEssentials(p.Kind, pf),
			LastConversation: last[p.ID], LastEvent: lastEvent[p.ID]}
		for _, f := range fus {
			if f.PersonID == p.ID {
				card.Promises = append(card.Promises, f)
			}
		}
		out[p.ID] = card
	}
	return out, nil
}

// idSet keeps ids in first-seen order without repeats.
type idSet struct {
	seen map[int64]bool
	list []int64
}

func newIDSet() *idSet { return &idSet{seen: map[int64]bool{}} }

func (s *idSet) add(ids ...int64) {
	for _, id := range ids {
		if !s.seen[id] {
			s.seen[id] = true
			s.list = append(s.list, id)
		}
	}
}
