package web_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
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

// TestTodayOnTheWire reports what Today weighs on a phone's first visit:
// its HTML and every stylesheet and script it links, as Chromium asks for
// them (go test -v -run TestTodayOnTheWire).
func TestTodayOnTheWire(t *testing.T) {
	h, _ := demoHarness(t)
	cl := h.signedIn("priya@demo.test")
	for _, ae := range []string{"gzip, deflate, br, zstd", "gzip", "identity"} {
		n, what := cl.pageWeight("/today", ae)
		t.Logf("Today for Accept-Encoding %q: %d bytes: %s", ae, n, what)
	}
}
