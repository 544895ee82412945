package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/server"
)

// TestRoutesAndProxies: /api/v1/ goes to the API, /dav/ and the address
// books' discovery to CardDAV, and everything else to the web pages, and
// all see the client behind a trusted proxy.
func TestRoutesAndProxies(t *testing.T) {
	who := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name+" "+httpx.ClientIP(r)) })
	}
	h := server.New(who("web"), who("api"), who("dav"), []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	for req, want := range map[string]string{"GET /today": "web 203.0.113.7", "GET /": "web 203.0.113.7", "GET /api/v1/people": "api 203.0.113.7",
		"GET /api/v2/x": "web 203.0.113.7", "PROPFIND /dav/7/addressbooks/": "dav 203.0.113.7", "GET /.well-known/carddav": "dav 203.0.113.7",
		"PROPFIND /": "dav 203.0.113.7", "PROPFIND /today": "web 203.0.113.7", "GET /davx": "web 203.0.113.7"} {
		method, path, _ := strings.Cut(req, " ")
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = "10.0.0.2:1234"
		r.Header.Set("X-Forwarded-For", "203.0.113.7")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Body.String() != want {
			t.Errorf("%s: %q, want %q", req, w.Body.String(), want)
		}
	}
}
