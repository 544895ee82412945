// Package httpx holds what Rapport's two HTTP layers (the web pages and the
// JSON API) share: how error codes become statuses, and small helpers.
package httpx

import (
	"net"
	"net/http"

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

// ClientIP is the remote address of a request without its port.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
