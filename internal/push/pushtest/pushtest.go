// Package pushtest is a push service for tests. It checks what a push
// service checks of a send (the VAPID token and its key, RFC 8292; the
// Content-Encoding, TTL and Urgency headers, RFC 8030) and decrypts the
// message as the browser would (RFC 8291 over RFC 8188's aes128gcm), with
// the standard library alone, so that a test reads the payload that
// arrived. Its own tests hold the decryption to RFC 8291's worked example.
package pushtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var b64 = base64.RawURLEncoding

// Service is a running push service.
type Service struct {
	// URL is the service's origin, http://127.0.0.1:port.
	URL string
	// Subject, when set, is the sub every token must carry.
	Subject string
	// Key, when set, is the application server's public key (base64url)
	// every send must be signed with.
	Key string

	srv      *httptest.Server
	mu       sync.Mutex
	devices  map[string]*device
	received []Push
	answers  []Answer
}

// Device is a subscription of the service: what a browser would hand the
// application server.
type Device struct {
	Name                   string
	Endpoint, P256dh, Auth string
}

type device struct {
	key  *ecdh.PrivateKey
	auth []byte
}

// Answer is a status (and headers) the service gives instead of 201.
type Answer struct {
	Status int
	Header http.Header
}

// Claims are a VAPID token's.
type Claims struct {
	Aud string `json:"aud"`
	Exp int64  `json:"exp"`
	Sub string `json:"sub"`
}

// Push is one request the service took.
type Push struct {
	// Device is the name of the device it was for.
	Device  string
	TTL     int
	Urgency string
	Claims  Claims
	// Payload is the decrypted message.
	Payload []byte
	// Status is what the service answered.
	Status int
	// Err is what was wrong with the request; the service then answered
	// 400 (headers, encryption) or 403 (VAPID).
	Err error
}

// New starts a service, closed when the test ends.
func New(t testing.TB) *Service {
	s := &Service{devices: map[string]*device{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	t.Cleanup(s.srv.Close)
	return s
}

// Subscribe makes a device with keys of its own, as a browser subscribing
// would; its endpoint is URL/push/name.
func (s *Service) Subscribe(name string) Device {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	s.mu.Lock()
	s.devices[name] = &device{key: k, auth: auth}
	s.mu.Unlock()
	return Device{Name: name, Endpoint: s.URL + "/push/" + name, P256dh: b64.EncodeToString(k.PublicKey().Bytes()), Auth: b64.EncodeToString(auth)}
}

// Queue makes the next sends, one each, answered with these instead of
// 201 Created (after the checks and decryption, which are recorded).
func (s *Service) Queue(answers ...Answer) {
	s.mu.Lock()
	s.answers = append(s.answers, answers...)
	s.mu.Unlock()
}

// Received lists the requests taken so far.
func (s *Service) Received() []Push {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Push(nil), s.received...)
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/push/")
	s.mu.Lock()
	d := s.devices[name]
	s.mu.Unlock()
	if r.Method != http.MethodPost || !ok || d == nil {
		http.NotFound(w, r)
		return
	}
	p := Push{Device: name}
	status, err := s.check(r, d, &p)
	if err != nil {
		p.Err = err
	} else {
		s.mu.Lock()
		if len(s.answers) > 0 {
			a := s.answers[0]
			s.answers = s.answers[1:]
			status = a.Status
			for k, vs := range a.Header {
				w.Header()[k] = vs
			}
		}
		s.mu.Unlock()
	}
	p.Status = status
	s.mu.Lock()
	s.received = append(s.received, p)
	s.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", s.URL+"/message/"+strconv.Itoa(len(s.Received())))
	}
	w.WriteHeader(status)
}

// check verifies a send and decrypts it into p, answering the status to
// give.
func (s *Service) check(r *http.Request, d *device, p *Push) (int, error) {
	claims, key, err := VerifyVAPID(r.Header.Get("Authorization"), s.URL, time.Now())
	if err != nil {
		return http.StatusForbidden, err
	}
	p.Claims = claims
	if s.Key != "" && b64.EncodeToString(key) != strings.TrimRight(s.Key, "=") {
		return http.StatusForbidden, errors.New("the token is signed with another key than the application server's")
	}
	if s.Subject != "" && claims.Sub != s.Subject {
		return http.StatusForbidden, fmt.Errorf("sub is %q, want %q", claims.Sub, s.Subject)
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "aes128gcm" {
		return http.StatusBadRequest, fmt.Errorf("Content-Encoding is %q, want aes128gcm", ce)
	}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		return http.StatusBadRequest, fmt.Errorf("TTL is %q, want seconds", r.Header.Get("TTL"))
	}
	p.TTL = ttl
	switch p.Urgency = r.Header.Get("Urgency"); p.Urgency {
	case "", "very-low", "low", "normal", "high":
	default:
		return http.StatusBadRequest, fmt.Errorf("Urgency is %q", p.Urgency)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8192))
	if err != nil {
		return http.StatusBadRequest, err
	}
	if len(body) > 4096 {
		return http.StatusRequestEntityTooLarge, fmt.Errorf("the body is %d bytes, over 4096", len(body))
	}
	if p.Payload, err = Decrypt(body, d.key, d.auth); err != nil {
		return http.StatusBadRequest, err
	}
	return http.StatusCreated, nil
}

// VerifyVAPID checks an Authorization header of the form
// "vapid t=<JWT>, k=<public key>" for a push service at origin: an ES256
// token whose signature the key verifies, whose aud is origin, whose exp
// is in the next 24 hours and whose sub is a mailto: or https: contact.
// It returns the claims and the key.
func VerifyVAPID(authorization, origin string, now time.Time) (Claims, []byte, error) {
	var c Claims
	scheme, params, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "vapid") {
		return c, nil, fmt.Errorf("authorization %q is not vapid", authorization)
	}
	var token, key string
	for _, part := range strings.Split(params, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			token = v
		case "k":
			key = v
		}
	}
	pub, err := b64.DecodeString(key)
	if err != nil || len(pub) != 65 {
		return c, nil, errors.New("k is not a 65-byte base64url key")
	}
	ecdsaPub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub)
	if err != nil {
		return c, nil, fmt.Errorf("k: %w", err)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, nil, errors.New("t is not a JWT")
	}
	var header struct{ Alg, Typ string }
	if err := decodeJSON(parts[0], &header); err != nil || header.Alg != "ES256" {
		return c, nil, fmt.Errorf("the token's header %+v is not ES256 (%v)", header, err)
	}
	if err := decodeJSON(parts[1], &c); err != nil {
		return c, nil, fmt.Errorf("the token's claims: %w", err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return c, nil, errors.New("the token's signature is not 64 bytes (r || s)")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(ecdsaPub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return c, nil, errors.New("the token's signature does not verify with k")
	}
	if c.Aud != origin {
		return c, nil, fmt.Errorf("aud is %q, want %q", c.Aud, origin)
	}
	if exp := time.Unix(c.Exp, 0); !exp.After(now) || exp.After(now.Add(24*time.Hour)) {
		return c, nil, fmt.Errorf("exp %s is not within the next 24 hours", exp.UTC())
	}
	if !strings.HasPrefix(c.Sub, "mailto:") && !strings.HasPrefix(c.Sub, "https:") {
		return c, nil, fmt.Errorf("sub %q is neither mailto: nor https:", c.Sub)
	}
	return c, pub, nil
}

func decodeJSON(part string, v any) error {
	b, err := b64.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Keys are what RFC 8291 derives for one message.
type Keys struct {
	IKM, CEK, Nonce []byte
}

// Derive computes a message's keys (RFC 8291 section 3.4, RFC 8188
// section 2.2) from the ECDH secret, the browser's auth secret, the two
// public keys and the message's salt.
func Derive(ecdhSecret, auth, uaPublic, asPublic, salt []byte) (Keys, error) {
	info := "WebPush: info\x00" + string(uaPublic) + string(asPublic)
	ikm, err := hkdf.Key(sha256.New, ecdhSecret, auth, info, 32)
	if err != nil {
		return Keys{}, err
	}
	prk, err := hkdf.Extract(sha256.New, ikm, salt)
	if err != nil {
		return Keys{}, err
	}
	cek, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return Keys{}, err
	}
	nonce, err := hkdf.Expand(sha256.New, prk, "Content-Encoding: nonce\x00", 12)
	return Keys{IKM: ikm, CEK: cek, Nonce: nonce}, err
}

// Decrypt reads an aes128gcm body (RFC 8188: salt, record size, key id
// length, key id, then the records) sent to the browser whose key is ua
// and whose auth secret is auth (RFC 8291: the key id is the sender's
// public key).
func Decrypt(body []byte, ua *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("the body is shorter than its header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if rs < 18 {
		return nil, fmt.Errorf("record size %d is under 18", rs)
	}
	if len(body) < 21+idlen {
		return nil, errors.New("the body is shorter than its key id")
	}
	asPublic, records := body[21:21+idlen], body[21+idlen:]
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, fmt.Errorf("the key id is not a P-256 public key: %w", err)
	}
	secret, err := ua.ECDH(as)
	if err != nil {
		return nil, err
	}
	k, err := Derive(secret, auth, ua.PublicKey().Bytes(), asPublic, salt)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k.CEK)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, errors.New("the body holds no record")
	}
	var out []byte
	for seq := uint64(0); len(records) > 0; seq++ {
		n := min(int(rs), len(records))
		record := records[:n]
		records = records[n:]
		nonce := bytes.Clone(k.Nonce)
		var s [8]byte
		binary.BigEndian.PutUint64(s[:], seq)
		for i := range s {
			nonce[4+i] ^= s[i]
		}
		plain, err := gcm.Open(nil, nonce, record, nil)
		if err != nil {
			return nil, fmt.Errorf("record %d does not decrypt: %w", seq, err)
		}
		// Content, a delimiter (2 in the last record, 1 before), zeros.
		end := len(plain) - 1
		for end >= 0 && plain[end] == 0 {
			end--
		}
		last := len(records) == 0
		switch {
		case end < 0:
			return nil, fmt.Errorf("record %d has no padding delimiter", seq)
		case last && plain[end] != 2:
			return nil, fmt.Errorf("the last record's delimiter is %d, want 2", plain[end])
		case !last && plain[end] != 1:
			return nil, fmt.Errorf("record %d's delimiter is %d, want 1", seq, plain[end])
		}
		out = append(out, plain[:end]...)
	}
	return out, nil
}
