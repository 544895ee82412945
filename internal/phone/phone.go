// Package phone normalises phone numbers to E.164 with the organisation's
// default region, and formats them for people.
package phone

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nyaruka/phonenumbers"
)

// Normalize parses a number as written ("(312) 555-0142", "312.555.0142",
// "+44 20 7946 0958") and returns its E.164 form. Numbers without a
// country code are read in region (an ISO 3166 code such as "US").
func Normalize(raw, region string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", errorf("Enter a phone number.")
	}
	num, err := phonenumbers.Parse(raw, strings.ToUpper(region))
	if err != nil {
		return "", errorf("%q is not a phone number we can read.", raw)
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", errorf("%q is not a valid phone number.", raw)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// Display formats an E.164 number for reading: nationally when it is in
// region, internationally otherwise. Working out a number's region is
// slow next to rendering a page, and pages show the same numbers again
// and again, so results are remembered (up to displayCacheSize of them).
func Display(e164, region string) string {
	key := region + e164
	if v, ok := displayCache.Load(key); ok {
		return v.(string)
	}
	out := display(e164, region)
	if displayCached.Add(1) > displayCacheSize {
		displayCache.Clear()
		displayCached.Store(0)
	}
	displayCache.Store(key, out)
	return out
}

const displayCacheSize = 50_000

var (
	displayCache  sync.Map
	displayCached atomic.Int64
)

func display(e164, region string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	if phonenumbers.GetRegionCodeForNumber(num) == strings.ToUpper(region) {
		return phonenumbers.Format(num, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// ValidRegion reports whether region is a numbering region the library
// knows, such as "US" or "GB".
func ValidRegion(region string) bool {
	return phonenumbers.GetCountryCodeForRegion(strings.ToUpper(region)) != 0
}

// Error is a problem with a phone number, worded for the person who typed it.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func errorf(format string, args ...any) error {
	return &Error{msg: fmt.Sprintf(format, args...)}
}
