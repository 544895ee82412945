package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/server"
)

// TestRoutesAndProxies: /api/v1/ goes to the API and everything else to
// the web pages, and both see the client behind a trusted proxy.
func TestRoutesAndProxies(t *testing.T) {
	who := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name+" "+httpx.ClientIP(r)) })
	}
	h := server.New(who("web"), who("api"), []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	for path, want := range map[string]string{"/today": "web 203.0.113.7", "/": "web 203.0.113.7", "/api/v1/people": "api 203.0.113.7",
		"/api/v2/x": "web 203.0.113.7"} {
		r := httptest.NewRequest("GET", path, nil)
		r.RemoteAddr = "10.0.0.2:1234"
		r.Header.Set("X-Forwarded-For", "203.0.113.7")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Body.String() != want {
			t.Errorf("%s: %q, want %q", path, w.Body.String(), want)
		}
	}
}
