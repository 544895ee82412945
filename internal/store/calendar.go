package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// calendarFeed is a user's secret calendar link; only its token's hash
// is kept.
type calendarFeed struct {
	bun.BaseModel `bun:"table:calendar_feeds"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	UserID        int64     `bun:"user_id"`
	TokenHash     string    `bun:"token_hash"`
	CreatedAt     time.Time `bun:"created_at"`
	RevokedAt     time.Time `bun:"revoked_at,nullzero"`
}

// CreateCalendarFeed makes the actor a new secret calendar link,
// revoking the one they had; the token is returned once, to show.
func (db *DB) CreateCalendarFeed(ctx context.Context, act rapport.Actor) (string, error) {
	if act.User == 0 {
		return "", rapport.Errorf(rapport.EINVALID, "A calendar is a user's own.")
	}
	token, hash := auth.NewToken()
	err := db.tx(ctx, func(tx bun.Tx) error {
		now := db.now().UTC()
		if _, err := tx.NewUpdate().Table("calendar_feeds").Set("revoked_at = ?", now).
			Where("org_id = ? AND user_id = ? AND revoked_at IS NULL", act.Org, act.User).Exec(ctx); err != nil {
			return err
		}
		f := &calendarFeed{OrgID: act.Org, UserID: act.User, TokenHash: hash, CreatedAt: now}
		if _, err := tx.NewInsert().Model(f).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditCreate, "calendar link", f.ID, "a new calendar link; any earlier one stops working")
	})
	return token, err
}

// RevokeCalendarFeed stops the actor's calendar link working.
func (db *DB) RevokeCalendarFeed(ctx context.Context, act rapport.Actor) error {
	return db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("calendar_feeds").Set("revoked_at = ?", db.now().UTC()).
			Where("org_id = ? AND user_id = ? AND revoked_at IS NULL", act.Org, act.User).Exec(ctx)
		if err := affected(res, err, "calendar link"); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditRevoke, "calendar link", act.User, "calendar link turned off")
	})
}

// HasCalendarFeed reports whether the actor has a calendar link that works.
func (db *DB) HasCalendarFeed(ctx context.Context, act rapport.Actor) (bool, error) {
	return db.ro.NewSelect().Table("calendar_feeds").Where("org_id = ? AND user_id = ? AND revoked_at IS NULL", act.Org, act.User).Exists(ctx)
}

// CalendarPromise is a follow-up with what its calendar event says of
// the person.
type CalendarPromise struct {
	rapport.FollowUp
	Person *rapport.Person
	Card   *rapport.ContextCard
}

// Calendar is what a user's calendar feed shows.
type Calendar struct {
	Org      *rapport.Org
	User     *rapport.User
	Promises []CalendarPromise
	Blocks   []rapport.CallBlock
	// People are the user's people with a birthday or a home anniversary.
	People []rapport.Person
}

// calendarDays is how far back kept and cancelled promises stay in the
// feed (a calendar shows what happened, and a cancellation must reach
// the phone).
const calendarDays = 60

// CalendarFor reads the calendar of the user whose link has token: an
// unknown or revoked link is not found, as is a disabled user's.
func (db *DB) CalendarFor(ctx context.Context, token string) (*Calendar, error) {
	var f calendarFeed
	if err := db.ro.NewSelect().Model(&f).Where("token_hash = ? AND revoked_at IS NULL", auth.HashToken(token)).Scan(ctx); err != nil {
		return nil, notFound(err, "calendar")
	}
	org, user, err := db.member(ctx, rapport.Actor{Org: f.OrgID, User: f.UserID})
	if err != nil {
		return nil, err
	}
	if !user.Active() {
		return nil, rapport.NotFound("calendar")
	}
	act := rapport.Member(org, user)
	c := &Calendar{Org: org, User: user}
	since := db.now().UTC().AddDate(0, 0, -calendarDays)
	var fs []rapport.FollowUp
	if err := db.ro.NewSelect().Model(&fs).Where("org_id = ? AND user_id = ?", org.ID, user.ID).
		Where("status = ? OR done_at > ? OR cancelled_at > ?", rapport.FollowUpOpen, since, since).
		OrderExpr("due_on, id").Limit(2000).Scan(ctx); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(fs))
	for _, f := range fs {
		ids = append(ids, f.PersonID)
	}
	people := map[int64]*rapport.Person{}
	if len(ids) > 0 {
		var ps []rapport.Person
		if err := db.ro.NewSelect().Model(&ps).Where("org_id = ? AND id IN (?)", org.ID, bun.List(ids)).Scan(ctx); err != nil {
			return nil, err
		}
		if err := db.loadDetails(ctx, db.ro, org.ID, ps); err != nil {
			return nil, err
		}
		ptrs := make([]*rapport.Person, 0, len(ps))
		for i := range ps {
			if act.Sees(ps[i].OwnerID) || ps[i].OwnerID == user.ID {
				people[ps[i].ID] = &ps[i]
				ptrs = append(ptrs, &ps[i])
			}
		}
		cards, err := db.ContextCards(ctx, act, ptrs)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if p := people[f.PersonID]; p != nil {
				c.Promises = append(c.Promises, CalendarPromise{FollowUp: f, Person: p, Card: cards[p.ID]})
			}
		}
	}
	if c.Blocks, err = db.CallBlocks(ctx, act, user.ID); err != nil {
		return nil, err
	}
	if err := db.ro.NewSelect().Model(&c.People).Where("org_id = ? AND owner_id = ? AND archived_at IS NULL", org.ID, user.ID).
		Where("birthday_month > 0 OR home_month > 0").OrderExpr("id").Limit(5000).Scan(ctx); err != nil {
		return nil, err
	}
	return c, nil
}
