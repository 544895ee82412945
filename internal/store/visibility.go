package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// An organisation may keep people private to their owner (see
// rapport.Org.OnlyOwner). Lists take the viewer as VisibleTo: when set,
// they hold only the people that user owns, and only those people's
// conversations and follow-ups. Reads of one record by id check it with
// CheckVisible, so that a hidden person is not found, exactly as another
// organisation's is.

// aboutOwnPerson keeps, of a query on a table with org_id and person_id
// columns under alias, the rows about people owned by visibleTo (any
// person when it is 0).
func aboutOwnPerson(q *bun.SelectQuery, alias string, visibleTo int64) *bun.SelectQuery {
	if visibleTo == 0 {
		return q
	}
	return q.Where("EXISTS (SELECT 1 FROM people vp WHERE vp.org_id = "+alias+".org_id AND vp.id = "+alias+".person_id AND vp.owner_id = ?)",
		visibleTo)
}

// CheckVisible reports a not-found error unless the person is the
// organisation's and, when visibleTo is set, owned by that user.
func (db *DB) CheckVisible(ctx context.Context, orgID, visibleTo, personID int64) error {
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
	return nil
}

// VisiblePerson loads a person of the organisation that viewer may see.
func (db *DB) VisiblePerson(ctx context.Context, org *rapport.Org, viewer *rapport.User, id int64) (*rapport.Person, error) {
	p, err := db.Person(ctx, org.ID, id)
	if err != nil {
		return nil, err
	}
	if !org.Sees(viewer, p.OwnerID) {
		return nil, rapport.NotFound("person")
	}
	return p, nil
}

// VisibleConversation loads a conversation with a person viewer may see.
func (db *DB) VisibleConversation(ctx context.Context, org *rapport.Org, viewer *rapport.User, id int64) (*rapport.Conversation, error) {
	c, err := db.Conversation(ctx, org.ID, id)
	if err != nil {
		return nil, err
	}
	if err := db.CheckVisible(ctx, org.ID, org.OnlyOwner(viewer), c.PersonID); err != nil {
		return nil, rapport.NotFound("conversation")
	}
	return c, nil
}

// VisibleFollowUp loads a follow-up with a person viewer may see.
func (db *DB) VisibleFollowUp(ctx context.Context, org *rapport.Org, viewer *rapport.User, id int64) (*rapport.FollowUp, error) {
	f, err := db.FollowUp(ctx, org.ID, id)
	if err != nil {
		return nil, err
	}
	if err := db.CheckVisible(ctx, org.ID, org.OnlyOwner(viewer), f.PersonID); err != nil {
		return nil, rapport.NotFound("follow-up")
	}
	return f, nil
}
