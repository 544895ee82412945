package store

import (
	"cmp"
	"context"
	"fmt"
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
	// PersonID names the person directly (the source knows our id, or
	// someone attached a held event to them); when no person of the
	// organisation has it, the person is matched as usual.
	PersonID int64
	// Stage names a stage of the Clients pipeline for a new person.
	Stage string
	// AssignedUserID and AssignedTo name a user (by id; by email or name)
	// to own a new person; the id wins.
	AssignedUserID int64
	AssignedTo     string
	// HeldID is the held event this one comes from: it is marked attached
	// in the same transaction, and only once.
	HeldID int64
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
	// Warnings say what the event asked for that was not done: an
	// assignee or stage Rapport does not know, a person id no one has.
	Warnings []string
	// PersonWarnings say what was kept about the person rather than
	// applied; they quote the person's own values, so an answer shows them
	// only to someone who may see the person.
	PersonWarnings []string
}

// RecordEvent records a lead-source event against the person it names,
// matched by email or phone within the organisation: an existing person
// gains what they lacked (nothing is overwritten); otherwise a new lead is
// created, owned by the assigned user or, for a live event, by routing. A
// historical event (occurred more than a day ago) is recorded on the
// timeline but not routed, and does not count as a new arrival. An event
// recorded before (same dedupe key) changes nothing. All in one
// transaction.
func (db *DB) RecordEvent(ctx context.Context, act rapport.Actor, in *EventInput) (*EventResult, error) {
	orgID, actorID := act.Org, act.User
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
	if in.Person.FirstName != "" || in.Person.LastName != "" || in.PersonID == 0 {
		if err := in.Person.Validate(now); err != nil {
			return nil, err
		}
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
		ids, err := db.eventMatches(ctx, tx, orgID, in, res)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			p, err := db.personTx(ctx, tx, orgID, ids[0])
			if err != nil {
				return err
			}
			// What the source says otherwise than we know is kept with
			// them, not applied and not lost.
			if kept := rapport.MergeConflicts(p, &in.Person); len(kept) > 0 {
				if err := db.keepRecord(ctx, tx, orgID, p.ID, rapport.RecordEvent, or(ev.Source, "a lead source"), ev.Payload, kept); err != nil {
					return err
				}
				for _, k := range kept {
					res.PersonWarnings = append(res.PersonWarnings, fmt.Sprintf("person: %s %q kept as imported (%s %s).", k.Name, k.Value, p.Name(), k.Why))
				}
			}
			if rapport.MergeInto(p, &in.Person) {
				if err := db.updatePerson(ctx, tx, rapport.Actor{Org: orgID, User: actorID}, p, "Event"); err != nil {
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
			if err := db.cameBackNow(ctx, tx, orgID, p, ev); err != nil {
				return err
			}
			// Who owns them and where they are in the pipeline is the
			// organisation's to decide once they are known.
			if in.Stage != "" || in.AssignedTo != "" || in.AssignedUserID != 0 {
				res.Warnings = append(res.Warnings, "person: already known here, so their owner and stage stay as they are; the assignee and stage sent were not applied.")
			}
		} else {
			if in.Person.FirstName == "" && in.Person.LastName == "" {
				return rapport.Errorf(rapport.EINVALID, "The person needs a name, an email or a phone we can read.")
			}
			p := &in.Person
			if err := db.placeNewLead(ctx, tx, orgID, in, res); err != nil {
				return err
			}
			if !ev.Historical {
				p.ArrivedAt = ev.OccurredAt
			}
			p.CreatedAt = ev.OccurredAt
			if err := db.createPerson(ctx, tx, rapport.Actor{Org: orgID, User: actorID}, p, "Arrived from "+or(ev.Source, "a lead source")); err != nil {
				return err
			}
			res.Person, res.Created = p, true
			if !ev.Historical && p.OwnerID != 0 {
				if err := db.leadArrived(ctx, tx, orgID, p); err != nil {
					return err
				}
			}
		}
		ev.PersonID, ev.CreatedPerson, ev.CreatedAt = res.Person.ID, res.Created, now
		if _, err := tx.NewInsert().Model(ev).Returning("id").Exec(ctx); err != nil {
			if db.isUnique(err) {
				return errRetryDuplicate
			}
			return err
		}
		if in.HeldID != 0 {
			if err := db.attachHeld(ctx, tx, orgID, actorID, in.HeldID, ev); err != nil {
				return err
			}
		}
		return db.refreshSearch(ctx, tx, orgID, res.Person.ID)
	})
	if err == errRetryDuplicate {
		// The same event arrived twice at once and the other one won.
		return db.RecordEvent(ctx, rapport.Actor{Org: orgID, User: actorID}, in)
	}
	if err != nil {
		return nil, err
	}
	if res.Duplicate {
		res.Warnings, res.PersonWarnings = nil, nil
		if res.Person, err = db.Person(ctx, rapport.Actor{Org: orgID}, ev.PersonID); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// eventMatches returns the people an event is about: the one it names by
// id, when the organisation has them, else those sharing an email or a
// phone with it.
func (db *DB) eventMatches(ctx context.Context, tx bun.Tx, orgID int64, in *EventInput, res *EventResult) ([]int64, error) {
	if in.PersonID != 0 {
		n, err := tx.NewSelect().Table("people").Where("org_id = ? AND id = ?", orgID, in.PersonID).Count(ctx)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			return []int64{in.PersonID}, nil
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("person.id: no person here has the id %d; matched by name, email and phone instead.", in.PersonID))
	}
	ids, others, err := db.contactMatches(ctx, tx, orgID, &in.Person)
	if len(others) > 0 && len(ids) == 0 {
		res.Warnings = append(res.Warnings, "person.phones: the number is also someone else's here, under another name; this is someone new who shares it.")
	}
	return ids, err
}

var errRetryDuplicate = rapport.Errorf(rapport.ECONFLICT, "event recorded concurrently")

// placeNewLead chooses the stage and owner of a person an event creates:
// the named stage when it is one of the Clients pipeline's, and the
// assigned user when the source names one of ours (by id, else by email or
// name), else routing (for live events) or no one (for historical ones).
// What it cannot honour it says in a warning, naming the value sent.
func (db *DB) placeNewLead(ctx context.Context, tx bun.Tx, orgID int64, in *EventInput, res *EventResult) error {
	p := &in.Person
	if name := strings.TrimSpace(in.Stage); name != "" {
		pi, err := db.pipelineInfo(ctx, tx, orgID)
		if err != nil {
			return err
		}
		stages := pi.byKey[rapport.PipelineClients]
		for _, s := range stages {
			if strings.EqualFold(s.Name, name) || strings.EqualFold(s.Key, name) {
				p.StageID = s.ID
			}
		}
		if first := pi.byID[pi.initial(rapport.KindLead)]; p.StageID == 0 && first != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("person.stage: %q is not a stage of the Clients pipeline; they start at %s.", name, first.Name))
		}
	}
	who := strings.TrimSpace(in.AssignedTo)
	if in.AssignedUserID != 0 || who != "" {
		var users []rapport.User
		if err := tx.NewSelect().Model(&users).Where("org_id = ? AND disabled_at IS NULL", orgID).Scan(ctx); err != nil {
			return err
		}
		var byID, byName int64
		for _, u := range users {
			if in.AssignedUserID != 0 && u.ID == in.AssignedUserID {
				byID = u.ID
			}
			if who != "" && (strings.EqualFold(u.Email, who) || (u.Name != "" && strings.EqualFold(u.Name, who))) {
				byName = u.ID
			}
		}
		instead := "routed instead"
		if in.Event.Historical {
			instead = "left unassigned, as the event is historical"
		}
		if in.AssignedUserID != 0 && byID == 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("person.assignedUserId: %d is not an active user of this organisation; %s.", in.AssignedUserID, instead))
		}
		if who != "" && byName == 0 && byID == 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("person.assignedTo: %q is not an active user of this organisation; %s.", who, instead))
		}
		if who != "" && byName != 0 && byID != 0 && byName != byID {
			res.Warnings = append(res.Warnings, fmt.Sprintf("person.assignedTo: %q names someone other than assignedUserId; assignedUserId was followed.", who))
		}
		if owner := cmp.Or(byID, byName); owner != 0 {
			p.OwnerID = owner
			return nil
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

// contactMatches returns the person an event's p is, by the rule imports
// follow: an email is enough (the oldest person with one of p's emails);
// else a phone under a name that can be the same person's (a couple on
// one home phone are two people). It also names the people who share a
// phone with p under another name, for the answer to say so.
func (db *DB) contactMatches(ctx context.Context, q bun.IDB, orgID int64, p *rapport.Person) (ids []int64, others []string, err error) {
	var emails, phones []string
	for _, e := range p.Emails {
		emails = append(emails, e.Address)
	}
	for _, ph := range p.Phones {
		if ph.Label != "fax" {
			phones = append(phones, ph.Number)
		}
	}
	if len(emails) > 0 {
		if err := q.NewSelect().Table("emails").Column("person_id").Where("org_id = ? AND address IN (?)", orgID, bun.List(emails)).
			OrderExpr("person_id").Limit(1).Scan(ctx, &ids); err != nil {
			return nil, nil, err
		}
		if len(ids) > 0 {
			return ids, nil, nil
		}
	}
	if len(phones) == 0 {
		return nil, nil, nil
	}
	var sharers []rapport.Person
	if err := q.NewSelect().Model(&sharers).Column("id", "first_name", "last_name").
		Where("org_id = ? AND id IN (SELECT person_id FROM phones WHERE org_id = ? AND number IN (?) AND label <> 'fax')", orgID, orgID, bun.List(phones)).
		Order("id").Scan(ctx); err != nil {
		return nil, nil, err
	}
	if len(sharers) > 0 {
		if err := db.loadDetails(ctx, q, orgID, sharers); err != nil {
			return nil, nil, err
		}
	}
	name := personName(p)
	for i := range sharers {
		if namesCompatible(name, personName(&sharers[i])) {
			return []int64{sharers[i].ID}, nil, nil
		}
		others = append(others, sharers[i].Name())
	}
	return nil, others, nil
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

// Events returns a person's events, newest first, each with the body it
// arrived as (the person page shows it on request).
func (db *DB) Events(ctx context.Context, act rapport.Actor, personID int64, limit int) ([]rapport.Event, error) {
	orgID := act.Org
	var es []rapport.Event
	return es, db.readAll(ctx, db.ro, &es, personRows(&es, "occurred_at DESC, id DESC", true), orgID, personID, max(limit, 1))
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
