package store

import (
	"fmt"
	"slices"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// deferAfter is how many merges wait before they are applied.
var deferAfter = 20000

// pendingRow is what a row brings to a person, held until it is applied.
type pendingRow struct {
	person   *rapport.Person
	keys     []string
	hashes   []uint64
	name     foldedName
	line     int
	kept     []rapport.KeptValue
	original string
	header   []string
	cells    []string
	facts    []rapport.Fact
	// owner and stage are what the row named.
	owner, stage string
}

func rowOf(r *ImportRow, p *rapport.Person) pendingRow {
	return pendingRow{person: p, keys: r.keys, hashes: r.hashes, name: r.name, line: r.Line, kept: r.Kept,
		original: r.Original, header: r.Header, cells: r.Cells, facts: r.Facts, owner: r.Owner, stage: r.Stage}
}

// mergeInto folds the row into the person with id (when they really share
// a key) and says how: Merged, or 0 when the match was a hash collision.
// A person not in the batch being built is merged later (see
// applyDeferred), and the outcome then is counted there: mergeInto says
// Merged for now.
func (s *ImportSession) mergeInto(id int64, r *ImportRow) (Outcome, error) {
	if i, ok := s.pendingIdx[id]; ok {
		target := &s.pending[i]
		if !sharesKey(target, r.keys) {
			return 0, nil
		}
		d := rowOf(r, &r.Person)
		s.absorbPending(target, &d)
		return Merged, nil
	}
	p := r.Person
	s.deferred[id] = append(s.deferred[id], rowOf(r, &p))
	s.deferredN++
	s.stats.Merged-- // counted when applied
	if s.deferredN >= deferAfter {
		return Merged, s.applyDeferred()
	}
	return Merged, nil
}

// absorb folds a row into the person t: production first (it decides
// the office, which MergeInto would otherwise fill in without the office's
// name), then what t lacked; what t had otherwise, and what no field
// holds, is kept with t as the row's record. It reports whether t changed.
func (s *ImportSession) absorb(t *rapport.Person, d *pendingRow, hired bool) bool {
	in := d.person
	production := in.ProductionPeriod != ""
	c := applyProduction(t, in, production, hired, s.period)
	kept := d.kept
	conflicts := rapport.MergeConflicts(t, in)
	if d.owner != "" && in.OwnerID != 0 && t.OwnerID != 0 && in.OwnerID != t.OwnerID {
		conflicts = append(conflicts, rapport.KeptValue{Name: "Owner", Value: d.owner, Why: "already had another owner"})
	}
	if d.stage != "" && in.StageID != 0 && t.StageID != 0 && in.StageID != t.StageID {
		have := ""
		if st := s.pi.byID[t.StageID]; st != nil {
			have = st.Name
		}
		conflicts = append(conflicts, rapport.KeptValue{Name: "Stage", Value: d.stage, Why: rapport.AlreadyHad(have)})
	}
	for _, k := range conflicts {
		if production && (k.Name == "Office" || k.Name == "Brokerage") {
			continue // an older report's office: in the production history
		}
		if k.Name == "Source" && k.Value == s.opts.Source {
			continue // the import's default, not something the row said
		}
		k.Name = s.column(k.Name)
		kept = append(kept[:len(kept):len(kept)], k)
		s.late = append(s.late, RowNote{Line: d.line, Column: k.Name,
			Note: fmt.Sprintf("%q kept as imported (%s %s)", k.Value, t.Name(), k.Why)})
	}
	c = rapport.MergeInto(t, in) || c
	s.keepRecord(t.ID, d, kept)
	s.addFacts(t.ID, d.facts)
	return c
}

// absorbPending folds a row into someone this import is about to write.
func (s *ImportSession) absorbPending(t *rapport.Person, d *pendingRow) {
	s.absorb(t, d, false)
	derive(t)
}

// applyDeferred merges the waiting rows into the people they matched, a
// chunk of people at a time in id order. A row whose match turns out to
// be a hash collision becomes a new person.
func (s *ImportSession) applyDeferred() error {
	for s.deferredN > 0 {
		if err := s.flush(); err != nil {
			return err
		}
		waiting := s.deferred
		s.deferred, s.deferredN = map[int64][]pendingRow{}, 0
		ids := make([]int64, 0, len(waiting))
		for id := range waiting {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		const chunk = 500
		for lo := 0; lo < len(ids); lo += chunk {
			if err := s.mergeChunk(waiting, ids[lo:min(lo+chunk, len(ids))]); err != nil {
				return err
			}
		}
	}
	return s.flush()
}

func (s *ImportSession) mergeChunk(waiting map[int64][]pendingRow, ids []int64) error {
	var targets []rapport.Person
	if err := s.tx.NewSelect().Model(&targets).Where("org_id = ? AND id IN (?)", s.orgID, bun.List(ids)).
		Order("id").Scan(s.ctx); err != nil {
		return err
	}
	if err := s.db.loadDetails(s.ctx, s.tx, s.orgID, targets); err != nil {
		return err
	}
	if err := s.loadFacts(waiting, ids); err != nil {
		return err
	}
	var rewrite []rapport.Person
	for i := range targets {
		t := &targets[i]
		rows := waiting[t.ID]
		delete(waiting, t.ID)
		changed := false
		for j := range rows {
			d := &rows[j]
			if !sharesKey(t, d.keys) {
				// A hash collision: the row was someone else after all.
				if err := s.create(d); err != nil {
					return err
				}
				s.stats.Created++
				continue
			}
			c := s.absorb(t, d, s.hired(t))
			if c && !changed {
				changed = true
				if !s.isNew(t.ID) && !s.seen[t.ID] {
					s.seen[t.ID] = true
					s.stats.Updated++
					continue
				}
			}
			s.stats.Merged++
		}
		if !changed {
			continue
		}
		if s.isNew(t.ID) {
			derive(t)
			if len(s.factsOf[t.ID]) > 0 {
				s.stale[t.ID] = true // derive left them out
			}
			t.UpdatedAt = s.now
			t.ScheduleTouch()
			rewrite = append(rewrite, *t)
			continue
		}
		t.Version = 0
		if err := s.db.updatePersonWith(s.ctx, s.tx, rapport.Actor{Org: s.orgID, User: s.actorID}, t, "Import", s.pi); err != nil {
			return err
		}
		s.stale[t.ID] = true // its search document follows, with everyone's, at the end
	}
	for _, id := range ids {
		// Someone vanished meanwhile? Not inside the transaction; but
		// keep the rows rather than lose them.
		rows := waiting[id]
		delete(waiting, id)
		for j := range rows {
			if err := s.create(&rows[j]); err != nil {
				return err
			}
			s.stats.Created++
		}
	}
	return s.w.rewrite(s.ctx, rewrite)
}

// create queues a new person to be written with the next batch, with
// their record and facts, and points the keys no one has yet at them.
func (s *ImportSession) create(d *pendingRow) error {
	p := d.person
	if !s.db.oneWriter() {
		// Ids come from the sequence, a batch at a time.
		if len(s.reserved) == 0 {
			ids, err := s.db.reserveIDs(s.ctx, s.tx, "people", importBatch)
			if err != nil {
				return err
			}
			slices.Sort(ids)
			for _, id := range ids {
				if n := len(s.ranges); n > 0 && s.ranges[n-1][1] == id-1 {
					s.ranges[n-1][1] = id
				} else {
					s.ranges = append(s.ranges, [2]int64{id, id})
				}
			}
			s.reserved = ids
		}
		p.ID, s.reserved = s.reserved[0], s.reserved[1:]
	} else {
		p.ID = s.nextID
		s.nextID++
	}
	s.pendingIdx[p.ID] = len(s.pending)
	s.pending = append(s.pending, *p)
	for i, h := range d.hashes {
		if _, ok := s.keys.get(h); !ok {
			s.keys.set(h, p.ID)
		} else if members, ok := s.house[h]; ok && d.keys[i][0] == 'p' {
			s.house[h] = append(members, houseMember{id: p.ID, name: d.name, dnc: p.DoNotCall, display: p.Name()})
		}
	}
	s.keepRecord(p.ID, d, d.kept)
	s.addFacts(p.ID, d.facts)
	return nil
}
