package pushtest

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// RFC 8291, Appendix A: a message encrypted for a browser with fixed keys
// and salt, and what section 5 shows of the derivation.
const (
	rfcPlaintext = "When I grow up, I want to be a watermelon"
	rfcASPublic  = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
	rfcASPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
	rfcUAPublic  = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
	rfcUAPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
	rfcSalt      = "DGv6ra1nlYgDCS1FRnbzlw"
	rfcAuth      = "BTBZMqHH6r4Tts7J_aSIgg"
	rfcECDH      = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs"
	rfcIKM       = "S4lYMb_L0FxCeq0WhDx813KgSYqU26kOyzWUdsXYyrg"
	rfcCEK       = "oIhVW04MRdy2XN9CiKLxTg"
	rfcNonce     = "4h_95klXJ5E_qnoN"
	rfcBody      = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)

func dec(t *testing.T, s string) []byte {
	t.Helper()
	b, err := b64.DecodeString(s)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return b
}

// TestDecryptRFC8291Example: the decryption the test push service does
// reads RFC 8291's example message, deriving each of its published values
// on the way, so the service is proven against the standard rather than
// against the library it checks.
func TestDecryptRFC8291Example(t *testing.T) {
	ua, err := ecdh.P256().NewPrivateKey(dec(t, rfcUAPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if got := b64.EncodeToString(ua.PublicKey().Bytes()); got != rfcUAPublic {
		t.Fatalf("ua public = %s", got)
	}
	as, err := ecdh.P256().NewPrivateKey(dec(t, rfcASPrivate))
	if err != nil {
		t.Fatal(err)
	}
	if got := b64.EncodeToString(as.PublicKey().Bytes()); got != rfcASPublic {
		t.Fatalf("as public = %s", got)
	}
	secret, err := ua.ECDH(as.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if got := b64.EncodeToString(secret); got != rfcECDH {
		t.Errorf("ecdh_secret = %s, want %s", got, rfcECDH)
	}
	k, err := Derive(secret, dec(t, rfcAuth), dec(t, rfcUAPublic), dec(t, rfcASPublic), dec(t, rfcSalt))
	if err != nil {
		t.Fatal(err)
	}
	for name, pair := range map[string][2]string{"IKM": {b64.EncodeToString(k.IKM), rfcIKM},
		"CEK": {b64.EncodeToString(k.CEK), rfcCEK}, "NONCE": {b64.EncodeToString(k.Nonce), rfcNonce}} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %s, want %s", name, pair[0], pair[1])
		}
	}
	body := dec(t, rfcBody)
	if !bytes.Equal(body[:16], dec(t, rfcSalt)) || !bytes.Equal(body[21:86], dec(t, rfcASPublic)) {
		t.Fatal("the example's header does not hold its salt and key")
	}
	plain, err := Decrypt(body, ua, dec(t, rfcAuth))
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != rfcPlaintext {
		t.Fatalf("plaintext = %q", plain)
	}

	// Any change to the record, or the wrong secret, fails.
	for i := range []int{0, 1} {
		bad := bytes.Clone(body)
		if i == 0 {
			bad[len(bad)-20] ^= 1
			if _, err := Decrypt(bad, ua, dec(t, rfcAuth)); err == nil {
				t.Error("a changed record decrypted")
			}
		} else if _, err := Decrypt(body, ua, make([]byte, 16)); err == nil {
			t.Error("decrypted with the wrong auth secret")
		}
	}
	if _, err := Decrypt(body[:40], ua, dec(t, rfcAuth)); err == nil {
		t.Error("a cut body decrypted")
	}
}

// token signs claims as an application server would.
func token(t *testing.T, key *ecdsa.PrivateKey, claims any) string {
	t.Helper()
	h, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "ES256"})
	c, _ := json.Marshal(claims)
	input := b64.EncodeToString(h) + "." + b64.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig)
}

// TestVerifyVAPID: the service takes a token signed by its key for its
// origin, in date, with a contact, and refuses every other.
func TestVerifyVAPID(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := key.PublicKey.Bytes()
	now := time.Now()
	const origin = "https://push.example.com"
	good := Claims{Aud: origin, Exp: now.Add(12 * time.Hour).Unix(), Sub: "mailto:ops@example.com"}
	header := func(k *ecdsa.PrivateKey, c Claims) string {
		return "vapid t=" + token(t, k, c) + ", k=" + b64.EncodeToString(pub)
	}
	c, gotKey, err := VerifyVAPID(header(key, good), origin, now)
	if err != nil || c != good || !bytes.Equal(gotKey, pub) {
		t.Fatalf("good token: %+v, %v", c, err)
	}
	for name, h := range map[string]string{
		"signed by another key": header(other, good),
		"another audience":      header(key, Claims{Aud: "https://evil.example", Exp: good.Exp, Sub: good.Sub}),
		"expired":               header(key, Claims{Aud: origin, Exp: now.Add(-time.Minute).Unix(), Sub: good.Sub}),
		"beyond a day":          header(key, Claims{Aud: origin, Exp: now.Add(25 * time.Hour).Unix(), Sub: good.Sub}),
		"no contact":            header(key, Claims{Aud: origin, Exp: good.Exp, Sub: "ops@example.com"}),
		"not vapid":             "Bearer abc",
		"no key":                "vapid t=" + token(t, key, good),
	} {
		if _, _, err := VerifyVAPID(h, origin, now); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.TrimSpace(err.Error()) == "" {
			t.Errorf("%s: no reason given", name)
		}
	}
}
