package store

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// EventInput is a lead-source event, decoded and normalised: the event
// itself (with its dedupe key), the person it is about, and who the source
// says it is assigned to.
type EventInput struct {
	Event  rapport.Event
	Person rapport.Person
	// Stage names a stage of the Clients pipeline for a new person.
	Stage string
	// AssignedTo names a user (email or name) to own a new person.
	AssignedTo string
}

// EventResult says what recording an event did.
type EventResult struct {
	Event  *rapport.Event
	Person *rapport.Person
	// Created is set when the event created the person; Duplicate when the
	// same event had been recorded before (nothing changed this time).
	Created   bool
	Duplicate bool
	// Routed is set when the new person's owner came from routing rules.
	Routed bool
}

// RecordEvent records a lead-source event against the person it names,
// matched by email or phone within the organisation: an existing person
// gains what they lacked (nothing is overwritten); otherwise a new lead is
// created, owned by the assigned user or, for a live event, by routing. A
// historical event (occurred more than a day ago) is recorded on the
// timeline but not routed, and does not count as a new arrival. An event
// recorded before (same dedupe key) changes nothing. All in one
// transaction.
func (db *DB) RecordEvent(ctx context.Context, orgID, actorID int64, in *EventInput) (*EventResult, error) {
	now := db.now().UTC()
	ev := &in.Event
	ev.ID, ev.OrgID = 0, orgID
	if ev.OccurredAt.IsZero() || ev.OccurredAt.After(now) {
		ev.OccurredAt = now
	}
	ev.OccurredAt = ev.OccurredAt.UTC()
	ev.Historical = now.Sub(ev.OccurredAt) > rapport.HistoricalAge
	in.Person.OrgID = orgID
	in.Person.Kind = rapport.KindLead
	if in.Person.Source == "" {
		in.Person.Source = ev.Source
	}
	in.Person.Normalize()
	if err := in.Person.Validate(now); err != nil {
		return nil, err
	}
	res := &EventResult{Event: ev}
	err := db.tx(ctx, func(tx bun.Tx) error {
		var prior rapport.Event
		err := tx.NewSelect().Model(&prior).Where("org_id = ? AND dedupe_key = ?", orgID, ev.DedupeKey).Scan(ctx)
		if err == nil {
			*ev, res.Duplicate = prior, true
			return nil
		}
		if err := notFound(err, "event"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			return err
		}
		ids, err := db.contactMatches(ctx, tx, orgID, &in.Person)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			p, err := db.personTx(ctx, tx, orgID, ids[0])
			if err != nil {
				return err
			}
			if rapport.MergeInto(p, &in.Person) {
				if err := db.updatePerson(ctx, tx, orgID, actorID, p, "Event"); err != nil {
					return err
				}
			}
			if p.Archived() {
				// Someone archived who is back in touch is worth working again.
				if _, err := tx.NewUpdate().Table("people").Set("archived_at = NULL, version = version + 1").
					Where("org_id = ? AND id = ?", orgID, p.ID).Exec(ctx); err != nil {
					return err
				}
				p.ArchivedAt = time.Time{}
			}
			res.Person = p
		} else {
			p := &in.Person
			if err := db.placeNewLead(ctx, tx, orgID, in, res); err != nil {
				return err
			}
			if !ev.Historical {
				p.ArrivedAt = ev.OccurredAt
			}
			p.CreatedAt = ev.OccurredAt
			if err := db.createPerson(ctx, tx, orgID, actorID, p, "Arrived from "+or(ev.Source, "a lead source")); err != nil {
				return err
			}
			res.Person, res.Created = p, true
		}
		ev.PersonID, ev.CreatedPerson, ev.CreatedAt = res.Person.ID, res.Created, now
		if _, err := tx.NewInsert().Model(ev).Returning("id").Exec(ctx); err != nil {
			if db.isUnique(err) {
				return errRetryDuplicate
			}
			return err
		}
		return db.refreshSearch(ctx, tx, orgID, res.Person.ID)
	})
	if err == errRetryDuplicate {
		// The same event arrived twice at once and the other one won.
		return db.RecordEvent(ctx, orgID, actorID, in)
	}
	if err != nil {
		return nil, err
	}
	if res.Duplicate {
		if res.Person, err = db.Person(ctx, orgID, ev.PersonID); err != nil {
			return nil, err
		}
	}
	return res, nil
}

var errRetryDuplicate = rapport.Errorf(rapport.ECONFLICT, "event recorded concurrently")

// placeNewLead chooses the stage and owner of a person an event creates:
// the named stage when it is one of the Clients pipeline's, and the
// assigned user when the source names one of ours, else routing (for live
// events) or no one (for historical ones).
func (db *DB) placeNewLead(ctx context.Context, tx bun.Tx, orgID int64, in *EventInput, res *EventResult) error {
	p := &in.Person
	if name := strings.TrimSpace(in.Stage); name != "" {
		pi, err := db.pipelineInfo(ctx, tx, orgID)
		if err != nil {
			return err
		}
		for _, s := range pi.byKey[rapport.PipelineClients] {
			if strings.EqualFold(s.Name, name) || strings.EqualFold(s.Key, name) {
				p.StageID = s.ID
			}
		}
	}
	if who := strings.TrimSpace(in.AssignedTo); who != "" {
		var users []rapport.User
		if err := tx.NewSelect().Model(&users).Where("org_id = ? AND disabled_at IS NULL", orgID).Scan(ctx); err != nil {
			return err
		}
		for _, u := range users {
			if strings.EqualFold(u.Email, who) || (u.Name != "" && strings.EqualFold(u.Name, who)) {
				p.OwnerID = u.ID
				return nil
			}
		}
	}
	if in.Event.Historical {
		return nil
	}
	owner, err := db.routeLead(ctx, tx, orgID, or(p.Source, in.Event.Source))
	if err != nil {
		return err
	}
	p.OwnerID, res.Routed = owner, owner != 0
	return nil
}

// contactMatches returns the ids of the organisation's people who share an
// email or a phone with p, oldest first.
func (db *DB) contactMatches(ctx context.Context, q bun.IDB, orgID int64, p *rapport.Person) ([]int64, error) {
	var emails, phones []string
	for _, e := range p.Emails {
		emails = append(emails, e.Address)
	}
	for _, ph := range p.Phones {
		if !rapport.SharedPhoneLabel(ph.Label) {
			phones = append(phones, ph.Number)
		}
	}
	set := newIDSet()
	if len(emails) > 0 {
		var ids []int64
		if err := q.NewSelect().Table("emails").Column("person_id").Where("org_id = ? AND address IN (?)", orgID, bun.List(emails)).
			Scan(ctx, &ids); err != nil {
			return nil, err
		}
		set.add(ids...)
	}
	if len(phones) > 0 {
		var ids []int64
		if err := q.NewSelect().Table("phones").Column("person_id").
			Where("org_id = ? AND number IN (?) AND label NOT IN (?)", orgID, bun.List(phones), bun.List(sharedLabels)).
			Scan(ctx, &ids); err != nil {
			return nil, err
		}
		set.add(ids...)
	}
	out := set.list
	sortIDs(out)
	return out, nil
}

// personTx loads a person with phones, emails and tags inside a transaction.
func (db *DB) personTx(ctx context.Context, tx bun.Tx, orgID, id int64) (*rapport.Person, error) {
	p := new(rapport.Person)
	if err := db.forUpdate(tx.NewSelect().Model(p).Where("org_id = ? AND id = ?", orgID, id)).Scan(ctx); err != nil {
		return nil, notFound(err, "person")
	}
	people := []rapport.Person{*p}
	if err := db.loadDetails(ctx, tx, orgID, people); err != nil {
		return nil, err
	}
	return &people[0], nil
}

// Events returns a person's events, newest first.
func (db *DB) Events(ctx context.Context, orgID, personID int64, limit int) ([]rapport.Event, error) {
	var es []rapport.Event
	err := db.ro.NewSelect().Model(&es).ExcludeColumn("payload").Where("org_id = ? AND person_id = ?", orgID, personID).
		OrderExpr("occurred_at DESC, id DESC").Limit(int64(max(limit, 1))).Scan(ctx)
	return es, err
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
