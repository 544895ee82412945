package carddav

import (
	"context"
	"errors"
	"net/http"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/carddav"

	"github.com/rapport-crm/rapport/internal/store"
)

// backend is the signed-in user's address book as go-webdav's CardDAV
// server asks for it. Its errors are go-webdav's HTTP errors, whose text
// the server shows: an internal one is logged and said as no more than
// that.
type backend struct{ h *Handler }

var (
	errNotFound = webdav.NewHTTPError(http.StatusNotFound, errors.New("not found"))
	errReadOnly = webdav.NewHTTPError(http.StatusForbidden, errors.New("this address book is read-only"))
)

func (b *backend) internal(err error) error {
	b.h.log.Error("address book", "err", err)
	return webdav.NewHTTPError(http.StatusInternalServerError, errors.New("something went wrong on our side"))
}

func (b *backend) CurrentUserPrincipal(ctx context.Context) (string, error) {
	return accountOf(ctx).principal(), nil
}

func (b *backend) AddressBookHomeSetPath(ctx context.Context) (string, error) {
	return accountOf(ctx).home(), nil
}

// addressBook describes the user's one address book.
func addressBook(a *account) carddav.AddressBook {
	return carddav.AddressBook{Path: a.book(), Name: bookName, Description: bookDescription(a),
		SupportedAddressData: []carddav.AddressDataType{{ContentType: vcard.MIMEType, Version: cardVersion}}}
}

func (b *backend) ListAddressBooks(ctx context.Context) ([]carddav.AddressBook, error) {
	return []carddav.AddressBook{addressBook(accountOf(ctx))}, nil
}

func (b *backend) GetAddressBook(ctx context.Context, path string) (*carddav.AddressBook, error) {
	a := accountOf(ctx)
	if path != a.book() {
		return nil, errNotFound
	}
	ab := addressBook(a)
	return &ab, nil
}

// GetAddressObject answers one card: loaded ahead for a multiget, or on
// its own.
func (b *backend) GetAddressObject(ctx context.Context, path string, _ *carddav.AddressDataRequest) (*carddav.AddressObject, error) {
	a := accountOf(ctx)
	id, ok := a.personAt(path)
	if !ok {
		return nil, errNotFound
	}
	c, loaded := a.cards[id]
	if a.cards == nil {
		cs, err := b.h.db.Contacts(ctx, a.actor, []int64{id})
		if err != nil {
			return nil, b.internal(err)
		}
		if loaded = len(cs) == 1; loaded {
			c = &cs[0]
		}
	}
	if !loaded {
		return nil, errNotFound
	}
	card := cardOf(c, a.loc, b.h.now())
	return object(a, id, card, encode(card)), nil
}

// object is a card as go-webdav serves it (it encodes Card itself, as
// encode does, so that its ETag is that of what it sends).
func object(a *account, personID int64, card vcard.Card, data []byte) *carddav.AddressObject {
	return &carddav.AddressObject{Path: a.cardPath(personID), ETag: store.CardETag(data), ContentLength: int64(len(data)), Card: card}
}

func (b *backend) ListAddressObjects(ctx context.Context, path string, _ *carddav.AddressDataRequest) ([]carddav.AddressObject, error) {
	a := accountOf(ctx)
	if path != a.book() {
		return nil, errNotFound
	}
	book, cards, err := b.h.syncBook(ctx, a)
	if err != nil {
		return nil, b.internal(err)
	}
	out := make([]carddav.AddressObject, len(book.Cards))
	for i, c := range book.Cards {
		out[i] = *object(a, c.PersonID, cards[c.PersonID], c.Data)
	}
	return out, nil
}

func (b *backend) QueryAddressObjects(ctx context.Context, path string, q *carddav.AddressBookQuery) ([]carddav.AddressObject, error) {
	all, err := b.ListAddressObjects(ctx, path, &q.DataRequest)
	if err != nil {
		return nil, err
	}
	return carddav.Filter(q, all)
}

// Writing never reaches here (the handler refuses it first); these say
// no all the same.

func (b *backend) CreateAddressBook(context.Context, *carddav.AddressBook) error { return errReadOnly }
func (b *backend) DeleteAddressBook(context.Context, string) error               { return errReadOnly }
func (b *backend) DeleteAddressObject(context.Context, string) error             { return errReadOnly }
func (b *backend) PutAddressObject(context.Context, string, vcard.Card, *carddav.PutAddressObjectOptions) (*carddav.AddressObject, error) {
	return nil, errReadOnly
}
