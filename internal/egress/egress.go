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

// PublicAddr reports whether a is an address on the internet: global
// unicast, and in none of the special-purpose ranges that are not
// reachable from it (RFC 6890's registries) or that lead back inside
// (cloud metadata). An IPv6 address that carries an IPv4 one (NAT64,
// 6to4, Teredo, IPv4-compatible) is judged by the IPv4 address too.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range special {
		if p.Contains(a) {
			return false
		}
	}
	if v4, ok := embedded(a); ok {
		return PublicAddr(v4)
	}
	return true
}

// special are the ranges that are not on the internet, beyond private
// and loopback ones.
var special = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",         // this network
		"100.64.0.0/10",     // shared address space (carrier-grade NAT)
		"169.254.0.0/16",    // link-local, cloud metadata
		"192.0.0.0/24",      // IETF protocol assignments
		"192.0.2.0/24",      // documentation
		"198.18.0.0/15",     // benchmarking
		"198.51.100.0/24",   // documentation
		"203.0.113.0/24",    // documentation
		"240.0.0.0/4",       // reserved
		"168.63.129.16/32",  // Azure's host services
		"fec0::/10",         // site-local (deprecated)
		"2001:db8::/32",     // documentation
		"2001:10::/28",      // ORCHID
		"2001:20::/28",      // ORCHIDv2
		"100::/64",          // discard
		"64:ff9b:1::/48",    // local-use NAT64
		"fd00:ec2::254/128", // AWS metadata over IPv6 (also private)
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
	teredo    = netip.MustParsePrefix("2001::/32")
	compat    = netip.MustParsePrefix("::/96")
)

// embedded returns the IPv4 address an IPv6 one carries, when it is one
// of the kinds that reach IPv4 hosts.
func embedded(a netip.Addr) (netip.Addr, bool) {
	if !a.Is6() {
		return netip.Addr{}, false
	}
	b := a.As16()
	switch {
	case nat64.Contains(a), compat.Contains(a):
		return netip.AddrFrom4([4]byte(b[12:16])), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte(b[2:6])), true
	case teredo.Contains(a):
		// The client's address, obfuscated (each bit flipped).
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

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

// Error does not name the address: a message shown to whoever gave the
// host name would map the network for them.
func (e *AddrError) Error() string {
	return "the host is not at an address on the internet"
}

// Refused reports whether err is a connection egress refused.
func Refused(err error) bool {
	var ae *AddrError
	return errors.As(err, &ae)
}

// checkHost resolves host and refuses it when any of its addresses may
// not be called.
func (allow Allow) checkHost(ctx context.Context, host string) error {
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if !allow.Permits(a) {
			return &AddrError{Addr: a.String()}
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		if !allow.Permits(a) {
			return &AddrError{Addr: a.String()}
		}
	}
	return nil
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
	// Through a proxy the proxy resolves and connects, out of the dialer's
	// sight: the target's addresses are checked here first, every time.
	t.Proxy = func(req *http.Request) (*url.URL, error) {
		if err := allow.checkHost(req.Context(), req.URL.Hostname()); err != nil {
			return nil, err
		}
		return http.ProxyFromEnvironment(req)
	}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if proxies[addr] {
			return direct.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: t, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
