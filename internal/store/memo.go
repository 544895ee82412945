package store

import (
	"context"
	"sync"

	"github.com/uptrace/bun"
)

// A request reads its user and organisation many times: the session or
// key that signs it in, then every store method that works in their time
// zones or by their settings. A memo, put in the request's context by
// WithMemo, keeps the rows read once for the rest of the request, so that
// these are one read each, not five. It lives as long as the request;
// any write made in that context forgets it (memoHook), so a request
// that changes a user or its organisation reads them anew. What it hands
// out are copies: callers may change them.
type memo struct {
	mu   sync.Mutex
	kept map[any]any
}

// What a memo keeps, by kind of key: an organisation (rapport.Org), a
// user of an organisation (rapport.User), an organisation's users
// ([]rapport.User), a person an actor may see (true).
type (
	orgKey     int64
	userKey    [2]int64
	teamKey    int64
	visibleKey struct {
		org, person, only int64
	}
)

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

// recall returns what is kept under key, if anything; a nil memo keeps
// nothing.
func (m *memo) recall(key any) (any, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.kept[key]
	return v, ok
}

// keep keeps v, which must not be changed afterwards, under key.
func (m *memo) keep(key, v any) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.kept == nil {
		m.kept = map[any]any{}
	}
	m.kept[key] = v
}

func (m *memo) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kept = nil
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
