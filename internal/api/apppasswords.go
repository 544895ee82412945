package api

import (
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// App passwords: what a phone's contacts app signs in to the key's
// user's read-only CardDAV address book (under /dav/) with.

type appPasswordJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
}

func toAppPassword(p *store.AppPassword) appPasswordJSON {
	return appPasswordJSON{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt.UTC(), LastUsedAt: timePtr(p.LastUsedAt)}
}

// listAppPasswords lists the key's user's working app passwords, newest
// first (never the passwords themselves).
func (s *Server) listAppPasswords(w http.ResponseWriter, r *http.Request, a *account) error {
	ps, err := s.db.AppPasswords(r.Context(), a.actor)
	if err != nil {
		return err
	}
	items := make([]appPasswordJSON, len(ps))
	for i := range ps {
		items[i] = toAppPassword(&ps[i])
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

// createAppPassword makes the key's user an app password for the device
// named, and answers it this once, with what to type where.
func (s *Server) createAppPassword(w http.ResponseWriter, r *http.Request, a *account) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	p, secret, err := s.db.CreateAppPassword(r.Context(), a.actor, in.Name)
	if err != nil {
		return err
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	writeJSON(w, http.StatusCreated, struct {
		appPasswordJSON
		Password string `json:"password"`
		Username string `json:"username"`
		Server   string `json:"server"`
		URL      string `json:"url"`
	}{toAppPassword(p), secret, a.user.Email, r.Host, scheme + "://" + r.Host + "/dav/"})
	return nil
}

// deleteAppPassword revokes one of the key's user's app passwords.
func (s *Server) deleteAppPassword(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.RevokeAppPassword(r.Context(), a.actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
