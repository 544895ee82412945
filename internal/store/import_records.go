package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// keepRecord keeps the row as it was with the person, when some of its
// values are in no field of theirs.
func (s *ImportSession) keepRecord(personID int64, d *pendingRow, kept []rapport.KeptValue) {
	if len(kept) == 0 {
		return
	}
	original := d.original
	if original == "" && d.cells != nil {
		original = rapport.CSVOriginal(d.header, d.cells)
	}
	if original == "" {
		original = keptOriginal(kept)
	}
	s.stats.Kept++
	keptJSON, _ := json.Marshal(kept)
	s.records = append(s.records, s.orgID, personID, s.opts.RecordKind, s.opts.Origin, d.line, original, string(keptJSON),
		recordDigest(s.opts.RecordKind, original), s.db.timeValue(s.now))
}

// recordDigest tells two copies of one input apart from two inputs.
func recordDigest(kind, original string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + original))
	return hex.EncodeToString(sum[:16])
}

var recordColumns = []string{"org_id", "person_id", "kind", "origin", "line", "original", "kept", "digest", "created_at"}

// addFacts queues the facts the person does not have yet.
func (s *ImportSession) addFacts(personID int64, facts []rapport.Fact) {
	if len(facts) == 0 {
		return
	}
	known := s.factsOf[personID]
	if known == nil {
		known = map[string]bool{}
		s.factsOf[personID] = known
	}
	source := "Imported"
	if s.opts.Origin != "" {
		source = "Imported from " + s.opts.Origin
	}
	for _, f := range facts {
		k := factKey(f.Type, f.Text)
		if known[k] {
			continue
		}
		known[k] = true
		if _, ok := s.pendingIdx[personID]; ok {
			s.newFacts[personID] = append(s.newFacts[personID], f.Text)
		} else {
			s.stale[personID] = true
		}
		s.facts = append(s.facts, s.orgID, personID, string(f.Type), f.Text, s.db.timeValue(s.now), nullID(s.actorID), source,
			s.db.timeValue(s.now))
	}
}

var factColumns = []string{"org_id", "person_id", "type", "text", "learned_at", "user_id", "source", "created_at"}

func factKey(t rapport.FactType, text string) string {
	return string(t) + "\x00" + strings.ToLower(strings.Join(strings.Fields(text), " "))
}

// loadFacts reads the facts of the people of a chunk that rows with facts
// are about to be merged into, so each fact is added once.
func (s *ImportSession) loadFacts(waiting map[int64][]pendingRow, ids []int64) error {
	var need []int64
	for _, id := range ids {
		if s.factsOf[id] != nil {
			continue
		}
		for _, d := range waiting[id] {
			if len(d.facts) > 0 {
				need = append(need, id)
				break
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	var facts []rapport.Fact
	if err := s.tx.NewSelect().Model(&facts).Column("person_id", "type", "text").
		Where("org_id = ? AND person_id IN (?)", s.orgID, bun.List(need)).Scan(s.ctx); err != nil {
		return err
	}
	for _, id := range need {
		s.factsOf[id] = map[string]bool{}
	}
	for _, f := range facts {
		s.factsOf[f.PersonID][factKey(f.Type, f.Text)] = true
	}
	return nil
}

// flush writes the queued people with their phones, emails and tags,
// then the production history, records and facts gathered (which may be
// for people written earlier: a report of people already known writes no
// one new).
func (s *ImportSession) flush() error {
	if len(s.pending) > 0 {
		for i := range s.pending {
			if p := &s.pending[i]; len(s.newFacts[p.ID]) > 0 {
				p.SearchDoc = searchDoc(p, s.newFacts[p.ID], nil)
			}
		}
		if err := s.w.people(s.ctx, s.pending); err != nil {
			return err
		}
		s.pending = s.pending[:0]
		clear(s.pendingIdx)
		clear(s.newFacts)
	}
	if err := s.flushProduction(); err != nil {
		return err
	}
	if len(s.records) > 0 {
		if err := s.w.insertAll(s.ctx, "person_records", recordColumns, s.records); err != nil {
			return err
		}
		s.records = s.records[:0]
	}
	if len(s.facts) > 0 {
		if err := s.w.insertAll(s.ctx, "facts", factColumns, s.facts); err != nil {
			return err
		}
		s.facts = s.facts[:0]
	}
	return nil
}

// refreshStale rebuilds the search documents of the people written
// earlier whose documents are not what they now are: people already there
// whom the import changed (updatePerson leaves an import's to this) or
// gave facts alone, and people this import created and wrote before a
// later row matched them (rewrite derives the document from the row,
// without their facts). It runs once, when every row is written and the
// indexes a bulk import drops are back, a chunk of people at a time
// (refreshSearches). A document of someone the search indexer has yet to
// reach is only kept; the indexer reads it.
func (s *ImportSession) refreshStale() error {
	if len(s.stale) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(s.stale))
	clear(s.stale)
	return s.db.refreshSearches(s.ctx, s.tx, s.orgID, ids)
}

// flushProduction writes the production history gathered so far: a
// person's figures for a period replace any the period had.
func (s *ImportSession) flushProduction() error {
	if len(s.prod) == 0 {
		return nil
	}
	vals := make([]any, 0, len(s.prod)*len(productionColumns))
	for _, p := range s.prod {
		vals = append(vals, p.OrgID, p.PersonID, string(p.Period), p.Rank, p.ListUnits, p.SellUnits, p.Units, p.Volume, p.Office,
			s.db.timeValue(p.CreatedAt))
	}
	clear(s.prod)
	return s.w.insertAll(s.ctx, "production", productionColumns, vals)
}

var productionColumns = []string{"org_id", "person_id", "period", "rank", "list_units", "sell_units", "units", "volume", "office", "created_at"}

// upserts are what a bulk insert into a table does with a row that is
// already there.
var upserts = map[string]string{
	"production": " ON CONFLICT (org_id, person_id, period) DO UPDATE SET rank = excluded.rank, list_units = excluded.list_units," +
		" sell_units = excluded.sell_units, units = excluded.units, volume = excluded.volume, office = excluded.office",
	"person_records": " ON CONFLICT (org_id, person_id, digest) DO NOTHING",
}
