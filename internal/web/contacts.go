package web

import (
	"net/http"
	"strings"
)

// Contacts on the phone: app passwords for the read-only CardDAV address
// book (served by internal/carddav under /dav/), made, listed and revoked
// in Settings.

// contactsSetup is what the settings page says about the address book.
type contactsSetup struct {
	// Server is this site's host, for a phone's "Server" field; URL the
	// address books' root, for apps that want one.
	Server, URL string
	// NewPassword is an app password just made, shown this once, with
	// the name it was given.
	NewPassword, NewName string
}

func (s *Server) contactsSetup(r *http.Request) contactsSetup {
	site := s.siteURL(r)
	return contactsSetup{Server: strings.TrimPrefix(strings.TrimPrefix(site, "https://"), "http://"), URL: site + "/dav/"}
}

// appPasswordCreate makes the user an app password for a device and shows
// it this once.
func (s *Server) appPasswordCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	p, secret, err := s.db.CreateAppPassword(r.Context(), a.actor, f.Get("name"))
	if err != nil {
		if !f.absorb(err) {
			return err
		}
		return s.renderSettings(w, r, a, &settingsPage{AppPasswordForm: f}, http.StatusUnprocessableEntity)
	}
	page := &settingsPage{}
	page.Contacts.NewPassword, page.Contacts.NewName = secret, p.Name
	return s.renderSettings(w, r, a, page, http.StatusOK)
}

// appPasswordRevoke ends one of the user's app passwords.
func (s *Server) appPasswordRevoke(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.RevokeAppPassword(r.Context(), a.actor, id); err != nil {
		return err
	}
	s.flash(w, r, "App password revoked: the device that used it syncs your contacts no more.")
	return redirect(w, r, "/settings#contacts")
}
