package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// playbookRow is an organisation's playbook entry as stored.
type playbookRow struct {
	bun.BaseModel `bun:"table:playbook_entries"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	Kind          string    `bun:"kind"`
	Key           string    `bun:"key"`
	Audience      string    `bun:"audience"`
	Text          string    `bun:"text"`
	Uncovers      string    `bun:"uncovers"`
	Responses     string    `bun:"responses"`
	Why           string    `bun:"why"`
	RetiredAt     time.Time `bun:"retired_at,nullzero"`
	UpdatedBy     int64     `bun:"updated_by,nullzero"`
	UpdatedAt     time.Time `bun:"updated_at"`
}

func (r *playbookRow) entry() rapport.Entry {
	e := rapport.Entry{Kind: rapport.EntryKind(r.Kind), Key: r.Key, Audience: rapport.Audience(r.Audience), Text: r.Text,
		Uncovers: rapport.Uncovers(r.Uncovers), Why: r.Why, Retired: !r.RetiredAt.IsZero(), Updated: r.UpdatedAt}
	_ = json.Unmarshal([]byte(r.Responses), &e.Responses)
	return e
}

// playbookTTL is how long Playbook reuses what it read: the call session
// and the person page show it on every request, and it changes rarely
// (at once on this server and, through the shared database's notices,
// on others: see caches.go).
const playbookTTL = 30 * time.Second

type cachedPlaybook struct {
	p  *rapport.Playbook
	at time.Time
}

// Playbook returns the organisation's playbook: the defaults with its
// edits, its own entries after them, retired entries marked. Callers must
// not change it.
func (db *DB) Playbook(ctx context.Context, act rapport.Actor) (*rapport.Playbook, error) {
	orgID := act.Org
	now := db.now()
	if v, ok := db.playbooks.Load(orgID); ok && now.Sub(v.(*cachedPlaybook).at) < playbookTTL && !v.(*cachedPlaybook).at.After(now) {
		return v.(*cachedPlaybook).p, nil
	}
	gen := db.forgets.Load() // before reading: see keep
	p, err := db.readPlaybook(ctx, orgID)
	if err != nil {
		return nil, err
	}
	db.keep(&db.playbooks, orgID, &cachedPlaybook{p: p, at: now}, gen)
	return p, nil
}

func (db *DB) readPlaybook(ctx context.Context, orgID int64) (*rapport.Playbook, error) {
	var rows []playbookRow
	if err := db.ro.NewSelect().Model(&rows).Where("org_id = ?", orgID).Order("id").Scan(ctx); err != nil {
		return nil, err
	}
	es := make([]rapport.Entry, len(rows))
	for i := range rows {
		es[i] = rows[i].entry()
	}
	return rapport.MergePlaybook(es), nil
}

// SavePlaybookEntry saves an organisation's version of an entry: an edit
// of a default (same key), a change to its own entry, or a new one. A new
// entry without a key gets one from its text.
func (db *DB) SavePlaybookEntry(ctx context.Context, act rapport.Actor, e *rapport.Entry) error {
	orgID, actorID := act.Org, act.User
	if !act.Runs() {
		return rapport.ErrNotEditor
	}
	if e.Key == "" {
		// A new entry: a key from its text, not one already in use.
		p, err := db.Playbook(ctx, rapport.Actor{Org: orgID})
		if err != nil {
			return err
		}
		base := slugKey(e.Text)
		e.Key = base
		for n := 2; ; n++ {
			if _, taken := p.Find(e.Kind, e.Key); !taken {
				break
			}
			e.Key = fmt.Sprintf("%s-%d", base, n)
		}
	}
	e.Normalize()
	if err := e.Validate(); err != nil {
		return err
	}
	for _, d := range rapport.DefaultEntries {
		if !e.Retired && e.SameContent(&d) {
			// The default as it is: no copy, so that improvements to the
			// default keep reaching the organisation.
			_, err := db.rw.NewDelete().Model((*playbookRow)(nil)).Where("org_id = ? AND kind = ? AND key = ?", orgID, e.Kind, e.Key).Exec(ctx)
			db.orgChanged(ctx, orgID)
			return err
		}
	}
	resp, _ := json.Marshal(e.Responses)
	if e.Responses == nil {
		resp = []byte("[]")
	}
	row := &playbookRow{OrgID: orgID, Kind: string(e.Kind), Key: e.Key, Audience: string(e.Audience), Text: e.Text,
		Uncovers: string(e.Uncovers), Responses: string(resp), Why: e.Why, UpdatedBy: actorID, UpdatedAt: db.now().UTC()}
	if e.Retired {
		row.RetiredAt = row.UpdatedAt
	}
	_, err := db.rw.NewInsert().Model(row).
		On("CONFLICT (org_id, kind, key) DO UPDATE").
		Set("audience = EXCLUDED.audience, text = EXCLUDED.text, uncovers = EXCLUDED.uncovers, responses = EXCLUDED.responses").
		Set("why = EXCLUDED.why, retired_at = EXCLUDED.retired_at, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	db.orgChanged(ctx, orgID)
	return err
}

// RetirePlaybookEntry retires (or, with retired false, restores) an
// entry; retiring a default saves the organisation's copy of it.
func (db *DB) RetirePlaybookEntry(ctx context.Context, act rapport.Actor, kind rapport.EntryKind, key string, retired bool) error {
	orgID := act.Org
	if !act.Runs() {
		return rapport.ErrNotEditor
	}
	p, err := db.Playbook(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return err
	}
	e, ok := p.Find(kind, key)
	if !ok {
		return rapport.Errorf(rapport.ENOTFOUND, "No such %s in the playbook.", kind)
	}
	if e.Retired == retired {
		return nil
	}
	e.Retired = retired
	if !retired && !e.Edited && !e.Custom {
		// Restoring an unchanged default: the organisation's copy goes,
		// so that later improvements to the default reach it.
		return db.ResetPlaybookEntry(ctx, act, kind, key)
	}
	return db.SavePlaybookEntry(ctx, act, &e)
}

// ResetPlaybookEntry drops an organisation's edit of a default, bringing
// the default back (an organisation's own entry is deleted); for a
// default it never changed there is nothing to reset: not found. Owners
// and managers only.
func (db *DB) ResetPlaybookEntry(ctx context.Context, act rapport.Actor, kind rapport.EntryKind, key string) error {
	orgID := act.Org
	if !act.Runs() {
		return rapport.ErrNotEditor
	}
	res, err := db.rw.NewDelete().Model((*playbookRow)(nil)).Where("org_id = ? AND kind = ? AND key = ?", orgID, kind, key).Exec(ctx)
	db.orgChanged(ctx, orgID)
	return affected(res, err, "playbook entry")
}

func slugKey(text string) string {
	var b strings.Builder
	b.WriteString("own")
	dash := false
	for _, r := range strings.ToLower(text) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if b.Len() == 3 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		case !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// ObjectionStat is how often an objection came up, and how those
// conversations ended.
type ObjectionStat struct {
	Key  string
	Text string
	N    int
	// Live conversations went on after it; NextStep ones ended with a
	// follow-up set; Appointment ones with an appointment.
	Live        int
	NextStep    int
	Appointment int
	DoNotCall   int
}

// ObjectionStats counts the objections recorded on the users'
// conversations between from and to, most frequent first.
func (db *DB) ObjectionStats(ctx context.Context, act rapport.Actor, userIDs []int64, from time.Time, to time.Time) ([]ObjectionStat, error) {
	orgID := act.Org
	for _, id := range userIDs {
		if !act.SeesFiguresOf(id) {
			return nil, rapport.ErrNotFigures
		}
	}
	if len(userIDs) == 0 {
		return nil, nil
	}
	var rows []struct {
		Objection string `bun:"objection"`
		N         int    `bun:"n"`
		Live      int    `bun:"live"`
		NextStep  int    `bun:"next_step"`
		Appt      int    `bun:"appt"`
		DNC       int    `bun:"dnc"`
	}
	if err := db.ro.NewSelect().TableExpr("conversations AS c").
		ColumnExpr("c.objection, COUNT(*) AS n").
		ColumnExpr("SUM(CASE WHEN c.live THEN 1 ELSE 0 END) AS live").
		ColumnExpr("SUM(CASE WHEN EXISTS (SELECT 1 FROM follow_ups AS f WHERE f.org_id = c.org_id AND f.conversation_id = c.id) THEN 1 ELSE 0 END) AS next_step").
		ColumnExpr("SUM(CASE WHEN c.outcome = ? THEN 1 ELSE 0 END) AS appt", rapport.OutcomeAppointment).
		ColumnExpr("SUM(CASE WHEN c.outcome = ? THEN 1 ELSE 0 END) AS dnc", rapport.OutcomeDoNotCall).
		Where("c.org_id = ? AND c.user_id IN (?) AND c.objection <> '' AND c.occurred_at >= ? AND c.occurred_at < ?",
			orgID, bun.List(userIDs), from.UTC(), to.UTC()).
		GroupExpr("c.objection").OrderExpr("n DESC, c.objection").Scan(ctx, &rows); err != nil {
		return nil, err
	}
	pb, err := db.Playbook(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	out := make([]ObjectionStat, len(rows))
	for i, r := range rows {
		text := r.Objection
		if e, ok := pb.Find(rapport.EntryObjection, r.Objection); ok {
			text = e.Text
		}
		out[i] = ObjectionStat{Key: r.Objection, Text: text, N: r.N, Live: r.Live, NextStep: r.NextStep, Appointment: r.Appt, DoNotCall: r.DNC}
	}
	return out, nil
}

// DrillAttempt is one practice response with its score.
type DrillAttempt struct {
	bun.BaseModel `bun:"table:drill_attempts"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	UserID        int64     `bun:"user_id"`
	Objection     string    `bun:"objection"`
	Response      string    `bun:"response"`
	Score         int       `bun:"score"`
	Passed        string    `bun:"passed"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Practise assesses a drill response to an objection of the playbook,
// keeps it in the user's history, and returns its feedback.
func (db *DB) Practise(ctx context.Context, act rapport.Actor, objection string, response string) (*DrillAttempt, rapport.Feedback, error) {
	orgID, userID := act.Org, act.User
	response = strings.TrimSpace(response)
	if response == "" {
		return nil, rapport.Feedback{}, invalidField("response", "Type what you would say.")
	}
	if len(response) > 2000 {
		return nil, rapport.Feedback{}, invalidField("response", "Keep it under 2,000 characters.")
	}
	pb, err := db.Playbook(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, rapport.Feedback{}, err
	}
	if e, ok := pb.Find(rapport.EntryObjection, objection); !ok || e.Retired {
		return nil, rapport.Feedback{}, rapport.Errorf(rapport.ENOTFOUND, "No such objection in the playbook.")
	}
	f := rapport.Assess(response)
	var passed []string
	for _, c := range f.Checks {
		if c.Passed {
			passed = append(passed, c.Key)
		}
	}
	a := &DrillAttempt{OrgID: orgID, UserID: userID, Objection: objection, Response: response, Score: f.Score(),
		Passed: strings.Join(passed, ","), CreatedAt: db.now().UTC()}
	if _, err := db.rw.NewInsert().Model(a).Returning("id").Exec(ctx); err != nil {
		return nil, f, err
	}
	return a, f, nil
}

// DrillHistory lists a user's practice, newest first.
func (db *DB) DrillHistory(ctx context.Context, act rapport.Actor, userID int64, limit int) ([]DrillAttempt, error) {
	orgID := act.Org
	if !act.SeesFiguresOf(userID) {
		return nil, rapport.ErrNotFigures
	}
	if err := db.isMember(ctx, act, userID); err != nil {
		return nil, err
	}
	var as []DrillAttempt
	err := db.ro.NewSelect().Model(&as).Where("org_id = ? AND user_id = ?", orgID, userID).
		OrderExpr("created_at DESC, id DESC").Limit(int64(max(limit, 1))).Scan(ctx)
	return as, err
}

// PracticeDays returns when the user practised over the last year, for
// the streak.
func (db *DB) PracticeDays(ctx context.Context, act rapport.Actor, userID int64) ([]time.Time, error) {
	orgID := act.Org
	if !act.SeesFiguresOf(userID) {
		return nil, rapport.ErrNotFigures
	}
	if err := db.isMember(ctx, act, userID); err != nil {
		return nil, err
	}
	var ts []time.Time
	err := db.ro.NewSelect().Model((*DrillAttempt)(nil)).Column("created_at").
		Where("org_id = ? AND user_id = ? AND created_at >= ?", orgID, userID, db.now().UTC().AddDate(-1, 0, 0)).
		Scan(ctx, &ts)
	return ts, err
}

// DrillAssignment is a set of objections a manager asked a user to
// practise.
type DrillAssignment struct {
	bun.BaseModel `bun:"table:drill_assignments"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OrgID         int64     `bun:"org_id"`
	UserID        int64     `bun:"user_id"`
	Objections    string    `bun:"objections"`
	Note          string    `bun:"note"`
	AssignedBy    int64     `bun:"assigned_by"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Keys are the assignment's objection keys in order.
func (a *DrillAssignment) Keys() []string { return strings.Split(a.Objections, ",") }

// AssignDrills asks a user of the organisation to practise objections.
func (db *DB) AssignDrills(ctx context.Context, act rapport.Actor, userID int64, keys []string, note string) (*DrillAssignment, error) {
	orgID, byID := act.Org, act.User
	if !act.Runs() {
		return nil, rapport.ErrNotManager
	}
	if userID <= 0 {
		return nil, invalidField("user", "Choose who should practise.")
	}
	if u, err := db.User(ctx, rapport.Actor{Org: orgID}, userID); err != nil {
		return nil, err
	} else if !u.Active() {
		return nil, invalidField("user", u.DisplayName()+" is disabled.")
	}
	var clean []string
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(clean, k) {
			clean = append(clean, k)
		}
	}
	keys = clean
	if len(keys) == 0 {
		return nil, invalidField("objections", "Choose at least one objection to practise.")
	}
	pb, err := db.Playbook(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if e, ok := pb.Find(rapport.EntryObjection, k); !ok || e.Retired {
			return nil, invalidField("objections", "Choose objections from the playbook.")
		}
	}
	note = strings.TrimSpace(note)
	if len(note) > 500 {
		return nil, invalidField("note", "Keep the note under 500 characters.")
	}
	a := &DrillAssignment{OrgID: orgID, UserID: userID, Objections: strings.Join(keys, ","), Note: note, AssignedBy: byID, CreatedAt: db.now().UTC()}
	_, err = db.rw.NewInsert().Model(a).Returning("id").Exec(ctx)
	return a, err
}

// DrillAssignments lists a user's assignments, newest first.
func (db *DB) DrillAssignments(ctx context.Context, act rapport.Actor, userID int64) ([]DrillAssignment, error) {
	orgID := act.Org
	if !act.SeesFiguresOf(userID) {
		return nil, rapport.ErrNotFigures
	}
	if err := db.isMember(ctx, act, userID); err != nil {
		return nil, err
	}
	var as []DrillAssignment
	err := db.ro.NewSelect().Model(&as).Where("org_id = ? AND user_id = ?", orgID, userID).OrderExpr("created_at DESC, id DESC").Limit(20).Scan(ctx)
	return as, err
}

// isMember reports a not-found error unless userID is the actor or a
// user of the actor's organisation.
func (db *DB) isMember(ctx context.Context, act rapport.Actor, userID int64) error {
	if userID == act.User {
		return nil
	}
	_, err := db.User(ctx, act, userID)
	return err
}
