package carddav

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// challenge asks for the email and an app password.
const challenge = `Basic realm="Rapport contacts", charset="UTF-8"`

// signIn reads who a request is from its Basic credentials: the user's
// email and one of their app passwords. A session cookie counts for
// nothing here (a page of another site could make a browser send one),
// nor does the account's password. Failures are throttled as sign-ins
// are (see store.BeginAppSignIn); a locked-out client is told when to
// come back. It answers the request itself when it returns false.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) (*account, bool) {
	email, password, ok := r.BasicAuth()
	if !ok || email == "" {
		h.unauthorized(w, "Sign in with your email and an app password made in Rapport's Settings.")
		return nil, false
	}
	attempt, err := h.db.BeginAppSignIn(r.Context(), email, httpx.ClientIP(r))
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	if !attempt.Locked.IsZero() {
		h.locked(w, attempt.Locked)
		return nil, false
	}
	org, user, err := h.db.AppPasswordUser(r.Context(), email, password)
	if rapport.ErrorCode(err) == rapport.ENOTFOUND {
		until, err := h.db.AppSignInFailed(r.Context(), attempt)
		if err != nil {
			h.fail(w, r, err)
		} else if !until.IsZero() {
			h.locked(w, until)
		} else {
			h.unauthorized(w, "That email and app password do not match a working app password. Make one in Rapport's Settings; your account's password does not work here.")
		}
		return nil, false
	}
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	if err := h.db.AppSignInSucceeded(r.Context(), attempt); err != nil {
		h.log.Warn("clear app sign-in failures", "err", err)
	}
	return &account{org: org, user: user, actor: rapport.Member(org, user), loc: user.Location(org)}, true
}

func (h *Handler) unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", challenge)
	davError(w, http.StatusUnauthorized, msg)
}

func (h *Handler) locked(w http.ResponseWriter, until time.Time) {
	wait := int(math.Ceil(until.Sub(h.now()).Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(wait, 1)))
	davError(w, http.StatusTooManyRequests, "Too many failed sign-ins: try again in a while.")
}
