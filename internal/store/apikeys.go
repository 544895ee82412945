package store

import (
	"context"
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

// CreateAPIKey stores a key for a user of the organisation.
func (db *DB) CreateAPIKey(ctx context.Context, k *APIKey) error {
	k.Name = strings.TrimSpace(k.Name)
	if len(k.Name) > 100 {
		return invalidField("name", "Keep the name under 100 characters.")
	}
	if _, err := db.User(ctx, k.OrgID, k.UserID); err != nil {
		return err
	}
	k.ID, k.CreatedAt = 0, db.now().UTC()
	_, err := db.rw.NewInsert().Model(k).Returning("id").Exec(ctx)
	return err
}

// APIKeys lists a user's keys, newest first.
func (db *DB) APIKeys(ctx context.Context, orgID, userID int64) ([]APIKey, error) {
	var ks []APIKey
	err := db.ro.NewSelect().Model(&ks).Where("org_id = ? AND user_id = ?", orgID, userID).OrderExpr("id DESC").Scan(ctx)
	return ks, err
}

// RevokeAPIKey ends one of a user's keys.
func (db *DB) RevokeAPIKey(ctx context.Context, orgID, userID, id int64) error {
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
	if err := db.ro.NewSelect().Model(k).Where("hash = ? AND revoked_at IS NULL", hash).Scan(ctx); err != nil {
		return nil, nil, nil, notFound(err, "API key")
	}
	u, err := db.User(ctx, k.OrgID, k.UserID)
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
