package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// An organisation may keep people private to their owner (see
// rapport.Org.OnlyOwner). The actor carries it as Only: lists hold only
// the people that user owns, and only those people's conversations and
// follow-ups; reads of one record by id (Person, Conversation, FollowUp,
// CheckVisible) answer not found for a hidden one, exactly as for another
// organisation's. The organisation's own work (an actor without Only)
// sees everyone.

// aboutOwnPerson keeps, of a query on a table with org_id and person_id
// columns under alias, the rows about people owned by visibleTo (any
// person when it is 0).
func aboutOwnPerson(q *bun.SelectQuery, alias string, visibleTo int64) *bun.SelectQuery {
	if visibleTo == 0 {
		return q
	}
	return q.Where(ownPerson(alias), visibleTo)
}

// ownPerson is aboutOwnPerson's condition, "?" standing for the owner (a
// bound read gives its placeholder).
func ownPerson(alias string) string {
	return "EXISTS (SELECT 1 FROM people vp WHERE vp.org_id = " + alias + ".org_id AND vp.id = " + alias + ".person_id AND vp.owner_id = ?)"
}

// CheckVisible reports a not-found error unless the person is the
// organisation's and one the actor may see.
func (db *DB) CheckVisible(ctx context.Context, act rapport.Actor, personID int64) error {
	orgID, visibleTo := act.Org, act.Only
	m, key := memoFrom(ctx), visibleKey{orgID, personID, visibleTo}
	if _, ok := m.recall(key); ok {
		return nil
	}
	q := db.ro.NewSelect().Table("people").Where("org_id = ? AND id = ?", orgID, personID)
	if visibleTo != 0 {
		q.Where("owner_id = ?", visibleTo)
	}
	ok, err := q.Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return rapport.NotFound("person")
	}
	m.keep(key, true)
	return nil
}
