package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// listJSON is a saved list: its filters as the people list's query, and
// how many people it holds for the caller now (more: at least that many).
type listJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Query     string    `json:"query"`
	Shared    bool      `json:"shared"`
	OwnerID   int64     `json:"ownerId"`
	Count     int       `json:"count"`
	More      bool      `json:"more"`
	CreatedAt time.Time `json:"createdAt"`
}

func toList(l *store.SavedList) listJSON {
	return listJSON{ID: l.ID, Name: l.Name, Query: l.Query, Shared: l.Shared, OwnerID: l.UserID, Count: l.Count, More: l.More,
		CreatedAt: l.CreatedAt.UTC()}
}

func (s *Server) listLists(w http.ResponseWriter, r *http.Request, a *account) error {
	ls, err := s.db.SavedLists(r.Context(), a.actor)
	if err != nil {
		return err
	}
	out := []listJSON{}
	for i := range ls {
		out = append(out, toList(&ls[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// listInput is a list to save: its filters as a people-list query
// ("kind=client&unknown=motivation") or as fields, merged.
type listInput struct {
	Name    string            `json:"name"`
	Query   string            `json:"query"`
	Filters map[string]string `json:"filters"`
	Shared  bool              `json:"shared"`
}

func (s *Server) createList(w http.ResponseWriter, r *http.Request, a *account) error {
	var in listInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	q, err := url.ParseQuery(in.Query)
	if err != nil {
		q = url.Values{"query": {in.Query}} // refused below, by the store
	}
	for k, v := range in.Filters {
		q.Set(k, v)
	}
	l := &store.SavedList{Name: in.Name, Query: q.Encode(), Shared: in.Shared}
	if err := s.db.SaveList(r.Context(), a.actor, l); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toList(l))
	return nil
}

func (s *Server) deleteList(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DeleteList(r.Context(), a.actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listPeopleOf lists a saved list's people (the first 200), as the people
// list shows them.
func (s *Server) listPeopleOf(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := s.db.SavedList(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	people, err := s.db.ListPeopleOf(r.Context(), a.actor, l, 200)
	if err != nil {
		return err
	}
	stages, err := s.stages(r, a)
	if err != nil {
		return err
	}
	items := make([]personJSON, len(people))
	for i := range people {
		items[i] = toPerson(&people[i], stages)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}
