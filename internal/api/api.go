// Package api serves Rapport's REST API under /api/v1: JSON in and out,
// authenticated with API keys, rate limited per key, and described by the
// OpenAPI document it serves at /api/v1/openapi.json.
package api

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Options configure the API.
type Options struct {
	DB     *store.DB
	Logger *slog.Logger
	Now    func() time.Time
	// RatePerMinute and Burst bound each key's requests: a bucket of Burst
	// requests refilled at RatePerMinute. Defaults: 600 and 120.
	RatePerMinute int
	Burst         int
	// Push sends alerts to users' devices; nil turns alerts off (the push
	// routes answer 404).
	Push *push.Sender
	// InboundDomain is the domain of users' private addresses for email
	// onto the timeline ("": the receiver is off).
	InboundDomain string
}

// Server is the API.
type Server struct {
	db      *store.DB
	log     *slog.Logger
	now     func() time.Time
	limits  *limiter
	push    *push.Sender
	inbound string
	handler http.Handler
}

// New builds the API handler.
func New(o Options) *Server {
	s := &Server{db: o.DB, log: o.Logger, now: o.Now, push: o.Push, inbound: o.InboundDomain}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	rate, burst := o.RatePerMinute, o.Burst
	if rate <= 0 {
		rate = 600
	}
	if burst <= 0 {
		burst = 120
	}
	s.limits = newLimiter(rate, burst, s.now)
	if o.DB != nil && o.DB.SharedRateLimits() {
		s.limits.shared, s.limits.log = o.DB, s.log
	}
	routes := http.NewServeMux()
	for _, r := range s.routeTable() {
		routes.Handle(r.pattern, r.handler)
	}
	// What no route serves: a path we have, asked with another method, is
	// 405 with the methods it takes; anything else is 404. Both in JSON,
	// after the key is checked, like every other answer.
	unserved := s.keyed(func(w http.ResponseWriter, r *http.Request, a *account) error {
		if allow := allowed(routes, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return errMethod
		}
		return errRoute
	})
	s.handler = httpx.LogRequests(s.log, nil, httpx.SecureHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A filter holding what no text can (a NUL, bytes that are not
		// UTF-8) is refused with its name before anything reads it.
		if field, problem := httpx.ValuesProblem(r.URL.Query()); field != "" {
			s.fail(w, r, &rapport.Error{Code: rapport.EINVALID, Message: field + ": " + problem, Fields: map[string]string{field: problem}})
			return
		}
		if _, pattern := routes.Handler(r); pattern != "" {
			routes.ServeHTTP(w, r)
			return
		}
		unserved.ServeHTTP(w, r)
	})))
	return s
}

// methods are those the API's routes use, in the order Allow lists them.
var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// allowed lists the methods routes serves r's path with.
func allowed(routes *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range methods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := routes.Handler(probe); pattern != "" {
			out = append(out, m)
		}
	}
	return out
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

type route struct {
	pattern string
	handler http.Handler
}

// routeTable lists every endpoint. All but the OpenAPI document need a key.
func (s *Server) routeTable() []route {
	p := Prefix
	return []route{
		{"GET " + p + "/openapi.json", http.HandlerFunc(s.openAPI)},

		{"GET " + p + "/me/alerts", s.keyed(s.getAlerts)},
		{"PUT " + p + "/me/alerts", s.keyed(s.putAlerts)},
		{"POST " + p + "/me/calendar-feed", s.keyed(s.createCalendarFeed)},
		{"DELETE " + p + "/me/calendar-feed", s.keyed(s.deleteCalendarFeed)},
		{"GET " + p + "/me/inbound-address", s.keyed(s.inboundAddress)},
		{"GET " + p + "/me/app-passwords", s.keyed(s.listAppPasswords)},
		{"POST " + p + "/me/app-passwords", s.keyed(s.createAppPassword)},
		{"DELETE " + p + "/me/app-passwords/{id}", s.keyed(s.deleteAppPassword)},
		{"GET " + p + "/inbox", s.keyed(s.listInbox)},
		{"POST " + p + "/inbox/{id}/assign", s.keyed(s.assignInbound)},
		{"POST " + p + "/inbox/{id}/lead", s.keyed(s.inboundLead)},
		{"POST " + p + "/inbox/{id}/dismiss", s.keyed(s.dismissInbound)},
		{"GET " + p + "/pond", s.keyed(s.listPond)},
		{"POST " + p + "/pond/{id}/claim", s.keyed(s.claimLead)},
		{"GET " + p + "/outbox", s.keyed(s.listOutbox)},
		{"POST " + p + "/outbox/{id}/retry", s.keyed(s.retryMessage)},
		{"GET " + p + "/webhooks", s.keyed(s.listWebhooks)},
		{"POST " + p + "/webhooks", s.keyed(s.createWebhook)},
		{"GET " + p + "/webhooks/{id}", s.keyed(s.getWebhook)},
		{"PATCH " + p + "/webhooks/{id}", s.keyed(s.updateWebhook)},
		{"DELETE " + p + "/webhooks/{id}", s.keyed(s.deleteWebhook)},
		{"POST " + p + "/webhooks/{id}/secret", s.keyed(s.rotateWebhookSecret)},
		{"POST " + p + "/webhooks/{id}/ping", s.keyed(s.pingWebhook)},
		{"GET " + p + "/webhooks/{id}/deliveries", s.keyed(s.listWebhookDeliveries)},
		{"POST " + p + "/webhooks/{id}/replay", s.keyed(s.replayWebhooks)},
		{"POST " + p + "/webhook-deliveries/{id}/replay", s.keyed(s.replayWebhook)},

		{"GET " + p + "/lists", s.keyed(s.listLists)},
		{"POST " + p + "/lists", s.keyed(s.createList)},
		{"DELETE " + p + "/lists/{id}", s.keyed(s.deleteList)},
		{"GET " + p + "/lists/{id}/people", s.keyed(s.listPeopleOf)},
		{"GET " + p + "/people", s.keyed(s.listPeople)},
		{"POST " + p + "/people", s.keyed(s.createPerson)},
		{"GET " + p + "/people/{id}", s.keyed(s.getPerson)},
		{"PATCH " + p + "/people/{id}", s.keyed(s.updatePerson)},
		{"POST " + p + "/people/{id}/archive", s.keyed(s.archivePerson)},
		{"POST " + p + "/people/{id}/restore", s.keyed(s.restorePerson)},
		{"GET " + p + "/people/{id}/facts", s.keyed(s.listFacts)},
		{"POST " + p + "/people/{id}/facts", s.keyed(s.createFact)},
		{"DELETE " + p + "/people/{id}/facts/{fid}", s.keyed(s.deleteFact)},
		{"GET " + p + "/people/{id}/production", s.keyed(s.getProduction)},
		{"GET " + p + "/people/{id}/referrals", s.keyed(s.listReferred)},

		{"GET " + p + "/conversations", s.keyed(s.listConversations)},
		{"POST " + p + "/conversations", s.keyed(s.createConversation)},
		{"GET " + p + "/conversations/{id}", s.keyed(s.getConversation)},

		{"GET " + p + "/followups", s.keyed(s.listFollowUps)},
		{"POST " + p + "/followups", s.keyed(s.createFollowUp)},
		{"GET " + p + "/followups/{id}", s.keyed(s.getFollowUp)},
		{"POST " + p + "/followups/{id}/done", s.keyed(s.doneFollowUp)},
		{"POST " + p + "/followups/{id}/cancel", s.keyed(s.cancelFollowUp)},

		{"GET " + p + "/today", s.keyed(s.today)},
		{"GET " + p + "/users", s.keyed(s.listUsers)},
		{"GET " + p + "/audit", s.keyed(s.listAudit)},
		{"GET " + p + "/users/{id}", s.keyed(s.getUser)},
		{"PATCH " + p + "/users/{id}", s.keyed(s.updateUser)},
		{"POST " + p + "/users/{id}/disable", s.keyed(s.disableUser)},
		{"POST " + p + "/users/{id}/enable", s.keyed(s.enableUser)},
		{"POST " + p + "/users/{id}/reset", s.keyed(s.resetUser)},
		{"GET " + p + "/keys", s.keyed(s.listKeys)},
		{"POST " + p + "/keys/{id}/revoke", s.keyed(s.revokeKey)},
		{"GET " + p + "/pipelines", s.keyed(s.listPipelines)},

		{"GET " + p + "/companies", s.keyed(s.listCompanies)},
		{"POST " + p + "/companies", s.keyed(s.createCompany)},
		{"GET " + p + "/companies/{id}", s.keyed(s.getCompany)},
		{"PATCH " + p + "/companies/{id}", s.keyed(s.updateCompany)},
		{"GET " + p + "/companies/{id}/signals", s.keyed(s.listSignals)},
		{"POST " + p + "/companies/{id}/signals", s.keyed(s.createSignal)},
		{"DELETE " + p + "/signals/{id}", s.keyed(s.deleteSignal)},
		{"GET " + p + "/prospects", s.keyed(s.listProspects)},
		{"POST " + p + "/production", s.keyed(s.importProduction)},
		{"GET " + p + "/referrals", s.keyed(s.listReferrers)},

		{"POST " + p + "/events", s.keyed(s.createEvent)},
		{"GET " + p + "/events/held", s.keyed(s.listHeld)},
		{"POST " + p + "/events/held/{id}/attach", s.keyed(s.attachHeld)},
		{"POST " + p + "/events/held/{id}/dismiss", s.keyed(s.dismissHeld)},
		{"GET " + p + "/reports/speed-to-lead", s.keyed(s.speedToLead)},
		{"GET " + p + "/reports/review", s.keyed(s.review)},
		{"GET " + p + "/reports/funnel", s.keyed(s.funnel)},
		{"GET " + p + "/reports/leaderboard", s.keyed(s.leaderboard)},

		{"GET " + p + "/reports/objections", s.keyed(s.objectionReport)},

		{"GET " + p + "/playbook", s.keyed(s.listPlaybook)},
		{"GET " + p + "/playbook/guide", s.keyed(s.playbookGuide)},
		{"POST " + p + "/playbook/{kind}", s.keyed(s.createEntry)},
		{"GET " + p + "/playbook/{kind}/{key}", s.keyed(s.getEntry)},
		{"PUT " + p + "/playbook/{kind}/{key}", s.keyed(s.putEntry)},
		{"DELETE " + p + "/playbook/{kind}/{key}", s.keyed(s.resetEntry)},
		{"POST " + p + "/playbook/{kind}/{key}/retire", s.keyed(s.retireEntry)},
		{"POST " + p + "/playbook/{kind}/{key}/restore", s.keyed(s.restoreEntry)},
		{"POST " + p + "/drills", s.keyed(s.practise)},
		{"GET " + p + "/drills", s.keyed(s.listDrills)},
		{"POST " + p + "/drills/assignments", s.keyed(s.assignDrills)},
		{"GET " + p + "/drills/assignments", s.keyed(s.listAssignments)},

		{"GET " + p + "/blocks", s.keyed(s.listBlocks)},
		{"POST " + p + "/blocks", s.keyed(s.createBlock)},
		{"DELETE " + p + "/blocks/{id}", s.keyed(s.deleteBlock)},

		{"GET " + p + "/push-key", s.keyed(s.pushKey)},
		{"POST " + p + "/push-subscriptions", s.keyed(s.createPushSubscription)},
		{"DELETE " + p + "/push-subscriptions", s.keyed(s.deletePushSubscription)},
	}
}

// Routes returns every "METHOD /path" the API serves.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.routeTable() {
		out = append(out, r.pattern)
	}
	return out
}
