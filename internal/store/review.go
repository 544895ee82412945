package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// StoryActiveDays is how recent a live conversation makes someone active
// for the share of people whose story is known.
const StoryActiveDays = 90

// Review computes the weekly review of the week containing at for users
// (one user, or a manager's team), with weeks counted in loc. Targets
// are the users' targets summed.
func (db *DB) Review(ctx context.Context, act rapport.Actor, users []rapport.User, loc *time.Location, at time.Time) (*rapport.Review, error) {
	org, err := db.reportOrg(ctx, act, users)
	if err != nil {
		return nil, err
	}
	now := db.now()
	in := rapport.ReviewInput{Now: now, Loc: loc, At: at}
	ids := make([]int64, len(users))
	for i := range users {
		ids[i] = users[i].ID
		in.Targets = in.Targets.Add(users[i].Targets())
	}
	if len(ids) == 0 {
		return rapport.BuildReview(in), nil
	}
	start := rapport.WeekStart(at, loc)
	startDay := rapport.DayOf(start, loc)
	end := startDay.AddDays(7).Start(loc)
	heatFrom := startDay.AddDays(-7 * (rapport.HeatWeeks - 1)).Start(loc)
	trendFrom := startDay.AddDays(-7 * (rapport.TrendWeeks - 1)).Start(loc)

	if in.Activities, err = db.activities(ctx, org, ids, heatFrom, end); err != nil {
		return nil, err
	}
	var added []struct {
		CreatedAt time.Time `bun:"created_at"`
		Referred  bool      `bun:"referred"`
	}
	if err := db.ro.NewSelect().Table("people").ColumnExpr("created_at, referred_by_id IS NOT NULL AS referred").
		Where("org_id = ? AND owner_id IN (?) AND created_at >= ? AND created_at < ?", org.ID, bun.List(ids), trendFrom.UTC(), end.UTC()).
		Scan(ctx, &added); err != nil {
		return nil, err
	}
	for _, a := range added {
		in.NewPeople = append(in.NewPeople, rapport.NewPerson{CreatedAt: a.CreatedAt, Referred: a.Referred})
	}
	promisesFrom := startDay.AddDays(-7 * rapport.BaselineWeeks)
	if err := db.ro.NewSelect().Table("follow_ups").Column("due_on", "done_at", "status").
		Where("org_id = ? AND user_id IN (?) AND owes = ?", org.ID, bun.List(ids), rapport.OwesMe).
		Where("((due_on >= ? AND due_on <= ?) OR status = ?)", promisesFrom, startDay.AddDays(6), rapport.FollowUpOpen).
		Scan(ctx, &in.Promises); err != nil {
		return nil, err
	}
	if in.Story, err = db.storyCounts(ctx, org.ID, ids, now); err != nil {
		return nil, err
	}
	var blocks []rapport.CallBlock
	if err := db.ro.NewSelect().Model(&blocks).Where("org_id = ? AND user_id IN (?)", org.ID, bun.List(ids)).
		Order("user_id", "weekday", "start_minute").Scan(ctx); err != nil {
		return nil, err
	}
	for i := range users {
		ub := rapport.UserBlocks{UserID: users[i].ID, Loc: users[i].Location(org)}
		for _, b := range blocks {
			if b.UserID == users[i].ID {
				ub.Blocks = append(ub.Blocks, b)
			}
		}
		if len(ub.Blocks) > 0 {
			in.Blocks = append(in.Blocks, ub)
		}
	}
	// The list is thin only against the attempts the goal needs, which
	// the review works out: count callable people up to that many.
	in.Callable = rapport.CallableUnknown
	r := rapport.BuildReview(in)
	if r.NeededAttempts > 0 {
		if in.Callable, err = db.callable(ctx, org.ID, ids, r.NeededAttempts); err != nil {
			return nil, err
		}
		if in.Callable < r.NeededAttempts {
			r = rapport.BuildReview(in)
		}
	}
	return r, nil
}

// activities loads the users' conversations between from and to, with
// the zone of the person each was with.
func (db *DB) activities(ctx context.Context, org *rapport.Org, ids []int64, from, to time.Time) ([]rapport.Activity, error) {
	var rows []struct {
		UserID    int64             `bun:"user_id"`
		PersonID  int64             `bun:"person_id"`
		At        time.Time         `bun:"occurred_at"`
		Channel   rapport.Channel   `bun:"channel"`
		Direction rapport.Direction `bun:"direction"`
		Outcome   rapport.Outcome   `bun:"outcome"`
		Live      bool              `bun:"live"`
		Seconds   int               `bun:"duration_seconds"`
		TZ        string            `bun:"tz"`
	}
	if err := db.ro.NewSelect().TableExpr("conversations AS c").
		Join("JOIN people AS p ON p.org_id = c.org_id AND p.id = c.person_id").
		ColumnExpr("c.user_id, c.person_id, c.occurred_at, c.channel, c.direction, c.outcome, c.live, c.duration_seconds, p.tz").
		Where("c.org_id = ? AND c.user_id IN (?) AND c.occurred_at >= ? AND c.occurred_at < ?", org.ID, bun.List(ids), from.UTC(), to.UTC()).
		Scan(ctx, &rows); err != nil {
		return nil, err
	}
	zones := map[string]*time.Location{}
	out := make([]rapport.Activity, len(rows))
	for i, r := range rows {
		loc, ok := zones[r.TZ]
		if !ok {
			loc = rapport.LoadTZ(r.TZ, org.Location())
			zones[r.TZ] = loc
		}
		out[i] = rapport.Activity{UserID: r.UserID, PersonID: r.PersonID, At: r.At, Channel: r.Channel, Direction: r.Direction,
			Outcome: r.Outcome, Live: r.Live, Seconds: r.Seconds, PersonLoc: loc}
	}
	return out, nil
}

// storyCounts counts the users' people by how well their story is known.
func (db *DB) storyCounts(ctx context.Context, orgID int64, ids []int64, now time.Time) (rapport.StoryCounts, error) {
	var sc rapport.StoryCounts
	essential := bun.List(rapport.EssentialFactTypes)
	talked := func() *bun.SelectQuery {
		return db.ro.NewSelect().TableExpr("people AS p").
			Where("p.org_id = ? AND p.owner_id IN (?) AND p.last_live_at IS NOT NULL AND p.archived_at IS NULL", orgID, bun.List(ids))
	}
	active := func() *bun.SelectQuery {
		return talked().Where("p.last_live_at >= ?", now.UTC().AddDate(0, 0, -StoryActiveDays))
	}
	n, err := active().Count(ctx)
	if err != nil {
		return sc, err
	}
	sc.Active = int(n)
	if n, err = active().Where("(SELECT COUNT(DISTINCT f.type) FROM facts AS f WHERE f.org_id = p.org_id AND f.person_id = p.id AND f.type IN (?)) = ?",
		essential, len(rapport.EssentialFactTypes)).Count(ctx); err != nil {
		return sc, err
	}
	sc.Known = int(n)
	if n, err = talked().Where("NOT EXISTS (SELECT 1 FROM facts AS f WHERE f.org_id = p.org_id AND f.person_id = p.id AND f.type IN (?))",
		essential).Count(ctx); err != nil {
		return sc, err
	}
	sc.Unknown = int(n)
	return sc, nil
}

// callable counts the users' people who can be called, up to limit: not
// archived, not do-not-call, with a number not marked bad.
func (db *DB) callable(ctx context.Context, orgID int64, ids []int64, limit int) (int, error) {
	var n int
	sub := db.ro.NewSelect().TableExpr("people AS p").ColumnExpr("1").
		Where("p.org_id = ? AND p.owner_id IN (?) AND p.archived_at IS NULL AND p.do_not_call = ?", orgID, bun.List(ids), false).
		Where("EXISTS (SELECT 1 FROM phones AS ph WHERE ph.org_id = p.org_id AND ph.person_id = p.id AND ph.bad = ?)", false).
		Limit(int64(limit))
	err := db.ro.NewSelect().TableExpr("(?) AS c", sub).ColumnExpr("COUNT(*)").Scan(ctx, &n)
	return n, err
}

// Funnel follows the people the users first attempted between from and
// to: whether the users' calls connected and became live conversations,
// whether they met (or the person reached a meeting stage), and whether
// the person was won.
func (db *DB) Funnel(ctx context.Context, act rapport.Actor, users []rapport.User, from, to time.Time) (*rapport.Funnel, error) {
	org, err := db.reportOrg(ctx, act, users)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(users))
	for i := range users {
		ids[i] = users[i].ID
	}
	if len(ids) == 0 {
		return rapport.BuildFunnel(from, to, nil), nil
	}
	pipes, err := db.Pipelines(ctx, rapport.Actor{Org: org.ID})
	if err != nil {
		return nil, err
	}
	var won, met []int64
	for _, p := range pipes {
		for _, s := range p.Stages {
			switch s.Key {
			case rapport.StageActive, rapport.StageUnderContract, rapport.StageClosed, rapport.StageJoined:
				won = append(won, s.ID)
			case rapport.StageAppointment, rapport.StageMeeting, rapport.StageOffer:
				met = append(met, s.ID)
			}
		}
	}
	won, met = append(won, -1), append(met, -1)
	// The people whose first attempt by these users fell in the period,
	// with their first connect and first live conversation after it.
	var rows []struct {
		PersonID     int64        `bun:"person_id"`
		Source       string       `bun:"source"`
		Kind         rapport.Kind `bun:"kind"`
		StageID      int64        `bun:"stage_id"`
		FirstAttempt time.Time    `bun:"first_attempt"`
		FirstConnect time.Time    `bun:"first_connect"`
		FirstLive    time.Time    `bun:"first_live"`
		Met          bool         `bun:"met"`
	}
	firsts := db.ro.NewSelect().TableExpr("conversations AS c").
		ColumnExpr("c.person_id, MIN(c.occurred_at) AS first_attempt").
		Where("c.org_id = ? AND c.user_id IN (?) AND c.channel = ? AND c.direction = ?", org.ID, bun.List(ids), rapport.ChannelCall, rapport.DirectionOutbound).
		GroupExpr("c.person_id").
		Having("MIN(c.occurred_at) >= ? AND MIN(c.occurred_at) < ?", from.UTC(), to.UTC())
	connects := bun.List([]rapport.Outcome{rapport.OutcomeLive, rapport.OutcomeAppointment, rapport.OutcomeDoNotCall})
	if err := db.ro.NewSelect().TableExpr("(?) AS fa", firsts).
		Join("JOIN people AS p ON p.org_id = ? AND p.id = fa.person_id", org.ID).
		ColumnExpr("fa.person_id, p.source, p.kind, p.stage_id, fa.first_attempt").
		ColumnExpr("(SELECT MIN(c2.occurred_at) FROM conversations AS c2 WHERE c2.org_id = p.org_id AND c2.person_id = p.id AND c2.user_id IN (?)"+
			" AND c2.channel = ? AND c2.direction = ? AND c2.outcome IN (?) AND c2.occurred_at >= fa.first_attempt) AS first_connect",
			bun.List(ids), rapport.ChannelCall, rapport.DirectionOutbound, connects).
		ColumnExpr("(SELECT MIN(c3.occurred_at) FROM conversations AS c3 WHERE c3.org_id = p.org_id AND c3.person_id = p.id AND c3.user_id IN (?)"+
			" AND c3.live = ? AND c3.occurred_at >= fa.first_attempt) AS first_live", bun.List(ids), true).
		ColumnExpr("EXISTS (SELECT 1 FROM conversations AS c4 WHERE c4.org_id = p.org_id AND c4.person_id = p.id AND c4.user_id IN (?)"+
			" AND c4.occurred_at >= fa.first_attempt AND (c4.outcome = ? OR (c4.channel = ? AND c4.live = ?))) OR p.stage_id IN (?) OR p.stage_id IN (?) AS met",
			bun.List(ids), rapport.OutcomeAppointment, rapport.ChannelMeeting, true, bun.List(met), bun.List(won)).
		Scan(ctx, &rows); err != nil {
		return nil, err
	}
	wonSet := map[int64]bool{}
	for _, id := range won {
		wonSet[id] = true
	}
	// The attempt at which each got to a live conversation: our calls,
	// texts and emails from the first attempt to the first live one.
	var lived []int64
	for _, r := range rows {
		if !r.FirstLive.IsZero() {
			lived = append(lived, r.PersonID)
		}
	}
	tries := map[int64][]time.Time{}
	if len(lived) > 0 {
		var cs []struct {
			PersonID   int64     `bun:"person_id"`
			OccurredAt time.Time `bun:"occurred_at"`
		}
		if err := db.ro.NewSelect().Table("conversations").Column("person_id", "occurred_at").
			Where("org_id = ? AND person_id IN (?) AND user_id IN (?) AND direction = ? AND channel IN (?)", org.ID, bun.List(lived), bun.List(ids),
				rapport.DirectionOutbound, bun.List([]rapport.Channel{rapport.ChannelCall, rapport.ChannelText, rapport.ChannelEmail})).
			Scan(ctx, &cs); err != nil {
			return nil, err
		}
		for _, c := range cs {
			tries[c.PersonID] = append(tries[c.PersonID], c.OccurredAt)
		}
	}
	people := make([]rapport.FunnelPerson, len(rows))
	for i, r := range rows {
		people[i] = rapport.FunnelPerson{Source: r.Source, Kind: r.Kind, FirstAttempt: r.FirstAttempt, FirstConnect: r.FirstConnect,
			FirstLive: r.FirstLive, Appointment: r.Met, Won: wonSet[r.StageID]}
		if !r.FirstLive.IsZero() {
			for _, at := range tries[r.PersonID] {
				if !at.Before(r.FirstAttempt) && !at.After(r.FirstLive) {
					people[i].LiveAttempt++
				}
			}
			people[i].LiveAttempt = max(people[i].LiveAttempt, 1)
		}
	}
	return rapport.BuildFunnel(from, to, people), nil
}

// Leaderboard ranks the organisation's active users by live conversations
// in the week containing at (each user's own week in their zone, counted
// to its end or to now), with goal attainment and streaks. Pass a moment
// well inside the week (its Wednesday noon, say) for a past week.
func (db *DB) Leaderboard(ctx context.Context, act rapport.Actor, at time.Time) ([]rapport.LeaderRow, error) {
	if !act.Runs() {
		return nil, rapport.Errorf(rapport.EFORBIDDEN, "Only owners and managers can see the leaderboard.")
	}
	now := db.now()
	org, err := db.Org(ctx, act.Org)
	if err != nil {
		return nil, err
	}
	users, err := db.Users(ctx, act)
	if err != nil {
		return nil, err
	}
	var rows []rapport.LeaderRow
	for i := range users {
		u := &users[i]
		if !u.DisabledAt.IsZero() {
			continue
		}
		loc := u.Location(org)
		start := rapport.WeekStart(at, loc)
		upTo := rapport.DayOf(start, loc).AddDays(7).Start(loc).Add(-time.Nanosecond)
		if now.Before(upTo) {
			upTo = now
		}
		live, err := db.LiveTimes(ctx, rapport.Actor{Org: org.ID}, u.ID, start.AddDate(0, 0, -7*rapport.StreakWeeks))
		if err != nil {
			return nil, err
		}
		g := rapport.WeekProgress(upTo, loc, u.WeeklyGoal, live)
		rows = append(rows, rapport.LeaderRow{User: u, Live: g.Done, Target: g.Target, Streak: g.Streak})
	}
	rapport.SortLeaders(rows)
	return rows, nil
}

// CallBlocks lists a user's call blocks by weekday and time.
func (db *DB) CallBlocks(ctx context.Context, act rapport.Actor, userID int64) ([]rapport.CallBlock, error) {
	orgID := act.Org
	var bs []rapport.CallBlock
	b := &bound{}
	q := db.ro.NewSelect().Model(&bs).Where("org_id = ? AND user_id = ?", b.v(orgID), b.v(userID)).
		OrderExpr("(weekday + 6) % 7, start_minute, id")
	return bs, db.readBound(ctx, &bs, q.String(), b)
}

// AddCallBlock saves a new call block; blocks of one user may not overlap.
func (db *DB) AddCallBlock(ctx context.Context, act rapport.Actor, b *rapport.CallBlock) error {
	orgID := act.Org
	b.OrgID = orgID
	if err := b.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		overlap, err := tx.NewSelect().Table("call_blocks").
			Where("org_id = ? AND user_id = ? AND weekday = ? AND start_minute < ? AND end_minute > ?", orgID, b.UserID, b.Weekday, b.End, b.Start).
			Exists(ctx)
		if err != nil {
			return err
		}
		if overlap {
			return invalidField("start", "That overlaps another of your blocks on "+b.Weekday.String()+".")
		}
		// CreatedAt is when the block starts to count (now, unless an
		// import of history says earlier).
		if now := db.now().UTC(); b.CreatedAt.IsZero() || b.CreatedAt.After(now) {
			b.CreatedAt = now
		}
		_, err = tx.NewInsert().Model(b).Returning("id").Exec(ctx)
		return err
	})
}

// DeleteCallBlock removes one of a user's blocks.
func (db *DB) DeleteCallBlock(ctx context.Context, act rapport.Actor, id int64) error {
	orgID, userID := act.Org, act.User
	res, err := db.rw.NewDelete().Model((*rapport.CallBlock)(nil)).Where("org_id = ? AND user_id = ? AND id = ?", orgID, userID, id).Exec(ctx)
	return affected(res, err, "call block")
}

// reportOrg loads the actor's organisation for a report on users, after
// checking that the actor may see each one's figures
// (rapport.Actor.SeesFiguresOf) and that each is of the organisation.
func (db *DB) reportOrg(ctx context.Context, act rapport.Actor, users []rapport.User) (*rapport.Org, error) {
	for i := range users {
		if users[i].OrgID != act.Org {
			return nil, rapport.NotFound("user")
		}
		if !act.SeesFiguresOf(users[i].ID) {
			return nil, rapport.ErrNotFigures
		}
	}
	return db.Org(ctx, act.Org)
}
