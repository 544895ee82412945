package push_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/push"
	"github.com/rapport-crm/rapport/internal/push/pushtest"
	"github.com/rapport-crm/rapport/internal/rapport"
)

var ctx = context.Background()

const contact = "mailto:ops@rapport.example"

func newSender(t *testing.T) *push.Sender {
	t.Helper()
	keys, err := push.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	return &push.Sender{Keys: keys, Subject: contact, AllowLocal: true}
}

func sub(d pushtest.Device) push.Subscription {
	return push.Subscription{Endpoint: d.Endpoint, P256dh: d.P256dh, Auth: d.Auth}
}

// TestKeys: fresh keys are a P-256 pair in base64url as browsers take
// them, and the private one never prints or logs.
func TestKeys(t *testing.T) {
	k, err := push.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(k.Public) != 87 || len(k.Private) != 43 || strings.ContainsAny(k.Public+k.Private, "+/=") {
		t.Errorf("keys are not unpadded base64url of 65 and 32 bytes: %q, %d", k.Public, len(k.Private))
	}
	other, _ := push.NewKeys()
	if err := (push.Keys{Public: other.Public, Private: k.Private}).Validate(); err == nil {
		t.Error("a public key of another pair passed")
	}
	if err := (push.Keys{Public: k.Public, Private: "not a key"}).Validate(); err == nil {
		t.Error("a broken private key passed")
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("keys", "vapid", k)
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k), buf.String()} {
		if strings.Contains(s, k.Private) {
			t.Errorf("the private key shows: %s", s)
		}
		if !strings.Contains(s, k.Public) {
			t.Errorf("the public key does not show: %s", s)
		}
	}
}

// TestSubscriptionValidate: what a browser makes passes, with or without
// padding; anything else is refused naming the field.
func TestSubscriptionValidate(t *testing.T) {
	svc := pushtest.New(t)
	d := svc.Subscribe("phone")
	good := push.Subscription{Endpoint: "https://fcm.googleapis.com/fcm/send/abc:def", P256dh: d.P256dh, Auth: d.Auth}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	padded := good
	padded.P256dh, padded.Auth = d.P256dh+"=", d.Auth+"=="
	if err := padded.Validate(); err != nil {
		t.Errorf("padded keys: %v", err)
	}
	for name, c := range map[string]struct {
		s     push.Subscription
		field string
	}{
		"no endpoint":        {push.Subscription{P256dh: d.P256dh, Auth: d.Auth}, "endpoint"},
		"http":               {push.Subscription{Endpoint: "http://push.example.com/x", P256dh: d.P256dh, Auth: d.Auth}, "endpoint"},
		"localhost":          {push.Subscription{Endpoint: d.Endpoint, P256dh: d.P256dh, Auth: d.Auth}, "endpoint"},
		"https to localhost": {push.Subscription{Endpoint: "https://localhost/x", P256dh: d.P256dh, Auth: d.Auth}, "endpoint"},
		"private address":    {push.Subscription{Endpoint: "https://10.1.2.3/x", P256dh: d.P256dh, Auth: d.Auth}, "endpoint"},
		"not a URL":          {push.Subscription{Endpoint: "push me", P256dh: d.P256dh, Auth: d.Auth}, "endpoint"},
		"too long":           {push.Subscription{Endpoint: "https://push.example.com/" + strings.Repeat("a", 2048), P256dh: d.P256dh, Auth: d.Auth}, "endpoint"},
		"short key":          {push.Subscription{Endpoint: good.Endpoint, P256dh: d.P256dh[:40], Auth: d.Auth}, "keys.p256dh"},
		"key off the curve":  {push.Subscription{Endpoint: good.Endpoint, P256dh: "BA" + strings.Repeat("A", 85), Auth: d.Auth}, "keys.p256dh"},
		"standard base64":    {push.Subscription{Endpoint: good.Endpoint, P256dh: strings.NewReplacer("-", "+", "_", "/").Replace(d.P256dh) + "+/", Auth: d.Auth}, "keys.p256dh"},
		"long auth":          {push.Subscription{Endpoint: good.Endpoint, P256dh: d.P256dh, Auth: d.Auth + "AAAA"}, "keys.auth"},
		"no auth":            {push.Subscription{Endpoint: good.Endpoint, P256dh: d.P256dh}, "keys.auth"},
	} {
		err := c.s.Validate()
		var e *rapport.Error
		if !errors.As(err, &e) || e.Code != rapport.EINVALID || e.Fields[c.field] == "" {
			t.Errorf("%s: %v, want a message for %s", name, err, c.field)
		}
	}
	// The test push service's own endpoints pass for a sender that allows
	// them, and only then.
	if err := (&push.Sender{AllowLocal: true}).Check(sub(d)); err != nil {
		t.Errorf("local endpoint with AllowLocal: %v", err)
	}
	if err := (&push.Sender{}).Check(sub(d)); err == nil {
		t.Error("local endpoint without AllowLocal passed")
	}
}

// TestSendDecrypts: a send reaches the push service signed for its origin
// with the server's key and contact, with its TTL and urgency, and the
// browser decrypts the JSON the message was.
func TestSendDecrypts(t *testing.T) {
	svc := pushtest.New(t)
	s := newSender(t)
	svc.Subject, svc.Key = contact, s.Keys.Public
	phone := svc.Subscribe("phone")
	msg := push.Message{Title: "New lead: Maria Lopez", Body: "From Zillow, 2 min ago. \"Looking at 3-beds\" <near the lake> & schools",
		URL: "/people/12", Tag: "lead-12", TTL: 90 * time.Minute, Urgency: "high"}
	if err := s.Send(ctx, sub(phone), msg); err != nil {
		t.Fatal(err)
	}
	got := svc.Received()
	if len(got) != 1 {
		t.Fatalf("%d pushes", len(got))
	}
	p := got[0]
	if p.Err != nil || p.Status != http.StatusCreated {
		t.Fatalf("the push service refused: %d %v", p.Status, p.Err)
	}
	if p.TTL != 5400 || p.Urgency != "high" || p.Claims.Sub != contact || p.Claims.Aud != svc.URL {
		t.Errorf("push = TTL %d, urgency %q, claims %+v", p.TTL, p.Urgency, p.Claims)
	}
	var payload map[string]string
	if err := json.Unmarshal(p.Payload, &payload); err != nil {
		t.Fatalf("payload %q: %v", p.Payload, err)
	}
	want := map[string]string{"title": msg.Title, "body": msg.Body, "url": msg.URL, "tag": msg.Tag}
	if fmt.Sprint(payload) != fmt.Sprint(want) {
		t.Errorf("payload = %v, want %v", payload, want)
	}

	// Defaults: a day to wait, the push service's own urgency; an https
	// contact is taken as it is.
	s.Subject, svc.Subject = "https://rapport.example/contact", "https://rapport.example/contact"
	if err := s.Send(ctx, sub(phone), push.Message{Title: "Hello"}); err != nil {
		t.Fatal(err)
	}
	if p := svc.Received()[1]; p.Err != nil || p.TTL != 86400 || p.Urgency != "" || string(p.Payload) != `{"title":"Hello"}` {
		t.Errorf("second push = %+v (%s)", p, p.Payload)
	}

	// A message is refused before sending when it cannot be right.
	if err := s.Send(ctx, sub(phone), push.Message{Title: "x", Urgency: "urgent"}); err == nil {
		t.Error("an unknown urgency was sent")
	}
	s.Subject = "ops@rapport.example"
	if err := s.Send(ctx, sub(phone), push.Message{Title: "x"}); err == nil {
		t.Error("a contact that is neither mailto: nor https: was used")
	}
	if n := len(svc.Received()); n != 2 {
		t.Errorf("%d pushes after the refused ones", n)
	}
}

// TestPayloadFits: a long body is cut, at a character, to keep the JSON
// under MaxPayload bytes however it escapes, and says it was cut.
func TestPayloadFits(t *testing.T) {
	for _, body := range []string{strings.Repeat("é", 4000), strings.Repeat(`"<>&`, 2000), strings.Repeat("word ", 1000)} {
		m := push.Message{Title: strings.Repeat("T", 300), Body: body, URL: "/people/1"}
		b, err := m.Payload()
		if err != nil {
			t.Fatal(err)
		}
		var p map[string]string
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		if len(b) > push.MaxPayload || len(b) < push.MaxPayload-20 {
			t.Errorf("payload is %d bytes", len(b))
		}
		if !utf8.ValidString(p["body"]) || !strings.HasSuffix(p["body"], "…") || !strings.HasPrefix(body, strings.TrimSuffix(p["body"], "…")) {
			t.Errorf("body cut badly: …%q", p["body"][len(p["body"])-20:])
		}
		if utf8.RuneCountInString(p["title"]) != push.MaxTitle || !strings.HasSuffix(p["title"], "…") {
			t.Errorf("title = %d characters", utf8.RuneCountInString(p["title"]))
		}
	}
	if _, err := (push.Message{Title: "x", URL: "/" + strings.Repeat("a", 2000)}).Payload(); err == nil {
		t.Error("a 2 KB URL was taken")
	}
}

// TestSendErrors: what the push service answers becomes what the caller
// does: forget the subscription (404, 410), try again later (429, 5xx, no
// answer), or give up on the message (other 4xx).
func TestSendErrors(t *testing.T) {
	svc := pushtest.New(t)
	s := newSender(t)
	phone := svc.Subscribe("phone")
	later := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, c := range []struct {
		answer     pushtest.Answer
		gone       bool
		retry      bool
		retryAfter time.Duration
	}{
		{answer: pushtest.Answer{Status: http.StatusGone}, gone: true},
		{answer: pushtest.Answer{Status: http.StatusNotFound}, gone: true},
		{answer: pushtest.Answer{Status: http.StatusServiceUnavailable, Header: http.Header{"Retry-After": {"120"}}}, retry: true, retryAfter: 2 * time.Minute},
		{answer: pushtest.Answer{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {later}}}, retry: true, retryAfter: 90 * time.Second},
		{answer: pushtest.Answer{Status: http.StatusInternalServerError}, retry: true},
		{answer: pushtest.Answer{Status: http.StatusBadRequest}},
		{answer: pushtest.Answer{Status: http.StatusRequestEntityTooLarge}},
		{answer: pushtest.Answer{Status: http.StatusForbidden}},
	} {
		svc.Queue(c.answer)
		err := s.Send(ctx, sub(phone), push.Message{Title: "Hello"})
		var se *push.SendError
		if !errors.As(err, &se) {
			t.Fatalf("%d: %v, want a *SendError", c.answer.Status, err)
		}
		if se.Status != c.answer.Status || errors.Is(err, push.ErrGone) != c.gone || se.Retry != c.retry {
			t.Errorf("%d: status %d, gone %v, retry %v", c.answer.Status, se.Status, errors.Is(err, push.ErrGone), se.Retry)
		}
		if d := se.RetryAfter - c.retryAfter; d < -2*time.Second || d > 2*time.Second {
			t.Errorf("%d: retry after %s, want %s", c.answer.Status, se.RetryAfter, c.retryAfter)
		}
		if !strings.Contains(err.Error(), fmt.Sprint(c.answer.Status)) {
			t.Errorf("%d: message %q does not say the status", c.answer.Status, err)
		}
	}
	for _, p := range svc.Received() {
		if p.Err != nil {
			t.Errorf("the push service found a fault: %v", p.Err)
		}
	}

	// No answer at all: try again later.
	cl := sub(phone)
	cl.Endpoint = "http://127.0.0.1:1/push/phone"
	err := s.Send(ctx, cl, push.Message{Title: "Hello"})
	var se *push.SendError
	if !errors.As(err, &se) || !se.Retry || se.Status != 0 || errors.Is(err, push.ErrGone) {
		t.Errorf("unreachable push service: %v", err)
	}

	// A subscription that could never work is as good as gone.
	bad := sub(phone)
	bad.Auth = "short"
	if err := s.Send(ctx, bad, push.Message{Title: "Hello"}); !errors.Is(err, push.ErrGone) {
		t.Errorf("broken subscription: %v", err)
	}
}
