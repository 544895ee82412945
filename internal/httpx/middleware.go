package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// The middleware both transports (the web pages and the API) put in front
// of their routes.

// SecureHeaders sets the headers every answer carries. The policy allows
// no inline script and no framing.
func SecureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; Base-uri 'none'; object-src 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// LogRequests logs each request with its status and duration, and how
// long it waited for its turn under Limit when it did (path says how a
// path is written to the log: a reset link's token is not), and
// turns a panic into a 500 rather than a dropped connection. Static
// assets are not logged.
func LogRequests(log *slog.Logger, path func(*http.Request) string, next http.Handler) http.Handler {
	if path == nil {
		path = func(r *http.Request) string { return r.URL.Path }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "method", r.Method, "path", path(r), "panic", v)
				if sw.status == 0 {
					http.Error(sw, "Internal Server Error", http.StatusInternalServerError)
				}
			}
			if strings.HasPrefix(r.URL.Path, "/static/") {
				return
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK // what net/http sends for a handler that wrote nothing
			}
			attrs := []any{"method", r.Method, "path", path(r), "status", status, "ms", millis(time.Since(start))}
			if d := Waited(r); d > 0 {
				attrs = append(attrs, "queued_ms", millis(d))
			}
			log.Info("request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// Limit lets at most n requests work at once; the others wait their turn,
// first come first served. With more requests at work than the machine
// has cores, they only share the CPU more finely: each takes longer, the
// one holding SQLite's single writer is as slow as every other, and the
// writes queued behind it wait the longer. A request that finds no place
// within wait is answered 503 with Retry-After (the server is overloaded:
// better a quick answer than work done after the client, or the proxy in
// front, gave up, which a retry would then do twice); one whose client
// gives up while waiting is dropped, never worked on. exempt names the
// requests that pass without waiting: cheap ones (health checks, static
// files) and those that stay open (a live stream would hold its place for
// as long as the page is open). n <= 0 lets every request through.
//
// A request that waited carries how long (Waited), for the request log
// written inside; one refused or given up while waiting is logged here
// (log, when not nil), with its path cut to its first segment, since the
// rest may be a secret (a reset link's token) that only the handler's own
// log knows to hide.
//
// A client that sends its body slowly must not hold a place while it
// does (a few connections trickling bodies would hold them all, and every
// other request would wait, then be refused): a body of up to 16 KiB — a
// form, a lead event, a sign-in — is received before the request takes
// its place; a larger one is received in its place, and may keep the
// request waiting for it no longer than 5 s plus a second for every
// 16 KiB it has sent, or the request fails.
func Limit(n int, wait time.Duration, exempt func(*http.Request) bool, log *slog.Logger, next http.Handler) http.Handler {
	if n <= 0 {
		return next
	}
	places := make(chan struct{}, n)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if exempt != nil && exempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
			body, err := receiveFirst(w, r.Body, r.ContentLength)
			if err != nil {
				// Cut short or stopped: nothing to work on (and a client
				// still there is told). Logged here, as a refusal is: the
				// request log is written inside.
				if log != nil {
					log.Info("request body did not arrive whole", "method", r.Method, "path", firstSegment(r.URL.Path), "err", err.Error())
				}
				http.Error(w, "The request's body did not arrive whole.", http.StatusBadRequest)
				return
			}
			r.Body = body
		}
		select {
		case places <- struct{}{}:
		default:
			start := time.Now()
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case places <- struct{}{}:
				r = r.WithContext(context.WithValue(r.Context(), waitedKey{}, time.Since(start)))
			case <-r.Context().Done():
				if log != nil {
					log.Info("request given up waiting for its turn", "method", r.Method, "path", firstSegment(r.URL.Path),
						"queued_ms", millis(time.Since(start)))
				}
				return
			case <-t.C:
				if log != nil {
					log.Warn("request refused: the server is busy", "method", r.Method, "path", firstSegment(r.URL.Path),
						"status", http.StatusServiceUnavailable, "queued_ms", millis(time.Since(start)))
				}
				w.Header().Set("Retry-After", "1")
				http.Error(w, "The server is busy; try again in a moment.", http.StatusServiceUnavailable)
				return
			}
		}
		defer func() { <-places }()
		next.ServeHTTP(w, r)
	})
}

// bodyFirst, minBodyRate and bodyGrace: see Limit.
const bodyFirst = 16 << 10

var (
	minBodyRate = 16 << 10 // bytes a second
	bodyGrace   = 5 * time.Second
)

// receiveFirst reads up to bodyFirst bytes of body (of length, when
// known, -1 when not) and returns what reads
// the whole body from the start: those bytes, then (for a larger body)
// the rest from the connection, paced.
func receiveFirst(w http.ResponseWriter, body io.ReadCloser, length int64) (io.ReadCloser, error) {
	size := int64(bodyFirst)
	if length > 0 && length < size {
		size = length // a form's few hundred bytes need no 16 KiB
	}
	head := make([]byte, size+1)
	n := 0
	for n < len(head) {
		k, err := body.Read(head[n:])
		n += k
		if err == io.EOF {
			return io.NopCloser(bytes.NewReader(head[:n])), nil
		}
		if err != nil {
			// Not the body's end: the client stopped (a body cut short
			// reads io.ErrUnexpectedEOF), or is gone.
			return nil, err
		}
	}
	rest := &paced{body: body, rc: http.NewResponseController(w)}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), rest), rest}, nil
}

// paced reads a body no slower than minBodyRate after bodyGrace: the time
// spent waiting for the client, in all, may not pass bodyGrace and what
// the bytes received so far allow at that rate. (Only the waiting counts:
// a handler that works between reads is not the client being slow.)
//
// Once the body has ended no deadline is set again: net/http then reads
// the connection in the background to learn whether the client left, and
// a deadline would end that read and cancel the request.
type paced struct {
	body   io.ReadCloser
	rc     *http.ResponseController
	read   int64
	waited time.Duration
	err    error // once the body has ended (io.EOF) or failed
}

func (p *paced) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	budget := bodyGrace + time.Duration(float64(p.read)/float64(minBodyRate)*float64(time.Second)) - p.waited
	start := time.Now()
	if err := p.rc.SetReadDeadline(start.Add(max(budget, time.Millisecond))); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	n, err := p.body.Read(b)
	p.waited += time.Since(start)
	p.read += int64(n)
	p.err = err
	return n, err
}

func (p *paced) Close() error { return p.body.Close() }

type waitedKey struct{}

// Waited is how long the request waited for its turn under Limit: 0 when
// it found a place at once.
func Waited(r *http.Request) time.Duration {
	d, _ := r.Context().Value(waitedKey{}).(time.Duration)
	return d
}

// firstSegment is a path cut to its first segment ("/reset/…").
func firstSegment(p string) string {
	if i := strings.IndexByte(strings.TrimPrefix(p, "/"), '/'); i >= 0 {
		return p[:i+1] + "/…"
	}
	return p
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
