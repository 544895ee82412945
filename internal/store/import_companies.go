package store

import (
	"github.com/rapport-crm/rapport/internal/rapport"
)

// hired reports whether t joined us (see rapport.Person.Hired).
func (s *ImportSession) hired(t *rapport.Person) bool {
	st := s.pi.byID[t.StageID]
	return t.Kind == rapport.KindRecruit && st != nil && st.Key == rapport.StageJoined
}

// recordProduction keeps the row's production figures, if it has any, as
// the person's history for the import's period.
func (s *ImportSession) recordProduction(r *ImportRow, personID int64) {
	if !r.production {
		return
	}
	p := &r.Person
	s.prod[personID] = rapport.Production{OrgID: s.orgID, PersonID: personID, Period: s.period, Rank: r.Rank,
		ListUnits: p.ListUnits12m, SellUnits: p.SellUnits12m, Units: p.Units12m, Volume: p.Volume12m, Office: p.Office, CreatedAt: s.now}
}

// resolveCompany links the row to its office (or brokerage), creating the
// companies the organisation does not have yet.
func (s *ImportSession) resolveCompany(r *ImportRow) error {
	p := &r.Person
	if p.CompanyID != 0 || (p.Brokerage == "" && p.Office == "" && r.OfficeMLSID == "") {
		return nil
	}
	var brokerage int64
	if p.Brokerage != "" {
		id, err := s.companies.find(s, rapport.CompanyBrokerage, p.Brokerage, "", 0)
		if err != nil {
			return err
		}
		brokerage = id
	}
	if p.Office != "" || r.OfficeMLSID != "" {
		name := p.Office
		if name == "" {
			name = p.Brokerage
		}
		if name == "" {
			name = "Office " + r.OfficeMLSID
		}
		id, err := s.companies.find(s, rapport.CompanyOffice, name, r.OfficeMLSID, brokerage)
		if err != nil {
			return err
		}
		p.CompanyID = id
		return nil
	}
	p.CompanyID = brokerage
	return nil
}

// companyIndex finds the organisation's companies by name or MLS id during
// an import, creating those it lacks.
type companyIndex struct {
	byKey map[string]int64 // kind + "|" + name key
	byMLS map[string]int64
}

func (s *ImportSession) loadCompanies() error {
	var cs []rapport.Company
	if err := s.tx.NewSelect().Model(&cs).Where("org_id = ?", s.orgID).Scan(s.ctx); err != nil {
		return err
	}
	s.companies = &companyIndex{byKey: map[string]int64{}, byMLS: map[string]int64{}}
	for _, c := range cs {
		s.companies.byKey[string(c.Kind)+"|"+c.NameKey] = c.ID
		if c.MLSID != "" {
			s.companies.byMLS[c.MLSID] = c.ID
		}
	}
	return nil
}

func (ci *companyIndex) find(s *ImportSession, kind rapport.CompanyKind, name, mls string, parent int64) (int64, error) {
	if mls != "" {
		if id, ok := ci.byMLS[mls]; ok {
			return id, nil
		}
	}
	key := string(kind) + "|" + rapport.CompanyKey(name)
	if id, ok := ci.byKey[key]; ok {
		return id, nil
	}
	c := &rapport.Company{OrgID: s.orgID, Kind: kind, Name: name, MLSID: mls, ParentID: parent, CreatedAt: s.now, UpdatedAt: s.now}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return 0, nil // a name no company can have: leave the person unlinked
	}
	if _, err := s.tx.NewInsert().Model(c).Returning("id").Exec(s.ctx); err != nil {
		return 0, err
	}
	ci.byKey[key] = c.ID
	if mls != "" {
		ci.byMLS[mls] = c.ID
	}
	return c.ID, nil
}

// applyProduction brings a matched person's production up to date with a
// row from a report for period: figures and office from a report at least
// as new as theirs; an older report only adds history. The office of
// someone who joined us is left alone.
func applyProduction(t, row *rapport.Person, production, hired bool, period rapport.Day) bool {
	if !production || period < t.ProductionPeriod {
		return false
	}
	changed := t.Units12m != row.Units12m || t.Volume12m != row.Volume12m || t.ListUnits12m != row.ListUnits12m ||
		t.SellUnits12m != row.SellUnits12m || t.ProductionPeriod != period
	t.Units12m, t.Volume12m, t.ListUnits12m, t.SellUnits12m, t.ProductionPeriod = row.Units12m, row.Volume12m, row.ListUnits12m, row.SellUnits12m, period
	if !hired && row.CompanyID != 0 && row.CompanyID != t.CompanyID {
		t.CompanyID, changed = row.CompanyID, true
		if row.Office != "" {
			t.Office = row.Office
		}
		if row.Brokerage != "" {
			t.Brokerage = row.Brokerage
		}
	}
	return changed
}
