package intake

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// id reads an id sent as a number or as text.
func (r *leadReader) id(path string, v any) int64 {
	s := r.text(path, v)
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		r.warn("%s: %q is not an id; ignored", path, s)
		return 0
	}
	return n
}

// readPerson reads the event's person into in and returns the price they
// named, if any.
func (r *leadReader) readPerson(m map[string]any, in *store.EventInput) amount {
	if m == nil {
		return amount{}
	}
	p := &in.Person
	str := func(path string, names ...string) string {
		v, _ := take(m, names...)
		return r.text(path, v)
	}
	if v, ok := take(m, "id"); ok {
		if id := r.id("person.id", v); id != 0 {
			if in.PersonID != 0 && in.PersonID != id {
				r.warn("person.id: %d differs from personId %d; personId was followed", id, in.PersonID)
			} else {
				in.PersonID = id
			}
		}
	}
	p.FirstName = r.name("person.firstName", str("person.firstName", "firstName", "first_name", "givenName"))
	p.LastName = r.name("person.lastName", str("person.lastName", "lastName", "last_name", "familyName", "surname"))
	if full := str("person.name", "name", "fullName", "full_name"); full != "" {
		first, last := splitFullName(full)
		if p.FirstName == "" && p.LastName == "" {
			p.FirstName, p.LastName = r.name("person.name", first), r.name("person.name", last)
		} else if p.LastName == "" && strings.EqualFold(p.FirstName, first) {
			p.LastName = r.name("person.name", last)
		}
		if !sameName(full, p.FirstName+" "+p.LastName) && !sameName(full, p.LastName+", "+p.FirstName) {
			r.detail("Name as sent", full)
		}
	}
	if v, ok := take(m, "emails", "email", "emailAddress", "emailAddresses"); ok {
		for i, c := range r.contacts("person.emails", v, "address", "email") {
			if strings.TrimSpace(c.value) == "" {
				continue
			}
			addr, err := rapport.NormalizeEmail(c.value)
			if err != nil {
				r.warn("person.emails[%d]: %q: %s; left out", i, c.value, strings.TrimSuffix(rapport.ErrorMessage(err), "."))
				continue
			}
			if !hasEmail(p.Emails, addr) {
				p.Emails = append(p.Emails, rapport.Email{Address: addr, Label: strings.ToLower(c.label)})
			}
		}
	}
	if v, ok := take(m, "phones", "phone", "phoneNumber", "phoneNumbers", "mobile"); ok {
		for i, c := range r.contacts("person.phones", v, "number", "phone") {
			if strings.TrimSpace(c.value) == "" {
				continue
			}
			n, err := phone.Normalize(c.value, r.region)
			if err != nil {
				msg := strings.TrimSuffix(err.Error(), ".")
				if !strings.Contains(msg, c.value) {
					msg = fmt.Sprintf("%q: %s", c.value, msg)
				}
				r.warn("person.phones[%d]: %s; left out", i, msg)
				continue
			}
			if !hasPhone(p.Phones, n) {
				p.Phones = append(p.Phones, rapport.Phone{Number: n, Label: strings.ToLower(c.label)})
			}
		}
	}
	if v, ok := take(m, "addresses", "address"); ok {
		r.readAddresses(v, p)
	}
	if v, ok := take(m, "tags", "tag"); ok {
		r.readTags(v, p)
	}
	in.Stage = str("person.stage", "stage")
	p.Source = str("person.source", "source")
	if u := str("person.sourceUrl", "sourceUrl"); u != "" {
		r.detail("Source URL", u)
	}
	in.AssignedTo = str("person.assignedTo", "assignedTo")
	if v, ok := take(m, "assignedUserId"); ok && v != nil {
		s := r.text("person.assignedUserId", v)
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
			in.AssignedUserID = n
		} else if s != "" && in.AssignedTo == "" {
			in.AssignedTo = s // an email or a name where an id belongs
		} else if s != "" {
			r.warn("person.assignedUserId: %q is not a user id; ignored", s)
		}
	}
	if bg := str("person.background", "background"); bg != "" {
		p.Notes = bg
	}
	var price amount
	if v, ok := take(m, "price"); ok {
		price = r.amount("person.price", v)
	}
	if v, ok := take(m, "customFields", "custom"); ok {
		if obj, isObj := v.(map[string]any); isObj {
			for _, k := range sortedKeys(obj) {
				r.flatten("Custom "+words(k), obj[k])
			}
		} else {
			r.extra("person.customFields", v)
		}
	}
	for _, k := range sortedKeys(m) {
		if strings.HasPrefix(k, "custom") && len(k) > len("custom") {
			// Custom fields, sent as the events API names them.
			r.flatten("Custom "+words(strings.TrimPrefix(k, "custom")), m[k])
			continue
		}
		r.extra("person."+k, m[k])
	}
	return price
}

// name cuts an over-long name, keeping the whole in the details.
func (r *leadReader) name(path, s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxNameLen && len(s) <= maxNameLen {
		return s
	}
	r.warn("%s: longer than %d characters; shortened, the whole kept as details on the event", path, maxNameLen)
	r.detail("Name as sent", s)
	return clip(s, maxNameLen)
}

// splitFullName splits "Ann Marie Lee" into "Ann Marie" and "Lee", and
// "Lee, Ann" into "Ann" and "Lee".
func splitFullName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	if before, after, ok := strings.Cut(full, ","); ok && strings.TrimSpace(after) != "" && !strings.Contains(after, ",") {
		// "Lopez, Maria" — but not "Maria Lopez, Jr." read backwards.
		if suffix := strings.ToLower(strings.Trim(strings.TrimSpace(after), ".")); suffix != "jr" && suffix != "sr" && suffix != "ii" && suffix != "iii" {
			return strings.TrimSpace(after), strings.TrimSpace(before)
		}
	}
	i := strings.LastIndexByte(full, ' ')
	if i < 0 {
		return full, ""
	}
	last = full[i+1:]
	first = full[:i]
	if suffix := strings.ToLower(strings.Trim(last, ".")); (suffix == "jr" || suffix == "sr" || suffix == "ii" || suffix == "iii") && strings.Contains(first, " ") {
		j := strings.LastIndexByte(first, ' ')
		return strings.TrimSuffix(first[:j], ","), strings.TrimSuffix(first[j+1:], ",") + " " + last
	}
	return first, last
}

func sameName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// contact is an email or phone as sent, with its label, and whether the
// source marked it primary (the primary one is listed first).
type contact struct {
	value, label string
	primary      bool
}

// contacts reads emails or phones sent as a string ("a@x.com, b@x.com"),
// a list of strings, a list of {value, type} objects, or one object.
func (r *leadReader) contacts(path string, v any, valueNames ...string) []contact {
	var out []contact
	var one func(i int, x any)
	one = func(i int, x any) {
		switch e := x.(type) {
		case nil:
		case string:
			for _, part := range strings.FieldsFunc(e, func(c rune) bool { return c == ',' || c == ';' || c == '\n' }) {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, contact{value: part})
				}
			}
		case json.Number:
			out = append(out, contact{value: e.String()})
		case map[string]any:
			val, _ := take(e, append([]string{"value"}, valueNames...)...)
			label, _ := take(e, "type", "label")
			primary, _ := take(e, "isPrimary", "primary")
			c := contact{value: r.text(fmt.Sprintf("%s[%d].value", path, i), val), label: r.text(fmt.Sprintf("%s[%d].type", path, i), label),
				primary: primary == true || scalar(primary) == "1" || strings.EqualFold(scalar(primary), "true")}
			if c.value != "" {
				out = append(out, c)
			}
			for _, k := range sortedKeys(e) {
				r.extra(fmt.Sprintf("%s[%d].%s", path, i, k), e[k])
			}
		default:
			r.warn("%s[%d]: %s is not an email or phone; left out", path, i, scalar(x))
		}
	}
	if list, ok := v.([]any); ok {
		for i, x := range list {
			if _, nested := x.([]any); nested {
				r.flatten(fmt.Sprintf("%s[%d]", path, i), x)
				r.warn("%s[%d]: a list inside the list; kept as details on the event", path, i)
				continue
			}
			one(i, x)
		}
	} else {
		one(0, v)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].primary && !out[j].primary })
	return out
}

// readAddresses takes the first address with a street or city as the
// person's, and keeps the others as details.
func (r *leadReader) readAddresses(v any, p *rapport.Person) {
	var list []any
	switch x := v.(type) {
	case []any:
		list = x
	default:
		list = []any{x}
	}
	for i, a := range list {
		path := fmt.Sprintf("person.addresses[%d]", i)
		var street, city, state, code, country, label string
		switch x := a.(type) {
		case nil:
			continue
		case string:
			street = strings.TrimSpace(x)
		case map[string]any:
			get := func(names ...string) string {
				v, _ := take(x, names...)
				return r.text(path+"."+names[0], v)
			}
			label = get("type", "label")
			street = get("street", "address", "streetAddress", "line1", "address1")
			if line2 := get("line2", "address2", "unit"); line2 != "" {
				street = strings.TrimSpace(street + " " + line2)
			}
			city = get("city")
			state = get("state", "region", "province")
			code = get("code", "zip", "zipCode", "postalCode", "postal_code")
			country = get("country")
			for _, k := range sortedKeys(x) {
				r.extra(path+"."+k, x[k])
			}
		default:
			r.flatten(path, a)
			continue
		}
		line := strings.Join(nonEmpty(street, city, strings.TrimSpace(state+" "+code), country), ", ")
		if line == "" {
			continue
		}
		if p.Street == "" && p.City == "" && p.PostalCode == "" {
			p.Street, p.City, p.State, p.PostalCode, p.Country = street, city, state, code, country
			continue
		}
		r.detail(strings.TrimSpace("Address "+label), line)
	}
}

// readTags reads tags sent as a list or as one comma-separated string.
// Their case is kept as sent.
func (r *leadReader) readTags(v any, p *rapport.Person) {
	var tags []string
	switch x := v.(type) {
	case string:
		tags = strings.Split(x, ",")
	case []any:
		for i, t := range x {
			switch t.(type) {
			case map[string]any, []any:
				r.flatten(fmt.Sprintf("person.tags[%d]", i), t)
				r.warn("person.tags[%d]: not text; kept as details on the event", i)
				continue
			}
			tags = append(tags, scalar(t))
		}
	default:
		tags = []string{scalar(v)}
	}
	for _, t := range rapport.NormalizeTags(tags) {
		if len(t) > maxTagLen {
			r.warn("person.tags: %q is longer than %d characters; kept as a detail on the event instead", t, maxTagLen)
			r.detail("Tag", t)
			continue
		}
		if len(p.Tags) == maxTags {
			r.warn("person.tags: more than %d; %q and those after it are kept as details on the event", maxTags, t)
			r.detail("Tag", t)
			continue
		}
		p.Tags = append(p.Tags, t)
	}
}
