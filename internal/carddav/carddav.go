// Package carddav serves each user's people as a read-only CardDAV
// address book (RFC 6352) under /dav/, for the contacts app on their
// phone: a vCard per person they may see, with a note that tells their
// story, kept in step by sync tokens (RFC 6578).
//
// A phone signs in with HTTP Basic: the user's email and an app password
// they made in Settings, never the account's password and never a
// session cookie. The address book lives at
//
//	/dav/                                   the root: who am I?
//	/dav/{user}/                            the user's principal
//	/dav/{user}/addressbooks/               their address book home
//	/dav/{user}/addressbooks/contacts/      the address book
//	/dav/{user}/addressbooks/contacts/{person}.vcf
//
// with /.well-known/carddav (RFC 6764) pointing at the root.
//
// emersion/go-webdav's CardDAV server answers discovery of the principal,
// address-book queries and multigets, and GET; it has no sync-collection
// REPORT, no sync token or CTag, and offers writing, so this package
// answers those itself in front of it: PROPFIND on the home and the book
// (with DAV:sync-token, CS:getctag, the supported reports and read-only
// privileges), the sync-collection REPORT, OPTIONS, and 403 for every
// method that would change something.
package carddav

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-webdav/carddav"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Root is where the address books are served; WellKnown points at it.
const (
	Root      = "/dav/"
	WellKnown = "/.well-known/carddav"
)

// maxBody bounds a request's body: a multiget naming every card of a
// large book fits.
const maxBody = 4 << 20

// Options configure the handler.
type Options struct {
	DB     *store.DB
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Handler serves the address books.
type Handler struct {
	db      *store.DB
	log     *slog.Logger
	now     func() time.Time
	dav     *carddav.Handler
	handler http.Handler
}

// New returns the handler for Root and WellKnown, behind the request log
// and the security headers every answer carries.
func New(o Options) *Handler {
	h := &Handler{db: o.DB, log: o.Logger, now: o.Now}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.dav = &carddav.Handler{Backend: &backend{h: h}, Prefix: strings.TrimSuffix(Root, "/")}
	h.handler = httpx.LogRequests(h.log, nil, httpx.SecureHeaders(http.HandlerFunc(h.serve)))
	return h
}

// ServeHTTP makes Handler an http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

// account is the signed-in user of a request.
type account struct {
	org   *rapport.Org
	user  *rapport.User
	actor rapport.Actor
	loc   *time.Location
	// cards are contacts loaded ahead for a multiget, by person id.
	cards map[int64]*store.Contact
}

type accountKey struct{}

func accountOf(ctx context.Context) *account {
	a, _ := ctx.Value(accountKey{}).(*account)
	return a
}

// The paths of a user's address book.
func (a *account) principal() string { return Root + strconv.FormatInt(a.user.ID, 10) + "/" }
func (a *account) home() string      { return a.principal() + "addressbooks/" }
func (a *account) book() string      { return a.home() + "contacts/" }
func (a *account) cardPath(personID int64) string {
	return a.book() + strconv.FormatInt(personID, 10) + ".vcf"
}

// personAt reads the person id of a card's path in the user's book.
func (a *account) personAt(path string) (int64, bool) {
	name, ok := strings.CutPrefix(path, a.book())
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimSuffix(name, ".vcf"), 10, 64)
	return id, err == nil && id > 0 && strings.HasSuffix(name, ".vcf")
}

// readOnly are the methods that would change something.
var readOnly = map[string]bool{http.MethodPut: true, http.MethodPost: true, http.MethodDelete: true, http.MethodPatch: true,
	"MKCOL": true, "MKCALENDAR": true, "PROPPATCH": true, "COPY": true, "MOVE": true, "LOCK": true, "UNLOCK": true, "ACL": true}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, Root) {
		// The well-known address, and the site's root for clients that
		// ask it first: the address books are at Root.
		http.Redirect(w, r, Root, http.StatusMovedPermanently)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if r.Method == http.MethodOptions {
		// What the server does is no secret: clients ask before signing in.
		w.Header().Set("DAV", "1, 3, addressbook")
		w.Header().Set("Allow", "OPTIONS, GET, HEAD, PROPFIND, REPORT")
		w.WriteHeader(http.StatusOK)
		return
	}
	a, ok := h.signIn(w, r)
	if !ok {
		return
	}
	ctx := context.WithValue(r.Context(), accountKey{}, a)
	r = r.WithContext(ctx)
	// What one user's contacts app is told is for it alone.
	w.Header().Set("Cache-Control", "private, no-cache")
	path := r.URL.Path
	if !strings.HasSuffix(path, "/") && (path+"/" == a.principal() || path+"/" == a.home() || path+"/" == a.book()) {
		// A collection named without its slash is the collection.
		path += "/"
		r.URL.Path = path
	}
	if path != Root && !strings.HasPrefix(path, a.principal()) {
		// Another user's address book is not found, as one that does not
		// exist.
		davError(w, http.StatusNotFound, "Not found.")
		return
	}
	switch {
	case readOnly[r.Method]:
		w.Header().Set("Allow", "OPTIONS, GET, HEAD, PROPFIND, REPORT")
		davError(w, http.StatusForbidden, "This address book is read-only: change your people in Rapport, and your phone shows it at its next sync.")
	case r.Method == "PROPFIND" && (path == a.home() || path == a.book()):
		h.propfind(w, r, a)
	case r.Method == "REPORT":
		h.report(w, r, a)
	default:
		h.dav.ServeHTTP(w, r)
	}
}

// davError answers with a status and a message for people.
func davError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write([]byte(msg + "\n"))
}

// fail answers an error of the store: its code's status with its message,
// an internal one logged and told as no more than that.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		davError(w, http.StatusRequestEntityTooLarge, "The request is too large.")
		return
	}
	status := httpx.Status(rapport.ErrorCode(err))
	if status == http.StatusInternalServerError {
		h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		davError(w, status, "Something went wrong on our side.")
		return
	}
	davError(w, status, rapport.ErrorMessage(err))
}
