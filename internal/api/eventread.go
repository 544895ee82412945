package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Lead sources post events in the shape of the de-facto real-estate
// events API, each with its own quirks: numbers as text ("$500k", "2+1"),
// emails and phones as plain strings, a full name in one field, types
// spelled their own way, fields nobody documented. A lead is worth more
// than a tidy schema, so an event is read leniently and nothing in it is
// lost without a word: every value ends in a field of the event or the
// person, in the event's labelled details (shown on the person's
// timeline), or in a warning of the answer. Only an event that gives no
// way to know the person is not recorded against anyone; it is held, body
// and all, for an owner or manager to attach.

// eventRead is an event as read from a body.
type eventRead struct {
	in       store.EventInput
	warnings []string
	// held says why the event cannot be recorded against anyone; empty
	// when it can.
	held string
	// notJSON is set when the body could not be read as JSON at all.
	notJSON bool
	// payload is the body as kept: valid UTF-8, without a byte-order mark.
	payload string
}

// Limits that keep a lenient reader from refusing a lead at the store's
// checks: longer values are cut, and the whole value kept in the details.
const (
	maxNameLen = 100
	maxTagLen  = 50
	maxTags    = 50
	maxTypeLen = 60
)

// readEvent reads a lead-source event from a request body. It never fails:
// what it cannot use it says, and a body that names no one is held.
func readEvent(body []byte, region string, now time.Time) *eventRead {
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	out := &eventRead{payload: keepText(body)}
	r := &leadReader{region: region}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil && dec.More() {
		// Trailing values are kept in the payload; the first is the event.
		r.warn("body: holds more than one JSON value; the first was read, the rest are kept in the event's payload")
	}
	// The dedupe key is the event's content: two posts of the same JSON
	// are one event, however their keys were ordered or spaced. (Taken
	// before reading, which consumes the object.)
	canon := body
	if err == nil {
		canon, _ = json.Marshal(v)
	}
	m, isObject := v.(map[string]any)
	switch {
	case err != nil:
		out.notJSON = true
		out.held = "The body is not JSON."
		r.detail("Body as received", clip(out.payload, 4000))
	case !isObject:
		out.held = "The body is not a JSON object."
		r.detail("Body as received", clip(out.payload, 4000))
	default:
		r.readTop(m, &out.in)
	}
	ev := &out.in.Event
	if ev.Type == "" {
		ev.Type = "General Inquiry"
	}
	ev.Details = r.details
	ev.Payload = out.payload
	key := sha256.New()
	key.Write(canon)
	if ev.OccurredAt.IsZero() {
		// Without a time of its own, a retry is known by its content on
		// the day it arrived.
		key.Write([]byte(now.UTC().Format("2006-01-02")))
	}
	ev.DedupeKey = hex.EncodeToString(key.Sum(nil))
	p := &out.in.Person
	if out.held == "" && p.FirstName == "" && p.LastName == "" && len(p.Emails) == 0 && len(p.Phones) == 0 && out.in.PersonID == 0 {
		out.held = "No name, email, phone or person id that could be read."
	}
	if out.held == "" && p.FirstName == "" && p.LastName == "" && (len(p.Emails) > 0 || len(p.Phones) > 0) {
		// Known by contact details only, for now.
		p.FirstName = nameFromContact(p)
	}
	out.warnings = r.warnings
	if len(r.extras) > 0 {
		out.warnings = append(out.warnings, "kept as details on the event (Rapport has no field for them): "+strings.Join(r.extras, ", "))
	}
	return out
}

// leadReader collects what an event says as it is read.
type leadReader struct {
	region   string
	warnings []string
	details  rapport.Details
	// extras are the paths of values kept only as details.
	extras []string
}

func (r *leadReader) warn(format string, args ...any) {
	r.warnings = append(r.warnings, fmt.Sprintf(format, args...))
}

func (r *leadReader) detail(label, value string) {
	if value = strings.TrimSpace(value); value != "" {
		r.details = append(r.details, rapport.Detail{Label: label, Value: value})
	}
}

// extra keeps a value Rapport has no field for as details under its path.
func (r *leadReader) extra(path string, v any) {
	before := len(r.details)
	r.flatten(path, v)
	if len(r.details) > before {
		r.extras = append(r.extras, path)
	}
}

// flatten records v under label: scalars as text, lists of scalars in one
// line, objects and lists of objects one line per value.
func (r *leadReader) flatten(label string, v any) {
	switch x := v.(type) {
	case nil:
	case map[string]any:
		for _, k := range sortedKeys(x) {
			r.flatten(label+"."+k, x[k])
		}
	case []any:
		if s, ok := scalarList(x); ok {
			r.detail(label, s)
			return
		}
		for i, e := range x {
			r.flatten(fmt.Sprintf("%s[%d]", label, i), e)
		}
	default:
		r.detail(label, scalar(v))
	}
}

// take removes and returns the value under the first of names the object
// has, matched exactly and then without regard to case, as JSON decoders
// commonly match field names.
func take(m map[string]any, names ...string) (any, bool) {
	for _, n := range names {
		if v, ok := m[n]; ok {
			delete(m, n)
			return v, true
		}
	}
	for _, n := range names {
		for _, k := range sortedKeys(m) {
			if strings.EqualFold(k, n) {
				v := m[k]
				delete(m, k)
				return v, true
			}
		}
	}
	return nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// scalar writes a JSON scalar as text: numbers as sent, true and false as
// yes and no.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		if x {
			return "yes"
		}
		return "no"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// scalarList joins a list of scalars, if that is what it is.
func scalarList(xs []any) (string, bool) {
	var parts []string
	for _, x := range xs {
		switch x.(type) {
		case map[string]any, []any:
			return "", false
		}
		if s := strings.TrimSpace(scalar(x)); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", "), true
}

// text reads a field that should be text. A number or yes/no is taken as
// its text; an object or list is kept as details and warned about.
func (r *leadReader) text(path string, v any) string {
	switch v.(type) {
	case map[string]any, []any:
		if s, ok := v.([]any); ok {
			if joined, ok := scalarList(s); ok {
				return strings.TrimSpace(joined)
			}
		}
		r.flatten(path, v)
		r.warn("%s: expected text, got a structure; kept as details on the event", path)
		return ""
	}
	return strings.TrimSpace(scalar(v))
}

// object reads a field that should be an object. A list of objects gives
// its first, the rest kept as details; anything else is kept as details.
func (r *leadReader) object(path string, v any) map[string]any {
	switch x := v.(type) {
	case nil:
		return nil
	case map[string]any:
		return x
	case []any:
		if len(x) == 0 {
			return nil
		}
		first, ok := x[0].(map[string]any)
		if ok {
			for i, rest := range x[1:] {
				r.flatten(fmt.Sprintf("%s[%d]", path, i+1), rest)
			}
			if len(x) > 1 {
				r.warn("%s: %d were sent; the first was read, the others are kept as details on the event", path, len(x))
			}
			return first
		}
	}
	r.flatten(path, v)
	r.warn("%s: expected an object; kept as details on the event", path)
	return nil
}

// readTop reads the event's own fields and its person.
func (r *leadReader) readTop(m map[string]any, in *store.EventInput) {
	ev := &in.Event
	str := func(names ...string) string {
		v, _ := take(m, names...)
		return r.text(names[0], v)
	}
	ev.Source = str("source")
	ev.System = str("system")
	typ, hasType := take(m, "type")
	if !hasType {
		// Some integrations name the type "event".
		typ, hasType = take(m, "event", "eventType")
	}
	given := r.text("type", typ)
	ev.Message = str("message")
	ev.Description = str("description")
	ev.Note = str("note", "notes")
	ev.PageURL = str("pageUrl", "pageURL", "url")
	if t := str("pageTitle"); t != "" {
		r.detail("Page title", t)
	}
	if t := str("pageReferrer", "referrer"); t != "" {
		r.detail("Referrer", t)
	}
	if v, ok := take(m, "pageDuration"); ok && v != nil {
		d := r.text("pageDuration", v)
		if n, err := strconv.ParseFloat(d, 64); err == nil && n >= 0 {
			d = strconv.FormatFloat(n, 'f', -1, 64) + " s"
		}
		r.detail("Time on page", d)
	}
	if u := str("sourceUrl"); u != "" {
		r.detail("Source URL", u)
	}
	if v, ok := take(m, "occurredAt", "occurred", "occurred_at"); ok && v != nil {
		raw := r.text("occurredAt", v)
		if t, err := parseWhen(raw); err == nil {
			ev.OccurredAt = t
		} else if raw != "" {
			r.warn("occurredAt: %q is not a time Rapport can read (use RFC 3339, e.g. 2026-11-23T14:05:00Z); recorded as now", raw)
			r.detail("Occurred at (as sent)", raw)
		}
	}
	if v, ok := take(m, "personId"); ok {
		in.PersonID = r.id("personId", v)
	}
	var person map[string]any
	if v, ok := take(m, "person", "lead", "contact"); ok {
		person = r.object("person", v)
	}
	prop := map[string]any(nil)
	if v, ok := take(m, "property", "listing"); ok {
		prop = r.object("property", v)
	}
	var topPrice any
	if person == nil {
		// A form posted straight here often sends the person's fields at
		// the top level.
		person = map[string]any{}
		for _, k := range []string{"firstName", "lastName", "name", "fullName", "first_name", "last_name", "full_name",
			"email", "emails", "phone", "phones", "tags", "assignedTo", "assignedUserId", "address", "addresses"} {
			if v, ok := take(m, k); ok {
				person[k] = v
			}
		}
		if len(person) > 0 {
			r.warn("person: none sent; read the name, email and phone from the top level")
		}
	} else {
		// Assignment is sometimes sent beside the person rather than in it.
		for _, k := range []string{"assignedTo", "assignedUserId"} {
			if v, ok := take(m, k); ok {
				if _, has := take(person, k); !has {
					person[k] = v
				} else {
					r.extra(k, v)
				}
			}
		}
	}
	if v, ok := take(m, "price"); ok {
		topPrice = v
	}
	personPrice := r.readPerson(person, in)
	if topPrice != nil {
		if personPrice.raw == "" {
			personPrice = r.amount("price", topPrice)
		} else {
			r.extra("price", topPrice)
		}
	}
	ev.Property = r.readProperty(prop, personPrice)
	if v, ok := take(m, "propertySearch", "search"); ok {
		r.summary("Property search", "propertySearch", v)
	}
	if v, ok := take(m, "campaign"); ok {
		r.summary("Campaign", "campaign", v)
	}
	// The type last: a generic Inquiry is told apart by whether the event
	// names a property.
	ev.Type = r.eventType(given, hasType && typ != nil, ev.Property != "")
	for _, k := range sortedKeys(m) {
		r.extra(k, m[k])
	}
}

// eventType settles the type: a known one in its accepted spelling, the
// generic Inquiry resolved, an unknown one as given, with a warning
// whenever what was sent is not what was recorded.
func (r *leadReader) eventType(given string, sent, hasProperty bool) string {
	if given == "" {
		t := rapport.ResolveInquiry("Inquiry", hasProperty)
		if sent {
			r.warn("type: empty; recorded as %s", t)
		} else {
			r.warn("type: none sent; recorded as %s", t)
		}
		return t
	}
	t, known := rapport.CanonicalEventType(given)
	if !known {
		if len(t) > maxTypeLen {
			r.detail("Type (as sent)", t)
			t = clip(t, maxTypeLen)
		}
		r.warn("type: %q is not a type Rapport knows (%s); recorded as given", given, strings.Join(rapport.EventTypes, ", "))
		return t
	}
	resolved := rapport.ResolveInquiry(t, hasProperty)
	// The generic Inquiry becomes a Property or General Inquiry as the
	// events API documents; any other spelling that is not the type's own
	// is said, so a source can see how it was read.
	if t != "Inquiry" && rapport.FoldEventType(given) != rapport.FoldEventType(t) {
		r.warn("type: %q recorded as %s", given, resolved)
	}
	return resolved
}

// summary keeps an object (a saved search, a marketing campaign) as one
// detail line: "city Chicago · min price 300000 · max beds 3".
func (r *leadReader) summary(label, path string, v any) {
	obj, ok := v.(map[string]any)
	if !ok {
		r.flatten(label, v)
		return
	}
	var parts []string
	for _, k := range sortedKeys(obj) {
		val := obj[k]
		switch x := val.(type) {
		case nil:
			continue
		case map[string]any:
			r.flatten(label+" "+k, x)
			continue
		case []any:
			s, ok := scalarList(x)
			if !ok {
				r.flatten(label+" "+k, x)
				continue
			}
			val = s
		}
		if s := strings.TrimSpace(scalar(val)); s != "" {
			parts = append(parts, words(k)+" "+s)
		}
	}
	r.detail(label, strings.Join(parts, " · "))
}

// words turns a field name into words: "minPrice" is "min price".
func words(k string) string {
	var b strings.Builder
	prev := rune(0)
	for _, c := range k {
		switch {
		case c == '_' || c == '-':
			b.WriteRune(' ')
		case unicode.IsUpper(c) && prev != 0 && !unicode.IsUpper(prev) && prev != '_':
			b.WriteRune(' ')
			b.WriteRune(unicode.ToLower(c))
		default:
			b.WriteRune(unicode.ToLower(c))
		}
		prev = c
	}
	return b.String()
}

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

// contact is an email or phone as sent, with its label.
type contact struct{ value, label string }

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
			take(e, "isPrimary", "primary", "status")
			c := contact{value: r.text(fmt.Sprintf("%s[%d].value", path, i), val), label: r.text(fmt.Sprintf("%s[%d].type", path, i), label)}
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
	for _, t := range rapport.CleanTags(tags) {
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

// parseWhen reads the times sources send: RFC 3339, the same without a
// zone (taken as UTC), a plain date, or Unix seconds or milliseconds.
func parseWhen(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05",
		"2006-01-02 15:04:05Z07:00", "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02", time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		if n > 1e12 {
			return time.UnixMilli(n).UTC(), nil
		}
		if n > 1e8 {
			return time.Unix(n, 0).UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", s)
}

func nameFromContact(p *rapport.Person) string {
	if len(p.Emails) > 0 {
		return strings.SplitN(p.Emails[0].Address, "@", 2)[0]
	}
	return p.Phones[0].Number
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func hasEmail(es []rapport.Email, a string) bool {
	for _, e := range es {
		if e.Address == a {
			return true
		}
	}
	return false
}

func hasPhone(ps []rapport.Phone, n string) bool {
	for _, p := range ps {
		if p.Number == n {
			return true
		}
	}
	return false
}
