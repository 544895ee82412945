package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// alertsForm fills the settings' alerts section from the user's choices.
func alertsForm(u *rapport.User) *form {
	f := newForm(nil)
	a := u.AlertsOf()
	for _, k := range a.Email {
		f.Values.Add("email", string(k))
	}
	for _, k := range a.Push {
		f.Values.Add("push", string(k))
	}
	f.Values.Set("quiet_from", a.QuietFrom)
	f.Values.Set("quiet_to", a.QuietTo)
	f.Values.Set("agenda_hour", strconv.Itoa(a.AgendaHour))
	return f
}

// Chose reports whether the form chose value among name's values.
func (f *form) Chose(name, value string) bool {
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

func (s *Server) alertsSave(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	var al rapport.Alerts
	for _, k := range f.Values["email"] {
		al.Email = append(al.Email, rapport.AlertKind(k))
	}
	for _, k := range f.Values["push"] {
		al.Push = append(al.Push, rapport.AlertKind(k))
	}
	al.QuietFrom, al.QuietTo = f.Get("quiet_from"), f.Get("quiet_to")
	al.AgendaHour = a.user.AgendaHour
	if f.Has("agenda_hour") {
		al.AgendaHour = f.int("agenda_hour", "Choose an hour from 0 to 23.")
	}
	if f.Valid() {
		err := s.db.UpdateAlerts(r.Context(), a.actor, al)
		if err == nil {
			s.flash(w, r, "Alerts saved.")
			return redirect(w, r, "/settings#alert-choices")
		}
		if !f.absorb(err) {
			return err
		}
	}
	return s.renderSettings(w, r, a, &settingsPage{AlertsForm: f}, http.StatusUnprocessableEntity)
}

// dutySave takes the user off duty (new leads pass them by) or back on.
func (s *Server) dutySave(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	off := f.Get("off") == "1"
	if err := s.db.SetPaused(r.Context(), a.actor, off); err != nil {
		return err
	}
	if off {
		s.flash(w, r, "You are off duty: new leads go to others until you are back.")
	} else {
		s.flash(w, r, "You are on duty: new leads come to you again.")
	}
	return redirect(w, r, "/today")
}

// pondClaim makes a lead in the pond the user's.
func (s *Server) pondClaim(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.ClaimLead(r.Context(), a.actor, id); err != nil {
		if rapport.ErrorCode(err) == rapport.ECONFLICT {
			s.flash(w, r, rapport.ErrorMessage(err))
			return redirect(w, r, "/today")
		}
		return err
	}
	s.flash(w, r, "The lead is yours: call now.")
	return redirect(w, r, fmt.Sprintf("/call/%d", id))
}

// todayLive tells an open Today page, as server-sent events, that a lead
// came to the user or to the pond, so that it shows without a reload.
func (s *Server) todayLive(w http.ResponseWriter, r *http.Request, a *account) error {
	// A few open pages a user is; a hundred is someone holding the
	// server's connections.
	if !s.liveStreams.take(a.user.ID) {
		return rapport.Errorf(rapport.ERATELIMIT, "Too many live pages open: close a few tabs of Today.")
	}
	defer s.liveStreams.give(a.user.ID)
	mine, stopMine := s.db.Subscribe(store.TopicToday(a.org.ID, a.user.ID))
	defer stopMine()
	pond, stopPond := s.db.Subscribe(store.TopicToday(a.org.ID, 0))
	defer stopPond()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(format string, args ...any) error {
		// The server's write timeout would end the stream: each write
		// gets its own.
		rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send("retry: 3000\n\n"); err != nil || r.URL.Query().Has("once") ||
		!strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		// A probe (a health check, a crawler, a test) that did not ask
		// for a stream, as every EventSource does, gets no stream.
		return nil
	}
	keepAlive := time.NewTicker(25 * time.Second)
	defer keepAlive.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return nil
		case <-s.streams:
			return nil
		case <-mine:
			err = send("event: today\ndata: mine\n\n")
		case <-pond:
			err = send("event: today\ndata: pond\n\n")
		case <-keepAlive.C:
			err = send(": still here\n\n")
		}
		if err != nil {
			return nil
		}
	}
}

type unsubscribePage struct {
	Base
	Kind  rapport.AlertKind
	Done  bool
	Email string
}

// unsubscribeForm confirms before turning a kind of email off: a link
// opened by a mail scanner changes nothing. The one-click POST (RFC
// 8058) that mail clients send turns it off.
func (s *Server) unsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	kind := rapport.AlertKind(r.PathValue("kind"))
	if !kind.Valid() {
		return rapport.NotFound("unsubscribe link")
	}
	if err := s.db.UnsubscribeLink(r.Context(), r.PathValue("token")); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "unsubscribe", &unsubscribePage{Base: s.basePage(r, nil, "Unsubscribe"), Kind: kind})
	return nil
}

func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	kind := rapport.AlertKind(r.PathValue("kind"))
	u, err := s.db.Unsubscribe(r.Context(), r.PathValue("token"), kind)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "unsubscribe", &unsubscribePage{Base: s.basePage(r, nil, "Unsubscribed"), Kind: kind, Done: true, Email: u.Email})
	return nil
}

type forgotPage struct {
	Base
	Form *form
	Sent bool
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "forgot", &forgotPage{Base: s.basePage(r, nil, "Forgot your password?"), Form: newForm(nil)})
	return nil
}

// forgot emails a reset link to the address, if it has an account; the
// answer is the same either way.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	email, err := rapport.NormalizeEmail(f.Get("email"))
	if err != nil {
		f.addErr("email", "Enter the email address you sign in with.")
		s.render(w, r, http.StatusUnprocessableEntity, "forgot", &forgotPage{Base: s.basePage(r, nil, "Forgot your password?"), Form: f})
		return nil
	}
	until, err := s.db.BeginForgot(r.Context(), httpx.ClientIP(r))
	if err != nil {
		return err
	}
	if !until.IsZero() {
		w.Header().Set("Retry-After", strconv.Itoa(int(time.Until(until).Seconds())+1))
		return rapport.Errorf(rapport.ERATELIMIT, "Too many reset links asked for from here: try again in a few minutes.")
	}
	if err := s.db.ForgotPassword(r.Context(), email); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "forgot", &forgotPage{Base: s.basePage(r, nil, "Check your email"), Form: f, Sent: true})
	return nil
}

type outboxPage struct {
	Base
	Dead, Pending []store.Message
	Names         map[int64]string
}

// outboxList shows owners the messages that did not go, with why.
func (s *Server) outboxList(w http.ResponseWriter, r *http.Request, a *account) error {
	ctx := r.Context()
	dead, err := s.db.Outbox(ctx, a.actor, store.OutboxDead, 100)
	if err != nil {
		return err
	}
	pending, err := s.db.Outbox(ctx, a.actor, store.OutboxPending, 100)
	if err != nil {
		return err
	}
	names, err := s.userNames(ctx, a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "outbox", &outboxPage{Base: s.withFlash(w, r, a, "Messages", "settings"), Dead: dead, Pending: pending, Names: names})
	return nil
}

func (s *Server) outboxRetry(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.RetryMessage(r.Context(), a.actor, id); err != nil {
		return err
	}
	s.flash(w, r, "The message will be sent again now.")
	return redirect(w, r, "/settings/messages")
}

// memberResetEmail emails a member a reset link (offboarding, a lost
// password) instead of showing it.
func (s *Server) memberResetEmail(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	link, err := s.db.EmailPasswordReset(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	s.flash(w, r, "A reset link is on its way to "+link.User.Email+"; it works once, for an hour.")
	return redirect(w, r, fmt.Sprintf("/users/%d", id))
}

// maxLiveStreams bounds the live streams one user holds open.
const maxLiveStreams = 8

// streamCounts counts each user's open live streams.
type streamCounts struct {
	mu sync.Mutex
	n  map[int64]int
}

func (c *streamCounts) take(userID int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int64]int{}
	}
	if c.n[userID] >= maxLiveStreams {
		return false
	}
	c.n[userID]++
	return true
}

func (c *streamCounts) give(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[userID]--; c.n[userID] <= 0 {
		delete(c.n, userID)
	}
}
