package store

import (
	"context"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/uptrace/bun"
)

// Audit actions.
const (
	AuditCreate  = "create"
	AuditUpdate  = "update"
	AuditDelete  = "delete"
	AuditArchive = "archive"
	AuditRestore = "restore"
	AuditMerge   = "merge"
	// AuditDistinct: people said to be different people, not duplicates.
	AuditDistinct = "distinct"
	AuditExport   = "export"
	AuditImport   = "import"
	AuditSignOut  = "sign out"
	// Running the team.
	AuditDisable = "disable"
	AuditEnable  = "enable"
	AuditRole    = "change role"
	// AuditResetLink: a password reset link made for someone;
	// AuditResetPassword: a password set through one.
	AuditResetLink     = "reset link"
	AuditResetPassword = "reset password"
	AuditRevoke        = "revoke"
)

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	bun.BaseModel `bun:"table:audit_log"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	UserID        int64     `bun:"user_id,nullzero"`
	UserName      string    `bun:"user_name"`
	Action        string    `bun:"action"`
	Entity        string    `bun:"entity"`
	EntityID      int64     `bun:"entity_id,nullzero"`
	Summary       string    `bun:"summary"`
	At            time.Time `bun:"at"`
}

// audit records an entry inside the write's own transaction (q), so the
// log and the change commit or fail together.
func (db *DB) audit(ctx context.Context, q bun.IDB, orgID, actorID int64, action, entity string, entityID int64, summary string) error {
	e := &AuditEntry{OrgID: orgID, UserID: actorID, Action: action, Entity: entity, EntityID: entityID,
		Summary: summary, At: db.now().UTC()}
	if e.UserID != 0 {
		var name string
		if err := q.NewSelect().Table("users").ColumnExpr("CASE WHEN name <> '' THEN name ELSE email END").
			Where("org_id = ? AND id = ?", orgID, e.UserID).Scan(ctx, &name); err == nil {
			e.UserName = name
		}
	}
	if len(e.Summary) > 500 {
		e.Summary = e.Summary[:500]
	}
	_, err := q.NewInsert().Model(e).Exec(ctx)
	return err
}

// Audit records something done outside the store's write paths (an
// export, say).
func (db *DB) Audit(ctx context.Context, act rapport.Actor, action string, entity string, entityID int64, summary string) error {
	orgID, actorID := act.Org, act.User
	return db.audit(ctx, db.rw, orgID, actorID, action, entity, entityID, summary)
}

// AuditLog lists the organisation's audit entries, newest first, before
// the entry with id before (0: from the newest).
func (db *DB) AuditLog(ctx context.Context, act rapport.Actor, before int64, limit int) ([]AuditEntry, error) {
	orgID := act.Org
	if !act.Runs() {
		return nil, rapport.ErrNotManager
	}
	var es []AuditEntry
	q := db.ro.NewSelect().Model(&es).Where("org_id = ?", orgID)
	if before > 0 {
		q.Where("id < ?", before)
	}
	err := q.OrderExpr("id DESC").Limit(int64(min(max(limit, 1), 500))).Scan(ctx)
	return es, err
}

// AuditPage is a page of at most limit (up to 200) entries, newest first,
// before the entry with id before (0: from the newest), and the id to
// pass as before for the next page (0 on the last page).
func (db *DB) AuditPage(ctx context.Context, act rapport.Actor, before int64, limit int) ([]AuditEntry, int64, error) {
	orgID := act.Org
	if !act.Runs() {
		return nil, 0, rapport.ErrNotManager
	}
	limit = min(max(limit, 1), 200)
	es, err := db.AuditLog(ctx, rapport.Actor{Org: orgID}, before, limit+1)
	if err != nil || len(es) <= limit {
		return es, 0, err
	}
	es = es[:limit]
	return es, es[limit-1].ID, nil
}
