package store

import (
	"fmt"
	"slices"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// isNew reports whether id is a person this import created.
func (s *ImportSession) isNew(id int64) bool {
	if _, ok := s.pendingIdx[id]; ok {
		return true
	}
	if s.firstID > 0 {
		return id >= s.firstID
	}
	// PostgreSQL: the ids reserved, in ascending ranges.
	i, _ := slices.BinarySearchFunc(s.ranges, id, func(r [2]int64, id int64) int {
		if r[1] < id {
			return -1
		}
		return 0
	})
	return i < len(s.ranges) && s.ranges[i][0] <= id
}

// Add imports a batch of rows, in order.
func (s *ImportSession) Add(rows []ImportRow) ([]RowResult, error) {
	for i := range rows {
		if !rows[i].prepared {
			s.Prepare(&rows[i])
		}
	}
	if !s.preloaded {
		if err := s.lookupBatch(rows); err != nil {
			return nil, err
		}
	}
	if err := s.loadHouses(rows); err != nil {
		return nil, err
	}
	out := make([]RowResult, len(rows))
	for i := range rows {
		res, err := s.addRow(&rows[i])
		if err != nil {
			return nil, err
		}
		out[i] = res
		switch res.Outcome {
		case Created:
			s.stats.Created++
		case Updated:
			s.stats.Updated++
		case Merged:
			s.stats.Merged++
		case Rejected:
			s.stats.Rejected++
		}
		if len(s.pending) >= importBatch {
			if err := s.flush(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Prepare does the work on a row that needs nothing written before it:
// defaults, owner and stage by name, normalising, checking, and the keys
// it is matched by. It is safe to call from several goroutines at once
// (the importer prepares rows while earlier ones are written); Add
// prepares any row that is not.
func (s *ImportSession) Prepare(r *ImportRow) {
	p := &r.Person
	p.OrgID = s.orgID
	r.prepared = true
	if p.Source == "" {
		p.Source = s.opts.Source
	}
	if s.opts.ReferredByID != 0 && p.ReferredByID == 0 {
		p.ReferredByID = s.opts.ReferredByID
	}
	if r.Owner != "" {
		if id, ok := s.users[strings.ToLower(strings.TrimSpace(r.Owner))]; ok {
			p.OwnerID = id
		} else {
			r.notes = append(r.notes, fmt.Sprintf("no user %q here; owner left to the import's default", r.Owner))
			r.Kept = append(r.Kept[:len(r.Kept):len(r.Kept)], rapport.KeptValue{Name: s.column("Owner"), Value: r.Owner, Why: "no such user here"})
		}
	}
	if p.OwnerID == 0 {
		p.OwnerID = s.opts.OwnerID
	}
	if r.Stage != "" {
		id := s.stageNamed(p.Kind, r.Stage)
		if key, kind := rapport.StageAlias(r.Stage); id == 0 && key != "" && p.Kind != rapport.KindRecruit && p.Kind != rapport.KindSphere {
			// Another CRM's name for one of our stages; a past client is
			// a client.
			if kind == rapport.KindClient {
				p.Kind = kind
			}
			if st := s.pi.byKey[rapport.PipelineFor(p.Kind)][key]; st != nil {
				id = st.ID
				if a, b := strings.ToLower(r.Stage), strings.ToLower(st.Name); !strings.Contains(a, b) && !strings.Contains(b, a) {
					r.Kept = append(r.Kept[:len(r.Kept):len(r.Kept)], rapport.KeptValue{Name: s.column("Stage"), Value: r.Stage, Why: "read as " + st.Name})
				}
			}
		}
		if id != 0 {
			p.StageID = id
		} else {
			r.notes = append(r.notes, fmt.Sprintf("no stage %q in the %s pipeline; the first stage used", r.Stage, rapport.PipelineFor(p.Kind)))
			r.Kept = append(r.Kept[:len(r.Kept):len(r.Kept)], rapport.KeptValue{Name: s.column("Stage"), Value: r.Stage, Why: "no such stage here"})
		}
	}
	if p.Brokerage == "" && p.Office != "" {
		p.Brokerage = rapport.SplitOfficeName(p.Office)
	}
	r.production = p.Units12m > 0 || p.Volume12m > 0 || p.ListUnits12m > 0 || p.SellUnits12m > 0
	if r.production {
		p.ProductionPeriod = s.period
	}
	p.Normalize()
	if err := p.Validate(s.now); err != nil {
		r.rejected = true
		r.notes = append(r.notes, rapport.ErrorMessage(err)+" "+fieldList(err))
		return
	}
	if p.StageID == 0 {
		p.StageID = s.pi.initial(p.Kind)
	}
	p.CreatedAt, p.UpdatedAt, p.CreatedBy, p.Version = s.now, s.now, s.actorID, 1
	p.ScheduleTouch()
	derive(p)
	if !r.Unnamed {
		r.name = foldName(p.FirstName, p.LastName)
	}
	r.keys = contactKeys(p)
	r.hashes = make([]uint64, len(r.keys))
	for i, k := range r.keys {
		r.hashes[i] = s.hash(k)
	}
}

func (s *ImportSession) addRow(r *ImportRow) (res RowResult, err error) {
	if !r.prepared {
		s.Prepare(r)
	}
	defer func() { res.Notes = r.notes }()
	if r.rejected {
		res.Outcome = Rejected
		return res, nil
	}
	p := &r.Person
	if r.ReferredBy != "" {
		if err := s.resolveReferrer(r); err != nil {
			return res, err
		}
	}
	match, first := s.findMatch(r)
	if match != 0 {
		// An email of the row that belongs to someone else stays theirs:
		// a report with Lee's MLS id and Omar's email must not give
		// Omar's email to Lee. (A shared phone is kept by both: a couple's
		// home phone is each one's.)
		for i := first + 1; i < len(r.hashes); {
			if r.keys[i][0] == 'e' {
				if id, ok := s.keys.get(r.hashes[i]); ok && id != match && s.leaveOut(r, i) {
					continue
				}
			}
			i++
		}
	}
	if err := s.resolveCompany(r); err != nil {
		return res, err
	}
	if match != 0 {
		merged, err := s.mergeInto(match, r)
		if err != nil {
			return res, err
		}
		if merged != 0 {
			res.PersonID, res.Outcome = match, merged
			s.claimKeys(r, match)
			s.recordProduction(r, match)
			return res, nil
		}
	}
	d := rowOf(r, p)
	if err := s.create(&d); err != nil {
		return res, err
	}
	s.recordProduction(r, p.ID)
	res.PersonID, res.Outcome = p.ID, Created
	return res, nil
}

// resolveReferrer links the row to the person its "Referred by" names,
// when exactly one active person has that name; otherwise the name is
// kept with the row, and the report says why.
func (s *ImportSession) resolveReferrer(r *ImportRow) error {
	name := strings.TrimSpace(r.ReferredBy)
	id, ok := s.referrers[name]
	if !ok {
		first, last := splitPersonName(name)
		key := nameKey(first, last)
		if key != "" {
			var ids []int64
			if err := s.tx.NewSelect().Table("people").Column("id").Where("org_id = ? AND name_key = ? AND archived_at IS NULL", s.orgID, key).
				Limit(2).Scan(s.ctx, &ids); err != nil {
				return err
			}
			if len(ids) == 1 {
				id = ids[0]
			} else if len(ids) > 1 {
				id = -1
			}
		}
		if s.referrers == nil {
			s.referrers = map[string]int64{}
		}
		s.referrers[name] = id
	}
	switch {
	case id > 0:
		if r.Person.ReferredByID == 0 {
			r.Person.ReferredByID = id
		}
		return nil
	case id < 0:
		r.notes = append(r.notes, fmt.Sprintf("referred by %q: more than one person has that name; kept as imported", name))
	default:
		r.notes = append(r.notes, fmt.Sprintf("referred by %q: no one of that name here; kept as imported", name))
	}
	r.Kept = append(r.Kept[:len(r.Kept):len(r.Kept)], rapport.KeptValue{Name: "Referred by", Value: name, Why: "no single person of that name"})
	return nil
}

// splitPersonName splits "Maria Lopez" or "Lopez, Maria".
func splitPersonName(full string) (first, last string) {
	if l, f, ok := strings.Cut(full, ","); ok {
		return strings.TrimSpace(f), strings.TrimSpace(l)
	}
	words := strings.Fields(full)
	if len(words) < 2 {
		return full, ""
	}
	return words[0], strings.Join(words[1:], " ")
}

// claimKeys points the row's keys that no one has yet at the person.
func (s *ImportSession) claimKeys(r *ImportRow, id int64) {
	for _, h := range r.hashes {
		if _, ok := s.keys.get(h); !ok {
			s.keys.set(h, id)
		}
	}
}

// leaveOut drops the row's key i (an email or a phone) from the person it
// brings, with a note, because it belongs to another person. It reports
// whether it did.
func (s *ImportSession) leaveOut(r *ImportRow, i int) bool {
	p, key := &r.Person, r.keys[i]
	switch key[0] {
	case 'e':
		p.Emails = slices.DeleteFunc(p.Emails, func(e rapport.Email) bool { return e.Address == key[2:] })
		r.notes = append(r.notes, fmt.Sprintf("email %s belongs to someone else here; left out", key[2:]))
	case 'p':
		p.Phones = slices.DeleteFunc(p.Phones, func(ph rapport.Phone) bool { return ph.Number == key[2:] })
		r.notes = append(r.notes, fmt.Sprintf("phone %s belongs to someone else here; left out", key[2:]))
	default:
		return false
	}
	r.keys = slices.Delete(r.keys, i, i+1)
	r.hashes = slices.Delete(r.hashes, i, i+1)
	derive(p) // the search document and the first email or phone were of what is left out too
	return true
}

func fieldList(err error) string {
	if e, ok := err.(*rapport.Error); ok && len(e.Fields) > 0 {
		return "(" + e.FieldList() + ")"
	}
	return ""
}

func (s *ImportSession) stageNamed(kind rapport.Kind, name string) int64 {
	for _, st := range s.pi.byKey[rapport.PipelineFor(kind)] {
		if strings.EqualFold(st.Name, name) || strings.EqualFold(st.Key, name) {
			return st.ID
		}
	}
	return 0
}

// column names the file's column a field came from.
func (s *ImportSession) column(field string) string {
	if col := s.opts.Columns[field]; col != "" {
		return col
	}
	return field
}
