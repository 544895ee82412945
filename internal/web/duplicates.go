package web

import (
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

type duplicatesPage struct {
	Base
	lookups
	Groups []store.DuplicateGroup
}

// duplicates lists people who are probably the same person.
func (s *Server) duplicates(w http.ResponseWriter, r *http.Request, a *account) error {
	groups, err := s.db.Duplicates(r.Context(), a.actor, 50)
	if err != nil {
		return err
	}
	l, err := s.lookups(r.Context(), a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "duplicates", &duplicatesPage{Base: s.withFlash(w, r, a, "Possible duplicates", "people"), lookups: l, Groups: groups})
	return nil
}

// mergePeople folds one person into another.
func (s *Server) mergePeople(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	keep, _ := strconv.ParseInt(f.Get("keep"), 10, 64)
	drop, _ := strconv.ParseInt(f.Get("drop"), 10, 64)
	if keep == 0 || drop == 0 {
		return rapport.Errorf(rapport.EINVALID, "Choose the two people to merge.")
	}
	for _, id := range []int64{keep, drop} {
		if err := s.db.CheckVisible(r.Context(), a.actor, id); err != nil {
			return err
		}
	}
	p, err := s.db.MergePeople(r.Context(), a.actor, keep, drop)
	if err != nil {
		return err
	}
	s.flash(w, r, "Merged into "+p.Name()+": every conversation, fact, follow-up and referral is now theirs.")
	if f.Get("next") == "person" {
		return redirect(w, r, personURL(p.ID))
	}
	return redirect(w, r, "/duplicates")
}

// markDistinct records that the people of a group are different people
// (a couple on one phone), so that the group is not offered again.
func (s *Server) markDistinct(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	var ids []int64
	for _, v := range f.Values["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return rapport.Errorf(rapport.EINVALID, "Choose the people who are different.")
		}
		if err := s.db.CheckVisible(r.Context(), a.actor, id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if err := s.db.MarkDistinct(r.Context(), a.actor, ids); err != nil {
		return err
	}
	s.flash(w, r, "Kept apart: they will not be offered as duplicates again.")
	return redirect(w, r, "/duplicates")
}
