// Package web serves Rapport's user interface: server-rendered pages from
// embedded templates, our own CSS and a little JavaScript, with forms that
// work without it.
package web

import (
	"log/slog"
	"net/http"
	"time"

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
}

// Server is the web application.
type Server struct {
	db            *store.DB
	log           *slog.Logger
	now           func() time.Time
	views         *views
	assets        *assets
	secureCookies bool
	handler       http.Handler
}

// New builds the server, parsing every template once.
func New(o Options) (*Server, error) {
	s := &Server{db: o.DB, log: o.Logger, now: o.Now, secureCookies: o.SecureCookies}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
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

// routes registers every page. Handlers that need a signed-in user are
// wrapped by s.user; everything state-changing is a POST, and the whole
// mux sits behind cross-origin protection.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /static/{hash}/{file}", s.assets.serve)

	mux.Handle("GET /setup", s.page(s.setupForm))
	mux.Handle("POST /setup", s.page(s.setup))
	mux.Handle("GET /signin", s.page(s.signinForm))
	mux.Handle("POST /signin", s.page(s.signin))
	mux.Handle("POST /signout", s.page(s.signout))

	mux.Handle("GET /{$}", s.user(s.home))
	mux.Handle("GET /today", s.user(s.today))
	mux.Handle("GET /call", s.user(s.callNext))
	mux.Handle("GET /call/{id}", s.user(s.callPerson))
	mux.Handle("POST /call/{id}", s.user(s.callLog))

	mux.Handle("GET /people", s.user(s.peopleList))
	mux.Handle("GET /people/new", s.user(s.personNew))
	mux.Handle("POST /people", s.user(s.personCreate))
	mux.Handle("GET /people/suggest", s.user(s.peopleSuggest))
	mux.Handle("GET /people/{id}", s.user(s.personShow))
	mux.Handle("GET /people/{id}/edit", s.user(s.personEdit))
	mux.Handle("POST /people/{id}", s.user(s.personUpdate))
	mux.Handle("POST /people/{id}/archive", s.user(s.personArchive))
	mux.Handle("POST /people/{id}/restore", s.user(s.personRestore))
	mux.Handle("POST /people/{id}/stage", s.user(s.personStage))
	mux.Handle("POST /people/{id}/facts", s.user(s.factCreate))
	mux.Handle("POST /people/{id}/facts/{fid}/delete", s.user(s.factDelete))
	mux.Handle("GET /people/{id}/log", s.user(s.logForm))
	mux.Handle("POST /people/{id}/log", s.user(s.logCreate))
	mux.Handle("POST /people/{id}/followups", s.user(s.followUpCreate))

	mux.Handle("GET /followups", s.user(s.followUpList))
	mux.Handle("POST /followups/{id}/done", s.user(s.followUpDone))
	mux.Handle("POST /followups/{id}/cancel", s.user(s.followUpCancel))

	mux.Handle("GET /settings", s.user(s.settingsForm))
	mux.Handle("POST /settings", s.user(s.settingsSave))
	mux.Handle("POST /settings/password", s.user(s.passwordSave))
	mux.Handle("POST /settings/org", s.user(s.orgSave))
	mux.Handle("GET /users", s.user(s.usersList))
	mux.Handle("POST /users", s.user(s.userCreate))

	mux.Handle("/", s.page(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))

	cop := http.NewCrossOriginProtection()
	return s.logRequests(s.secureHeaders(cop.Handler(mux)))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.Ping(r.Context()); err != nil {
		s.log.Warn("health check failed", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}
