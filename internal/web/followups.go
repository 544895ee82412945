package web

import (
	"net/http"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func (s *Server) followUpCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	fu := followUpFromForm(f, "", a, s.now())
	if fu == nil {
		f.addErr("followup.due", "Choose when it is due.")
	}
	if f.Valid() {
		fu.PersonID = id
		err := s.db.CreateFollowUp(r.Context(), a.actor, fu)
		if err == nil {
			s.flash(w, r, "Follow-up set for "+fu.DueOn.Format("Mon 2 Jan")+".")
			return redirect(w, r, personURL(id)+"#followups")
		}
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			return err
		}
		if !absorbPrefixed(f, err, map[string]string{"due": "followup.due", "note": "followup.note", "kind": "followup.kind",
			"owes": "followup.owes", "due_time": "followup.due_time"}) {
			return err
		}
	}
	return s.renderPerson(w, r, a, nil, f, http.StatusUnprocessableEntity)
}

type followUpsPage struct {
	Base
	Scope    string
	Overdue  fuList
	DueToday fuList
	Upcoming fuList
	Theirs   fuList
}

// fuList is one section of the follow-ups page.
type fuList struct {
	Items []rapport.FollowUp
	// Names names whose follow-up each is, when showing everyone's.
	Names map[int64]string
}

// followUpList shows open follow-ups: overdue, due today, the next month,
// and the promises other people made. Scope "all" shows everyone's.
func (s *Server) followUpList(w http.ResponseWriter, r *http.Request, a *account) error {
	ctx := r.Context()
	scope := r.URL.Query().Get("scope")
	filter := store.FollowUpFilter{UserID: a.user.ID, Limit: 500}
	if scope == "all" {
		filter.UserID = 0
	} else {
		scope = "mine"
	}
	today := rapport.DayOf(s.now(), a.loc)
	page := &followUpsPage{Base: s.withFlash(w, r, a, "Follow-ups", "followups"), Scope: scope}
	var names map[int64]string
	if scope == "all" {
		l, err := s.lookups(ctx, a)
		if err != nil {
			return err
		}
		names = l.UserNames
	}
	load := func(into *fuList, f store.FollowUpFilter) error {
		items, err := s.db.FollowUps(ctx, a.actor, f)
		*into = fuList{Items: items, Names: names}
		return err
	}
	mine := filter
	mine.Owes = rapport.OwesMe
	mine.DueTo = today.AddDays(-1)
	if err := load(&page.Overdue, mine); err != nil {
		return err
	}
	mine.DueFrom, mine.DueTo = today, today
	if err := load(&page.DueToday, mine); err != nil {
		return err
	}
	mine.DueFrom, mine.DueTo = today.AddDays(1), today.AddMonths(1)
	if err := load(&page.Upcoming, mine); err != nil {
		return err
	}
	theirs := filter
	theirs.Owes = rapport.OwesThem
	if err := load(&page.Theirs, theirs); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "followups", page)
	return nil
}

func (s *Server) followUpDone(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.closeFollowUp(w, r, a, rapport.FollowUpDone)
}

func (s *Server) followUpCancel(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.closeFollowUp(w, r, a, rapport.FollowUpCancelled)
}

func (s *Server) closeFollowUp(w http.ResponseWriter, r *http.Request, a *account, status rapport.FollowUpStatus) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if _, err := s.db.FollowUp(r.Context(), a.actor, id); err != nil {
		return err
	}
	err = s.db.CloseFollowUp(r.Context(), a.actor, id, status)
	switch {
	case err == nil && status == rapport.FollowUpDone:
		s.flash(w, r, "Marked done.")
	case err == nil:
		s.flash(w, r, "Cancelled.")
	case rapport.ErrorCode(err) == rapport.ECONFLICT:
		s.flash(w, r, rapport.ErrorMessage(err))
	default:
		return err
	}
	return redirect(w, r, safeNext(f.Get("next")))
}
