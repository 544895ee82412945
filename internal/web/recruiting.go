package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Companies: brokerages, their offices, and signals about them.

type companiesPage struct {
	Base
	Brokerages []store.CompanyRow
	// Offices lists each brokerage's offices; Unattached holds offices
	// that belong to no brokerage we know.
	Offices    map[int64][]store.CompanyRow
	Unattached []store.CompanyRow
	Markets    []string
	Market     string
	Form       *form
}

func (s *Server) renderCompanies(w http.ResponseWriter, r *http.Request, a *account, f *form, status int) error {
	ctx := r.Context()
	market := r.URL.Query().Get("market")
	rows, err := s.db.Companies(ctx, a.actor, store.CompanyFilter{Market: market})
	if err != nil {
		return err
	}
	markets, err := s.db.Markets(ctx, a.actor)
	if err != nil {
		return err
	}
	page := &companiesPage{Base: s.withFlash(w, r, a, "Companies", "recruiting"), Offices: map[int64][]store.CompanyRow{},
		Markets: markets, Market: market, Form: f}
	known := map[int64]bool{}
	for _, c := range rows {
		if c.Kind == rapport.CompanyBrokerage {
			page.Brokerages = append(page.Brokerages, c)
			known[c.ID] = true
		}
	}
	for _, c := range rows {
		if c.Kind == rapport.CompanyOffice {
			if known[c.ParentID] {
				page.Offices[c.ParentID] = append(page.Offices[c.ParentID], c)
			} else {
				page.Unattached = append(page.Unattached, c)
			}
		}
	}
	if page.Form == nil {
		page.Form = newForm(url.Values{"kind": {"brokerage"}})
	}
	s.render(w, r, status, "companies", page)
	return nil
}

func (s *Server) companiesList(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderCompanies(w, r, a, nil, http.StatusOK)
}

func companyFromForm(f *form) *rapport.Company {
	c := &rapport.Company{Kind: rapport.CompanyKind(f.Get("kind")), Name: f.Get("name"), Market: f.Get("market"),
		Street: f.Get("street"), City: f.Get("city"), State: f.Get("state"), PostalCode: f.Get("postal_code"),
		Website: f.Get("website"), MLSID: f.Get("mls_id")}
	if v := f.Get("parent"); v != "" && v != "none" {
		c.ParentID = int64(f.int("parent", "Choose the office's brokerage from the list."))
	}
	return c
}

func (s *Server) companyCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	c := companyFromForm(f)
	if f.Valid() {
		err = s.db.CreateCompany(r.Context(), a.actor, c)
		if err == nil {
			s.flash(w, r, c.Name+" added.")
			return redirect(w, r, "/companies/"+strconv.FormatInt(c.ID, 10))
		}
		if !f.absorb(err) {
			return err
		}
	}
	if c.ParentID != 0 {
		return s.renderCompany(w, r, a, c.ParentID, nil, f, http.StatusUnprocessableEntity)
	}
	return s.renderCompanies(w, r, a, f, http.StatusUnprocessableEntity)
}

type companyPage struct {
	Base
	lookups
	Company    *rapport.Company
	Offices    []store.CompanyRow
	Agents     *store.ProspectPage
	Signals    []rapport.Signal
	Brokerages []store.CompanyRow
	Form       *form
	SignalForm *form
	OfficeForm *form
}

// SignalActive reports whether a signal raises the company's agents on Today now.
func (p *companyPage) SignalActive(sg rapport.Signal) bool { return sg.Active(p.Now, p.Loc) }

func (s *Server) companyShow(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderCompany(w, r, a, id, nil, nil, http.StatusOK)
}

// renderCompany shows a company's page; editForm, signalForm (and an
// office form, for a brokerage) carry a failed submission back.
func (s *Server) renderCompany(w http.ResponseWriter, r *http.Request, a *account, id int64, editForm, subForm *form, status int) error {
	ctx := r.Context()
	c, err := s.db.Company(ctx, a.actor, id)
	if err != nil {
		return err
	}
	l, err := s.lookups(ctx, a)
	if err != nil {
		return err
	}
	agents, err := s.db.CompanyAgents(ctx, a.actor, c.ID, 100)
	if err != nil {
		return err
	}
	signals, err := s.db.Signals(ctx, a.actor, c.ID, 50)
	if err != nil {
		return err
	}
	page := &companyPage{Base: s.withFlash(w, r, a, c.Label(), "recruiting"), lookups: l, Company: c, Agents: agents, Signals: signals}
	if c.Kind == rapport.CompanyBrokerage {
		if page.Offices, err = s.db.Companies(ctx, a.actor, store.CompanyFilter{ParentID: c.ID}); err != nil {
			return err
		}
	}
	if page.Brokerages, err = s.db.Companies(ctx, a.actor, store.CompanyFilter{Kind: rapport.CompanyBrokerage}); err != nil {
		return err
	}
	page.Form = editForm
	if page.Form == nil {
		v := url.Values{"kind": {string(c.Kind)}, "name": {c.Name}, "market": {c.Market}, "street": {c.Street}, "city": {c.City},
			"state": {c.State}, "postal_code": {c.PostalCode}, "website": {c.Website}, "mls_id": {c.MLSID}}
		if c.ParentID != 0 {
			v.Set("parent", strconv.FormatInt(c.ParentID, 10))
		}
		page.Form = newForm(v)
	}
	page.SignalForm = newForm(url.Values{"on": {string(rapport.DayOf(s.now(), a.loc))}})
	page.OfficeForm = newForm(url.Values{"kind": {"office"}, "parent": {strconv.FormatInt(c.ID, 10)}, "market": {c.Market}})
	if subForm != nil {
		if subForm.Get("kind") == "office" {
			page.OfficeForm = subForm
		} else {
			page.SignalForm = subForm
		}
	}
	s.render(w, r, status, "company", page)
	return nil
}

func (s *Server) companyUpdate(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.db.Company(r.Context(), a.actor, id); err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	c := companyFromForm(f)
	c.ID = id
	if f.Valid() {
		err = s.db.UpdateCompany(r.Context(), a.actor, c)
		if err == nil {
			s.flash(w, r, "Saved.")
			return redirect(w, r, "/companies/"+strconv.FormatInt(id, 10))
		}
		if !f.absorb(err) {
			return err
		}
	}
	return s.renderCompany(w, r, a, id, f, nil, http.StatusUnprocessableEntity)
}

func (s *Server) signalCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.db.Company(r.Context(), a.actor, id); err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	sg := &rapport.Signal{CompanyID: id, On: rapport.Day(f.Get("on")), Title: f.Get("title"), Note: f.Values.Get("note")}
	err = s.db.AddSignal(r.Context(), a.actor, sg)
	if err == nil {
		s.flash(w, r, "Signal added: its agents come up on Today for 30 days.")
		return redirect(w, r, "/companies/"+strconv.FormatInt(id, 10)+"#signals")
	}
	if !f.absorb(err) {
		return err
	}
	return s.renderCompany(w, r, a, id, nil, f, http.StatusUnprocessableEntity)
}

func (s *Server) signalDelete(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sg, err := s.db.Signal(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	if err := s.db.DeleteSignal(r.Context(), a.actor, id); err != nil {
		return err
	}
	s.flash(w, r, "Signal removed.")
	return redirect(w, r, "/companies/"+strconv.FormatInt(sg.CompanyID, 10)+"#signals")
}

// agentRow is an agent in a ranked table, with their place and the page
// to come back to after "add to my Today".
type agentRow struct {
	Person *rapport.Person
	Rank   int
	Next   string
	// Here is the company whose page this is (its name goes unsaid).
	Here int64
}

// Where says where the agent works, as the row shows it under their
// name: nothing on their own company's page, only the office's own name
// on its brokerage's page (the brokerage goes without saying), the
// office with its brokerage elsewhere.
func (r agentRow) Where() string {
	c := r.Person.Company
	switch {
	case c == nil:
		return r.Person.Brokerage
	case c.ID == r.Here:
		return ""
	case c.ParentID != 0 && c.ParentID == r.Here:
		if c.Parent != nil && strings.HasPrefix(c.Name, c.Parent.Name) {
			if short := strings.Trim(strings.TrimPrefix(c.Name, c.Parent.Name), " -–—·,"); short != "" {
				return short
			}
		}
		return c.Name
	}
	return c.Label()
}

// rankedRows numbers people from first on.
func rankedRows(people []rapport.Person, first int, next string, here int64) []agentRow {
	rows := make([]agentRow, len(people))
	for i := range people {
		rows[i] = agentRow{Person: &people[i], Rank: first + i, Next: next, Here: here}
	}
	return rows
}

// Prospects: agents ranked by production.

type prospectsPage struct {
	Base
	lookups
	Page       *store.ProspectPage
	Filter     url.Values
	Markets    []string
	Brokerages []store.CompanyRow
	Offices    map[int64][]store.CompanyRow
	Unattached []store.CompanyRow
	Stages     []rapport.Stage
	NextURL    string
	Form       *form
	// FiltersOn counts the filters set.
	FiltersOn int
}

// Param is a filter's value, for the form.
func (p *prospectsPage) Param(name string) string { return p.Filter.Get(name) }

// CurrentURL is this page, to come back to.
func (p *prospectsPage) CurrentURL() string { return "/recruiting?" + p.Filter.Encode() }

func (s *Server) prospects(w http.ResponseWriter, r *http.Request, a *account) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := newForm(q)
	fl := store.ProspectFilter{Market: q.Get("market"), Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	if v := q.Get("company"); v != "" {
		fl.CompanyID = int64(f.int("company", "Choose an office from the list."))
	}
	if v := q.Get("min_units"); v != "" {
		fl.MinUnits = f.int("min_units", "Use a whole number of units.")
	}
	switch q.Get("talked") {
	case "never":
		fl.NotTalkedDays = -1
	case "30", "90", "180", "365":
		fl.NotTalkedDays, _ = strconv.Atoi(q.Get("talked"))
	}
	if v := q.Get("stage"); v != "" {
		fl.StageID = int64(f.int("stage", "Choose a stage from the list."))
	}
	if q.Get("mine") == "1" {
		fl.OwnerID = a.user.ID
	}
	l, err := s.lookups(ctx, a)
	if err != nil {
		return err
	}
	page := &prospectsPage{Base: s.withFlash(w, r, a, "Prospects", "recruiting"), lookups: l, Filter: q, Form: f,
		Offices: map[int64][]store.CompanyRow{}, FiltersOn: filtersOn(q, "market", "company", "min_units", "talked", "stage", "mine")}
	for _, p := range l.Pipelines {
		if p.Kind == rapport.PipelineRecruiting {
			page.Stages = p.Stages
		}
	}
	if page.Markets, err = s.db.Markets(ctx, a.actor); err != nil {
		return err
	}
	all, err := s.db.Companies(ctx, a.actor, store.CompanyFilter{})
	if err != nil {
		return err
	}
	for _, c := range all {
		switch {
		case c.Kind == rapport.CompanyBrokerage:
			page.Brokerages = append(page.Brokerages, c)
		case c.ParentID == 0:
			page.Unattached = append(page.Unattached, c)
		default:
			page.Offices[c.ParentID] = append(page.Offices[c.ParentID], c)
		}
	}
	if f.Valid() {
		page.Page, err = s.db.Prospects(ctx, a.actor, fl)
		if err != nil && !f.absorb(err) {
			return err
		}
	}
	if page.Page == nil {
		page.Page = &store.ProspectPage{}
	}
	if page.Page.Next != "" {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("cursor", page.Page.Next)
		page.NextURL = "/recruiting?" + next.Encode()
	}
	s.render(w, r, http.StatusOK, "prospects", page)
	return nil
}

// addToToday puts a person on the user's Today, from a prospect list or
// a company page, and goes back there.
func (s *Server) addToToday(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(f.Get("person"), 10, 64)
	if err != nil {
		return errNotFound
	}
	p, err := s.db.Person(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	err = s.db.AddToToday(r.Context(), a.actor, p.ID, "Picked from the prospect list")
	switch {
	case rapport.ErrorCode(err) == rapport.EINVALID:
		// Marked do not call since the list was shown.
		s.flash(w, r, p.Name()+" is marked do not call, so they were not put on your Today.")
	case err != nil:
		return err
	default:
		s.flash(w, r, p.Name()+" is on your Today.")
	}
	return redirect(w, r, nextOr(f.Get("next"), "/recruiting"))
}

// The recruiting board.

type boardPage struct {
	Base
	Columns []store.BoardColumn
	Open    []store.BoardColumn
	Closed  []store.BoardColumn
	Mine    bool
	Form    *form
}

func (s *Server) board(w http.ResponseWriter, r *http.Request, a *account) error {
	mine := r.URL.Query().Get("mine") == "1"
	var owner int64 // everyone's the actor sees
	if mine {
		owner = a.user.ID
	}
	cols, err := s.db.RecruitingBoard(r.Context(), a.actor, owner, 25)
	if err != nil {
		return err
	}
	page := &boardPage{Base: s.withFlash(w, r, a, "Recruiting board", "recruiting"), Columns: cols, Mine: mine, Form: newForm(nil)}
	for _, c := range cols {
		if c.Stage.Closed {
			page.Closed = append(page.Closed, c)
		} else {
			page.Open = append(page.Open, c)
		}
	}
	s.render(w, r, http.StatusOK, "board", page)
	return nil
}

// boardMove moves an agent to a stage from the board, with the reason.
func (s *Server) boardMove(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(f.Get("person"), 10, 64)
	if err != nil {
		return errNotFound
	}
	stage, err := strconv.ParseInt(f.Get("stage"), 10, 64)
	if err != nil {
		stage = 0
	}
	p, err := s.db.Person(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	if p.Kind != rapport.KindRecruit {
		return errNotFound
	}
	if err := s.db.MoveOnBoard(r.Context(), a.actor, p.ID, stage, f.Get("reason")); err != nil {
		if rapport.ErrorCode(err) == rapport.EINVALID {
			s.flash(w, r, "Choose a stage of the recruiting pipeline.")
			return redirect(w, r, nextOr(f.Get("next"), "/recruiting/board"))
		}
		return err
	}
	msg := p.Name() + " moved."
	if st, err := s.db.PersonStage(r.Context(), a.actor, p.ID); err == nil && st != nil {
		msg = p.Name() + " moved to " + st.Name + "."
		if st.Key == rapport.StageJoined {
			msg = p.Name() + " joined — they leave the board and stay in People."
		}
	}
	s.flash(w, r, msg)
	return redirect(w, r, nextOr(f.Get("next"), "/recruiting/board"))
}

// Referrals.

type referralsPage struct {
	Base
	Referrers []store.Referrer
}

func (s *Server) referrals(w http.ResponseWriter, r *http.Request, a *account) error {
	refs, err := s.db.Referrers(r.Context(), a.actor)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "referrals", &referralsPage{Base: s.withFlash(w, r, a, "Referrals", "recruiting"), Referrers: refs})
	return nil
}

// Recruiting goals.

type recruitingGoalsPage struct {
	Base
	Mine     *rapport.RecruitingWeek
	Team     []rapport.RecruitingWeek
	Week     time.Time
	PrevWeek string
	NextWeek string
	Users    []rapport.User
	Form     *form
	Editing  int64
}

func (s *Server) recruitingGoals(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderRecruitingGoals(w, r, a, nil, 0, http.StatusOK)
}

func (s *Server) renderRecruitingGoals(w http.ResponseWriter, r *http.Request, a *account, f *form, editing int64, status int) error {
	ctx := r.Context()
	at := s.now()
	if v := r.URL.Query().Get("week"); v != "" {
		if d, err := rapport.ParseDay(v); err == nil {
			at = d.Start(a.loc).Add(12 * time.Hour)
		}
	}
	start := rapport.WeekStart(at, a.loc)
	page := &recruitingGoalsPage{Base: s.withFlash(w, r, a, "Recruiting goals", "recruiting"), Week: start, Form: f, Editing: editing,
		PrevWeek: string(rapport.DayOf(start, a.loc).AddDays(-7)), NextWeek: string(rapport.DayOf(start, a.loc).AddDays(7))}
	if page.Form == nil {
		page.Form = newForm(nil)
	}
	mine, err := s.db.RecruitingWeeks(ctx, a.actor, []rapport.User{*a.user}, at)
	if err != nil {
		return err
	}
	page.Mine = &mine[0]
	if a.actor.Runs() {
		users, err := s.db.Users(ctx, a.actor)
		if err != nil {
			return err
		}
		page.Users = users
		var managers []rapport.User
		for _, u := range users {
			if u.HiringManager() && u.DisabledAt.IsZero() {
				managers = append(managers, u)
			}
		}
		if page.Team, err = s.db.RecruitingWeeks(ctx, a.actor, managers, at); err != nil {
			return err
		}
	}
	s.render(w, r, status, "recruiting_goals", page)
	return nil
}

// recruitingTargets sets a user's weekly recruiting targets (owners and
// managers).
func (s *Server) recruitingTargets(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.db.User(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	u.RecruitLiveTarget = f.int("recruit_live_target", "Use a whole number.")
	u.RecruitMeetingTarget = f.int("recruit_meeting_target", "Use a whole number.")
	u.RecruitOfferTarget = f.int("recruit_offer_target", "Use a whole number.")
	if f.Valid() {
		err = s.db.SetRecruitingTargets(r.Context(), a.actor, u)
		if err == nil {
			s.flash(w, r, "Targets saved for "+u.DisplayName()+".")
			return redirect(w, r, "/recruiting/goals")
		}
		if !f.absorb(err) {
			return err
		}
	}
	return s.renderRecruitingGoals(w, r, a, f, u.ID, http.StatusUnprocessableEntity)
}
