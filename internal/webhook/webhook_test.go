package webhook_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/webhook"
)

// TestStandardWebhooksVector checks the signature against the example in
// the Standard Webhooks specification (its secret, id, timestamp and
// body, and the signature it gives), so that any receiver using one of
// its libraries verifies our requests.
func TestStandardWebhooksVector(t *testing.T) {
	const (
		secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		id     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		body   = `{"test": 2432232314}`
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	at := time.Unix(1614265330, 0)
	got, err := webhook.Sign(secret, id, at, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	h := http.Header{}
	h.Set(webhook.HeaderID, id)
	h.Set(webhook.HeaderTimestamp, "1614265330")
	h.Set(webhook.HeaderSignature, "v1,bm90IHRoaXMgb25l "+want) // a rotated-out signature first
	if gotID, err := webhook.Verify(secret, h, []byte(body), at.Add(time.Minute)); err != nil || gotID != id {
		t.Fatalf("verify: %q %v", gotID, err)
	}
	if _, err := webhook.Verify(secret, h, []byte(body+" "), at); !errors.Is(err, webhook.ErrSignature) {
		t.Errorf("changed body: %v", err)
	}
	if _, err := webhook.Verify(secret, h, []byte(body), at.Add(6*time.Minute)); !errors.Is(err, webhook.ErrTimestamp) {
		t.Errorf("old request: %v", err)
	}
	if _, err := webhook.Verify(secret, h, []byte(body), at.Add(-6*time.Minute)); !errors.Is(err, webhook.ErrTimestamp) {
		t.Errorf("request from the future: %v", err)
	}
	if _, err := webhook.Verify(webhook.NewSecret(), h, []byte(body), at); !errors.Is(err, webhook.ErrSignature) {
		t.Errorf("another secret: %v", err)
	}
	h.Del(webhook.HeaderSignature)
	if _, err := webhook.Verify(secret, h, []byte(body), at); !errors.Is(err, webhook.ErrMissing) {
		t.Errorf("no signature: %v", err)
	}
}
