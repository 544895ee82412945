package web

import (
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
)

// Pages, scripts and styles go out compressed. Static files are
// compressed once, at their best, when the server starts (see assets.go),
// and go out in brotli to browsers that accept it (all current ones, over
// HTTPS), gzip to the rest. Pages are compressed as they are written, on
// every request, so there the compressor's time counts as much as its
// bytes: they go out in gzip at its fastest level, and in brotli only to
// a client that accepts brotli and not gzip. Measured on the load mix's
// pages (Today 14.6 kB, a search 23.1 kB, a person 9.5 kB of HTML; go
// test -bench, this machine): brotli at level 4 took 150, 264 and 168 µs
// for 2,145, 3,751 and 2,870 bytes; gzip at level 1 28, 37 and 33 µs for
// 2,489, 4,362 and 3,260 (gzip at 5, the level before, 46, 67 and 48 µs
// for 2,305, 3,915 and 2,988; brotli at 1 45, 75 and 55 µs for about
// gzip 1's bytes). Four to seven times less of a core for each page a
// browser asks for costs it 350 to 600 bytes, a few milliseconds on the
// slowest phone network and nothing on most.
//
// Live streams are never compressed: an event must reach the browser
// when it is written, not when a compressor's block fills.

// Encodings this server writes.
const (
	encBrotli = "br"
	encGzip   = "gzip"
)

// negotiate picks the encoding of an answer from the request's
// Accept-Encoding: the first of prefer the client accepts (not refused
// with q=0), or "" for none.
func negotiate(r *http.Request, prefer ...string) string {
	accepted := map[string]bool{}
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		ok := true
		if k, v, found := strings.Cut(strings.TrimSpace(params), "="); found && strings.TrimSpace(k) == "q" {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			ok = err == nil && q > 0
		}
		if name != "" {
			accepted[name] = ok
		}
	}
	for _, enc := range prefer {
		if accepted[enc] {
			return enc
		}
	}
	return ""
}

// compressible reports whether a content type is text worth compressing.
func compressible(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case strings.HasPrefix(mt, "text/"):
		return mt != "text/event-stream"
	case mt == "application/json", mt == "application/manifest+json", mt == "application/javascript",
		mt == "image/svg+xml", mt == "application/xml":
		return true
	}
	return false
}

// minCompress is the smallest body worth compressing: below it, the
// encoding's own framing eats the saving.
const minCompress = 1024

var (
	gzipWriters   = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return w }}
	brotliWriters = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, 1) }}
)

// compress wraps next so that text answers go out compressed when the
// browser accepts it. Answers that set their own Content-Encoding (the
// static files, compressed in advance) and live streams pass untouched.
func compress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.Header.Get("Accept"), "text/event-stream") || r.URL.Path == "/today/live" {
			next.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{ResponseWriter: w, enc: negotiate(r, encGzip, encBrotli), head: r.Method == http.MethodHead}
		defer cw.close()
		next.ServeHTTP(cw, r)
	})
}

// compressWriter decides at the first byte of the body whether to
// compress, holding the first minCompress bytes so that a short answer
// goes out as it is.
type compressWriter struct {
	http.ResponseWriter
	enc     string
	head    bool
	status  int
	decided bool // the headers went out
	on      bool // compressing
	held    []byte
	w       io.WriteCloser
}

func (c *compressWriter) WriteHeader(status int) {
	if c.status != 0 {
		return
	}
	c.status = status
	h := c.Header()
	eligible := status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified &&
		h.Get("Content-Encoding") == "" && compressible(h.Get("Content-Type"))
	if eligible {
		h.Add("Vary", "Accept-Encoding")
	}
	if !eligible || c.enc == "" || c.head {
		c.decide(false)
	}
}

func (c *compressWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		if c.Header().Get("Content-Type") == "" {
			c.Header().Set("Content-Type", http.DetectContentType(b))
		}
		c.WriteHeader(http.StatusOK)
	}
	if c.decided {
		if c.on {
			return c.w.Write(b)
		}
		return c.ResponseWriter.Write(b)
	}
	if len(c.held) == 0 && len(b) >= minCompress {
		// A page written whole (render's buffer): compressed as it
		// comes, rather than copied aside first.
		c.decide(true)
		if _, err := c.w.Write(b); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	c.held = append(c.held, b...)
	if len(c.held) >= minCompress {
		c.decide(true)
		if _, err := c.w.Write(c.held); err != nil {
			return 0, err
		}
		c.held = nil
	}
	return len(b), nil
}

// decide sends the headers, compressed or not.
func (c *compressWriter) decide(on bool) {
	if c.decided {
		return
	}
	c.decided, c.on = true, on
	if on {
		h := c.Header()
		h.Set("Content-Encoding", c.enc)
		h.Del("Content-Length")
		switch c.enc {
		case encBrotli:
			bw := brotliWriters.Get().(*brotli.Writer)
			bw.Reset(c.ResponseWriter)
			c.w = bw
		default:
			gw := gzipWriters.Get().(*gzip.Writer)
			gw.Reset(c.ResponseWriter)
			c.w = gw
		}
	}
	c.ResponseWriter.WriteHeader(c.status)
}

// close ends the body: a short one goes out as it is, a compressed one
// is finished and its compressor returned.
func (c *compressWriter) close() {
	if c.status == 0 {
		return // nothing written: the server answers 200 with no body
	}
	if !c.decided {
		c.decide(false)
		if len(c.held) > 0 {
			c.ResponseWriter.Write(c.held)
		}
		return
	}
	if c.on {
		c.w.Close()
		switch w := c.w.(type) {
		case *brotli.Writer:
			brotliWriters.Put(w)
		case *gzip.Writer:
			gzipWriters.Put(w)
		}
	}
}

// Flush sends what is held and compressed so far.
func (c *compressWriter) Flush() {
	if c.status == 0 {
		c.WriteHeader(http.StatusOK)
	}
	if !c.decided {
		c.decide(len(c.held) > 0 && c.enc != "" && !c.head && compressible(c.Header().Get("Content-Type")) && c.Header().Get("Content-Encoding") == "")
		if c.on {
			c.w.Write(c.held)
		} else {
			c.ResponseWriter.Write(c.held)
		}
		c.held = nil
	}
	if c.on {
		switch w := c.w.(type) {
		case *brotli.Writer:
			w.Flush()
		case *gzip.Writer:
			w.Flush()
		}
	}
	http.NewResponseController(c.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (c *compressWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
