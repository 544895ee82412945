package store

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Contacts on the phone: each user has one read-only address book
// (CardDAV) holding the people they may see — the organisation's
// visibility policy applied to them — less the archived.
//
// How a book knows what changed: the transport writes the cards (a
// CardRender) and the store keeps, for each user and person, the ETag of
// what the card showed when last looked at and the book's change number
// (seq) when it last changed, with a tombstone for a card that left the
// book. A sync renders the book as it is now and compares: whatever
// changes what a card shows — an edit, a phone added, a fact learned, a
// conversation logged, a merge, an archive, a new owner, a changed
// policy — changes its ETag and so moves it on, with no write anywhere
// else having to remember to say so. A sync that finds nothing new only
// reads. A sync token is the book's seq; the changes after one are the
// cards whose seq is greater, found by the (org_id, user_id, seq) index.

// Contact is what a person's card shows.
type Contact struct {
	// Person holds the columns cards show (see contactRow), with
	// phones and emails.
	Person rapport.Person
	// Facts are a few of what we know of them, in story order (passions
	// first), newest first within a type.
	Facts []rapport.Fact
	// Last is the latest conversation, if any (channel, direction,
	// outcome and when only).
	Last *rapport.Conversation
}

// CardRender writes a contact's card. It must write the same bytes for
// the same contact: a card's ETag is the hash of what it writes.
type CardRender func(*Contact) []byte

// BookCard is a card of an address book as it is now.
type BookCard struct {
	PersonID int64
	ETag     string
	Data     []byte
}

// AddressBook is a user's address book as a sync found it.
type AddressBook struct {
	// Tag names this book (made at random when it was), Seq its latest
	// change: together, the sync token for now.
	Tag string
	Seq int64
	// Cards are every card, by person id.
	Cards []BookCard
}

// BookChange is a card that changed after a sync token: its seq is the
// change, Removed says it left the book.
type BookChange struct {
	PersonID int64
	Seq      int64
	Removed  bool
}

// ErrSyncToken answers changes asked after a token this book cannot
// answer for: another book's, one from before a restore, or one older
// than the removals it remembers. The client starts again.
var ErrSyncToken = &rapport.Error{Code: rapport.ECONFLICT, Message: "That sync token is not this address book's, or is too old: sync from the start."}

// CardTombstoneTTL is how long a removed card is remembered, for the
// syncs that have yet to hear of it; a client that has not synced for
// longer starts again.
const CardTombstoneTTL = 90 * 24 * time.Hour

// factsPerCard is how many facts a card's note shows.
const factsPerCard = 2

type bookRow struct {
	bun.BaseModel `bun:"table:carddav_books"`
	OrgID         int64  `bun:"org_id,pk"`
	UserID        int64  `bun:"user_id,pk"`
	Tag           string `bun:"tag"`
	Seq           int64  `bun:"seq"`
	OldestSeq     int64  `bun:"oldest_seq"`
}

type cardRow struct {
	bun.BaseModel `bun:"table:carddav_cards"`
	OrgID         int64     `bun:"org_id,pk"`
	UserID        int64     `bun:"user_id,pk"`
	PersonID      int64     `bun:"person_id,pk"`
	ETag          string    `bun:"etag"`
	Seq           int64     `bun:"seq"`
	RemovedAt     time.Time `bun:"removed_at,nullzero"`
}

// SyncAddressBook renders the actor's address book as it is now, records
// the cards that changed, came or left since the last sync (each with
// its own seq, in person order), and returns the book.
func (db *DB) SyncAddressBook(ctx context.Context, act rapport.Actor, render CardRender) (*AddressBook, error) {
	if act.User == 0 {
		return nil, rapport.Errorf(rapport.EINVALID, "An address book is a user's own.")
	}
	contacts, err := db.contacts(ctx, act, nil)
	if err != nil {
		return nil, err
	}
	book := &AddressBook{Cards: make([]BookCard, len(contacts))}
	current := make(map[int64]string, len(contacts))
	for i := range contacts {
		data := render(&contacts[i])
		c := BookCard{PersonID: contacts[i].Person.ID, ETag: CardETag(data), Data: data}
		book.Cards[i], current[c.PersonID] = c, c.ETag
	}
	b, stored, err := db.bookState(ctx, db.ro, act, false)
	if err != nil {
		return nil, err
	}
	if b != nil && len(cardChanges(stored, current)) == 0 {
		book.Tag, book.Seq = b.Tag, b.Seq
		return book, nil
	}
	err = db.tx(ctx, func(tx bun.Tx) error {
		// Made once; then locked, so that two syncs of one book at once
		// (a phone and a laptop) take turns.
		if _, err := tx.NewInsert().Model(&bookRow{OrgID: act.Org, UserID: act.User, Tag: newBookTag()}).
			On("CONFLICT (org_id, user_id) DO NOTHING").Exec(ctx); err != nil {
			return err
		}
		b, stored, err := db.bookState(ctx, tx, act, true)
		if err != nil {
			return err
		}
		now := db.now().UTC()
		rows := cardChanges(stored, current)
		for i := range rows {
			b.Seq++
			rows[i].OrgID, rows[i].UserID, rows[i].Seq = act.Org, act.User, b.Seq
			if rows[i].ETag == "" {
				rows[i].RemovedAt = now
			}
		}
		for chunk := range slices.Chunk(rows, 500) {
			if _, err := tx.NewInsert().Model(&chunk).On("CONFLICT (org_id, user_id, person_id) DO UPDATE").
				Set("etag = EXCLUDED.etag, seq = EXCLUDED.seq, removed_at = EXCLUDED.removed_at").Exec(ctx); err != nil {
				return err
			}
		}
		// Forget old removals; a token from before them is too old now.
		old := func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("org_id = ? AND user_id = ? AND removed_at < ?", act.Org, act.User, now.Add(-CardTombstoneTTL))
		}
		var forgotten int64
		if err := old(tx.NewSelect().Table("carddav_cards").ColumnExpr("COALESCE(MAX(seq), 0)")).Scan(ctx, &forgotten); err != nil {
			return err
		}
		if forgotten > 0 {
			if _, err := tx.NewDelete().Model((*cardRow)(nil)).
				Where("org_id = ? AND user_id = ? AND removed_at < ?", act.Org, act.User, now.Add(-CardTombstoneTTL)).Exec(ctx); err != nil {
				return err
			}
			b.OldestSeq = max(b.OldestSeq, forgotten)
		}
		if _, err := tx.NewUpdate().Model(b).Column("seq", "oldest_seq").WherePK().Exec(ctx); err != nil {
			return err
		}
		book.Tag, book.Seq = b.Tag, b.Seq
		return nil
	})
	if err != nil {
		return nil, err
	}
	return book, nil
}

// AddressBookChanges lists the cards of the actor's book that changed
// after since, up to the book's seq upTo (what a sync just found), oldest
// change first. An empty tag asks from the start: every card in the
// book, and none that left. Otherwise (tag, since, known) is a token the
// book gave: the client holds the cards up to since, and has heard of
// every removal up to known (since ≤ known; they differ after a first
// sync cut short). A token the book cannot answer for — another book's,
// or one whose removals it has forgotten — is ErrSyncToken.
func (db *DB) AddressBookChanges(ctx context.Context, act rapport.Actor, tag string, since, known, upTo int64) ([]BookChange, error) {
	var rows []cardRow
	q := db.ro.NewSelect().Model(&rows)
	if tag == "" {
		since = 0
		q.Where("removed_at IS NULL")
	} else {
		b, err := db.book(ctx, db.ro, act, false)
		if err != nil {
			return nil, err
		}
		if b == nil || tag != b.Tag || since < 0 || since > known || known > b.Seq || known < b.OldestSeq {
			return nil, ErrSyncToken
		}
	}
	if err := q.Column("person_id", "seq", "removed_at").
		Where("org_id = ? AND user_id = ? AND seq > ? AND seq <= ?", act.Org, act.User, since, upTo).
		OrderExpr("seq").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]BookChange, len(rows))
	for i, r := range rows {
		out[i] = BookChange{PersonID: r.PersonID, Seq: r.Seq, Removed: !r.RemovedAt.IsZero()}
	}
	return out, nil
}

// Contacts loads the contacts of the given people that are in the
// actor's address book (seen by them, not archived), by person id;
// anyone else is left out, as though they did not exist.
func (db *DB) Contacts(ctx context.Context, act rapport.Actor, ids []int64) ([]Contact, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return db.contacts(ctx, act, ids)
}

// CardETag is the ETag of a card that is data.
func CardETag(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

func newBookTag() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// cardState is what a book last said of a card.
type cardState struct {
	etag    string
	removed bool
}

// book reads the actor's book, nil when they have none yet; lock locks
// its row for the transaction.
func (db *DB) book(ctx context.Context, q bun.IDB, act rapport.Actor, lock bool) (*bookRow, error) {
	var bs []bookRow
	sel := q.NewSelect().Model(&bs).Where("org_id = ? AND user_id = ?", act.Org, act.User)
	if lock {
		sel = db.forUpdate(sel)
	}
	if err := sel.Scan(ctx); err != nil || len(bs) == 0 {
		return nil, err
	}
	return &bs[0], nil
}

// bookState reads the actor's book and what it last said of each card.
func (db *DB) bookState(ctx context.Context, q bun.IDB, act rapport.Actor, lock bool) (*bookRow, map[int64]cardState, error) {
	b, err := db.book(ctx, q, act, lock)
	if err != nil || b == nil {
		return nil, nil, err
	}
	var rows []cardRow
	if err := q.NewSelect().Model(&rows).Column("person_id", "etag", "removed_at").
		Where("org_id = ? AND user_id = ?", act.Org, act.User).Scan(ctx); err != nil {
		return nil, nil, err
	}
	stored := make(map[int64]cardState, len(rows))
	for _, r := range rows {
		stored[r.PersonID] = cardState{etag: r.ETag, removed: !r.RemovedAt.IsZero()}
	}
	return b, stored, nil
}

// cardChanges are the rows to write to make the book say current: cards
// new or changed with their ETag, cards gone with none; in person order.
func cardChanges(stored map[int64]cardState, current map[int64]string) []cardRow {
	var out []cardRow
	for id, etag := range current {
		if s, ok := stored[id]; !ok || s.removed || s.etag != etag {
			out = append(out, cardRow{PersonID: id, ETag: etag})
		}
	}
	for id, s := range stored {
		if _, ok := current[id]; !ok && !s.removed {
			out = append(out, cardRow{PersonID: id})
		}
	}
	slices.SortFunc(out, func(a, b cardRow) int { return cmp.Compare(a.PersonID, b.PersonID) })
	return out
}

// contactRow is the people's columns a card shows. (Read into this rather
// than into rapport.Person: a book is read whole, and growing a slice of
// tens of thousands of full Person values a row at a time was a third of
// reading it.)
type contactRow struct {
	bun.BaseModel `bun:"table:people,alias:person"`
	ID            int64        `bun:"id"`
	OrgID         int64        `bun:"org_id"`
	FirstName     string       `bun:"first_name"`
	LastName      string       `bun:"last_name"`
	Kind          rapport.Kind `bun:"kind"`
	OwnerID       int64        `bun:"owner_id,nullzero"`
	DoNotCall     bool         `bun:"do_not_call"`
	Brokerage     string       `bun:"brokerage"`
}

// inBook keeps the people of a query on people under alias that are in
// the actor's book: theirs to see, not archived, and among ids unless nil.
func inBook(q *bun.SelectQuery, alias string, act rapport.Actor, ids []int64) *bun.SelectQuery {
	q.Where(alias+".org_id = ? AND "+alias+".archived_at IS NULL", act.Org)
	if act.Only != 0 {
		q.Where(alias+".owner_id = ?", act.Only)
	}
	if ids != nil {
		q.Where(alias+".id IN (?)", bun.List(ids))
	}
	return q
}

// contacts loads the contacts of the actor's book (of ids, unless nil),
// by person id, in a fixed number of statements however many there are.
func (db *DB) contacts(ctx context.Context, act rapport.Actor, ids []int64) ([]Contact, error) {
	q := db.ro
	var people []contactRow
	if err := inBook(q.NewSelect().Model(&people), "person", act, ids).OrderExpr("person.id").Scan(ctx); err != nil {
		return nil, err
	}
	if len(people) == 0 {
		return nil, nil
	}
	out := make([]Contact, len(people))
	at := make(map[int64]*Contact, len(people))
	// The book's ids, as read: each read below looks its people up by
	// them (a subquery naming the book again would find them anew for
	// every read, checking each person's row).
	book := make([]int64, len(people))
	for i, p := range people {
		out[i].Person = rapport.Person{ID: p.ID, OrgID: p.OrgID, FirstName: p.FirstName, LastName: p.LastName, Kind: p.Kind,
			OwnerID: p.OwnerID, DoNotCall: p.DoNotCall, Brokerage: p.Brokerage}
		at[p.ID] = &out[i]
		book[i] = p.ID
	}
	ofBook := func(q *bun.SelectQuery) *bun.SelectQuery {
		return db.whereAnyID(q.Where("org_id = ?", act.Org), "person_id", book)
	}

	var phones []rapport.Phone
	if err := ofBook(q.NewSelect().Model(&phones)).Order("person_id", "position", "id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, ph := range phones {
		if c := at[ph.PersonID]; c != nil {
			c.Person.Phones = append(c.Person.Phones, ph)
		}
	}
	var emails []rapport.Email
	if err := ofBook(q.NewSelect().Model(&emails)).Order("person_id", "position", "id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, e := range emails {
		if c := at[e.PersonID]; c != nil {
			c.Person.Emails = append(c.Person.Emails, e)
		}
	}

	// A few facts each, in story order: a couple more than shown, so
	// that repeats can be left out.
	var rank strings.Builder
	rank.WriteString("CASE type")
	for i, t := range rapport.FactTypes {
		fmt.Fprintf(&rank, " WHEN '%s' THEN %d", t, i)
	}
	rank.WriteString(" ELSE 99 END")
	ranked := ofBook(q.NewSelect().Table("facts").Column("person_id", "type", "text").
		ColumnExpr("ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY " + rank.String() + ", learned_at DESC, id DESC) AS rn"))
	var facts []struct {
		PersonID int64            `bun:"person_id"`
		Type     rapport.FactType `bun:"type"`
		Text     string           `bun:"text"`
	}
	if err := q.NewSelect().TableExpr("(?) AS f", ranked).Column("person_id", "type", "text").
		Where("rn <= ?", factsPerCard+2).OrderExpr("person_id, rn").Scan(ctx, &facts); err != nil {
		return nil, err
	}
	for _, f := range facts {
		if c := at[f.PersonID]; c != nil {
			c.Facts = append(c.Facts, rapport.Fact{PersonID: f.PersonID, Type: f.Type, Text: f.Text})
		}
	}
	for i := range out {
		if fs := rapport.Distinct(out[i].Facts); len(fs) > factsPerCard {
			out[i].Facts = fs[:factsPerCard]
		} else {
			out[i].Facts = fs
		}
	}

	// The latest conversation each, found through the (org_id,
	// person_id, occurred_at) index one person at a time.
	latest := inBook(q.NewSelect().TableExpr("people AS lp").ColumnExpr("(SELECT c2.id FROM conversations AS c2 "+
		"WHERE c2.org_id = lp.org_id AND c2.person_id = lp.id ORDER BY c2.occurred_at DESC, c2.id DESC LIMIT 1)"), "lp", act, ids)
	var convs []rapport.Conversation
	if err := q.NewSelect().Model(&convs).Column("id", "person_id", "channel", "direction", "outcome", "occurred_at").
		Where("org_id = ? AND id IN (?)", act.Org, latest).Scan(ctx); err != nil {
		return nil, err
	}
	for i := range convs {
		if c := at[convs[i].PersonID]; c != nil {
			c.Last = &convs[i]
		}
	}
	return out, nil
}
