package store_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

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
		if err := f.db.UpdatePerson(ctx, f.org.ID, f.owner.ID, a); err != nil {
			t.Fatal(err)
		}
		if err := f.db.ArchivePerson(store.WithActor(ctx, f.owner.ID), f.org.ID, b.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := f.db.ArchivePerson(ctx, f.org.ID, b.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.MergePeople(ctx, f.org.ID, f.owner.ID, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		f.log(t, a.ID, store.LogInput{Conversation: call(rapport.OutcomeLive), Facts: []rapport.Fact{{Type: rapport.FactFear, Text: "Stairs"}}})
		facts, _ := f.db.Facts(ctx, f.org.ID, a.ID)
		if err := f.db.DeleteFact(store.WithActor(ctx, f.agent.ID), f.org.ID, a.ID, facts[0].ID); err != nil {
			t.Fatal(err)
		}
		s, err := f.db.BeginImport(ctx, f.org.ID, f.agent.ID, store.ImportOptions{Expected: 1})
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
		log, err := f.db.AuditLog(ctx, f.org.ID, 0, 100)
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
		if theirs, _ := f.db.AuditLog(ctx, other.org.ID, 0, 100); len(theirs) != 1 || theirs[0].Entity != "user" {
			t.Errorf("the other organisation's log = %+v", theirs)
		}
		// Paging back from an entry.
		older, _ := f.db.AuditLog(ctx, f.org.ID, log[1].ID, 100)
		if len(older) != len(log)-2 {
			t.Errorf("older entries = %d of %d", len(older), len(log))
		}
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
