package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Alerts on a user's phones and computers, by Web Push: settings turns
// them on per device (static/push.js), the service worker shows them
// (static/sw-push.js), and "Send a test alert" sends one to each device
// at once.

var errPushOff = &rapport.Error{Code: rapport.ENOTFOUND, Message: "Alerts are off on this server."}

// pushKey answers the server's public VAPID key, which a browser
// subscribes with.
func (s *Server) pushKey(w http.ResponseWriter, r *http.Request, a *account) error {
	if s.push == nil {
		return jsonError(w, errPushOff)
	}
	writeJSON(w, http.StatusOK, map[string]string{"publicKey": s.push.PublicKey()})
	return nil
}

// subscriptionJSON is PushSubscription.toJSON(): the browser's own words.
type subscriptionJSON struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// pushSubscribe keeps this browser's subscription for the user's alerts.
// It takes JSON only, as push.js sends it.
func (s *Server) pushSubscribe(w http.ResponseWriter, r *http.Request, a *account) error {
	if s.push == nil {
		return jsonError(w, errPushOff)
	}
	var in subscriptionJSON
	if err := decodeJSON(r, &in); err != nil {
		return jsonError(w, err)
	}
	sub := push.Subscription{Endpoint: strings.TrimSpace(in.Endpoint), P256dh: strings.TrimSpace(in.Keys.P256dh), Auth: strings.TrimSpace(in.Keys.Auth)}
	if err := s.push.Check(sub); err != nil {
		return jsonError(w, err)
	}
	ps := &store.PushSubscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth, UserAgent: r.UserAgent()}
	if err := s.db.SavePushSubscription(r.Context(), a.actor, ps); err != nil {
		return jsonError(w, err)
	}
	// The page reloads to list the device, and says so.
	s.flash(w, r, "Alerts are on for this device ("+deviceLabel(ps.UserAgent)+").")
	writeJSON(w, http.StatusCreated, map[string]any{"id": ps.ID, "device": deviceLabel(ps.UserAgent)})
	return nil
}

// pushUnsubscribe forgets one of the user's devices: from the settings
// page's Remove button (a form), or from push.js (JSON).
func (s *Server) pushUnsubscribe(w http.ResponseWriter, r *http.Request, a *account) error {
	if isJSON(r) {
		var in struct {
			Endpoint string `json:"endpoint"`
		}
		if err := decodeJSON(r, &in); err != nil {
			return jsonError(w, err)
		}
		if err := s.db.DeletePushSubscription(r.Context(), a.actor, in.Endpoint); err != nil {
			return jsonError(w, err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if err := s.db.DeletePushSubscription(r.Context(), a.actor, f.Get("endpoint")); err != nil {
		return err
	}
	s.flash(w, r, "That device gets no more alerts.")
	return redirect(w, r, "/settings#alerts")
}

// pushResult is how a test alert went for one device.
type pushResult struct {
	Device string
	OK     bool
	Text   string
}

// testAlert is the alert "Send a test alert" sends.
var testAlert = push.Message{Title: "Rapport test alert", Body: "Alerts reach this device. Tap to open Rapport.",
	URL: "/settings#alerts", Tag: "rapport-test", TTL: 10 * time.Minute}

// pushTest sends a test alert to each of the user's devices now, and
// shows how each went.
func (s *Server) pushTest(w http.ResponseWriter, r *http.Request, a *account) error {
	if s.push == nil {
		return errPushOff
	}
	devices, err := s.db.PushSubscriptions(r.Context(), a.actor)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	results := make([]pushResult, len(devices))
	var wg sync.WaitGroup
	for i, d := range devices {
		wg.Go(func() {
			results[i] = s.sendTest(ctx, d)
		})
	}
	wg.Wait()
	p := &settingsPage{PushResults: results}
	if len(devices) == 0 {
		p.PushResults = []pushResult{{Device: "No device", Text: "Turn alerts on for this device first."}}
	}
	return s.renderSettings(w, r, a, p, http.StatusOK)
}

// sendTest sends the test alert to one device and notes how it went.
func (s *Server) sendTest(ctx context.Context, d store.PushSubscription) pushResult {
	res := pushResult{Device: deviceLabel(d.UserAgent)}
	err := s.push.Send(ctx, push.Subscription{Endpoint: d.Endpoint, P256dh: d.P256dh, Auth: d.Auth}, testAlert)
	var se *push.SendError
	switch {
	case err == nil:
		res.OK, res.Text = true, "Sent: it should show on the device in a moment."
		err = s.db.PushDelivered(ctx, d.Endpoint)
	case errors.Is(err, push.ErrGone):
		res.Text = "Its subscription has ended (alerts were turned off or blocked there), so it was removed. Turn alerts on there again."
		err = s.db.ForgetPushEndpoint(ctx, d.Endpoint)
	case errors.As(err, &se) && se.Retry:
		res.Text = "Its push service could not take the alert just now"
		if se.Status != 0 {
			res.Text += fmt.Sprintf(" (%d %s)", se.Status, http.StatusText(se.Status))
		}
		res.Text += "; try again in a minute."
		_, err = s.db.PushFailed(ctx, d.Endpoint)
	case errors.As(err, &se):
		res.Text = fmt.Sprintf("Its push service refused the alert (%d %s).", se.Status, http.StatusText(se.Status))
		_, err = s.db.PushFailed(ctx, d.Endpoint)
	default:
		res.Text = "The alert could not be sent."
		s.log.Error("send a test alert", "err", err)
		err = nil
	}
	if err != nil {
		s.log.Warn("note a test alert", "err", err)
	}
	return res
}

// pushDevice is one of the user's devices on the settings page.
type pushDevice struct {
	store.PushSubscription
	Label string
}

func pushDevices(ss []store.PushSubscription) []pushDevice {
	out := make([]pushDevice, len(ss))
	for i, s := range ss {
		out[i] = pushDevice{PushSubscription: s, Label: deviceLabel(s.UserAgent)}
	}
	return out
}

// deviceLabel names a device by its browser's description: "Chrome on
// Android", "Safari on iPhone".
func deviceLabel(ua string) string {
	has := func(s string) bool { return strings.Contains(ua, s) }
	var browser, system string
	switch {
	case has("Edg/") || has("EdgA/") || has("EdgiOS/"):
		browser = "Edge"
	case has("Firefox/") || has("FxiOS/"):
		browser = "Firefox"
	case has("SamsungBrowser/"):
		browser = "Samsung Internet"
	case has("OPR/"):
		browser = "Opera"
	case has("HeadlessChrome/"):
		browser = "Headless Chrome"
	case has("Chrome/") || has("CriOS/") || has("Chromium/"):
		browser = "Chrome"
	case has("Safari/"):
		browser = "Safari"
	}
	switch {
	case has("iPhone"):
		system = "iPhone"
	case has("iPad"):
		system = "iPad"
	case has("Android"):
		system = "Android"
	case has("Windows"):
		system = "Windows"
	case has("Mac OS X") || has("Macintosh"):
		system = "Mac"
	case has("CrOS"):
		system = "Chromebook"
	case has("Linux"):
		system = "Linux"
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	return "A browser"
}

// isJSON reports whether the request's body is JSON.
func isJSON(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

// decodeJSON reads a JSON body of the size forms may have. Fields it does
// not know are ignored: browsers add their own (expirationTime).
func decodeJSON(r *http.Request, v any) error {
	if !isJSON(r) {
		return rapport.Errorf(rapport.EINVALID, "Send JSON with Content-Type: application/json.")
	}
	raw, err := io.ReadAll(r.Body) // bounded by limitBodies
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errTooLarge
		}
		return rapport.Errorf(rapport.EINVALID, "The request could not be read.")
	}
	if field, problem := httpx.JSONProblem(raw); field != "" {
		return &rapport.Error{Code: rapport.EINVALID, Message: field + ": " + problem, Fields: map[string]string{field: problem}}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return rapport.Errorf(rapport.EINVALID, "The request is not the JSON expected.")
	}
	return nil
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// jsonError answers a script's request with its error as JSON:
// {"error": message, "fields": {...}}. Internal errors are returned, for
// the usual page and log.
func jsonError(w http.ResponseWriter, err error) error {
	code := rapport.ErrorCode(err)
	if code == rapport.EINTERNAL {
		return err
	}
	body := map[string]any{"error": rapport.ErrorMessage(err)}
	var e *rapport.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		body["fields"] = e.Fields
	}
	writeJSON(w, httpx.Status(code), body)
	return nil
}
