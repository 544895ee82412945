// Package server puts Rapport's two transports behind one handler: the
// API under /api/v1/ (keys, JSON), the web pages everywhere else
// (sessions, HTML), each with its own middleware from httpx, and in front
// of both what concerns the connection: the client's address behind
// trusted proxies.
package server

import (
	"net/http"
	"net/netip"

	"github.com/rapport-crm/rapport/internal/httpx"
)

// APIPrefix is where the API is served.
const APIPrefix = "/api/v1/"

// New returns the handler serving api under APIPrefix and web elsewhere.
// proxies are the reverse proxies whose X-Forwarded-For is believed.
func New(web, api http.Handler, proxies []netip.Prefix) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(APIPrefix, api)
	mux.Handle("/", web)
	return httpx.TrustProxies(proxies, mux)
}
