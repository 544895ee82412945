package store

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// CreateCompany adds a brokerage or an office (of a brokerage of the same
// organisation).
func (db *DB) CreateCompany(ctx context.Context, act rapport.Actor, c *rapport.Company) error {
	orgID := act.Org
	c.OrgID = orgID
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	now := db.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	return db.tx(ctx, func(tx bun.Tx) error {
		if err := db.checkParent(ctx, tx, c); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(c).Returning("id").Exec(ctx); err != nil {
			if db.isUnique(err) {
				return invalidField("name", "There is already a "+string(c.Kind)+" called that.")
			}
			return err
		}
		return nil
	})
}

// UpdateCompany saves a company's details.
func (db *DB) UpdateCompany(ctx context.Context, act rapport.Actor, c *rapport.Company) error {
	orgID := act.Org
	c.OrgID = orgID
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	c.UpdatedAt = db.now().UTC()
	return db.tx(ctx, func(tx bun.Tx) error {
		old := new(rapport.Company)
		if err := db.forUpdate(tx.NewSelect().Model(old).Where("org_id = ? AND id = ?", orgID, c.ID)).Scan(ctx); err != nil {
			return notFound(err, "company")
		}
		if old.Kind != c.Kind {
			return invalidField("kind", "A brokerage stays a brokerage and an office an office.")
		}
		if err := db.checkParent(ctx, tx, c); err != nil {
			return err
		}
		_, err := tx.NewUpdate().Model(c).Column("parent_id", "name", "name_key", "market", "street", "city", "state",
			"postal_code", "website", "mls_id", "updated_at").Where("org_id = ? AND id = ?", orgID, c.ID).Exec(ctx)
		if db.isUnique(err) {
			return invalidField("name", "There is already a "+string(c.Kind)+" called that.")
		}
		return err
	})
}

func (db *DB) checkParent(ctx context.Context, q bun.IDB, c *rapport.Company) error {
	if c.ParentID == 0 {
		return nil
	}
	ok, err := q.NewSelect().Table("companies").Where("org_id = ? AND id = ? AND kind = ?", c.OrgID, c.ParentID, rapport.CompanyBrokerage).Exists(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return invalidField("parent_id", "Choose one of your brokerages.")
	}
	return nil
}

// Company returns a company with its brokerage (for an office).
func (db *DB) Company(ctx context.Context, act rapport.Actor, id int64) (*rapport.Company, error) {
	orgID := act.Org
	cs, err := db.companiesByID(ctx, orgID, []int64{id})
	if err != nil {
		return nil, err
	}
	if cs[id] == nil {
		return nil, rapport.NotFound("company")
	}
	return cs[id], nil
}

// companiesByID loads the organisation's companies with the given ids,
// each with its brokerage.
func (db *DB) companiesByID(ctx context.Context, orgID int64, ids []int64) (map[int64]*rapport.Company, error) {
	out := map[int64]*rapport.Company{}
	if len(ids) == 0 {
		return out, nil
	}
	var cs []rapport.Company
	if err := db.ro.NewSelect().Model(&cs).Where("org_id = ? AND id IN (?)", orgID, bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	var parents []int64
	for i := range cs {
		out[cs[i].ID] = &cs[i]
		if cs[i].ParentID != 0 && out[cs[i].ParentID] == nil {
			parents = append(parents, cs[i].ParentID)
		}
	}
	if len(parents) > 0 {
		var ps []rapport.Company
		if err := db.ro.NewSelect().Model(&ps).Where("org_id = ? AND id IN (?)", orgID, bun.List(parents)).Scan(ctx); err != nil {
			return nil, err
		}
		for i := range ps {
			if out[ps[i].ID] == nil {
				out[ps[i].ID] = &ps[i]
			}
		}
	}
	for _, c := range out {
		c.Parent = out[c.ParentID]
	}
	return out, nil
}

// attachCompanies sets Company on each person who works at one.
func (db *DB) attachCompanies(ctx context.Context, orgID int64, people []rapport.Person) error {
	var ids []int64
	for _, p := range people {
		if p.CompanyID != 0 {
			ids = append(ids, p.CompanyID)
		}
	}
	cs, err := db.companiesByID(ctx, orgID, ids)
	if err != nil {
		return err
	}
	for i := range people {
		people[i].Company = cs[people[i].CompanyID]
	}
	return nil
}

// CompanyFilter narrows the companies list.
type CompanyFilter struct {
	Kind   rapport.CompanyKind
	Market string
	// ParentID lists a brokerage's offices.
	ParentID int64
}

// CompanyRow is a company in a list, with how many agents work there (at
// it or, for a brokerage, at its offices), their 12-month volume, and its
// newest signal.
type CompanyRow struct {
	rapport.Company
	Agents     int
	Volume     int64
	LastSignal *rapport.Signal
}

// Companies lists the organisation's companies by name.
func (db *DB) Companies(ctx context.Context, act rapport.Actor, f CompanyFilter) ([]CompanyRow, error) {
	orgID := act.Org
	var cs []rapport.Company
	q := db.ro.NewSelect().Model(&cs).Where("org_id = ?", orgID)
	if f.Kind != "" {
		q.Where("kind = ?", f.Kind)
	}
	if f.Market != "" {
		q.Where("market = ?", f.Market)
	}
	if f.ParentID != 0 {
		q.Where("parent_id = ?", f.ParentID)
	}
	if err := q.OrderExpr("name_key, id").Limit(2000).Scan(ctx); err != nil {
		return nil, err
	}
	type count struct {
		CompanyID int64 `bun:"company_id"`
		Agents    int   `bun:"agents"`
		Volume    int64 `bun:"volume"`
	}
	// Agents are the prospects working there: agents who joined us keep
	// their old office on record but are ours now.
	joined, err := db.stageIDs(ctx, orgID, rapport.StageJoined)
	if err != nil {
		return nil, err
	}
	var counts []count
	cq := db.ro.NewSelect().Table("people").ColumnExpr("company_id, COUNT(*) AS agents, COALESCE(SUM(volume_12m), 0) AS volume").
		Where("org_id = ? AND company_id IS NOT NULL AND archived_at IS NULL AND kind = ?", orgID, rapport.KindRecruit)
	if len(joined) > 0 {
		cq.Where("(stage_id IS NULL OR stage_id NOT IN (?))", bun.List(joined))
	}
	if err := cq.GroupExpr("company_id").Scan(ctx, &counts); err != nil {
		return nil, err
	}
	all, err := db.allCompanies(ctx, orgID)
	if err != nil {
		return nil, err
	}
	agents, volume := map[int64]int{}, map[int64]int64{}
	for _, c := range counts {
		agents[c.CompanyID] += c.Agents
		volume[c.CompanyID] += c.Volume
		if p := all[c.CompanyID]; p != nil && p.ParentID != 0 {
			agents[p.ParentID] += c.Agents
			volume[p.ParentID] += c.Volume
		}
	}
	// Each company's newest signal.
	var signals []rapport.Signal
	if err := db.ro.NewSelect().Model(&signals).Where("org_id = ?", orgID).
		Where("id = (SELECT s2.id FROM signals AS s2 WHERE s2.org_id = signal.org_id AND s2.company_id = signal.company_id ORDER BY s2.on_day DESC, s2.id DESC LIMIT 1)").
		Scan(ctx); err != nil {
		return nil, err
	}
	last := map[int64]*rapport.Signal{}
	for i := range signals {
		if last[signals[i].CompanyID] == nil {
			last[signals[i].CompanyID] = &signals[i]
		}
	}
	rows := make([]CompanyRow, len(cs))
	for i, c := range cs {
		c.Parent = all[c.ParentID]
		rows[i] = CompanyRow{Company: c, Agents: agents[c.ID], Volume: volume[c.ID], LastSignal: last[c.ID]}
	}
	return rows, nil
}

// allCompanies loads every company of the organisation by id (the lists
// are short: brokerages and offices in a market).
func (db *DB) allCompanies(ctx context.Context, orgID int64) (map[int64]*rapport.Company, error) {
	var cs []rapport.Company
	if err := db.ro.NewSelect().Model(&cs).Where("org_id = ?", orgID).Scan(ctx); err != nil {
		return nil, err
	}
	out := make(map[int64]*rapport.Company, len(cs))
	for i := range cs {
		out[cs[i].ID] = &cs[i]
	}
	for _, c := range out {
		c.Parent = out[c.ParentID]
	}
	return out, nil
}

// Markets lists the markets the organisation's companies are in.
func (db *DB) Markets(ctx context.Context, act rapport.Actor) ([]string, error) {
	orgID := act.Org
	var ms []string
	err := db.ro.NewSelect().Table("companies").ColumnExpr("DISTINCT market").Where("org_id = ? AND market <> ''", orgID).
		OrderExpr("market").Scan(ctx, &ms)
	return ms, err
}

// companyScope is the company and, for a brokerage, its offices.
func (db *DB) companyScope(ctx context.Context, orgID int64, c *rapport.Company) ([]int64, error) {
	ids := []int64{c.ID}
	if c.Kind == rapport.CompanyBrokerage {
		var offices []int64
		if err := db.ro.NewSelect().Table("companies").Column("id").Where("org_id = ? AND parent_id = ?", orgID, c.ID).
			Scan(ctx, &offices); err != nil {
			return nil, err
		}
		ids = append(ids, offices...)
	}
	return ids, nil
}

// AddSignal records a signal about a company.
func (db *DB) AddSignal(ctx context.Context, act rapport.Actor, s *rapport.Signal) error {
	orgID, userID := act.Org, act.User
	s.OrgID, s.CreatedBy = orgID, userID
	s.Normalize()
	if err := s.Validate(db.now()); err != nil {
		return err
	}
	if _, err := db.Company(ctx, rapport.Actor{Org: orgID}, s.CompanyID); err != nil {
		if rapport.ErrorCode(err) == rapport.ENOTFOUND {
			return invalidField("company_id", "Choose one of your brokerages or offices.")
		}
		return err
	}
	s.CreatedAt = db.now().UTC()
	_, err := db.rw.NewInsert().Model(s).Returning("id").Exec(ctx)
	return err
}

// DeleteSignal removes a signal.
func (db *DB) DeleteSignal(ctx context.Context, act rapport.Actor, id int64) error {
	orgID := act.Org
	res, err := db.rw.NewDelete().Model((*rapport.Signal)(nil)).Where("org_id = ? AND id = ?", orgID, id).Exec(ctx)
	return affected(res, err, "signal")
}

// Signal returns one signal.
func (db *DB) Signal(ctx context.Context, act rapport.Actor, id int64) (*rapport.Signal, error) {
	orgID := act.Org
	s := new(rapport.Signal)
	if err := db.ro.NewSelect().Model(s).Where("org_id = ? AND id = ?", orgID, id).Scan(ctx); err != nil {
		return nil, notFound(err, "signal")
	}
	return s, nil
}

// Signals lists signals newest first: about one company and, for a
// brokerage, its offices (companyID 0: all of them), each with its company.
func (db *DB) Signals(ctx context.Context, act rapport.Actor, companyID int64, limit int) ([]rapport.Signal, error) {
	orgID := act.Org
	var ss []rapport.Signal
	q := db.ro.NewSelect().Model(&ss).Where("org_id = ?", orgID)
	if companyID != 0 {
		c, err := db.Company(ctx, rapport.Actor{Org: orgID}, companyID)
		if err != nil {
			return nil, err
		}
		scope, err := db.companyScope(ctx, orgID, c)
		if err != nil {
			return nil, err
		}
		q.Where("company_id IN (?)", bun.List(scope))
	}
	if err := q.OrderExpr("on_day DESC, id DESC").Limit(int64(max(limit, 1))).Scan(ctx); err != nil {
		return nil, err
	}
	var ids []int64
	for _, s := range ss {
		ids = append(ids, s.CompanyID)
	}
	cs, err := db.companiesByID(ctx, orgID, ids)
	if err != nil {
		return nil, err
	}
	for i := range ss {
		ss[i].Company = cs[ss[i].CompanyID]
	}
	return ss, nil
}

// activeSignals maps each company whose agents a signal raises on Today at
// now (offices of a signalled brokerage included) to its newest signal.
func (db *DB) activeSignals(ctx context.Context, org *rapport.Org, now time.Time) (map[int64]*rapport.CandidateSignal, error) {
	since := rapport.DayOf(now.Add(-rapport.SignalWindow), org.Location())
	var ss []rapport.Signal
	b := &bound{} // read on every Today: prepared once
	q := db.ro.NewSelect().Model(&ss).Where("org_id = ? AND on_day > ? AND on_day <= ?", b.v(org.ID), b.v(since), b.v(rapport.DayOf(now, org.Location()))).
		OrderExpr("on_day DESC, id DESC")
	if err := db.readBound(ctx, &ss, b.limit(q.String(), 200), b); err != nil {
		return nil, err
	}
	out := map[int64]*rapport.CandidateSignal{}
	if len(ss) == 0 {
		return out, nil
	}
	all, err := db.allCompanies(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	for i := range ss {
		s := &ss[i]
		c := all[s.CompanyID]
		if c == nil || !s.Active(now, org.Location()) {
			continue
		}
		cs := &rapport.CandidateSignal{Title: s.Title, Company: c.Label(), On: s.On}
		if out[c.ID] == nil {
			out[c.ID] = cs
		}
		if c.Kind == rapport.CompanyBrokerage {
			for _, o := range all {
				if o.ParentID == c.ID && out[o.ID] == nil {
					out[o.ID] = cs
				}
			}
		}
	}
	return out, nil
}
