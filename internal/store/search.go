package store

import (
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// The search document is normalised in Go — lower-cased, accents folded,
// everything but letters and digits turned into spaces — so that SQLite's
// FTS5 and PostgreSQL's tsvector see the same words and match alike.

// maxSearchDoc bounds the indexed text per person.
const maxSearchDoc = 32 << 10

// phoneTokens are the forms a number is found by: all its digits, and its
// last ten and last seven digits (what people type for a local number).
func phoneTokens(e164 string) []string {
	d := digitsOf(e164)
	out := []string{d}
	for _, n := range []int{10, 7} {
		if len(d) > n {
			out = append(out, d[len(d)-n:])
		}
	}
	return out
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// searchDoc builds the indexed text of a person from their own fields,
// phones, emails, tags, facts and conversation notes.
func searchDoc(p *rapport.Person, facts []string, notes []string) string {
	var parts []string
	add := func(s string) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	add(p.FirstName)
	add(p.LastName)
	add(p.Source)
	add(p.City)
	add(p.Brokerage)
	add(p.Office)
	add(p.MLSID)
	for _, e := range p.Emails {
		add(e.Address)
	}
	for _, ph := range p.Phones {
		add(strings.Join(phoneTokens(ph.Number), " "))
	}
	for _, t := range p.Tags {
		add(t)
	}
	add(p.Notes)
	for _, f := range facts {
		add(f)
	}
	for _, n := range notes {
		add(n)
	}
	doc := rapport.Fold(strings.Join(parts, " "))
	if len(doc) > maxSearchDoc {
		doc = doc[:maxSearchDoc]
		if i := strings.LastIndexByte(doc, ' '); i > 0 {
			doc = doc[:i]
		}
	}
	return doc
}

// searchQuery is what someone typed, ready to search with: a whole email
// address is looked up as itself (its parts as words would also match
// every longer address that starts the same way, and "com" matches
// nearly everyone); anything else is a list of prefix tokens.
type searchQuery struct {
	tokens []string
	email  string
}

func parseSearch(q string) searchQuery {
	q = strings.TrimSpace(q)
	if !strings.ContainsAny(q, " \t") && strings.Count(q, "@") == 1 {
		if addr, err := rapport.NormalizeEmail(q); err == nil {
			return searchQuery{email: addr}
		}
	}
	return searchQuery{tokens: searchTokens(q)}
}

func (s searchQuery) empty() bool { return s.email == "" && len(s.tokens) == 0 }

// searchTokens turns what someone typed into search tokens. A query that
// looks like a phone number ("(312) 555-0142", "+1 312 555") becomes one
// token of its digits, so it matches however the number was written.
func searchTokens(q string) []string {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	if looksLikePhone(q) {
		return []string{digitsOf(q)}
	}
	toks := strings.Fields(rapport.Fold(q))
	if len(toks) > 8 {
		toks = toks[:8]
	}
	return toks
}

func looksLikePhone(q string) bool {
	digits := 0
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +()-./", r):
		default:
			return false
		}
	}
	return digits >= 3
}
