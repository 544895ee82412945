// Package demo fills a database with a believable brokerage: people with
// stories, weeks of conversations, follow-ups due and overdue, fresh leads
// and recruits with production. It also generates large books of people
// for benchmarks.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Generator makes people deterministically from a seed.
type Generator struct {
	rng *rand.Rand
	now time.Time
	seq int
}

// NewGenerator returns a generator; the same seed gives the same people.
func NewGenerator(seed uint64, now time.Time) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: now}
}

func pick[T any](g *Generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

// Chance reports true with probability p.
func (g *Generator) Chance(p float64) bool { return g.rng.Float64() < p }

// IntN returns a number in [0, n).
func (g *Generator) IntN(n int) int { return g.rng.IntN(n) }

var areaCodes = []string{"312", "773", "872", "847", "630", "708"}

// phone returns a plausible Chicago-area number in E.164 form.
func (g *Generator) phone() string {
	return fmt.Sprintf("+1%s%d%02d%04d", pick(g, areaCodes), 2+g.rng.IntN(8), 10+g.rng.IntN(90), g.rng.IntN(10000))
}

// Person returns a new person of kind owned by owner. Activity fields are
// left zero: they come from logged conversations.
func (g *Generator) Person(kind rapport.Kind, owner int64) rapport.Person {
	g.seq++
	p := rapport.Person{
		FirstName: pick(g, firstNames),
		LastName:  pick(g, lastNames),
		Kind:      kind,
		OwnerID:   owner,
		Phones:    []rapport.Phone{{Number: g.phone(), Label: "mobile"}},
		CreatedAt: g.now.Add(-time.Duration(g.rng.Int64N(int64(540 * 24 * time.Hour)))).UTC(),
	}
	p.Emails = []rapport.Email{{Address: fmt.Sprintf("%s.%s%d@example.com", ascii(p.FirstName), ascii(p.LastName), g.seq), Label: "personal"}}
	if g.Chance(0.3) {
		p.Phones = append(p.Phones, rapport.Phone{Number: g.phone(), Label: "work"})
	}
	if g.Chance(0.6) {
		p.Street = fmt.Sprintf("%d %s", 100+g.rng.IntN(4900), pick(g, streets))
		p.City, p.State, p.PostalCode = pick(g, cities), "IL", pick(g, zips)
	}
	if g.Chance(0.35) {
		p.Birthday = rapport.Anniversary{Year: 1950 + g.rng.IntN(55), Month: time.Month(1 + g.rng.IntN(12)), Day: 1 + g.rng.IntN(28)}
	}
	switch kind {
	case rapport.KindLead:
		p.Source = pick(g, leadSources)
		p.Tags = []string{pick(g, clientTags)}
	case rapport.KindClient:
		p.Source = pick(g, leadSources)
		p.Tags = []string{pick(g, clientTags), pick(g, clientTags)}
		p.CadenceDays = 60
		if g.Chance(0.6) {
			p.HomeAnniversary = rapport.Anniversary{Year: 2010 + g.rng.IntN(15), Month: time.Month(1 + g.rng.IntN(12)), Day: 1 + g.rng.IntN(28)}
		}
	case rapport.KindSphere:
		p.Source = "Sphere"
		p.CadenceDays = []int{30, 60, 90}[g.rng.IntN(3)]
	case rapport.KindRecruit:
		p.Source = "MLS roster"
		// An MLS agent id, unique within the generator's people: imports of
		// production reports match agents by it.
		p.MLSID = strconv.Itoa(700000 + g.seq)
		p.Brokerage, p.Office = pick(g, brokerages), pick(g, offices)
		p.LicenceYear = 1990 + g.rng.IntN(35)
		// Production is heavily skewed: most agents do a few deals, a
		// few do very many.
		units := int(math.Exp(g.rng.NormFloat64()*0.9 + 2.0))
		p.Units12m = min(units, 150)
		p.Volume12m = int64(p.Units12m) * int64(250_000+g.rng.IntN(500_000)) / 1000 * 1000
		p.Tags = []string{pick(g, recruitTags)}
	}
	return p
}

// Fact returns a fact of type t that fits a person of kind.
func (g *Generator) Fact(kind rapport.Kind, t rapport.FactType) rapport.Fact {
	facts := clientFacts
	if kind == rapport.KindRecruit {
		facts = recruitFacts
	}
	return rapport.Fact{Type: t, Text: pick(g, facts[string(t)])}
}

// Notes returns a line of call notes for a person of kind.
func (g *Generator) Notes(kind rapport.Kind) string {
	if kind == rapport.KindRecruit {
		return pick(g, recruitNotes)
	}
	return pick(g, callNotes)
}

// ascii lower-cases a name and drops what an email address cannot hold.
func ascii(s string) string {
	var b []rune
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b = append(b, r)
		case r >= 'A' && r <= 'Z':
			b = append(b, r+'a'-'A')
		case r == 'é':
			b = append(b, 'e')
		case r == 'ñ' || r == 'Ñ':
			b = append(b, 'n')
		case r == 'ú':
			b = append(b, 'u')
		case r == 'ü':
			b = append(b, 'u')
		}
	}
	return string(b)
}
