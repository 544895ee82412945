package rapport

import (
	"errors"
	"fmt"
	"sort"
)

// Error codes. The HTTP layer maps each to a status in one place.
const (
	ENOTFOUND     = "not_found"
	EINVALID      = "invalid"
	ECONFLICT     = "conflict"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORIZED = "unauthorized"
	ERATELIMIT    = "rate_limited"
	ETOOLARGE     = "too_large"
	EMETHOD       = "method_not_allowed"
	EINTERNAL     = "internal"
)

// Error is the one error type the application reports to users. Message is
// safe to show; anything internal stays in the wrapped error chain and logs.
type Error struct {
	Code    string
	Message string
	// Fields maps a form or JSON field name to what is wrong with it.
	Fields map[string]string
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	return fmt.Sprintf("%s (%s)", e.Message, e.FieldList())
}

// FieldList renders the field errors in a stable order, for logs and CLIs.
func (e *Error) FieldList() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += "; "
		}
		s += k + ": " + e.Fields[k]
	}
	return s
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports that what was asked for does not exist in the caller's
// organisation. It is also the answer for another organisation's ids.
func NotFound(what string) *Error {
	return &Error{Code: ENOTFOUND, Message: what + " not found"}
}

// ErrorCode returns the code of an *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic message so that nothing internal leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

// FieldErrors collects per-field problems while validating input.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message: the
// first problem found is the one worth showing.
func (fe FieldErrors) Add(field, msg string) {
	if _, ok := fe[field]; !ok {
		fe[field] = msg
	}
}

// Err returns nil when nothing was recorded, otherwise an EINVALID *Error.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Please correct the highlighted fields.", Fields: map[string]string(fe)}
}

// Merge copies the field errors of err (when it is an EINVALID *Error) into fe
// under prefix, and reports whether err was such an error.
func (fe FieldErrors) Merge(prefix string, err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Code != EINVALID {
		return false
	}
	for k, v := range e.Fields {
		fe.Add(prefix+k, v)
	}
	if len(e.Fields) == 0 {
		fe.Add(prefix, e.Message)
	}
	return true
}
