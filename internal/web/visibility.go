package web

import (
	"context"
	"net/http"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Where the organisation keeps people private to their owner, an agent
// sees and changes only their own people and those people's records. Every
// handler that names a person, or a conversation or follow-up of one,
// loads it through these, so that a hidden one is not found, exactly as
// another organisation's is; lists pass visibleTo to the store, which
// leaves hidden people out.

// visibleTo is the user's VisibleTo for the store's filters: 0 when they
// see everyone.
func (a *account) visibleTo() int64 { return a.org.OnlyOwner(a.user) }

// person loads a person the user may see.
func (s *Server) person(ctx context.Context, a *account, id int64) (*rapport.Person, error) {
	return s.db.Person(ctx, a.actor, id)
}

// personPathID returns the {id} of the path when it names a person the
// user may see, for handlers that change a person without loading them.
func (s *Server) personPathID(r *http.Request, a *account) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	return id, s.db.CheckVisible(r.Context(), a.actor, id)
}

// conversation loads a conversation with a person the user may see.
func (s *Server) conversation(ctx context.Context, a *account, id int64) (*rapport.Conversation, error) {
	return s.db.Conversation(ctx, a.actor, id)
}

// followUp loads a follow-up with a person the user may see.
func (s *Server) followUp(ctx context.Context, a *account, id int64) (*rapport.FollowUp, error) {
	return s.db.FollowUp(ctx, a.actor, id)
}

// loadImport loads an import the user may see: where people are private
// to their owner, an agent sees only the files they uploaded, which name
// people they may not see.
func (s *Server) loadImport(ctx context.Context, a *account, id int64, withContent bool) (*store.ImportJob, error) {
	j, err := s.db.ImportJob(ctx, a.actor, id, withContent)
	if err != nil {
		return nil, err
	}
	if only := a.visibleTo(); only != 0 && j.UserID != only {
		return nil, rapport.NotFound("import")
	}
	return j, nil
}
