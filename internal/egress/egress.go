// Package egress is how the server calls out to addresses its users give
// it (push services, webhook endpoints) without being turned against the
// network it runs in (server-side request forgery): such an address must
// be on the internet, both when it is given (CheckURL) and when the
// connection is made (Client: a host that resolves inside the network is
// refused at dial time, which also defeats DNS rebinding). Redirects are
// not followed.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// Allow widens what may be called, for operators and tests.
type Allow int

const (
	// Public: addresses on the internet only.
	Public Allow = iota
	// Loopback: also this computer (tests of push services).
	Loopback
	// Private: also loopback, private, link-local and shared addresses
	// (an operator whose receivers are inside their network).
	Private
)

// PublicAddr reports whether a is an address on the internet.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsGlobalUnicast() && !a.IsPrivate() && !cgnat.Contains(a)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// Permits reports whether an address may be called under allow.
func (allow Allow) Permits(a netip.Addr) bool {
	a = a.Unmap()
	switch {
	case PublicAddr(a):
		return true
	case allow == Loopback:
		return a.IsLoopback()
	case allow == Private:
		return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast()
	}
	return false
}

// LocalHost reports whether host names this computer.
func LocalHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.Unmap().IsLoopback()
}

// CheckURL says what is wrong with an address to call, in words for the
// person who typed it, or "" when it may be called: an absolute http(s)
// URL without user name or fragment, https unless allow lets it inside the
// network, whose host is not this computer or a private address unless
// allow says so. What says is the kind of thing it must be ("a push
// service", "a webhook receiver"). A host name is checked again when the
// connection is made (Client).
func CheckURL(raw string, maxLen int, allow Allow, what string) string {
	if raw == "" {
		return "The address is empty."
	}
	if len(raw) > maxLen {
		return fmt.Sprintf("The address is longer than %d characters.", maxLen)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "The address is not a URL."
	}
	if u.User != nil || u.Fragment != "" {
		return "The address must not hold a user name or a fragment."
	}
	host := u.Hostname()
	local := LocalHost(host)
	addr, ipErr := netip.ParseAddr(strings.Trim(host, "[]"))
	inside := local || (ipErr == nil && !PublicAddr(addr))
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "The address must start with https://."
	case inside && (allow == Private || (allow == Loopback && local)):
		return ""
	case u.Scheme != "https":
		return "The address must be an https address."
	case local:
		return "The address names this computer, not " + what + "."
	case inside:
		return "The address names a private address, not " + what + ". (The server's operator may allow private addresses.)"
	}
	return ""
}

// AddrError is a connection refused because the host resolved to an
// address that may not be called.
type AddrError struct{ Addr string }

func (e *AddrError) Error() string {
	return "the host is at " + e.Addr + ", not an address on the internet"
}

// Refused reports whether err is a connection egress refused.
func Refused(err error) bool {
	var ae *AddrError
	return errors.As(err, &ae)
}

// Client returns an HTTP client that connects only to addresses allow
// permits, except through the proxy the environment names, with timeout
// for the whole exchange, and that follows no redirect.
func Client(allow Allow, timeout time.Duration) *http.Client {
	proxies := map[string]bool{}
	for _, env := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		if u, err := url.Parse(os.Getenv(env)); err == nil && u.Host != "" {
			port := u.Port()
			if port == "" {
				port = map[string]string{"https": "443"}[u.Scheme]
				if port == "" {
					port = "80"
				}
			}
			proxies[net.JoinHostPort(u.Hostname(), port)] = true
		}
	}
	direct := &net.Dialer{Timeout: 10 * time.Second}
	guarded := &net.Dialer{Timeout: 10 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if !allow.Permits(ap.Addr()) {
			return &AddrError{Addr: ap.Addr().Unmap().String()}
		}
		return nil
	}}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if proxies[addr] {
			return direct.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: t, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
