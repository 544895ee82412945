package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/uptrace/bun"
)

// backlogChunk is how many people one indexing transaction covers, so that
// indexing a million imported people never holds the write lock for long.
const backlogChunk = 20_000

type backlogEntry struct {
	bun.BaseModel `bun:"table:search_backlog"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	FromID        int64     `bun:"from_id"`
	ToID          int64     `bun:"to_id"`
	CreatedAt     time.Time `bun:"created_at"`
}

// IndexBacklog indexes up to one chunk of pending people and reports how
// many ids it covered (0 when nothing is pending). Each chunk commits on its
// own, so a crash loses at most the chunk in progress, which is done again.
func (db *DB) IndexBacklog(ctx context.Context) (int, error) {
	if !db.searchBacklog() {
		return 0, nil
	}
	done := 0
	err := db.tx(ctx, func(tx bun.Tx) error {
		var e backlogEntry
		err := tx.NewSelect().Model(&e).OrderExpr("id").Limit(1).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		to := min(e.ToID, e.FromID+backlogChunk-1)
		if err := db.indexSearchRange(ctx, tx, e.OrgID, e.FromID, to); err != nil {
			return err
		}
		done = int(to - e.FromID + 1)
		if to == e.ToID {
			_, err := tx.NewDelete().Model(&e).WherePK().Exec(ctx)
			return err
		}
		_, err = tx.NewUpdate().Model(&e).Set("from_id = ?", to+1).WherePK().Exec(ctx)
		return err
	})
	return done, err
}

// SearchPending counts the organisation's people not yet searchable.
func (db *DB) SearchPending(ctx context.Context, act rapport.Actor) (int64, error) {
	orgID := act.Org
	if !db.searchBacklog() {
		return 0, nil
	}
	// Asked on every search: bound, prepared once.
	b := &bound{}
	n, err := column[int64](db.queryBound(ctx, db.ro.NewSelect().Model((*backlogEntry)(nil)).ColumnExpr("COALESCE(SUM(to_id - from_id + 1), 0)").
		Where("org_id = ?", b.v(orgID)).String(), b))
	if err != nil || len(n) == 0 {
		return 0, err
	}
	return n[0], nil
}

// RunIndexer indexes the search backlog until ctx ends, looking for new
// work every interval when there is none.
func (db *DB) RunIndexer(ctx context.Context, interval time.Duration) {
	for {
		n, err := db.IndexBacklog(ctx)
		if err != nil {
			db.log.Warn("search indexing", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
