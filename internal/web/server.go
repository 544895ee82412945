// Package web serves Rapport's user interface: server-rendered pages from
// embedded templates, our own CSS and a little JavaScript, with forms that
// work without it.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/runner"
	"github.com/rapport-crm/rapport/internal/store"
)

// Options configure a Server.
type Options struct {
	DB     *store.DB
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// SecureCookies marks cookies Secure even when the request itself is
	// not TLS (behind a proxy that terminates TLS).
	SecureCookies bool
	// Jobs runs the work the pages start in the background (imports); a
	// runner of its own when nil (tests).
	Jobs *runner.Runner
	// Push sends alerts to users' devices; nil turns alerts off (settings
	// then offers none).
	Push *push.Sender
	// InboundDomain is the domain of users' private addresses for email
	// onto the timeline ("": the receiver is off).
	InboundDomain string
}

// Server is the web application.
type Server struct {
	db            *store.DB
	log           *slog.Logger
	now           func() time.Time
	views         *views
	assets        *assets
	app           *appFiles
	secureCookies bool
	jobs          *runner.Runner
	push          *push.Sender
	handler       http.Handler
	previews      previewCache
	// streams ends the open live streams (Today's) when the server
	// shuts down: a stream never finishes on its own.
	streams     chan struct{}
	endStreams  sync.Once
	liveStreams streamCounts
	inbound     string
}

// EndStreams closes the live streams open now and refuses new ones, so
// that a graceful shutdown need not wait for them (http.Server's
// RegisterOnShutdown). Browsers reconnect to the next server.
func (s *Server) EndStreams() { s.endStreams.Do(func() { close(s.streams) }) }

// New builds the server, parsing every template once.
func New(o Options) (*Server, error) {
	s := &Server{db: o.DB, log: o.Logger, now: o.Now, secureCookies: o.SecureCookies, jobs: o.Jobs, streams: make(chan struct{}), push: o.Push, inbound: o.InboundDomain}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.jobs == nil {
		s.jobs = runner.New(context.Background(), s.log)
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.app, err = newAppFiles(s.assets); err != nil {
		return nil, err
	}
	if s.views, err = parseViews(s.assets); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// route is one entry of the route table.
type route struct {
	pattern string
	handler http.Handler
}

// routeTable lists every page. Handlers that need a signed-in user are
// wrapped by s.user; everything state-changing is a POST.
func (s *Server) routeTable() []route {
	notFound := s.page(func(w http.ResponseWriter, r *http.Request) error { return errNotFound })
	routes := []route{
		{"GET /healthz", http.HandlerFunc(s.healthz)},
		{"GET /static/{hash}/{file}", http.HandlerFunc(s.assets.serve)},
		{"GET /manifest.webmanifest", http.HandlerFunc(s.manifest)},
		{"GET /sw.js", http.HandlerFunc(s.serviceWorker)},
		{"GET /icons/{file}", http.HandlerFunc(s.icon)},
		{"GET /apple-touch-icon.png", http.HandlerFunc(s.icon)},

		{"GET /setup", s.page(s.setupForm)},
		{"POST /setup", s.page(s.setup)},
		{"GET /signin", s.page(s.signinForm)},
		{"POST /signin", s.page(s.signin)},
		{"POST /signout", s.page(s.signout)},
		{"GET /reset/{token}", s.page(s.resetForm)},
		{"POST /reset/{token}", s.page(s.resetSave)},
		{"GET /calendar/{token}", s.page(s.calendarFeed)},
		{"GET /forgot", s.page(s.forgotForm)},
		{"POST /forgot", s.page(s.forgot)},
		{"GET /unsubscribe/{token}/{kind}", s.page(s.unsubscribeForm)},
		{"POST /unsubscribe/{token}/{kind}", s.page(s.unsubscribe)},

		{"GET /{$}", s.user(s.home)},
		{"GET /today", s.user(s.today)},
		{"GET /today/live", s.user(s.todayLive)},
		{"POST /today/duty", s.user(s.dutySave)},
		{"GET /inbox", s.user(s.inbox)},
		{"POST /inbox/{id}/assign", s.user(s.inboxAssign)},
		{"POST /inbox/{id}/new-lead", s.user(s.inboxNewLead)},
		{"POST /inbox/{id}/dismiss", s.user(s.inboxDismiss)},
		{"POST /pond/{id}/claim", s.user(s.pondClaim)},
		{"GET /call", s.user(s.callNext)},
		{"GET /lists", s.user(s.listsPage)},
		{"POST /lists", s.user(s.listSave)},
		{"POST /lists/{id}/delete", s.user(s.listDelete)},
		{"GET /call/{id}", s.user(s.callPerson)},
		{"POST /call/{id}", s.user(s.callLog)},

		{"GET /people", s.user(s.peopleList)},
		{"GET /people/new", s.user(s.personNew)},
		{"POST /people", s.user(s.personCreate)},
		{"GET /people/suggest", s.user(s.peopleSuggest)},
		{"GET /team/suggest", s.user(s.teamSuggest)},
		{"GET /people/export.csv", s.user(s.exportCSV)},
		{"GET /people/export.vcf", s.user(s.exportVCard)},
		{"GET /people/{id}/vcard", s.user(s.personVCard)},
		{"GET /duplicates", s.user(s.duplicates)},
		{"POST /duplicates/merge", s.user(s.mergePeople)},
		{"POST /duplicates/distinct", s.user(s.markDistinct)},
		{"GET /import", s.user(s.importsList)},
		{"POST /import", s.user(s.importUpload)},
		{"GET /import/{id}", s.user(s.importJob)},
		{"POST /import/{id}", s.user(s.importSettingsSave)},
		{"GET /people/{id}", s.user(s.personShow)},
		{"GET /people/{id}/edit", s.user(s.personEdit)},
		{"POST /people/{id}", s.user(s.personUpdate)},
		{"POST /people/{id}/archive", s.user(s.personArchive)},
		{"POST /people/{id}/restore", s.user(s.personRestore)},
		{"POST /people/{id}/stage", s.user(s.personStage)},
		{"POST /people/{id}/facts", s.user(s.factCreate)},
		{"POST /people/{id}/facts/{fid}/delete", s.user(s.factDelete)},
		{"GET /people/{id}/log", s.user(s.logForm)},
		{"POST /people/{id}/log", s.user(s.logCreate)},
		{"POST /people/{id}/followups", s.user(s.followUpCreate)},
		{"GET /conversations/{id}", s.user(s.conversationShow)},
		{"GET /conversations/{id}/reflect", s.user(s.reflectForm)},
		{"POST /conversations/{id}/reflect", s.user(s.reflect)},

		{"GET /followups", s.user(s.followUpList)},
		{"POST /followups/{id}/done", s.user(s.followUpDone)},
		{"POST /followups/{id}/cancel", s.user(s.followUpCancel)},

		{"GET /settings", s.user(s.settingsForm)},
		{"POST /settings", s.user(s.settingsSave)},
		{"POST /settings/password", s.user(s.passwordSave)},
		{"POST /settings/org", s.user(s.orgSave)},
		{"POST /settings/alerts", s.user(s.alertsSave)},
		{"POST /settings/calendar", s.user(s.calendarCreate)},
		{"POST /settings/calendar/off", s.user(s.calendarRevoke)},
		{"GET /settings/webhooks", s.user(s.webhooksList)},
		{"POST /settings/webhooks", s.user(s.webhookCreate)},
		{"GET /settings/webhooks/{id}", s.user(s.webhookShow)},
		{"POST /settings/webhooks/{id}", s.user(s.webhookUpdate)},
		{"POST /settings/webhooks/{id}/enable", s.user(s.webhookAct("enable"))},
		{"POST /settings/webhooks/{id}/disable", s.user(s.webhookAct("disable"))},
		{"POST /settings/webhooks/{id}/secret", s.user(s.webhookAct("secret"))},
		{"POST /settings/webhooks/{id}/ping", s.user(s.webhookAct("ping"))},
		{"POST /settings/webhooks/{id}/replay", s.user(s.webhookAct("replay"))},
		{"POST /settings/webhooks/{id}/delete", s.user(s.webhookAct("delete"))},
		{"POST /settings/webhook-deliveries/{id}/replay", s.user(s.webhookReplayOne)},
		{"POST /settings/app-passwords", s.user(s.appPasswordCreate)},
		{"POST /settings/app-passwords/{id}/revoke", s.user(s.appPasswordRevoke)},
		{"GET /settings/messages", s.user(s.outboxList)},
		{"POST /settings/messages/{id}/retry", s.user(s.outboxRetry)},
		{"GET /settings/keys", s.user(s.keysList)},
		{"POST /settings/keys", s.user(s.keyCreate)},
		{"POST /settings/keys/{id}/revoke", s.user(s.keyRevoke)},
		{"GET /push/key", s.user(s.pushKey)},
		{"POST /push/subscriptions", s.user(s.pushSubscribe)},
		{"POST /push/subscriptions/delete", s.user(s.pushUnsubscribe)},
		{"POST /push/test", s.user(s.pushTest)},
		{"GET /users", s.user(s.usersList)},
		{"GET /audit", s.user(s.auditLog)},
		{"POST /users", s.user(s.userCreate)},
		{"GET /users/{id}", s.user(s.memberShow)},
		{"POST /users/{id}/disable", s.user(s.memberDisable)},
		{"POST /users/{id}/enable", s.user(s.memberEnable)},
		{"POST /users/{id}/role", s.user(s.memberRole)},
		{"POST /users/{id}/reset", s.user(s.memberReset)},
		{"POST /users/{id}/reset-email", s.user(s.memberResetEmail)},
		{"GET /routing", s.user(s.routingList)},
		{"POST /routing", s.user(s.routingCreate)},
		{"POST /routing/{id}/delete", s.user(s.routingDelete)},
		{"GET /reports/speed-to-lead", s.user(s.speedReport)},
		{"GET /intake/held", s.user(s.heldList)},
		{"POST /intake/held/{id}/attach", s.user(s.heldAttach)},
		{"POST /intake/held/{id}/dismiss", s.user(s.heldDismiss)},

		{"GET /review", s.user(s.review)},
		{"GET /review.csv", s.user(s.reviewCSV)},
		{"GET /review/funnel", s.user(s.funnel)},
		{"GET /review/funnel.csv", s.user(s.funnelCSV)},
		{"GET /review/leaderboard", s.user(s.leaderboard)},
		{"GET /review/blocks", s.user(s.callBlocks)},
		{"POST /review/blocks", s.user(s.callBlockCreate)},
		{"POST /review/blocks/{id}/delete", s.user(s.callBlockDelete)},

		{"GET /playbook", s.user(s.playbook)},
		{"POST /playbook/{kind}", s.user(s.entryCreate)},
		{"GET /playbook/{kind}/{key}", s.user(s.entryShow)},
		{"POST /playbook/{kind}/{key}", s.user(s.entrySave)},
		{"POST /playbook/{kind}/{key}/retire", s.user(s.entryRetire)},
		{"POST /playbook/{kind}/{key}/restore", s.user(s.entryRestore)},
		{"POST /playbook/{kind}/{key}/reset", s.user(s.entryReset)},
		{"GET /practice", s.user(s.practice)},
		{"POST /practice/assign", s.user(s.assignDrills)},
		{"GET /practice/{key}", s.user(s.drill)},
		{"POST /practice/{key}", s.user(s.drillAnswer)},

		{"GET /companies", s.user(s.companiesList)},
		{"POST /companies", s.user(s.companyCreate)},
		{"GET /companies/{id}", s.user(s.companyShow)},
		{"POST /companies/{id}", s.user(s.companyUpdate)},
		{"POST /companies/{id}/signals", s.user(s.signalCreate)},
		{"POST /signals/{id}/delete", s.user(s.signalDelete)},
		{"GET /recruiting", s.user(s.prospects)},
		{"POST /recruiting/today", s.user(s.addToToday)},
		{"GET /recruiting/board", s.user(s.board)},
		{"POST /recruiting/board/move", s.user(s.boardMove)},
		{"GET /referrals", s.user(s.referrals)},
		{"GET /recruiting/goals", s.user(s.recruitingGoals)},
		{"POST /recruiting/goals/{id}", s.user(s.recruitingTargets)},

		{"/", notFound},
	}
	return routes
}

// Routes returns every pattern the server answers, so that tests can
// prove each one keeps organisations apart.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.routeTable() {
		out = append(out, r.pattern)
	}
	return out
}

// routes builds the handler: the route table behind body limits,
// cross-origin protection, security headers, request logging and
// compression.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.routeTable() {
		mux.Handle(r.pattern, r.handler)
	}
	cop := http.NewCrossOriginProtection()
	return compress(httpx.LogRequests(s.log, logPath, httpx.SecureHeaders(cop.Handler(s.limitBodies(s.checkQuery(mux))))))
}

// checkQuery refuses a page whose query string holds what no text can (a
// NUL, bytes that are not UTF-8), naming the parameter, before any
// handler reads it.
func (s *Server) checkQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if field, problem := httpx.ValuesProblem(r.URL.Query()); field != "" {
			s.fail(w, r, nil, &rapport.Error{Code: rapport.EINVALID, Message: "The address's " + field + " parameter: " + problem,
				Fields: map[string]string{field: problem}})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// healthz answers 200 "ok" when the database answers and takes writes,
// and 503 with the reason otherwise ("database unavailable", "database
// cannot write: disk full"…); the store logs the details when the answer
// changes. See store.Health for what is checked and what it costs.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.Health(r.Context()); err != nil {
		reason := "database unavailable"
		var he *store.HealthError
		if errors.As(err, &he) {
			reason = he.Reason
		}
		http.Error(w, reason, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}
