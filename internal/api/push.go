package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Alerts for a client of the key's user: the server's public key to
// subscribe with, and the subscriptions (a browser's PushSubscription
// JSON) to send the user's alerts to.

var errPushOff = &rapport.Error{Code: rapport.ENOTFOUND, Message: "Alerts are off on this server."}

func (s *Server) pushKey(w http.ResponseWriter, r *http.Request, a *account) error {
	if s.push == nil {
		return errPushOff
	}
	writeJSON(w, http.StatusOK, map[string]string{"publicKey": s.push.PublicKey()})
	return nil
}

// pushSubscriptionInput is PushSubscription.toJSON(), with the device's
// own description when the client gives one.
type pushSubscriptionInput struct {
	Endpoint       string   `json:"endpoint"`
	ExpirationTime *float64 `json:"expirationTime"`
	Keys           struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
	UserAgent string `json:"userAgent"`
}

type pushSubscriptionDTO struct {
	ID        int64     `json:"id"`
	Endpoint  string    `json:"endpoint"`
	UserAgent string    `json:"userAgent"`
	CreatedAt time.Time `json:"createdAt"`
}

func (s *Server) createPushSubscription(w http.ResponseWriter, r *http.Request, a *account) error {
	var in pushSubscriptionInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if s.push == nil {
		return errPushOff
	}
	sub := push.Subscription{Endpoint: strings.TrimSpace(in.Endpoint), P256dh: strings.TrimSpace(in.Keys.P256dh), Auth: strings.TrimSpace(in.Keys.Auth)}
	if err := s.push.Check(sub); err != nil {
		return err
	}
	ua := in.UserAgent
	if strings.TrimSpace(ua) == "" {
		ua = r.UserAgent()
	}
	ps := &store.PushSubscription{Endpoint: sub.Endpoint, P256dh: sub.P256dh, Auth: sub.Auth, UserAgent: ua}
	if err := s.db.SavePushSubscription(r.Context(), a.actor, ps); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, pushSubscriptionDTO{ID: ps.ID, Endpoint: ps.Endpoint, UserAgent: ps.UserAgent, CreatedAt: ps.CreatedAt.UTC()})
	return nil
}

func (s *Server) deletePushSubscription(w http.ResponseWriter, r *http.Request, a *account) error {
	var in struct {
		Endpoint string `json:"endpoint"`
	}
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if strings.TrimSpace(in.Endpoint) == "" {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Name the subscription's endpoint.", Fields: map[string]string{"endpoint": "Give the endpoint."}}
	}
	if err := s.db.DeletePushSubscription(r.Context(), a.actor, in.Endpoint); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
