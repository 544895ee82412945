package carddav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/store"
)

// A sync token (RFC 6578 wants a URI) names the book (its tag) and how
// far the client has got: it holds the cards up to change since, and has
// heard of every removal up to known (the two differ only after a sync
// cut short by its limit).
const tokenPrefix = "urn:x-rapport:sync:"

func formatToken(tag string, since, known int64) string {
	return fmt.Sprintf("%s%s:%d:%d", tokenPrefix, tag, since, known)
}

func parseToken(s string) (tag string, since, known int64, ok bool) {
	parts := strings.Split(strings.TrimPrefix(strings.TrimSpace(s), tokenPrefix), ":")
	if len(parts) != 3 || !strings.HasPrefix(strings.TrimSpace(s), tokenPrefix) || parts[0] == "" {
		return "", 0, 0, false
	}
	since, err1 := strconv.ParseInt(parts[1], 10, 64)
	known, err2 := strconv.ParseInt(parts[2], 10, 64)
	return parts[0], since, known, err1 == nil && err2 == nil
}

// report answers a REPORT: sync-collection here; a multiget, with its
// cards loaded at once, and an address-book query by go-webdav.
func (h *Handler) report(w http.ResponseWriter, r *http.Request, a *account) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var root struct {
		XMLName xml.Name
		Hrefs   []string `xml:"DAV: href"`
	}
	if err := xml.Unmarshal(body, &root); err != nil {
		davError(w, http.StatusBadRequest, "The request's XML could not be read.")
		return
	}
	switch root.XMLName {
	case name(nsDAV, "sync-collection"):
		if r.URL.Path != a.book() {
			davError(w, http.StatusForbidden, "Only the address book itself can be synchronised.")
			return
		}
		h.syncCollection(w, r, a, body)
		return
	case name(nsCard, "addressbook-multiget"):
		if err := h.preload(r, a, root.Hrefs); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	// go-webdav reads the body again, and only as XML.
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/xml; charset=utf-8")
	h.dav.ServeHTTP(w, r)
}

// preload loads the cards a multiget names in one go, rather than one
// at a time as go-webdav asks for them.
func (h *Handler) preload(r *http.Request, a *account, hrefs []string) error {
	var ids []int64
	for _, s := range hrefs {
		if u, err := url.Parse(strings.TrimSpace(s)); err == nil {
			if id, ok := a.personAt(u.Path); ok {
				ids = append(ids, id)
			}
		}
	}
	cs, err := h.db.Contacts(r.Context(), a.actor, ids)
	if err != nil {
		return err
	}
	a.cards = make(map[int64]*store.Contact, len(cs))
	for i := range cs {
		a.cards[cs[i].Person.ID] = &cs[i]
	}
	return nil
}

// syncCollection answers RFC 6578's sync-collection REPORT on the book:
// with no token, every card; with one, the cards that changed or came
// since (their properties as asked) and those that left (404), oldest
// change first, and the token for next time. A limit cuts the answer
// short, says so (507 on the book) and gives a token that goes on from
// there. A token the book cannot answer for is refused as RFC 6578 says,
// and the client starts again.
func (h *Handler) syncCollection(w http.ResponseWriter, r *http.Request, a *account, body []byte) {
	var req struct {
		Token string    `xml:"DAV: sync-token"`
		Level string    `xml:"DAV: sync-level"`
		Prop  *propList `xml:"DAV: prop"`
		Limit *struct {
			N int `xml:"DAV: nresults"`
		} `xml:"DAV: limit"`
	}
	if err := xml.Unmarshal(body, &req); err != nil {
		davError(w, http.StatusBadRequest, "The request's XML could not be read.")
		return
	}
	// Level 1 and infinite are the same here: the book holds no
	// collections.
	var tag string
	var since, known int64
	if t := strings.TrimSpace(req.Token); t != "" {
		var ok bool
		if tag, since, known, ok = parseToken(t); !ok {
			invalidToken(w)
			return
		}
	}
	book, _, err := h.syncBook(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	changes, err := h.db.AddressBookChanges(r.Context(), a.actor, tag, since, known, book.Seq)
	if errors.Is(err, store.ErrSyncToken) {
		invalidToken(w)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := formatToken(book.Tag, book.Seq, book.Seq)
	truncated := false
	if req.Limit != nil && req.Limit.N >= 0 && len(changes) > req.Limit.N {
		changes, truncated = changes[:req.Limit.N], true
		upTo := since
		if len(changes) > 0 {
			upTo = changes[len(changes)-1].Seq
		}
		// A first sync cut short has heard of no removal it needs up
		// to now; a later one, only as far as it got.
		heard := max(upTo, known)
		if tag == "" {
			heard = book.Seq
		}
		next = formatToken(book.Tag, upTo, heard)
	}
	cards := make(map[int64]*store.BookCard, len(book.Cards))
	for i := range book.Cards {
		cards[book.Cards[i].PersonID] = &book.Cards[i]
	}
	asked := &propRequest{}
	if req.Prop != nil {
		asked.props = *req.Prop
	} else {
		asked.props = []xml.Name{name(nsDAV, "getetag")}
	}
	m := newMultistatus()
	for _, c := range changes {
		card := cards[c.PersonID]
		switch {
		case c.Removed:
			m.status(a.cardPath(c.PersonID), http.StatusNotFound)
		case card == nil:
			// Cannot be: a change up to the book's seq is of the book
			// the sync found. Should it be, the next sync names it.
			h.log.Warn("card changed but not in the book", "person", c.PersonID)
		default:
			m.response(a.cardPath(c.PersonID), cardProps(card, true), asked)
		}
	}
	if truncated {
		m.status(a.book(), http.StatusInsufficientStorage)
	}
	m.send(w, next)
}

// invalidToken refuses a sync token (RFC 6578, DAV:valid-sync-token).
func invalidToken(w http.ResponseWriter) {
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, xml.Header+`<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>`)
}
