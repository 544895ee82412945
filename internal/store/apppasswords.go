package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// AppPassword is a password a user made for one device's contacts app
// (the CardDAV address book), so that the account's own password is
// never typed into a phone's settings. The password itself is shown
// once; only its SHA-256 is kept, enough for a random secret of about 79
// bits that no one chose (argon2 is for passwords people choose).
type AppPassword struct {
	bun.BaseModel `bun:"table:app_passwords"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	UserID        int64     `bun:"user_id"`
	Name          string    `bun:"name"`
	Hash          string    `bun:"hash"`
	CreatedAt     time.Time `bun:"created_at"`
	LastUsedAt    time.Time `bun:"last_used_at,nullzero"`
	RevokedAt     time.Time `bun:"revoked_at,nullzero"`
}

// MaxAppPasswords bounds a user's working app passwords: one a device,
// and no one has more devices than this.
const MaxAppPasswords = 20

// CreateAppPassword makes the actor a new app password named name (the
// device it is for, as "Dana's iPhone"), logged in the audit log; the
// password is returned this once.
func (db *DB) CreateAppPassword(ctx context.Context, act rapport.Actor, name string) (*AppPassword, string, error) {
	if act.User == 0 {
		return nil, "", rapport.Errorf(rapport.EINVALID, "An app password is a user's own.")
	}
	name = strings.Join(strings.Fields(rapport.CleanText(name)), " ")
	switch {
	case name == "":
		return nil, "", invalidField("name", "Name the device it is for, such as Dana's iPhone.")
	case len(name) > 100:
		return nil, "", invalidField("name", "Keep the name under 100 characters.")
	}
	secret := auth.RandomPassword()
	p := &AppPassword{OrgID: act.Org, UserID: act.User, Name: name, Hash: auth.HashToken(secret)}
	err := db.tx(ctx, func(tx bun.Tx) error {
		n, err := tx.NewSelect().Model((*AppPassword)(nil)).
			Where("org_id = ? AND user_id = ? AND revoked_at IS NULL", act.Org, act.User).Count(ctx)
		if err != nil {
			return err
		}
		if n >= MaxAppPasswords {
			return rapport.Errorf(rapport.ECONFLICT, "You have %d app passwords: revoke one you no longer use first.", n)
		}
		p.CreatedAt = db.now().UTC()
		if _, err := tx.NewInsert().Model(p).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditCreate, "app password", p.ID, fmt.Sprintf("%q, for contacts on a device", name))
	})
	if err != nil {
		return nil, "", err
	}
	return p, secret, nil
}

// AppPasswords lists the actor's working app passwords, newest first.
func (db *DB) AppPasswords(ctx context.Context, act rapport.Actor) ([]AppPassword, error) {
	var ps []AppPassword
	err := db.ro.NewSelect().Model(&ps).Where("org_id = ? AND user_id = ? AND revoked_at IS NULL", act.Org, act.User).
		OrderExpr("id DESC").Scan(ctx)
	return ps, err
}

// RevokeAppPassword ends one of the actor's app passwords: the device
// that uses it is refused from then on. Anyone else's, or one already
// revoked, is not found.
func (db *DB) RevokeAppPassword(ctx context.Context, act rapport.Actor, id int64) error {
	return db.tx(ctx, func(tx bun.Tx) error {
		p := new(AppPassword)
		err := db.forUpdate(tx.NewSelect().Model(p).
			Where("org_id = ? AND user_id = ? AND id = ? AND revoked_at IS NULL", act.Org, act.User, id)).Scan(ctx)
		if err != nil {
			return notFound(err, "app password")
		}
		if _, err := tx.NewUpdate().Model(p).Set("revoked_at = ?", db.now().UTC()).WherePK().Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditRevoke, "app password", p.ID, fmt.Sprintf("%q revoked", p.Name))
	})
}

// AppPasswordUser finds whom an app's sign-in opens: the active user with
// this email and a working app password equal to password (which picks
// the organisation when one email has accounts in several), and notes
// that the password was used (at most once a minute). Anything else, the
// account's own password included, is not found.
func (db *DB) AppPasswordUser(ctx context.Context, email, password string) (*rapport.Org, *rapport.User, error) {
	e, err := rapport.NormalizeEmail(email)
	if err != nil || password == "" {
		return nil, nil, rapport.NotFound("app password")
	}
	p := new(AppPassword)
	err = db.ro.NewSelect().Model(p).
		Where("hash = ? AND revoked_at IS NULL", auth.HashToken(strings.TrimSpace(password))).
		Where("EXISTS (SELECT 1 FROM users u WHERE u.org_id = app_password.org_id AND u.id = app_password.user_id AND u.email = ? AND u.disabled_at IS NULL)", e).
		Scan(ctx)
	if err != nil {
		return nil, nil, notFound(err, "app password")
	}
	org, user, err := db.member(ctx, rapport.Actor{Org: p.OrgID, User: p.UserID})
	if err != nil {
		return nil, nil, err
	}
	if now := db.now(); now.Sub(p.LastUsedAt) > time.Minute {
		if _, err := db.rw.NewUpdate().Model(p).Set("last_used_at = ?", now.UTC()).WherePK().Exec(ctx); err != nil {
			db.log.Warn("note app password use", "err", err)
		}
	}
	return org, user, nil
}
