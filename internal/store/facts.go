package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// AddFact records something learned about a person outside a logged
// conversation.
func (db *DB) AddFact(ctx context.Context, act rapport.Actor, f *rapport.Fact) error {
	orgID, actorID := act.Org, act.User
	if err := db.CheckVisible(ctx, act, f.PersonID); err != nil {
		return err
	}
	if err := f.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		if err := db.personExists(ctx, tx, orgID, f.PersonID); err != nil {
			return err
		}
		now := db.now().UTC()
		f.ID, f.OrgID, f.UserID, f.ConversationID, f.CreatedAt = 0, orgID, actorID, 0, now
		if f.LearnedAt.IsZero() {
			f.LearnedAt = now
		}
		if _, err := tx.NewInsert().Model(f).Returning("id").Exec(ctx); err != nil {
			return err
		}
		return db.refreshSearch(ctx, tx, orgID, f.PersonID)
	})
}

// DeleteFact removes a fact of a person.
func (db *DB) DeleteFact(ctx context.Context, act rapport.Actor, personID int64, factID int64) error {
	orgID := act.Org
	if err := db.CheckVisible(ctx, act, personID); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewDelete().Table("facts").Where("org_id = ? AND person_id = ? AND id = ?", orgID, personID, factID).Exec(ctx)
		if err := affected(res, err, "fact"); err != nil {
			return err
		}
		if err := db.audit(ctx, tx, orgID, act.User, AuditDelete, "fact", factID, "of person #"+strconv.FormatInt(personID, 10)); err != nil {
			return err
		}
		return db.refreshSearch(ctx, tx, orgID, personID)
	})
}

// Facts returns a person's facts, newest first.
func (db *DB) Facts(ctx context.Context, act rapport.Actor, personID int64) ([]rapport.Fact, error) {
	orgID := act.Org
	if err := db.CheckVisible(ctx, act, personID); err != nil {
		return nil, err
	}
	var fs []rapport.Fact
	return fs, db.readAll(ctx, db.ro, &fs, personRows(&fs, "learned_at DESC, id DESC", false), orgID, personID)
}

func (db *DB) personExists(ctx context.Context, q bun.IDB, orgID, personID int64) error {
	ok, err := q.NewSelect().Table("people").Where("org_id = ? AND id = ?", orgID, personID).Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return rapport.NotFound("person")
	}
	return nil
}

// Reflect keeps what a user wrote after a live conversation, in one
// transaction: what the person cares about most as a fact learned in that
// conversation (care may be nil), and what the user would feel in their
// place appended to the conversation's notes (feel may be "").
func (db *DB) Reflect(ctx context.Context, act rapport.Actor, conversationID int64, care *rapport.Fact, feel string) error {
	orgID, actorID := act.Org, act.User
	feel = strings.TrimSpace(feel)
	if len(feel) > 2000 {
		return invalidField("feel", "Keep it under 2,000 characters.")
	}
	if care != nil {
		if err := care.Validate(); err != nil {
			return err
		}
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		c := new(rapport.Conversation)
		if err := db.forUpdate(tx.NewSelect().Model(c).Where("org_id = ? AND id = ?", orgID, conversationID)).Scan(ctx); err != nil {
			return notFound(err, "conversation")
		}
		if care != nil {
			now := db.now().UTC()
			care.ID, care.OrgID, care.PersonID, care.UserID, care.ConversationID, care.CreatedAt = 0, orgID, c.PersonID, actorID, c.ID, now
			if care.LearnedAt.IsZero() {
				care.LearnedAt = c.OccurredAt
			}
			if _, err := tx.NewInsert().Model(care).Returning("id").Exec(ctx); err != nil {
				return err
			}
		}
		if feel != "" {
			notes := strings.TrimSpace(c.Notes)
			if notes != "" {
				notes += "\n\n"
			}
			notes += "Reflection: " + feel
			if _, err := tx.NewUpdate().Model(c).Set("notes = ?", notes).WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		return db.refreshSearch(ctx, tx, orgID, c.PersonID)
	})
}
