// Package intake reads the events lead sources post, as they send them.
package intake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

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

// Event is an event as read from a body.
type Event struct {
	// Input is what to record: the event and the person it is about.
	Input    store.EventInput
	Warnings []string
	// Held says why the event cannot be recorded against anyone; empty
	// when it can.
	Held string
	// NotJSON is set when the body could not be read as JSON at all.
	NotJSON bool
	// Payload is the body as kept: valid UTF-8, without a byte-order mark.
	Payload string
}

// Limits that keep a lenient reader from refusing a lead at the store's
// checks: longer values are cut, and the whole value kept in the details.
const (
	maxNameLen = 100
	maxTagLen  = 50
	maxTags    = 50
	maxTypeLen = 60
)

// Read reads a lead-source event from a request body. It never fails:
// what it cannot use it says, and a body that names no one is held.
func Read(body []byte, region string, now time.Time) *Event {
	body = bytes.TrimPrefix(body, []byte("\uFEFF"))
	out := &Event{Payload: keepText(body)}
	r := &leadReader{region: region}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err != nil {
		// Some sources post a URL-encoded form (Zillow's rental leads do).
		if form, ok := readForm(body); ok {
			v, err = form, nil
			r.warn("body: not JSON; read as a URL-encoded form")
		}
	} else if dec.More() {
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
	if isObject && unflatten(m) {
		r.warn("body: flattened field names (person__firstName, person[firstName]) read as nested fields")
	}
	switch {
	case err != nil:
		out.NotJSON = true
		out.Held = "The body is not JSON."
		r.detail("Body as received", clip(out.Payload, 4000))
	case !isObject:
		out.Held = "The body is not a JSON object."
		r.detail("Body as received", clip(out.Payload, 4000))
	default:
		r.readTop(m, &out.Input)
	}
	ev := &out.Input.Event
	if ev.Type == "" {
		ev.Type = "General Inquiry"
	}
	ev.Details = r.details
	ev.Payload = out.Payload
	key := sha256.New()
	key.Write(canon)
	if ev.OccurredAt.IsZero() {
		// Without a time of its own, a retry is known by its content on
		// the day it arrived.
		key.Write([]byte(now.UTC().Format("2006-01-02")))
	}
	ev.DedupeKey = hex.EncodeToString(key.Sum(nil))
	p := &out.Input.Person
	// The name as it will be kept: one of control characters alone is none
	// (the store would refuse the lead for want of a name).
	p.FirstName, p.LastName = rapport.CleanLine(p.FirstName), rapport.CleanLine(p.LastName)
	if out.Held == "" && p.FirstName == "" && p.LastName == "" && len(p.Emails) == 0 && len(p.Phones) == 0 && out.Input.PersonID == 0 {
		out.Held = "No name, email, phone or person id that could be read."
	}
	if out.Held == "" && p.FirstName == "" && p.LastName == "" && (len(p.Emails) > 0 || len(p.Phones) > 0) {
		// Known by contact details only, for now.
		p.FirstName = nameFromContact(p)
	}
	out.Warnings = r.warnings
	if len(r.extras) > 0 {
		out.Warnings = append(out.Warnings, "kept as details on the event (Rapport has no field for them): "+strings.Join(r.extras, ", "))
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
