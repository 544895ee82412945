package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestWriterKeepsItsStatements: a write's statements written with
// placeholders are prepared once by the writer's connection and reused;
// one with its values in its text is not kept; the same statement run
// again while its rows are still open runs beside them, unprepared, and
// both read what they should.
func TestWriterKeepsItsStatements(t *testing.T) {
	ctx := t.Context()
	at := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	db := newPlanDB(t, func() time.Time { return at })
	org := &rapport.Org{Name: "Kept Realty", Slug: "kept", Region: "US", TZ: "America/Chicago"}
	owner := &rapport.User{Email: "owner@kept.test", Name: "Owner", Role: rapport.RoleOwner, PasswordHash: "-"}
	if err := db.CreateOrg(ctx, org, owner); err != nil {
		t.Fatal(err)
	}
	act := rapport.Member(org, owner)
	p := &rapport.Person{FirstName: "Kit", Kind: rapport.KindLead, Phones: []rapport.Phone{{Number: "+13125550111"}}}
	if err := db.CreatePerson(ctx, act, p); err != nil {
		t.Fatal(err)
	}
	prepared := func() int64 { return db.today.writes.stmtsPrepared.Load() }
	logCalls := func(n int) {
		t.Helper()
		for i := range n {
			in := &LogInput{Conversation: rapport.Conversation{PersonID: p.ID, Channel: rapport.ChannelCall,
				Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeLive, Notes: fmt.Sprintf("talked about the garden %d", i)},
				Facts: []rapport.Fact{{Type: rapport.FactInterest, Text: fmt.Sprintf("roses %d", i)}}, Loc: time.UTC}
			if _, err := db.LogConversation(ctx, act, in); err != nil {
				t.Fatal(err)
			}
		}
	}
	logCalls(3)
	warm := prepared()
	if warm == 0 {
		t.Fatal("the writer kept no statement")
	}
	logCalls(20)
	if more := prepared() - warm; more != 0 {
		t.Errorf("20 more calls logged prepared %d more statements", more)
	}
	// What the calls wrote was searched for: the search document was
	// rebuilt by the kept statements.
	page, err := db.ListPeople(ctx, act, PeopleFilter{Query: "roses 19"})
	if err != nil || len(page.People) != 1 {
		t.Fatalf("search after the calls: %+v %v", page, err)
	}

	before := prepared()
	const text = "SELECT text FROM facts WHERE org_id = ? AND person_id = ? ORDER BY id DESC"
	if err := db.tx(ctx, func(tx bun.Tx) error {
		// A statement with its values in its text is run, not kept.
		if _, err := tx.Tx.ExecContext(ctx, fmt.Sprintf("UPDATE people SET notes = 'seen at %d' WHERE id = %d", at.Unix(), p.ID)); err != nil {
			return err
		}
		outer, err := tx.Tx.QueryContext(ctx, text, org.ID, p.ID)
		if err != nil {
			return err
		}
		defer outer.Close()
		n := 0
		for outer.Next() {
			var s string
			if err := outer.Scan(&s); err != nil {
				return err
			}
			// The same text again, its first rows still open.
			inner, err := db.texts(ctx, tx, text, org.ID, p.ID)
			if err != nil {
				return err
			}
			if len(inner) != 23 {
				return fmt.Errorf("inner read %d facts, want 23", len(inner))
			}
			n++
		}
		if n != 23 {
			return fmt.Errorf("outer read %d facts, want 23", n)
		}
		return outer.Close()
	}); err != nil {
		t.Fatal(err)
	}
	if got := prepared() - before; got != 1 {
		t.Errorf("prepared %d statements, want 1 (the facts newest first, once)", got)
	}
}

// TestBoundWritesStoreWhatBunWould: a write with placeholders stores the
// same bytes as bun's, which writes the values into its text — SQLite
// keeps times as text, so a time bound in another format would sort and
// compare apart from every other. recordActivity's update against bun's
// update of the same values, a zero time (NULL) and a flag included.
func TestBoundWritesStoreWhatBunWould(t *testing.T) {
	ctx := t.Context()
	at := time.Date(2026, 11, 24, 15, 0, 0, 123456789, time.FixedZone("CST", -6*3600))
	db := newPlanDB(t, func() time.Time { return at })
	org := &rapport.Org{Name: "Bytes Realty", Slug: "bytes", Region: "US", TZ: "America/Chicago"}
	owner := &rapport.User{Email: "owner@bytes.test", Name: "Owner", Role: rapport.RoleOwner, PasswordHash: "-"}
	if err := db.CreateOrg(ctx, org, owner); err != nil {
		t.Fatal(err)
	}
	act := rapport.Member(org, owner)
	a, b := &rapport.Person{FirstName: "Bound", Kind: rapport.KindLead}, &rapport.Person{FirstName: "Bun", Kind: rapport.KindLead}
	for _, p := range []*rapport.Person{a, b} {
		if err := db.CreatePerson(ctx, act, p); err != nil {
			t.Fatal(err)
		}
	}
	c := &rapport.Conversation{OccurredAt: at, Direction: rapport.DirectionOutbound, Live: true, Outcome: rapport.OutcomeDoNotCall}
	if err := db.tx(ctx, func(tx bun.Tx) error {
		if err := db.recordActivity(ctx, tx, a, c); err != nil {
			return err
		}
		b.FirstAttemptAt, b.LastAttemptAt, b.LastLiveAt, b.LastTouchAt, b.TouchDueAt, b.DoNotCall, b.UpdatedAt, b.Version =
			a.FirstAttemptAt, a.LastAttemptAt, a.LastLiveAt, a.LastTouchAt, a.TouchDueAt, a.DoNotCall, a.UpdatedAt, a.Version
		_, err := tx.NewUpdate().Model(b).Column("first_attempt_at", "last_attempt_at", "last_live_at", "last_touch_at",
			"touch_due_at", "do_not_call", "updated_at", "version").Where("org_id = ? AND id = ?", b.OrgID, b.ID).Exec(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	stored := func(id int64) string {
		t.Helper()
		var s string
		if err := db.rw.DB.QueryRowContext(ctx, `SELECT quote(first_attempt_at) || ' ' || quote(last_attempt_at) || ' ' ||
			quote(last_live_at) || ' ' || quote(last_touch_at) || ' ' || quote(touch_due_at) || ' ' || quote(do_not_call) || ' ' ||
			quote(updated_at) || ' ' || quote(version) FROM people WHERE id = ?`, id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if bound, bunned := stored(a.ID), stored(b.ID); bound != bunned {
		t.Errorf("bound write stored\n  %s\nbun's stored\n  %s", bound, bunned)
	}
}
