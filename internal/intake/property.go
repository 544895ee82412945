package intake

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// amount is a price or count as sent, and its value when it could be read.
type amount struct {
	raw   string
	value float64
	ok    bool
}

// amount reads a number sent as a number or as text: "450000", "$450,000",
// "$500k", "1.2M". Text it cannot read is kept as written, with a warning.
func (r *leadReader) amount(path string, v any) amount {
	raw := r.text(path, v)
	if raw == "" {
		return amount{}
	}
	n, ok := parseAmount(raw)
	if !ok {
		r.warn("%s: %q is not a number; kept as written", path, raw)
	}
	return amount{raw: raw, value: n, ok: ok}
}

// parseAmount reads the ways lead sources write amounts: digits with or
// without a dollar sign, thousands commas and spaces, and a k or M.
func parseAmount(s string) (float64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "usd")
	s = strings.NewReplacer("$", "", ",", "", " ", "", "_", "").Replace(s)
	mult := 1.0
	for _, suf := range []struct {
		s string
		m float64
	}{{"million", 1e6}, {"mil", 1e6}, {"mm", 1e6}, {"m", 1e6}, {"thousand", 1e3}, {"k", 1e3}} {
		if strings.HasSuffix(s, suf.s) {
			s, mult = strings.TrimSuffix(s, suf.s), suf.m
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) || s == "" {
		return 0, false
	}
	return n * mult, true
}

// readProperty describes the listing in a line: "123 Main St, Chicago, IL
// 60614 · Condo · MLS 123 · 3 bd / 2 ba · 1,850 sq ft · 0.25 acre lot ·
// $450K". What the line cannot hold (its URL, fields Rapport does not
// know) goes to the details.
func (r *leadReader) readProperty(m map[string]any, personPrice amount) string {
	var parts []string
	price := personPrice
	if m != nil {
		get := func(names ...string) string {
			v, _ := take(m, names...)
			return r.text("property."+names[0], v)
		}
		street := get("street", "address", "streetAddress")
		if unit := get("unit"); unit != "" {
			street = strings.TrimSpace(street + " " + unit)
		}
		addr := strings.Join(nonEmpty(street, get("city"), strings.TrimSpace(get("state")+" "+get("code", "zip", "zipCode", "postalCode"))), ", ")
		if addr != "" {
			parts = append(parts, addr)
		}
		if t := get("type", "propertyType"); t != "" {
			parts = append(parts, t)
		}
		if mls := get("mlsNumber", "mls", "mlsId", "listingId"); mls != "" {
			parts = append(parts, "MLS "+mls)
		}
		num := func(name string) amount {
			v, _ := take(m, name)
			return r.amount("property."+name, v)
		}
		beds, baths := num("bedrooms"), num("bathrooms")
		count := func(a amount, unit string) string {
			if a.ok {
				return strconv.FormatFloat(a.value, 'f', -1, 64) + " " + unit
			}
			return a.raw + " " + unit
		}
		switch {
		case beds.raw != "" && baths.raw != "":
			parts = append(parts, count(beds, "bd")+" / "+count(baths, "ba"))
		case beds.raw != "":
			parts = append(parts, count(beds, "bd"))
		case baths.raw != "":
			parts = append(parts, count(baths, "ba"))
		}
		if a := num("area"); a.raw != "" {
			if a.ok {
				parts = append(parts, thousands(a.value)+" sq ft")
			} else {
				parts = append(parts, a.raw)
			}
		}
		if l := num("lot"); l.raw != "" {
			if l.ok {
				parts = append(parts, strconv.FormatFloat(l.value, 'f', -1, 64)+" acre lot")
			} else {
				parts = append(parts, l.raw+" lot")
			}
		}
		if v, ok := take(m, "forRent"); ok && v != nil {
			switch strings.ToLower(r.text("property.forRent", v)) {
			case "yes", "true", "1", "y":
				parts = append(parts, "for rent")
			case "no", "false", "0", "n", "":
				parts = append(parts, "for sale")
			default:
				parts = append(parts, "for rent: "+scalar(v))
			}
		}
		if v, ok := take(m, "price", "listPrice"); ok && v != nil {
			pp := r.amount("property.price", v)
			if pp.raw != "" {
				if price.raw != "" && !(price.ok && pp.ok && price.value == pp.value) && price.raw != pp.raw {
					r.detail("Their price", money(price))
				}
				price = pp
			}
		}
		if u := get("url", "link"); u != "" {
			r.detail("Listing", u)
		}
		for _, k := range sortedKeys(m) {
			r.extra("property."+k, m[k])
		}
	}
	if price.raw != "" {
		parts = append(parts, money(price))
	}
	return strings.Join(parts, " · ")
}

// money writes an amount as money when it could be read, else as sent:
// briefly ("$450K", "$1.2M") when that loses nothing, else in full
// ("$449,900").
func money(a amount) string {
	if !a.ok || a.value >= 1e15 {
		return a.raw
	}
	v := math.Round(a.value * 100)
	switch whole := int64(v / 100); {
	case v != float64(whole)*100:
		return "$" + thousands(v/100)
	case whole >= 1_000_000 && whole%100_000 == 0, whole < 1_000_000 && whole%1000 == 0:
		return rapport.Money(whole)
	default:
		return "$" + thousands(float64(whole))
	}
}

// thousands writes 1850 as "1,850".
func thousands(n float64) string {
	s := strconv.FormatFloat(n, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// clip cuts s to at most n bytes on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// keepText makes a body storable as text: invalid UTF-8 and NUL bytes
// (which PostgreSQL's text refuses) become U+FFFD.
func keepText(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
