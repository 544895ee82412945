package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// nicknames map common short forms to the name they stand for, so that
// "Bob Smith" and "Robert Smith" share a name key.
var nicknames = map[string]string{
	"bob": "robert", "rob": "robert", "bobby": "robert", "robbie": "robert", "bill": "william", "will": "william",
	"billy": "william", "liz": "elizabeth", "beth": "elizabeth", "betty": "elizabeth", "lizzie": "elizabeth",
	"jim": "james", "jimmy": "james", "jamie": "james", "mike": "michael", "mikey": "michael", "dave": "david",
	"tom": "thomas", "tommy": "thomas", "chris": "christopher", "kate": "katherine", "katie": "katherine",
	"cathy": "catherine", "kathy": "katherine", "jen": "jennifer", "jenny": "jennifer", "joe": "joseph", "joey": "joseph",
	"dan": "daniel", "danny": "daniel", "matt": "matthew", "tony": "anthony", "steve": "steven", "sam": "samuel",
	"ben": "benjamin", "nick": "nicholas", "andy": "andrew", "drew": "andrew", "pat": "patricia", "patty": "patricia",
	"sue": "susan", "suzy": "susan", "meg": "margaret", "maggie": "margaret", "peggy": "margaret", "ed": "edward",
	"eddie": "edward", "ted": "edward", "rick": "richard", "rich": "richard", "dick": "richard", "alex": "alexander",
	"greg": "gregory", "jon": "john", "johnny": "john", "jack": "john", "larry": "lawrence", "ron": "ronald",
	"abby": "abigail", "vicky": "victoria", "becky": "rebecca", "debbie": "deborah", "deb": "deborah",
}

// nameKey folds a name for duplicate finding.
func nameKey(first, last string) string {
	words := strings.Fields(rapport.Fold(first + " " + last))
	if len(words) < 2 {
		// One word says too little to call two people the same.
		return ""
	}
	for i, w := range words {
		if n, ok := nicknames[w]; ok {
			words[i] = n
		}
	}
	sort.Strings(words)
	return strings.Join(words, " ")
}

// foldedName is a name folded for telling whether two records can be the
// same person: the given names it may go by (nicknames read as the name
// they stand for; both of a couple's "John & Mary") and last-name words.
type foldedName struct {
	first, last []string
}

func foldName(first, last string) foldedName {
	words := strings.Fields(rapport.Fold(strings.ReplaceAll(first, "&", " and ")))
	n := foldedName{last: strings.Fields(rapport.Fold(last))}
	couple := slices.Contains(words, "and")
	if len(n.last) == 0 && len(words) > 1 && !couple {
		// The whole name in one field.
		words, n.last = words[:1], words[1:]
	}
	for i, w := range words {
		if i == 0 || words[i-1] == "and" {
			if w == "and" {
				continue
			}
			n.first = append(n.first, w)
			if full, ok := nicknames[w]; ok {
				n.first = append(n.first, full)
			}
		}
	}
	return n
}

func (n foldedName) empty() bool { return len(n.first) == 0 && len(n.last) == 0 }

// namesCompatible reports whether two names can belong to one person, for
// records that share only a phone: spouses on one home phone are two
// people ("John Smith", "Mary Smith"), while "J. Smith", "Johnny Smith",
// "John" and "Smith John" can all be John Smith. What is missing on
// either side (no name at all, no last name) is no evidence against.
func namesCompatible(a, b foldedName) bool {
	if len(a.last) > 0 && len(b.last) > 0 && !shareWord(a.last, b.last) {
		// Perhaps written the other way round.
		return sameWords(append(slices.Clone(a.first), a.last...), append(slices.Clone(b.first), b.last...))
	}
	if len(a.first) == 0 || len(b.first) == 0 {
		return true
	}
	for _, x := range a.first {
		for _, y := range b.first {
			if firstNamesMatch(x, y) {
				return true
			}
		}
	}
	return false
}

// firstNamesMatch: the same name, an initial of it, or a short form
// ("alex" for "alexandra").
func firstNamesMatch(x, y string) bool {
	if x == y {
		return true
	}
	if len(x) > len(y) {
		x, y = y, x
	}
	if len(x) == 1 {
		return y[0] == x[0]
	}
	return len(x) >= 3 && strings.HasPrefix(y, x)
}

func shareWord(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func sameWords(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// storeTasks does the work migrations leave to the store (the table
// store_tasks), deleting each task once it is done: a process that dies
// first does it again at its next start.
func (db *DB) storeTasks(ctx context.Context) error {
	var names []string
	if err := db.rw.NewRaw("SELECT name FROM store_tasks ORDER BY name").Scan(ctx, &names); err != nil {
		return err
	}
	for _, name := range names {
		switch name {
		case "name_keys":
			if err := db.refreshNameKeys(ctx); err != nil {
				return fmt.Errorf("store task %s: %w", name, err)
			}
		default:
			db.log.Warn("a store task this version does not know; left for a later one", "task", name)
			continue
		}
		if _, err := db.rw.NewRaw("DELETE FROM store_tasks WHERE name = ?", name).Exec(ctx); err != nil {
			return err
		}
		db.log.Info("store task done", "task", name)
	}
	return nil
}

// refreshNameKeys works out every person's name key again and writes
// those that are missing (people written before there were keys) or differ, reading the people a batch of ids at a
// time (one pass over the table; at a million people nearly all keys are
// right, and only the wrong ones are written).
func (db *DB) refreshNameKeys(ctx context.Context) error {
	type nameRow struct {
		ID        int64          `bun:"id"`
		OrgID     int64          `bun:"org_id"`
		FirstName string         `bun:"first_name"`
		LastName  string         `bun:"last_name"`
		NameKey   sql.NullString `bun:"name_key"`
	}
	for after := int64(0); ; {
		var rows []nameRow
		if err := db.rw.NewRaw("SELECT id, org_id, first_name, last_name, name_key FROM people WHERE id > ? ORDER BY id LIMIT 5000",
			after).Scan(ctx, &rows); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		after = rows[len(rows)-1].ID
		var stale []nameRow
		for _, r := range rows {
			if k := nameKey(r.FirstName, r.LastName); !r.NameKey.Valid || r.NameKey.String != k {
				r.NameKey = sql.NullString{String: k, Valid: true}
				stale = append(stale, r)
			}
		}
		if len(stale) == 0 {
			continue
		}
		if err := db.tx(ctx, func(tx bun.Tx) error {
			for _, r := range stale {
				// Only if the name is still the one read.
				if _, err := tx.NewUpdate().Table("people").Set("name_key = ?", r.NameKey.String).
					Where("org_id = ? AND id = ? AND first_name = ? AND last_name = ?", r.OrgID, r.ID, r.FirstName, r.LastName).
					Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
}

// DuplicateGroup is a set of people who are probably one person, and why.
type DuplicateGroup struct {
	// Reason is "email", "phone" or "name"; Value is what they share.
	Reason string
	Value  string
	People []rapport.Person
}

// Duplicates finds up to limit groups of the organisation's active people
// who share an email, a personal phone, or a name (ignoring case, accents,
// punctuation, word order and common nicknames). With visibleTo set, only
// people that user owns are compared (see PeopleFilter).
func (db *DB) Duplicates(ctx context.Context, act rapport.Actor, limit int) ([]DuplicateGroup, error) {
	orgID, visibleTo := act.Org, act.Only
	type shared struct {
		Value string `bun:"value"`
		IDs   string `bun:"ids"`
	}
	agg, aggPeople := db.aggregateIDs("DISTINCT person_id"), db.aggregateIDs("id")
	active := "person_id IN (SELECT id FROM people WHERE org_id = ? AND archived_at IS NULL)"
	activeArgs := []any{orgID}
	people := db.ro.NewSelect().Table("people").Where("org_id = ? AND name_key IS NOT NULL AND name_key <> '' AND archived_at IS NULL", orgID)
	if visibleTo != 0 {
		active = "person_id IN (SELECT id FROM people WHERE org_id = ? AND archived_at IS NULL AND owner_id = ?)"
		activeArgs = append(activeArgs, visibleTo)
		people.Where("owner_id = ?", visibleTo)
	}
	var groups []DuplicateGroup
	seen := map[string]bool{}
	add := func(reason string, rows []shared) {
		for _, r := range rows {
			ids := rapport.ParseIDs(r.IDs)
			sortIDs(ids)
			key := rapport.FormatIDs(ids)
			if len(ids) < 2 || seen[key] {
				continue
			}
			seen[key] = true
			g := DuplicateGroup{Reason: reason, Value: r.Value}
			for _, id := range ids {
				g.People = append(g.People, rapport.Person{ID: id})
			}
			groups = append(groups, g)
		}
	}
	var rows []shared
	if err := db.ro.NewSelect().Table("emails").ColumnExpr("address AS value, "+agg+" AS ids").
		Where("org_id = ? AND "+active, append([]any{orgID}, activeArgs...)...).GroupExpr("address").Having("COUNT(DISTINCT person_id) > 1").
		Limit(int64(limit)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	add("email", rows)
	rows = nil
	if err := db.ro.NewSelect().Table("phones").ColumnExpr("number AS value, "+agg+" AS ids").
		Where("org_id = ? AND label NOT IN (?) AND "+active, append([]any{orgID, bun.List(sharedLabels)}, activeArgs...)...).GroupExpr("number").
		Having("COUNT(DISTINCT person_id) > 1").Limit(int64(limit)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	add("phone", rows)
	rows = nil
	if err := people.ColumnExpr("name_key AS value, "+aggPeople+" AS ids").GroupExpr("name_key").
		Having("COUNT(*) > 1").Limit(int64(limit)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	add("name", rows)
	groups, err := db.leaveOutDistinct(ctx, orgID, groups)
	if err != nil {
		return nil, err
	}
	if len(groups) > limit {
		groups = groups[:limit]
	}
	for i := range groups {
		for j := range groups[i].People {
			p, err := db.Person(ctx, rapport.Actor{Org: orgID}, groups[i].People[j].ID)
			if err != nil {
				return nil, err
			}
			groups[i].People[j] = *p
		}
	}
	return groups, nil
}

// leaveOutDistinct drops the groups whose people someone has said are
// all different people.
func (db *DB) leaveOutDistinct(ctx context.Context, orgID int64, groups []DuplicateGroup) ([]DuplicateGroup, error) {
	var ids []int64
	for _, g := range groups {
		for _, p := range g.People {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) == 0 {
		return groups, nil
	}
	var pairs []struct {
		A int64 `bun:"a_id"`
		B int64 `bun:"b_id"`
	}
	if err := db.ro.NewSelect().Table("distinct_people").Column("a_id", "b_id").
		Where("org_id = ? AND a_id IN (?) AND b_id IN (?)", orgID, bun.List(ids), bun.List(ids)).Scan(ctx, &pairs); err != nil {
		return nil, err
	}
	distinct := map[[2]int64]bool{}
	for _, p := range pairs {
		distinct[[2]int64{p.A, p.B}] = true
	}
	out := groups[:0]
	for _, g := range groups {
		all := true
		for i := range g.People {
			for j := i + 1; j < len(g.People); j++ {
				a, b := min(g.People[i].ID, g.People[j].ID), max(g.People[i].ID, g.People[j].ID)
				all = all && distinct[[2]int64{a, b}]
			}
		}
		if !all {
			out = append(out, g)
		}
	}
	return out, nil
}

// MarkDistinct records that the people are different people (a couple
// who share a phone, namesakes), so Duplicates stops offering them.
func (db *DB) MarkDistinct(ctx context.Context, act rapport.Actor, ids []int64) error {
	orgID, actorID := act.Org, act.User
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	if len(ids) < 2 {
		return rapport.Errorf(rapport.EINVALID, "Choose at least two people.")
	}
	return db.tx(ctx, func(tx bun.Tx) error {
		n, err := tx.NewSelect().Table("people").Where("org_id = ? AND id IN (?)", orgID, bun.List(ids)).Count(ctx)
		if err != nil {
			return err
		}
		if n != int64(len(ids)) {
			return rapport.Errorf(rapport.ENOTFOUND, "Person not found.")
		}
		now := db.now().UTC()
		for i := range ids {
			for j := i + 1; j < len(ids); j++ {
				if _, err := tx.NewRaw("INSERT INTO distinct_people (org_id, a_id, b_id, created_by, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
					orgID, ids[i], ids[j], nullID(actorID), db.timeValue(now)).Exec(ctx); err != nil {
					return err
				}
			}
		}
		return db.audit(ctx, tx, orgID, actorID, AuditDistinct, "person", ids[0], fmt.Sprintf("#%s are different people", rapport.FormatIDs(ids)))
	})
}

// MergePeople folds drop into keep: keep gains what it lacked (nothing it
// has is overwritten), and every conversation, fact, follow-up, event,
// stage change and referral of drop becomes keep's. Then drop is deleted.
// All in one transaction.
func (db *DB) MergePeople(ctx context.Context, act rapport.Actor, keepID int64, dropID int64) (*rapport.Person, error) {
	orgID, actorID := act.Org, act.User
	if keepID == dropID {
		return nil, rapport.Errorf(rapport.EINVALID, "A person cannot be merged with themselves.")
	}
	var keep *rapport.Person
	err := db.tx(ctx, func(tx bun.Tx) error {
		var err error
		if keep, err = db.personTx(ctx, tx, orgID, keepID); err != nil {
			return err
		}
		drop, err := db.personTx(ctx, tx, orgID, dropID)
		if err != nil {
			return err
		}
		rapport.MergeInto(keep, drop)
		if keep.ReferredByID == dropID {
			keep.ReferredByID = 0
		}
		if drop.ProductionPeriod > keep.ProductionPeriod {
			// The other record has the newer production report.
			keep.ProductionPeriod, keep.Units12m, keep.Volume12m = drop.ProductionPeriod, drop.Units12m, drop.Volume12m
			keep.ListUnits12m, keep.SellUnits12m = drop.ListUnits12m, drop.SellUnits12m
		}
		// Production history: the kept person's figures win for a period
		// both have; the rest move over.
		if _, err := tx.NewUpdate().Table("production").Set("person_id = ?", keepID).
			Where("org_id = ? AND person_id = ?", orgID, dropID).
			Where("period NOT IN (SELECT period FROM production WHERE org_id = ? AND person_id = ?)", orgID, keepID).
			Exec(ctx); err != nil {
			return err
		}
		// Records kept as imported move over, but for one the kept person
		// has already (the same row imported onto both).
		if _, err := tx.NewUpdate().Table("person_records").Set("person_id = ?", keepID).
			Where("org_id = ? AND person_id = ?", orgID, dropID).
			Where("digest NOT IN (SELECT digest FROM person_records WHERE org_id = ? AND person_id = ?)", orgID, keepID).
			Exec(ctx); err != nil {
			return err
		}
		for _, table := range []string{"conversations", "facts", "follow_ups", "events", "stage_changes"} {
			if _, err := tx.NewUpdate().Table(table).Set("person_id = ?", keepID).
				Where("org_id = ? AND person_id = ?", orgID, dropID).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.NewUpdate().Table("people").Set("referred_by_id = ?", keepID).
			Where("org_id = ? AND referred_by_id = ? AND id <> ?", orgID, dropID, keepID).Exec(ctx); err != nil {
			return err
		}
		dropDoc, err := db.searchDocOf(ctx, tx, drop)
		if err != nil {
			return err
		}
		if err := db.indexSearch(ctx, tx, orgID, dropID, dropDoc, ""); err != nil {
			return err
		}
		for _, table := range []string{"phones", "emails", "person_tags", "production", "person_records"} {
			if _, err := tx.NewDelete().Table(table).Where("org_id = ? AND person_id = ?", orgID, dropID).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := tx.NewDelete().Table("people").Where("org_id = ? AND id = ?", orgID, dropID).Exec(ctx); err != nil {
			return err
		}
		keep.Version = 0
		if err := db.updatePerson(ctx, tx, rapport.Actor{Org: orgID, User: actorID}, keep, "Merged"); err != nil {
			return err
		}
		if err := db.audit(ctx, tx, orgID, actorID, AuditMerge, "person", keepID,
			fmt.Sprintf("#%d %s merged into it", dropID, drop.Name())); err != nil {
			return err
		}
		if err := db.webhook(ctx, tx, orgID, rapport.EventPersonMerged, keepID, dropID); err != nil {
			return err
		}
		return db.mergeActivity(ctx, tx, orgID, keep, drop)
	})
	if err != nil {
		return nil, err
	}
	return db.Person(ctx, rapport.Actor{Org: orgID}, keepID)
}

// mergeActivity gives keep the union of both people's activity times.
func (db *DB) mergeActivity(ctx context.Context, tx bun.Tx, orgID int64, keep, drop *rapport.Person) error {
	first := keep.FirstAttemptAt
	if first.IsZero() || (!drop.FirstAttemptAt.IsZero() && drop.FirstAttemptAt.Before(first)) {
		first = drop.FirstAttemptAt
	}
	latest := func(a, b time.Time) time.Time {
		if b.After(a) {
			return b
		}
		return a
	}
	keep.FirstAttemptAt = first
	keep.LastAttemptAt = latest(keep.LastAttemptAt, drop.LastAttemptAt)
	keep.LastLiveAt = latest(keep.LastLiveAt, drop.LastLiveAt)
	keep.LastTouchAt = latest(keep.LastTouchAt, drop.LastTouchAt)
	keep.DoNotCall = keep.DoNotCall || drop.DoNotCall
	keep.ScheduleTouch()
	_, err := tx.NewUpdate().Model(keep).
		Column("first_attempt_at", "last_attempt_at", "last_live_at", "last_touch_at", "touch_due_at", "do_not_call").
		Where("org_id = ? AND id = ?", orgID, keep.ID).Exec(ctx)
	return err
}
