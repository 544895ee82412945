// Package webhook signs and verifies webhook requests in the manner of
// the Standard Webhooks specification (standardwebhooks.com): three
// headers, webhook-id (the delivery's id, the same on every retry),
// webhook-timestamp (seconds since 1970) and webhook-signature ("v1," and
// the base64 HMAC-SHA256 of "id.timestamp.body" under the endpoint's
// secret, several separated by spaces while a secret is being replaced).
// A secret is "whsec_" and the base64 of its key.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every secret.
const SecretPrefix = "whsec_"

// Tolerance is how far a request's timestamp may be from the receiver's
// clock: further, and it may be a replay.
const Tolerance = 5 * time.Minute

// NewSecret makes a secret with a 32-byte key.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

func key(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil || len(k) < 24 {
		return nil, errors.New("webhook: the secret is not whsec_ and a base64 key of at least 24 bytes")
	}
	return k, nil
}

// Sign returns the signature header's value for a request.
func Sign(secret, id string, at time.Time, body []byte) (string, error) {
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	return "v1," + sign(k, id, strconv.FormatInt(at.Unix(), 10), body), nil
}

func sign(k []byte, id, ts string, body []byte) string {
	m := hmac.New(sha256.New, k)
	fmt.Fprintf(m, "%s.%s.", id, ts)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SetHeaders signs a request's body and sets the three headers.
func SetHeaders(h http.Header, secret, id string, at time.Time, body []byte) error {
	sig, err := Sign(secret, id, at, body)
	if err != nil {
		return err
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return nil
}

// Errors of Verify.
var (
	ErrMissing   = errors.New("webhook: a signature header is missing")
	ErrTimestamp = errors.New("webhook: the timestamp is too far from now")
	ErrSignature = errors.New("webhook: no signature matches")
)

// Verify checks a request as a receiver does: the three headers present,
// the timestamp within Tolerance of now, and one of the v1 signatures the
// body's under secret. It returns the delivery's id, by which a receiver
// recognises a delivery it has already had.
func Verify(secret string, h http.Header, body []byte, now time.Time) (string, error) {
	id, ts, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || ts == "" || sigs == "" {
		return "", ErrMissing
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", ErrTimestamp
	}
	if d := now.Sub(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
		return "", ErrTimestamp
	}
	k, err := key(secret)
	if err != nil {
		return "", err
	}
	want := sign(k, id, ts, body)
	for _, s := range strings.Fields(sigs) {
		v, sig, ok := strings.Cut(s, ",")
		if ok && v == "v1" && hmac.Equal([]byte(sig), []byte(want)) {
			return id, nil
		}
	}
	return "", ErrSignature
}
