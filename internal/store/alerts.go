package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// leadArrived tells a new lead's owner, in the transaction that routed
// it: the claim window starts, their Today hears of it, and they are
// alerted as they chose.
func (db *DB) leadArrived(ctx context.Context, tx bun.Tx, orgID int64, p *rapport.Person) error {
	if _, err := tx.NewUpdate().Table("people").Set("assigned_at = ?", db.now().UTC()).Set("in_pond = FALSE").
		Where("org_id = ? AND id = ?", orgID, p.ID).Exec(ctx); err != nil {
		return err
	}
	org, err := db.orgTx(ctx, tx, orgID)
	if err != nil {
		return err
	}
	if err := db.enqueue(ctx, tx, org, alert{kind: rapport.AlertNewLead, userID: p.OwnerID, personID: p.ID,
		cause: fmt.Sprintf("p%d", p.ID)}); err != nil {
		return err
	}
	if err := db.webhook(ctx, tx, orgID, rapport.EventLeadRouted, p.ID, 0); err != nil {
		return err
	}
	return db.signal(ctx, tx, TopicToday(orgID, p.OwnerID))
}

// assigned records that a person changed hands now: the claim window
// counts from here, and they are out of the pond.
func (db *DB) assigned(ctx context.Context, tx bun.Tx, orgID int64, personIDs ...int64) error {
	if len(personIDs) == 0 {
		return nil
	}
	_, err := tx.NewUpdate().Table("people").Set("assigned_at = ?", db.now().UTC()).Set("in_pond = FALSE").
		Where("org_id = ? AND id IN (?)", orgID, bun.List(personIDs)).Exec(ctx)
	return err
}

// handedTo tells a lead's new owner that it is theirs now, when someone
// else gave it to them (an owner changed by a manager, a hand-over of the
// claim window). version names the change, so that it alerts once.
func (db *DB) handedTo(ctx context.Context, tx bun.Tx, org *rapport.Org, personID, userID int64, cause string) error {
	if err := db.assigned(ctx, tx, org.ID, personID); err != nil {
		return err
	}
	if err := db.enqueue(ctx, tx, org, alert{kind: rapport.AlertReassigned, userID: userID, personID: personID,
		cause: fmt.Sprintf("p%d:%s", personID, cause)}); err != nil {
		return err
	}
	return db.signal(ctx, tx, TopicToday(org.ID, userID))
}

// SweepPromises queues the alerts of promises due at now, for every
// organisation: server-wide work of a periodic job, safe to run on
// several servers at once (a promise alerts once per due time).
func (db *DB) SweepPromises(ctx context.Context, now time.Time) (int, error) {
	// Every zone's today lies within a day of UTC's.
	utc := rapport.DayOf(now, time.UTC)
	var fs []rapport.FollowUp
	if err := db.ro.NewSelect().Model(&fs).Where("status = ? AND due_on BETWEEN ? AND ?", rapport.FollowUpOpen,
		utc.AddDays(-1), utc.AddDays(1)).OrderExpr("org_id, id").Scan(ctx); err != nil {
		return 0, err
	}
	n := 0
	members := memberCache{db: db}
	// Each sweep finds the same promises due for a while: those already
	// alerted are passed over without a write.
	alerted, err := db.alertedRefs(ctx, rapport.AlertPromiseDue, fs)
	if err != nil {
		return 0, err
	}
	for i := range fs {
		f := &fs[i]
		if alerted[f.ID] {
			continue
		}
		org, u, err := members.get(ctx, f.OrgID, f.UserID)
		if err != nil {
			return n, err
		}
		if u == nil || !(u.Wants(rapport.AlertEmail, rapport.AlertPromiseDue) || u.Wants(rapport.AlertPush, rapport.AlertPromiseDue)) ||
			!rapport.PromiseDueNow(f, u.AlertsOf(), now, u.Location(org)) {
			continue
		}
		err = db.tx(ctx, func(tx bun.Tx) error {
			return db.enqueue(ctx, tx, org, alert{kind: rapport.AlertPromiseDue, userID: u.ID, personID: f.PersonID, refID: f.ID,
				cause: fmt.Sprintf("f%d:%s%s", f.ID, f.DueOn, f.DueTime)})
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// SweepAgendas queues the daily agenda of every active user whose agenda
// hour has come in their zone, once a day: server-wide periodic work.
func (db *DB) SweepAgendas(ctx context.Context, now time.Time) (int, error) {
	var users []rapport.User
	if err := db.ro.NewSelect().Model(&users).Where("disabled_at IS NULL").OrderExpr("org_id, id").Scan(ctx); err != nil {
		return 0, err
	}
	n := 0
	members := memberCache{db: db}
	// Users whose agenda went in the last day are passed over without a
	// write (the idempotency key would refuse it anyway).
	var sent []int64
	if err := db.ro.NewSelect().Table("outbox").Column("user_id").Where("kind = ? AND created_at > ?", rapport.AlertAgenda, now.UTC().Add(-20*time.Hour)).
		Scan(ctx, &sent); err != nil {
		return 0, err
	}
	had := map[int64]bool{}
	for _, id := range sent {
		had[id] = true
	}
	for i := range users {
		u := &users[i]
		if had[u.ID] || !u.Wants(rapport.AlertEmail, rapport.AlertAgenda) {
			continue
		}
		org, _, err := members.get(ctx, u.OrgID, 0)
		if err != nil {
			return n, err
		}
		day, ok := u.AlertsOf().AgendaDay(now, u.Location(org))
		if !ok {
			continue
		}
		err = db.tx(ctx, func(tx bun.Tx) error {
			return db.enqueue(ctx, tx, org, alert{kind: rapport.AlertAgenda, userID: u.ID, cause: string(day), data: string(day),
				channels: []rapport.AlertChannel{rapport.AlertEmail}})
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// memberCache loads organisations and users once per sweep.
type memberCache struct {
	db    *DB
	orgs  map[int64]*rapport.Org
	users map[int64]*rapport.User
}

// get returns the organisation and, when userID is not 0, the user (nil
// when disabled or gone).
func (c *memberCache) get(ctx context.Context, orgID, userID int64) (*rapport.Org, *rapport.User, error) {
	if c.orgs == nil {
		c.orgs, c.users = map[int64]*rapport.Org{}, map[int64]*rapport.User{}
	}
	org := c.orgs[orgID]
	if org == nil {
		var err error
		if org, err = c.db.Org(ctx, orgID); err != nil {
			return nil, nil, err
		}
		c.orgs[orgID] = org
	}
	if userID == 0 {
		return org, nil, nil
	}
	u, seen := c.users[userID]
	if !seen {
		got, err := c.db.User(ctx, rapport.Actor{Org: orgID}, userID)
		if err != nil && rapport.ErrorCode(err) != rapport.ENOTFOUND {
			return nil, nil, err
		}
		if err == nil && got.Active() {
			u = got
		}
		c.users[userID] = u
	}
	return org, u, nil
}

// SetPaused takes the actor off duty (routing and the claim window skip
// them) or puts them back on.
func (db *DB) SetPaused(ctx context.Context, act rapport.Actor, paused bool) error {
	if act.User == 0 {
		return rapport.Errorf(rapport.EINVALID, "Only a user goes off duty.")
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		q := tx.NewUpdate().Table("users").Where("org_id = ? AND id = ?", act.Org, act.User)
		summary := "back on duty"
		if paused {
			q.Set("paused_at = COALESCE(paused_at, ?)", db.now().UTC())
			summary = "off duty"
		} else {
			q.Set("paused_at = NULL")
		}
		res, err := q.Exec(ctx)
		if err := affected(res, err, "user"); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditUpdate, "user", act.User, summary)
	})
}

// UpdateAlerts saves the actor's choice of alerts.
func (db *DB) UpdateAlerts(ctx context.Context, act rapport.Actor, a rapport.Alerts) error {
	if act.User == 0 {
		return rapport.Errorf(rapport.EINVALID, "Only a user chooses alerts.")
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	u := &rapport.User{ID: act.User}
	u.SetAlerts(a)
	res, err := db.rw.NewUpdate().Model(u).Column("alert_email", "alert_push", "quiet_from", "quiet_to", "agenda_hour").
		Where("org_id = ? AND id = ?", act.Org, act.User).Exec(ctx)
	return affected(res, err, "user")
}

// Unsubscribe turns off one kind of email for the user an unsubscribe
// link names (its token), without signing in: RFC 8058's one click. An
// unknown token is not found.
func (db *DB) Unsubscribe(ctx context.Context, token string, kind rapport.AlertKind) (*rapport.User, error) {
	if len(token) < 32 || !kind.Valid() {
		return nil, rapport.NotFound("unsubscribe link")
	}
	u := new(rapport.User)
	err := db.tx(ctx, func(tx bun.Tx) error {
		if err := tx.NewSelect().Model(u).Where("alert_token = ?", token).Scan(ctx); err != nil {
			return notFound(err, "unsubscribe link")
		}
		a := u.AlertsOf()
		var keep []rapport.AlertKind
		for _, k := range a.Email {
			if k != kind {
				keep = append(keep, k)
			}
		}
		a.Email = keep
		u.SetAlerts(a)
		if _, err := tx.NewUpdate().Model(u).Column("alert_email").Where("org_id = ? AND id = ?", u.OrgID, u.ID).Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, u.OrgID, u.ID, AuditUpdate, "user", u.ID, "unsubscribed from "+string(kind)+" email")
	})
	return u, err
}

// UnsubscribeLink reports whether token names a user's unsubscribe links
// (for the page that asks before the one click).
func (db *DB) UnsubscribeLink(ctx context.Context, token string) error {
	if len(token) < 32 {
		return rapport.NotFound("unsubscribe link")
	}
	ok, err := db.ro.NewSelect().Table("users").Where("alert_token = ?", token).Exists(ctx)
	if err == nil && !ok {
		err = rapport.NotFound("unsubscribe link")
	}
	return err
}

// alertedRefs says which of the follow-ups already have a message of kind.
func (db *DB) alertedRefs(ctx context.Context, kind rapport.AlertKind, fs []rapport.FollowUp) (map[int64]bool, error) {
	out := map[int64]bool{}
	for start := 0; start < len(fs); start += 500 {
		ids := make([]int64, 0, 500)
		for _, f := range fs[start:min(start+500, len(fs))] {
			ids = append(ids, f.ID)
		}
		var got []int64
		if err := db.ro.NewSelect().Table("outbox").Column("ref_id").Where("kind = ? AND ref_id IN (?)", kind, bun.List(ids)).Scan(ctx, &got); err != nil {
			return nil, err
		}
		for _, id := range got {
			out[id] = true
		}
	}
	return out, nil
}
