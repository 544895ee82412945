package api

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// account is who a request acts for: the key's user in its organisation.
type account struct {
	key  *store.APIKey
	user *rapport.User
	org  *rapport.Org
	loc  *time.Location
	// actor is the key's user acting in their organisation, for the store.
	actor rapport.Actor
}

type keyedHandler func(w http.ResponseWriter, r *http.Request, a *account) error

var errNoKey = &rapport.Error{Code: rapport.EUNAUTHORIZED,
	Message: "Send an API key as 'Authorization: Bearer KEY', or as the Basic username with an empty password."}

// keyed authenticates a request by its API key, applies the key's rate
// limit, and runs h.
func (s *Server) keyed(h keyedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := keyFrom(r)
		if token == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rapport", Basic realm="rapport"`)
			s.fail(w, r, errNoKey)
			return
		}
		k, u, org, err := s.db.APIKeyUser(r.Context(), auth.HashToken(token))
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rapport", error="invalid_token"`)
			s.fail(w, r, &rapport.Error{Code: rapport.EUNAUTHORIZED, Message: "That API key is not valid (revoked, or never issued)."})
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if !s.limits.allow(w, k.ID) {
			s.fail(w, r, &rapport.Error{Code: rapport.ERATELIMIT, Message: "Too many requests for this key; wait as Retry-After says."})
			return
		}
		a := &account{key: k, user: u, org: org, loc: u.Location(org), actor: rapport.Member(org, u)}
		// The store attributes writes in the audit log to the key's user.
		ctx := context.WithValue(r.Context(), accountKey{}, a)
		if err := h(w, r.WithContext(ctx), a); err != nil {
			s.fail(w, r, err)
		}
	})
}

type accountKey struct{}

// keyFrom reads the key from a Bearer token, or from the username of Basic
// authentication with an empty password (how lead sources send it).
func keyFrom(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(rest)
	}
	if user, _, ok := r.BasicAuth(); ok {
		return strings.TrimSpace(user)
	}
	return ""
}

// limiter is a token bucket per API key: each key may burst to burst
// requests and is refilled at perMinute. Kept in this process, or, when
// servers share the database (shared), in the database, so that a key
// has one bucket however many servers it reaches.
type limiter struct {
	mu        sync.Mutex
	perMinute int
	burst     int
	now       func() time.Time
	buckets   map[int64]*bucket
	shared    *store.DB
	log       *slog.Logger
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(perMinute, burst int, now func() time.Time) *limiter {
	return &limiter{perMinute: perMinute, burst: burst, now: now, buckets: map[int64]*bucket{}}
}

// allow takes a token for key and sets the X-RateLimit-* headers (and
// Retry-After when it refuses). The three headers describe one window, the
// key's bucket: Limit is its size (the requests a key may make at once),
// Remaining the whole requests left in it now, and Reset the seconds until
// it is full again, Remaining back at Limit. The steady rate is what fills
// it; Retry-After is the seconds until the next request is allowed.
func (l *limiter) allow(w http.ResponseWriter, key int64) bool {
	rate := float64(l.perMinute) / 60 // tokens a second
	if l.shared != nil {
		b, err := l.shared.TakeToken(context.Background(), key, l.perMinute, l.burst)
		if err == nil {
			return l.answer(w, b.Tokens, b.Took, rate)
		}
		// A database that cannot count lets the request through: the
		// request itself will meet the same database.
		l.log.Warn("counting an API request in the database", "err", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: float64(l.burst), at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(float64(l.burst), b.tokens+now.Sub(b.at).Seconds()*rate)
	b.at = now
	ok := b.tokens >= 1
	if ok {
		b.tokens--
	}
	return l.answer(w, b.tokens, ok, rate)
}

// answer sets the headers for a bucket left with tokens after a request
// that took one (ok) or was refused.
func (l *limiter) answer(w http.ResponseWriter, tokens float64, ok bool, rate float64) bool {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.burst))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(int(tokens)))
	h.Set("X-RateLimit-Reset", strconv.Itoa(int(math.Ceil((float64(l.burst)-tokens)/rate))))
	if !ok {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil((1-tokens)/rate))))
	}
	return ok
}
