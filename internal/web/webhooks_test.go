package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/webhook"
)

// TestWebhooksInSettings: a manager registers an endpoint and sees its
// secret once; an address inside the network or no event is refused by
// the field, with what was typed kept; the endpoint's page changes its
// events, disables and enables it, gives it a new secret and deletes it.
// An agent is refused.
func TestWebhooksInSettings(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.manager.Email)
		res := c.post("/settings/webhooks", url.Values{"url": {"https://10.0.0.7/hook"}, "description": {"Inside"}, "events": {"person.created"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.body, "private address") || !strings.Contains(res.body, `value="Inside"`) {
			t.Errorf("private address: %s", res.body)
		}
		res = c.post("/settings/webhooks", url.Values{"url": {"https://hooks.example.com/rapport"}, "description": {"Slack"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.body, "Choose at least one event") {
			t.Errorf("no events: %s", res.body)
		}
		res = c.post("/settings/webhooks", url.Values{"url": {"https://hooks.example.com/rapport"}, "description": {"Slack"},
			"events": {"person.created", "conversation.logged"}})
		wantStatus(t, res, http.StatusOK)
		secret := between(res.body, `id="new-secret" type="text" readonly value="`, `"`)
		if !strings.HasPrefix(secret, webhook.SecretPrefix) {
			t.Fatalf("no secret shown: %s", res.body)
		}
		es, err := h.db.WebhookEndpoints(ctx, rapport.Member(a.org, a.manager))
		if err != nil || len(es) != 1 || es[0].Events != "person.created,conversation.logged" {
			t.Fatalf("stored: %+v %v", es, err)
		}
		page := "/settings/webhooks/" + strconv.FormatInt(es[0].ID, 10)
		if body := c.get(page).body; strings.Contains(body, secret) || !strings.Contains(body, "hooks.example.com") {
			t.Error("the secret is shown a second time, or the page is wrong")
		}
		wantStatus(t, c.post(page, url.Values{"url": {"https://hooks.example.com/rapport"}, "events": {"stage.changed"}}), http.StatusSeeOther)
		wantStatus(t, c.post(page+"/disable", nil), http.StatusSeeOther)
		e, _ := h.db.WebhookEndpoint(ctx, rapport.Member(a.org, a.manager), es[0].ID)
		if e.Events != "stage.changed" || !e.Disabled() {
			t.Errorf("after changes: %+v", e)
		}
		if body := c.get(page).body; !strings.Contains(body, "Disabled") {
			t.Errorf("the page does not say it is disabled: %s", body)
		}
		wantStatus(t, c.post(page+"/enable", nil), http.StatusSeeOther)
		res = c.post(page+"/secret", nil)
		if s2 := between(res.body, `id="new-secret" type="text" readonly value="`, `"`); s2 == secret || !strings.HasPrefix(s2, webhook.SecretPrefix) {
			t.Errorf("new secret %q", s2)
		}
		// Agents do not manage webhooks.
		agent := h.signedIn(a.agent.Email)
		wantStatus(t, agent.get("/settings/webhooks"), http.StatusForbidden)
		wantStatus(t, agent.post(page+"/delete", nil), http.StatusForbidden)
		wantStatus(t, c.post(page+"/delete", nil), http.StatusSeeOther)
		wantStatus(t, c.get(page), http.StatusNotFound)
		if ds, _ := h.db.WebhookDeliveries(ctx, rapport.Actor{Org: a.org.ID}, es[0].ID, store.OutboxPending, 5); len(ds) != 0 {
			t.Errorf("a deleted endpoint has %d waiting", len(ds))
		}
	})
}
