package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// personTag is a row of person_tags.
type personTag struct {
	bun.BaseModel `bun:"table:person_tags"`
	OrgID         int64  `bun:"org_id"`
	PersonID      int64  `bun:"person_id"`
	Tag           string `bun:"tag"`
}

func invalidField(field, msg string) error {
	return &rapport.Error{Code: rapport.EINVALID, Message: "Please correct the highlighted fields.", Fields: map[string]string{field: msg}}
}

// CreatePerson adds a person to the organisation with their phones, emails
// and tags, all or nothing. Phones must already be in E.164 form. A person
// with no stage starts in their kind's first stage.
func (db *DB) CreatePerson(ctx context.Context, act rapport.Actor, p *rapport.Person) error {
	orgID, actorID := act.Org, act.User
	p.OrgID = orgID
	p.Normalize()
	if err := p.Validate(db.now()); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		if err := db.createPerson(ctx, tx, act, p, "Added"); err != nil {
			return err
		}
		return db.audit(ctx, tx, orgID, actorID, AuditCreate, "person", p.ID, p.Name())
	})
}

// createPerson inserts a normalised, valid person inside a transaction.
func (db *DB) createPerson(ctx context.Context, tx bun.Tx, act rapport.Actor, p *rapport.Person, reason string) error {
	orgID, actorID := act.Org, act.User
	if err := db.checkPerson(ctx, tx, act, p, &rapport.Person{}, nil); err != nil {
		return err
	}
	now := db.now().UTC()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt, p.CreatedBy, p.Version = now, actorID, 1
	p.ScheduleTouch()
	derive(p)
	if _, err := db.insertPeople(tx, p).Returning("id").Exec(ctx); err != nil {
		return err
	}
	if !db.docInRow() && p.SearchDoc != "" {
		if err := db.keepSearchDoc(ctx, tx, orgID, p.ID, p.SearchDoc); err != nil {
			return err
		}
	}
	if err := db.indexSearch(ctx, tx, orgID, p.ID, "", p.SearchDoc); err != nil {
		return err
	}
	if err := db.insertChildren(ctx, tx, p); err != nil {
		return err
	}
	if countsForTopFifth(p) {
		db.thresholds.Delete(orgID)
	}
	if err := db.webhook(ctx, tx, orgID, rapport.EventPersonCreated, p.ID, 0); err != nil {
		return err
	}
	if p.StageID != 0 {
		return db.recordStage(ctx, tx, &rapport.StageChange{OrgID: orgID, PersonID: p.ID, UserID: actorID,
			ToStageID: p.StageID, Reason: reason, At: now})
	}
	return nil
}

// checkPerson settles p's stage — the one asked for when it fits their
// kind's pipeline; else the stage they had, when it still fits; else
// their kind's first stage — and checks their owner and referrer against
// old (an empty person for a new one). A new owner must be an active
// user; the owner they had may stay. A new referrer must be someone the
// actor may see; the referrer they had may stay, so that editing one's
// own person does not fail on a colleague's private referrer. pi is the
// organisation's pipelines as the transaction reads them (nil: read them).
func (db *DB) checkPerson(ctx context.Context, tx bun.Tx, act rapport.Actor, p, old *rapport.Person, pi *pipelineInfo) error {
	was := old.StageID
	if pi == nil {
		var err error
		if pi, err = db.pipelineInfo(ctx, tx, p.OrgID); err != nil {
			return err
		}
	}
	if p.StageID == 0 && was != 0 && pi.check(p.Kind, was) == nil {
		p.StageID = was
	}
	if p.StageID == 0 {
		p.StageID = pi.initial(p.Kind)
	} else if err := pi.check(p.Kind, p.StageID); err != nil {
		return err
	}
	return db.checkRefs(ctx, tx, act, p, old)
}

// checkRefs verifies that the owner and the referrer belong to p's
// organisation, so a bad id is a field error rather than a constraint
// failure; a new owner (other than old's) must be active, a new referrer
// one the actor sees.
func (db *DB) checkRefs(ctx context.Context, q bun.IDB, act rapport.Actor, p, old *rapport.Person) error {
	wasOwner := old.OwnerID
	if p.OwnerID != 0 {
		text := "SELECT 1 FROM users WHERE org_id = ? AND id = ?"
		if p.OwnerID != wasOwner {
			text += " AND disabled_at IS NULL"
		}
		ok, err := db.exists(ctx, q, text, p.OrgID, p.OwnerID)
		if err != nil {
			return err
		}
		if !ok {
			return invalidField("owner", "Choose an owner from your organisation.")
		}
	}
	if p.CompanyID != 0 {
		ok, err := q.NewSelect().Table("companies").Where("org_id = ? AND id = ?", p.OrgID, p.CompanyID).Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return invalidField("company", "Choose one of your brokerages or offices.")
		}
	}
	if p.ReferredByID != 0 {
		if p.ReferredByID == p.ID {
			return invalidField("referred_by", "Someone cannot refer themselves.")
		}
		sel := q.NewSelect().Table("people").Where("org_id = ? AND id = ?", p.OrgID, p.ReferredByID)
		if act.Only != 0 && p.ReferredByID != old.ReferredByID {
			sel.Where("owner_id = ?", act.Only)
		}
		ok, err := sel.Exists(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return invalidField("referred_by", "No one with that number to have referred them; pick from the suggestions.")
		}
	}
	return nil
}

func (db *DB) insertChildren(ctx context.Context, tx bun.Tx, p *rapport.Person) error {
	for i := range p.Phones {
		p.Phones[i].OrgID, p.Phones[i].PersonID, p.Phones[i].ID = p.OrgID, p.ID, 0
	}
	for i := range p.Emails {
		p.Emails[i].OrgID, p.Emails[i].PersonID, p.Emails[i].ID = p.OrgID, p.ID, 0
	}
	if len(p.Phones) > 0 {
		if _, err := tx.NewInsert().Model(&p.Phones).Exec(ctx); err != nil {
			return err
		}
	}
	if len(p.Emails) > 0 {
		if _, err := tx.NewInsert().Model(&p.Emails).Exec(ctx); err != nil {
			return err
		}
	}
	if len(p.Tags) > 0 {
		rows := make([]personTag, len(p.Tags))
		for i, t := range p.Tags {
			rows[i] = personTag{OrgID: p.OrgID, PersonID: p.ID, Tag: t}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// editableColumns are the person's columns a user edits directly.
var editableColumns = []string{"first_name", "last_name", "sort_name", "kind", "stage_id", "source", "owner_id",
	"referred_by_id", "do_not_call", "tz", "street", "city", "state", "postal_code", "country", "notes",
	"birthday_year", "birthday_month", "birthday_day", "home_year", "home_month", "home_day", "cadence_days",
	"mls_id", "brokerage", "office", "licence_year", "units_12m", "volume_12m", "list_units_12m", "sell_units_12m",
	"production_period", "company_id", "touch_due_at", "updated_at"}

// keyColumns are what deriveKeys derives.
var keyColumns = []string{"name_key", "first_phone", "first_email"}

// derive sets what the store keeps of a person derived from the rest of
// them: the search document (of their own fields; refreshSearch adds
// facts and notes) and deriveKeys's.
func derive(p *rapport.Person) {
	p.SearchDoc = searchDoc(p, nil, nil)
	deriveKeys(p)
}

// deriveKeys sets the folded name duplicates are found by, and the first
// phone and email (by position, then as listed) that lists show.
func deriveKeys(p *rapport.Person) {
	p.NameKey = nameKey(p.FirstName, p.LastName)
	p.FirstPhone, p.FirstEmail = "", ""
	if i := firstByPosition(len(p.Phones), func(i int) int { return p.Phones[i].Position }); i >= 0 {
		p.FirstPhone = p.Phones[i].Number
	}
	if i := firstByPosition(len(p.Emails), func(i int) int { return p.Emails[i].Position }); i >= 0 {
		p.FirstEmail = p.Emails[i].Address
	}
}

// firstByPosition is the index of the first of n items by position, the
// earlier listed first among equals (as the database orders them: by
// position, then id), or -1 for none.
func firstByPosition(n int, position func(int) int) int {
	first := -1
	for i := range n {
		if first < 0 || position(i) < position(first) {
			first = i
		}
	}
	return first
}

// ErrChanged is the conflict UpdatePerson reports when the person changed
// after the edit began (p.Version is the version the editor saw).
var ErrChanged = &rapport.Error{Code: rapport.ECONFLICT,
	Message: "Someone changed this person (or logged a call) while you were editing. Check the highlighted details and save again."}

// UpdatePerson saves a person's editable fields, phones, emails and tags.
// Activity (attempts, last touch) and archive state are kept as they were.
// A stage change is recorded on the timeline. When p.Version is set, it is
// the version the editor started from: a newer one fails with ErrChanged
// rather than silently undo, say, a do-not-call set by a call meanwhile.
func (db *DB) UpdatePerson(ctx context.Context, act rapport.Actor, p *rapport.Person) error {
	orgID, actorID := act.Org, act.User
	p.OrgID = orgID
	p.Normalize()
	if err := p.Validate(db.now()); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		if err := db.updatePerson(ctx, tx, act, p, "Changed by hand"); err != nil {
			return err
		}
		return db.audit(ctx, tx, orgID, actorID, AuditUpdate, "person", p.ID, p.Name())
	})
}

// updatePerson saves a normalised, valid person inside a transaction.
func (db *DB) updatePerson(ctx context.Context, tx bun.Tx, act rapport.Actor, p *rapport.Person, reason string) error {
	return db.updatePersonWith(ctx, tx, act, p, reason, nil)
}

// updatePersonWith is updatePerson with the organisation's pipelines as
// the transaction has read them already (an import's, for each of
// thousands of people), or nil.
func (db *DB) updatePersonWith(ctx context.Context, tx bun.Tx, act rapport.Actor, p *rapport.Person, reason string, pi *pipelineInfo) error {
	orgID, actorID := act.Org, act.User
	old := new(rapport.Person)
	var err error
	if db.dialect == Postgres {
		err = db.forUpdate(tx.NewSelect().Model(old).Where("org_id = ? AND id = ?", orgID, p.ID)).Scan(ctx)
	} else {
		// The transaction holds SQLite's one writer: nothing changes the
		// person meanwhile. A hot read, prepared once on the writer (an
		// import updates thousands of people).
		err = db.readOne(ctx, tx, old, readPerson, orgID, p.ID)
	}
	if err != nil {
		return notFound(err, "person")
	}
	if p.Version != 0 && p.Version != old.Version {
		return ErrChanged
	}
	if err := db.checkPerson(ctx, tx, act, p, old, pi); err != nil {
		return err
	}
	p.CreatedAt, p.CreatedBy, p.ArchivedAt, p.ArrivedAt = old.CreatedAt, old.CreatedBy, old.ArchivedAt, old.ArrivedAt
	p.FirstAttemptAt, p.LastAttemptAt, p.LastLiveAt, p.LastTouchAt = old.FirstAttemptAt, old.LastAttemptAt, old.LastLiveAt, old.LastTouchAt
	p.UpdatedAt = db.now().UTC()
	p.ScheduleTouch()
	deriveKeys(p) // the search document follows, with facts and notes (refreshSearch)
	p.Version = old.Version + 1
	if _, err := tx.NewUpdate().Model(p).Column(slices.Concat(editableColumns, keyColumns, []string{"version"})...).Where("org_id = ? AND id = ?", orgID, p.ID).Exec(ctx); err != nil {
		return err
	}
	// A merge is its own webhook; an import's changes are told by its end.
	if reason != "Merged" && reason != "Import" {
		if err := db.webhook(ctx, tx, orgID, rapport.EventPersonUpdated, p.ID, 0); err != nil {
			return err
		}
	}
	if p.OwnerID != old.OwnerID {
		// A new owner: the claim window starts again for them. Someone
		// else giving it to them tells them so (an import does not: it
		// would be one message a person).
		if err := db.assigned(ctx, tx, orgID, p.ID); err != nil {
			return err
		}
		if p.OwnerID != 0 && p.OwnerID != actorID && reason != "Import" {
			org, err := db.orgTx(ctx, tx, orgID)
			if err != nil {
				return err
			}
			if err := db.handedTo(ctx, tx, org, p.ID, p.OwnerID, fmt.Sprintf("v%d", p.Version)); err != nil {
				return err
			}
		}
	}
	// Keep what calls taught us about numbers that are still listed.
	var oldPhones []rapport.Phone
	if err := db.readAll(ctx, tx, &oldPhones, readPhones, orgID, p.ID); err != nil {
		return err
	}
	for i := range p.Phones {
		for _, op := range oldPhones {
			if op.Number == p.Phones[i].Number && op.Bad {
				p.Phones[i].Bad = true
			}
		}
	}
	for _, table := range []string{"phones", "emails", "person_tags"} {
		if _, err := db.execOn(ctx, tx, "DELETE FROM "+table+" WHERE org_id = ? AND person_id = ?", orgID, p.ID); err != nil {
			return err
		}
	}
	if err := db.insertChildren(ctx, tx, p); err != nil {
		return err
	}
	if countsForTopFifth(p) || countsForTopFifth(old) {
		db.thresholds.Delete(orgID)
	}
	if p.StageID != old.StageID {
		if err := db.recordStage(ctx, tx, &rapport.StageChange{OrgID: orgID, PersonID: p.ID, UserID: actorID,
			FromStageID: old.StageID, ToStageID: p.StageID, Reason: reason, At: p.UpdatedAt}); err != nil {
			return err
		}
	}
	if reason == "Import" {
		return nil // the import rebuilds the documents of all it changed at its end (refreshStale)
	}
	return db.refreshSearch(ctx, tx, orgID, p.ID)
}

// SetStage moves a person to another stage of their pipeline, keeping the
// reason on the timeline.
func (db *DB) SetStage(ctx context.Context, act rapport.Actor, personID int64, stageID int64, reason string) error {
	orgID, actorID := act.Org, act.User
	if err := db.CheckVisible(ctx, act, personID); err != nil {
		return err
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		p := new(rapport.Person)
		if err := db.forUpdate(tx.NewSelect().Model(p).Column("id", "kind", "stage_id").Where("org_id = ? AND id = ?", orgID, personID)).Scan(ctx); err != nil {
			return notFound(err, "person")
		}
		pi, err := db.pipelineInfo(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if err := pi.check(p.Kind, stageID); err != nil || stageID == 0 {
			if err == nil {
				err = invalidField("stage", "Choose a stage.")
			}
			return err
		}
		if p.StageID == stageID {
			return nil
		}
		now := db.now().UTC()
		if _, err := tx.NewUpdate().Table("people").Set("stage_id = ?, updated_at = ?, version = version + 1", stageID, now).
			Where("org_id = ? AND id = ?", orgID, personID).Exec(ctx); err != nil {
			return err
		}
		return db.recordStage(ctx, tx, &rapport.StageChange{OrgID: orgID, PersonID: personID, UserID: actorID,
			FromStageID: p.StageID, ToStageID: stageID, Reason: strings.TrimSpace(reason), At: now})
	})
}

// A move from one stage to another (not a person's first stage, and not
// an import's) is a webhook.
func (db *DB) recordStage(ctx context.Context, tx bun.Tx, sc *rapport.StageChange) error {
	if _, err := tx.NewInsert().Model(sc).Exec(ctx); err != nil {
		return err
	}
	if sc.FromStageID == 0 || sc.FromStageID == sc.ToStageID || sc.Reason == "Import" {
		return nil
	}
	return db.webhook(ctx, tx, sc.OrgID, rapport.EventStageChanged, sc.PersonID, sc.FromStageID)
}

// ArchivePerson archives (or, with archive false, restores) a person.
// Archived people keep their history but leave lists and Today.
func (db *DB) ArchivePerson(ctx context.Context, act rapport.Actor, personID int64, archive bool) error {
	orgID := act.Org
	if err := db.CheckVisible(ctx, act, personID); err != nil {
		return err
	}
	var at any
	if archive {
		at = db.now().UTC()
	}
	action := AuditRestore
	if archive {
		action = AuditArchive
	}
	defer db.thresholds.Delete(orgID)
	return db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("people").Set("archived_at = ?, updated_at = ?, version = version + 1", at, db.now().UTC()).
			Where("org_id = ? AND id = ?", orgID, personID).Exec(ctx)
		if err := affected(res, err, "person"); err != nil {
			return err
		}
		// A person restored is a person changed.
		event := rapport.EventPersonUpdated
		if archive {
			event = rapport.EventPersonArchived
		}
		if err := db.webhook(ctx, tx, orgID, event, personID, 0); err != nil {
			return err
		}
		return db.audit(ctx, tx, orgID, act.User, action, "person", personID, "")
	})
}

// Person returns a person of the organisation with their phones, emails,
// tags, stage, owner and referrer.
func (db *DB) Person(ctx context.Context, act rapport.Actor, id int64) (*rapport.Person, error) {
	orgID := act.Org
	p := new(rapport.Person)
	if err := db.readOne(ctx, db.ro, p, readPerson, orgID, id); err != nil {
		return nil, notFound(err, "person")
	}
	if !act.Sees(p.OwnerID) {
		return nil, rapport.NotFound("person")
	}
	// The rest of the request need not check again (CheckVisible).
	memoFrom(ctx).keep(visibleKey{orgID, id, act.Only}, true)
	people := []rapport.Person{*p}
	if err := db.loadDetails(ctx, db.ro, orgID, people); err != nil {
		return nil, err
	}
	*p = people[0]
	// The stage and the owner come from what the process keeps of the
	// organisation (its pipelines, its roster), which every page that
	// shows a person reads anyway: two statements fewer a person.
	if p.StageID != 0 {
		c, err := db.keptPipelines(ctx, orgID)
		if err != nil {
			return nil, err
		}
		if st := stageIn(c.ps, p.StageID); st != nil {
			p.Stage = st
		}
	}
	if p.OwnerID != 0 {
		team, err := db.Roster(ctx, rapport.Actor{Org: orgID})
		if err != nil {
			return nil, err
		}
		if u, ok := team.User(p.OwnerID); ok {
			p.Owner = &u
		}
	}
	if p.ReferredByID != 0 {
		refs, err := db.personNames(ctx, orgID, []int64{p.ReferredByID})
		if err != nil {
			return nil, err
		}
		p.ReferredBy = &rapport.PersonRef{ID: p.ReferredByID, Name: refs[p.ReferredByID]}
	}
	if p.CompanyID != 0 {
		cs, err := db.companiesByID(ctx, orgID, []int64{p.CompanyID})
		if err != nil {
			return nil, err
		}
		p.Company = cs[p.CompanyID]
	}
	return p, nil
}

// loadDetails fills in phones, emails and tags for a page of people.
func (db *DB) loadDetails(ctx context.Context, q bun.IDB, orgID int64, people []rapport.Person) error {
	return db.loadDetailsOf(ctx, q, orgID, people, true)
}

// loadDetailsOf is loadDetails, leaving tags out unless tags is set.
func (db *DB) loadDetailsOf(ctx context.Context, q bun.IDB, orgID int64, people []rapport.Person, tags bool) error {
	if len(people) == 0 {
		return nil
	}
	if len(people) == 1 && tags {
		return db.loadContact(ctx, q, orgID, &people[0])
	}
	ix := indexPeople(people)
	phones := make([]rapport.Phone, 0, len(people))
	read, who := ix.read(readPhones, readPhonesOf)
	if err := db.readAll(ctx, q, &phones, read, orgID, who); err != nil {
		return err
	}
	for _, ph := range phones {
		people[ix.at[ph.PersonID]].Phones = append(people[ix.at[ph.PersonID]].Phones, ph)
	}
	emails := make([]rapport.Email, 0, len(people))
	read, who = ix.read(readEmails, readEmailsOf)
	if err := db.readAll(ctx, q, &emails, read, orgID, who); err != nil {
		return err
	}
	for _, e := range emails {
		people[ix.at[e.PersonID]].Emails = append(people[ix.at[e.PersonID]].Emails, e)
	}
	if !tags {
		return nil
	}
	return db.readTagsInto(ctx, q, orgID, people, ix)
}

// contactText reads one person's phones, emails and tags in one
// statement (the organisation ?1, the person ?2): each row's kind (0 a
// phone, 1 an email, 2 a tag), id, value, label, position, whether it is
// a bad number, and its sort key, in the order the three reads of
// loadDetailsOf give. A person's page, call screen and edit form read
// one person: a statement rather than three.
const contactText = "SELECT 0 AS k, id, number AS v, label, position, bad, '' AS sk FROM phones WHERE org_id = ?1 AND person_id = ?2" +
	" UNION ALL SELECT 1, id, address, label, position, false, '' FROM emails WHERE org_id = ?1 AND person_id = ?2" +
	" UNION ALL SELECT 2, 0, tag, '', 0, false, lower(tag) FROM person_tags WHERE org_id = ?1 AND person_id = ?2" +
	" ORDER BY 1, 5, 7, 2, 3"

var readContact = newHotRead(func(bun.IDB) string { return contactText })

// loadContact fills in one person's phones, emails and tags.
func (db *DB) loadContact(ctx context.Context, q bun.IDB, orgID int64, p *rapport.Person) error {
	rows, err := db.query(ctx, q, readContact, orgID, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	p.Phones, p.Emails, p.Tags = nil, nil, nil
	for rows.Next() {
		var (
			k, pos   int
			id       int64
			v, label string
			bad      bool
			sortKey  string
		)
		if err := rows.Scan(&k, &id, &v, &label, &pos, &bad, &sortKey); err != nil {
			return err
		}
		switch k {
		case 0:
			p.Phones = append(p.Phones, rapport.Phone{ID: id, OrgID: orgID, PersonID: p.ID, Number: v, Label: label, Position: pos, Bad: bad})
		case 1:
			p.Emails = append(p.Emails, rapport.Email{ID: id, OrgID: orgID, PersonID: p.ID, Address: v, Label: label, Position: pos})
		default:
			p.Tags = append(p.Tags, v)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// loadTagsOf reads the tags of the organisation's people.
func (db *DB) loadTagsOf(ctx context.Context, q bun.IDB, orgID int64, people []rapport.Person) error {
	if len(people) == 0 {
		return nil
	}
	return db.readTagsInto(ctx, q, orgID, people, indexPeople(people))
}

func (db *DB) readTagsInto(ctx context.Context, q bun.IDB, orgID int64, people []rapport.Person, ix peopleIndex) error {
	var ts []personTag
	read, who := ix.read(readTags, readTagsOf)
	if err := db.readAll(ctx, q, &ts, read, orgID, who); err != nil {
		return err
	}
	for _, t := range ts {
		people[ix.at[t.PersonID]].Tags = append(people[ix.at[t.PersonID]].Tags, t.Tag)
	}
	return nil
}

// peopleIndex is a page of people's ids, and where each is in the page,
// for reading their details.
type peopleIndex struct {
	ids []int64
	at  map[int64]int
}

func indexPeople(people []rapport.Person) peopleIndex {
	ix := peopleIndex{ids: make([]int64, len(people)), at: make(map[int64]int, len(people))}
	for i, p := range people {
		ix.ids[i], ix.at[p.ID] = p.ID, i
	}
	return ix
}

// read picks the hot read of one person's details or of several people's,
// with what it reads by.
func (ix peopleIndex) read(one, many *hotRead) (*hotRead, any) {
	if len(ix.ids) == 1 {
		return one, ix.ids[0]
	}
	return many, idList(ix.ids)
}

// personNames returns the names of the given people of the organisation.
func (db *DB) personNames(ctx context.Context, orgID int64, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows := make([]rapport.Person, 0, len(ids))
	if err := db.readAll(ctx, db.ro, &rows, readNamesOf, orgID, idList(ids)); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.Name()
	}
	return out, nil
}

// refreshSearch rebuilds a person's search document from everything we know
// about them. It runs inside every write that changes what is searchable.
func (db *DB) refreshSearch(ctx context.Context, tx bun.Tx, orgID, personID int64) error {
	// Every statement here is written with placeholders, so the writer's
	// connection prepares each once (writerstmts.go).
	p := new(rapport.Person)
	if err := db.readOne(ctx, tx, p, readPerson, orgID, personID); err != nil {
		return notFound(err, "person")
	}
	people := []rapport.Person{*p}
	if err := db.loadDetails(ctx, tx, orgID, people); err != nil {
		return err
	}
	// In the order they were learned (ids); "+id" keeps SQLite from
	// walking the organisation's facts in its (org_id, id) key's order to
	// spare the sort (TestPersonReadsFindThePerson).
	facts, err := db.texts(ctx, tx, "SELECT text FROM facts WHERE org_id = ? AND person_id = ? ORDER BY +id", orgID, personID)
	if err != nil {
		return err
	}
	notes, err := db.texts(ctx, tx, "SELECT notes FROM conversations WHERE org_id = ? AND person_id = ? AND notes <> '' ORDER BY occurred_at DESC, id DESC LIMIT "+
		strconv.Itoa(docNotes), orgID, personID)
	if err != nil {
		return err
	}
	said, err := db.texts(ctx, tx, "SELECT property || ' ' || message FROM events WHERE org_id = ? AND person_id = ? ORDER BY occurred_at DESC, id DESC LIMIT "+
		strconv.Itoa(docSaid), orgID, personID)
	if err != nil {
		return err
	}
	doc := searchDoc(&people[0], facts, append(notes, said...))
	old, err := db.searchDocOf(ctx, tx, p)
	if err != nil || doc == old {
		return err
	}
	if err := db.keepSearchDoc(ctx, tx, orgID, personID, doc); err != nil {
		return err
	}
	return db.indexSearch(ctx, tx, orgID, personID, old, doc)
}

// A search document holds the notes of a person's last docNotes
// conversations and what their last docSaid events said.
const docNotes, docSaid = 100, 20

// refreshSearches is refreshSearch for many of the organisation's people
// (ids, each once), reading what their documents are made of a chunk of
// people at a time: an import that brought facts for thousands of people
// already there rebuilds their documents in a few statements a chunk,
// not ten a person.
func (db *DB) refreshSearches(ctx context.Context, tx bun.Tx, orgID int64, ids []int64) error {
	const chunk = 500
	for lo := 0; lo < len(ids); lo += chunk {
		who := idList(ids[lo:min(lo+chunk, len(ids))])
		people := make([]rapport.Person, 0, len(who))
		if err := db.readAll(ctx, tx, &people, readPeopleOf, orgID, who); err != nil {
			return err
		}
		if err := db.loadDetails(ctx, tx, orgID, people); err != nil {
			return err
		}
		// The same texts as refreshSearch's, in the same order, of each
		// person (n numbers a person's own, newest first).
		texts := func(text string) (map[int64][]string, error) { return db.textsByID(ctx, tx, text, orgID, who) }
		facts, err := texts("SELECT person_id, text FROM facts WHERE org_id = ? AND " + anyID(db.ro, "person_id") + " ORDER BY person_id, id")
		if err != nil {
			return err
		}
		notes, err := texts("SELECT person_id, t FROM (SELECT person_id, notes AS t, ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY occurred_at DESC, id DESC) AS n " +
			"FROM conversations WHERE org_id = ? AND " + anyID(db.ro, "person_id") + " AND notes <> '') AS c WHERE n <= " + strconv.Itoa(docNotes) + " ORDER BY person_id, n")
		if err != nil {
			return err
		}
		said, err := texts("SELECT person_id, t FROM (SELECT person_id, property || ' ' || message AS t, ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY occurred_at DESC, id DESC) AS n " +
			"FROM events WHERE org_id = ? AND " + anyID(db.ro, "person_id") + ") AS e WHERE n <= " + strconv.Itoa(docSaid) + " ORDER BY person_id, n")
		if err != nil {
			return err
		}
		olds, err := db.searchDocsOf(ctx, tx, orgID, who)
		if err != nil {
			return err
		}
		for i := range people {
			p := &people[i]
			doc := searchDoc(p, facts[p.ID], append(notes[p.ID], said[p.ID]...))
			old := olds[p.ID]
			if doc == old {
				continue
			}
			if err := db.keepSearchDoc(ctx, tx, orgID, p.ID, doc); err != nil {
				return err
			}
			if err := db.indexSearch(ctx, tx, orgID, p.ID, old, doc); err != nil {
				return err
			}
		}
	}
	return nil
}

// textsByID runs text (with "?" where its args go; its rows an id and a
// text) on q and returns each id's texts in the rows' order.
func (db *DB) textsByID(ctx context.Context, q bun.IDB, text string, args ...any) (map[int64][]string, error) {
	rows, err := db.queryText(ctx, q, db.placeholders(text), args)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		out[id] = append(out[id], t)
	}
	return out, rows.Err()
}

// texts runs text (with "?" where its args go) on q and returns the one
// text column of its rows.
func (db *DB) texts(ctx context.Context, q bun.IDB, text string, args ...any) ([]string, error) {
	return column[string](db.queryText(ctx, q, db.placeholders(text), args))
}
