// Package server puts Rapport's transports behind one handler: the API
// under /api/v1/ (keys, JSON), the address books under /dav/ (CardDAV,
// app passwords), the web pages everywhere else (sessions, HTML), each
// with its own middleware from httpx, and in front of them all what
// concerns the connection: the client's address behind trusted proxies.
package server

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/store"
)

// APIPrefix is where the API is served, DAVPrefix the address books.
const (
	APIPrefix = "/api/v1/"
	DAVPrefix = "/dav/"
)

// New returns the handler serving api under APIPrefix, dav (when not nil)
// under DAVPrefix, and web elsewhere, at most inFlight requests at once
// (0: no limit; see httpx.Limit) but for health checks, static files and
// the live stream. A request that waits longer than MaxWait for its turn
// is answered 503, and logged to log (when not nil).
func New(web, api, dav http.Handler, proxies []netip.Prefix, inFlight int, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(APIPrefix, api)
	if dav != nil {
		mux.Handle(DAVPrefix, dav)
		mux.Handle("/.well-known/carddav", dav)
		mux.Handle("PROPFIND /{$}", dav)
	}
	mux.Handle("/", web)
	// Each request remembers the user and organisation it reads.
	remember := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(store.WithMemo(r.Context())))
	})
	return httpx.TrustProxies(proxies, httpx.Limit(inFlight, MaxWait, unqueued, log, remember))
}

// MaxWait is how long a request waits for its turn before it is answered
// 503: well inside the server's read and write timeouts and a proxy's
// usual one, so that no request is worked on after its client gave up.
const MaxWait = 10 * time.Second

// unqueued says whether a request passes the limit on requests at work
// without waiting: a health check (a load balancer must not take a busy
// server for a dead one), a static file (cheap, and the page it belongs to
// already waited), Today's live stream (it stays open as long as its
// page). Long requests that end (an export, an import's upload) take
// their turn like any other.
func unqueued(r *http.Request) bool {
	return r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/static/") ||
		(r.Method == http.MethodGet && r.URL.Path == "/today/live")
}
