package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// recordRow is a person_records row: an input kept as it arrived.
type recordRow struct {
	bun.BaseModel `bun:"table:person_records"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	PersonID      int64     `bun:"person_id"`
	Kind          string    `bun:"kind"`
	Origin        string    `bun:"origin"`
	Line          int       `bun:"line"`
	Original      string    `bun:"original"`
	Kept          string    `bun:"kept"`
	Digest        string    `bun:"digest"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Records returns what was kept of the inputs a person came from (rows,
// cards, events with values no field holds), newest first.
func (db *DB) Records(ctx context.Context, orgID, personID int64) ([]rapport.InputRecord, error) {
	var rows []recordRow
	if err := db.ro.NewSelect().Model(&rows).
		Where("org_id = ? AND person_id = ?", orgID, personID).OrderExpr("created_at DESC, id DESC").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]rapport.InputRecord, len(rows))
	for i, r := range rows {
		out[i] = rapport.InputRecord{ID: r.ID, OrgID: r.OrgID, PersonID: r.PersonID, Kind: r.Kind, Origin: r.Origin, Line: r.Line,
			Original: r.Original, CreatedAt: r.CreatedAt}
		if err := json.Unmarshal([]byte(r.Kept), &out[i].Kept); err != nil {
			return nil, err
		}
	}
	return out, nil
}
