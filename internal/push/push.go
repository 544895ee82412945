// Package push sends alerts to browsers and phones by Web Push: the
// server's VAPID keys (RFC 8292), the checks a browser's subscription must
// pass, and one encrypted message (RFC 8291, aes128gcm) per send, through
// github.com/SherClockHolmes/webpush-go.
//
// A send's error says what the caller does next: ErrGone (errors.Is) when
// the subscription is over and is to be forgotten, a *SendError with Retry
// set when the push service was busy or out of reach (try again, after
// RetryAfter when it said), and a *SendError without Retry when it refused
// the message for good.
package push

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/rapport-crm/rapport/internal/egress"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// Keys are the server's VAPID key pair, base64url without padding as
// browsers take them: Public is the uncompressed P-256 point (65 bytes),
// the applicationServerKey a page subscribes with; Private is the scalar
// (32 bytes), which signs every send and never leaves the server. Keys
// print and log with the private key masked.
type Keys struct {
	Public, Private string
}

// NewKeys makes a fresh key pair.
func NewKeys() (Keys, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return Keys{}, err
	}
	return Keys{Public: b64.EncodeToString(k.PublicKey().Bytes()), Private: b64.EncodeToString(k.Bytes())}, nil
}

// Validate checks that Private is a P-256 key and Public is its own.
func (k Keys) Validate() error {
	priv, err := decode64(k.Private)
	if err != nil {
		return errors.New("push: the VAPID private key is not base64url")
	}
	key, err := ecdh.P256().NewPrivateKey(priv)
	if err != nil {
		return errors.New("push: the VAPID private key is not a P-256 key")
	}
	pub, err := decode64(k.Public)
	if err != nil || string(pub) != string(key.PublicKey().Bytes()) {
		return errors.New("push: the VAPID public key is not the private key's")
	}
	return nil
}

const masked = "xxxxx"

// String shows the public key only.
func (k Keys) String() string { return "push.Keys{Public: " + k.Public + ", Private: " + masked + "}" }

// GoString shows the public key only, for %#v.
func (k Keys) GoString() string { return k.String() }

// LogValue shows the public key only.
func (k Keys) LogValue() slog.Value {
	return slog.GroupValue(slog.String("public", k.Public), slog.String("private", masked))
}

// b64 is how browsers write keys: base64url without padding.
var b64 = base64.RawURLEncoding

// decode64 reads base64url with or without padding.
func decode64(s string) ([]byte, error) {
	return b64.DecodeString(strings.TrimRight(s, "="))
}

// Subscription is what a browser's PushSubscription.toJSON() gives: the
// push service's address for this browser, and the browser's keys for
// the message's encryption.
type Subscription struct {
	Endpoint string
	// P256dh is the browser's public key, an uncompressed P-256 point.
	P256dh string
	// Auth is the browser's 16-byte authentication secret.
	Auth string
}

// MaxEndpoint bounds an endpoint's length; push services' are under 1,000.
const MaxEndpoint = 2048

// Validate checks a subscription as a browser makes it: an https
// endpoint on a public host, a 65-byte P-256 point and a 16-byte secret,
// in base64url with or without padding. Its error is an invalid
// *rapport.Error naming the field ("endpoint", "keys.p256dh", "keys.auth").
func (s Subscription) Validate() error { return s.validate(false) }

func (s Subscription) validate(allowLocal bool) error {
	fe := rapport.FieldErrors{}
	if msg := endpointProblem(s.Endpoint, allowLocal); msg != "" {
		fe.Add("endpoint", msg)
	}
	if p, err := decode64(s.P256dh); err != nil || len(p) != 65 {
		fe.Add("keys.p256dh", "The browser's key must be an uncompressed P-256 public key (65 bytes) in base64url.")
	} else if _, err := ecdh.P256().NewPublicKey(p); err != nil {
		fe.Add("keys.p256dh", "The browser's key is not a point on the P-256 curve.")
	}
	if a, err := decode64(s.Auth); err != nil || len(a) != 16 {
		fe.Add("keys.auth", "The browser's auth secret must be 16 bytes in base64url.")
	}
	if err := fe.Err(); err != nil {
		var e *rapport.Error
		errors.As(err, &e)
		e.Message = "That is not a push subscription a browser makes."
		return e
	}
	return nil
}

// endpointProblem says what is wrong with an endpoint, or "".
func endpointProblem(endpoint string, allowLocal bool) string {
	if endpoint == "" {
		return "The subscription has no endpoint."
	}
	allow := egress.Public
	if allowLocal {
		allow = egress.Loopback
	}
	return egress.CheckURL(endpoint, MaxEndpoint, allow, "a push service")
}

// Message is one alert. It travels to the browser as JSON
// ({"title","body","url","tag"}), which the service worker shows as a
// notification; the whole stays under MaxPayload bytes, the body cut
// short when it must be.
type Message struct {
	Title string
	Body  string
	// URL is the page a tap on the alert opens, a path of this site
	// ("/people/12"); the service worker opens no other site's pages.
	URL string
	// Tag groups alerts: a newer one with the same tag replaces the older
	// on the device.
	Tag string
	// TTL is how long the push service keeps the message for a device that
	// is offline: DefaultTTL when zero, at most MaxTTL.
	TTL time.Duration
	// Urgency is "very-low", "low", "normal" or "high" (RFC 8030); ""
	// leaves it to the push service (normal).
	Urgency string
}

// Limits of a message.
const (
	// MaxPayload bounds the JSON sent; push services take about 4 KB of
	// encrypted record, of which the encryption takes about 100 bytes.
	MaxPayload = 3000
	// MaxTitle bounds a title, in characters.
	MaxTitle = 120
	// DefaultTTL is how long an alert waits for an offline device.
	DefaultTTL = 24 * time.Hour
	// MaxTTL is the longest push services keep a message.
	MaxTTL = 28 * 24 * time.Hour
)

type payload struct {
	Title string `json:"title"`
	Body  string `json:"body,omitempty"`
	URL   string `json:"url,omitempty"`
	Tag   string `json:"tag,omitempty"`
}

// Payload is the JSON the browser receives: the title cut to MaxTitle
// characters and the body to what fits in MaxPayload bytes, each ending
// with "…" where it was cut.
func (m Message) Payload() ([]byte, error) {
	p := payload{Title: cut(strings.TrimSpace(m.Title), MaxTitle), Body: strings.TrimSpace(m.Body), URL: m.URL, Tag: m.Tag}
	if p.Title == "" {
		p.Title = "Rapport"
	}
	if len(p.URL) > 1000 || len(p.Tag) > 200 {
		return nil, errors.New("push: a message's URL is over 1,000 bytes or its tag over 200")
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	if len(b) <= MaxPayload {
		return b, nil
	}
	// Too long: keep as much of the body as fits, by characters, so that
	// escaping (a quote is two bytes in JSON, "<" six) is counted.
	body := []rune(p.Body)
	fits := func(n int) bool {
		p.Body = strings.TrimSpace(string(body[:n])) + "…"
		b, err = json.Marshal(p)
		return err == nil && len(b) <= MaxPayload
	}
	lo, hi := 0, len(body)
	for lo < hi {
		if mid := (lo + hi + 1) / 2; fits(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if !fits(lo) {
		return nil, errors.New("push: a message's title, URL and tag leave no room for its body")
	}
	return b, nil
}

// cut shortens s to n characters, the last being "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// ErrGone is the push service saying the subscription is over (404 or
// 410): the browser unsubscribed, or its user revoked the permission.
// The caller forgets the subscription.
var ErrGone = errors.New("push: the subscription is gone")

// SendError is a send that did not deliver.
type SendError struct {
	// Status is the push service's answer; 0 when there was none.
	Status int
	// Retry says the message may go through later: the push service was
	// busy (429), failing (5xx) or out of reach.
	Retry bool
	// RetryAfter is the wait the push service asked for (Retry-After),
	// when it did.
	RetryAfter time.Duration
	// Gone: the subscription is over; errors.Is(err, ErrGone) holds.
	Gone bool
	// Reason is the push service's answer's first line, or what went wrong.
	Reason string
	// Err is the cause when there was no answer.
	Err error
}

func (e *SendError) Error() string {
	var s string
	if e.Status != 0 {
		s = fmt.Sprintf("push: the push service answered %d %s", e.Status, http.StatusText(e.Status))
	} else {
		s = "push: no answer from the push service"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes errors.Is(err, ErrGone) hold for a gone subscription.
func (e *SendError) Is(target error) bool { return target == ErrGone && e.Gone }

func (e *SendError) Unwrap() error { return e.Err }

// Sender sends messages signed with the server's keys.
type Sender struct {
	Keys Keys
	// Subject is how a push service's operator reaches this server's:
	// "mailto:admin@example.com" or an https URL.
	Subject string
	// Client makes the requests. When nil, a client that connects only to
	// public addresses (or through the proxy the environment names), with
	// a 30-second limit.
	Client *http.Client
	// AllowLocal accepts endpoints on this computer (http or https to
	// localhost, 127.0.0.1, ::1), for tests with a push service of their
	// own.
	AllowLocal bool

	once   sync.Once
	client *http.Client
}

// Check validates a subscription as Subscription.Validate does, but for
// the local endpoints the sender allows.
func (s *Sender) Check(sub Subscription) error { return sub.validate(s.AllowLocal) }

// PublicKey is the key browsers subscribe with (applicationServerKey).
func (s *Sender) PublicKey() string { return s.Keys.Public }

// Send encrypts msg for the subscription and hands it to its push
// service. See the package's documentation for what its error means.
func (s *Sender) Send(ctx context.Context, sub Subscription, msg Message) error {
	if err := s.Keys.Validate(); err != nil {
		return err
	}
	subscriber, err := s.subscriber()
	if err != nil {
		return err
	}
	if err := s.Check(sub); err != nil {
		// A subscription that could never work is as good as gone.
		return &SendError{Gone: true, Reason: rapport.ErrorMessage(err), Err: err}
	}
	body, err := msg.Payload()
	if err != nil {
		return err
	}
	ttl := msg.TTL
	switch {
	case ttl == 0:
		ttl = DefaultTTL
	case ttl < 0:
		ttl = 0
	case ttl > MaxTTL:
		ttl = MaxTTL
	}
	urgency := webpush.Urgency(msg.Urgency)
	switch urgency {
	case "", webpush.UrgencyVeryLow, webpush.UrgencyLow, webpush.UrgencyNormal, webpush.UrgencyHigh:
	default:
		return fmt.Errorf("push: urgency %q: use very-low, low, normal or high", msg.Urgency)
	}
	p256dh, _ := decode64(sub.P256dh)
	auth, _ := decode64(sub.Auth)
	res, err := webpush.SendNotificationWithContext(ctx, body, &webpush.Subscription{Endpoint: sub.Endpoint,
		Keys: webpush.Keys{P256dh: b64.EncodeToString(p256dh), Auth: b64.EncodeToString(auth)}},
		&webpush.Options{HTTPClient: s.httpClient(), Subscriber: subscriber, TTL: int(ttl / time.Second), Urgency: urgency,
			VAPIDPublicKey: s.Keys.Public, VAPIDPrivateKey: s.Keys.Private})
	if err != nil {
		if egress.Refused(err) || errors.Is(err, webpush.ErrMaxPadExceeded) {
			return &SendError{Reason: "not sent", Err: err}
		}
		return &SendError{Retry: true, Err: err}
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	e := &SendError{Status: res.StatusCode, Reason: firstLine(answer)}
	switch {
	case res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusGone:
		e.Gone = true
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode == http.StatusRequestTimeout || res.StatusCode >= 500:
		e.Retry = true
		e.RetryAfter = retryAfter(res.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// subscriber is the Subject as webpush-go takes it: it writes "mailto:"
// before anything that is not an https URL itself.
func (s *Sender) subscriber() (string, error) {
	switch {
	case strings.HasPrefix(s.Subject, "https://") && len(s.Subject) > len("https://"):
		return s.Subject, nil
	case strings.HasPrefix(s.Subject, "mailto:") && strings.Contains(s.Subject, "@"):
		return strings.TrimPrefix(s.Subject, "mailto:"), nil
	}
	return "", fmt.Errorf("push: contact %q: use mailto:someone@example.com or an https URL", s.Subject)
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.ToValidUTF8(string(b), ""), "\n")
	return cut(strings.TrimSpace(s), 200)
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		return max(time.Duration(n)*time.Second, 0)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now).Round(time.Second), 0)
	}
	return 0
}

func (s *Sender) httpClient() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	s.once.Do(func() { s.client = publicClient(s.AllowLocal) })
	return s.client
}

// publicClient connects to push services: to public addresses only, so
// that a subscription naming a host inside the network cannot make the
// server call it, except through the proxy the environment names.
func publicClient(allowLocal bool) *http.Client {
	allow := egress.Public
	if allowLocal {
		allow = egress.Loopback
	}
	return egress.Client(allow, 30*time.Second)
}
