package httpx_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
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
	h := httpx.Limit(3, time.Minute, nil, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	full := httpx.Limit(1, time.Millisecond, nil, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// A request that waited for its turn carries how long, and the request
// log says it; one refused or given up while waiting is logged by the
// limit, its path cut to its first segment (a reset link's token is not
// written). (In a synctest bubble: the clock moves only when every
// goroutine waits, so "waited a second" is exact however busy the
// machine.)
func TestLimitLogsWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var logs bytes.Buffer
		var mu sync.Mutex
		log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
		gate, inside := make(chan struct{}), make(chan struct{})
		waited := make(chan time.Duration, 1)
		handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/first" {
				inside <- struct{}{}
				<-gate
				return
			}
			waited <- httpx.Waited(r)
		})
		for _, c := range []struct {
			wait time.Duration
			run  func(h http.Handler)
		}{
			{time.Minute, func(h http.Handler) {
				// Waits until the first is done, then is worked on.
				done := make(chan struct{})
				go func() { h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/people/7", nil)); close(done) }()
				synctest.Wait()
				time.Sleep(time.Second)
				gate <- struct{}{}
				<-done
				if d := <-waited; d != time.Second {
					t.Errorf("Waited = %v, want the second it waited", d)
				}
			}},
			{time.Millisecond, func(h http.Handler) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/reset/gone-token", nil).WithContext(ctx))
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("POST", "/reset/busy-token", nil))
				if w.Code != http.StatusServiceUnavailable {
					t.Errorf("no place: %d", w.Code)
				}
				// A body cut short is refused before it waits, and logged.
				w = httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest("POST", "/reset/cut-token", io.MultiReader(strings.NewReader("a=1"), errReader{io.ErrUnexpectedEOF})))
				if w.Code != http.StatusBadRequest {
					t.Errorf("a body cut short: %d", w.Code)
				}
				gate <- struct{}{}
			}},
		} {
			h := httpx.Limit(1, c.wait, nil, log, httpx.LogRequests(log, nil, handler))
			go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/first", nil))
			<-inside
			c.run(h)
		}
		synctest.Wait()
		out := logs.String()
		for _, want := range []string{"path=/people/7 status=200", "path=/people/7 status=200 ms=0 queued_ms=1000\n", "request given up waiting for its turn",
			"request refused: the server is busy", "method=POST path=/reset/… status=503 queued_ms=1\n",
			"request body did not arrive whole\" method=POST path=/reset/… err=\"unexpected EOF\""} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "-token") {
			t.Errorf("a path's secret reached the log:\n%s", out)
		}
		if strings.Count(out, "queued_ms=") != 3 {
			t.Errorf("want the waited, the given-up and the refused request logged with their wait:\n%s", out)
		}
	})
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// A client sending its body slowly holds no place while it does: with the
// one place free, another request is served meanwhile; the body, small or
// large, reaches the handler whole.
func TestLimitReceivesBodiesFirst(t *testing.T) {
	got := make(chan string, 4)
	h := httpx.Limit(1, time.Minute, nil, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read body: %v", err)
		}
		got <- string(b)
	}))
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/slow", pr))
		close(done)
	}()
	pw.Write([]byte("half a form"))
	served := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/quick", strings.NewReader("x=1")))
		close(served)
	}()
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		t.Fatal("a request waited behind one whose body was still coming")
	}
	if b := <-got; b != "x=1" {
		t.Errorf("quick body %q", b)
	}
	pw.Write([]byte(", the rest"))
	pw.Close()
	<-done
	if b := <-got; b != "half a form, the rest" {
		t.Errorf("slow body %q", b)
	}
	// A body cut short is not worked on.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/cut", io.MultiReader(strings.NewReader("note=half"), errReader{io.ErrUnexpectedEOF})))
	if w.Code != http.StatusBadRequest {
		t.Errorf("a body cut short: %d", w.Code)
	}
	select {
	case b := <-got:
		t.Errorf("a body cut short reached the handler: %q", b)
	default:
	}
	// A body larger than what is received first comes whole too.
	large := strings.Repeat("0123456789", httpx.BodyFirst/5)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/large", strings.NewReader(large)))
	if b := <-got; b != large {
		t.Errorf("large body: %d bytes, want %d", len(b), len(large))
	}
}

// A large body that stops coming ends its request once it has kept it
// waiting longer than its pace allows, freeing the place.
func TestLimitEndsStalledBodies(t *testing.T) {
	defer httpx.SetBodyPace(200*time.Millisecond, 1<<20)()
	readErr := make(chan error, 1)
	srv := httptest.NewServer(httpx.Limit(1, time.Minute, nil, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
	})))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", 4*httpx.BodyFirst)
	conn.Write(bytes.Repeat([]byte("a"), 2*httpx.BodyFirst)) // then nothing more
	select {
	case err := <-readErr:
		if err == nil {
			t.Fatal("a stalled body was read to its end")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a stalled body held its request past its pace")
	}
	// The place is free again.
	res, err := http.Post(srv.URL+"/next", "text/plain", strings.NewReader("ok"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := <-readErr; err != nil {
		t.Errorf("the next request's body: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
