package api

import (
	"context"
	"net/http"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Where the organisation keeps people private to their owner, a key of an
// agent reaches only that agent's people and their records. Every
// endpoint that names a person, or a conversation or follow-up of one,
// loads it through these, so that a hidden one answers 404 exactly as
// another organisation's does; lists pass visibleTo to the store, which
// leaves hidden people out.

// visibleTo is the key's user's VisibleTo for the store's filters: 0 when
// they see everyone.
func (a *account) visibleTo() int64 { return a.org.OnlyOwner(a.user) }

// person loads a person the key's user may see.
func (s *Server) person(ctx context.Context, a *account, id int64) (*rapport.Person, error) {
	return s.db.Person(ctx, a.actor, id)
}

// seePerson reports a not-found error unless the key's user may see the
// person with this id.
func (s *Server) seePerson(ctx context.Context, a *account, id int64) error {
	return s.db.CheckVisible(ctx, a.actor, id)
}

// personPathID returns the {id} of the path when it names a person the
// key's user may see.
func (s *Server) personPathID(r *http.Request, a *account) (int64, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	return id, s.seePerson(r.Context(), a, id)
}

// conversation loads a conversation with a person the key's user may see.
func (s *Server) conversation(ctx context.Context, a *account, id int64) (*rapport.Conversation, error) {
	return s.db.Conversation(ctx, a.actor, id)
}

// followUp loads a follow-up with a person the key's user may see.
func (s *Server) followUp(ctx context.Context, a *account, id int64) (*rapport.FollowUp, error) {
	return s.db.FollowUp(ctx, a.actor, id)
}

// checkReferrer refuses a referrer the key's user may not see, unless the
// person already had them (was), as the store refuses one of another
// organisation.
func (s *Server) checkReferrer(ctx context.Context, a *account, referrerID, was int64) error {
	if referrerID == 0 || referrerID == was {
		return nil
	}
	if err := s.seePerson(ctx, a, referrerID); err != nil {
		if rapport.ErrorCode(err) != rapport.ENOTFOUND {
			return err
		}
		return &rapport.Error{Code: rapport.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"referred_by": "No such person to have referred them."}}
	}
	return nil
}
