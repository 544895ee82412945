package demo

import (
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Book generates n people for the given owners with a plausible history
// already on them (attempts, last touches, keep-in-touch dates): a large
// book for benchmarks and load tests, written in one bulk insert.
func (g *Generator) Book(n int, owners []int64) []rapport.Person {
	kinds := []rapport.Kind{rapport.KindLead, rapport.KindLead, rapport.KindClient, rapport.KindSphere, rapport.KindSphere, rapport.KindRecruit}
	out := make([]rapport.Person, n)
	for i := range out {
		p := g.Person(kinds[g.rng.IntN(len(kinds))], owners[g.rng.IntN(len(owners))])
		// Most people have been worked at some point; some leads are new.
		if g.Chance(0.97) {
			first := p.CreatedAt.Add(time.Duration(g.rng.Int64N(int64(48 * time.Hour))))
			if first.After(g.now) {
				first = g.now.Add(-time.Hour)
			}
			last := first.Add(time.Duration(g.rng.Int64N(int64(g.now.Sub(first)) + 1)))
			p.FirstAttemptAt, p.LastAttemptAt, p.LastTouchAt = first, last, last
			if g.Chance(0.5) {
				p.LastLiveAt = last
			}
		}
		out[i] = p
	}
	return out
}
