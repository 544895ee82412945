package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// maxRemindDays bounds how early a dated fact may bring someone to Today,
// so that the facts ahead are found with one bounded range.
const maxRemindDays = 90

// whyNowCandidates gathers, among the people the user owns, dated facts
// whose reminder has begun and the referrers of people who reached a
// milestone lately (by referrer).
func (db *DB) whyNowCandidates(ctx context.Context, org *rapport.Org, user *rapport.User, today rapport.Day, now time.Time,
	per int64) (dated []rapport.Fact, thanks map[int64][]rapport.Milestone, near []int64, err error) {
	b := &bound{}
	org1, user2 := b.v(org.ID), b.v(user.ID)
	owned := db.ro.NewSelect().Table("people").Column("id").
		Where("org_id = ? AND owner_id = ? AND archived_at IS NULL AND do_not_call = ?", org1, user2, false)
	var facts []rapport.Fact
	q := db.ro.NewSelect().Model(&facts).
		Where("org_id = ? AND on_date <> '' AND on_date >= ? AND on_date <= ?", org1, b.v(today), b.v(today.AddDays(maxRemindDays))).
		Where("person_id IN (?)", owned).OrderExpr("on_date, id")
	if err := db.readBound(ctx, &facts, b.limit(q.String(), int(10*per)), b); err != nil {
		return nil, nil, nil, err
	}
	near = make([]int64, len(facts))
	for i, f := range facts {
		near[i] = f.PersonID
	}
	dated = facts[:0]
	for _, f := range facts {
		if f.RemindFrom() <= today {
			dated = append(dated, f)
		}
	}

	pipes, err := db.Pipelines(ctx, rapport.Actor{Org: org.ID})
	if err != nil {
		return nil, nil, nil, err
	}
	stages := Stages(pipes)
	var milestones []int64
	for id, st := range stages {
		for _, k := range rapport.MilestoneStages {
			if st.Key == k {
				milestones = append(milestones, id)
			}
		}
	}
	thanks = map[int64][]rapport.Milestone{}
	if len(milestones) == 0 {
		return dated, thanks, near, nil
	}
	var rows []struct {
		ReferredByID int64     `bun:"referred_by_id"`
		ID           int64     `bun:"id"`
		FirstName    string    `bun:"first_name"`
		LastName     string    `bun:"last_name"`
		At           time.Time `bun:"at"`
		ToStageID    int64     `bun:"to_stage_id"`
	}
	// From the organisation's referrals (the partial index of
	// referred_by_id: a small share of any book) to their referrers, not
	// from the user's whole book to its referrals: that read every person
	// the user owns on every Today.
	b = &bound{}
	q = db.ro.NewSelect().TableExpr("people AS p").
		Join("JOIN people AS r ON r.org_id = p.org_id AND r.id = p.referred_by_id").
		Join("JOIN stage_changes AS sc ON sc.org_id = p.org_id AND sc.person_id = p.id AND sc.at >= ?", b.v(now.Add(-rapport.ThanksWindow))).
		ColumnExpr("p.referred_by_id, p.id, p.first_name, p.last_name, sc.at, sc.to_stage_id").
		Where("p.org_id = ? AND p.referred_by_id IS NOT NULL", b.v(org.ID)).
		Where("r.owner_id = ? AND r.archived_at IS NULL AND r.do_not_call = ?", b.v(user.ID), false).
		Where(anyID(db.ro, "sc.to_stage_id"), b.v(idList(milestones))).
		OrderExpr("sc.at DESC")
	if err := db.readBound(ctx, &rows, b.limit(q.String(), int(per)), b); err != nil {
		return nil, nil, nil, err
	}
	for _, r := range rows {
		name := (&rapport.Person{FirstName: r.FirstName, LastName: r.LastName}).Name()
		ms := thanks[r.ReferredByID]
		seen := false
		for _, m := range ms {
			seen = seen || m.PersonID == r.ID
		}
		if !seen { // the newest milestone of each referral
			thanks[r.ReferredByID] = append(ms, rapport.Milestone{PersonID: r.ID, Name: name, StageKey: stages[r.ToStageID].Key, At: r.At})
		}
	}
	return dated, thanks, near, nil
}

// cameBack gives the candidates who came back lately the lead-source
// event that brought them.
func (db *DB) cameBack(ctx context.Context, orgID int64, now time.Time, byID map[int64]*rapport.Candidate) error {
	var ids []int64
	for id, c := range byID {
		if !c.Person.CameBackAt.IsZero() && now.Sub(c.Person.CameBackAt) < rapport.CameBackWindow {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	var evs []rapport.Event
	b := &bound{}
	q := db.ro.NewSelect().Model(&evs).Column("id", "person_id", "type", "source", "property", "occurred_at").
		Where("org_id = ?", b.v(orgID)).Where(anyID(db.ro, "person_id"), b.v(idList(ids))).Where("occurred_at >= ?", b.v(now.Add(-rapport.CameBackWindow))).
		Where("created_person = ? AND historical = ? AND type IN (?)", false, false, bun.List(rapport.CameBackTypes)).
		OrderExpr("occurred_at DESC, id DESC")
	if err := db.readBound(ctx, &evs, q.String(), b); err != nil {
		return err
	}
	for i := range evs {
		if c := byID[evs[i].PersonID]; c != nil && c.CameBack == nil {
			c.CameBack = &evs[i]
		}
	}
	return nil
}

// cameBackNow records that someone known came back through a lead source
// (not an old event replayed, not a note): Today puts them near the new
// leads, and their owner is told as they chose.
func (db *DB) cameBackNow(ctx context.Context, tx bun.Tx, orgID int64, p *rapport.Person, ev *rapport.Event) error {
	if ev.Historical || !slices.Contains(rapport.CameBackTypes, ev.Type) {
		return nil
	}
	if _, err := tx.NewUpdate().Table("people").Set("came_back_at = ?", ev.OccurredAt.UTC()).
		Where("org_id = ? AND id = ? AND (came_back_at IS NULL OR came_back_at < ?)", orgID, p.ID, ev.OccurredAt.UTC()).Exec(ctx); err != nil {
		return err
	}
	if p.OwnerID == 0 {
		return nil
	}
	org, err := db.orgTx(ctx, tx, orgID)
	if err != nil {
		return err
	}
	if err := db.enqueue(ctx, tx, org, alert{kind: rapport.AlertCameBack, userID: p.OwnerID, personID: p.ID,
		cause: fmt.Sprintf("p%d:%d", p.ID, ev.OccurredAt.Unix()), data: rapport.CameBackText(ev, db.now(), org.Location())}); err != nil {
		return err
	}
	return db.signal(ctx, tx, TopicToday(orgID, p.OwnerID))
}
