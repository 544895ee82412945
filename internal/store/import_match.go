package store

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// preload loads every contact key of the organisation into the map.
func (s *ImportSession) preload() error {
	for _, q := range []*bun.SelectQuery{
		s.tx.NewSelect().Table("emails").ColumnExpr("person_id, 'e:' || address").Where("org_id = ?", s.orgID),
		s.tx.NewSelect().Table("phones").ColumnExpr("person_id, 'p:' || number").Where("org_id = ? AND label <> 'fax'", s.orgID),
		s.tx.NewSelect().Table("people").ColumnExpr("id, 'm:' || mls_id").Where("org_id = ? AND mls_id <> ''", s.orgID),
	} {
		rows, err := q.Rows(s.ctx)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return err
			}
			s.loadKey(key, id)
		}
		if err := rows.Err(); err != nil {
			rows.Close()
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	s.preloaded = true
	return nil
}

func (s *ImportSession) hash(key string) uint64 { return maphash.String(s.seed, key) }

// sharedLabels are the phone labels rapport.SharedPhoneLabel names.
var sharedLabels = []string{"work", "office", "business", "main", "fax", "company"}

// contactKeys are the keys a person is matched by, in the order they are
// trusted: the MLS id and emails, each enough on its own, then phones
// (but fax numbers), which match only under a compatible name.
func contactKeys(p *rapport.Person) []string {
	keys := make([]string, 0, len(p.Emails)+len(p.Phones)+1)
	if p.MLSID != "" {
		keys = append(keys, "m:"+p.MLSID)
	}
	for _, e := range p.Emails {
		keys = append(keys, "e:"+e.Address)
	}
	for _, ph := range p.Phones {
		if ph.Label != "fax" {
			keys = append(keys, "p:"+ph.Number)
		}
	}
	return keys
}

// houseMember is one of the people sharing a phone, with their name and
// whether they are not to be called (as far as this import knows).
type houseMember struct {
	id      int64
	name    foldedName
	dnc     bool
	display string
}

// sharedDNC notes a row that shares its phone (key i) with someone marked
// do not call, or is itself marked and shares it with someone who is not:
// one of them is called on a number the other asked not to be called on.
func (s *ImportSession) sharedDNC(r *ImportRow, i int, members []houseMember) {
	for _, m := range members {
		if m.dnc != r.Person.DoNotCall && m.display != "" {
			if r.Person.DoNotCall {
				r.notes = append(r.notes, fmt.Sprintf("phone %s, marked do not call here, is shared with %s, who is not", r.keys[i][2:], m.display))
			} else {
				r.notes = append(r.notes, fmt.Sprintf("phone %s is shared with %s, who is marked do not call", r.keys[i][2:], m.display))
			}
			return
		}
	}
}

// personName folds a person's name for matching; a name made up from an
// email or phone (an import's row without one) is no name.
func personName(p *rapport.Person) foldedName {
	if derivedName(p) {
		return foldedName{}
	}
	return foldName(p.FirstName, p.LastName)
}

// derivedName reports whether the person's name is only what an import
// or event made up from their email or phone.
func derivedName(p *rapport.Person) bool {
	if p.LastName != "" || p.FirstName == "" {
		return p.FirstName == "" && p.LastName == ""
	}
	for _, e := range p.Emails {
		if local, _, _ := strings.Cut(e.Address, "@"); local == p.FirstName {
			return true
		}
	}
	for _, ph := range p.Phones {
		if d := digitsOf(p.FirstName); len(d) >= 7 && strings.HasSuffix(digitsOf(ph.Number), d) {
			return true
		}
	}
	return strings.HasPrefix(p.FirstName, "MLS ")
}

// sharesKey reports whether p really has one of keys (a hash match is
// confirmed against the values before anything is merged).
func sharesKey(p *rapport.Person, keys []string) bool {
	for _, k := range keys {
		for _, mine := range contactKeys(p) {
			if k == mine {
				return true
			}
		}
	}
	return false
}

// lookupBatch finds, for keys of the batch not yet in the map, the
// existing people who have them.
func (s *ImportSession) lookupBatch(rows []ImportRow) error {
	var emails, phones, mls []string
	for i := range rows {
		for j, k := range rows[i].keys {
			if _, ok := s.keys.get(rows[i].hashes[j]); ok {
				continue
			}
			switch k[0] {
			case 'e':
				emails = append(emails, k[2:])
			case 'p':
				phones = append(phones, k[2:])
			case 'm':
				mls = append(mls, k[2:])
			}
		}
	}
	type hit struct {
		PersonID int64  `bun:"person_id"`
		Key      string `bun:"key"`
	}
	var hits []hit
	if len(emails) > 0 {
		if err := s.tx.NewSelect().Table("emails").ColumnExpr("person_id, 'e:' || address AS key").
			Where("org_id = ? AND address IN (?)", s.orgID, bun.List(emails)).Scan(s.ctx, &hits); err != nil {
			return err
		}
	}
	if len(phones) > 0 {
		var more []hit
		if err := s.tx.NewSelect().Table("phones").ColumnExpr("person_id, 'p:' || number AS key").
			Where("org_id = ? AND number IN (?) AND label <> 'fax'", s.orgID, bun.List(phones)).Scan(s.ctx, &more); err != nil {
			return err
		}
		hits = append(hits, more...)
	}
	if len(mls) > 0 {
		var more []hit
		if err := s.tx.NewSelect().Table("people").ColumnExpr("id AS person_id, 'm:' || mls_id AS key").
			Where("org_id = ? AND mls_id IN (?)", s.orgID, bun.List(mls)).Scan(s.ctx, &more); err != nil {
			return err
		}
		hits = append(hits, more...)
	}
	for _, h := range hits {
		s.loadKey(h.Key, h.PersonID)
	}
	return nil
}

// loadKey records that the person already there has key. Two people
// sharing a key: the older one (the lower id) is the match; for a phone,
// both are remembered, as its household (see loadHouses).
func (s *ImportSession) loadKey(key string, id int64) {
	h := s.hash(key)
	old, ok := s.keys.get(h)
	if ok && old != id && key[0] == 'p' {
		if s.sharers == nil {
			s.sharers = map[uint64][]int64{}
		}
		if len(s.sharers[h]) == 0 {
			s.sharers[h] = []int64{old}
		}
		if !slices.Contains(s.sharers[h], id) {
			s.sharers[h] = append(s.sharers[h], id)
		}
	}
	if !ok || id < old {
		s.keys.set(h, id)
	}
}

// findMatch finds the person the row is: the first of its keys someone
// has. An MLS id or an email is enough; a phone is enough only under a
// name that can be the same person's (the people of a number already in
// the database are in house, see loadHouses). It returns the person and
// the index of the key.
func (s *ImportSession) findMatch(r *ImportRow) (id int64, key int) {
	for i, h := range r.hashes {
		id, ok := s.keys.get(h)
		if !ok {
			continue
		}
		if r.keys[i][0] != 'p' {
			return id, i
		}
		if members, ok := s.house[h]; ok {
			if id := pickMember(members, r.name); id != 0 {
				return id, i
			}
			s.sharedDNC(r, i, members)
			continue
		}
		if j, ok := s.pendingIdx[id]; ok {
			t := &s.pending[j]
			other := personName(t)
			if namesCompatible(r.name, other) {
				return id, i
			}
			// Two people on one number: from now on a row with it is
			// whichever of them its name fits.
			s.house[h] = []houseMember{{id: id, name: other, dnc: t.DoNotCall, display: t.Name()}}
			s.sharedDNC(r, i, s.house[h])
			continue
		}
		return id, i
	}
	return 0, 0
}

// loadHouses reads, for the phones of a batch that match someone already
// written (and where nothing surer, an email or an MLS id, matches first),
// the people who have that phone, with their names: a row with the phone
// is then whichever of them its name fits, or someone new. Who has a
// phone is known from loading the keys (every sharer of it, see loadKey),
// so the names are read by id — one query a batch, by primary key, which
// stays cheap while a bulk import has the phone index dropped — and none
// when no row matches by phone alone.
func (s *ImportSession) loadHouses(rows []ImportRow) error {
	var ids []int64
	want := map[uint64][]int64{}
	for i := range rows {
		r := &rows[i]
		if r.rejected {
			continue
		}
		for j, h := range r.hashes {
			id, ok := s.keys.get(h)
			if !ok {
				continue
			}
			if r.keys[j][0] != 'p' {
				break // an email or MLS id decides
			}
			if _, known := s.house[h]; known {
				continue
			}
			if _, pending := s.pendingIdx[id]; pending {
				continue // their name is at hand
			}
			if _, ok := want[h]; ok {
				continue
			}
			members := s.sharers[h]
			if len(members) == 0 {
				members = []int64{id}
			}
			want[h] = members
			ids = append(ids, members...)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var people []rapport.Person
	if err := s.tx.NewSelect().Model(&people).Column("id", "first_name", "last_name", "do_not_call").
		Where("org_id = ? AND id IN (?)", s.orgID, bun.List(ids)).Scan(s.ctx); err != nil {
		return err
	}
	byID := make(map[int64]*rapport.Person, len(people))
	for i := range people {
		byID[people[i].ID] = &people[i]
	}
	for h, members := range want {
		for _, id := range members {
			p := byID[id]
			if p == nil {
				continue
			}
			s.house[h] = append(s.house[h], houseMember{id: id, name: personName(p), dnc: p.DoNotCall, display: p.Name()})
		}
	}
	return nil
}

// pickMember returns the first of the people sharing a phone whose name
// fits, or 0.
func pickMember(members []houseMember, name foldedName) int64 {
	for _, m := range members {
		if namesCompatible(name, m.name) {
			return m.id
		}
	}
	return 0
}
