package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/push/pushtest"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var ctx = context.Background()

var monday = time.Date(2026, 11, 23, 10, 0, 0, 0, mustLoc("America/Chicago"))

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

type harness struct {
	t     *testing.T
	db    *store.DB
	clock *storetest.Clock
	srv   *httptest.Server
	// pushes is a push service whose devices the API may subscribe.
	pushes *pushtest.Service
}

// pushSender sends alerts with fresh keys, to the test push service too.
func pushSender(t *testing.T) *push.Sender {
	keys, err := push.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	return &push.Sender{Keys: keys, Subject: "mailto:ops@rapport.test", AllowLocal: true}
}

type tenant struct {
	org   *rapport.Org
	owner *rapport.User
	agent *rapport.User
	key   string
}

func newHarness(t *testing.T, db *store.DB, clock *storetest.Clock, opts api.Options) *harness {
	opts.DB, opts.Now = db, clock.Now
	opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := &harness{t: t, db: db, clock: clock, srv: httptest.NewServer(api.New(opts)), pushes: pushtest.New(t)}
	t.Cleanup(h.srv.Close)
	return h
}

func each(t *testing.T, fn func(t *testing.T, h *harness)) {
	clock := storetest.NewClock(monday)
	storetest.Each(t, clock.Now, func(t *testing.T, db *store.DB) {
		clock.Set(monday)
		fn(t, newHarness(t, db, clock, api.Options{Push: pushSender(t)}))
	})
}

func (h *harness) tenant(slug string) *tenant {
	h.t.Helper()
	tn := &tenant{org: &rapport.Org{Name: "Org " + slug, Slug: slug, Region: "US", TZ: "America/Chicago"}}
	tn.owner = &rapport.User{Email: "owner@" + slug + ".test", Name: "Owner " + slug, Role: rapport.RoleOwner, PasswordHash: "x"}
	if err := h.db.CreateOrg(ctx, tn.org, tn.owner); err != nil {
		h.t.Fatal(err)
	}
	tn.agent = &rapport.User{OrgID: tn.org.ID, Email: "agent@" + slug + ".test", Name: "Agent " + slug, Role: rapport.RoleAgent, PasswordHash: "x"}
	if err := h.db.CreateUser(ctx, rapport.Actor{Org: tn.agent.OrgID}, tn.agent); err != nil {
		h.t.Fatal(err)
	}
	tn.key = h.key(tn.org.ID, tn.agent.ID)
	return tn
}

func (h *harness) key(orgID, userID int64) string {
	key, prefix, hash := auth.NewAPIKey()
	if err := h.db.CreateAPIKey(ctx, rapport.Actor{Org: orgID}, &store.APIKey{OrgID: orgID, UserID: userID, Prefix: prefix, Hash: hash, Name: "test"}); err != nil {
		h.t.Fatal(err)
	}
	return key
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON (%d): %s", r.status, r.body)
	}
	return m
}

func (r reply) errField() string {
	var e struct {
		Error struct {
			Code, Message, Field string
		}
	}
	json.Unmarshal(r.body, &e)
	return e.Error.Field
}

func (h *harness) call(key, method, path string, body any) reply {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, _ := json.Marshal(b)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, h.srv.URL+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header, b}
}

func want(t *testing.T, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); status != http.StatusNoContent && !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("content type %q", ct)
	}
}

func num(m map[string]any, k string) int64 { return int64(m[k].(float64)) }
