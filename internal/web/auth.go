package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

type setupPage struct {
	Base
	Form *form
	TZs  []string
}

// setupForm is the first-run page: it exists only while Rapport has no
// organisation.
func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) error {
	if has, err := s.db.HasOrgs(r.Context()); err != nil {
		return err
	} else if has {
		return redirect(w, r, "/signin")
	}
	f := newForm(nil)
	f.Values.Set("region", "US")
	f.Values.Set("tz", "America/Chicago")
	s.render(w, r, http.StatusOK, "setup", &setupPage{Base: s.basePage(r, nil, "Set up Rapport"), Form: f, TZs: rapport.CommonTZs})
	return nil
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	org := &rapport.Org{Name: f.Get("org_name"), Slug: f.Get("slug"), Region: f.Get("region"), TZ: f.Get("tz")}
	owner := &rapport.User{Name: f.Get("name"), Email: f.Get("email"), Role: rapport.RoleOwner}
	password := f.Values.Get("password")
	if err := rapport.ValidatePassword(password); err != nil {
		f.addErr("password", rapport.ErrorMessage(err))
	} else if password != f.Values.Get("password2") {
		f.addErr("password2", "The two passwords differ.")
	}
	// The owner's fields are checked here so that a "name" error from the
	// store can only be the organisation's.
	owner.Normalize()
	f.absorb(owner.Validate())
	org.Normalize()
	absorbPrefixed(f, org.Validate(), map[string]string{"name": "org_name"})
	if org.Region != "" && !phone.ValidRegion(org.Region) {
		f.addErr("region", "Use a two-letter country code such as US or CA.")
	}
	if f.Valid() {
		owner.PasswordHash, err = auth.HashPassword(password)
		if err != nil {
			return err
		}
		err = s.db.CreateFirstOrg(r.Context(), org, owner)
		if err == nil {
			if err := s.startSession(w, r, owner); err != nil {
				return err
			}
			s.flash(w, r, "Welcome to Rapport. Add the people you want to talk to, or import them.")
			return redirect(w, r, "/today")
		}
		if rapport.ErrorCode(err) == rapport.ECONFLICT && len(asFields(err)) == 0 {
			return redirect(w, r, "/signin")
		}
		if !absorbPrefixed(f, err, map[string]string{"name": "org_name", "slug": "slug"}) {
			return err
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "setup", &setupPage{Base: s.basePage(r, nil, "Set up Rapport"), Form: f, TZs: rapport.CommonTZs})
	return nil
}

// absorbPrefixed absorbs field errors, renaming the ones in rename.
func absorbPrefixed(f *form, err error, rename map[string]string) bool {
	fields := asFields(err)
	if len(fields) == 0 {
		return false
	}
	for k, v := range fields {
		if nk, ok := rename[k]; ok {
			k = nk
		}
		f.addErr(k, v)
	}
	return true
}

func asFields(err error) map[string]string {
	if e, ok := err.(*rapport.Error); ok {
		return e.Fields
	}
	return nil
}

type signinPage struct {
	Base
	Form *form
	// Kept is what the user had written when their session ended.
	Kept string
	// Orgs are the organisations to choose from when one email and
	// password open accounts in several.
	Orgs []rapport.Org
}

func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) error {
	if has, err := s.db.HasOrgs(r.Context()); err != nil {
		return err
	} else if !has {
		return redirect(w, r, "/setup")
	}
	if a, _ := s.account(w, r); a != nil {
		return redirect(w, r, safeNext(r.URL.Query().Get("next")))
	}
	f := newForm(nil)
	f.Values.Set("next", r.URL.Query().Get("next"))
	s.render(w, r, http.StatusOK, "signin", &signinPage{Base: s.withFlash(w, r, nil, "Sign in", ""), Form: f})
	return nil
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	password := f.Values.Get("password")
	// The attempt is counted before the password is looked at (see
	// store.BeginSignIn): a browser this account has signed in from
	// before is throttled on its own, strangers' browsers together, and
	// the address for every account.
	attempt := store.SignInAttempt{Email: f.Get("email"), Address: httpx.ClientIP(r)}
	if c, err := r.Cookie(deviceCookie); err == nil {
		attempt.DeviceToken = c.Value
	}
	ticket, locked, err := s.db.BeginSignIn(r.Context(), attempt)
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		return s.signinLocked(w, r, f, locked)
	}
	// The same address may have an account in more than one organisation:
	// the password says which (and, when it opens several, the user
	// chooses among those).
	users, err := s.db.UsersByEmail(r.Context(), f.Get("email"))
	if err != nil {
		return err
	}
	var opened []rapport.User
	if len(users) == 0 {
		auth.CheckNoUser(password)
	}
	for _, cand := range users {
		ok, err := auth.CheckPassword(cand.PasswordHash, password)
		if err != nil {
			return err
		}
		if ok && cand.DisabledAt.IsZero() {
			opened = append(opened, cand)
		}
	}
	if chosen := f.Get("org"); chosen != "" && len(opened) > 1 {
		opened = slices.DeleteFunc(opened, func(u rapport.User) bool { return strconv.FormatInt(u.OrgID, 10) != chosen })
	}
	if len(opened) > 1 {
		// Several organisations: the password is right for each, so the
		// choice shows only what this person may open.
		if err := s.db.SignInSucceeded(r.Context(), ticket); err != nil {
			return err
		}
		var orgs []rapport.Org
		for _, u := range opened {
			org, err := s.db.Org(r.Context(), u.OrgID)
			if err != nil {
				return err
			}
			orgs = append(orgs, *org)
		}
		f.Values.Del("password")
		s.render(w, r, http.StatusOK, "signin", &signinPage{Base: s.basePage(r, nil, "Sign in"), Form: f, Orgs: orgs})
		return nil
	}
	if len(opened) == 1 {
		u := &opened[0]
		if err := s.db.SignInSucceeded(r.Context(), ticket); err != nil {
			return err
		}
		token, err := s.db.RememberDevice(r.Context(), u, attempt.DeviceToken)
		if err != nil {
			return err
		}
		http.SetCookie(w, s.cookie(r, deviceCookie, token, store.DeviceTTL))
		if err := s.startSession(w, r, u); err != nil {
			return err
		}
		return redirect(w, r, safeNext(f.Get("next")))
	}
	s.log.Info("sign-in failed", "ip", httpx.ClientIP(r), "known_browser", ticket.Device)
	if locked, err = s.db.SignInFailed(r.Context(), ticket); err != nil {
		return err
	}
	if !locked.IsZero() {
		s.log.Warn("sign-in locked", "ip", httpx.ClientIP(r), "known_browser", ticket.Device, "until", locked)
		return s.signinLocked(w, r, f, locked)
	}
	f.addErr("password", "That email and password do not match an account.")
	f.Values.Del("password")
	s.render(w, r, http.StatusUnauthorized, "signin", &signinPage{Base: s.basePage(r, nil, "Sign in"), Form: f})
	return nil
}

// signinLocked answers a sign-in while the account or address is locked:
// 429 with when to try again.
func (s *Server) signinLocked(w http.ResponseWriter, r *http.Request, f *form, until time.Time) error {
	left := until.Sub(s.now())
	wait := max(left.Round(time.Minute), time.Minute)
	w.Header().Set("Retry-After", strconv.Itoa(int(left.Seconds())+1))
	f.addErr("password", fmt.Sprintf("Too many failed sign-ins. Try again in %d minutes.", int(wait.Minutes())))
	f.Values.Del("password")
	s.render(w, r, http.StatusTooManyRequests, "signin", &signinPage{Base: s.basePage(r, nil, "Sign in"), Form: f})
	return nil
}

// startSession signs the user in with a brand-new session (any session the
// browser had is ended), so a session id planted before sign-in is useless.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *rapport.User) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.db.DeleteSession(r.Context(), auth.HashToken(c.Value))
	}
	token, id := auth.NewToken()
	now := s.now()
	ua := r.UserAgent()
	if len(ua) > 300 {
		ua = ua[:300]
	}
	if err := s.db.CreateSession(r.Context(), &store.Session{ID: id, OrgID: u.OrgID, UserID: u.ID,
		CreatedAt: now.UTC(), LastSeenAt: now.UTC(), ExpiresAt: now.Add(sessionTTL).UTC(), UserAgent: ua, IP: httpx.ClientIP(r)}); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, token, sessionTTL))
	return nil
}

// signout ends this browser's session; with everywhere set (the button
// in Settings), every session of its user.
func (s *Server) signout(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	msg := "You are signed out."
	if c, err := r.Cookie(sessionCookie); err == nil {
		id := auth.HashToken(c.Value)
		if f.Get("everywhere") != "" {
			n, err := s.signOutEverywhere(r.Context(), id)
			if err != nil {
				return err
			}
			if n > 0 {
				msg = fmt.Sprintf("You are signed out everywhere: %d %s ended.", n, plural(int(n), "session", "sessions"))
			}
		}
		if err := s.db.DeleteSession(r.Context(), id); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	// The phone keeps no one's pages, nor their unsent logs, once they
	// sign out (offline.js clears them first, warning of unsent logs;
	// this is for a browser whose script did not run).
	w.Header().Set("Clear-Site-Data", `"storage"`)
	s.flash(w, r, msg)
	return redirect(w, r, "/signin")
}

// signOutEverywhere ends every session of the user whose session id is
// (none when it has already ended) and says how many there were.
func (s *Server) signOutEverywhere(ctx context.Context, id string) (int64, error) {
	sess, u, _, err := s.db.SessionUser(ctx, id)
	if rapport.ErrorCode(err) == rapport.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return s.db.DeleteUserSessions(ctx, rapport.Actor{Org: sess.OrgID, User: u.ID}, u.ID)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, a *account) error {
	return redirect(w, r, "/today")
}
