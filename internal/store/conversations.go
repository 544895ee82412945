package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// LogInput is one logged conversation with everything that came out of it.
type LogInput struct {
	Conversation rapport.Conversation
	// Facts learned in the conversation.
	Facts []rapport.Fact
	// FollowUp is the next step, when one was set.
	FollowUp *rapport.FollowUp
	// PhoneID is the number dialled; a bad-number outcome marks it bad.
	PhoneID int64
	// Loc is the user's time zone, which decides which promises are due.
	Loc *time.Location
	// ConfirmDoNotCall is the user's word that an outbound call to someone
	// marked do not call was wanted (they called, or asked to be called).
	// Without it such a call is refused.
	ConfirmDoNotCall bool
	// Seen is what the form knew of the person when the log was written
	// (nil: nothing to compare); see personChanges.
	Seen *rapport.Seen
}

// confirmDoNotCall is why an unconfirmed outbound call to someone marked
// do not call is refused, on the field that confirms it.
const confirmDoNotCall = "They are marked do not call. Log this call only if they called you or asked you to call them, and say so."

// LogResult says what logging changed besides the conversation itself.
type LogResult struct {
	Conversation *rapport.Conversation
	// Kept lists the ids of follow-ups the conversation kept.
	Kept []int64
	// NewStage is the stage the person moved to, or nil.
	NewStage *rapport.Stage
	// Replayed is true when the input's idempotency key had logged a
	// conversation already: nothing was logged again, and Conversation
	// (with NewStage, and FollowUp, the next step it set) is the earlier
	// one. Kept is then empty.
	Replayed bool
	FollowUp *rapport.FollowUp
	// Changes are what others did to the person after in.Seen, oldest
	// first (see personChanges). The conversation is logged regardless.
	Changes []rapport.PersonChange
}

// errReplay rolls back a log whose idempotency key another request used
// first, while both ran.
var errReplay = errors.New("idempotency key already used")

// Check normalises the input and validates all of it, naming fields
// "fact.N.text" and "followup.due" for the facts and the next step. A
// conversation without a time happened now.
func (in *LogInput) Check(now time.Time) error {
	c := &in.Conversation
	if c.OccurredAt.IsZero() {
		c.OccurredAt = now
	}
	c.OccurredAt = c.OccurredAt.UTC()
	c.Normalize()
	fe := rapport.FieldErrors{}
	fe.Merge("", c.Validate(now))
	for i := range in.Facts {
		fe.Merge(fmt.Sprintf("fact.%d.", i), in.Facts[i].Validate())
	}
	if f := in.FollowUp; f != nil {
		f.Normalize()
		fe.Merge("followup.", f.Validate())
		if c.NextStep == "" && f.DueOn != "" {
			c.NextStep = f.Label() + ", due " + f.DueOn.String()
		}
	}
	return fe.Err()
}

// LogConversation stores a conversation, the facts learned and the next
// step, keeps promises it fulfilled, updates the person's activity (and
// do-not-call flag on a do-not-call outcome), and moves them forward
// through the early stages of their pipeline — all in one transaction.
// An outbound call to someone already marked do not call is refused
// unless in.ConfirmDoNotCall, and recorded as confirmed when it is.
//
// A conversation with an idempotency key is logged once: given a key the
// organisation has used already, LogConversation logs nothing and returns
// the earlier conversation with Replayed set, however many requests race
// with it (the key is unique in the database, and the insert that loses
// the race rolls back and answers as a replay). A key used for another
// person, or by another user, is a conflict.
func (db *DB) LogConversation(ctx context.Context, act rapport.Actor, in *LogInput) (*LogResult, error) {
	orgID, actorID := act.Org, act.User
	now := db.now().UTC()
	c := &in.Conversation
	c.ID, c.OrgID, c.UserID = 0, orgID, actorID
	c.IdempotencyKey = strings.TrimSpace(c.IdempotencyKey)
	if c.IdempotencyKey != "" {
		if !rapport.ValidIdempotencyKey(c.IdempotencyKey) {
			return nil, invalidField("idempotency_key", "This form's key is damaged; reload the page and log it again.")
		}
		if res, err := db.replay(ctx, act, in); res != nil || err != nil {
			return res, err
		}
	}
	if err := in.Check(now); err != nil {
		return nil, err
	}
	var objection rapport.Entry
	if c.Objection != "" {
		pb, err := db.Playbook(ctx, rapport.Actor{Org: orgID})
		if err != nil {
			return nil, err
		}
		e, ok := pb.Find(rapport.EntryObjection, c.Objection)
		if !ok || e.Retired {
			return nil, invalidField("objection", "Choose an objection from the playbook.")
		}
		objection = e
	}
	loc := in.Loc
	if loc == nil {
		loc = time.UTC
	}
	res := &LogResult{Conversation: c}
	err := db.tx(ctx, func(tx bun.Tx) error {
		// This transaction's reads are bound: the writer keeps their
		// statements (writerstmts.go).
		p := new(rapport.Person)
		b := &bound{}
		if err := db.readOneBound(ctx, tx, p, db.forUpdate(tx.NewSelect().Model(p).ExcludeColumn("search_doc").
			Where("org_id = ? AND id = ?", b.v(orgID), b.v(c.PersonID))).String(), b); err != nil {
			return notFound(err, "person")
		}
		if p.DoNotCall && c.Channel == rapport.ChannelCall && c.Direction == rapport.DirectionOutbound {
			if !in.ConfirmDoNotCall {
				return invalidField("confirm_dnc", confirmDoNotCall)
			}
			c.DNCConfirmed = true
		}
		if c.Objection != "" && objection.Audience != rapport.AudienceFor(p.Kind) {
			return invalidField("objection", "That objection is for "+string(objection.Audience)+"; choose one for "+p.FirstName+".")
		}
		// What others did since the form was shown, before this log
		// changes the person.
		changes, err := db.personChanges(ctx, tx, act, p, in.Seen, now, false)
		if err != nil {
			return err
		}
		res.Changes = changes
		c.CreatedAt = now
		if c.IdempotencyKey == "" {
			if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
				return err
			}
		} else {
			// A request with the same key that committed since the check
			// above wins; this one rolls back and answers as a replay.
			r, err := tx.NewInsert().Model(c).On("CONFLICT (org_id, idempotency_key) DO NOTHING").Returning("id").Exec(ctx)
			if errors.Is(err, sql.ErrNoRows) {
				return errReplay
			}
			if err != nil {
				return err
			}
			if n, err := r.RowsAffected(); err == nil && n == 0 {
				return errReplay
			}
		}
		if err := db.webhook(ctx, tx, orgID, rapport.EventConversationLogged, p.ID, c.ID); err != nil {
			return err
		}
		for i := range in.Facts {
			f := &in.Facts[i]
			f.ID, f.OrgID, f.PersonID, f.ConversationID, f.UserID = 0, orgID, p.ID, c.ID, actorID
			f.LearnedAt, f.CreatedAt = c.OccurredAt, now
		}
		if len(in.Facts) > 0 {
			if _, err := tx.NewInsert().Model(&in.Facts).Exec(ctx); err != nil {
				return err
			}
		}
		// Keep the promises this conversation fulfilled.
		today := rapport.DayOf(c.OccurredAt, loc)
		var open []rapport.FollowUp
		b = &bound{}
		if err := db.readBoundOn(ctx, tx, &open, tx.NewSelect().Model(&open).Where("org_id = ? AND person_id = ? AND user_id = ? AND status = 'open' AND due_on <= ?",
			b.v(orgID), b.v(p.ID), b.v(actorID), b.v(today)).String(), b); err != nil {
			return err
		}
		for _, f := range open {
			if f.KeptBy(c, today) {
				res.Kept = append(res.Kept, f.ID)
			}
		}
		if len(res.Kept) > 0 {
			// Kept when the conversation happened, not when it was logged.
			if _, err := tx.NewUpdate().Table("follow_ups").Set("status = 'done', done_at = ?", c.OccurredAt.UTC()).
				Where("org_id = ? AND id IN (?)", orgID, bun.List(res.Kept)).Exec(ctx); err != nil {
				return err
			}
			for _, id := range res.Kept {
				if err := db.webhook(ctx, tx, orgID, rapport.EventFollowUpDone, p.ID, id); err != nil {
					return err
				}
			}
		}
		if f := in.FollowUp; f != nil {
			f.ID, f.OrgID, f.PersonID, f.ConversationID, f.CreatedBy, f.CreatedAt = 0, orgID, p.ID, c.ID, actorID, now
			if f.UserID == 0 {
				f.UserID = actorID
			}
			f.Status = rapport.FollowUpOpen
			if _, err := tx.NewInsert().Model(f).Returning("id").Exec(ctx); err != nil {
				if db.isForeignKey(err) {
					return invalidField("followup.user", "Choose someone in your organisation.")
				}
				return err
			}
			if err := db.webhook(ctx, tx, orgID, rapport.EventFollowUpCreated, p.ID, f.ID); err != nil {
				return err
			}
		}
		if err := db.recordActivity(ctx, tx, p, c); err != nil {
			return err
		}
		if c.Outcome == rapport.OutcomeBadNumber && in.PhoneID != 0 {
			if _, err := tx.NewUpdate().Table("phones").Set("bad = ?", true).
				Where("org_id = ? AND person_id = ? AND id = ?", orgID, p.ID, in.PhoneID).Exec(ctx); err != nil {
				return err
			}
		}
		st, err := db.advanceStage(ctx, tx, p, c)
		if err != nil {
			return err
		}
		res.NewStage = st
		if c.Notes != "" || len(in.Facts) > 0 {
			return db.refreshSearch(ctx, tx, orgID, p.ID)
		}
		return nil
	})
	if errors.Is(err, errReplay) {
		c.ID = 0
		if res, err := db.replay(ctx, act, in); res != nil || err != nil {
			return res, err
		}
		return nil, fmt.Errorf("log conversation: key %q conflicted but was not found", c.IdempotencyKey)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// replay finds the conversation logged earlier with the input's key, as
// the result of logging it, or nil when the key is unused.
func (db *DB) replay(ctx context.Context, act rapport.Actor, in *LogInput) (*LogResult, error) {
	prev := new(rapport.Conversation)
	err := db.rw.NewSelect().Model(prev).Where("org_id = ? AND idempotency_key = ?", act.Org, in.Conversation.IdempotencyKey).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if prev.PersonID != in.Conversation.PersonID || prev.UserID != act.User {
		return nil, &rapport.Error{Code: rapport.ECONFLICT, Message: "This log's key was used for another conversation; reload the page and log it again.",
			Fields: map[string]string{"idempotency_key": "Already used."}}
	}
	res := &LogResult{Conversation: prev, Replayed: true}
	var st []rapport.Stage
	if err := db.rw.NewSelect().Model(&st).
		Where("org_id = ? AND id IN (SELECT to_stage_id FROM stage_changes WHERE org_id = ? AND conversation_id = ?)", act.Org, act.Org, prev.ID).
		Scan(ctx); err != nil {
		return nil, err
	}
	if len(st) > 0 {
		res.NewStage = &st[0]
	}
	var fus []rapport.FollowUp
	if err := db.rw.NewSelect().Model(&fus).Where("org_id = ? AND conversation_id = ?", act.Org, prev.ID).OrderExpr("id").Limit(1).Scan(ctx); err != nil {
		return nil, err
	}
	if len(fus) > 0 {
		res.FollowUp = &fus[0]
	}
	p := new(rapport.Person)
	if err := db.rw.NewSelect().Model(p).ExcludeColumn("search_doc").Where("org_id = ? AND id = ?", act.Org, prev.PersonID).Scan(ctx); err != nil {
		return nil, notFound(err, "person")
	}
	// The changes the first answer told of: those before it was logged.
	if res.Changes, err = db.personChanges(ctx, db.rw, act, p, in.Seen, prev.CreatedAt, true); err != nil {
		return nil, err
	}
	return res, nil
}

// personChanges lists what others did to person p after the form a log
// was written on was shown (seen), up to until, oldest first. This is
// the conflict rule for logs written offline and sent later:
//
//   - Nothing is compared when the form said nothing (seen nil or without
//     a version), and nothing changed when the person's version is still
//     the one seen (the fast path; a replay skips it, since its own log
//     moved the version on).
//   - Otherwise each of these, by anyone but the actor, after seen.At and
//     no later than until, is a change: a stage move ("moved to Under
//     contract by Sam"), a conversation logged ("Sam logged a live
//     conversation"), archiving, an edit of their details; and an owner
//     other than the one seen ("now Sam's"), whoever changed it.
//   - What the actor did themselves (an earlier log from the same queue,
//     a move on another device) is no conflict: they know.
//
// A change never stops the log: it is saved, and the answer tells the
// user what happened meanwhile.
func (db *DB) personChanges(ctx context.Context, q bun.IDB, act rapport.Actor, p *rapport.Person, seen *rapport.Seen, until time.Time, replay bool) ([]rapport.PersonChange, error) {
	if seen == nil || seen.Version == 0 || (!replay && p.Version == seen.Version) {
		return nil, nil
	}
	orgID, name := act.Org, p.Name()
	since, until := seen.At.UTC(), until.UTC()
	names := map[int64]string{}
	userName := func(id int64) (string, error) {
		if id == 0 {
			return "", nil
		}
		if n, ok := names[id]; ok {
			return n, nil
		}
		var n string
		err := q.NewSelect().Table("users").ColumnExpr("CASE WHEN name <> '' THEN name ELSE email END").
			Where("org_id = ? AND id = ?", orgID, id).Scan(ctx, &n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		names[id] = n
		return n, nil
	}
	var out []rapport.PersonChange
	others := "(user_id IS NULL OR user_id <> ?)"

	var moves []rapport.StageChange
	if err := q.NewSelect().Model(&moves).Where("org_id = ? AND person_id = ? AND at > ? AND at <= ? AND "+others, orgID, p.ID, since, until, act.User).
		OrderExpr("at, id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, m := range moves {
		var stage string
		if m.ToStageID != 0 {
			if err := q.NewSelect().Table("stages").Column("name").Where("org_id = ? AND id = ?", orgID, m.ToStageID).Scan(ctx, &stage); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
		}
		by, err := userName(m.UserID)
		if err != nil {
			return nil, err
		}
		out = append(out, rapport.PersonChange{Kind: rapport.ChangeStage, At: m.At, Text: rapport.ChangeText(name, "was moved to "+or(stage, "another stage"), by)})
	}

	var convs []rapport.Conversation
	if err := q.NewSelect().Model(&convs).Column("id", "user_id", "channel", "outcome", "created_at").
		Where("org_id = ? AND person_id = ? AND created_at > ? AND created_at <= ? AND "+others, orgID, p.ID, since, until, act.User).
		OrderExpr("created_at, id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, c := range convs {
		what := c.Channel.Label()
		if c.Outcome != rapport.OutcomeNone {
			what = c.Outcome.Label()
		}
		by, err := userName(c.UserID)
		if err != nil {
			return nil, err
		}
		out = append(out, rapport.PersonChange{Kind: rapport.ChangeConversation, At: c.CreatedAt,
			Text: rapport.ChangeText(name, "had a conversation logged ("+strings.ToLower(what)+")", by)})
	}

	if p.OwnerID != seen.OwnerID {
		owner, err := userName(p.OwnerID)
		if err != nil {
			return nil, err
		}
		what := "now belongs to " + or(owner, "no one")
		if p.OwnerID == act.User {
			what = "is now yours"
		}
		out = append(out, rapport.PersonChange{Kind: rapport.ChangeOwner, At: p.UpdatedAt, Text: rapport.ChangeText(name, what, "")})
	}

	var audits []AuditEntry
	if err := q.NewSelect().Model(&audits).
		Where("org_id = ? AND entity = 'person' AND entity_id = ? AND action IN (?) AND at > ? AND at <= ? AND "+others,
			orgID, p.ID, bun.List([]string{AuditArchive, AuditRestore, AuditUpdate}), since, until, act.User).
		OrderExpr("at, id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, e := range audits {
		kind, what := rapport.ChangeArchived, "was archived"
		switch e.Action {
		case AuditRestore:
			what = "was restored from the archive"
		case AuditUpdate:
			if p.OwnerID != seen.OwnerID {
				continue // the owner line says it
			}
			kind, what = rapport.ChangeEdited, "had their details edited"
		}
		out = append(out, rapport.PersonChange{Kind: kind, At: e.At, Text: rapport.ChangeText(name, what, e.UserName)})
	}
	slices.SortStableFunc(out, func(a, b rapport.PersonChange) int { return a.At.Compare(b.At) })
	return out, nil
}

// recordActivity updates the person's attempt, live and touch times (and
// the next keep-in-touch date) for conversation c. A conversation logged
// late never moves a time backwards.
func (db *DB) recordActivity(ctx context.Context, tx bun.Tx, p *rapport.Person, c *rapport.Conversation) error {
	later := func(cur *time.Time, t time.Time) {
		if cur.IsZero() || t.After(*cur) {
			*cur = t
		}
	}
	if c.Direction == rapport.DirectionOutbound {
		if p.FirstAttemptAt.IsZero() || c.OccurredAt.Before(p.FirstAttemptAt) {
			p.FirstAttemptAt = c.OccurredAt
		}
		later(&p.LastAttemptAt, c.OccurredAt)
	}
	if c.Live {
		later(&p.LastLiveAt, c.OccurredAt)
	}
	later(&p.LastTouchAt, c.OccurredAt)
	p.ScheduleTouch()
	if c.Outcome == rapport.OutcomeDoNotCall {
		p.DoNotCall = true
	}
	p.UpdatedAt = db.now().UTC()
	p.Version++
	_, err := db.execOn(ctx, tx, "UPDATE people SET first_attempt_at = ?, last_attempt_at = ?, last_live_at = ?, last_touch_at = ?, "+
		"touch_due_at = ?, do_not_call = ?, updated_at = ?, version = ? WHERE org_id = ? AND id = ?",
		nullTime(p.FirstAttemptAt), nullTime(p.LastAttemptAt), nullTime(p.LastLiveAt), nullTime(p.LastTouchAt), nullTime(p.TouchDueAt),
		p.DoNotCall, p.UpdatedAt, p.Version, p.OrgID, p.ID)
	return err
}

// nullTime is t bound as a nullzero column takes it: NULL when zero.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// advanceStage moves the person forward when the conversation says so
// (rapport.AdvanceStage) and records why.
func (db *DB) advanceStage(ctx context.Context, tx bun.Tx, p *rapport.Person, c *rapport.Conversation) (*rapport.Stage, error) {
	if p.StageID == 0 {
		return nil, nil
	}
	pi, err := db.pipelineInfo(ctx, tx, p.OrgID)
	if err != nil {
		return nil, err
	}
	cur := pi.byID[p.StageID]
	if cur == nil {
		return nil, nil
	}
	kind := pi.kindOf[cur.PipelineID]
	key, moved := rapport.AdvanceStage(kind, cur.Key, c)
	next := pi.byKey[kind][key]
	if !moved || next == nil {
		return nil, nil
	}
	if _, err := tx.NewUpdate().Table("people").Set("stage_id = ?, version = version + 1", next.ID).Where("org_id = ? AND id = ?", p.OrgID, p.ID).Exec(ctx); err != nil {
		return nil, err
	}
	reason := "Logged " + string(c.Channel)
	if c.Outcome != rapport.OutcomeNone {
		reason += ": " + c.Outcome.Label()
	}
	err = db.recordStage(ctx, tx, &rapport.StageChange{OrgID: p.OrgID, PersonID: p.ID, UserID: c.UserID,
		FromStageID: cur.ID, ToStageID: next.ID, ConversationID: c.ID, Reason: reason, At: c.OccurredAt})
	return next, err
}

// Conversation returns one conversation of the organisation.
func (db *DB) Conversation(ctx context.Context, act rapport.Actor, id int64) (*rapport.Conversation, error) {
	orgID := act.Org
	c := new(rapport.Conversation)
	if err := db.ro.NewSelect().Model(c).Where("org_id = ? AND id = ?", orgID, id).Scan(ctx); err != nil {
		return nil, notFound(err, "conversation")
	}
	if act.Only != 0 {
		if err := db.CheckVisible(ctx, act, c.PersonID); err != nil {
			return nil, rapport.NotFound("conversation")
		}
	}
	return c, nil
}

// LiveTimes returns when the user's live conversations since since
// happened, for goals and streaks.
func (db *DB) LiveTimes(ctx context.Context, act rapport.Actor, userID int64, since time.Time) ([]time.Time, error) {
	orgID := act.Org
	var ts []time.Time
	b := &bound{}
	q := db.ro.NewSelect().Table("conversations").Column("occurred_at").
		Where("org_id = ? AND user_id = ? AND live = ? AND occurred_at >= ?", b.v(orgID), b.v(userID), true, b.v(since.UTC()))
	return ts, db.readBound(ctx, &ts, q.String(), b)
}

// WorkedSince counts the people the user worked since a moment (an
// outbound touch or a live conversation): "done today" on Today.
func (db *DB) WorkedSince(ctx context.Context, act rapport.Actor, userID int64, since time.Time) (int, error) {
	orgID := act.Org
	var n int
	b := &bound{}
	q := db.ro.NewSelect().Table("conversations").ColumnExpr("COUNT(DISTINCT person_id)").
		Where("org_id = ? AND user_id = ? AND occurred_at >= ? AND (direction = 'outbound' OR live = ?)", b.v(orgID), b.v(userID), b.v(since.UTC()), true)
	return n, db.readBound(ctx, &n, q.String(), b)
}

// ConversationFilter narrows a conversation list.
type ConversationFilter struct {
	PersonID, UserID int64
	// Since and Until bound when they happened: [Since, Until).
	Since, Until time.Time
	Limit        int
	// Cursor continues from the previous page's Next.
	Cursor string
}

// Conversations lists conversations newest first, a page at a time.
func (db *DB) Conversations(ctx context.Context, act rapport.Actor, f ConversationFilter) ([]rapport.Conversation, string, error) {
	orgID := act.Org
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	var out []rapport.Conversation
	q := db.ro.NewSelect().Model(&out).Where("org_id = ?", orgID)
	if f.PersonID != 0 {
		q.Where("person_id = ?", f.PersonID)
	}
	if f.UserID != 0 {
		q.Where("user_id = ?", f.UserID)
	}
	aboutOwnPerson(q, "conversation", act.Only)
	if !f.Since.IsZero() {
		q.Where("occurred_at >= ?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		q.Where("occurred_at < ?", f.Until.UTC())
	}
	if f.Cursor != "" {
		at, id, err := decodeTimeCursor(f.Cursor)
		if err != nil {
			return nil, "", invalidField("cursor", "This page link has expired; start from the first page.")
		}
		q.Where("(occurred_at < ? OR (occurred_at = ? AND id < ?))", at, at, id)
	}
	if err := q.OrderExpr("occurred_at DESC, id DESC").Limit(int64(limit + 1)).Scan(ctx); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeTimeCursor(last.OccurredAt, last.ID)
	}
	return out, next, nil
}

func encodeTimeCursor(t time.Time, id int64) string {
	return "t" + strconv.FormatInt(t.UTC().UnixMicro(), 10) + "." + strconv.FormatInt(id, 10)
}

func decodeTimeCursor(s string) (time.Time, int64, error) {
	bad := rapport.Errorf(rapport.EINVALID, "bad cursor")
	if !strings.HasPrefix(s, "t") {
		return time.Time{}, 0, bad
	}
	us, idStr, ok := strings.Cut(s[1:], ".")
	micros, err1 := strconv.ParseInt(us, 10, 64)
	id, err2 := strconv.ParseInt(idStr, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return time.Time{}, 0, bad
	}
	return time.UnixMicro(micros).UTC(), id, nil
}
