package server_test

import (
	"context"
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
	h := server.New(who("web"), who("api"), who("dav"), []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, 0, nil)
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

// TestLimitLeavesHealthAndStreamsAlone: with every place taken by requests
// at work, a health check, a static file and Today's live stream still
// pass; a page, or an API call that asks for an event stream, waits (one
// whose client has given up is never worked on).
func TestLimitLeavesHealthAndStreamsAlone(t *testing.T) {
	hold, entered := make(chan struct{}), make(chan string, 8)
	web := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- r.Method + " " + r.URL.Path
		if r.URL.Path == "/slow" {
			<-hold
		}
	})
	h := server.New(web, web, nil, nil, 1, nil)
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/slow", nil))
		close(done)
	}()
	if p := <-entered; p != "GET /slow" {
		t.Fatalf("entered %s", p)
	}
	stream := func(method, path string) *http.Request {
		r := httptest.NewRequest(method, path, nil)
		r.Header.Set("Accept", "text/event-stream")
		return r
	}
	// Were these to wait, they would be answered 503 after server.MaxWait.
	for _, r := range []*http.Request{httptest.NewRequest("GET", "/healthz", nil), httptest.NewRequest("GET", "/static/abc/app.css", nil),
		stream("GET", "/today/live")} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("%s %s: %d while the only place was taken", r.Method, r.URL.Path, w.Code)
		}
		if p := <-entered; p != r.Method+" "+r.URL.Path {
			t.Fatalf("entered %s, want %s", p, r.URL.Path)
		}
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for _, r := range []*http.Request{httptest.NewRequest("GET", "/today", nil), stream("POST", "/api/v1/events"), stream("POST", "/today/live")} {
		h.ServeHTTP(httptest.NewRecorder(), r.WithContext(gone))
	}
	close(hold)
	<-done
	select {
	case p := <-entered:
		t.Fatalf("%s was worked on though it had to wait and its client was gone", p)
	default:
	}
}
