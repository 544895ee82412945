package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// LeadHandover is one time a new lead changed hands for want of an attempt
// in the claim window, or was claimed from the pond. A zero ToUserID is
// the pond; a zero FromUserID a claim from it.
type LeadHandover struct {
	bun.BaseModel `bun:"table:lead_handovers"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	PersonID      int64     `bun:"person_id"`
	FromUserID    int64     `bun:"from_user_id,nullzero"`
	ToUserID      int64     `bun:"to_user_id,nullzero"`
	Reason        string    `bun:"reason"`
	At            time.Time `bun:"at"`
	// PersonName is filled in by Handovers.
	PersonName string `bun:"-"`
}

// claimCandidate is a routed lead nobody has attempted.
type claimCandidate struct {
	ID         int64     `bun:"id"`
	OwnerID    int64     `bun:"owner_id"`
	Source     string    `bun:"source"`
	AssignedAt time.Time `bun:"assigned_at"`
}

// SweepClaims passes on every new lead whose owner has not attempted it
// within its organisation's claim window: to the next agent on duty in
// the rotation, or to the pond with an alert to every agent on duty. It
// returns how many leads changed hands. Server-wide periodic work; two
// servers sweeping at once pass a lead once (the row is re-read, locked,
// inside the hand-over's transaction).
func (db *DB) SweepClaims(ctx context.Context, now time.Time) (int, error) {
	var orgs []rapport.Org
	if err := db.ro.NewSelect().Model(&orgs).Where("claim_minutes > 0").OrderExpr("id").Scan(ctx); err != nil {
		return 0, err
	}
	n := 0
	for i := range orgs {
		org := &orgs[i]
		cutoff := now.UTC().Add(-time.Duration(org.ClaimMinutes) * time.Minute)
		var cs []claimCandidate
		if err := db.ro.NewSelect().Table("people").Column("id", "owner_id", "source", "assigned_at").
			Where("org_id = ? AND kind = ? AND first_attempt_at IS NULL AND archived_at IS NULL AND NOT in_pond", org.ID, rapport.KindLead).
			Where("owner_id IS NOT NULL AND assigned_at IS NOT NULL AND assigned_at <= ?", cutoff).
			OrderExpr("assigned_at, id").Limit(500).Scan(ctx, &cs); err != nil {
			return n, err
		}
		for _, c := range cs {
			passed, err := db.passLead(ctx, org, c, cutoff)
			if err != nil {
				return n, err
			}
			if passed {
				n++
			}
		}
	}
	return n, nil
}

// passLead hands one unattempted lead on, if it is still as c found it.
func (db *DB) passLead(ctx context.Context, org *rapport.Org, c claimCandidate, cutoff time.Time) (bool, error) {
	passed := false
	err := db.tx(ctx, func(tx bun.Tx) error {
		var now claimCandidate
		if err := db.forUpdate(tx.NewSelect().Table("people").Column("id", "owner_id", "source", "assigned_at").
			Where("org_id = ? AND id = ? AND kind = ? AND first_attempt_at IS NULL AND archived_at IS NULL AND NOT in_pond", org.ID, c.ID, rapport.KindLead).
			Where("owner_id = ? AND assigned_at <= ?", c.OwnerID, cutoff)).Scan(ctx, &now); err != nil {
			return ignoreNoRows(err) // attempted, archived or passed meanwhile
		}
		reason := fmt.Sprintf("not attempted within %d minutes", org.ClaimMinutes)
		if org.ClaimTo == rapport.ClaimPond {
			if _, err := tx.NewUpdate().Table("people").Set("owner_id = NULL, in_pond = TRUE, version = version + 1").
				Set("assigned_at = ?", db.now().UTC()).Where("org_id = ? AND id = ?", org.ID, c.ID).Exec(ctx); err != nil {
				return err
			}
			if err := db.handover(ctx, tx, org.ID, c.ID, c.OwnerID, 0, reason); err != nil {
				return err
			}
			agents, err := db.onDutyAgents(ctx, tx, org.ID)
			if err != nil {
				return err
			}
			for _, id := range agents {
				if err := db.enqueue(ctx, tx, org, alert{kind: rapport.AlertNewLead, userID: id, personID: c.ID,
					cause: fmt.Sprintf("pond:p%d:%d", c.ID, c.AssignedAt.Unix()), data: "pond"}); err != nil {
					return err
				}
				if err := db.signal(ctx, tx, TopicToday(org.ID, id)); err != nil {
					return err
				}
			}
			passed = true
			return db.signal(ctx, tx, TopicToday(org.ID, c.OwnerID))
		}
		next, err := db.routeLeadExcept(ctx, tx, org.ID, c.Source, c.OwnerID)
		if err != nil {
			return err
		}
		if next == 0 {
			// No one else on duty: the lead stays, and the rotation's
			// turns taken looking are given back.
			return errNoOneElse
		}
		if _, err := tx.NewUpdate().Table("people").Set("owner_id = ?, version = version + 1", next).
			Where("org_id = ? AND id = ?", org.ID, c.ID).Exec(ctx); err != nil {
			return err
		}
		if err := db.handover(ctx, tx, org.ID, c.ID, c.OwnerID, next, reason); err != nil {
			return err
		}
		if err := db.handedTo(ctx, tx, org, c.ID, next, fmt.Sprintf("pass%d", c.AssignedAt.Unix())); err != nil {
			return err
		}
		passed = true
		return db.signal(ctx, tx, TopicToday(org.ID, c.OwnerID))
	})
	if err == errNoOneElse {
		return false, nil
	}
	return passed, err
}

var errNoOneElse = errors.New("no one else on duty")

// routeLeadExcept routes a lead to someone other than except, advancing
// the rotation past them; 0 when no one else is on duty.
func (db *DB) routeLeadExcept(ctx context.Context, tx bun.Tx, orgID int64, source string, except int64) (int64, error) {
	n, err := tx.NewSelect().Table("users").Where("org_id = ? AND disabled_at IS NULL", orgID).Count(ctx)
	if err != nil {
		return 0, err
	}
	for range n {
		u, err := db.routeLead(ctx, tx, orgID, source)
		if err != nil || (u != except && u != 0) {
			return u, err
		}
	}
	return 0, nil
}

// onDutyAgents lists the organisation's active agents who are not off
// duty (its owners and managers when it has no agents).
func (db *DB) onDutyAgents(ctx context.Context, tx bun.IDB, orgID int64) ([]int64, error) {
	var users []rapport.User
	if err := tx.NewSelect().Model(&users).Where("org_id = ? AND disabled_at IS NULL AND paused_at IS NULL", orgID).
		OrderExpr("id").Scan(ctx); err != nil {
		return nil, err
	}
	var agents, all []int64
	for _, u := range users {
		all = append(all, u.ID)
		if u.Role == rapport.RoleAgent {
			agents = append(agents, u.ID)
		}
	}
	if len(agents) == 0 {
		return all, nil
	}
	return agents, nil
}

func (db *DB) handover(ctx context.Context, tx bun.Tx, orgID, personID, from, to int64, reason string) error {
	h := &LeadHandover{OrgID: orgID, PersonID: personID, FromUserID: from, ToUserID: to, Reason: reason, At: db.now().UTC()}
	if _, err := tx.NewInsert().Model(h).Exec(ctx); err != nil {
		return err
	}
	return db.webhook(ctx, tx, orgID, rapport.EventLeadClaimed, personID, 0)
}

// Pond lists the leads waiting in the organisation's pond, oldest first.
// Every member sees it: any agent may claim one.
func (db *DB) Pond(ctx context.Context, act rapport.Actor, limit int) ([]rapport.Person, error) {
	var ps []rapport.Person
	b := &bound{}
	text := db.ro.NewSelect().Model(&ps).Where("org_id = ? AND in_pond AND archived_at IS NULL", b.v(act.Org)).OrderExpr("assigned_at, id").String()
	if limit > 0 {
		text = b.limit(text, limit)
	}
	err := db.readBound(ctx, &ps, text, b)
	if err != nil || len(ps) == 0 {
		return ps, err
	}
	return ps, db.loadDetails(ctx, db.ro, act.Org, ps)
}

// ClaimLead makes a lead in the pond the actor's. Two agents claiming at
// once: the first wins, the second is told who did.
func (db *DB) ClaimLead(ctx context.Context, act rapport.Actor, personID int64) error {
	if act.User == 0 {
		return rapport.Errorf(rapport.EINVALID, "Only a user claims a lead.")
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("people").Set("owner_id = ?, in_pond = FALSE, version = version + 1", act.User).
			Set("assigned_at = ?", db.now().UTC()).Where("org_id = ? AND id = ? AND in_pond", act.Org, personID).Exec(ctx)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			var owner struct {
				OwnerID int64 `bun:"owner_id"`
			}
			if err := tx.NewSelect().Table("people").ColumnExpr("COALESCE(owner_id, 0) AS owner_id").
				Where("org_id = ? AND id = ?", act.Org, personID).Scan(ctx, &owner); err != nil {
				return notFound(err, "person")
			}
			if owner.OwnerID == act.User {
				return nil
			}
			if !act.Sees(owner.OwnerID) {
				return rapport.NotFound("person")
			}
			return rapport.Errorf(rapport.ECONFLICT, "Someone else claimed this lead first.")
		}
		if err := db.handover(ctx, tx, act.Org, personID, 0, act.User, "claimed from the pond"); err != nil {
			return err
		}
		if err := db.audit(ctx, tx, act.Org, act.User, AuditUpdate, "person", personID, "claimed from the pond"); err != nil {
			return err
		}
		return db.signal(ctx, tx, TopicToday(act.Org, 0))
	})
}

// Handovers lists the organisation's hand-overs from from to to (both included),
// newest first, with each lead's name: for the speed-to-lead report.
func (db *DB) Handovers(ctx context.Context, act rapport.Actor, from, to time.Time) ([]LeadHandover, error) {
	if !act.Runs() {
		return nil, rapport.ErrNotFigures
	}
	var hs []LeadHandover
	if err := db.ro.NewSelect().Model(&hs).Where("org_id = ? AND at >= ? AND at <= ?", act.Org, from.UTC(), to.UTC()).
		OrderExpr("at DESC, id DESC").Limit(500).Scan(ctx); err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, h := range hs {
		names[h.PersonID] = ""
	}
	if len(names) > 0 {
		ids := make([]int64, 0, len(names))
		for id := range names {
			ids = append(ids, id)
		}
		var ps []rapport.Person
		if err := db.ro.NewSelect().Model(&ps).Column("id", "first_name", "last_name").Where("org_id = ? AND id IN (?)", act.Org, bun.List(ids)).Scan(ctx); err != nil {
			return nil, err
		}
		for _, p := range ps {
			names[p.ID] = p.Name()
		}
	}
	for i := range hs {
		hs[i].PersonName = names[hs[i].PersonID]
	}
	return hs, nil
}

// ignoreNoRows treats "no row" as nothing to do.
func ignoreNoRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	return err
}
