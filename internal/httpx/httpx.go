// Package httpx holds what Rapport's two HTTP layers (the web pages and the
// JSON API) share: how error codes become statuses, and small helpers.
package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Status maps an error code to its HTTP status, for every handler.
func Status(code string) int {
	switch code {
	case rapport.ENOTFOUND:
		return http.StatusNotFound
	case rapport.EINVALID:
		return http.StatusBadRequest
	case rapport.ECONFLICT:
		return http.StatusConflict
	case rapport.EFORBIDDEN:
		return http.StatusForbidden
	case rapport.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case rapport.ERATELIMIT:
		return http.StatusTooManyRequests
	case rapport.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case rapport.EMETHOD:
		return http.StatusMethodNotAllowed
	case "":
		return http.StatusOK
	}
	return http.StatusInternalServerError
}

// TrustProxies makes a request that came through one of the proxies
// carry its client's address: X-Forwarded-For is read from the right,
// past every address that is itself a trusted proxy, and the first other
// one is the client. A request from anywhere else keeps its own address,
// whatever it claims, so that no one can pose as another address to the
// sign-in throttle by sending the header.
func TrustProxies(proxies []netip.Prefix, next http.Handler) http.Handler {
	if len(proxies) == 0 {
		return next
	}
	trusted := func(a netip.Addr) bool {
		a = a.Unmap()
		for _, p := range proxies {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err == nil && trusted(peer.Addr()) {
			hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
			for i := len(hops) - 1; i >= 0; i-- {
				a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
				if err != nil {
					break // a hop we cannot read: stop at the last trusted one
				}
				if !trusted(a) {
					r2 := r.Clone(r.Context())
					r2.RemoteAddr = netip.AddrPortFrom(a.Unmap(), 0).String()
					r = r2
					break
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// ClientIP is the remote address of a request without its port.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
