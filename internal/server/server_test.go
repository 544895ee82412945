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
	h := server.New(who("web"), who("api"), who("dav"), []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, 0)
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
// at work, a health check, a static file and a live stream still pass; a
// page waits for a place.
func TestLimitLeavesHealthAndStreamsAlone(t *testing.T) {
	hold, entered := make(chan struct{}), make(chan string, 8)
	web := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- r.URL.Path
		if r.URL.Path == "/slow" {
			<-hold
		}
	})
	h := server.New(web, web, nil, nil, 1)
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/slow", nil))
		close(done)
	}()
	if p := <-entered; p != "/slow" {
		t.Fatalf("entered %s", p)
	}
	for _, path := range []string{"/healthz", "/static/abc/app.css", "/today/live"} {
		r := httptest.NewRequest("GET", path, nil)
		if path == "/today/live" {
			r.Header.Set("Accept", "text/event-stream")
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if p := <-entered; p != path {
			t.Fatalf("entered %s, want %s", p, path)
		}
	}
	waited := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/today", nil))
		close(waited)
	}()
	select {
	case p := <-entered:
		t.Fatalf("%s entered while the only place was taken", p)
	case <-waited:
		t.Fatal("a page was answered while the only place was taken")
	default:
	}
	close(hold)
	<-done
	if p := <-entered; p != "/today" {
		t.Fatalf("entered %s, want /today", p)
	}
	<-waited
}
