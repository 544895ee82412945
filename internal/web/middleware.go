package web

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

const (
	sessionCookie = "rapport_session"
	// deviceCookie marks a browser that has signed in before, for the
	// sign-in throttle (see store.BeginSignIn).
	deviceCookie = "rapport_device"
	flashCookie  = "rapport_flash"
	// sessionTTL is how long a session lasts without use; it slides
	// forward while the user keeps working.
	sessionTTL = 30 * 24 * time.Hour
	// touchEvery limits session writes to one an hour per session.
	touchEvery = time.Hour
)

var errNotFound = rapport.NotFound("page")

// account is the signed-in user of a request.
type account struct {
	user    *rapport.User
	org     *rapport.Org
	session *store.Session
	loc     *time.Location
	// actor is the user acting in their organisation, for the store.
	actor rapport.Actor
}

type userHandler func(w http.ResponseWriter, r *http.Request, a *account) error

// page adapts a handler that returns an error.
func (s *Server) page(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, nil, err)
		}
	})
}

// user requires a signed-in user; anonymous visitors go to sign in (or to
// setup when Rapport has no organisation yet).
func (s *Server) user(h userHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.account(w, r)
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		if a == nil {
			if has, err := s.db.HasOrgs(r.Context()); err == nil && !has {
				http.Redirect(w, r, "/setup", http.StatusSeeOther)
				return
			}
			if r.Method != http.MethodGet {
				s.sessionEnded(w, r)
				return
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		// The store attributes writes in the audit log to the user.
		ctx := context.WithValue(r.Context(), accountKey{}, a)
		if err := h(w, r.WithContext(ctx), a); err != nil {
			s.fail(w, r, a, err)
		}
	})
}

type accountKey struct{}

// account loads the session named by the request's cookie, or returns nil.
// A session in use is extended, in the database and in the browser.
func (s *Server) account(w http.ResponseWriter, r *http.Request) (*account, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	id := auth.HashToken(c.Value)
	sess, u, org, err := s.db.SessionUser(r.Context(), id)
	if rapport.ErrorCode(err) == rapport.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if now.Sub(sess.LastSeenAt) > touchEvery {
		if err := s.db.TouchSession(r.Context(), id, now, now.Add(sessionTTL)); err != nil {
			s.log.Warn("extend session", "err", err)
		} else {
			http.SetCookie(w, s.cookie(r, sessionCookie, c.Value, sessionTTL))
		}
	}
	return &account{user: u, org: org, session: sess, loc: u.Location(org), actor: rapport.Member(org, u)}, nil
}

// sessionEnded answers a form posted without a live session: the sign-in
// page, with whatever the user wrote shown back to them so nothing is lost.
func (s *Server) sessionEnded(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	r.ParseForm()
	var kept []string
	keep := func(vs []string) {
		for _, v := range vs {
			if v = strings.TrimSpace(v); v != "" {
				kept = append(kept, v)
			}
		}
	}
	for _, k := range []string{"notes", "fact_text", "fu_note", "text", "response", "why", "care", "feel"} {
		keep(r.PostForm[k])
	}
	// Answers under the conversation guide's questions.
	var asked []string
	for k := range r.PostForm {
		if strings.HasPrefix(k, "ask.") {
			asked = append(asked, k)
		}
	}
	slices.Sort(asked)
	for _, k := range asked {
		keep(r.PostForm[k])
	}
	f := newForm(nil)
	if u, err := url.Parse(r.Header.Get("Referer")); err == nil {
		f.Values.Set("next", safeNext(u.RequestURI()))
	}
	page := &signinPage{Base: s.basePage(r, nil, "Sign in"), Form: f, Kept: strings.Join(kept, "\n\n")}
	page.Flash = "Your session has ended, so that was not saved. Sign in again and resend it."
	s.render(w, r, http.StatusUnauthorized, "signin", page)
}

// fail answers with the error's page. Internal errors are logged and shown
// only as a generic message.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, a *account, err error) {
	code := rapport.ErrorCode(err)
	status := httpx.Status(code)
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", logPath(r), "err", err)
	}
	if code == rapport.EUNAUTHORIZED && r.Method == http.MethodGet {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	data := &errorPage{Status: status, Message: rapport.ErrorMessage(err)}
	data.Base = s.basePage(r, a, http.StatusText(status))
	s.render(w, r, status, "error", data)
}

type errorPage struct {
	Base
	Status  int
	Message string
}

// limitBodies bounds every request body: an import upload to
// maxUploadBody, anything else to maxFormBytes, so that no handler can
// read more whether or not it parses a form. A form that says it is
// larger is refused with 413 before any handler runs; a body that turns
// out larger fails when read (413 too, from parseForm).
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, upload := int64(maxFormBytes), r.Method == http.MethodPost && r.URL.Path == "/import"
		if upload {
			limit = maxUploadBody
		}
		// An upload too large is told so on the upload form, by its handler.
		if r.ContentLength > limit && !upload {
			w.Header().Set("Connection", "close")
			s.fail(w, r, nil, errTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

func (s *Server) cookie(r *http.Request, name, value string, maxAge time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || s.secureCookies}
	if maxAge < 0 {
		c.MaxAge = -1
	} else if maxAge > 0 {
		c.MaxAge = int(maxAge.Seconds())
	}
	return c
}

// flash leaves a one-line message for the next page the user sees.
func (s *Server) flash(w http.ResponseWriter, r *http.Request, msg string) {
	http.SetCookie(w, s.cookie(r, flashCookie, url.QueryEscape(msg), time.Minute))
}

// takeFlash reads and clears the pending message.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, s.cookie(r, flashCookie, "", -1))
	msg, err := url.QueryUnescape(c.Value)
	if err != nil {
		return ""
	}
	return msg
}

// redirect answers a form post with 303 See Other, so that reloading the
// next page does not post again.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// safeNext accepts only local paths as places to go after signing in.
func safeNext(next string) string { return nextOr(next, "/today") }

// nextOr returns next when it is a path of this site, otherwise fallback.
// Browsers read "//host", "/\host" and "\/host" as another site, and ignore
// tabs and newlines in a URL, so any backslash or control character, in
// the value or in its decoded path, refuses it; the path that is kept is
// cleaned as http.Redirect would clean it ("/./x" is "/x"), and checked
// after cleaning.
func nextOr(next, fallback string) string {
	if next == "" || len(next) > 2048 || !strings.HasPrefix(next, "/") || badURLChars(next) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || badURLChars(u.Path) ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return fallback
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	if !strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "//") {
		return fallback
	}
	return (&url.URL{Path: clean, RawQuery: u.RawQuery, Fragment: u.Fragment}).String()
}

func badURLChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7F || c == '\\' {
			return true
		}
	}
	return false
}

var errForbidden = &rapport.Error{Code: rapport.EFORBIDDEN, Message: "Only owners and managers can do that."}
