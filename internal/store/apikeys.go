package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// APIKey is a key a user made for the REST API. Only the SHA-256 of the
// key is kept; Prefix (its first characters) tells keys apart in lists.
type APIKey struct {
	ID         int64     `bun:"id,pk,autoincrement"`
	OrgID      int64     `bun:"org_id"`
	UserID     int64     `bun:"user_id"`
	Name       string    `bun:"name"`
	Prefix     string    `bun:"prefix"`
	Hash       string    `bun:"hash"`
	CreatedAt  time.Time `bun:"created_at"`
	LastUsedAt time.Time `bun:"last_used_at,nullzero"`
	RevokedAt  time.Time `bun:"revoked_at,nullzero"`
}

// CreateAPIKey stores a key for an active user of the organisation,
// logged in the audit log: the actor's own, or, for owners and managers,
// anyone's.
func (db *DB) CreateAPIKey(ctx context.Context, act rapport.Actor, k *APIKey) error {
	k.OrgID = act.Org
	if act.User != 0 && k.UserID != act.User && !act.Runs() {
		return rapport.ErrNotManager
	}
	k.Name = strings.TrimSpace(k.Name)
	if len(k.Name) > 100 {
		return invalidField("name", "Keep the name under 100 characters.")
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		u := new(rapport.User)
		if err := tx.NewSelect().Model(u).Where("org_id = ? AND id = ?", k.OrgID, k.UserID).Scan(ctx); err != nil {
			return notFound(err, "user")
		}
		if !u.Active() {
			return rapport.Errorf(rapport.ECONFLICT, "%s is disabled: a key of theirs would not work.", u.DisplayName())
		}
		k.ID, k.CreatedAt = 0, db.now().UTC()
		if _, err := tx.NewInsert().Model(k).Returning("id").Exec(ctx); err != nil {
			return err
		}
		summary := keyLabel(k)
		if act.User != u.ID {
			summary += ", for " + u.DisplayName()
		}
		return db.audit(ctx, tx, k.OrgID, act.User, AuditCreate, "API key", k.ID, summary)
	})
}

// keyLabel names a key in the audit log by its name and prefix (which
// lists show; the key itself is never kept).
func keyLabel(k *APIKey) string {
	if k.Name == "" {
		return k.Prefix + "…"
	}
	return fmt.Sprintf("%q (%s…)", k.Name, k.Prefix)
}

// APIKeys lists a user's keys, newest first.
func (db *DB) APIKeys(ctx context.Context, act rapport.Actor, userID int64) ([]APIKey, error) {
	orgID := act.Org
	var ks []APIKey
	err := db.ro.NewSelect().Model(&ks).Where("org_id = ? AND user_id = ?", orgID, userID).OrderExpr("id DESC").Scan(ctx)
	return ks, err
}

// RevokeAPIKey ends one of a user's keys.
func (db *DB) RevokeAPIKey(ctx context.Context, act rapport.Actor, id int64) error {
	orgID, userID := act.Org, act.User
	return db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("api_keys").Set("revoked_at = ?", db.now().UTC()).
			Where("org_id = ? AND user_id = ? AND id = ? AND revoked_at IS NULL", orgID, userID, id).Exec(ctx)
		if err := affected(res, err, "API key"); err != nil {
			return err
		}
		return db.audit(ctx, tx, orgID, userID, AuditDelete, "API key", id, "revoked")
	})
}

// APIKeyUser finds the live key with the given hash, with its user and
// organisation, and notes that it was used (at most once a minute).
func (db *DB) APIKeyUser(ctx context.Context, hash string) (*APIKey, *rapport.User, *rapport.Org, error) {
	k := new(APIKey)
	b := &bound{} // every API request: prepared once
	if err := db.readOneBound(ctx, db.ro, k, db.ro.NewSelect().Model(k).Where("hash = ? AND revoked_at IS NULL", b.v(hash)).String(), b); err != nil {
		return nil, nil, nil, notFound(err, "API key")
	}
	u, err := db.User(ctx, rapport.Actor{Org: k.OrgID}, k.UserID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !u.DisabledAt.IsZero() {
		return nil, nil, nil, rapport.NotFound("API key")
	}
	o, err := db.Org(ctx, k.OrgID)
	if err != nil {
		return nil, nil, nil, err
	}
	if now := db.now(); now.Sub(k.LastUsedAt) > time.Minute {
		if _, err := db.rw.NewUpdate().Table("api_keys").Set("last_used_at = ?", now.UTC()).Where("id = ?", k.ID).Exec(ctx); err != nil {
			db.log.Warn("note API key use", "err", err)
		}
	}
	return k, u, o, nil
}

// TeamKey is an API key with whose it is, for owners and managers.
type TeamKey struct {
	APIKey
	UserName   string
	UserActive bool
}

// OrgAPIKeys lists every key of the organisation, newest first, with
// whose each is.
func (db *DB) OrgAPIKeys(ctx context.Context, act rapport.Actor) ([]TeamKey, error) {
	orgID := act.Org
	if !act.Runs() {
		return nil, rapport.ErrNotManager
	}
	var ks []APIKey
	if err := db.ro.NewSelect().Model(&ks).Where("org_id = ?", orgID).OrderExpr("id DESC").Scan(ctx); err != nil {
		return nil, err
	}
	users, err := db.Users(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	byID := map[int64]*rapport.User{}
	for i := range users {
		byID[users[i].ID] = &users[i]
	}
	out := make([]TeamKey, len(ks))
	for i, k := range ks {
		out[i] = TeamKey{APIKey: k}
		if u := byID[k.UserID]; u != nil {
			out[i].UserName, out[i].UserActive = u.DisplayName(), u.Active()
		}
	}
	return out, nil
}

// APIKey returns one key of the organisation: the actor's own, or anyone's
// when they are an owner or manager; anyone else's is not found.
func (db *DB) APIKey(ctx context.Context, act rapport.Actor, id int64) (*APIKey, error) {
	orgID := act.Org
	k := new(APIKey)
	q := db.ro.NewSelect().Model(k).Where("org_id = ? AND id = ?", orgID, id)
	if !act.Manages() {
		q.Where("user_id = ?", act.User)
	}
	return k, notFound(q.Scan(ctx), "API key")
}

// RevokeKey ends a key at the actor's request: their own, or, for owners and
// managers, anyone's in the organisation (anyone else's is not found).
// A key already revoked stays as it was.
func (db *DB) RevokeKey(ctx context.Context, act rapport.Actor, id int64) (*APIKey, error) {
	orgID := act.Org
	k := new(APIKey)
	err := db.tx(ctx, func(tx bun.Tx) error {
		q := db.forUpdate(tx.NewSelect().Model(k).Where("org_id = ? AND id = ?", orgID, id))
		if !act.Manages() {
			q.Where("user_id = ?", act.User)
		}
		if err := q.Scan(ctx); err != nil {
			return notFound(err, "API key")
		}
		if !k.RevokedAt.IsZero() {
			return nil
		}
		k.RevokedAt = db.now().UTC()
		if _, err := tx.NewUpdate().Table("api_keys").Set("revoked_at = ?", k.RevokedAt).Where("org_id = ? AND id = ?", orgID, k.ID).Exec(ctx); err != nil {
			return err
		}
		summary := "revoked"
		if k.UserID != act.User {
			var name string
			if err := tx.NewSelect().Table("users").ColumnExpr("CASE WHEN name <> '' THEN name ELSE email END").
				Where("org_id = ? AND id = ?", orgID, k.UserID).Scan(ctx, &name); err != nil {
				return err
			}
			summary = "revoked " + name + "'s key " + keyLabel(k)
		}
		return db.audit(ctx, tx, orgID, act.User, AuditRevoke, "API key", k.ID, summary)
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}
