package carddav

import (
	"bytes"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/emersion/go-vcard"

	"github.com/rapport-crm/rapport/internal/store"
)

// The XML name spaces of the properties, and the prefixes answers use.
const (
	nsDAV  = "DAV:"
	nsCard = "urn:ietf:params:xml:ns:carddav"
	nsCS   = "http://calendarserver.org/ns/"
)

var prefixes = map[string]string{nsDAV: "d", nsCard: "card", nsCS: "cs"}

// bookName is what contacts apps call the address book.
const bookName = "Rapport"

func bookDescription(a *account) string {
	return "Your people in Rapport (" + a.org.Name + "), kept in step and read-only: change them in Rapport."
}

// syncBook brings the user's book up to date and returns it, with the
// card of each person in it.
func (h *Handler) syncBook(ctx context.Context, a *account) (*store.AddressBook, map[int64]vcard.Card, error) {
	now := h.now()
	cards := map[int64]vcard.Card{}
	book, err := h.db.SyncAddressBook(ctx, a.actor, func(c *store.Contact) []byte {
		card := cardOf(c, a.loc, now)
		cards[c.Person.ID] = card
		return encode(card)
	})
	return book, cards, err
}

// props are a resource's properties: each writes its value as XML.
type props map[xml.Name]func() string

func name(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

func href(path string) string { return "<d:href>" + escape(path) + "</d:href>" }

func escape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// readOnlyPrivileges: the user may read, nothing more (contacts apps show
// such a book as read-only).
const readOnlyPrivileges = "<d:privilege><d:read/></d:privilege><d:privilege><d:read-current-user-privilege-set/></d:privilege>"

// collectionProps are what the home and the book both say.
func collectionProps(a *account, display string) props {
	return props{
		name(nsDAV, "displayname"):                func() string { return escape(display) },
		name(nsDAV, "current-user-principal"):     func() string { return href(a.principal()) },
		name(nsDAV, "owner"):                      func() string { return href(a.principal()) },
		name(nsDAV, "current-user-privilege-set"): func() string { return readOnlyPrivileges },
		name(nsDAV, "resourcetype"):               func() string { return "<d:collection/>" },
	}
}

func sortNames(ns []xml.Name) {
	slices.SortFunc(ns, func(a, b xml.Name) int {
		return cmp.Or(cmp.Compare(a.Space, b.Space), cmp.Compare(a.Local, b.Local))
	})
}

// bookProps are the address book's properties: its sync token is its
// CTag too, which older clients compare.
func bookProps(a *account, token string) props {
	p := collectionProps(a, bookName)
	p[name(nsDAV, "resourcetype")] = func() string { return "<d:collection/><card:addressbook/>" }
	p[name(nsCard, "addressbook-description")] = func() string { return escape(bookDescription(a)) }
	p[name(nsCard, "supported-address-data")] = func() string {
		return `<card:address-data-type content-type="text/vcard" version="` + cardVersion + `"/>`
	}
	p[name(nsDAV, "supported-report-set")] = func() string {
		return "<d:supported-report><d:report><card:addressbook-multiget/></d:report></d:supported-report>" +
			"<d:supported-report><d:report><card:addressbook-query/></d:report></d:supported-report>" +
			"<d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report>"
	}
	p[name(nsDAV, "sync-token")] = func() string { return escape(token) }
	p[name(nsCS, "getctag")] = func() string { return escape(token) }
	return p
}

// cardProps are a card's properties; address-data only in a REPORT.
func cardProps(c *store.BookCard, withData bool) props {
	p := props{
		name(nsDAV, "resourcetype"):     func() string { return "" },
		name(nsDAV, "getetag"):          func() string { return escape(strconv.Quote(c.ETag)) },
		name(nsDAV, "getcontenttype"):   func() string { return cardMIME },
		name(nsDAV, "getcontentlength"): func() string { return strconv.Itoa(len(c.Data)) },
	}
	if withData {
		p[name(nsCard, "address-data")] = func() string { return escape(string(c.Data)) }
	}
	return p
}

// propRequest is what a PROPFIND or REPORT asks of each resource: the
// named properties, all of them (allprop), or only their names.
type propRequest struct {
	all, names bool
	props      []xml.Name
}

// propList reads the children of a DAV:prop element as names.
type propList []xml.Name

func (l *propList) UnmarshalXML(d *xml.Decoder, _ xml.StartElement) error {
	for {
		t, err := d.Token()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.StartElement:
			*l = append(*l, t.Name)
			if err := d.Skip(); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

// readPropfind reads a PROPFIND's body: none asks for every property.
func readPropfind(r *http.Request) (*propRequest, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &propRequest{all: true}, nil
	}
	var req struct {
		XMLName  xml.Name  `xml:"DAV: propfind"`
		AllProp  *struct{} `xml:"DAV: allprop"`
		PropName *struct{} `xml:"DAV: propname"`
		Prop     *propList `xml:"DAV: prop"`
	}
	if err := xml.Unmarshal(body, &req); err != nil {
		return nil, errBadXML
	}
	out := &propRequest{all: req.AllProp != nil, names: req.PropName != nil}
	if req.Prop != nil {
		out.props = *req.Prop
	}
	return out, nil
}

var errBadXML = errors.New("the request is not the XML it should be")

// multistatus writes a 207 Multi-Status answer.
type multistatus struct {
	b bytes.Buffer
}

func newMultistatus() *multistatus {
	m := &multistatus{}
	m.b.WriteString(xml.Header + `<d:multistatus xmlns:d="DAV:" xmlns:card="` + nsCard + `" xmlns:cs="` + nsCS + `">`)
	return m
}

// element writes an element of any name space, empty or with inner XML.
func (m *multistatus) element(n xml.Name, inner string) {
	tag, decl := n.Local, ""
	if p, ok := prefixes[n.Space]; ok {
		tag = p + ":" + n.Local
	} else {
		decl = ` xmlns="` + escape(n.Space) + `"`
	}
	if inner == "" {
		fmt.Fprintf(&m.b, "<%s%s/>", tag, decl)
		return
	}
	fmt.Fprintf(&m.b, "<%s%s>%s</%s>", tag, decl, inner, tag)
}

// response writes a resource's properties as asked: those it has with
// 200, those it lacks with 404.
func (m *multistatus) response(path string, p props, req *propRequest) {
	m.b.WriteString("<d:response>" + href(path))
	var found, missing []xml.Name
	if req.all || req.names {
		for n := range p {
			found = append(found, n)
		}
		sortNames(found)
	} else {
		for _, n := range req.props {
			if p[n] != nil {
				found = append(found, n)
			} else {
				missing = append(missing, n)
			}
		}
	}
	if len(found) > 0 {
		m.b.WriteString("<d:propstat><d:prop>")
		for _, n := range found {
			inner := ""
			if !req.names {
				inner = p[n]()
			}
			m.element(n, inner)
		}
		m.b.WriteString("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>")
	}
	if len(missing) > 0 {
		m.b.WriteString("<d:propstat><d:prop>")
		for _, n := range missing {
			m.element(n, "")
		}
		m.b.WriteString("</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>")
	}
	m.b.WriteString("</d:response>")
}

// status writes a resource's status alone (a card gone: 404).
func (m *multistatus) status(path string, code int) {
	fmt.Fprintf(&m.b, "<d:response>%s<d:status>HTTP/1.1 %d %s</d:status></d:response>", href(path), code, http.StatusText(code))
}

// send ends the answer (with a sync token, when there is one) and sends it.
func (m *multistatus) send(w http.ResponseWriter, token string) {
	if token != "" {
		m.b.WriteString("<d:sync-token>" + escape(token) + "</d:sync-token>")
	}
	m.b.WriteString("</d:multistatus>")
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.Header().Set("Content-Length", strconv.Itoa(m.b.Len()))
	w.WriteHeader(http.StatusMultiStatus)
	w.Write(m.b.Bytes())
}

// propfind answers a PROPFIND on the address book home or the book: one
// level down unless Depth is 0 (infinity is taken as 1; there is nothing
// deeper).
func (h *Handler) propfind(w http.ResponseWriter, r *http.Request, a *account) {
	req, err := readPropfind(r)
	if err != nil {
		h.badRequest(w, r, err)
		return
	}
	deep := r.Header.Get("Depth") != "0"
	book, _, err := h.syncBook(r.Context(), a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	token := formatToken(book.Tag, book.Seq, book.Seq)
	m := newMultistatus()
	if r.URL.Path == a.home() {
		m.response(a.home(), collectionProps(a, "Address books"), req)
		if deep {
			m.response(a.book(), bookProps(a, token), req)
		}
	} else {
		m.response(a.book(), bookProps(a, token), req)
		if deep {
			for i := range book.Cards {
				m.response(a.cardPath(book.Cards[i].PersonID), cardProps(&book.Cards[i], false), req)
			}
		}
	}
	m.send(w, "")
}

func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errBadXML) {
		davError(w, http.StatusBadRequest, "The request's XML could not be read.")
		return
	}
	h.fail(w, r, err)
}
