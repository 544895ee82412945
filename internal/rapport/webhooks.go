package rapport

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// WebhookEvent is something that happened in an organisation that its
// webhook endpoints may be told of.
type WebhookEvent string

// The events, named as receivers see them in the payload's "type".
const (
	EventPersonCreated      WebhookEvent = "person.created"
	EventPersonUpdated      WebhookEvent = "person.updated"
	EventPersonMerged       WebhookEvent = "person.merged"
	EventPersonArchived     WebhookEvent = "person.archived"
	EventConversationLogged WebhookEvent = "conversation.logged"
	EventFollowUpCreated    WebhookEvent = "followup.created"
	EventFollowUpDone       WebhookEvent = "followup.done"
	EventStageChanged       WebhookEvent = "stage.changed"
	EventLeadRouted         WebhookEvent = "lead.routed"
	EventLeadClaimed        WebhookEvent = "lead.claimed"
	EventImportFinished     WebhookEvent = "import.finished"
	// EventPing is the test request an owner sends from the endpoint's
	// page; no endpoint subscribes to it.
	EventPing WebhookEvent = "webhook.ping"
)

// WebhookEvents are the events an endpoint may choose, in the order
// settings show them.
var WebhookEvents = []WebhookEvent{EventPersonCreated, EventPersonUpdated, EventPersonMerged, EventPersonArchived,
	EventConversationLogged, EventFollowUpCreated, EventFollowUpDone, EventStageChanged, EventLeadRouted,
	EventLeadClaimed, EventImportFinished}

// Valid reports whether e is an event an endpoint may choose.
func (e WebhookEvent) Valid() bool { return slices.Contains(WebhookEvents, e) }

// Label says what the event is, for settings.
func (e WebhookEvent) Label() string {
	switch e {
	case EventPersonCreated:
		return "A person is added"
	case EventPersonUpdated:
		return "A person's details change"
	case EventPersonMerged:
		return "Two people are merged"
	case EventPersonArchived:
		return "A person is archived"
	case EventConversationLogged:
		return "A conversation is logged"
	case EventFollowUpCreated:
		return "A follow-up is promised"
	case EventFollowUpDone:
		return "A follow-up is done"
	case EventStageChanged:
		return "A person moves stage"
	case EventLeadRouted:
		return "A new lead is routed to an agent"
	case EventLeadClaimed:
		return "A lead changes hands (claim window, pond, hand-over)"
	case EventImportFinished:
		return "An import finishes"
	case EventPing:
		return "A test request"
	}
	return string(e)
}

// Webhook limits.
const (
	// WebhookURLMax bounds an endpoint's address.
	WebhookURLMax = 2048
	// WebhookEndpointsMax bounds an organisation's endpoints.
	WebhookEndpointsMax = 20
	// WebhookDisableAfter: an endpoint that has failed every request for
	// this long, and at least WebhookDisableFailures times in a row, is
	// disabled and its owners are told.
	WebhookDisableAfter    = 72 * time.Hour
	WebhookDisableFailures = 10
	// WebhookAttempts is how many times one delivery is tried (see
	// WebhookBackoff: over one to two days, so that a receiver down for a
	// weekend night loses nothing) before it is dead; an owner may replay
	// it.
	WebhookAttempts = 16
	webhookCap      = 12 * time.Hour
)

// WebhookEndpoint is where an organisation's webhooks go.
type WebhookEndpoint struct {
	ID          int64  `bun:"id,pk,autoincrement"`
	OrgID       int64  `bun:"org_id"`
	URL         string `bun:"url"`
	Description string `bun:"description"`
	// Events is the comma-separated list of events it wants.
	Events string `bun:"events"`
	// Secret signs its requests ("whsec_" and base64 of the key).
	Secret         string    `bun:"secret"`
	CreatedBy      int64     `bun:"created_by,nullzero"`
	CreatedAt      time.Time `bun:"created_at"`
	UpdatedAt      time.Time `bun:"updated_at"`
	DisabledAt     time.Time `bun:"disabled_at,nullzero"`
	DisabledReason string    `bun:"disabled_reason"`
	// FailingSince is the first failure of the current run (zero when
	// the last request succeeded); Failures counts the run.
	FailingSince  time.Time `bun:"failing_since,nullzero"`
	Failures      int       `bun:"failures"`
	LastSuccessAt time.Time `bun:"last_success_at,nullzero"`
	DeletedAt     time.Time `bun:"deleted_at,nullzero"`
}

// Wants reports whether the endpoint wants event and is enabled.
func (e *WebhookEndpoint) Wants(event WebhookEvent) bool {
	return e.DisabledAt.IsZero() && e.DeletedAt.IsZero() && slices.Contains(e.EventList(), event)
}

// EventList is the events it wants, in the settings' order.
func (e *WebhookEndpoint) EventList() []WebhookEvent {
	var out []WebhookEvent
	for _, s := range strings.Split(e.Events, ",") {
		if ev := WebhookEvent(strings.TrimSpace(s)); ev.Valid() && !slices.Contains(out, ev) {
			out = append(out, ev)
		}
	}
	slices.SortFunc(out, func(a, b WebhookEvent) int { return slices.Index(WebhookEvents, a) - slices.Index(WebhookEvents, b) })
	return out
}

// SetEvents sets the events it wants, checking each; it names the field
// "events".
func (e *WebhookEndpoint) SetEvents(events []WebhookEvent) error {
	fe := FieldErrors{}
	var keep []string
	for _, ev := range events {
		if !ev.Valid() {
			fe.Add("events", fmt.Sprintf("%q is not an event Rapport sends (one of %s).", ev, eventNames()))
			continue
		}
		if !slices.Contains(keep, string(ev)) {
			keep = append(keep, string(ev))
		}
	}
	if len(keep) == 0 && len(fe) == 0 {
		fe.Add("events", "Choose at least one event.")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	e.Events = strings.Join(keep, ",")
	e.Events = joinEvents(e.EventList()) // in the settings' order
	return nil
}

func joinEvents(es []WebhookEvent) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

func eventNames() string { return joinEvents(WebhookEvents) }

// Disabled reports whether requests to it have stopped.
func (e *WebhookEndpoint) Disabled() bool { return !e.DisabledAt.IsZero() }

// ShouldDisable reports whether a run of failures has gone on long enough
// to stop.
func (e *WebhookEndpoint) ShouldDisable(now time.Time) bool {
	return !e.FailingSince.IsZero() && e.Failures >= WebhookDisableFailures && now.Sub(e.FailingSince) >= WebhookDisableAfter
}

// WebhookBackoff is the wait before a webhook's next try after attempt
// failed: 15 seconds doubling, capped at 12 hours, with equal jitter.
// Sixteen tries span about 27 to 53 hours.
func WebhookBackoff(attempt int) time.Duration {
	d := 15 * time.Second << min(max(attempt-1, 0), 16)
	d = min(d, webhookCap)
	return d/2 + rand.N(d/2+1)
}
