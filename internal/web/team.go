package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Running the team: an owner's or manager's page for each member, where
// they disable someone who leaves (handing their people over), re-enable
// them, change their role (owners) and make a password reset link; and
// the public page the link opens. The role rules are rapport.User's
// CanManageMember and CanChangeRoles, checked again by the store.

type memberPage struct {
	Base
	Member   *rapport.User
	Holdings *store.Handover
	Keys     []store.APIKey
	// Successors are who may take over their people.
	Successors []rapport.User
	Roles      []rapport.Role
	// Form carries the disable and role forms' values and errors; Problem
	// is an error that belongs to no field.
	Form    *form
	Problem string
	// ResetURL is a reset link just made, shown this once.
	ResetURL     string
	ResetExpires time.Time
}

// CanManage reports whether the signed-in user may disable, re-enable
// and make reset links for the member.
func (p *memberPage) CanManage() bool { return p.User.CanManageMember(p.Member) }

func (s *Server) member(r *http.Request, a *account) (*rapport.User, error) {
	if !a.user.CanManageUsers() {
		return nil, errForbidden
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.db.User(r.Context(), a.actor, id)
}

func (s *Server) renderMember(w http.ResponseWriter, r *http.Request, a *account, p *memberPage, status int) error {
	ctx := r.Context()
	var err error
	if p.Holdings, err = s.db.Holdings(ctx, a.actor, p.Member.ID); err != nil {
		return err
	}
	if p.Keys, err = s.db.APIKeys(ctx, rapport.Actor{Org: a.org.ID}, p.Member.ID); err != nil {
		return err
	}
	users, err := s.db.Users(ctx, a.actor)
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Active() && u.ID != p.Member.ID {
			p.Successors = append(p.Successors, u)
		}
	}
	if p.Form == nil {
		p.Form = newForm(nil)
		p.Form.Values.Set("role", string(p.Member.Role))
	}
	p.Roles = rapport.Roles
	p.Base = s.withFlash(w, r, a, p.Member.DisplayName(), "users")
	s.render(w, r, status, "member", p)
	return nil
}

// memberShow is a member's page.
func (s *Server) memberShow(w http.ResponseWriter, r *http.Request, a *account) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	return s.renderMember(w, r, a, &memberPage{Member: m}, http.StatusOK)
}

// memberRefused shows the member's page again with what the store
// refused: a field's error (422), or a conflict such as disabling the
// last owner (409). Anything else is the caller's to answer.
func (s *Server) memberRefused(w http.ResponseWriter, r *http.Request, a *account, m *rapport.User, f *form, err error) error {
	var e *rapport.Error
	if !errors.As(err, &e) || (e.Code != rapport.EINVALID && e.Code != rapport.ECONFLICT) {
		return err
	}
	p := &memberPage{Member: m, Form: f}
	status := http.StatusUnprocessableEntity
	if !f.absorb(err) {
		p.Problem, status = e.Message, http.StatusConflict
	}
	return s.renderMember(w, r, a, p, status)
}

func memberURL(id int64) string { return "/users/" + strconv.FormatInt(id, 10) }

// memberDisable disables a member, handing their people to the user the
// form names.
func (s *Server) memberDisable(w http.ResponseWriter, r *http.Request, a *account) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	team, err := s.db.Roster(r.Context(), a.actor)
	if err != nil {
		return err
	}
	successors := make([]rapport.User, 0, len(team.Active))
	for _, u := range team.Active {
		if u.ID != m.ID {
			successors = append(successors, u)
		}
	}
	if pickTeam(f, successors, successorField); !f.Valid() {
		return s.renderMember(w, r, a, &memberPage{Member: m, Form: f}, http.StatusUnprocessableEntity)
	}
	var to int64
	if v := f.Get("hand_to"); v != "" {
		if to, err = strconv.ParseInt(v, 10, 64); err != nil {
			f.addErr("hand_to", "Choose an active member of your team to take over.")
			return s.renderMember(w, r, a, &memberPage{Member: m, Form: f}, http.StatusUnprocessableEntity)
		}
	}
	h, err := s.db.DisableUser(r.Context(), a.actor, m.ID, to)
	if err != nil {
		return s.memberRefused(w, r, a, m, f, err)
	}
	s.flash(w, r, m.DisplayName()+" is disabled: "+h.Summary()+".")
	return redirect(w, r, memberURL(m.ID))
}

// memberEnable lets a disabled member sign in again.
func (s *Server) memberEnable(w http.ResponseWriter, r *http.Request, a *account) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if _, err := s.db.EnableUser(r.Context(), a.actor, m.ID); err != nil {
		return s.memberRefused(w, r, a, m, f, err)
	}
	s.flash(w, r, m.DisplayName()+" can sign in again. Their people stay with whoever took them over.")
	return redirect(w, r, memberURL(m.ID))
}

// memberRole changes a member's role (owners only).
func (s *Server) memberRole(w http.ResponseWriter, r *http.Request, a *account) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	u, err := s.db.SetUserRole(r.Context(), a.actor, m.ID, rapport.Role(f.Get("role")))
	if err != nil {
		return s.memberRefused(w, r, a, m, f, err)
	}
	s.flash(w, r, fmt.Sprintf("%s is %s %s; it applies from their next page or API call.", u.DisplayName(), article(string(u.Role)), u.Role))
	return redirect(w, r, memberURL(m.ID))
}

func article(word string) string {
	if word != "" && (word[0] == 'a' || word[0] == 'o') {
		return "an"
	}
	return "a"
}

// memberReset makes a one-time password reset link for a member and
// shows it, the only time it is ever shown.
func (s *Server) memberReset(w http.ResponseWriter, r *http.Request, a *account) error {
	m, err := s.member(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	link, err := s.db.CreatePasswordReset(r.Context(), a.actor, m.ID)
	if err != nil {
		return s.memberRefused(w, r, a, m, f, err)
	}
	return s.renderMember(w, r, a, &memberPage{Member: link.User, ResetURL: s.siteURL(r) + link.Path(), ResetExpires: link.ExpiresAt},
		http.StatusOK)
}

// logPath is the request's path as logs may keep it: a reset link's
// token and a calendar link's are passwords in all but name, so they are
// left out.
func logPath(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/reset/") {
		return "/reset/…"
	}
	if strings.HasPrefix(r.URL.Path, "/calendar/") {
		return "/calendar/…"
	}
	if strings.HasPrefix(r.URL.Path, "/unsubscribe/") {
		return "/unsubscribe/…"
	}
	return r.URL.Path
}

// siteURL is the address this request came to, for links to copy.
func (s *Server) siteURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || s.secureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type resetPage struct {
	Base
	Email string
	Form  *form
}

// resetForm is the page a reset link opens: a new password, twice.
func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	u, err := s.db.PasswordResetUser(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "reset", &resetPage{Base: s.basePage(r, nil, "Choose a new password"), Email: u.Email, Form: newForm(nil)})
	return nil
}

// resetSave sets the new password, ends every session of the user, uses
// the link up and signs them in here.
func (s *Server) resetSave(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	u, err := s.db.PasswordResetUser(r.Context(), token)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	next := f.Values.Get("password")
	if err := rapport.ValidatePassword(next); err != nil {
		f.addErr("password", rapport.ErrorMessage(err))
	} else if next != f.Values.Get("password2") {
		f.addErr("password2", "The two passwords differ.")
	}
	if !f.Valid() {
		f.Values.Del("password")
		f.Values.Del("password2")
		s.render(w, r, http.StatusUnprocessableEntity, "reset", &resetPage{Base: s.basePage(r, nil, "Choose a new password"), Email: u.Email, Form: f})
		return nil
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	if u, err = s.db.ResetPassword(r.Context(), token, hash); err != nil {
		return err
	}
	// A reset link proves who they are: strangers' failures no longer lock
	// them out, and this browser is theirs from now on (not the address's
	// lock, which is about others).
	if err := s.db.ForgiveSignIns(r.Context(), u.Email); err != nil {
		return err
	}
	var device string
	if c, err := r.Cookie(deviceCookie); err == nil {
		device = c.Value
	}
	if device, err = s.db.RememberDevice(r.Context(), u, device); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, deviceCookie, device, store.DeviceTTL))
	if err := s.startSession(w, r, u); err != nil {
		return err
	}
	s.flash(w, r, "Your new password is set, and you are signed in. Any other session of yours has ended.")
	return redirect(w, r, "/today")
}
