package store

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// recordRow is a person_records row: an input kept as it arrived.
type recordRow struct {
	bun.BaseModel `bun:"table:person_records"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	PersonID      int64     `bun:"person_id"`
	Kind          string    `bun:"kind"`
	Origin        string    `bun:"origin"`
	Line          int       `bun:"line"`
	Original      string    `bun:"original"`
	Kept          string    `bun:"kept"`
	Digest        string    `bun:"digest"`
	CreatedAt     time.Time `bun:"created_at"`
}

// keepRecord keeps one input with a person, with the values of it that
// no field of theirs holds (once: the same input again is not kept twice).
func (db *DB) keepRecord(ctx context.Context, q bun.IDB, orgID, personID int64, kind, origin, original string, kept []rapport.KeptValue) error {
	keptJSON, err := json.Marshal(kept)
	if err != nil {
		return err
	}
	if original == "" {
		original = keptOriginal(kept)
	}
	_, err = q.NewInsert().Model(&recordRow{OrgID: orgID, PersonID: personID, Kind: kind, Origin: origin, Original: original,
		Kept: string(keptJSON), Digest: recordDigest(kind, original), CreatedAt: db.now().UTC()}).
		On("CONFLICT (org_id, person_id, digest) DO NOTHING").Exec(ctx)
	return err
}

// keptOriginal stands for an input that did not come with its original:
// the values kept, as name/value pairs.
func keptOriginal(kept []rapport.KeptValue) string {
	pairs := make([][2]string, len(kept))
	for i, k := range kept {
		pairs[i] = [2]string{k.Name, k.Value}
	}
	b, _ := json.Marshal(pairs)
	return string(b)
}

// Records returns what was kept of the inputs a person came from (rows,
// cards, events with values no field holds), newest first.
func (db *DB) Records(ctx context.Context, act rapport.Actor, personID int64) ([]rapport.InputRecord, error) {
	orgID := act.Org
	var rows []recordRow
	if err := db.readAll(ctx, db.ro, &rows, personRows(&rows, "created_at DESC, id DESC", false), orgID, personID); err != nil {
		return nil, err
	}
	out := make([]rapport.InputRecord, len(rows))
	for i, r := range rows {
		out[i] = rapport.InputRecord{ID: r.ID, OrgID: r.OrgID, PersonID: r.PersonID, Kind: r.Kind, Origin: r.Origin, Line: r.Line,
			Original: r.Original, CreatedAt: r.CreatedAt}
		if err := json.Unmarshal([]byte(r.Kept), &out[i].Kept); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PhoneSharer is someone who shares one of a person's own numbers (a
// spouse on the home phone): two people, linked.
type PhoneSharer struct {
	rapport.PersonRef
	Number string
}

// PhoneSharers returns the active people who share a personal number
// (not an office's or a fax) with p, a person as Person read them (their
// phones on them); with act.Only set, only those that user owns.
func (db *DB) PhoneSharers(ctx context.Context, act rapport.Actor, p *rapport.Person) ([]PhoneSharer, error) {
	orgID, visibleTo := act.Org, act.Only
	// The person's own numbers are on p as Person read them: only the
	// others who have one are read.
	var numbers []any
	for _, ph := range p.Phones {
		if !slices.Contains(sharedLabels, ph.Label) && !slices.Contains(numbers, any(ph.Number)) {
			numbers = append(numbers, ph.Number)
		}
	}
	if len(numbers) == 0 {
		return nil, nil
	}
	var rows []struct {
		ID        int64  `bun:"id"`
		FirstName string `bun:"first_name"`
		LastName  string `bun:"last_name"`
		Number    string `bun:"number"`
	}
	b := &bound{}
	in := make([]bun.Safe, len(numbers))
	for i, n := range numbers {
		in[i] = b.v(n)
	}
	// On SQLite "+p.id": from the numbers' index, not every person of the
	// organisation in id order (TestPersonReadsFindThePerson). PostgreSQL
	// takes no expression beside DISTINCT, and plans by its statistics.
	order := "p.id"
	if db.dialect == SQLite {
		order = "+p.id"
	}
	q := db.ro.NewSelect().TableExpr("phones AS theirs").
		Join("JOIN people AS p ON p.org_id = theirs.org_id AND p.id = theirs.person_id").
		ColumnExpr("DISTINCT p.id, p.first_name, p.last_name, theirs.number").
		Where("theirs.org_id = ? AND theirs.number IN (?) AND theirs.person_id <> ?", b.v(orgID), bun.List(in), b.v(p.ID)).
		Where("theirs.label NOT IN (?)", bun.List(sharedLabels)).
		Where("p.archived_at IS NULL").OrderExpr(order).Limit(20)
	if visibleTo != 0 {
		q.Where("p.owner_id = ?", b.v(visibleTo))
	}
	if err := db.readBound(ctx, &rows, q.String(), b); err != nil {
		return nil, err
	}
	out := make([]PhoneSharer, len(rows))
	for i, r := range rows {
		p := rapport.Person{FirstName: r.FirstName, LastName: r.LastName}
		out[i] = PhoneSharer{PersonRef: rapport.PersonRef{ID: r.ID, Name: p.Name()}, Number: r.Number}
	}
	return out, nil
}

// KeptOf returns what was kept as imported of each of the people, for an
// export.
func (db *DB) KeptOf(ctx context.Context, act rapport.Actor, ids []int64) (map[int64][]rapport.KeptValue, error) {
	orgID := act.Org
	out := map[int64][]rapport.KeptValue{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []recordRow
	if err := db.ro.NewSelect().Model(&rows).Column("person_id", "kept").Where("org_id = ? AND person_id IN (?)", orgID, bun.List(ids)).
		OrderExpr("person_id, id").Scan(ctx); err != nil {
		return nil, err
	}
	for _, r := range rows {
		var kept []rapport.KeptValue
		if err := json.Unmarshal([]byte(r.Kept), &kept); err != nil {
			return nil, err
		}
		out[r.PersonID] = append(out[r.PersonID], kept...)
	}
	return out, nil
}
