package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Held events are lead-source events that named no one Rapport could
// know. They wait, with the body as received, for an owner or manager to
// attach them to a person (RecordEvent with EventInput.HeldID) or to
// dismiss them.

// HoldEvent keeps an event that cannot be recorded against anyone. The
// same event held before (same dedupe key) is not held twice: h becomes
// the one held, and dup reports it.
func (db *DB) HoldEvent(ctx context.Context, act rapport.Actor, h *rapport.HeldEvent) (dup bool, err error) {
	orgID := act.Org
	h.ID, h.OrgID = 0, orgID
	h.ReceivedAt = db.now().UTC()
	h.ResolvedAt, h.ResolvedBy, h.PersonID, h.EventID = time.Time{}, 0, 0, 0
	err = db.tx(ctx, func(tx bun.Tx) error {
		var prior rapport.HeldEvent
		err := tx.NewSelect().Model(&prior).Where("org_id = ? AND dedupe_key = ?", orgID, h.DedupeKey).Scan(ctx)
		if err == nil {
			*h, dup = prior, true
			return nil
		}
		if err := notFound(err, "held event"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			return err
		}
		_, err = tx.NewInsert().Model(h).Returning("id").Exec(ctx)
		return err
	})
	if err != nil && db.isUnique(err) {
		// Held twice at once; the other one won.
		return db.HoldEvent(ctx, rapport.Actor{Org: orgID}, h)
	}
	return dup, err
}

// HeldEvents lists the organisation's held events, oldest first: those
// still waiting, or (resolved) those attached or dismissed, newest first.
func (db *DB) HeldEvents(ctx context.Context, act rapport.Actor, resolved bool, limit int) ([]rapport.HeldEvent, error) {
	orgID := act.Org
	if !act.Runs() {
		return nil, rapport.ErrNotPlacer
	}
	var hs []rapport.HeldEvent
	q := db.ro.NewSelect().Model(&hs).Where("org_id = ?", orgID)
	if resolved {
		q.Where("resolved_at IS NOT NULL").OrderExpr("resolved_at DESC, id DESC")
	} else {
		q.Where("resolved_at IS NULL").OrderExpr("received_at, id")
	}
	err := q.Limit(int64(max(limit, 1))).Scan(ctx)
	return hs, err
}

// CountHeld is how many held events wait for someone.
func (db *DB) CountHeld(ctx context.Context, act rapport.Actor) (int, error) {
	orgID := act.Org
	if !act.Runs() {
		return 0, rapport.ErrNotPlacer
	}
	n, err := db.ro.NewSelect().Model((*rapport.HeldEvent)(nil)).Where("org_id = ? AND resolved_at IS NULL", orgID).Count(ctx)
	return int(n), err
}

// HeldEvent loads one held event of the organisation.
func (db *DB) HeldEvent(ctx context.Context, act rapport.Actor, id int64) (*rapport.HeldEvent, error) {
	orgID := act.Org
	if !act.Runs() {
		return nil, rapport.ErrNotPlacer
	}
	h := new(rapport.HeldEvent)
	if err := db.ro.NewSelect().Model(h).Where("org_id = ? AND id = ?", orgID, id).Scan(ctx); err != nil {
		return nil, notFound(err, "held event")
	}
	return h, nil
}

// errHeldResolved is the conflict of attaching or dismissing a held event
// someone already attached or dismissed.
var errHeldResolved = rapport.Errorf(rapport.ECONFLICT, "Someone already attached or dismissed this event.")

// DismissHeld closes a held event without recording it: a test post, or
// junk. The body stays, for the record.
func (db *DB) DismissHeld(ctx context.Context, act rapport.Actor, id int64) error {
	orgID, actorID := act.Org, act.User
	if !act.Runs() {
		return rapport.ErrNotPlacer
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		h := new(rapport.HeldEvent)
		if err := tx.NewSelect().Model(h).Where("org_id = ? AND id = ?", orgID, id).Scan(ctx); err != nil {
			return notFound(err, "held event")
		}
		res, err := tx.NewUpdate().Table("held_events").Set("resolved_at = ?, resolved_by = ?", db.now().UTC(), actorID).
			Where("org_id = ? AND id = ? AND resolved_at IS NULL", orgID, id).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errHeldResolved
		}
		return db.audit(ctx, tx, orgID, actorID, AuditDelete, "held event", id, or(h.Source, "a lead source")+": dismissed")
	})
}

// attachHeld marks a held event attached to the event it became, inside
// the transaction that recorded it.
func (db *DB) attachHeld(ctx context.Context, tx bun.Tx, orgID, actorID, heldID int64, ev *rapport.Event) error {
	res, err := tx.NewUpdate().Table("held_events").Set("resolved_at = ?, resolved_by = ?, person_id = ?, event_id = ?",
		db.now().UTC(), actorID, ev.PersonID, ev.ID).
		Where("org_id = ? AND id = ? AND resolved_at IS NULL", orgID, heldID).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errHeldResolved
	}
	return db.audit(ctx, tx, orgID, actorID, AuditUpdate, "held event", heldID, or(ev.Source, "a lead source")+": attached")
}

// HeldEventResult is what recording an attached held event did, for a
// repeat of it: the event it became and its person, as a duplicate.
func (db *DB) HeldEventResult(ctx context.Context, act rapport.Actor, h *rapport.HeldEvent) (*EventResult, error) {
	orgID := act.Org
	ev := new(rapport.Event)
	if err := db.ro.NewSelect().Model(ev).Where("org_id = ? AND id = ?", orgID, h.EventID).Scan(ctx); err != nil {
		return nil, notFound(err, "event")
	}
	p, err := db.Person(ctx, rapport.Actor{Org: orgID}, ev.PersonID)
	if err != nil {
		return nil, err
	}
	return &EventResult{Event: ev, Person: p, Duplicate: true}, nil
}
