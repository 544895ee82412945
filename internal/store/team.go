package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Running the team: disabling someone who leaves and handing their people
// to a colleague, re-enabling them, changing roles. Each takes by, the
// user acting (nil: the operator at the command line, whom no role rule
// binds), and checks by's rights on the rows it locks; whatever by may
// do, the organisation keeps an active owner.

// Handover counts what a disabled user's successor took over, and what
// ended with the disabling.
type Handover struct {
	// To is who took over (nil: no one, as there was nothing to take).
	To *rapport.User
	// People they owned (archived ones too), their open follow-ups,
	// routing rules naming them, and call blocks.
	People, FollowUps, Rules, Blocks int64
	// BlocksKept are call blocks left with them, as they overlapped one of
	// the successor's own.
	BlocksKept int64
	// Sessions ended and API keys revoked.
	Sessions, Keys int64
}

// Summary is the handover in words, for the audit log and messages.
func (h *Handover) Summary() string {
	out := "nothing to hand over"
	if what := h.Parts(); h.To != nil && what != "" {
		out = what + " handed to " + h.To.DisplayName()
	}
	if h.BlocksKept > 0 {
		out += "; " + plural(h.BlocksKept, "call block", "call blocks") + " kept (overlapping the successor's own)"
	}
	return out + fmt.Sprintf("; %s ended, %s revoked", plural(h.Sessions, "session", "sessions"), plural(h.Keys, "API key", "API keys"))
}

// Parts is what there is to hand over, or was handed over, in words ("3
// people, 1 routing rule"); "" when nothing.
func (h *Handover) Parts() string {
	var parts []string
	for _, c := range []struct {
		n         int64
		one, many string
	}{{h.People, "person", "people"}, {h.FollowUps, "open follow-up", "open follow-ups"}, {h.Rules, "routing rule", "routing rules"},
		{h.Blocks, "call block", "call blocks"}} {
		if c.n > 0 {
			parts = append(parts, plural(c.n, c.one, c.many))
		}
	}
	return strings.Join(parts, ", ")
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// errNotYours refuses what the acting user's role does not allow.
func errNotYours(what string) error {
	return rapport.Errorf(rapport.EFORBIDDEN, "%s", what)
}

// lockMember reads a user of the organisation for a change, locked on
// PostgreSQL.
func (db *DB) lockMember(ctx context.Context, tx bun.Tx, orgID, userID int64) (*rapport.User, error) {
	u := new(rapport.User)
	err := db.forUpdate(tx.NewSelect().Model(u).Where("org_id = ? AND id = ?", orgID, userID)).Scan(ctx)
	return u, notFound(err, "user")
}

// otherActiveOwners counts the organisation's active owners besides
// userID, with their rows locked so that two owners disabling or demoting
// each other at once cannot leave none.
func (db *DB) otherActiveOwners(ctx context.Context, tx bun.Tx, orgID, userID int64) (int, error) {
	var ids []int64
	err := db.forUpdate(tx.NewSelect().Table("users").Column("id").
		Where("org_id = ? AND role = ? AND disabled_at IS NULL AND id <> ?", orgID, rapport.RoleOwner, userID)).Scan(ctx, &ids)
	return len(ids), err
}

// DisableUser disables a user of the organisation: they can no longer
// sign in, their sessions end and their API keys are revoked at once,
// and their people — those they own (archived ones too), their open
// follow-ups, the routing rules naming them and their call blocks — go to
// toID, an active user of the same organisation (needed when there is
// anything to hand over; 0 otherwise). Conversations, facts and the audit
// log keep their name. All of it is one transaction, logged in the audit
// log.
func (db *DB) DisableUser(ctx context.Context, act rapport.Actor, userID, toID int64) (*Handover, error) {
	orgID := act.Org
	by, byErr := db.actingUser(ctx, act)
	if byErr != nil {
		return nil, byErr
	}
	h := &Handover{}
	err := db.tx(ctx, func(tx bun.Tx) error {
		u, err := db.lockMember(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if by != nil && by.ID == u.ID {
			return rapport.Errorf(rapport.ECONFLICT, "You cannot disable yourself; ask another owner.")
		}
		if by != nil && !by.CanManageMember(u) {
			return errNotYours("Owners disable anyone; managers disable agents only.")
		}
		if !u.Active() {
			return rapport.Errorf(rapport.ECONFLICT, "%s is already disabled.", u.DisplayName())
		}
		if u.Role == rapport.RoleOwner {
			n, err := db.otherActiveOwners(ctx, tx, orgID, u.ID)
			if err != nil {
				return err
			}
			if n == 0 {
				return rapport.Errorf(rapport.ECONFLICT, "%s is the last active owner; make someone else an owner first.", u.DisplayName())
			}
		}
		owned, err := tx.NewSelect().Table("people").Where("org_id = ? AND owner_id = ?", orgID, u.ID).Count(ctx)
		if err != nil {
			return err
		}
		open, err := tx.NewSelect().Table("follow_ups").Where("org_id = ? AND user_id = ? AND status = 'open'", orgID, u.ID).Count(ctx)
		if err != nil {
			return err
		}
		var rules []rapport.RoutingRule
		if err := db.forUpdate(tx.NewSelect().Model(&rules).Where("org_id = ?", orgID)).Scan(ctx); err != nil {
			return err
		}
		rules = slices.DeleteFunc(rules, func(r rapport.RoutingRule) bool { return !slices.Contains(r.Users(), u.ID) })
		if toID == 0 && (owned > 0 || open > 0 || len(rules) > 0) {
			return invalidField("hand_to", fmt.Sprintf("Choose who takes over from %s: %s.", u.DisplayName(),
				(&Handover{People: int64(owned), FollowUps: int64(open), Rules: int64(len(rules))}).Parts()))
		}
		if toID != 0 {
			to := new(rapport.User)
			err := tx.NewSelect().Model(to).Where("org_id = ? AND id = ? AND disabled_at IS NULL", orgID, toID).Scan(ctx)
			if err = notFound(err, "user"); err != nil && rapport.ErrorCode(err) != rapport.ENOTFOUND {
				return err
			}
			if err != nil || to.ID == u.ID {
				return invalidField("hand_to", "Choose an active member of your team, other than them, to take over.")
			}
			h.To = to
			if err := db.handOver(ctx, tx, orgID, u.ID, to.ID, rules, h); err != nil {
				return err
			}
		}
		now := db.now().UTC()
		if _, err := tx.NewUpdate().Table("users").Set("disabled_at = ?", now).Where("org_id = ? AND id = ?", orgID, u.ID).Exec(ctx); err != nil {
			return err
		}
		if h.Sessions, err = rowsOf(tx.NewDelete().Table("sessions").Where("org_id = ? AND user_id = ?", orgID, u.ID).Exec(ctx)); err != nil {
			return err
		}
		if h.Keys, err = rowsOf(tx.NewUpdate().Table("api_keys").Set("revoked_at = ?", now).
			Where("org_id = ? AND user_id = ? AND revoked_at IS NULL", orgID, u.ID).Exec(ctx)); err != nil {
			return err
		}
		// And their phones' address books stop syncing.
		if _, err := tx.NewUpdate().Table("app_passwords").Set("revoked_at = ?", now).
			Where("org_id = ? AND user_id = ? AND revoked_at IS NULL", orgID, u.ID).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewDelete().Table("password_resets").Where("org_id = ? AND user_id = ? AND used_at IS NULL", orgID, u.ID).Exec(ctx); err != nil {
			return err
		}
		// Their devices get no more alerts.
		if _, err := tx.NewDelete().Table("push_subscriptions").Where("org_id = ? AND user_id = ?", orgID, u.ID).Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, orgID, actorOf(by), AuditDisable, "user", u.ID, who(u)+": "+h.Summary()+byOperator(by))
	})
	if err != nil {
		return nil, err
	}
	db.teamChanged(ctx, orgID)
	return h, nil
}

// handOver moves what was from's to to, counting it in h.
func (db *DB) handOver(ctx context.Context, tx bun.Tx, orgID, from, to int64, rules []rapport.RoutingRule, h *Handover) error {
	now := db.now().UTC()
	var err error
	// A change of owner is a change to the person: their version moves on,
	// so that an edit begun before the handover does not undo it.
	// The claim window starts again for the new owner.
	if _, err := tx.NewUpdate().Table("people").Set("assigned_at = ?", now).
		Where("org_id = ? AND owner_id = ? AND assigned_at IS NOT NULL", orgID, from).Exec(ctx); err != nil {
		return err
	}
	if h.People, err = rowsOf(tx.NewUpdate().Table("people").Set("owner_id = ?, version = version + 1, updated_at = ?", to, now).
		Where("org_id = ? AND owner_id = ?", orgID, from).Exec(ctx)); err != nil {
		return err
	}
	if h.FollowUps, err = rowsOf(tx.NewUpdate().Table("follow_ups").Set("user_id = ?", to).
		Where("org_id = ? AND user_id = ? AND status = 'open'", orgID, from).Exec(ctx)); err != nil {
		return err
	}
	for _, r := range rules {
		var ids []int64
		for _, id := range r.Users() {
			if id == from {
				id = to
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if _, err := tx.NewUpdate().Table("routing_rules").Set("user_ids = ?", rapport.FormatIDs(ids)).
			Where("org_id = ? AND id = ?", orgID, r.ID).Exec(ctx); err != nil {
			return err
		}
		h.Rules++
	}
	// Call blocks move unless they overlap one of the successor's (a
	// user's blocks may not overlap); a moved block counts for them from
	// now on, not back to when it was made.
	var blocks, theirs []rapport.CallBlock
	if err := tx.NewSelect().Model(&blocks).Where("org_id = ? AND user_id = ?", orgID, from).OrderExpr("id").Scan(ctx); err != nil {
		return err
	}
	if err := tx.NewSelect().Model(&theirs).Where("org_id = ? AND user_id = ?", orgID, to).Scan(ctx); err != nil {
		return err
	}
	for _, b := range blocks {
		if slices.ContainsFunc(theirs, func(t rapport.CallBlock) bool {
			return t.Weekday == b.Weekday && t.Start < b.End && t.End > b.Start
		}) {
			h.BlocksKept++
			continue
		}
		if _, err := tx.NewUpdate().Model((*rapport.CallBlock)(nil)).Set("user_id = ?, created_at = ?", to, now).
			Where("org_id = ? AND id = ?", orgID, b.ID).Exec(ctx); err != nil {
			return err
		}
		theirs = append(theirs, b)
		h.Blocks++
	}
	return nil
}

// EnableUser lets a disabled user sign in again. They get none of their
// people back: those stay with whoever took them over.
func (db *DB) EnableUser(ctx context.Context, act rapport.Actor, userID int64) (*rapport.User, error) {
	orgID := act.Org
	by, byErr := db.actingUser(ctx, act)
	if byErr != nil {
		return nil, byErr
	}
	var u *rapport.User
	err := db.tx(ctx, func(tx bun.Tx) error {
		var err error
		if u, err = db.lockMember(ctx, tx, orgID, userID); err != nil {
			return err
		}
		if by != nil && !by.CanManageMember(u) {
			return errNotYours("Owners re-enable anyone; managers re-enable agents only.")
		}
		if u.Active() {
			return rapport.Errorf(rapport.ECONFLICT, "%s can already sign in.", u.DisplayName())
		}
		u.DisabledAt = time.Time{}
		if _, err := tx.NewUpdate().Table("users").Set("disabled_at = NULL").Where("org_id = ? AND id = ?", orgID, u.ID).Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, orgID, actorOf(by), AuditEnable, "user", u.ID, who(u)+" can sign in again"+byOperator(by))
	})
	if err == nil {
		db.teamChanged(ctx, orgID)
	}
	return u, err
}

// SetUserRole changes a user's role; it takes effect on their next
// request, as sessions and keys read the role from the database each time.
// Only owners change roles, and the last active owner stays an owner.
func (db *DB) SetUserRole(ctx context.Context, act rapport.Actor, userID int64, role rapport.Role) (*rapport.User, error) {
	orgID := act.Org
	by, byErr := db.actingUser(ctx, act)
	if byErr != nil {
		return nil, byErr
	}
	var u *rapport.User
	err := db.tx(ctx, func(tx bun.Tx) error {
		var err error
		if u, err = db.lockMember(ctx, tx, orgID, userID); err != nil {
			return err
		}
		if by != nil && !by.CanChangeRoles() {
			return errNotYours("Only an owner can change someone's role.")
		}
		if !role.Valid() {
			return invalidField("role", "Choose owner, manager or agent.")
		}
		if role == u.Role {
			return nil
		}
		if u.Role == rapport.RoleOwner && u.Active() {
			n, err := db.otherActiveOwners(ctx, tx, orgID, u.ID)
			if err != nil {
				return err
			}
			if n == 0 {
				return &rapport.Error{Code: rapport.ECONFLICT, Message: "Please correct the highlighted fields.",
					Fields: map[string]string{"role": u.DisplayName() + " is the last active owner; make someone else an owner first."}}
			}
		}
		was := u.Role
		u.Role = role
		if _, err := tx.NewUpdate().Table("users").Set("role = ?", role).Where("org_id = ? AND id = ?", orgID, u.ID).Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, orgID, actorOf(by), AuditRole, "user", u.ID,
			fmt.Sprintf("%s: %s → %s%s", who(u), was, role, byOperator(by)))
	})
	if err == nil {
		db.teamChanged(ctx, orgID)
	}
	return u, err
}

// who names a user in the audit log: their name and email.
func who(u *rapport.User) string {
	if u.Name == "" {
		return u.Email
	}
	return u.Name + " (" + u.Email + ")"
}

// actingUser is the member behind act, read from the database so that
// their rights are the ones it holds now; nil for the organisation's own
// work (the operator at the command line), whose rights are not checked.
func (db *DB) actingUser(ctx context.Context, act rapport.Actor) (*rapport.User, error) {
	if act.User == 0 {
		return nil, nil
	}
	return db.User(ctx, act, act.User)
}

func actorOf(by *rapport.User) int64 {
	if by == nil {
		return 0
	}
	return by.ID
}

// byOperator notes in the audit log a change made at the command line.
func byOperator(by *rapport.User) string {
	if by == nil {
		return " (at the command line)"
	}
	return ""
}

func rowsOf(res interface{ RowsAffected() (int64, error) }, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Holdings counts what a user of the organisation holds that disabling
// them would hand over (To is nil), with their live sessions and keys.
func (db *DB) Holdings(ctx context.Context, act rapport.Actor, userID int64) (*Handover, error) {
	orgID := act.Org
	h := &Handover{}
	counts := []struct {
		n     *int64
		table string
		where string
	}{
		{&h.People, "people", "org_id = ? AND owner_id = ?"},
		{&h.FollowUps, "follow_ups", "org_id = ? AND user_id = ? AND status = 'open'"},
		{&h.Blocks, "call_blocks", "org_id = ? AND user_id = ?"},
		{&h.Keys, "api_keys", "org_id = ? AND user_id = ? AND revoked_at IS NULL"},
	}
	for _, c := range counts {
		n, err := db.ro.NewSelect().Table(c.table).Where(c.where, orgID, userID).Count(ctx)
		if err != nil {
			return nil, err
		}
		*c.n = int64(n)
	}
	n, err := db.ro.NewSelect().Table("sessions").Where("org_id = ? AND user_id = ? AND expires_at > ?", orgID, userID, db.now().UTC()).Count(ctx)
	if err != nil {
		return nil, err
	}
	h.Sessions = int64(n)
	rules, err := db.RoutingRules(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	for _, r := range rules {
		if slices.Contains(r.Users(), userID) {
			h.Rules++
		}
	}
	return h, nil
}
