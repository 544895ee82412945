// Package redact hides secrets in text that Rapport logs or prints: the
// password of a database, SMTP or any other URL (in its userinfo or its
// query, as ?password= or ?sslpassword=), key=value settings that name a
// secret (libpq's password=...), and the secrets of a connection string
// wherever a driver's error quotes them. It is the one place Rapport
// redacts: the configuration dump, start-up lines, command errors and,
// through Attr, every log line use it.
package redact

import (
	"errors"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces a secret.
const Mask = "xxxxx"

// secretKey reports whether a query parameter or setting named key holds
// a secret. Names are compared folded, with dashes as underscores.
func secretKey(key string) bool {
	k := strings.ReplaceAll(strings.ToLower(key), "-", "_")
	switch k {
	case "pass", "pw", "key", "apikey", "api_key", "auth", "authorization", "sig", "signature", "credentials":
		return true
	}
	for _, w := range []string{"password", "passwd", "pwd", "secret", "token"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// URL returns s with the secrets of the URL it holds masked: the userinfo
// password and the value of every query parameter whose name says it is a
// secret. The rest is left as written. Text without a scheme (a SQLite
// file path) comes back unchanged; a URL that does not parse is masked
// from its shape, erring towards masking more.
func URL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !validScheme(scheme) {
		return s
	}
	// A URL that parses has certain boundaries, the same the drivers see.
	if u, err := url.Parse(s); err == nil && u.Opaque == "" {
		u.RawQuery = maskQuery(u.RawQuery)
		return u.Redacted()
	}
	// One that does not may hold an unescaped @, /, ? or # in its
	// password: the userinfo runs to the last @, and everything from the
	// first colon before it is masked.
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		if c := strings.IndexByte(rest[:at], ':'); c >= 0 {
			rest = rest[:c+1] + Mask + rest[at:]
		}
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		frag := ""
		if h := strings.IndexByte(rest[q:], '#'); h >= 0 {
			frag = rest[q+h:]
			rest = rest[:q+h]
		}
		rest = rest[:q+1] + maskQuery(rest[q+1:]) + frag
	}
	return scheme + "://" + rest
}

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

func validScheme(s string) bool { return schemeRE.MatchString(s) }

// maskQuery masks the values of secret parameters in a raw query.
func maskQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if hasValue && secretKey(k) {
			parts[i] = p[:strings.IndexByte(p, '=')+1] + Mask
		}
	}
	return strings.Join(parts, "&")
}

// urlRE finds URLs in free text, up to a space or a quote.
var urlRE = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s\"'`<>]+")

// settingRE finds key=value settings, as libpq's connection strings and
// many errors write them: the value quoted ('...' or "...") or up to a
// space or separator.
var settingRE = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;,)]+)`)

// Text masks the secrets in free text: every URL in it, as URL does, and
// every key=value setting whose key names a secret.
func Text(s string) string {
	if !strings.Contains(s, "://") && !strings.Contains(s, "=") {
		return s
	}
	if strings.Contains(s, "://") {
		s = urlRE.ReplaceAllStringFunc(s, URL)
	}
	if strings.Contains(s, "=") {
		s = settingRE.ReplaceAllStringFunc(s, func(m string) string {
			sub := settingRE.FindStringSubmatch(m)
			if !secretKey(sub[1]) || sub[2] == Mask {
				return m
			}
			return m[:len(m)-len(sub[2])] + Mask
		})
	}
	return s
}

// Secrets returns the secrets a URL holds (its password, the values of
// its secret parameters), as written and decoded, so that they can be
// masked wherever a message quotes them whatever its shape.
func Secrets(s string) []string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !validScheme(scheme) {
		return nil
	}
	var out []string
	add := func(v string) {
		if v == "" || v == Mask {
			return
		}
		out = append(out, v)
		if d, err := url.PathUnescape(v); err == nil && d != v {
			out = append(out, d)
		}
		if d, err := url.QueryUnescape(v); err == nil && d != v {
			out = append(out, d)
		}
	}
	rest, _, _ = strings.Cut(rest, "#")
	authPath, query, _ := strings.Cut(rest, "?")
	if at := strings.LastIndexByte(authPath, '@'); at >= 0 {
		if _, pw, has := strings.Cut(authPath[:at], ":"); has {
			add(pw)
		}
	}
	for _, p := range strings.Split(query, "&") {
		k, v, has := strings.Cut(p, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if has && secretKey(k) {
			add(v)
		}
	}
	return out
}

// Error returns err with its message masked as Text masks it and with
// every secret the given URLs hold masked wherever it appears. It still
// unwraps to err, so errors.Is and errors.As see the driver's error.
func Error(err error, urls ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, u := range urls {
		for _, s := range Secrets(u) {
			msg = strings.ReplaceAll(msg, s, Mask)
		}
	}
	msg = Text(msg)
	if msg == err.Error() {
		return err
	}
	return &redacted{msg: msg, err: err}
}

type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// Is keeps errors.Is working through a redacted error.
func (e *redacted) Is(target error) bool { return errors.Is(e.err, target) }

// Attr masks secrets in a log attribute: use it as a handler's
// ReplaceAttr, so that no log line carries one whatever logged it.
func Attr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); true {
			if m := Text(s); m != s {
				return slog.String(a.Key, m)
			}
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, Text(err.Error()))
		}
	}
	return a
}
