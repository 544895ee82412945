package api

import (
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, rapport.NotFound("resource")
	}
	return id, nil
}

func (s *Server) stages(r *http.Request, a *account) (map[int64]*rapport.Stage, error) {
	ps, err := s.db.Pipelines(r.Context(), a.actor)
	if err != nil {
		return nil, err
	}
	m := store.Stages(ps)
	for _, p := range ps {
		for i := range p.Stages {
			m[p.Stages[i].ID].PipelineID = p.ID
		}
	}
	return m, nil
}

func (s *Server) listPeople(w http.ResponseWriter, r *http.Request, a *account) error {
	q := r.URL.Query()
	f, err := store.ParsePeopleFilter(q, a.user.ID)
	if err != nil {
		return err
	}
	if f.Limit, err = queryInt(q.Get("limit"), "limit", 50); err != nil {
		return err
	}
	page, err := s.db.ListPeople(r.Context(), a.actor, f)
	if err != nil {
		return err
	}
	stages, err := s.stages(r, a)
	if err != nil {
		return err
	}
	items := make([]personJSON, len(page.People))
	for i := range page.People {
		items[i] = toPerson(&page.People[i], stages)
	}
	writeJSON(w, http.StatusOK, newList(items, page.Next))
	return nil
}

func (s *Server) getPerson(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.db.Person(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	records, err := s.db.Records(r.Context(), a.actor, p.ID)
	if err != nil {
		return err
	}
	out := toPerson(p, nil)
	out.Imported = toRecords(records)
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) createPerson(w http.ResponseWriter, r *http.Request, a *account) error {
	var in personInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	p := &rapport.Person{Kind: rapport.KindLead, OwnerID: a.user.ID}
	if err := in.applyTo(p, a.org.Region); err != nil {
		return err
	}
	if err := s.db.CreatePerson(r.Context(), a.actor, p); err != nil {
		return err
	}
	return s.respondPerson(w, r, a, p.ID, http.StatusCreated)
}

// respondPerson answers a write with the person as it left them, even one
// the key's user has just given to a colleague.
func (s *Server) respondPerson(w http.ResponseWriter, r *http.Request, a *account, id int64, status int) error {
	p, err := s.db.Person(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", Prefix+"/people/"+strconv.FormatInt(id, 10))
	}
	writeJSON(w, status, toPerson(p, nil))
	return nil
}

// updatePerson changes the fields the body names and leaves the rest. A
// "version" in the body must match the person's, or the change is refused
// with a conflict (someone changed them since it was read).
func (s *Server) updatePerson(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.db.Person(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	var in personInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if err := in.applyTo(p, a.org.Region); err != nil {
		return err
	}
	if err := s.db.UpdatePerson(r.Context(), a.actor, p); err != nil {
		return err
	}
	return s.respondPerson(w, r, a, id, http.StatusOK)
}

func (s *Server) archivePerson(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.setArchived(w, r, a, true)
}

func (s *Server) restorePerson(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.setArchived(w, r, a, false)
}

func (s *Server) setArchived(w http.ResponseWriter, r *http.Request, a *account, archived bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.ArchivePerson(r.Context(), a.actor, id, archived); err != nil {
		return err
	}
	return s.respondPerson(w, r, a, id, http.StatusOK)
}
