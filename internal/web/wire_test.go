package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// wireGet fetches path as a browser that accepts encoding would, without
// decoding the answer: what came over the wire.
func (c *client) wireGet(path, acceptEncoding string) (*http.Response, []byte) {
	c.h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.h.srv.URL+path, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	tr := &http.Transport{DisableCompression: true}
	hc := &http.Client{Jar: c.hc.Jar, Transport: tr, CheckRedirect: c.hc.CheckRedirect}
	res, err := hc.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.h.t.Fatal(err)
	}
	return res, b
}

var pageAssets = regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`)

// pageWeight is the bytes of a page and the stylesheets and scripts it
// links, as sent for acceptEncoding, and a line saying what each was.
func (c *client) pageWeight(path, acceptEncoding string) (int, string) {
	c.h.t.Helper()
	res, b := c.wireGet(path, acceptEncoding)
	if res.StatusCode != http.StatusOK {
		c.h.t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	total := len(b)
	parts := []string{fmt.Sprintf("%s %d (%s)", path, len(b), enc(res))}
	// What the page names, decoded only to find its assets.
	_, plain := c.wireGet(path, "identity")
	for _, m := range pageAssets.FindAllStringSubmatch(string(plain), -1) {
		ar, ab := c.wireGet(m[1], acceptEncoding)
		if ar.StatusCode != http.StatusOK {
			c.h.t.Fatalf("GET %s: %d", m[1], ar.StatusCode)
		}
		total += len(ab)
		parts = append(parts, fmt.Sprintf("%s %d (%s)", m[1][strings.LastIndex(m[1], "/")+1:], len(ab), enc(ar)))
	}
	return total, strings.Join(parts, ", ")
}

func enc(r *http.Response) string {
	if e := r.Header.Get("Content-Encoding"); e != "" {
		return e
	}
	return "identity"
}

// TestTodayOnTheWire weighs Today on a phone's first visit: its HTML and
// every stylesheet and script it links, as Chromium asks for them, as
// gzip-only clients do and uncompressed (go test -v -run
// TestTodayOnTheWire logs the figures); each part is encoded as asked and
// says so in Vary, and decodes to the same bytes.
func TestTodayOnTheWire(t *testing.T) {
	h, _ := demoHarness(t)
	cl := h.signedIn("priya@demo.test")
	weights := map[string]int{}
	for _, ae := range []string{"gzip, deflate, br, zstd", "gzip", "identity", "br;q=0, gzip"} {
		n, what := cl.pageWeight("/today", ae)
		weights[ae] = n
		t.Logf("Today for Accept-Encoding %q: %d bytes: %s", ae, n, what)
	}
	// As Chromium asks: under a quarter of the plain (minified) bytes and
	// 20 kB in all; gzip alone under 30 %. Before compression Today was
	// 83 kB.
	if b, p := weights["gzip, deflate, br, zstd"], weights["identity"]; b*4 > p || b > 20_000 {
		t.Errorf("brotli %d bytes of %d", b, p)
	}
	if g, p := weights["gzip"], weights["identity"]; g*10 > p*3 {
		t.Errorf("gzip %d bytes of %d", g, p)
	}
	if weights["br;q=0, gzip"] != weights["gzip"] {
		t.Errorf("br;q=0 still got brotli: %d bytes", weights["br;q=0, gzip"])
	}

	_, plain := cl.wireGet("/today", "identity")
	paths := []string{"/today", "/sw.js", "/manifest.webmanifest"}
	for _, m := range pageAssets.FindAllStringSubmatch(string(plain), -1) {
		paths = append(paths, m[1])
	}
	// As Chromium asks: the page in gzip at its fastest (it is compressed
	// on every request), the static files in brotli at their best (once).
	for _, path := range paths {
		want := "br"
		if _, plain := cl.wireGet(path, "identity"); len(plain) < 1024 { // too short to be worth compressing
			want = "identity"
		} else if !strings.HasPrefix(path, "/static/") {
			want = "gzip"
		}
		if res, _ := cl.wireGet(path, "gzip, deflate, br, zstd"); enc(res) != want {
			t.Errorf("%s for Chromium: %s, want %s", path, enc(res), want)
		}
	}
	for _, path := range paths {
		_, want := cl.wireGet(path, "identity")
		for enc, decode := range map[string]func([]byte) ([]byte, error){"br": unbrotli, "gzip": gunzip} {
			res, b := cl.wireGet(path, enc)
			if got := res.Header.Get("Content-Encoding"); got != enc && len(want) >= 1024 {
				t.Errorf("%s for %s: Content-Encoding %q", path, enc, got)
				continue
			}
			if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s: Vary %q", path, res.Header.Get("Vary"))
			}
			if res.Header.Get("Content-Encoding") == "" {
				continue
			}
			got, err := decode(b)
			// Today's page names its time and a fresh token: compare the
			// static files and the worker byte for byte, the page by size.
			if err != nil || (path != "/today" && !bytes.Equal(got, want)) || (path == "/today" && len(got) < len(want)/2) {
				t.Errorf("%s in %s decodes to %d bytes (%v), want %d", path, enc, len(got), err, len(want))
			}
		}
	}

	// A short answer goes out as it is; an image is not compressed again.
	if res, _ := cl.wireGet("/healthz", "br"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("/healthz: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	if res, _ := cl.wireGet("/icons/icon-192.png", "br"); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("icon: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}

	// Today's live stream is never compressed: each event must arrive as
	// it is written.
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(sctx, http.MethodGet, h.srv.URL+"/today/live", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip, br")
	hc := &http.Client{Jar: cl.hc.Jar, Transport: &http.Transport{DisableCompression: true}}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Errorf("live stream: %d, %q, %q", res.StatusCode, res.Header.Get("Content-Encoding"), res.Header.Get("Content-Type"))
	}
}

func gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

func unbrotli(b []byte) ([]byte, error) { return io.ReadAll(brotli.NewReader(bytes.NewReader(b))) }
