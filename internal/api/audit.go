package api

import (
	"net/http"
	"strconv"
	"time"
)

type auditEntryJSON struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	UserID   *int64    `json:"userId"`
	UserName string    `json:"userName"`
	Action   string    `json:"action"`
	Entity   string    `json:"entity"`
	EntityID *int64    `json:"entityId"`
	Summary  string    `json:"summary"`
}

// listAudit pages through the organisation's audit log, newest first, for
// owners and managers. The cursor is the id to continue before.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, a *account) error {
	q := r.URL.Query()
	before, err := queryID(q.Get("cursor"), "cursor")
	if err != nil {
		return err
	}
	limit, err := queryInt(q.Get("limit"), "limit", 50)
	if err != nil {
		return err
	}
	es, next, err := s.db.AuditPage(r.Context(), a.actor, before, limit)
	if err != nil {
		return err
	}
	items := make([]auditEntryJSON, len(es))
	for i, e := range es {
		items[i] = auditEntryJSON{ID: e.ID, At: e.At.UTC(), UserID: idPtr(e.UserID), UserName: e.UserName, Action: e.Action,
			Entity: e.Entity, EntityID: idPtr(e.EntityID), Summary: e.Summary}
	}
	cursor := ""
	if next != 0 {
		cursor = strconv.FormatInt(next, 10)
	}
	writeJSON(w, http.StatusOK, newList(items, cursor))
	return nil
}
