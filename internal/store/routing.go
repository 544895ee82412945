package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// RoutingRules lists the organisation's rules in the order they are tried.
func (db *DB) RoutingRules(ctx context.Context, act rapport.Actor) ([]rapport.RoutingRule, error) {
	orgID := act.Org
	if !act.Runs() {
		return nil, rapport.ErrNotManager
	}
	var rs []rapport.RoutingRule
	err := db.ro.NewSelect().Model(&rs).Where("org_id = ?", orgID).OrderExpr("position, id").Scan(ctx)
	return rs, err
}

// CreateRoutingRule adds a rule after the existing ones. Its users must
// belong to the organisation.
func (db *DB) CreateRoutingRule(ctx context.Context, act rapport.Actor, r *rapport.RoutingRule) error {
	if !act.Runs() {
		return rapport.ErrNotManager
	}
	r.OrgID = act.Org
	if err := r.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		ids := r.Users()
		n, err := tx.NewSelect().Table("users").Where("org_id = ? AND id IN (?) AND disabled_at IS NULL", r.OrgID, bun.List(ids)).Count(ctx)
		if err != nil {
			return err
		}
		if int(n) != len(ids) {
			return invalidField("users", "Choose people from your organisation.")
		}
		var last int
		if err := tx.NewSelect().Table("routing_rules").ColumnExpr("COALESCE(MAX(position), 0)").
			Where("org_id = ?", r.OrgID).Scan(ctx, &last); err != nil {
			return err
		}
		r.ID, r.Position, r.NextIndex, r.CreatedAt = 0, last+1, 0, db.now().UTC()
		r.UserIDs = rapport.FormatIDs(ids)
		_, err = tx.NewInsert().Model(r).Returning("id").Exec(ctx)
		return err
	})
}

// DeleteRoutingRule removes a rule.
func (db *DB) DeleteRoutingRule(ctx context.Context, act rapport.Actor, id int64) error {
	orgID := act.Org
	if !act.Runs() {
		return rapport.ErrNotManager
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewDelete().Table("routing_rules").Where("org_id = ? AND id = ?", orgID, id).Exec(ctx)
		if err := affected(res, err, "routing rule"); err != nil {
			return err
		}
		return db.audit(ctx, tx, orgID, act.User, AuditDelete, "routing rule", id, "")
	})
}

// routeLead picks the owner of a new lead from source and advances the
// turn it used, inside the caller's transaction (rows locked on
// PostgreSQL, so that two leads arriving together go to different people).
func (db *DB) routeLead(ctx context.Context, tx bun.Tx, orgID int64, source string) (int64, error) {
	// Every lead is routed: the statements here are written with
	// placeholders, which the writer keeps prepared (writerstmts.go).
	var rules []rapport.RoutingRule
	b := &bound{}
	if err := db.readBoundOn(ctx, tx, &rules, db.forUpdate(tx.NewSelect().Model(&rules).Where("org_id = ?", b.v(orgID)).OrderExpr("position, id")).String(), b); err != nil {
		return 0, err
	}
	var users []rapport.User
	b = &bound{}
	if err := db.readBoundOn(ctx, tx, &users, tx.NewSelect().Model(&users).Where("org_id = ? AND disabled_at IS NULL", b.v(orgID)).OrderExpr("id").String(), b); err != nil {
		return 0, err
	}
	// Off duty: the rotation and the rules pass them by, unless everyone
	// is off duty, when a lead still finds an owner.
	onDuty := users[:0:0]
	for _, u := range users {
		if !u.Paused() {
			onDuty = append(onDuty, u)
		}
	}
	if len(onDuty) > 0 {
		users = onDuty
	}
	var agents, everyone []int64
	for _, u := range users {
		everyone = append(everyone, u.ID)
		if u.Role == rapport.RoleAgent {
			agents = append(agents, u.ID)
		}
	}
	if len(agents) == 0 {
		// A team of owners and managers shares its leads among them.
		agents = everyone
	}
	if _, err := db.execOn(ctx, tx, "INSERT INTO routing_state (org_id, next_index) VALUES (?, 0) ON CONFLICT (org_id) DO NOTHING", orgID); err != nil {
		return 0, err
	}
	var nextIndex int
	text := "SELECT next_index FROM routing_state WHERE org_id = ?"
	if db.dialect == Postgres {
		text += " FOR UPDATE" // as forUpdate writes it
	}
	if err := tx.Tx.QueryRowContext(ctx, db.placeholders(text), orgID).Scan(&nextIndex); err != nil {
		return 0, err
	}
	user, rule, next := rapport.Route(rules, source, everyone, agents, nextIndex)
	if rule != nil {
		_, err := db.execOn(ctx, tx, "UPDATE routing_rules SET next_index = ? WHERE org_id = ? AND id = ?", next, orgID, rule.ID)
		return user, err
	}
	_, err := db.execOn(ctx, tx, "UPDATE routing_state SET next_index = ? WHERE org_id = ?", next, orgID)
	return user, err
}
