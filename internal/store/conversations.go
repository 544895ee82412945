package store

import (
	"context"
	"fmt"
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
}

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
func (db *DB) LogConversation(ctx context.Context, act rapport.Actor, in *LogInput) (*LogResult, error) {
	orgID, actorID := act.Org, act.User
	now := db.now().UTC()
	c := &in.Conversation
	c.ID, c.OrgID, c.UserID = 0, orgID, actorID
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
		p := new(rapport.Person)
		if err := db.forUpdate(tx.NewSelect().Model(p).ExcludeColumn("search_doc").Where("org_id = ? AND id = ?", orgID, c.PersonID)).Scan(ctx); err != nil {
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
		c.CreatedAt = now
		if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
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
		if err := tx.NewSelect().Model(&open).Where("org_id = ? AND person_id = ? AND user_id = ? AND status = 'open' AND due_on <= ?",
			orgID, p.ID, actorID, today).Scan(ctx); err != nil {
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
	if err != nil {
		return nil, err
	}
	return res, nil
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
	_, err := tx.NewUpdate().Model(p).
		Column("first_attempt_at", "last_attempt_at", "last_live_at", "last_touch_at", "touch_due_at", "do_not_call", "updated_at", "version").
		Where("org_id = ? AND id = ?", p.OrgID, p.ID).Exec(ctx)
	return err
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
	err := db.ro.NewSelect().Table("conversations").Column("occurred_at").
		Where("org_id = ? AND user_id = ? AND live = ? AND occurred_at >= ?", orgID, userID, true, since.UTC()).
		Scan(ctx, &ts)
	return ts, err
}

// WorkedSince counts the people the user worked since a moment (an
// outbound touch or a live conversation): "done today" on Today.
func (db *DB) WorkedSince(ctx context.Context, act rapport.Actor, userID int64, since time.Time) (int, error) {
	orgID := act.Org
	var n int
	err := db.ro.NewSelect().Table("conversations").ColumnExpr("COUNT(DISTINCT person_id)").
		Where("org_id = ? AND user_id = ? AND occurred_at >= ? AND (direction = 'outbound' OR live = ?)", orgID, userID, since.UTC(), true).
		Scan(ctx, &n)
	return n, err
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
