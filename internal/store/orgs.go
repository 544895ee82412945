package store

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// CreateOrg creates an organisation with its default pipelines and, when
// owner is not nil, its first user, all or nothing.
func (db *DB) CreateOrg(ctx context.Context, org *rapport.Org, owner *rapport.User) error {
	return db.tx(ctx, func(tx bun.Tx) error { return db.createOrg(ctx, tx, org, owner) })
}

// CreateFirstOrg is CreateOrg for the first-run setup page: it fails with a
// conflict when any organisation exists, so two people racing through setup
// cannot both become owners.
func (db *DB) CreateFirstOrg(ctx context.Context, org *rapport.Org, owner *rapport.User) error {
	return db.tx(ctx, func(tx bun.Tx) error {
		if err := db.lockForSetup(ctx, tx); err != nil {
			return err
		}
		n, err := tx.NewSelect().Table("orgs").Count(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return rapport.Errorf(rapport.ECONFLICT, "Rapport is already set up; sign in instead.")
		}
		return db.createOrg(ctx, tx, org, owner)
	})
}

func (db *DB) createOrg(ctx context.Context, tx bun.Tx, org *rapport.Org, owner *rapport.User) error {
	org.Normalize()
	if err := org.Validate(); err != nil {
		return err
	}
	org.CreatedAt = db.now().UTC()
	if _, err := tx.NewInsert().Model(org).Returning("id").Exec(ctx); err != nil {
		return db.conflict(err, "slug", "Another organisation already uses this short name.")
	}
	for _, tmpl := range rapport.DefaultPipelines {
		p := tmpl
		p.OrgID = org.ID
		if _, err := tx.NewInsert().Model(&p).Returning("id").Exec(ctx); err != nil {
			return err
		}
		for i, st := range tmpl.Stages {
			st.OrgID, st.PipelineID, st.Position = org.ID, p.ID, i+1
			if _, err := tx.NewInsert().Model(&st).Returning("id").Exec(ctx); err != nil {
				return err
			}
		}
	}
	if owner != nil {
		owner.OrgID = org.ID
		return db.insertUser(ctx, tx, owner)
	}
	return nil
}

// HasOrgs reports whether any organisation exists.
func (db *DB) HasOrgs(ctx context.Context) (bool, error) {
	return db.ro.NewSelect().Table("orgs").Exists(ctx)
}

// Org returns the organisation with the given id.
func (db *DB) Org(ctx context.Context, id int64) (*rapport.Org, error) {
	m := memoFrom(ctx)
	if v, ok := m.recall(orgKey(id)); ok {
		o := v.(rapport.Org)
		return &o, nil
	}
	o := new(rapport.Org)
	if err := db.readOne(ctx, db.ro, o, readOrg, id); err != nil {
		return o, notFound(err, "organisation")
	}
	m.keep(orgKey(id), *o)
	return o, nil
}

// OrgBySlug returns the organisation with the given short name.
func (db *DB) OrgBySlug(ctx context.Context, slug string) (*rapport.Org, error) {
	o := new(rapport.Org)
	err := db.ro.NewSelect().Model(o).Where("slug = ?", slug).Scan(ctx)
	return o, notFound(err, "organisation "+slug)
}

// UpdateOrg saves the actor's organisation's name, region, time zone and
// visibility policy: owners and managers only, and only an owner changes
// who sees whose people.
func (db *DB) UpdateOrg(ctx context.Context, act rapport.Actor, org *rapport.Org) error {
	if !act.Runs() {
		return rapport.ErrNotManager
	}
	org.ID = act.Org
	org.Normalize()
	if err := org.Validate(); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		var was string
		if err := tx.NewSelect().Table("orgs").Column("visibility").Where("id = ?", org.ID).Scan(ctx, &was); err != nil {
			return notFound(err, "organisation")
		}
		if was != string(org.Visibility) && !act.Owns() {
			return invalidField("visibility", "Only an owner can change who sees whose people.")
		}
		if _, err := tx.NewUpdate().Model(org).Column("name", "region", "tz", "visibility", "claim_minutes", "claim_to", "quiet_leads", "attempt_plan", "attempt_rest_days").Where("id = ?", org.ID).Exec(ctx); err != nil {
			return err
		}
		summary := "settings"
		if was != string(org.Visibility) {
			summary = "visibility " + was + " → " + string(org.Visibility)
		}
		return db.audit(ctx, tx, org.ID, act.User, AuditUpdate, "organisation", org.ID, summary)
	})
}
