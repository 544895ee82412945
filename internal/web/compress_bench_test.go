package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/andybalholm/brotli"
)

// BenchmarkPageCompression is what compressing a page costs, in the
// encoding and level pages go out in (compress.go) and the others it was
// chosen among, with the bytes each writes (B/page): the people page of
// fifty rows, about 23 kB of HTML.
//
//	go test -run '^$' -bench PageCompression ./internal/web
func BenchmarkPageCompression(b *testing.B) {
	v, page := benchPeoplePage(b, 50)
	var html bytes.Buffer
	if err := v.pages["people"].ExecuteTemplate(&html, "layout.html", page); err != nil {
		b.Fatal(err)
	}
	body := html.Bytes()

	// As pages go out: through compress, asked as Chromium asks.
	b.Run("pages", func(b *testing.B) {
		h := compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(body)
		}))
		req := httptest.NewRequest(http.MethodGet, "/people", nil)
		req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
		var n int
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			n = w.Body.Len()
		}
		b.ReportMetric(float64(n), "B/page")
	})
	// Each encoder made once and reset for every page, as the pool is.
	type encoder interface {
		io.WriteCloser
		Reset(io.Writer)
	}
	for _, c := range []struct {
		name string
		w    encoder
	}{
		{"gzip1", must(gzip.NewWriterLevel(io.Discard, gzip.BestSpeed))},
		{"gzip5", must(gzip.NewWriterLevel(io.Discard, 5))},
		{"brotli1", brotli.NewWriterLevel(io.Discard, 1)},
		{"brotli4", brotli.NewWriterLevel(io.Discard, 4)},
	} {
		b.Run(c.name, func(b *testing.B) {
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				c.w.Reset(&out)
				c.w.Write(body)
				c.w.Close()
			}
			b.ReportMetric(float64(out.Len()), "B/page")
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
