package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/js"
)

//go:embed static
var staticFS embed.FS

// assets are the embedded static files, served under a path that holds a
// hash of their content so that browsers may cache them for good.
//
// Stylesheets and scripts are minified (github.com/tdewolff/minify: a
// real CSS and JavaScript lexer, where a home-made one would trip on a
// regular expression or a template string) and compressed with brotli
// and gzip at their best levels once, when the first server starts: the
// files are embedded, so every server of the process shares the work.
type assets struct {
	files map[string]*asset // name -> the file as served
	hash  map[string]string // name -> short content hash
	// sw is the service worker's source, served at /sw.js only (see app.go).
	sw []byte
}

// asset is a static file in each encoding it is served in.
type asset struct {
	plain, gzip, br []byte
	ctype           string
}

var loadedAssets = sync.OnceValues(readAssets)

func loadAssets() (*assets, error) { return loadedAssets() }

func readAssets() (*assets, error) {
	m := minify.New()
	m.AddFunc("text/css", css.Minify)
	m.AddFunc("text/javascript", js.Minify)
	a := &assets{files: map[string]*asset{}, hash: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		if name == "sw.js" {
			a.sw = b
			return nil
		}
		f := &asset{plain: b, ctype: mime.TypeByExtension(path.Ext(name))}
		switch path.Ext(name) {
		case ".css":
			f.plain, err = m.Bytes("text/css", b)
		case ".js":
			f.plain, err = m.Bytes("text/javascript", b)
		}
		if err != nil {
			return fmt.Errorf("minify %s: %w", name, err)
		}
		if compressible(f.ctype) {
			if f.gzip, err = gzipBest(f.plain); err != nil {
				return err
			}
			if f.br, err = brotliBest(f.plain); err != nil {
				return err
			}
		}
		sum := sha256.Sum256(f.plain)
		a.files[name], a.hash[name] = f, hex.EncodeToString(sum[:])[:12]
		return nil
	})
	return a, err
}

func gzipBest(b []byte) ([]byte, error) {
	var out bytes.Buffer
	w, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	err := w.Close()
	return out.Bytes(), err
}

func brotliBest(b []byte) ([]byte, error) {
	var out bytes.Buffer
	w := brotli.NewWriterLevel(&out, brotli.BestCompression)
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	err := w.Close()
	return out.Bytes(), err
}

// url returns the cache-busting address of a static file.
func (a *assets) url(name string) (string, error) {
	h, ok := a.hash[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + h + "/" + name, nil
}

func (a *assets) serve(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	f, ok := a.files[name]
	if !ok || a.hash[name] != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	body := f.plain
	if f.br != nil {
		h.Add("Vary", "Accept-Encoding")
		switch negotiate(r, encBrotli, encGzip) {
		case encBrotli:
			body = f.br
			h.Set("Content-Encoding", encBrotli)
		case encGzip:
			body = f.gzip
			h.Set("Content-Encoding", encGzip)
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
