package web

import (
	"net/http"
	"strconv"

	"github.com/rapport-crm/rapport/internal/store"
)

// auditPageSize is how many entries the audit log shows a page.
const auditPageSize = 50

type auditPage struct {
	Base
	Entries []store.AuditEntry
	// Before is the entry this page starts before (0: the newest).
	Before int64
	// Older is the link to the next page back, or "".
	Older string
}

// EntityURL links an entry to what it is about, where that has a page.
func (p *auditPage) EntityURL(e store.AuditEntry) string {
	if e.EntityID == 0 {
		return ""
	}
	switch e.Entity {
	case "person":
		return personURL(e.EntityID)
	case "company":
		return "/companies/" + strconv.FormatInt(e.EntityID, 10)
	case "import":
		return "/import/" + strconv.FormatInt(e.EntityID, 10)
	}
	return ""
}

// auditLog shows owners and managers who did what, newest first, a page
// at a time (?before=ID continues from an entry).
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, a *account) error {
	before, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if err != nil || before < 0 {
		before = 0
	}
	es, next, err := s.db.AuditPage(r.Context(), a.actor, before, auditPageSize)
	if err != nil {
		return err
	}
	page := &auditPage{Base: s.withFlash(w, r, a, "Audit log", "users"), Entries: es, Before: before}
	if next != 0 {
		page.Older = "/audit?before=" + strconv.FormatInt(next, 10)
	}
	s.render(w, r, http.StatusOK, "audit", page)
	return nil
}
