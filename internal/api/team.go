package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Running the team through the API: what an owner (or, for agents, a
// manager) does on a member's web page, and every key of the
// organisation. The role rules are the store's (rapport.User's
// CanManageMember and CanChangeRoles).

// disabledJSON is what disabling someone did.
type disabledJSON struct {
	User           userJSON `json:"user"`
	HandedTo       *int64   `json:"handedTo"`
	People         int64    `json:"people"`
	FollowUps      int64    `json:"followUps"`
	RoutingRules   int64    `json:"routingRules"`
	CallBlocks     int64    `json:"callBlocks"`
	CallBlocksKept int64    `json:"callBlocksKept"`
	SessionsEnded  int64    `json:"sessionsEnded"`
	KeysRevoked    int64    `json:"keysRevoked"`
}

type disableInput struct {
	HandTo int64 `json:"handTo"`
}

// renamed gives a store error's field its JSON name.
func renamed(err error, from, to string) error {
	var e *rapport.Error
	if !errors.As(err, &e) || e.Fields[from] == "" {
		return err
	}
	out := &rapport.Error{Code: e.Code, Message: e.Message, Fields: map[string]string{}}
	for k, v := range e.Fields {
		if k == from {
			k = to
		}
		out.Fields[k] = v
	}
	return out
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in disableInput
	// The body may be left out when they hold nothing to hand over.
	if r.ContentLength != 0 {
		if err := decode(w, r, &in, false); err != nil {
			return err
		}
	}
	h, err := s.db.DisableUser(r.Context(), a.actor, id, in.HandTo)
	if err != nil {
		return renamed(err, "hand_to", "handTo")
	}
	u, err := s.db.User(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	out := disabledJSON{User: toUser(u), People: h.People, FollowUps: h.FollowUps, RoutingRules: h.Rules, CallBlocks: h.Blocks,
		CallBlocksKept: h.BlocksKept, SessionsEnded: h.Sessions, KeysRevoked: h.Keys}
	if h.To != nil {
		out.HandedTo = &h.To.ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) enableUser(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.db.EnableUser(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUser(u))
	return nil
}

type userPatch struct {
	Role *rapport.Role `json:"role"`
}

// updateUser changes a user's role (owners only); it is all a user's
// record takes from another user.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in userPatch
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	var u *rapport.User
	if in.Role != nil {
		u, err = s.db.SetUserRole(r.Context(), a.actor, id, *in.Role)
	} else {
		u, err = s.db.User(r.Context(), a.actor, id)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toUser(u))
	return nil
}

type resetJSON struct {
	UserID    int64     `json:"userId"`
	URL       string    `json:"url"`
	Path      string    `json:"path"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// resetUser makes a one-time password reset link for a member and answers
// it, the only time it is ever shown.
func (s *Server) resetUser(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	link, err := s.db.CreatePasswordReset(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, resetJSON{UserID: link.User.ID, URL: siteURL(r) + link.Path(), Path: link.Path(), ExpiresAt: link.ExpiresAt.UTC()})
	return nil
}

// siteURL is the address a request came to, for links to pass on: HTTPS
// when the request, or the proxy in front, says so.
func siteURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

type keyJSON struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"userId"`
	UserName   string     `json:"userName"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
}

func toKey(k *store.APIKey, userName string) keyJSON {
	return keyJSON{ID: k.ID, UserID: k.UserID, UserName: userName, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt.UTC(),
		LastUsedAt: timePtr(k.LastUsedAt), RevokedAt: timePtr(k.RevokedAt)}
}

// listKeys lists every key of the organisation for owners and managers,
// and the key's user's own for agents, newest first.
func (s *Server) listKeys(w http.ResponseWriter, r *http.Request, a *account) error {
	var items []keyJSON
	if a.actor.Runs() {
		ks, err := s.db.OrgAPIKeys(r.Context(), a.actor)
		if err != nil {
			return err
		}
		for i := range ks {
			items = append(items, toKey(&ks[i].APIKey, ks[i].UserName))
		}
	} else {
		ks, err := s.db.APIKeys(r.Context(), a.actor, a.user.ID)
		if err != nil {
			return err
		}
		for i := range ks {
			items = append(items, toKey(&ks[i], a.user.DisplayName()))
		}
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

// revokeKey ends a key: the key's user's own, or, for owners and
// managers, anyone's in the organisation; anyone else's is not found.
func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	k, err := s.db.RevokeKey(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	u, err := s.db.User(r.Context(), a.actor, k.UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toKey(k, u.DisplayName()))
	return nil
}
