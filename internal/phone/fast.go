package phone

import (
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Normalizer normalises many numbers for one region, as an import does.
// Parsing with the full library costs some 18 µs a number; a North
// American number written in any of the usual ways ("(312) 555-0142",
// "312.555.0142", "+1 312 555 0142") is instead read by its digits, and
// whether it is valid is looked up by its first seven national digits —
// area code, exchange and one more — decided once by the library for each
// such prefix. (Across every area code and exchange, validity does not
// depend on the later digits; the store's tests check the fast path
// against the library.) Anything else goes to the library. Safe for
// concurrent use.
type Normalizer struct {
	region string
	nanp   bool
	mu     sync.RWMutex
	valid  map[string]bool
}

// NewNormalizer returns a normalizer for numbers written in region.
func NewNormalizer(region string) *Normalizer {
	region = strings.ToUpper(region)
	return &Normalizer{region: region, nanp: phonenumbers.GetCountryCodeForRegion(region) == 1, valid: map[string]bool{}}
}

// Normalize returns the E.164 form of raw, as Normalize does.
func (n *Normalizer) Normalize(raw string) (string, error) {
	national, ok := n.nanpDigits(raw)
	if !ok {
		return Normalize(raw, n.region)
	}
	key := national[:7]
	n.mu.RLock()
	valid, known := n.valid[key]
	n.mu.RUnlock()
	if !known {
		_, err := Normalize("+1"+national, "")
		valid = err == nil
		n.mu.Lock()
		n.valid[key] = valid
		n.mu.Unlock()
	}
	if !valid {
		return "", errorf("%q is not a valid phone number.", strings.TrimSpace(raw))
	}
	return "+1" + national, nil
}

// nanpDigits returns the ten national digits of a North American number
// written with nothing but digits and the usual punctuation.
func (n *Normalizer) nanpDigits(raw string) (string, bool) {
	var d [16]byte
	k := 0
	plus := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= '0' && c <= '9':
			if k == len(d) {
				return "", false
			}
			d[k] = c
			k++
		case c == '+' && k == 0 && !plus:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return "", false
		}
	}
	digits := d[:k]
	switch {
	case plus && k == 11 && digits[0] == '1':
		digits = digits[1:]
	case !plus && n.nanp && k == 11 && digits[0] == '1':
		digits = digits[1:]
	case !plus && n.nanp && k == 10:
	default:
		return "", false
	}
	if digits[0] < '2' || digits[3] < '2' {
		return "", false // not a NANP shape; let the library say why
	}
	return string(digits), true
}
