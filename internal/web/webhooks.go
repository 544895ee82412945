package web

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// webhooksPage lists the organisation's endpoints and registers one.
type webhooksPage struct {
	Base
	Endpoints []rapport.WebhookEndpoint
	Events    []rapport.WebhookEvent
	Form      *form
}

// webhookPage is one endpoint: its settings, its secret when just made,
// what waits or failed, and its request log.
type webhookPage struct {
	Base
	Endpoint   *rapport.WebhookEndpoint
	Events     []rapport.WebhookEvent
	Form       *form
	NewSecret  string
	Deliveries []store.Message
	Attempts   []store.WebhookAttempt
	Dead       int
}

// Chose reports whether the form (or the endpoint) has event ticked.
func (p *webhookPage) Chose(e rapport.WebhookEvent) bool {
	if p.Form != nil && p.Form.Has("events") {
		return slices.Contains(p.Form.List("events"), string(e))
	}
	return slices.Contains(p.Endpoint.EventList(), e)
}

func (s *Server) webhooksList(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderWebhooks(w, r, a, newForm(nil), http.StatusOK)
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, a *account, f *form, status int) error {
	es, err := s.db.WebhookEndpoints(r.Context(), a.actor)
	if err != nil {
		return err
	}
	s.render(w, r, status, "webhooks", &webhooksPage{Base: s.withFlash(w, r, a, "Webhooks", "settings"), Endpoints: es,
		Events: rapport.WebhookEvents, Form: f})
	return nil
}

func webhookInput(f *form) store.WebhookInput {
	u, d := f.Get("url"), f.Get("description")
	events := []rapport.WebhookEvent{}
	for _, e := range f.List("events") {
		events = append(events, rapport.WebhookEvent(e))
	}
	return store.WebhookInput{URL: &u, Description: &d, Events: events}
}

func (s *Server) webhookCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	e, err := s.db.CreateWebhookEndpoint(r.Context(), a.actor, webhookInput(f))
	if err != nil {
		if !f.absorb(err) {
			return err
		}
		return s.renderWebhooks(w, r, a, f, http.StatusUnprocessableEntity)
	}
	return s.renderWebhook(w, r, a, e.ID, nil, e.Secret, http.StatusOK)
}

func (s *Server) webhookShow(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.renderWebhook(w, r, a, id, nil, "", http.StatusOK)
}

func (s *Server) renderWebhook(w http.ResponseWriter, r *http.Request, a *account, id int64, f *form, secret string, status int) error {
	ctx := r.Context()
	e, err := s.db.WebhookEndpoint(ctx, a.actor, id)
	if err != nil {
		return err
	}
	ds, err := s.db.WebhookDeliveries(ctx, a.actor, id, "", 50)
	if err != nil {
		return err
	}
	as, err := s.db.WebhookAttempts(ctx, a.actor, id, 50)
	if err != nil {
		return err
	}
	dead, err := s.db.WebhookDeliveries(ctx, a.actor, id, store.OutboxDead, 1000)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(nil)
		f.Values.Set("url", e.URL)
		f.Values.Set("description", e.Description)
	}
	s.render(w, r, status, "webhook", &webhookPage{Base: s.withFlash(w, r, a, "Webhook "+e.URL, "settings"), Endpoint: e,
		Events: rapport.WebhookEvents, Form: f, NewSecret: secret, Deliveries: ds, Attempts: as, Dead: len(dead)})
	return nil
}

func (s *Server) webhookUpdate(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if _, err := s.db.UpdateWebhookEndpoint(r.Context(), a.actor, id, webhookInput(f)); err != nil {
		if !f.absorb(err) {
			return err
		}
		return s.renderWebhook(w, r, a, id, f, "", http.StatusUnprocessableEntity)
	}
	s.flash(w, r, "Saved.")
	return redirect(w, r, fmt.Sprintf("/settings/webhooks/%d", id))
}

// webhookAct is the endpoint's buttons: enable, disable, a new secret, a
// test request, send failed deliveries again, delete.
func (s *Server) webhookAct(action string) func(w http.ResponseWriter, r *http.Request, a *account) error {
	return func(w http.ResponseWriter, r *http.Request, a *account) error {
		return s.webhookDo(w, r, a, action)
	}
}

func (s *Server) webhookDo(w http.ResponseWriter, r *http.Request, a *account, action string) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	back := fmt.Sprintf("/settings/webhooks/%d", id)
	switch action {
	case "enable", "disable":
		on := action == "enable"
		if _, err := s.db.UpdateWebhookEndpoint(ctx, a.actor, id, store.WebhookInput{Enabled: &on}); err != nil {
			return err
		}
		s.flash(w, r, map[bool]string{true: "Enabled: new events are sent again. Send the failed ones again below if the receiver needs them.",
			false: "Disabled: nothing is sent until you enable it."}[on])
	case "secret":
		secret, err := s.db.RotateWebhookSecret(ctx, a.actor, id)
		if err != nil {
			return err
		}
		return s.renderWebhook(w, r, a, id, nil, secret, http.StatusOK)
	case "ping":
		if err := s.db.PingWebhook(ctx, a.actor, id); err != nil {
			return err
		}
		s.flash(w, r, "A test request is on its way; its answer shows below in a moment.")
	case "replay":
		n, err := s.db.ReplayWebhooks(ctx, a.actor, id, 0)
		switch {
		case rapport.ErrorCode(err) == rapport.ECONFLICT:
			s.flash(w, r, rapport.ErrorMessage(err))
		case err != nil:
			return err
		default:
			s.flash(w, r, fmt.Sprintf("%d deliveries will be sent again now.", n))
		}
	case "delete":
		if err := s.db.DeleteWebhookEndpoint(ctx, a.actor, id); err != nil {
			return err
		}
		s.flash(w, r, "Endpoint deleted: nothing more is sent to it.")
		return redirect(w, r, "/settings/webhooks")
	default:
		return rapport.NotFound("page")
	}
	return redirect(w, r, back)
}

// webhookReplayOne sends one delivery again (or, waiting, now).
func (s *Server) webhookReplayOne(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	endpoint, err := s.db.WebhookDeliveryEndpoint(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/settings/webhooks/%d", endpoint)
	_, err = s.db.ReplayWebhooks(r.Context(), a.actor, endpoint, id)
	switch {
	case rapport.ErrorCode(err) == rapport.ECONFLICT:
		s.flash(w, r, rapport.ErrorMessage(err))
	case err != nil:
		return err
	default:
		s.flash(w, r, "The delivery will be sent now, with its id: a receiver that had it already will know.")
	}
	return redirect(w, r, back)
}
