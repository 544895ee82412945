package store

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// SavedList is a people filter with a name: the user's own, or shared
// with the team.
type SavedList struct {
	bun.BaseModel `bun:"table:saved_lists,alias:sl"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	UserID        int64     `bun:"user_id"`
	Name          string    `bun:"name"`
	Query         string    `bun:"query"`
	Shared        bool      `bun:"shared"`
	CreatedAt     time.Time `bun:"created_at"`
	UpdatedAt     time.Time `bun:"updated_at"`
	// Count is how many people it holds now for the reader (More: at
	// least that many); OwnerName whose it is.
	Count     int    `bun:"-"`
	More      bool   `bun:"-"`
	OwnerName string `bun:"-"`
}

// ListCountMax is the most people a list's count reads before it says
// "more".
const ListCountMax = 1000

// Filter is the list's people filter for a reader.
func (l *SavedList) Filter(me int64) (PeopleFilter, error) {
	q, err := url.ParseQuery(l.Query)
	if err != nil {
		return PeopleFilter{}, invalidField("query", "The list's filter cannot be read.")
	}
	return ParsePeopleFilter(q, me)
}

// SaveList saves a new list from a people list's query (only its filters
// are kept), checking the name and the filter.
func (db *DB) SaveList(ctx context.Context, act rapport.Actor, l *SavedList) error {
	if act.User == 0 {
		return rapport.Errorf(rapport.EINVALID, "A list is a user's.")
	}
	fe := rapport.FieldErrors{}
	l.Name = strings.TrimSpace(l.Name)
	if l.Name == "" {
		fe.Add("name", "Name the list (e.g. Past clients, motivation unknown).")
	} else if len(l.Name) > 80 {
		fe.Add("name", "Keep the name under 80 characters.")
	}
	q, err := url.ParseQuery(l.Query)
	if err != nil {
		fe.Add("query", "The filter cannot be read.")
	} else if _, err := ParsePeopleFilter(q, act.User); err != nil {
		fe.Merge("", err)
	} else if len(filterQuery(q)) == 0 {
		fe.Add("query", "Filter the people list first: a list of everyone is the people list itself.")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	l.ID, l.OrgID, l.UserID = 0, act.Org, act.User
	l.Query = filterQuery(q).Encode()
	l.CreatedAt = db.now().UTC()
	l.UpdatedAt = l.CreatedAt
	return db.tx(ctx, func(tx bun.Tx) error {
		n, err := tx.NewSelect().Table("saved_lists").Where("org_id = ? AND user_id = ?", act.Org, act.User).Count(ctx)
		if err != nil {
			return err
		}
		if n >= 50 {
			return rapport.Errorf(rapport.ECONFLICT, "You have 50 saved lists: delete one first.")
		}
		if _, err := tx.NewInsert().Model(l).Returning("id").Exec(ctx); err != nil {
			return err
		}
		summary := l.Name
		if l.Shared {
			summary += " (shared with the team)"
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditCreate, "saved list", l.ID, summary)
	})
}

// SavedLists are the actor's lists and those the team shares, each with
// its count for the actor (whose visibility applies).
func (db *DB) SavedLists(ctx context.Context, act rapport.Actor) ([]SavedList, error) {
	var ls []SavedList
	if err := db.ro.NewSelect().Model(&ls).Where("org_id = ? AND (user_id = ? OR shared)", act.Org, act.User).
		OrderExpr("name, id").Scan(ctx); err != nil {
		return nil, err
	}
	var users []rapport.User
	if err := db.ro.NewSelect().Model(&users).Column("id", "name", "email").Where("org_id = ?", act.Org).Scan(ctx); err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.DisplayName()
	}
	var err error
	for i := range ls {
		ls[i].OwnerName = names[ls[i].UserID]
		if ls[i].Count, ls[i].More, err = db.countList(ctx, act, &ls[i]); err != nil {
			return nil, err
		}
	}
	return ls, nil
}

// SavedList loads one list the actor may use: their own or a shared one.
func (db *DB) SavedList(ctx context.Context, act rapport.Actor, id int64) (*SavedList, error) {
	l := new(SavedList)
	err := db.ro.NewSelect().Model(l).Where("org_id = ? AND id = ? AND (user_id = ? OR shared)", act.Org, id, act.User).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "list")
	}
	return l, nil
}

// countList counts the list's people for the actor, up to ListCountMax.
func (db *DB) countList(ctx context.Context, act rapport.Actor, l *SavedList) (int, bool, error) {
	f, err := l.Filter(act.User)
	if err != nil {
		return 0, false, nil // a filter that no longer reads holds no one
	}
	if f.Query == "" {
		// Counted over at most ListCountMax+1 rows (Count on the filter
		// itself would drop the limit and count a whole book).
		capped := db.filtered(db.ro.NewSelect().TableExpr("people AS person").ColumnExpr("person.id"), act, f).Limit(ListCountMax + 1)
		n, err := db.ro.NewSelect().TableExpr("(?) AS capped", capped).Count(ctx)
		return int(min(n, ListCountMax)), n > ListCountMax, err
	}
	// A search goes through the index, a page at a time.
	n := 0
	f.Limit = 200
	for n < ListCountMax {
		page, err := db.ListPeople(ctx, act, f)
		if err != nil {
			return 0, false, err
		}
		n += len(page.People)
		if page.Next == "" {
			return n, false, nil
		}
		f.Cursor = page.Next
	}
	return ListCountMax, true, nil
}

// ListPeopleOf lists up to limit of the list's people for the actor, in
// the list's order.
func (db *DB) ListPeopleOf(ctx context.Context, act rapport.Actor, l *SavedList, limit int) ([]rapport.Person, error) {
	f, err := l.Filter(act.User)
	if err != nil {
		return nil, err
	}
	f.Limit = limit
	page, err := db.ListPeople(ctx, act, f)
	if err != nil {
		return nil, err
	}
	return page.People, nil
}

// DeleteList deletes a list: one's own, or (owners and managers) a shared
// one.
func (db *DB) DeleteList(ctx context.Context, act rapport.Actor, id int64) error {
	return db.tx(ctx, func(tx bun.Tx) error {
		l := new(SavedList)
		if err := tx.NewSelect().Model(l).Where("org_id = ? AND id = ? AND (user_id = ? OR shared)", act.Org, id, act.User).Scan(ctx); err != nil {
			return notFound(err, "list")
		}
		if l.UserID != act.User && !act.Runs() {
			return rapport.Errorf(rapport.EFORBIDDEN, "Only its maker, an owner or a manager deletes a shared list.")
		}
		if _, err := tx.NewDelete().Model((*SavedList)(nil)).Where("org_id = ? AND id = ?", act.Org, id).Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditDelete, "saved list", id, l.Name)
	})
}
