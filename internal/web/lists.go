package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// listsPage shows the user's saved lists and the team's shared ones, with
// how many people each holds now.
type listsPage struct {
	Base
	Lists []store.SavedList
	Form  *form
}

func (s *Server) listsPage(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderLists(w, r, a, newForm(nil), http.StatusOK)
}

func (s *Server) renderLists(w http.ResponseWriter, r *http.Request, a *account, f *form, status int) error {
	ls, err := s.db.SavedLists(r.Context(), a.actor)
	if err != nil {
		return err
	}
	s.render(w, r, status, "lists", &listsPage{Base: s.withFlash(w, r, a, "Saved lists", "people"), Lists: ls, Form: f})
	return nil
}

func (s *Server) listSave(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	l := &store.SavedList{Name: f.Get("name"), Query: f.Get("query"), Shared: f.Checked("shared") || f.Get("shared") == "1"}
	if err := s.db.SaveList(r.Context(), a.actor, l); err != nil {
		if !f.absorb(err) {
			return err
		}
		return s.renderLists(w, r, a, f, http.StatusUnprocessableEntity)
	}
	s.flash(w, r, "List saved: call through it from here.")
	return redirect(w, r, "/lists")
}

func (s *Server) listDelete(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DeleteList(r.Context(), a.actor, id); err != nil {
		return err
	}
	s.flash(w, r, "List deleted.")
	return redirect(w, r, "/lists")
}

// listItems are a saved list's people as the call session works them: in
// the list's order, without those who may not be called or were worked
// today, each with the list as the reason and their context card.
func (s *Server) listItems(ctx context.Context, a *account, id int64) (*store.SavedList, []todayItem, error) {
	l, err := s.db.SavedList(ctx, a.actor, id)
	if err != nil {
		return nil, nil, err
	}
	people, err := s.db.ListPeopleOf(ctx, a.actor, l, 200)
	if err != nil {
		return nil, nil, err
	}
	dayStart := rapport.DayOf(s.now(), a.loc).Start(a.loc)
	var keep []*rapport.Person
	for i := range people {
		p := &people[i]
		if p.DoNotCall || p.Archived() || !p.LastAttemptAt.Before(dayStart) || !p.LastLiveAt.Before(dayStart) {
			continue
		}
		keep = append(keep, p)
	}
	cards, err := s.db.ContextCards(ctx, a.actor, keep)
	if err != nil {
		return nil, nil, err
	}
	items := make([]todayItem, len(keep))
	for i, p := range keep {
		e := rapport.TodayEntry{Person: p, Reasons: []rapport.Reason{{Kind: "list", Text: "On your list “" + l.Name + "”"}}}
		e.CallableNow, e.CallableAt, e.LocalTime = rapport.CallingWindow(s.now(), p.Location(a.org.Location()))
		items[i] = todayItem{TodayEntry: e, Card: cards[p.ID]}
	}
	return l, items, nil
}

// listParam reads the call session's list, 0 for Today.
func listParam(v string) int64 {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}
