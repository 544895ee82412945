package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

type settingsPage struct {
	Base
	Form         *form
	PasswordForm *form
	OrgForm      *form
	AlertsForm   *form
	// CalendarURL is a calendar link just made, shown this once;
	// HasCalendar says whether one works.
	CalendarURL string
	// CalendarWebcal is the same link for calendar apps (webcal:, a
	// scheme html/template does not know, made here from our own link).
	CalendarWebcal template.URL
	HasCalendar    bool
	// Contacts is how to add the address book to a phone, and
	// AppPasswords the user's working app passwords for it.
	Contacts        contactsSetup
	AppPasswords    []store.AppPassword
	AppPasswordForm *form
	// InboundAddress is the user's private address for email onto the
	// timeline ("" when the receiver is off).
	InboundAddress string
	AlertKinds     []rapport.AlertKind
	Hours          []int
	TZs            []string
	Visibilities   []rapport.Visibility
	// PushOn: the server sends alerts; PushDevices are the user's devices
	// that get them, and PushResults how a test alert went for each.
	PushOn      bool
	PushDevices []pushDevice
	PushResults []pushResult
}

func settingsForm(u *rapport.User) *form {
	f := newForm(nil)
	f.Values.Set("name", u.Name)
	f.Values.Set("tz", u.TZ)
	f.Values.Set("weekly_goal", strconv.Itoa(u.WeeklyGoal))
	f.Values.Set("today_size", strconv.Itoa(u.TodaySize))
	for _, t := range weeklyTargets(u) {
		f.Values.Set(t.name, strconv.Itoa(*t.n))
	}
	return f
}

// weeklyTarget is one of the review's targets on the settings form.
type weeklyTarget struct {
	name string
	n    *int
}

// weeklyTargets are the user's review targets besides the live goal.
func weeklyTargets(u *rapport.User) []weeklyTarget {
	return []weeklyTarget{{"attempt_target", &u.AttemptTarget}, {"connect_target", &u.ConnectTarget},
		{"appointment_target", &u.AppointmentTarget}, {"new_people_target", &u.NewPeopleTarget}, {"referral_target", &u.ReferralTarget}}
}

func orgForm(o *rapport.Org) *form {
	f := newForm(nil)
	f.Values.Set("name", o.Name)
	f.Values.Set("region", o.Region)
	f.Values.Set("tz", o.TZ)
	f.Values.Set("visibility", string(o.Visibility))
	f.Values.Set("claim_minutes", strconv.Itoa(o.ClaimMinutes))
	f.Values.Set("claim_to", string(o.ClaimTo))
	f.Values.Set("quiet_leads", o.QuietLeads)
	f.Values.Set("attempt_plan", o.Plan().String())
	f.Values.Set("attempt_rest_days", strconv.Itoa(o.RestDays()))
	return f
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, a *account, p *settingsPage, status int) error {
	p.Base = s.withFlash(w, r, a, "Settings", "settings")
	if p.Form == nil {
		p.Form = settingsForm(a.user)
	}
	if p.PasswordForm == nil {
		p.PasswordForm = newForm(nil)
	}
	if p.OrgForm == nil {
		p.OrgForm = orgForm(a.org)
	}
	if p.AlertsForm == nil {
		p.AlertsForm = alertsForm(a.user)
	}
	p.AlertKinds = rapport.AlertKinds
	var err error
	if p.HasCalendar, err = s.db.HasCalendarFeed(r.Context(), a.actor); err != nil {
		return err
	}
	if p.AppPasswordForm == nil {
		p.AppPasswordForm = newForm(nil)
	}
	setup := s.contactsSetup(r)
	setup.NewPassword, setup.NewName = p.Contacts.NewPassword, p.Contacts.NewName
	p.Contacts = setup
	if p.AppPasswords, err = s.db.AppPasswords(r.Context(), a.actor); err != nil {
		return err
	}
	if s.inbound != "" {
		token, err := s.db.InboundAddress(r.Context(), a.actor)
		if err != nil {
			return err
		}
		p.InboundAddress = token + "@" + s.inbound
	}
	for h := range 24 {
		p.Hours = append(p.Hours, h)
	}
	p.TZs, p.Visibilities = rapport.CommonTZs, rapport.Visibilities
	if p.PushOn = s.push != nil; p.PushOn {
		devices, err := s.db.PushSubscriptions(r.Context(), a.actor)
		if err != nil {
			return err
		}
		p.PushDevices = pushDevices(devices)
	}
	s.render(w, r, status, "settings", p)
	return nil
}

func (s *Server) settingsForm(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderSettings(w, r, a, &settingsPage{}, http.StatusOK)
}

func (s *Server) settingsSave(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	u := *a.user
	u.Name, u.TZ = f.Get("name"), f.Get("tz")
	u.WeeklyGoal = f.int("weekly_goal", "Use a whole number, such as 25.")
	u.TodaySize = f.int("today_size", "Use a whole number, such as 10.")
	for _, t := range weeklyTargets(&u) {
		*t.n = f.int(t.name, "Use a whole number; 0 for no target.")
	}
	f.absorb(u.ValidateSettings())
	if f.Valid() {
		err := s.db.UpdateUserSettings(r.Context(), a.actor, &u)
		if err == nil {
			s.flash(w, r, "Settings saved.")
			return redirect(w, r, "/settings")
		}
		if !f.absorb(err) {
			return err
		}
	}
	return s.renderSettings(w, r, a, &settingsPage{Form: f}, http.StatusUnprocessableEntity)
}

// passwordSave changes the user's password and ends their other sessions.
func (s *Server) passwordSave(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	// Guesses at the current password are throttled as sign-ins are.
	ticket, locked, err := s.db.BeginConfirm(r.Context(), a.user.ID, httpx.ClientIP(r))
	if err != nil {
		return err
	}
	ok := false
	if locked.IsZero() {
		if ok, err = auth.CheckPassword(a.user.PasswordHash, f.Values.Get("current")); err != nil {
			return err
		}
		if ok {
			err = s.db.SignInSucceeded(r.Context(), ticket)
		} else {
			locked, err = s.db.SignInFailed(r.Context(), ticket)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case !locked.IsZero():
		w.Header().Set("Retry-After", strconv.Itoa(int(locked.Sub(s.now()).Seconds())+1))
		f.addErr("current", fmt.Sprintf("Too many wrong passwords. Try again in %d minutes.", int(max(locked.Sub(s.now()).Round(time.Minute), time.Minute).Minutes())))
		f.Values.Del("current")
		f.Values.Del("password")
		f.Values.Del("password2")
		return s.renderSettings(w, r, a, &settingsPage{PasswordForm: f}, http.StatusTooManyRequests)
	case !ok:
		f.addErr("current", "That is not your current password.")
	}
	next := f.Values.Get("password")
	if err := rapport.ValidatePassword(next); err != nil {
		f.addErr("password", rapport.ErrorMessage(err))
	} else if next != f.Values.Get("password2") {
		f.addErr("password2", "The two passwords differ.")
	}
	if f.Valid() {
		hash, err := auth.HashPassword(next)
		if err != nil {
			return err
		}
		if err := s.db.SetPassword(r.Context(), a.actor, a.user.ID, hash, a.session.ID); err != nil {
			return err
		}
		s.flash(w, r, "Password changed. You were signed out everywhere else.")
		return redirect(w, r, "/settings")
	}
	f.Values.Del("current")
	f.Values.Del("password")
	f.Values.Del("password2")
	return s.renderSettings(w, r, a, &settingsPage{PasswordForm: f}, http.StatusUnprocessableEntity)
}

// orgSave changes the organisation's name, phone region and time zone, and
// (owners only) who sees whose people.
func (s *Server) orgSave(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	o := *a.org
	o.Name, o.Region, o.TZ = f.Get("name"), f.Get("region"), f.Get("tz")
	if v := rapport.Visibility(f.Get("visibility")); v != "" {
		o.Visibility = v
	}
	if f.Has("claim_minutes") {
		o.ClaimMinutes = f.int("claim_minutes", "Use a number of minutes; 0 for no claim window.")
		o.ClaimTo, o.QuietLeads = rapport.ClaimTo(f.Get("claim_to")), f.Get("quiet_leads")
	}
	if f.Has("attempt_plan") {
		o.AttemptPlan = f.Get("attempt_plan")
		o.AttemptRestDays = f.int("attempt_rest_days", "Use a whole number of days.")
	}
	if o.Region != "" && !phone.ValidRegion(o.Region) {
		f.addErr("region", "Use a two-letter country code such as US or CA.")
	}
	o.Normalize()
	f.absorb(o.Validate())
	if f.Valid() {
		err := s.db.UpdateOrg(r.Context(), a.actor, &o)
		if err == nil {
			s.flash(w, r, "Organisation saved.")
			return redirect(w, r, "/settings")
		}
		if !f.absorb(err) {
			return err
		}
	}
	return s.renderSettings(w, r, a, &settingsPage{OrgForm: f}, http.StatusUnprocessableEntity)
}

type usersPage struct {
	Base
	Users []rapport.User
	Form  *form
	Roles []rapport.Role
}

func (s *Server) usersList(w http.ResponseWriter, r *http.Request, a *account) error {
	f := newForm(nil)
	f.Values.Set("role", string(rapport.RoleAgent))
	return s.renderUsers(w, r, a, f, http.StatusOK)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, a *account, f *form, status int) error {
	users, err := s.db.Users(r.Context(), a.actor)
	if err != nil {
		return err
	}
	var roles []rapport.Role
	for _, role := range rapport.Roles {
		if a.user.CanGrant(role) {
			roles = append(roles, role)
		}
	}
	s.render(w, r, status, "users", &usersPage{Base: s.withFlash(w, r, a, "Team", "users"), Users: users, Form: f, Roles: roles})
	return nil
}

// userCreate adds a user with a first password that the owner or manager
// passes on; the new user changes it in settings.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	u := &rapport.User{Name: f.Get("name"), Email: f.Get("email"), Role: rapport.Role(f.Get("role"))}
	password := f.Values.Get("password")
	if err := rapport.ValidatePassword(password); err != nil {
		f.addErr("password", rapport.ErrorMessage(err))
	}
	u.Normalize()
	f.absorb(u.Validate())
	if f.Valid() {
		if u.PasswordHash, err = auth.HashPassword(password); err != nil {
			return err
		}
		err := s.db.CreateUser(r.Context(), a.actor, u)
		if err == nil {
			s.flash(w, r, u.DisplayName()+" can now sign in as "+u.Email+".")
			return redirect(w, r, "/users")
		}
		if !f.absorb(err) {
			return err
		}
	}
	f.Values.Del("password")
	return s.renderUsers(w, r, a, f, http.StatusUnprocessableEntity)
}
