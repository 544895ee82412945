package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/rapport-crm/rapport/internal/calendar"
)

// calendarFeed serves a user's calendar to the calendar app that holds
// its secret link; an unknown or turned-off link is not found.
func (s *Server) calendarFeed(w http.ResponseWriter, r *http.Request) error {
	token := strings.TrimSuffix(r.PathValue("token"), ".ics")
	c, err := s.db.CalendarFor(r.Context(), token)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := calendar.Write(&buf, c, s.siteURL(r), s.now()); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="rapport.ics"`)
	h.Set("Cache-Control", "private, no-cache")
	// The link is a password: keep it out of referrers and indexes.
	h.Set("X-Robots-Tag", "noindex")
	w.Write(buf.Bytes())
	return nil
}

// calendarCreate makes the user a new calendar link (the old one stops
// working) and shows it this once.
func (s *Server) calendarCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	token, err := s.db.CreateCalendarFeed(r.Context(), a.actor)
	if err != nil {
		return err
	}
	url := s.siteURL(r) + "/calendar/" + token + ".ics"
	return s.renderSettings(w, r, a, &settingsPage{CalendarURL: url,
		CalendarWebcal: template.URL("webcal://" + strings.TrimPrefix(strings.TrimPrefix(url, "https://"), "http://"))}, http.StatusOK)
}

func (s *Server) calendarRevoke(w http.ResponseWriter, r *http.Request, a *account) error {
	if err := s.db.RevokeCalendarFeed(r.Context(), a.actor); err != nil {
		return err
	}
	s.flash(w, r, "Your calendar link is turned off; calendars that subscribed to it get nothing more.")
	return redirect(w, r, "/settings#calendar")
}
