package store

import (
	"context"
	"slices"
	"sync"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// A request reads its user and organisation many times: the session or
// key that signs it in, then every store method that works in their time
// zones or by their settings. A memo, put in the request's context by
// WithMemo, keeps the rows read once for the rest of the request, so that
// these are one read each, not five. It lives as long as the request;
// any write made in that context forgets it (memoHook), so a request
// that changes a user or its organisation reads them anew.
type memo struct {
	mu    sync.Mutex
	orgs  map[int64]rapport.Org
	users map[[2]int64]rapport.User
	teams map[int64][]rapport.User
}

type memoKey struct{}

// WithMemo returns a context whose store reads of users and organisations
// are kept for its lifetime: a request's.
func WithMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{})
}

func memoFrom(ctx context.Context) *memo {
	m, _ := ctx.Value(memoKey{}).(*memo)
	return m
}

// org returns a copy of the organisation remembered, if it is.
func (m *memo) org(id int64) (*rapport.Org, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.orgs[id]
	return &o, ok
}

func (m *memo) keepOrg(o *rapport.Org) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.orgs == nil {
		m.orgs = map[int64]rapport.Org{}
	}
	m.orgs[o.ID] = *o
}

// user returns a copy of the user remembered, if it is: callers may
// change what they are given.
func (m *memo) user(orgID, id int64) (*rapport.User, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[[2]int64{orgID, id}]
	return &u, ok
}

func (m *memo) keepUser(u *rapport.User) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users == nil {
		m.users = map[[2]int64]rapport.User{}
	}
	m.users[[2]int64{u.OrgID, u.ID}] = *u
}

// team returns a copy of the organisation's users remembered, if they are.
func (m *memo) team(orgID int64) ([]rapport.User, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	us, ok := m.teams[orgID]
	return slices.Clone(us), ok
}

func (m *memo) keepTeam(orgID int64, us []rapport.User) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.teams == nil {
		m.teams = map[int64][]rapport.User{}
	}
	m.teams[orgID] = slices.Clone(us)
}

func (m *memo) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.orgs, m.users, m.teams = nil, nil, nil
}

// memoHook forgets a request's memo at its first write: whatever the
// write changed, the request's later reads see it.
type memoHook struct{}

func (memoHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (memoHook) AfterQuery(ctx context.Context, e *bun.QueryEvent) {
	if m := memoFrom(ctx); m != nil && e.Operation() != "SELECT" {
		m.forget()
	}
}
