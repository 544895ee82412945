package importer

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// placeholderEmail reports whether an address is one a CRM made up for a
// lead without one (CINC's noemail-import-…@cincimport.com and the like):
// matching people by it would merge strangers.
func placeholderEmail(addr string) bool {
	local, domain, _ := strings.Cut(addr, "@")
	switch domain {
	case "cincimport.com", "noemail.com", "no-email.com", "noemail.invalid", "example.invalid", "none.com", "nomail.com":
		return true
	}
	for _, p := range []string{"noemail", "no-email", "no_email", "nomail", "none", "unknown", "donotreply", "noreply"} {
		if local == p || strings.HasPrefix(local, p+"-") || strings.HasPrefix(local, p+"+") || strings.HasPrefix(local, p+".") {
			return true
		}
	}
	return false
}

// notAPhone reports whether a phone label says the number is no way to
// talk to the person: a fax, a pager, an assistant's line.
func notAPhone(label string) bool {
	for _, w := range []string{"fax", "pager", "telex", "isdn", "tty", "assistant"} {
		if strings.Contains(label, w) {
			return true
		}
	}
	return false
}

// phoneLabel reads the labels contact apps write ("Mobile", "iPhone",
// "Cell", "Business").
func phoneLabel(l string) string {
	switch l = strings.ToLower(strings.TrimSpace(l)); l {
	case "cell", "iphone", "mobile phone", "cell phone", "cellular":
		return "mobile"
	case "business", "office", "work phone", "direct":
		return "work"
	case "home phone":
		return "home"
	}
	return l
}

func emailLabel(l string) string {
	switch l = strings.ToLower(strings.TrimSpace(l)); l {
	case "business", "office":
		return "work"
	case "internet", "smtp", "pref":
		return ""
	}
	return l
}

// relationKind reads a relation's label (Google's "Relation 1 - Label",
// Apple's X-ABRelatedNames, vCard 4's RELATED;TYPE=).
func relationKind(label string) string {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "spouse", "partner", "wife", "husband", "domestic partner", "domestic_partner", "fiance", "fiancé", "fiancee", "fiancée":
		return "spouse"
	case "child", "son", "daughter", "kid", "children":
		return "child"
	case "mother", "father", "parent", "brother", "sister", "sibling", "relative", "grandmother", "grandfather",
		"grandparent", "grandchild", "aunt", "uncle", "cousin", "niece", "nephew", "kin", "mom", "dad", "stepmother", "stepfather":
		return "family"
	case "referred by", "referred_by", "referrer":
		return "referred by"
	}
	return ""
}

// eventField reads a dated event's label (Google's "Event 1 - Label").
func eventField(label string) Field {
	l := strings.ToLower(strings.TrimSpace(label))
	switch {
	case l == "anniversary" || strings.Contains(l, "wedding"):
		return Anniversary
	case l == "birthday":
		return Birthday
	case strings.Contains(l, "home") || strings.Contains(l, "closing") || strings.Contains(l, "purchase"):
		return HomeDate
	}
	return Ignore
}

func capitalize(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// doNotCall reads a do-not-call or opt-out cell: what CRMs write for a
// number on the do-not-call list (DNC, Yes, Opted Out…) and for one that
// is not (No, Clear, Callable…).
func doNotCall(v string) (dnc, ok bool) {
	switch strings.ToLower(strings.Join(strings.Fields(strings.NewReplacer("-", " ", "_", " ").Replace(v)), " ")) {
	case "1", "y", "yes", "true", "x", "dnc", "do not call", "on dnc", "on dnc list", "opted out", "opt out", "optout", "out",
		"unsubscribed", "blocked", "federal dnc", "state dnc", "national dnc", "internal dnc", "dnc list", "litigator",
		"do not contact", "do not text", "stop":
		return true, true
	case "0", "n", "no", "false", "clear", "ok", "callable", "not dnc", "not on dnc", "subscribed", "opted in", "opt in",
		"none", "valid", "allowed", "can call":
		return false, true
	}
	return false, false
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

// splitList splits a cell holding several values (Google's " ::: ",
// semicolons, commas).
func splitList(v string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(strings.ReplaceAll(v, ":::", ";"), func(r rune) bool { return r == ';' || r == ',' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// splitPhones is splitList without commas (some people write "1,234"),
// and with slashes between complete numbers.
func splitPhones(v string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(strings.ReplaceAll(v, ":::", ";"), func(r rune) bool { return r == ';' || r == '|' }) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// splitTags reads a tag cell, dropping Google's system groups.
func splitTags(v string) []string {
	var out []string
	for _, t := range splitList(v) {
		t = strings.TrimSpace(strings.TrimPrefix(t, "* "))
		switch strings.ToLower(t) {
		case "mycontacts", "my contacts", "starred", "":
			continue
		}
		out = append(out, t)
	}
	return out
}

func kindFrom(v string) (rapport.Kind, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "lead", "leads", "buyer", "seller", "prospect", "new", "new lead", "buyer lead", "seller lead", "inquiry":
		return rapport.KindLead, true
	case "client", "clients", "customer", "past client", "active client", "closed":
		return rapport.KindClient, true
	case "sphere", "soi", "sphere of influence", "friend", "family", "personal", "contact", "vendor":
		return rapport.KindSphere, true
	case "recruit", "agent", "realtor", "prospect agent", "recruiting", "agent prospect":
		return rapport.KindRecruit, true
	}
	return "", false
}

// dateLayouts are the dates contact apps and CRMs write: ISO, the US
// month first with slashes, Europe's day first with dots, and in words.
var dateLayouts = []string{"2006-01-02", "01/02/2006", "1/2/2006", "01/02/06", "1/2/06", "2006/01/02", "02.01.2006", "2.1.2006",
	"02.01.06", "Jan 2, 2006", "January 2, 2006", "2 Jan 2006", "02 Jan 2006", "2 January 2006", "Jan 2 2006",
	"2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05", "01/02/2006 3:04 PM", "1/2/2006 3:04 PM", "1/2/2006 15:04"}

// parseDate reads a date as contact apps write it; a month and day without
// a year is an anniversary with no year.
func parseDate(v string) (rapport.Anniversary, error) {
	if strings.Trim(v, "0/-. ") == "" {
		// Outlook writes 0/0/00 for no date.
		return rapport.Anniversary{}, nil
	}
	if a, err := rapport.ParseAnniversary(v); err == nil {
		return a, nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return rapport.Anniversary{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
		}
	}
	for _, l := range []string{"01/02", "1/2", "Jan 2", "January 2"} {
		if t, err := time.Parse(l, v); err == nil {
			return rapport.Anniversary{Month: t.Month(), Day: t.Day()}, nil
		}
	}
	return rapport.Anniversary{}, fmt.Errorf("bad date %q", v)
}

// parseNumber reads "1,234", "$12.5M", "950K".
func parseNumber(v string) (float64, error) {
	s := strings.ToUpper(strings.NewReplacer(",", "", "$", "", " ", "").Replace(v))
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "K"):
		mult, s = 1e3, strings.TrimSuffix(s, "K")
	}
	f, err := strconv.ParseFloat(s, 64)
	return f * mult, err
}
