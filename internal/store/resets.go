package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// PasswordResetTTL is how long a password reset link works.
const PasswordResetTTL = time.Hour

// ErrResetLink answers a reset link that is unknown, used or expired, all
// alike, so that the answer says nothing of which.
var ErrResetLink = &rapport.Error{Code: rapport.ENOTFOUND,
	Message: "This password reset link does not work: links work once, for an hour. Ask your owner or manager for a new one."}

// passwordReset is a one-time link to set a new password. Only the
// SHA-256 of its token is kept.
type passwordReset struct {
	bun.BaseModel `bun:"table:password_resets"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	UserID        int64     `bun:"user_id"`
	TokenHash     string    `bun:"token_hash"`
	CreatedBy     int64     `bun:"created_by,nullzero"`
	CreatedAt     time.Time `bun:"created_at"`
	ExpiresAt     time.Time `bun:"expires_at"`
	UsedAt        time.Time `bun:"used_at,nullzero"`
}

// ResetLink is a password reset link just made: its token is in no
// database and is shown (or sent) once.
type ResetLink struct {
	User      *rapport.User
	Token     string
	ExpiresAt time.Time
}

// Path is the link's path on the server, to put after its address.
func (l *ResetLink) Path() string { return "/reset/" + l.Token }

// CreatePasswordReset makes a reset link for a user of the organisation
// at by's request: owners for anyone but themselves, managers for agents
// (nil by: the operator at the command line).
func (db *DB) CreatePasswordReset(ctx context.Context, act rapport.Actor, userID int64) (*ResetLink, error) {
	orgID := act.Org
	by, byErr := db.actingUser(ctx, act)
	if byErr != nil {
		return nil, byErr
	}
	return db.createPasswordReset(ctx, orgID, userID, func(u *rapport.User) error {
		if by != nil && !by.CanManageMember(u) {
			if by.ID == u.ID {
				return rapport.Errorf(rapport.ECONFLICT, "Change your own password in Settings.")
			}
			return errNotYours("Owners make reset links for anyone; managers for agents only.")
		}
		return nil
	}, actorOf(by), byOperator(by), false)
}

// EmailPasswordReset is CreatePasswordReset with the link sent to the
// user's own address by the outbox, not shown to the one who asked.
func (db *DB) EmailPasswordReset(ctx context.Context, act rapport.Actor, userID int64) (*ResetLink, error) {
	by, err := db.actingUser(ctx, act)
	if err != nil {
		return nil, err
	}
	link, err := db.createPasswordReset(ctx, act.Org, userID, func(u *rapport.User) error {
		if by != nil && !by.CanManageMember(u) {
			if by.ID == u.ID {
				return rapport.Errorf(rapport.ECONFLICT, "Change your own password in Settings.")
			}
			return errNotYours("Owners send reset links to anyone; managers to agents only.")
		}
		return nil
	}, actorOf(by), byOperator(by), true)
	if link != nil {
		link.Token = "" // it went by email
	}
	return link, err
}

// ForgotPassword emails a reset link to each active user with this
// address (one per organisation they belong to), at most once in five
// minutes each; it answers nothing either way, so that the answer does
// not tell a stranger who has an account.
func (db *DB) ForgotPassword(ctx context.Context, email string) error {
	users, err := db.UsersByEmail(ctx, email)
	if err != nil {
		return err
	}
	for _, u := range users {
		if !u.Active() {
			continue
		}
		recent, err := db.ro.NewSelect().Table("password_resets").
			Where("org_id = ? AND user_id = ? AND used_at IS NULL AND created_at > ?", u.OrgID, u.ID, db.now().UTC().Add(-5*time.Minute)).Exists(ctx)
		if err != nil {
			return err
		}
		if recent {
			continue
		}
		if _, err := db.createPasswordReset(ctx, u.OrgID, u.ID, func(*rapport.User) error { return nil }, 0, " (forgotten password)", true); err != nil {
			return err
		}
	}
	return nil
}

// IssuePasswordReset makes a reset link for a user with no one's rights
// to check: for a caller that has already decided they may have one,
// such as a "forgot password" email sent to the user's own address.
func (db *DB) IssuePasswordReset(ctx context.Context, act rapport.Actor, userID int64) (*ResetLink, error) {
	orgID := act.Org
	return db.createPasswordReset(ctx, orgID, userID, func(*rapport.User) error { return nil }, 0, "", false)
}

// createPasswordReset stores a new link for an active user, after may
// allows it, replacing any unused link they had.
func (db *DB) createPasswordReset(ctx context.Context, orgID, userID int64, may func(*rapport.User) error, actorID int64, note string, email bool) (*ResetLink, error) {
	var link *ResetLink
	err := db.tx(ctx, func(tx bun.Tx) error {
		u, err := db.lockMember(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if err := may(u); err != nil {
			return err
		}
		if !u.Active() {
			return rapport.Errorf(rapport.ECONFLICT, "%s is disabled; re-enable them first.", u.DisplayName())
		}
		if _, err := tx.NewDelete().Table("password_resets").Where("org_id = ? AND user_id = ? AND used_at IS NULL", orgID, u.ID).Exec(ctx); err != nil {
			return err
		}
		token, hash := auth.NewToken()
		now := db.now().UTC()
		r := &passwordReset{OrgID: orgID, UserID: u.ID, TokenHash: hash, CreatedBy: actorID, CreatedAt: now,
			ExpiresAt: now.Add(PasswordResetTTL)}
		if _, err := tx.NewInsert().Model(r).Returning("id").Exec(ctx); err != nil {
			return err
		}
		link = &ResetLink{User: u, Token: token, ExpiresAt: r.ExpiresAt}
		if email {
			// The outbox keeps the token until the email is sent, then forgets it.
			org, err := db.orgTx(ctx, tx, orgID)
			if err != nil {
				return err
			}
			if err := db.enqueue(ctx, tx, org, alert{kind: rapport.AlertPasswordReset, userID: u.ID, cause: "r" + hash[:16],
				data: token, channels: []rapport.AlertChannel{rapport.AlertEmail}}); err != nil {
				return err
			}
			note += ", sent by email"
		}
		return db.audit(ctx, tx, orgID, actorID, AuditResetLink, "user", u.ID,
			who(u)+": a password reset link, valid for an hour"+note)
	})
	return link, err
}

// liveReset finds the unused, unexpired link with token's hash, of an
// active user, or ErrResetLink.
func (db *DB) liveReset(ctx context.Context, q bun.IDB, token string, lock bool) (*passwordReset, *rapport.User, error) {
	r := new(passwordReset)
	sel := q.NewSelect().Model(r).Where("token_hash = ? AND used_at IS NULL AND expires_at > ?", auth.HashToken(token), db.now().UTC())
	if lock {
		sel = db.forUpdate(sel)
	}
	if err := sel.Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, nil, ErrResetLink
	} else if err != nil {
		return nil, nil, err
	}
	u := new(rapport.User)
	if err := q.NewSelect().Model(u).Where("org_id = ? AND id = ?", r.OrgID, r.UserID).Scan(ctx); err != nil {
		return nil, nil, notFound(err, "user")
	}
	if !u.Active() {
		return nil, nil, ErrResetLink
	}
	return r, u, nil
}

// PasswordResetUser returns whose a working reset link is, or
// ErrResetLink.
func (db *DB) PasswordResetUser(ctx context.Context, token string) (*rapport.User, error) {
	_, u, err := db.liveReset(ctx, db.ro, token, false)
	return u, err
}

// ResetPassword sets the password of a working link's user (hash, already
// checked against the password rules and hashed), uses the link up and
// ends every session they have. It returns the user, to sign in.
func (db *DB) ResetPassword(ctx context.Context, token, hash string) (*rapport.User, error) {
	var u *rapport.User
	err := db.tx(ctx, func(tx bun.Tx) error {
		r, who, err := db.liveReset(ctx, tx, token, true)
		if err != nil {
			return err
		}
		u = who
		now := db.now().UTC()
		used, err := rowsOf(tx.NewUpdate().Table("password_resets").Set("used_at = ?", now).Where("id = ? AND used_at IS NULL", r.ID).Exec(ctx))
		if err != nil {
			return err
		}
		if used == 0 {
			return ErrResetLink // used meanwhile (SQLite's writes take turns; this is for safety)
		}
		if _, err := tx.NewUpdate().Table("users").Set("password_hash = ?", hash).Where("org_id = ? AND id = ?", u.OrgID, u.ID).Exec(ctx); err != nil {
			return err
		}
		u.PasswordHash = hash
		n, err := rowsOf(tx.NewDelete().Table("sessions").Where("org_id = ? AND user_id = ?", u.OrgID, u.ID).Exec(ctx))
		if err != nil {
			return err
		}
		return db.audit(ctx, tx, u.OrgID, u.ID, AuditResetPassword, "user", u.ID,
			"through a reset link; "+plural(n, "session", "sessions")+" ended")
	})
	return u, err
}
