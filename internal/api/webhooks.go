package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// webhookJSON is an endpoint as the API shows it; Secret only in the
// answer that made it or gave it a new one.
type webhookJSON struct {
	ID             int64                  `json:"id"`
	URL            string                 `json:"url"`
	Description    string                 `json:"description"`
	Events         []rapport.WebhookEvent `json:"events"`
	Enabled        bool                   `json:"enabled"`
	DisabledAt     *time.Time             `json:"disabledAt"`
	DisabledReason string                 `json:"disabledReason,omitempty"`
	FailingSince   *time.Time             `json:"failingSince"`
	Failures       int                    `json:"failures"`
	LastSuccessAt  *time.Time             `json:"lastSuccessAt"`
	CreatedAt      time.Time              `json:"createdAt"`
	Secret         string                 `json:"secret,omitempty"`
}

func toWebhook(e *rapport.WebhookEndpoint) webhookJSON {
	return webhookJSON{ID: e.ID, URL: e.URL, Description: e.Description, Events: e.EventList(), Enabled: !e.Disabled(),
		DisabledAt: timePtr(e.DisabledAt), DisabledReason: e.DisabledReason, FailingSince: timePtr(e.FailingSince),
		Failures: e.Failures, LastSuccessAt: timePtr(e.LastSuccessAt), CreatedAt: e.CreatedAt.UTC(), Secret: e.Secret}
}

type webhookInput struct {
	URL         Optional[string]                 `json:"url"`
	Description Optional[string]                 `json:"description"`
	Events      Optional[[]rapport.WebhookEvent] `json:"events"`
	Enabled     Optional[bool]                   `json:"enabled"`
}

func (in *webhookInput) store() store.WebhookInput {
	var out store.WebhookInput
	if in.URL.Set {
		out.URL = &in.URL.Value
	}
	if in.Description.Set {
		out.Description = &in.Description.Value
	}
	if in.Events.Set {
		out.Events = in.Events.Value
		if out.Events == nil {
			out.Events = []rapport.WebhookEvent{}
		}
	}
	if in.Enabled.Set && !in.Enabled.Null {
		out.Enabled = &in.Enabled.Value
	}
	return out
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, a *account) error {
	es, err := s.db.WebhookEndpoints(r.Context(), a.actor)
	if err != nil {
		return err
	}
	out := []webhookJSON{}
	for i := range es {
		out = append(out, toWebhook(&es[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, a *account) error {
	var in webhookInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	e, err := s.db.CreateWebhookEndpoint(r.Context(), a.actor, in.store())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toWebhook(e))
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	e, err := s.db.WebhookEndpoint(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWebhook(e))
	return nil
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in webhookInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	e, err := s.db.UpdateWebhookEndpoint(r.Context(), a.actor, id, in.store())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWebhook(e))
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DeleteWebhookEndpoint(r.Context(), a.actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	secret, err := s.db.RotateWebhookSecret(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret})
	return nil
}

func (s *Server) pingWebhook(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.PingWebhook(r.Context(), a.actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// deliveryJSON is one delivery of an endpoint: its id is the webhook-id
// its requests carry.
type deliveryJSON struct {
	ID          int64                `json:"id"`
	DeliveryID  string               `json:"deliveryId"`
	Event       rapport.WebhookEvent `json:"event"`
	PersonID    *int64               `json:"personId"`
	Status      string               `json:"status"`
	Attempts    int                  `json:"attempts"`
	LastError   string               `json:"lastError,omitempty"`
	NextAttempt *time.Time           `json:"nextAttemptAt"`
	CreatedAt   time.Time            `json:"createdAt"`
	SentAt      *time.Time           `json:"sentAt"`
}

type attemptJSON struct {
	DeliveryID int64                `json:"delivery"`
	Event      rapport.WebhookEvent `json:"event"`
	Attempt    int                  `json:"attempt"`
	At         time.Time            `json:"at"`
	StatusCode int                  `json:"statusCode"`
	DurationMS int64                `json:"durationMs"`
	OK         bool                 `json:"ok"`
	Error      string               `json:"error,omitempty"`
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	status := r.URL.Query().Get("status")
	switch status {
	case "", store.OutboxPending, store.OutboxSent, store.OutboxSkipped, store.OutboxDead:
	default:
		return rapport.Errorf(rapport.EINVALID, "status: use pending, sent, skipped or dead.")
	}
	ms, err := s.db.WebhookDeliveries(r.Context(), a.actor, id, status, 200)
	if err != nil {
		return err
	}
	as, err := s.db.WebhookAttempts(r.Context(), a.actor, id, 200)
	if err != nil {
		return err
	}
	out := map[string]any{"items": []deliveryJSON{}, "attempts": []attemptJSON{}}
	items := []deliveryJSON{}
	for _, m := range ms {
		d := deliveryJSON{ID: m.ID, DeliveryID: m.Key, Event: m.Event, PersonID: idPtr(m.PersonID), Status: m.Status, Attempts: m.Attempts,
			LastError: m.LastError, CreatedAt: m.CreatedAt.UTC(), SentAt: timePtr(m.SentAt)}
		if m.Status == store.OutboxPending {
			d.NextAttempt = timePtr(m.NotBefore)
		}
		items = append(items, d)
	}
	attempts := []attemptJSON{}
	for _, t := range as {
		attempts = append(attempts, attemptJSON{DeliveryID: t.MessageID, Event: t.Event, Attempt: t.Attempt, At: t.At.UTC(),
			StatusCode: t.StatusCode, DurationMS: t.DurationMS, OK: t.OK, Error: t.Error})
	}
	out["items"], out["attempts"] = items, attempts
	writeJSON(w, http.StatusOK, out)
	return nil
}

// replayWebhooks sends every dead delivery of an endpoint again.
func (s *Server) replayWebhooks(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.db.ReplayWebhooks(r.Context(), a.actor, id, 0)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"queued": n})
	return nil
}

// replayWebhook sends one delivery again (one waiting: now).
func (s *Server) replayWebhook(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	endpoint, err := s.db.WebhookDeliveryEndpoint(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	n, err := s.db.ReplayWebhooks(r.Context(), a.actor, endpoint, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]int{"queued": n})
	return nil
}

// webhookEnvelope is every webhook's body, in the Standard Webhooks
// shape: the event, when it happened, and its subjects.
type webhookEnvelope struct {
	Type      rapport.WebhookEvent `json:"type"`
	Timestamp time.Time            `json:"timestamp"`
	Data      webhookData          `json:"data"`
}

// webhookData holds the event's subjects as the API's GETs show them.
// personId is there whenever the event is about a person; person is null
// when they are gone since (merged into another, say).
type webhookData struct {
	PersonID      *int64            `json:"personId,omitempty"`
	Person        *personJSON       `json:"person,omitempty"`
	MergedID      *int64            `json:"mergedId,omitempty"`
	PreviousStage *stageJSON        `json:"previousStage,omitempty"`
	Conversation  *conversationJSON `json:"conversation,omitempty"`
	FollowUp      *followUpJSON     `json:"followUp,omitempty"`
	Import        *importJSON       `json:"import,omitempty"`
	EndpointID    *int64            `json:"endpointId,omitempty"`
}

// importJSON is an import as a webhook tells of its end.
type importJSON struct {
	ID         int64           `json:"id"`
	UserID     *int64          `json:"userId"`
	FileName   string          `json:"fileName"`
	Format     string          `json:"format"`
	Status     string          `json:"status"`
	Report     json.RawMessage `json:"report,omitempty"`
	Error      string          `json:"error,omitempty"`
	CreatedAt  time.Time       `json:"createdAt"`
	FinishedAt *time.Time      `json:"finishedAt"`
}

// Webhooks is the outbox's renderer of webhooks' bodies.
type Webhooks struct{ DB *store.DB }

// WebhookBody writes m's body from what the database holds now.
func (wh Webhooks) WebhookBody(ctx context.Context, m *store.Message) ([]byte, error) {
	sys := rapport.Actor{Org: m.OrgID}
	env := webhookEnvelope{Type: m.Event, Timestamp: m.CreatedAt.UTC()}
	d := &env.Data
	if m.PersonID != 0 {
		d.PersonID = idPtr(m.PersonID)
		p, err := wh.DB.Person(ctx, sys, m.PersonID)
		switch {
		case err == nil:
			pj := toPerson(p, nil)
			d.Person = &pj
		case rapport.ErrorCode(err) != rapport.ENOTFOUND:
			return nil, err
		}
	}
	gone := func(err error) error {
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			return nil
		}
		return err
	}
	switch m.Event {
	case rapport.EventPersonMerged:
		d.MergedID = idPtr(m.RefID)
	case rapport.EventStageChanged:
		ps, err := wh.DB.Pipelines(ctx, sys)
		if err != nil {
			return nil, err
		}
		if st := store.Stages(ps)[m.RefID]; st != nil {
			d.PreviousStage = stageOf(st)
		}
	case rapport.EventConversationLogged:
		c, err := wh.DB.Conversation(ctx, sys, m.RefID)
		if err != nil {
			if err := gone(err); err != nil {
				return nil, err
			}
		} else {
			cj := toConversation(c)
			d.Conversation = &cj
		}
	case rapport.EventFollowUpCreated, rapport.EventFollowUpDone:
		f, err := wh.DB.FollowUp(ctx, sys, m.RefID)
		if err != nil {
			if err := gone(err); err != nil {
				return nil, err
			}
		} else {
			fj := toFollowUp(f)
			d.FollowUp = &fj
		}
	case rapport.EventImportFinished:
		j, err := wh.DB.ImportJob(ctx, sys, m.RefID, false)
		if err != nil {
			if err := gone(err); err != nil {
				return nil, err
			}
		} else {
			ij := importJSON{ID: j.ID, UserID: idPtr(j.UserID), FileName: j.FileName, Format: j.Format, Status: j.Status,
				Error: j.Error, CreatedAt: j.CreatedAt.UTC(), FinishedAt: timePtr(j.FinishedAt)}
			if json.Valid([]byte(j.Report)) {
				ij.Report = json.RawMessage(j.Report)
			}
			d.Import = &ij
		}
	case rapport.EventPing:
		d.EndpointID = idPtr(m.EndpointID)
	}
	return json.Marshal(env)
}
