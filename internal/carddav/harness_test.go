package carddav_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/carddav"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/server"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/web"
)

var ctx = context.Background()

const password = "correct horse battery"

var chicago = func() *time.Location {
	l, err := time.LoadLocation("America/Chicago")
	if err != nil {
		panic(err)
	}
	return l
}()

// monday is a Monday morning in Chicago.
var monday = time.Date(2026, 11, 23, 10, 0, 0, 0, chicago)

// harness is the whole server — web pages, API and address books, as
// cmd/rapport composes them — over a real database.
type harness struct {
	t     *testing.T
	db    *store.DB
	clock *storetest.Clock
	srv   *httptest.Server
	// log holds the server's request log.
	log *syncBuffer
	// requests are the requests the server has been sent, bodies and all.
	mu       sync.Mutex
	requests []request
}

// request is one the server was sent.
type request struct {
	method, path, body string
}

func each(t *testing.T, fn func(t *testing.T, h *harness)) {
	clock := storetest.NewClock(monday)
	storetest.Each(t, clock.Now, func(t *testing.T, db *store.DB) {
		clock.Set(monday)
		fn(t, newHarness(t, db, clock))
	})
}

func newHarness(t *testing.T, db *store.DB, clock *storetest.Clock) *harness {
	t.Helper()
	h := &harness{t: t, db: db, clock: clock, log: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(h.log, nil))
	app, err := web.New(web.Options{DB: db, Now: clock.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	apiSrv := api.New(api.Options{DB: db, Now: clock.Now, Logger: log})
	dav := carddav.New(carddav.Options{DB: db, Now: clock.Now, Logger: log})
	all := server.New(app, apiSrv, dav, nil, config.DefaultInFlight(), nil)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.mu.Lock()
		h.requests = append(h.requests, request{r.Method, r.URL.Path, string(body)})
		h.mu.Unlock()
		all.ServeHTTP(w, r)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// fixture is an organisation that keeps people private to their owner,
// with an owner, an agent and a colleague of theirs, and the agent's
// people: Dana (phones, an email, a passion, a call), Ben (do not call),
// an archived one; the colleague's private Zelda; and another
// organisation's Otto.
type fixture struct {
	org                      *rapport.Org
	owner, agent, colleague  *rapport.User
	dana, ben, gone, secret  *rapport.Person
	foreign                  *rapport.Person
	agentPassword, agentName string
}

func (h *harness) fixture() *fixture {
	t := h.t
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{org: &rapport.Org{Name: "Acme Realty", Slug: "acme", Region: "US", TZ: "America/Chicago", Visibility: rapport.VisibilityOwn}}
	f.owner = &rapport.User{Email: "owner@acme.test", Name: "Olive Owner", Role: rapport.RoleOwner, PasswordHash: hash}
	if err := h.db.CreateOrg(ctx, f.org, f.owner); err != nil {
		t.Fatal(err)
	}
	f.org.Visibility = rapport.VisibilityOwn
	if err := h.db.UpdateOrg(ctx, rapport.Actor{Org: f.org.ID}, f.org); err != nil {
		t.Fatal(err)
	}
	f.agent = &rapport.User{OrgID: f.org.ID, Email: "agent@acme.test", Name: "Alex Agent", Role: rapport.RoleAgent, PasswordHash: hash}
	f.colleague = &rapport.User{OrgID: f.org.ID, Email: "colleague@acme.test", Name: "Cleo", Role: rapport.RoleAgent, PasswordHash: hash}
	for _, u := range []*rapport.User{f.agent, f.colleague} {
		if err := h.db.CreateUser(ctx, rapport.Actor{Org: f.org.ID}, u); err != nil {
			t.Fatal(err)
		}
	}
	agent := rapport.Member(f.org, f.agent)
	add := func(act rapport.Actor, p rapport.Person) *rapport.Person {
		t.Helper()
		if p.Kind == "" {
			p.Kind = rapport.KindLead
		}
		if err := h.db.CreatePerson(ctx, act, &p); err != nil {
			t.Fatal(err)
		}
		return &p
	}
	f.dana = add(agent, rapport.Person{FirstName: "Dana", LastName: "Whit", OwnerID: f.agent.ID,
		Phones: []rapport.Phone{{Number: "+13125550142", Label: "mobile"}, {Number: "+13125550143", Label: "boat"}},
		Emails: []rapport.Email{{Address: "dana@whit.test", Label: "home"}}})
	if err := h.db.AddFact(ctx, agent, &rapport.Fact{PersonID: f.dana.ID, Type: rapport.FactPassion, Text: "Sails on Lake Michigan"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.LogConversation(ctx, agent, &store.LogInput{Loc: chicago, Conversation: rapport.Conversation{PersonID: f.dana.ID,
		Channel: rapport.ChannelCall, Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeLive}}); err != nil {
		t.Fatal(err)
	}
	f.ben = add(agent, rapport.Person{FirstName: "Ben", LastName: "Ito; Jr", Kind: rapport.KindClient, OwnerID: f.agent.ID, DoNotCall: true,
		Phones: []rapport.Phone{{Number: "+13125550177", Label: "work"}}})
	f.gone = add(agent, rapport.Person{FirstName: "Gone", LastName: "Before", OwnerID: f.agent.ID})
	if err := h.db.ArchivePerson(ctx, agent, f.gone.ID, true); err != nil {
		t.Fatal(err)
	}
	f.secret = add(rapport.Member(f.org, f.colleague), rapport.Person{FirstName: "Zelda", LastName: "Secretkeeper", OwnerID: f.colleague.ID})

	other := &rapport.Org{Name: "Other", Slug: "other", Region: "US", TZ: "America/Chicago"}
	otherOwner := &rapport.User{Email: "agent@acme.test", Name: "Same Email Elsewhere", Role: rapport.RoleOwner, PasswordHash: hash}
	if err := h.db.CreateOrg(ctx, other, otherOwner); err != nil {
		t.Fatal(err)
	}
	f.foreign = add(rapport.Member(other, otherOwner), rapport.Person{FirstName: "Otto", LastName: "Elsewhere", OwnerID: otherOwner.ID})

	if _, f.agentPassword, err = h.db.CreateAppPassword(ctx, agent, "Alex's iPhone"); err != nil {
		t.Fatal(err)
	}
	return f
}

// sent returns the requests sent since the last call.
func (h *harness) sent() []request {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.requests
	h.requests = nil
	return out
}

type response struct {
	status int
	header http.Header
	body   string
}

// dav sends a request as a contacts app does.
func (h *harness) dav(method, path, user, pass, body string, header ...string) response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d\n%s", r.status, status, r.body)
	}
}

// syncBuffer is a log other goroutines write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
