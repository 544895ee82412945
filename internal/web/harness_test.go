package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/push/pushtest"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/web"
)

var ctx = context.Background()

const password = "correct horse battery"

// monday is 10:00 on a Monday in Chicago: inside calling hours.
var monday = time.Date(2026, 11, 23, 10, 0, 0, 0, mustLoc("America/Chicago"))

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// harness is a running server over a real database.
type harness struct {
	t     *testing.T
	db    *store.DB
	clock *storetest.Clock
	srv   *httptest.Server
	app   *web.Server
	hash  string
	// pushes is the push service of the devices tests subscribe, and
	// sender the server's alerts' sender, allowed to reach it.
	pushes *pushtest.Service
	sender *push.Sender
}

// testKeys are the VAPID keys of every test server.
var testKeys = sync.OnceValue(func() push.Keys {
	k, err := push.NewKeys()
	if err != nil {
		panic(err)
	}
	return k
})

func newHarness(t *testing.T, db *store.DB, clock *storetest.Clock) *harness {
	t.Helper()
	sender := &push.Sender{Keys: testKeys(), Subject: "mailto:ops@rapport.test", AllowLocal: true}
	app, err := web.New(web.Options{DB: db, Now: clock.Now, Logger: quietLog(), Push: sender})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, clock: clock, srv: httptest.NewServer(app), pushes: pushtest.New(t), sender: sender, app: app}
	h.pushes.Subject, h.pushes.Key = sender.Subject, sender.Keys.Public
	t.Cleanup(h.srv.Close)
	if h.hash, err = auth.HashPassword(password); err != nil {
		t.Fatal(err)
	}
	return h
}

// each runs fn against a fresh server on every database backend.
func each(t *testing.T, fn func(t *testing.T, h *harness)) {
	clock := storetest.NewClock(monday)
	storetest.Each(t, clock.Now, func(t *testing.T, db *store.DB) {
		clock.Set(monday)
		fn(t, newHarness(t, db, clock))
	})
}

// org creates an organisation with an owner, a manager and an agent.
type orgFixture struct {
	org                   *rapport.Org
	owner, manager, agent *rapport.User
}

func (h *harness) org(slug string) *orgFixture {
	h.t.Helper()
	f := &orgFixture{org: &rapport.Org{Name: "Org " + slug, Slug: slug, Region: "US", TZ: "America/Chicago"}}
	f.owner = &rapport.User{Email: "owner@" + slug + ".test", Name: "Owner " + slug, Role: rapport.RoleOwner, PasswordHash: h.hash}
	if err := h.db.CreateOrg(ctx, f.org, f.owner); err != nil {
		h.t.Fatal(err)
	}
	f.manager = &rapport.User{OrgID: f.org.ID, Email: "manager@" + slug + ".test", Name: "Manager " + slug, Role: rapport.RoleManager, PasswordHash: h.hash}
	f.agent = &rapport.User{OrgID: f.org.ID, Email: "agent@" + slug + ".test", Name: "Agent " + slug, Role: rapport.RoleAgent, PasswordHash: h.hash}
	for _, u := range []*rapport.User{f.manager, f.agent} {
		if err := h.db.CreateUser(ctx, rapport.Actor{Org: u.OrgID}, u); err != nil {
			h.t.Fatal(err)
		}
	}
	return f
}

// client is a browser-like HTTP client that does not follow redirects.
type client struct {
	h  *harness
	hc *http.Client
}

func (h *harness) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// signedIn returns a client signed in as email.
func (h *harness) signedIn(email string) *client {
	h.t.Helper()
	c := h.client()
	res := c.post("/signin", url.Values{"email": {email}, "password": {password}})
	if res.status != http.StatusSeeOther {
		h.t.Fatalf("sign in as %s: %d %s", email, res.status, res.body)
	}
	return c
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (c *client) do(req *http.Request) response {
	c.h.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
}

func (c *client) get(path string) response {
	c.h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.h.srv.URL+path, nil)
	return c.do(req)
}

// post sends a form the way a browser on our own pages does.
func (c *client) post(path string, v url.Values) response {
	c.h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.h.srv.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", c.h.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// postJSON sends JSON the way our own scripts do.
func (c *client) postJSON(path string, v any) response {
	c.h.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.h.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, c.h.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", c.h.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		body := r.body
		if len(body) > 600 {
			body = body[:600]
		}
		t.Fatalf("status = %d, want %d (location %q)\n%s", r.status, status, r.location, body)
	}
}

func wantBody(t *testing.T, r response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.body, p) {
			t.Errorf("page lacks %q", p)
		}
	}
}
