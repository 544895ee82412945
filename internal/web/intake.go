package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

type keysPage struct {
	Base
	Keys []store.APIKey
	// Team is every key of the organisation, for owners and managers.
	Team []store.TeamKey
	// NewKey is shown once, right after it is made.
	NewKey string
	Form   *form
}

func (s *Server) renderKeys(w http.ResponseWriter, r *http.Request, a *account, page *keysPage, status int) error {
	keys, err := s.db.APIKeys(r.Context(), a.actor, a.user.ID)
	if err != nil {
		return err
	}
	if a.actor.Runs() {
		if page.Team, err = s.db.OrgAPIKeys(r.Context(), a.actor); err != nil {
			return err
		}
	}
	page.Base, page.Keys = s.withFlash(w, r, a, "API keys", "settings"), keys
	if page.Form == nil {
		page.Form = newForm(nil)
	}
	s.render(w, r, status, "keys", page)
	return nil
}

func (s *Server) keysList(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderKeys(w, r, a, &keysPage{}, http.StatusOK)
}

// keyCreate makes an API key and shows it on the page it answers with, the
// only time it is ever shown.
func (s *Server) keyCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	key, prefix, hash := auth.NewAPIKey()
	err = s.db.CreateAPIKey(r.Context(), a.actor, &store.APIKey{OrgID: a.org.ID, UserID: a.user.ID, Name: f.Get("name"), Prefix: prefix, Hash: hash})
	if err != nil {
		if !f.absorb(err) {
			return err
		}
		return s.renderKeys(w, r, a, &keysPage{Form: f}, http.StatusUnprocessableEntity)
	}
	return s.renderKeys(w, r, a, &keysPage{NewKey: key}, http.StatusOK)
}

// keyRevoke ends a key: one's own, or (owners and managers) anyone's in
// the organisation. The form may say where to go back to.
func (s *Server) keyRevoke(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if _, err := s.db.RevokeKey(r.Context(), a.actor, id); err != nil {
		return err
	}
	s.flash(w, r, "Key revoked. Anything using it can no longer reach Rapport.")
	return redirect(w, r, nextOr(f.Get("next"), "/settings/keys"))
}

type routingPage struct {
	Base
	lookups
	Rules []rapport.RoutingRule
	Form  *form
}

// UserName names a user of the organisation.
func (p *routingPage) UserName(id int64) string {
	if n, ok := p.UserNames[id]; ok {
		return n
	}
	return "(no longer here)"
}

func (s *Server) renderRouting(w http.ResponseWriter, r *http.Request, a *account, f *form, status int) error {
	l, err := s.lookups(r.Context(), a)
	if err != nil {
		return err
	}
	rules, err := s.db.RoutingRules(r.Context(), a.actor)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(nil)
	}
	s.render(w, r, status, "routing", &routingPage{Base: s.withFlash(w, r, a, "Lead routing", "users"), lookups: l, Rules: rules, Form: f})
	return nil
}

func (s *Server) routingList(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderRouting(w, r, a, nil, http.StatusOK)
}

func (s *Server) routingCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	var ids []int64
	for _, v := range f.List("users") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	rule := &rapport.RoutingRule{Source: f.Get("source"), UserIDs: rapport.FormatIDs(ids)}
	if err := s.db.CreateRoutingRule(r.Context(), a.actor, rule); err != nil {
		if !f.absorb(err) {
			return err
		}
		return s.renderRouting(w, r, a, f, http.StatusUnprocessableEntity)
	}
	s.flash(w, r, "Leads from "+rule.Source+" will go to the people you chose.")
	return redirect(w, r, "/routing")
}

func (s *Server) routingDelete(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DeleteRoutingRule(r.Context(), a.actor, id); err != nil {
		return err
	}
	s.flash(w, r, "Rule removed.")
	return redirect(w, r, "/routing")
}

type speedPage struct {
	Base
	Nav    reviewNav
	Days   int
	Report rapport.SpeedReport
	Names  map[int64]string
	// Held is how many events wait for an owner or manager to place
	// (shown to them only).
	Held int
	// Handovers are the period's leads passed on for want of an attempt
	// in the claim window, and claimed from the pond (owners and
	// managers only).
	Handovers []store.LeadHandover
}

// OwnerName names a row's owner.
func (p *speedPage) OwnerName(id int64) string {
	if id == 0 {
		return "Unassigned"
	}
	if n, ok := p.Names[id]; ok {
		return n
	}
	return "(no longer here)"
}

// Human renders a duration for the report.
func (p *speedPage) Human(d time.Duration) string { return rapport.Human(d) }

// speedReport shows time from lead arrival to first attempt.
func (s *Server) speedReport(w http.ResponseWriter, r *http.Request, a *account) error {
	days := 30
	switch r.URL.Query().Get("days") {
	case "7":
		days = 7
	case "90":
		days = 90
	}
	now := s.now()
	rep, err := s.db.SpeedToLead(r.Context(), a.actor, now.AddDate(0, 0, -days), now)
	if err != nil {
		return err
	}
	l, err := s.lookups(r.Context(), a)
	if err != nil {
		return err
	}
	held := 0
	var handovers []store.LeadHandover
	if a.actor.Runs() {
		if held, err = s.db.CountHeld(r.Context(), a.actor); err != nil {
			return err
		}
		if handovers, err = s.db.Handovers(r.Context(), a.actor, now.AddDate(0, 0, -days), now.Add(time.Minute)); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "speed", &speedPage{Base: s.withFlash(w, r, a, "Speed to lead", "reports"), Nav: newReviewNav("speed", a, nil, reviewWeek{}),
		Days: days, Report: rep, Names: l.UserNames, Held: held, Handovers: handovers})
	return nil
}
