package importer

import (
	"fmt"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// freeText are the fields a value with a stray delimiter in it can
// belong to: the ones people write sentences and lists in.
var freeText = map[Field]bool{Ignore: true, Street: true, FullAddress: true, Notes: true, Tags: true, Brokerage: true, Office: true,
	JobTitle: true, Hobby: true}

// fit checks that a row has no more cells than the header has columns.
// A row with one cell too many (a comma in an unquoted value) is put
// right when exactly one way of joining two neighbouring cells, in a
// column that takes free text, gives every column a value it can hold;
// otherwise it is refused, never shifted into the wrong fields. why says
// what was done or why it was refused.
func (c *Converter) fit(fields []string) (fitted []string, why string, ok bool) {
	n := len(fields)
	for n > len(c.header) && strings.TrimSpace(fields[n-1]) == "" {
		n--
	}
	if n <= len(c.header) {
		return fields, "", true
	}
	refuse := fmt.Sprintf("%d cells where the header has %d columns (a comma in a value without quotes?); row not imported — quote the value and import the row again",
		n, len(c.header))
	if n > len(c.header)+1 {
		return nil, refuse, false
	}
	var found []string
	at := -1
	for _, col := range c.m.Columns {
		j := col.Index
		if !freeText[col.Field] || j+1 >= n {
			continue
		}
		joined := make([]string, 0, n-1)
		joined = append(joined, fields[:j]...)
		joined = append(joined, fields[j]+string(c.delim)+fields[j+1])
		joined = append(joined, fields[j+2:n]...)
		if c.shapesFit(joined) {
			if found != nil {
				return nil, refuse, false // more than one way: no way to know
			}
			found, at = joined, j
		}
	}
	if found == nil {
		return nil, refuse, false
	}
	return found, fmt.Sprintf("one cell more than the header has columns: %q and %q joined in %s (quote values with commas in them)",
		strings.TrimSpace(fields[at]), strings.TrimSpace(fields[at+1]), c.header[at]), true
}

// shapesFit reports whether every cell of a row holds a value its column
// can: an email where an email goes, a date where a date goes, a state
// that is a word.
func (c *Converter) shapesFit(fields []string) bool {
	for _, col := range c.m.Columns {
		v := cell(fields, col.Index)
		if v == "" {
			continue
		}
		ok := true
		switch col.Field {
		case EmailF:
			for _, e := range splitList(v) {
				_, err := rapport.NormalizeEmail(e)
				ok = ok && err == nil
			}
		case PhoneF:
			for _, raw := range splitPhones(v) {
				_, err := c.phones.Normalize(raw)
				ok = ok && err == nil
			}
		case PostalCode:
			ok = len(v) <= 10 && strings.ContainsAny(v, "0123456789") && strings.Trim(v, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz -") == ""
		case State, Country, City:
			ok = len(v) <= 40 && !strings.ContainsAny(v, "0123456789@"+string(c.delim))
		case FirstName, LastName, FullName, MiddleName:
			ok = !strings.ContainsAny(v, "0123456789@")
		case Birthday, HomeDate, Anniversary:
			_, err := parseDate(v)
			ok = err == nil
		case Units12m, ListUnits, SellUnits, Volume12m, Rank, LicenceYear, CadenceDays:
			_, err := parseNumber(v)
			ok = err == nil
		case DoNotCall:
			_, ok = doNotCall(v)
		case KindF:
			_, ok = kindFrom(v)
		case TimeZone:
			ok = rapport.ValidTZ(v) == nil
		}
		if !ok {
			return false
		}
	}
	return true
}
