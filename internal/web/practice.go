package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Practice drills: answer an objection in writing and get each feedback
// rule's verdict at once, then the playbook's responses and why they
// work. Owners and managers assign sets of objections to practise.

// drillHistoryLimit bounds the history read to tell which objections of
// a set have been practised since it was assigned.
const drillHistoryLimit = 200

// drillRules is how many rules a response is checked against.
var drillRules = len(rapport.Assess("").Checks)

type practicePage struct {
	Base
	Streak int
	// Today is set once the user has practised today.
	Today bool
	// Sets are the user's assigned drill sets, newest first.
	Sets []drillSet
	// Clients and Recruits are each audience's live objections.
	Clients, Recruits []rapport.Entry
	// History is the user's latest practice.
	History []historyRow
	// Manager pages carry the assign form.
	Manager    bool
	Users      []rapport.User
	AssignForm *form
}

// drillSet is an assignment with each objection and whether it has been
// practised since.
type drillSet struct {
	store.DrillAssignment
	By    string
	Items []drillItem
	// Next is the first objection not yet practised, or nil when done.
	Next *drillItem
}

type drillItem struct {
	Entry rapport.Entry
	Done  bool
}

// Done counts the set's objections practised.
func (d *drillSet) Done() int {
	n := 0
	for _, it := range d.Items {
		if it.Done {
			n++
		}
	}
	return n
}

// URL is the drill of an item of the set.
func (d *drillSet) URL(it drillItem) string { return drillURL(it.Entry.Key, d.ID) }

// historyRow is a practice response with its objection's text and how
// many rules it was checked against.
type historyRow struct {
	store.DrillAttempt
	Text string
	Of   int
	// Live is false once the objection was retired or deleted.
	Live bool
}

func drillURL(key string, set int64) string {
	u := "/practice/" + url.PathEscape(key)
	if set != 0 {
		u += "?set=" + strconv.FormatInt(set, 10)
	}
	return u
}

// URL is the drill of an objection.
func (p *practicePage) URL(e rapport.Entry) string { return drillURL(e.Key, 0) }

// Picked reports whether the assign form has key ticked.
func (p *practicePage) Picked(key string) bool {
	return p.AssignForm != nil && contains(p.AssignForm.List("objection"), key)
}

// drillSets reads the user's assignments with their progress: an
// objection counts as practised once answered after the set was assigned.
func (s *Server) drillSets(ctx context.Context, a *account, pb *rapport.Playbook, history []store.DrillAttempt) ([]drillSet, error) {
	as, err := s.db.DrillAssignments(ctx, a.actor, a.user.ID)
	if err != nil {
		return nil, err
	}
	names, err := s.userNames(ctx, a)
	if err != nil {
		return nil, err
	}
	var sets []drillSet
	for _, as := range as {
		set := drillSet{DrillAssignment: as, By: names[as.AssignedBy]}
		for _, k := range as.Keys() {
			e, ok := pb.Find(rapport.EntryObjection, k)
			if !ok || e.Retired {
				continue
			}
			it := drillItem{Entry: e}
			for _, h := range history {
				if h.Objection == k && !h.CreatedAt.Before(as.CreatedAt) {
					it.Done = true
					break
				}
			}
			set.Items = append(set.Items, it)
		}
		for i := range set.Items {
			if !set.Items[i].Done {
				set.Next = &set.Items[i]
				break
			}
		}
		if len(set.Items) > 0 {
			sets = append(sets, set)
		}
	}
	return sets, nil
}

func (s *Server) userNames(ctx context.Context, a *account) (map[int64]string, error) {
	users, err := s.db.Users(ctx, a.actor)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, u := range users {
		out[u.ID] = u.DisplayName()
	}
	return out, nil
}

func (s *Server) practice(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderPractice(w, r, a, nil, http.StatusOK)
}

func (s *Server) renderPractice(w http.ResponseWriter, r *http.Request, a *account, f *form, status int) error {
	ctx := r.Context()
	pb, err := s.db.Playbook(ctx, a.actor)
	if err != nil {
		return err
	}
	history, err := s.db.DrillHistory(ctx, a.actor, a.user.ID, drillHistoryLimit)
	if err != nil {
		return err
	}
	days, err := s.db.PracticeDays(ctx, a.actor, a.user.ID)
	if err != nil {
		return err
	}
	page := &practicePage{Base: s.withFlash(w, r, a, "Practice", "playbook"), Streak: rapport.PracticeStreak(s.now(), a.loc, days),
		Clients: pb.Objections(rapport.AudienceClients), Recruits: pb.Objections(rapport.AudienceRecruits), AssignForm: f}
	today := rapport.DayOf(s.now(), a.loc)
	for _, d := range days {
		page.Today = page.Today || rapport.DayOf(d, a.loc) == today
	}
	if page.Sets, err = s.drillSets(ctx, a, pb, history); err != nil {
		return err
	}
	for _, h := range history[:min(len(history), 8)] {
		row := historyRow{DrillAttempt: h, Text: h.Objection, Of: drillRules}
		if e, ok := pb.Find(rapport.EntryObjection, h.Objection); ok {
			row.Text, row.Live = e.Text, !e.Retired
		}
		page.History = append(page.History, row)
	}
	if a.actor.Runs() {
		page.Manager = true
		users, err := s.db.Users(ctx, a.actor)
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.DisabledAt.IsZero() {
				page.Users = append(page.Users, u)
			}
		}
		if page.AssignForm == nil {
			page.AssignForm = newForm(nil)
		}
	}
	s.render(w, r, status, "practice", page)
	return nil
}

// assignDrills asks a user to practise a set of objections (owners and
// managers).
func (s *Server) assignDrills(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	var keys []string
	for _, k := range f.List("objection") {
		if k = strings.TrimSpace(k); k != "" && !contains(keys, k) {
			keys = append(keys, k)
		}
	}
	team, err := s.db.Roster(r.Context(), a.actor)
	if err != nil {
		return err
	}
	if pickTeam(f, team.Active, drillUserField); !f.Valid() {
		return s.renderPractice(w, r, a, f, http.StatusUnprocessableEntity)
	}
	uid, _ := strconv.ParseInt(f.Get("user"), 10, 64)
	d, err := s.db.AssignDrills(r.Context(), a.actor, uid, keys, f.Get("note"))
	switch {
	case err == nil:
		who := "them"
		if u, err := s.db.User(r.Context(), a.actor, d.UserID); err == nil {
			who = u.DisplayName()
		}
		s.flash(w, r, "Drill set assigned to "+who+".")
		return redirect(w, r, "/practice")
	case rapport.ErrorCode(err) == rapport.ENOTFOUND:
		f.addErr("user", "Choose someone in your organisation.")
	case !f.absorb(err):
		return err
	}
	return s.renderPractice(w, r, a, f, http.StatusUnprocessableEntity)
}

type drillPage struct {
	Base
	Entry    rapport.Entry
	Scenario string
	Form     *form
	// Feedback is set once a response was assessed.
	Feedback *rapport.Feedback
	// Set is the assigned set the drill came from; Next the objection to
	// practise after this one.
	Set  *drillSet
	Next *drillItem
	// NextURL is Next's drill.
	NextURL string
}

// scenario sets the scene for an objection in a line.
func scenario(e *rapport.Entry) string {
	if e.Audience == rapport.AudienceRecruits {
		return "You call a productive agent at another brokerage. A minute in, they say:"
	}
	return "You are on the phone with a lead. A minute in, they say:"
}

// drillTarget finds the objection of the path, live; and the assigned
// set of ?set= (or the form's), when it is the user's.
func (s *Server) drillTarget(r *http.Request, a *account, setParam string) (*drillPage, error) {
	ctx := r.Context()
	pb, err := s.db.Playbook(ctx, a.actor)
	if err != nil {
		return nil, err
	}
	e, ok := pb.Find(rapport.EntryObjection, strings.ToLower(strings.TrimSpace(r.PathValue("key"))))
	if !ok || e.Retired {
		return nil, rapport.NotFound("objection")
	}
	page := &drillPage{Entry: e, Scenario: scenario(&e)}
	if setID, err := strconv.ParseInt(setParam, 10, 64); err == nil && setID > 0 {
		history, err := s.db.DrillHistory(ctx, a.actor, a.user.ID, drillHistoryLimit)
		if err != nil {
			return nil, err
		}
		sets, err := s.drillSets(ctx, a, pb, history)
		if err != nil {
			return nil, err
		}
		for i := range sets {
			if sets[i].ID == setID {
				page.Set = &sets[i]
			}
		}
	}
	if page.Set != nil {
		for i := range page.Set.Items {
			if it := &page.Set.Items[i]; !it.Done && it.Entry.Key != e.Key {
				page.Next, page.NextURL = it, page.Set.URL(*it)
				break
			}
		}
	} else {
		// Otherwise the next objection for the same audience, round.
		objs := pb.Objections(e.Audience)
		for i := range objs {
			if objs[i].Key == e.Key && len(objs) > 1 {
				it := drillItem{Entry: objs[(i+1)%len(objs)]}
				page.Next, page.NextURL = &it, drillURL(it.Entry.Key, 0)
			}
		}
	}
	return page, nil
}

// SetParam is the set's id for the form, or "".
func (p *drillPage) SetParam() string {
	if p.Set == nil {
		return ""
	}
	return strconv.FormatInt(p.Set.ID, 10)
}

func (s *Server) drill(w http.ResponseWriter, r *http.Request, a *account) error {
	page, err := s.drillTarget(r, a, r.URL.Query().Get("set"))
	if err != nil {
		return err
	}
	page.Base, page.Form = s.withFlash(w, r, a, "Practice: "+page.Entry.Text, "playbook"), newForm(nil)
	s.render(w, r, http.StatusOK, "practice_drill", page)
	return nil
}

// drillAnswer assesses a response and shows the feedback with the
// playbook's responses, keeping what was typed to try again.
func (s *Server) drillAnswer(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	page, err := s.drillTarget(r, a, f.Get("set"))
	if err != nil {
		return err
	}
	page.Base, page.Form = s.basePage(r, a, "Practice: "+page.Entry.Text), f
	page.Active = "playbook"
	_, fb, err := s.db.Practise(r.Context(), a.actor, page.Entry.Key, f.Values.Get("response"))
	status := http.StatusOK
	switch {
	case err == nil:
		page.Feedback = &fb
		if page.Set != nil {
			for i := range page.Set.Items {
				if page.Set.Items[i].Entry.Key == page.Entry.Key {
					page.Set.Items[i].Done = true
				}
			}
		}
	case f.absorb(err):
		status = http.StatusUnprocessableEntity
	default:
		return err
	}
	s.render(w, r, status, "practice_drill", page)
	return nil
}
