package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Today returns the user's focus list for now: candidates gathered from
// each source with bounded, indexed queries, then chosen and ordered by
// rapport.BuildToday.
func (db *DB) Today(ctx context.Context, act rapport.Actor, now time.Time) ([]rapport.TodayEntry, error) {
	entries, _, err := db.todayList(ctx, act, now)
	return entries, err
}

// todayList is Today, with what it kept of this load (nil: nothing kept; see
// todaycache.go). The people of its entries are shared with other loads:
// callers must not change them.
func (db *DB) todayList(ctx context.Context, act rapport.Actor, now time.Time) ([]rapport.TodayEntry, *todayKeptEntry, error) {
	org, user, err := db.member(ctx, act)
	if err != nil {
		return nil, nil, err
	}
	cands, kept, err := db.keptCandidates(ctx, org, user, now)
	if err != nil {
		return nil, nil, err
	}
	entries := rapport.BuildToday(rapport.TodayParams{
		Now: now, UserLoc: user.Location(org), OrgLoc: org.Location(), Size: user.TodaySize,
		Plan: org.Plan(), RestDays: org.RestDays(),
	}, cands)
	if len(entries) == 0 {
		return entries, kept, nil
	}
	// The whole person, phones, emails and stage only for the chosen.
	ids := make([]int64, len(entries))
	for i := range entries {
		ids[i] = entries[i].Person.ID
	}
	byID := kept.knownPeople(ids)
	if missing := slices.DeleteFunc(ids, func(id int64) bool { return byID[id] != nil }); len(missing) > 0 {
		people := make([]rapport.Person, 0, len(missing))
		if err := db.readAll(ctx, db.ro, &people, readPeopleOf, org.ID, idList(missing)); err != nil {
			return nil, nil, err
		}
		if err := db.loadDetails(ctx, db.ro, org.ID, people); err != nil {
			return nil, nil, err
		}
		pipes, err := db.Pipelines(ctx, rapport.Actor{Org: org.ID})
		if err != nil {
			return nil, nil, err
		}
		stages := Stages(pipes)
		read := make(map[int64]*rapport.Person, len(people))
		for i := range people {
			people[i].Stage = stages[people[i].StageID]
			read[people[i].ID] = &people[i]
		}
		kept.keepPeople(read)
		maps.Copy(byID, read)
	}
	out := entries[:0]
	for _, e := range entries {
		if p := byID[e.Person.ID]; p != nil {
			e.Person = p
			out = append(out, e)
		}
	}
	return out, kept, nil
}

// todayColumns are what ranking a candidate for Today reads.
var todayColumns = []string{"id", "org_id", "first_name", "last_name", "kind", "stage_id", "source", "owner_id",
	"referred_by_id", "do_not_call", "tz", "birthday_year", "birthday_month", "birthday_day", "home_year", "home_month",
	"home_day", "cadence_days", "units_12m", "volume_12m", "first_attempt_at", "last_attempt_at", "last_live_at",
	"last_touch_at", "touch_due_at", "arrived_at", "created_at", "archived_at", "company_id", "came_back_at"}

// TodayCandidates gathers everyone who may belong on the user's Today
// (with what ranking reads: todayColumns, no phones or emails):
// people with the user's follow-ups due today or earlier, and among the
// people the user owns: never-attempted leads and referrals, quiet
// top-fifth recruits, birthdays and home anniversaries today, and those
// past their keep-in-touch date. Each source is capped at a few times the
// list size, in the order the rules rank it, so the work stays bounded
// however large the book is.
func (db *DB) TodayCandidates(ctx context.Context, act rapport.Actor, now time.Time) ([]rapport.Candidate, error) {
	org, user, err := db.member(ctx, act)
	if err != nil {
		return nil, err
	}
	return db.todayCandidates(ctx, org, user, now, nil, todayReuse{})
}

// member loads the organisation and the user an actor names, for the
// methods that work in their time zones and by their settings.
func (db *DB) member(ctx context.Context, act rapport.Actor) (*rapport.Org, *rapport.User, error) {
	org, err := db.Org(ctx, act.Org)
	if err != nil {
		return nil, nil, err
	}
	user, err := db.User(ctx, act, act.User)
	if err != nil {
		return nil, nil, err
	}
	return org, user, nil
}

// todayBasis is what the candidates were chosen by besides themselves: the
// top-fifth volume, and the people whose dated facts were read (many may
// not be candidates: their reminders have not begun; they fill the read's
// bound all the same). A kept Today depends on them too (todaycache.go).
type todayBasis struct {
	threshold int64
	near      []int64
}

// todayReuse is a kept Today gone stale only because some of its people,
// or people who are now the user's, were written (see stillCurrent): the
// rows and touches of its candidates that none of those writes touched
// are as they were, and are taken from it instead of read again. Which
// people are candidates is worked out afresh all the same.
type todayReuse struct {
	prev    *todayKeptEntry
	touched map[int64]bool
	// upTo is the last commit of the log the touched were gathered from.
	upTo uint64
}

// candidate returns the kept candidate for person id, if it may be reused.
func (r todayReuse) candidate(id int64) *rapport.Candidate {
	if r.prev == nil || r.touched[id] {
		return nil
	}
	return r.prev.byPerson[id]
}

func (db *DB) todayCandidates(ctx context.Context, org *rapport.Org, user *rapport.User, now time.Time, basis *todayBasis, reuse todayReuse) ([]rapport.Candidate, error) {
	orgID, userID := org.ID, user.ID
	today := rapport.DayOf(now, user.Location(org))
	per := int64(max(3*user.TodaySize, 30))
	nowUTC := now.UTC()

	// Follow-ups due today first, so that a long backlog of overdue ones
	// cannot crowd out today's meetings and promises; then the backlog,
	// longest overdue first. (Each list of queries goes as one statement.)
	// A follow-up someone gave the user about a person the user may not
	// see (the organisation keeps people private to their owner) is left
	// out, as everywhere else. The statements' values are bound (their
	// texts are one of a few for every user and day, prepared once).
	fb := &bound{}
	org1, user2 := fb.v(orgID), fb.v(userID)
	open := func(due, order string) *bun.SelectQuery {
		q := db.ro.NewSelect().Model((*rapport.FollowUp)(nil)).
			Where("org_id = ? AND user_id = ? AND status = 'open' AND due_on "+due+" ?", org1, user2, fb.v(today)).OrderExpr(order)
		if org.OnlyOwner(user) != 0 {
			q.Where(ownPerson("follow_up"), user2)
		}
		return q
	}
	var fus []rapport.FollowUp
	if err := db.unionAll(ctx, &fus, fb, 4*per, open("=", "due_time, id"), open("<", "due_on, id")); err != nil {
		return nil, err
	}
	ids := newIDSet()
	for _, f := range fus {
		ids.add(f.PersonID)
	}
	b := &bound{}
	org1, user2 = b.v(orgID), b.v(userID)
	owned := func() *bun.SelectQuery {
		return db.ro.NewSelect().Table("people").Column("id").
			Where("org_id = ? AND owner_id = ? AND archived_at IS NULL AND do_not_call = ?", org1, user2, false)
	}
	y, m, d := today.Start(time.UTC).Date()
	days := idList{int64(d)}
	if m == time.February && d == 28 && time.Date(y, 2, 29, 0, 0, 0, 0, time.UTC).Month() == time.March {
		days = append(days, 29)
	}
	plan := org.Plan()
	planStart := today.AddDays(-plan.Span()).Start(user.Location(org)).UTC()
	sources := []*bun.SelectQuery{
		// Never attempted: leads (newest first) and referrals.
		owned().Where("first_attempt_at IS NULL AND last_live_at IS NULL AND (kind = 'lead' OR referred_by_id IS NOT NULL)").
			OrderExpr("created_at DESC"),
		// New leads in their attempt plan, tried but never reached; and
		// those whose plan is done, rested long enough to try again.
		owned().Where("kind = 'lead' AND last_live_at IS NULL AND first_attempt_at IS NOT NULL AND created_at >= ?", b.v(planStart)).
			OrderExpr("created_at DESC"),
		owned().Where("kind = 'lead' AND last_live_at IS NULL AND first_attempt_at IS NOT NULL AND created_at < ? AND last_attempt_at <= ?",
			b.v(planStart), b.v(nowUTC.Add(-time.Duration(org.RestDays())*24*time.Hour))).OrderExpr("last_attempt_at DESC"),
		// Someone known who came back lately.
		owned().Where("came_back_at IS NOT NULL AND came_back_at >= ?", b.v(nowUTC.Add(-rapport.CameBackWindow))).
			OrderExpr("came_back_at DESC"),
		// Keep-in-touch dates that have passed, longest overdue first.
		owned().Where("touch_due_at IS NOT NULL AND touch_due_at <= ?", b.v(nowUTC)).OrderExpr("touch_due_at"),
		// Birthdays and home anniversaries today. The "> 0" terms name
		// the partial indexes' conditions, so SQLite knows it may use them.
		owned().Where("birthday_month > 0 AND birthday_month = ?", b.v(int(m))).Where(anyID(db.ro, "birthday_day"), b.v(days)),
		owned().Where("home_month > 0 AND home_month = ?", b.v(int(m))).Where(anyID(db.ro, "home_day"), b.v(days)),
	}
	// Top-fifth recruits by 12-month volume with no live conversation in
	// the quiet period.
	threshold, err := db.topFifthVolume(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if basis != nil {
		basis.threshold = threshold
	}
	topSrc := -1
	if threshold > 0 {
		topSrc = len(sources)
		sources = append(sources, owned().Where("kind = 'recruit' AND volume_12m > 0 AND volume_12m >= ? AND (last_live_at IS NULL OR last_live_at < ?)",
			b.v(threshold), b.v(nowUTC.Add(-rapport.TopProducerQuiet))).OrderExpr("volume_12m DESC"))
	}
	// Agents at an office (or brokerage) with recent news, still being
	// recruited, largest producers first.
	signals, err := db.activeSignals(ctx, org, now)
	if err != nil {
		return nil, err
	}
	if len(signals) > 0 {
		companies := make([]int64, 0, len(signals))
		for id := range signals {
			companies = append(companies, id)
		}
		q := owned().Where("kind = 'recruit'").Where(anyID(db.ro, "company_id"), b.v(idList(companies)))
		closed, err := db.closedStages(ctx, orgID)
		if err != nil {
			return nil, err
		}
		if len(closed) > 0 {
			q.Where("(stage_id IS NULL OR NOT ("+anyID(db.ro, "stage_id")+"))", b.v(idList(closed)))
		}
		sources = append(sources, q.OrderExpr("volume_12m DESC"))
	}
	for i, q := range sources {
		sources[i] = q.ColumnExpr("? AS src", i)
	}
	var hits []struct {
		Src int   `bun:"src"`
		ID  int64 `bun:"id"`
	}
	if err := db.unionAll(ctx, &hits, b, per, sources...); err != nil {
		return nil, err
	}
	top := map[int64]bool{}
	for _, h := range hits {
		ids.add(h.ID)
		if h.Src == topSrc {
			top[h.ID] = true
		}
	}
	dated, thanks, near, err := db.whyNowCandidates(ctx, org, user, today, nowUTC, per)
	if err != nil {
		return nil, err
	}
	if basis != nil {
		basis.near = near
	}
	for _, f := range dated {
		ids.add(f.PersonID)
	}
	for id := range thanks {
		ids.add(id)
	}
	if len(ids.list) == 0 {
		return nil, nil
	}

	// The rows and touches of those a stale kept Today had, untouched
	// since, are taken from it; the others' are read.
	toRead := ids.list
	var kept []*rapport.Candidate
	if reuse.prev != nil {
		toRead = make([]int64, 0, len(ids.list))
		for _, id := range ids.list {
			if c := reuse.candidate(id); c != nil {
				kept = append(kept, c)
			} else {
				toRead = append(toRead, id)
			}
		}
	}
	// Sized, as every read of a known number of people: a Person is 800
	// bytes, and a slice grown row by row copies them again and again.
	people := make([]rapport.Person, 0, len(toRead))
	var recent []rapport.Conversation
	if len(toRead) > 0 {
		if err := db.readAll(ctx, db.ro, &people, readTodayOf, orgID, idList(toRead)); err != nil {
			return nil, err
		}
		// Touches of the back-off window, or of the attempt plan when longer.
		since := nowUTC.Add(-rapport.BackOffWindow)
		if s := planStart.Add(-24 * time.Hour); s.Before(since) {
			since = s
		}
		if err := db.readAll(ctx, db.ro, &recent, readTouchesOf, orgID, idList(toRead), since); err != nil {
			return nil, err
		}
	}
	whole := make([]*rapport.Person, 0, len(ids.list))
	for i := range people {
		whole = append(whole, &people[i])
	}
	for _, c := range kept {
		whole = append(whole, c.Person)
	}
	var refIDs []int64
	for _, p := range whole {
		if p.ReferredByID != 0 {
			refIDs = append(refIDs, p.ReferredByID)
		}
	}
	refNames, err := db.personNames(ctx, orgID, refIDs)
	if err != nil {
		return nil, err
	}

	byID := map[int64]*rapport.Candidate{}
	cands := make([]rapport.Candidate, len(whole))
	for i, p := range whole {
		cands[i] = rapport.Candidate{Person: p, TopProducer: top[p.ID], Referrer: refNames[p.ReferredByID], Signal: signals[p.CompanyID]}
		byID[p.ID] = &cands[i]
	}
	for _, c := range kept {
		// Shared with the kept Today it came from: never appended to.
		byID[c.Person.ID].Recent = c.Recent
	}
	for _, f := range fus {
		if c := byID[f.PersonID]; c != nil {
			c.FollowUps = append(c.FollowUps, f)
		}
	}
	for _, f := range dated {
		if c := byID[f.PersonID]; c != nil {
			c.Dated = append(c.Dated, f)
		}
	}
	for id, ms := range thanks {
		if c := byID[id]; c != nil {
			c.Thanks = ms
		}
	}
	if err := db.cameBack(ctx, orgID, nowUTC, byID); err != nil {
		return nil, err
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

// countsForTopFifth reports whether p is among those the top-fifth volume
// is computed over (recruits with production; archiving is told apart by
// its caller): creating or changing anyone else leaves the threshold as it
// was, so a stream of new leads does not recount the recruits each time.
func countsForTopFifth(p *rapport.Person) bool {
	return p.Kind == rapport.KindRecruit && p.Volume12m > 0
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
func (db *DB) ContextCards(ctx context.Context, act rapport.Actor, people []*rapport.Person) (map[int64]*rapport.ContextCard, error) {
	orgID := act.Org
	out := map[int64]*rapport.ContextCard{}
	if len(people) == 0 {
		return out, nil
	}
	ids := make([]int64, len(people))
	for i, p := range people {
		ids[i] = p.ID
	}
	var facts []rapport.Fact
	if err := db.readAll(ctx, db.ro, &facts, readFactsOf, orgID, idList(ids)); err != nil {
		return nil, err
	}
	var fus []rapport.FollowUp
	if err := db.readAll(ctx, db.ro, &fus, readPromisesOf, orgID, idList(ids)); err != nil {
		return nil, err
	}
	// The latest conversation and lead-source event per person.
	var convs []rapport.Conversation
	if latest, err := db.latestIDs(ctx, "conversations", orgID, ids); err != nil {
		return nil, err
	} else if len(latest) > 0 {
		if err := db.readAll(ctx, db.ro, &convs, readConversationsByID, orgID, idList(latest)); err != nil {
			return nil, err
		}
	}
	last := map[int64]*rapport.Conversation{}
	for i := range convs {
		last[convs[i].PersonID] = &convs[i]
	}
	var events []rapport.Event
	if latest, err := db.latestIDs(ctx, "events", orgID, ids); err != nil {
		return nil, err
	} else if len(latest) > 0 {
		if err := db.readAll(ctx, db.ro, &events, readEventsByID, orgID, idList(latest)); err != nil {
			return nil, err
		}
	}
	lastEvent := map[int64]*rapport.Event{}
	for i := range events {
		lastEvent[events[i].PersonID] = &events[i]
	}
	pb, err := db.Playbook(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	for _, p := range people {
		var pf []rapport.Fact
		for _, f := range facts {
			if f.PersonID == p.ID {
				pf = append(pf, f)
			}
		}
		card := &rapport.ContextCard{Facts: rapport.GroupFacts(rapport.Distinct(pf)), Questions: pb.Essentials(p.Kind, pf),
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

// A context card's reads, by an idList of people (or of rows).
var (
	readFactsOf = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Fact)(nil)).Where("org_id = ?", ph).Where(anyID(q, "person_id"), ph).
			OrderExpr("learned_at DESC, id DESC").String()
	})
	readPromisesOf = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.FollowUp)(nil)).Where("org_id = ?", ph).Where(anyID(q, "person_id"), ph).
			Where("status = 'open'").OrderExpr("due_on, id").String()
	})
	readConversationsByID = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Conversation)(nil)).Where("org_id = ?", ph).Where(anyID(q, "id"), ph).String()
	})
	readEventsByID = newHotRead(func(q bun.IDB) string {
		return q.NewSelect().Model((*rapport.Event)(nil)).ExcludeColumn("payload").Where("org_id = ?", ph).Where(anyID(q, "id"), ph).String()
	})
)

// closedStages returns the ids of the organisation's closed stages
// (closed, nurture, joined, not now).
func (db *DB) closedStages(ctx context.Context, orgID int64) ([]int64, error) {
	pipes, err := db.Pipelines(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, p := range pipes {
		for _, s := range p.Stages {
			if s.Closed {
				ids = append(ids, s.ID)
			}
		}
	}
	return ids, nil
}

// latestIDs returns the id of each person's newest row (by occurred_at,
// then id) in table: one indexed lookup per person, in one statement whose
// text is the same however many people there are.
func (db *DB) latestIDs(ctx context.Context, table string, orgID int64, personIDs []int64) ([]int64, error) {
	var ids []int64
	h := readLatestConversations
	if table == "events" {
		h = readLatestEvents
	}
	return ids, db.readAll(ctx, db.ro, &ids, h, orgID, idList(personIDs))
}

// Each person's newest conversation and event, by an idList.
var readLatestConversations, readLatestEvents = readLatest("conversations"), readLatest("events")

func readLatest(table string) *hotRead {
	return newHotRead(func(q bun.IDB) string {
		list := "(SELECT value AS pid FROM json_each(?2)) AS l"
		if q.Dialect().Name() == dialect.PG {
			list = "unnest(?2::bigint[]) AS l(pid)"
		}
		return "SELECT id FROM (SELECT (SELECT t.id FROM " + table + " AS t WHERE t.org_id = ?1 AND t.person_id = l.pid" +
			" ORDER BY t.occurred_at DESC, t.id DESC LIMIT 1) AS id FROM " + list + ") AS latest WHERE id IS NOT NULL"
	})
}

// unionAll runs queries (written with b's placeholders), each with its
// own order and a limit of n rows, as one statement, and scans their
// rows, in order, into dest: one round trip and one statement to prepare
// rather than one of each per query.
func (db *DB) unionAll(ctx context.Context, dest any, b *bound, n int64, qs ...*bun.SelectQuery) error {
	if len(qs) == 0 {
		return nil
	}
	var t strings.Builder
	for i, q := range qs {
		if i > 0 {
			t.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&t, "SELECT * FROM (%s) AS q%d", b.limit(q.String(), int(n)), i)
	}
	return db.readBound(ctx, dest, t.String(), b)
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

// TodayItem is one person on Today with their context card.
type TodayItem struct {
	rapport.TodayEntry
	Card *rapport.ContextCard
}

// TodayList is Today as the web page and the API show it: the actor's
// list, each person with their context card.
func (db *DB) TodayList(ctx context.Context, act rapport.Actor, now time.Time) ([]TodayItem, error) {
	entries, kept, err := db.todayList(ctx, act, now)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(entries))
	for i := range entries {
		ids[i] = entries[i].Person.ID
	}
	cards := kept.knownCards(ids)
	var missing []*rapport.Person
	for _, e := range entries {
		if cards[e.Person.ID] == nil {
			missing = append(missing, e.Person)
		}
	}
	if len(missing) > 0 {
		read, err := db.ContextCards(ctx, act, missing)
		if err != nil {
			return nil, err
		}
		kept.keepCards(read)
		maps.Copy(cards, read)
	}
	items := make([]TodayItem, len(entries))
	for i, e := range entries {
		items[i] = TodayItem{TodayEntry: e, Card: cards[e.Person.ID]}
	}
	return items, nil
}

// WeekGoal is the actor's progress towards this week's live
// conversations, with their streak of weeks met, in their time zone.
func (db *DB) WeekGoal(ctx context.Context, act rapport.Actor, now time.Time) (rapport.WeekGoal, error) {
	org, user, err := db.member(ctx, act)
	if err != nil {
		return rapport.WeekGoal{}, err
	}
	loc := user.Location(org)
	live, err := db.LiveTimes(ctx, act, user.ID, rapport.WeekStart(now, loc).AddDate(0, 0, -7*rapport.StreakWeeks))
	if err != nil {
		return rapport.WeekGoal{}, err
	}
	return rapport.WeekProgress(now, loc, user.WeeklyGoal, live), nil
}
