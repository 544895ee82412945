package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// CreateFollowUp adds a follow-up for a person. UserID (who owes or
// chases it) defaults to the actor.
func (db *DB) CreateFollowUp(ctx context.Context, act rapport.Actor, f *rapport.FollowUp) error {
	orgID, actorID := act.Org, act.User
	if err := db.CheckVisible(ctx, act, f.PersonID); err != nil {
		return err
	}
	f.Normalize()
	f.Status = rapport.FollowUpOpen
	if err := f.Validate(); err != nil {
		return err
	}
	if f.UserID == 0 {
		f.UserID = actorID
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		if err := db.personExists(ctx, tx, orgID, f.PersonID); err != nil {
			return err
		}
		ok, err := tx.NewSelect().Table("users").Where("org_id = ? AND id = ?", orgID, f.UserID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return invalidField("user", "Choose someone in your organisation.")
		}
		f.ID, f.OrgID, f.CreatedBy, f.CreatedAt, f.ConversationID = 0, orgID, actorID, db.now().UTC(), 0
		if _, err = tx.NewInsert().Model(f).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return db.webhook(ctx, tx, orgID, rapport.EventFollowUpCreated, f.PersonID, f.ID)
	})
}

// FollowUp returns one follow-up of the organisation.
func (db *DB) FollowUp(ctx context.Context, act rapport.Actor, id int64) (*rapport.FollowUp, error) {
	orgID := act.Org
	f := new(rapport.FollowUp)
	if err := db.ro.NewSelect().Model(f).Where("org_id = ? AND id = ?", orgID, id).Scan(ctx); err != nil {
		return nil, notFound(err, "follow-up")
	}
	if act.Only != 0 {
		if err := db.CheckVisible(ctx, act, f.PersonID); err != nil {
			return nil, rapport.NotFound("follow-up")
		}
	}
	return f, nil
}

// CloseFollowUp marks an open follow-up done or cancelled. Closing one
// that is already closed is a conflict.
func (db *DB) CloseFollowUp(ctx context.Context, act rapport.Actor, id int64, status rapport.FollowUpStatus) error {
	orgID := act.Org
	col := "done_at"
	switch status {
	case rapport.FollowUpDone:
	case rapport.FollowUpCancelled:
		col = "cancelled_at"
	default:
		return rapport.Errorf(rapport.EINVALID, "a follow-up can only be marked done or cancelled")
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		f := new(rapport.FollowUp)
		if err := tx.NewSelect().Model(f).Where("org_id = ? AND id = ?", orgID, id).Scan(ctx); err != nil {
			return notFound(err, "follow-up")
		}
		if !f.Open() {
			return rapport.Errorf(rapport.ECONFLICT, "This follow-up is already %s.", f.Status)
		}
		if _, err := tx.NewUpdate().Table("follow_ups").Set("status = ?, "+col+" = ?", status, db.now().UTC()).
			Where("org_id = ? AND id = ?", orgID, id).Exec(ctx); err != nil {
			return err
		}
		if status != rapport.FollowUpDone {
			return nil
		}
		return db.webhook(ctx, tx, orgID, rapport.EventFollowUpDone, f.PersonID, id)
	})
}

// FollowUpFilter narrows a follow-up list.
type FollowUpFilter struct {
	UserID   int64 // 0: everyone's
	PersonID int64
	Status   rapport.FollowUpStatus // "" means open
	Owes     rapport.Owes
	// DueFrom and DueTo bound the due day, inclusive, when set.
	DueFrom, DueTo rapport.Day
	Limit          int
	// Cursor continues from the page before; FollowUpsPage returns it.
	Cursor string
}

// FollowUps lists follow-ups by due day, with the person's name.
func (db *DB) FollowUps(ctx context.Context, act rapport.Actor, f FollowUpFilter) ([]rapport.FollowUp, error) {
	fus, _, err := db.FollowUpsPage(ctx, act, f)
	return fus, err
}

// followUpsLimit is a page of follow-ups when the filter names no limit.
const followUpsLimit = 200

// FollowUpsPage is FollowUps a page at a time: open ones soonest due first,
// closed ones latest first, with the cursor of the next page.
func (db *DB) FollowUpsPage(ctx context.Context, act rapport.Actor, f FollowUpFilter) ([]rapport.FollowUp, string, error) {
	orgID := act.Org
	var out []rapport.FollowUp
	status := f.Status
	if status == "" {
		status = rapport.FollowUpOpen
	}
	b := &bound{}
	q := db.ro.NewSelect().Model(&out).Where("org_id = ? AND status = ?", b.v(orgID), b.v(status))
	if f.UserID != 0 {
		q.Where("user_id = ?", b.v(f.UserID))
	}
	if act.Only != 0 {
		q.Where(ownPerson("follow_up"), b.v(act.Only))
	}
	if f.PersonID != 0 {
		q.Where("person_id = ?", b.v(f.PersonID))
	} else {
		// Lists across people leave out the archived: nobody is chasing them.
		q.Where("NOT EXISTS (SELECT 1 FROM people p WHERE p.org_id = follow_up.org_id AND p.id = follow_up.person_id AND p.archived_at IS NOT NULL)")
	}
	if f.Owes != "" {
		q.Where("owes = ?", b.v(f.Owes))
	}
	if f.DueFrom != "" {
		q.Where("due_on >= ?", b.v(f.DueFrom))
	}
	if f.DueTo != "" {
		q.Where("due_on <= ?", b.v(f.DueTo))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = followUpsLimit
	}
	if f.Cursor != "" {
		due, id, ok := strings.Cut(f.Cursor, ".")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil || rapport.Day(due).IsZero() {
			return nil, "", invalidField("cursor", "This page link has expired; start from the first page.")
		}
		d := b.v(due)
		if status == rapport.FollowUpOpen {
			q.Where("(due_on > ? OR (due_on = ? AND id > ?))", d, d, b.v(n))
		} else {
			q.Where("(due_on < ? OR (due_on = ? AND id < ?))", d, d, b.v(n))
		}
	}
	if status == rapport.FollowUpOpen {
		q.OrderExpr("due_on, id")
	} else {
		q.OrderExpr("due_on DESC, id DESC")
	}
	if err := db.readBound(ctx, &out, b.limit(q.String(), limit+1), b); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = string(last.DueOn) + "." + strconv.FormatInt(last.ID, 10)
	}
	ids := make([]int64, 0, len(out))
	for _, fu := range out {
		ids = append(ids, fu.PersonID)
	}
	names, err := db.personNames(ctx, orgID, ids)
	if err != nil {
		return nil, "", err
	}
	for i := range out {
		out[i].Person = &rapport.PersonRef{ID: out[i].PersonID, Name: names[out[i].PersonID]}
	}
	return out, next, nil
}
