package store

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// bulkBatch is how many rows one multi-row INSERT carries.
const bulkBatch = 500

// BulkCreatePeople adds many people in one transaction: all of them or,
// when any is invalid or the database refuses a row, none. Phones must be
// in E.164 form. Activity times on the people are kept as given (seeding
// and migrations use them; imports leave them zero).
//
// Validation problems are reported together, with fields named
// "row.N.field" (N counting from 0), before anything is written.
func (db *DB) BulkCreatePeople(ctx context.Context, act rapport.Actor, people []rapport.Person) error {
	orgID, actorID := act.Org, act.User
	fe := rapport.FieldErrors{}
	for i := range people {
		p := &people[i]
		p.OrgID = orgID
		p.Normalize()
		fe.Merge(fmt.Sprintf("row.%d.", i), p.Validate(db.now()))
	}
	if err := fe.Err(); err != nil {
		return err
	}
	err := db.tx(ctx, func(tx bun.Tx) error {
		pi, err := db.pipelineInfo(ctx, tx, orgID)
		if err != nil {
			return err
		}
		now := db.now().UTC()
		for i := range people {
			p := &people[i]
			if p.StageID == 0 {
				p.StageID = pi.initial(p.Kind)
			} else if err := pi.check(p.Kind, p.StageID); err != nil {
				return invalidField(fmt.Sprintf("row.%d.stage", i), "Choose a stage of the pipeline for a "+p.Kind.Label()+".")
			}
			if p.CreatedAt.IsZero() {
				p.CreatedAt = now
			}
			p.UpdatedAt, p.CreatedBy, p.Version = now, actorID, 1
			p.ScheduleTouch()
			derive(p)
		}
		ids, err := db.reserveIDs(ctx, tx, "people", len(people))
		if err != nil {
			return err
		}
		for i := range people {
			people[i].ID = ids[i]
		}
		for lo := 0; lo < len(people); lo += bulkBatch {
			batch := people[lo:min(lo+bulkBatch, len(people))]
			// Where the rows do not keep the search documents, they go
			// in search_docs (docInRow).
			var docs []searchDocRow
			if !db.docInRow() {
				for i := range batch {
					if p := &batch[i]; p.SearchDoc != "" {
						docs = append(docs, searchDocRow{ID: p.ID, OrgID: orgID, SearchDoc: p.SearchDoc})
					}
				}
			}
			if _, err := db.insertPeople(tx, &batch).Exec(ctx); err != nil {
				if db.isForeignKey(err) {
					return rapport.Errorf(rapport.EINVALID, "An owner or referrer in rows %d to %d is not in this organisation.", lo, lo+len(batch)-1)
				}
				return err
			}
			if err := insertBatches(ctx, tx, docs); err != nil {
				return err
			}
			var phones []rapport.Phone
			var emails []rapport.Email
			var tags []personTag
			var stages []rapport.StageChange
			for i := range batch {
				p := &batch[i]
				for _, ph := range p.Phones {
					ph.OrgID, ph.PersonID, ph.ID = orgID, p.ID, 0
					phones = append(phones, ph)
				}
				for _, e := range p.Emails {
					e.OrgID, e.PersonID, e.ID = orgID, p.ID, 0
					emails = append(emails, e)
				}
				for _, t := range p.Tags {
					tags = append(tags, personTag{OrgID: orgID, PersonID: p.ID, Tag: t})
				}
				if p.StageID != 0 {
					stages = append(stages, rapport.StageChange{OrgID: orgID, PersonID: p.ID, UserID: actorID, ToStageID: p.StageID, Reason: "Added", At: p.CreatedAt})
				}
			}
			if err := insertBatches(ctx, tx, phones); err != nil {
				return err
			}
			if err := insertBatches(ctx, tx, emails); err != nil {
				return err
			}
			if err := insertBatches(ctx, tx, tags); err != nil {
				return err
			}
			if err := insertBatches(ctx, tx, stages); err != nil {
				return err
			}
		}
		if len(people) > 0 {
			return db.indexSearchRange(ctx, tx, orgID, ids[0], ids[len(ids)-1])
		}
		return nil
	})
	if err != nil {
		return err
	}
	db.thresholds.Delete(orgID)
	if len(people) >= analyzeAfter {
		db.analyze(ctx, "people", "phones", "emails", "person_tags", "stage_changes")
	}
	return nil
}

// analyzeAfter is how many rows one bulk insert adds before the planner's
// statistics are refreshed: without them, the first queries after a large
// import can pick a plan that reads the whole organisation.
const analyzeAfter = 1000

// insertBatches inserts rows with multi-row INSERTs of bulkBatch rows.
func insertBatches[T any](ctx context.Context, tx bun.Tx, rows []T) error {
	for lo := 0; lo < len(rows); lo += bulkBatch {
		batch := rows[lo:min(lo+bulkBatch, len(rows))]
		if _, err := tx.NewInsert().Model(&batch).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// searchDocRow is a row of search_docs (see docInRow).
type searchDocRow struct {
	bun.BaseModel `bun:"table:search_docs"`
	ID            int64  `bun:"id,pk"`
	OrgID         int64  `bun:"org_id"`
	SearchDoc     string `bun:"search_doc"`
}
