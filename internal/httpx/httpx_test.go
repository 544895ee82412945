package httpx_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/httpx"
)

// TestTrustProxies: behind a trusted proxy the client is the last address
// of X-Forwarded-For that is not a proxy; from anywhere else the header is
// ignored, so that no one can pose as another address.
func TestTrustProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	var got string
	h := httpx.TrustProxies(proxies, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = httpx.ClientIP(r) }))
	for _, c := range []struct{ remote, xff, want string }{
		{"10.0.0.5:4321", "203.0.113.7", "203.0.113.7"},
		{"10.0.0.5:4321", "198.51.100.1, 203.0.113.7", "203.0.113.7"}, // the client lied about the first hop
		{"10.0.0.5:4321", "203.0.113.7, 10.0.0.9", "203.0.113.7"},     // two proxies
		{"[fd00::1]:443", "2001:db8::5", "2001:db8::5"},
		{"10.0.0.5:4321", "", "10.0.0.5"}, // no header: the proxy itself
		{"10.0.0.5:4321", "not an address", "10.0.0.5"},
		{"203.0.113.50:5555", "10.0.0.1", "203.0.113.50"}, // not from a proxy: ignored
		{"203.0.113.50:5555", "198.51.100.1", "203.0.113.50"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("from %s with %q: client %s, want %s", c.remote, c.xff, got, c.want)
		}
	}
	// With no proxies configured, the header is never read.
	bare := httpx.TrustProxies(nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = httpx.ClientIP(r) }))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.5:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	bare.ServeHTTP(httptest.NewRecorder(), r)
	if got != "10.0.0.5" {
		t.Errorf("without proxies: %s", got)
	}
}

// TestLimit: no more than n requests are at work at once, every one is
// served in the end, and a request whose client gives up while waiting
// is dropped without being worked on.
func TestLimit(t *testing.T) {
	var at, most atomic.Int32
	gate, entered := make(chan struct{}), make(chan struct{}, 20)
	h := httpx.Limit(3, time.Minute, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := at.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		entered <- struct{}{}
		<-gate
		at.Add(-1)
	}))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)) })
	}
	for range 3 {
		<-entered
	}
	if n := at.Load(); n != 3 {
		t.Fatalf("%d at work with every place taken, want 3", n)
	}
	for range 20 {
		gate <- struct{}{}
	}
	wg.Wait()
	if most.Load() != 3 {
		t.Errorf("at most %d at work at once, want 3", most.Load())
	}

	// Every place taken: a request whose client is gone is not worked on.
	inside := make(chan struct{})
	full := httpx.Limit(1, time.Millisecond, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone" {
			t.Error("a request whose client gave up was worked on")
		}
		inside <- struct{}{}
		<-gate
	}))
	go full.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	<-inside
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	full.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/gone", nil).WithContext(ctx))
	// One that finds no place within the wait is told to come back.
	w := httptest.NewRecorder()
	full.ServeHTTP(w, httptest.NewRequest("GET", "/gone", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Errorf("no place within the wait: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	gate <- struct{}{}
}
