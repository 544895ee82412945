package store_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestAuditLog: creating, changing, archiving, merging, importing,
// deleting and exporting are logged with who did it, in the
// organisation's own log only; an actor can come from the context.
func TestAuditLog(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		other := newFixture(t, f.db, f.clock, "other")
		a := f.person(t, rapport.Person{FirstName: "Ana", Emails: []rapport.Email{{Address: "ana@x.test"}}})
		b := f.person(t, rapport.Person{FirstName: "Anna", Emails: []rapport.Email{{Address: "anna@x.test"}}})
		a.Notes = "Changed"
		if err := f.db.UpdatePerson(ctx, rapport.Member(f.org, f.owner), a); err != nil {
			t.Fatal(err)
		}
		if err := f.db.ArchivePerson(ctx, rapport.Member(f.org, f.owner), b.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.db.ArchivePerson(ctx, rapport.Actor{Org: f.org.ID}, b.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.MergePeople(ctx, rapport.Member(f.org, f.owner), a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		f.log(t, a.ID, store.LogInput{Conversation: call(rapport.OutcomeLive), Facts: []rapport.Fact{{Type: rapport.FactFear, Text: "Stairs"}}})
		facts, _ := f.db.Facts(ctx, rapport.Actor{Org: f.org.ID}, a.ID)
		if err := f.db.DeleteFact(ctx, rapport.Member(f.org, f.agent), a.ID, facts[0].ID); err != nil {
			t.Fatal(err)
		}
		s, err := f.db.BeginImport(ctx, rapport.Member(f.org, f.agent), store.ImportOptions{Expected: 1})
		if err != nil {
			t.Fatal(err)
		}
		s.Add(importRows(0, 2))
		if _, err := s.Finish(); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := f.db.ExportOrg(ctx, f.org.Slug, &buf); err != nil {
			t.Fatal(err)
		}
		log, err := f.db.AuditLog(ctx, rapport.Actor{Org: f.org.ID}, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(log) - 1; i >= 0; i-- {
			e := log[i]
			if e.Entity == "user" {
				continue // the fixture's agent
			}
			got = append(got, e.Action+" "+e.Entity+" by "+e.UserName+": "+e.Summary)
		}
		want := []string{
			"create person by Alex Agent: Ana",
			"create person by Alex Agent: Anna",
			"update person by Olive Owner: Ana",
			"archive person by Olive Owner: ",
			"restore person by : ",
			"merge person by Olive Owner: #" + itoa64(b.ID) + " Anna merged into it",
			"delete fact by Alex Agent: of person #" + itoa64(a.ID),
			"import people by Alex Agent: 2 new, 0 updated, 0 merged, 0 rejected",
		}
		if strings.Join(got[:len(want)], "\n") != strings.Join(want, "\n") || !strings.HasPrefix(got[len(got)-1], "export organisation by : all its data") {
			t.Errorf("audit log:\n%s", strings.Join(got, "\n"))
		}
		if theirs, _ := f.db.AuditLog(ctx, rapport.Actor{Org: other.org.ID}, 0, 100); len(theirs) != 1 || theirs[0].Entity != "user" {
			t.Errorf("the other organisation's log = %+v", theirs)
		}
		// Paging back from an entry.
		older, _ := f.db.AuditLog(ctx, rapport.Actor{Org: f.org.ID}, log[1].ID, 100)
		if len(older) != len(log)-2 {
			t.Errorf("older entries = %d of %d", len(older), len(log))
		}
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestAuditPage pages through the log newest first, and stops.
func TestAuditPage(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for i := range 5 {
			if err := f.db.Audit(ctx, rapport.Member(f.org, f.owner), store.AuditExport, "person", int64(i+1), "vCard"); err != nil {
				t.Fatal(err)
			}
		}
		all, _ := f.db.AuditLog(ctx, rapport.Actor{Org: f.org.ID}, 0, 100) // the five and the fixture's agent
		var seen []int64
		before := int64(0)
		for range 10 {
			es, next, err := f.db.AuditPage(ctx, rapport.Actor{Org: f.org.ID}, before, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range es {
				seen = append(seen, e.ID)
			}
			if next == 0 {
				break
			}
			before = next
		}
		if len(seen) != len(all) || len(all) != 6 {
			t.Fatalf("paged %v of %d", seen, len(all))
		}
		for i := range all {
			if seen[i] != all[i].ID || i > 0 && seen[i] >= seen[i-1] {
				t.Fatalf("paged out of order: %v", seen)
			}
		}
	})
}

// TestSignOutEverywhere ends every session of one user, and only theirs,
// in the audit log.
func TestSignOutEverywhere(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		now := f.clock.Now().UTC()
		sessions := map[string]int64{"a1": f.agent.ID, "a2": f.agent.ID, "o1": f.owner.ID}
		for id, user := range sessions {
			if err := f.db.CreateSession(ctx, &store.Session{ID: id, OrgID: f.org.ID, UserID: user, CreatedAt: now,
				LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := f.db.DeleteUserSessions(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID)
		if err != nil || n != 2 {
			t.Fatalf("ended %d, %v", n, err)
		}
		for id, user := range sessions {
			_, _, _, err := f.db.SessionUser(ctx, id)
			if ended := rapport.ErrorCode(err) == rapport.ENOTFOUND; ended != (user == f.agent.ID) {
				t.Errorf("session %s: %v", id, err)
			}
		}
		log, _ := f.db.AuditLog(ctx, rapport.Actor{Org: f.org.ID}, 0, 1)
		if e := log[0]; e.Action != store.AuditSignOut || e.UserID != f.agent.ID || e.EntityID != f.agent.ID {
			t.Errorf("audit entry %+v", e)
		}
	})
}

// TestVisibilityChangeIsAudited: who changed who sees whose people.
func TestVisibilityChangeIsAudited(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.org.Visibility = rapport.VisibilityOwn
		if err := f.db.UpdateOrg(ctx, rapport.Member(f.org, f.owner), f.org); err != nil {
			t.Fatal(err)
		}
		log, _ := f.db.AuditLog(ctx, rapport.Actor{Org: f.org.ID}, 0, 1)
		if len(log) != 1 || log[0].Entity != "organisation" || log[0].UserName != "Olive Owner" || log[0].Summary != "visibility all → own" {
			t.Errorf("audit = %+v", log)
		}
	})
}
