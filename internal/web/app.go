package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
)

// The app on a phone: a web app manifest, icons drawn here (no image file
// is shipped) and a service worker that keeps Today and the call screens
// for use without signal (static/sw.js; its queue is static/offline.js).

// Colours of app.css: --accent for the theme and the icon, --paper behind.
const (
	themeColour      = "#1f5fbf"
	backgroundColour = "#fbfaf7"
)

// appFiles are the manifest, the icons and the service worker, made once.
type appFiles struct {
	manifest []byte
	icons    map[string][]byte // file name -> PNG
	sw       []byte
}

func newAppFiles(a *assets) (*appFiles, error) {
	f := &appFiles{icons: map[string][]byte{}}
	for _, ic := range []struct {
		name     string
		size     int
		maskable bool
	}{{"icon-192.png", 192, false}, {"icon-512.png", 512, false}, {"icon-maskable-512.png", 512, true}, {"apple-touch-icon.png", 180, true}} {
		b, err := drawIcon(ic.size, ic.maskable)
		if err != nil {
			return nil, err
		}
		f.icons[ic.name] = b
	}
	type icon struct {
		Src     string `json:"src"`
		Sizes   string `json:"sizes"`
		Type    string `json:"type"`
		Purpose string `json:"purpose"`
	}
	m := map[string]any{
		"id": "/today", "name": "Rapport", "short_name": "Rapport",
		"description": "Who to call today, and what to remember about them.",
		"start_url":   "/today", "scope": "/", "display": "standalone", "orientation": "any",
		"theme_color": themeColour, "background_color": backgroundColour,
		"icons": []icon{
			{"/icons/icon-192.png", "192x192", "image/png", "any"},
			{"/icons/icon-512.png", "512x512", "image/png", "any"},
			{"/icons/icon-maskable-512.png", "512x512", "image/png", "maskable"},
		},
	}
	var err error
	if f.manifest, err = json.MarshalIndent(m, "", "  "); err != nil {
		return nil, err
	}
	// The worker names the versioned static files it keeps and the queue's
	// script; a new build changes these names, so browsers install the new
	// worker, which drops the old files.
	var urls []string
	for _, name := range []string{"app.css", "app.js", "offline.js", "live.js", "push.js", "sw-push.js"} {
		u, err := a.url(name)
		if err != nil {
			return nil, err
		}
		urls = append(urls, u)
	}
	list, _ := json.Marshal(urls)
	sum := sha256.Sum256(append(list, a.sw...))
	offline, _ := a.url("offline.js")
	pushJS, _ := a.url("sw-push.js")
	f.sw = []byte(strings.NewReplacer(
		`"__VERSION__"`, `"`+hex.EncodeToString(sum[:])[:12]+`"`,
		`"__ASSETS__"`, string(list),
		`"__OFFLINE_JS__"`, `"`+offline+`"`,
		`"__PUSH_JS__"`, `"`+pushJS+`"`,
	).Replace(string(a.sw)))
	return f, nil
}

func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(s.app.manifest)
}

// serviceWorker serves /sw.js: at the root, so that it may keep every page
// of the site; never from a cache without asking, so that a new build's
// worker is found at once.
func (s *Server) serviceWorker(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(s.app.sw)
}

func (s *Server) icon(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if name == "" {
		name = "apple-touch-icon.png"
	}
	b, ok := s.app.icons[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
}

// drawIcon draws Rapport's mark: a white R of rectangles on the accent
// colour. The plain icon is a rounded square with the mark in its middle
// 60%; a maskable one (and Safari's, which rounds it itself) fills the
// square and keeps the mark inside the middle 50%, the safe zone.
func drawIcon(size int, full bool) ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	bg := color.NRGBA{0x1f, 0x5f, 0xbf, 0xff}
	fg := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	radius := float64(size) * 0.22
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if full || insideRounded(float64(x)+.5, float64(y)+.5, float64(size), radius) {
				img.SetNRGBA(x, y, bg)
			}
		}
	}
	// The R on a 10x12 grid: stem, top, bowl's side, waist and a stepped leg.
	scale := 0.6
	if full {
		scale = 0.5
	}
	box := float64(size) * scale
	unit := box / 12
	ox := (float64(size) - 10*unit) / 2
	oy := (float64(size) - 12*unit) / 2
	for _, r := range [][4]float64{
		{0, 0, 2.4, 12},       // stem
		{0, 0, 8, 2.4},        // top
		{7.6, 1.2, 9.6, 5.6},  // bowl's right side
		{0, 5.2, 8, 7.4},      // waist
		{4.4, 7.4, 6.8, 9.6},  // leg, upper step
		{6.6, 9.6, 9.2, 12.0}, // leg, lower step
	} {
		x0, y0 := int(ox+r[0]*unit), int(oy+r[1]*unit)
		x1, y1 := int(ox+r[2]*unit+.5), int(oy+r[3]*unit+.5)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				img.SetNRGBA(x, y, fg)
			}
		}
	}
	var buf bytes.Buffer
	err := png.Encode(&buf, img)
	return buf.Bytes(), err
}

// insideRounded reports whether (x, y) is inside a size-wide square with
// corners of radius r.
func insideRounded(x, y, size, r float64) bool {
	cx := min(max(x, r), size-r)
	cy := min(max(y, r), size-r)
	dx, dy := x-cx, y-cy
	return dx*dx+dy*dy <= r*r
}
