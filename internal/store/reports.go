package store

import (
	"context"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// SpeedToLead reports how fast leads that arrived between from and to
// (inclusive) were first attempted, overall, per owner and per source.
func (db *DB) SpeedToLead(ctx context.Context, act rapport.Actor, from time.Time, to time.Time) (rapport.SpeedReport, error) {
	orgID := act.Org
	var rows []struct {
		OwnerID        int64     `bun:"owner_id"`
		Source         string    `bun:"source"`
		ArrivedAt      time.Time `bun:"arrived_at"`
		FirstAttemptAt time.Time `bun:"first_attempt_at,nullzero"`
	}
	err := db.ro.NewSelect().Table("people").ColumnExpr("COALESCE(owner_id, 0) AS owner_id, source, arrived_at, first_attempt_at").
		Where("org_id = ? AND arrived_at >= ? AND arrived_at <= ?", orgID, from.UTC(), to.UTC()).Scan(ctx, &rows)
	if err != nil {
		return rapport.SpeedReport{}, err
	}
	ts := make([]rapport.LeadTiming, len(rows))
	for i, r := range rows {
		ts[i] = rapport.LeadTiming{OwnerID: r.OwnerID, Source: r.Source, ArrivedAt: r.ArrivedAt, FirstAt: r.FirstAttemptAt}
	}
	return rapport.SpeedToLead(ts), nil
}
