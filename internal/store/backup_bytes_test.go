package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// backupAndRestore backs up src and restores it into a fresh database of
// the same kind.
func backupAndRestore(t *testing.T, src *store.DB, open func(testing.TB, func() time.Time) *store.DB, now func() time.Time) *store.DB {
	t.Helper()
	var buf bytes.Buffer
	if _, err := src.Backup(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	dst := open(t, now)
	if _, err := dst.Restore(ctx, &buf); err != nil {
		t.Fatalf("restore: %v", err)
	}
	return dst
}

// TestBackupKeepsEveryByte: whatever a column holds — a NUL byte and other
// control characters an older version let in, quotes, backslashes — a
// backup restores it exactly, and the restored person can be changed.
func TestBackupKeepsEveryByte(t *testing.T) {
	now := func() time.Time { return time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) }
	src := storetest.OpenSQLite(t, now) // PostgreSQL cannot hold a NUL at all
	f := newFixture(t, src, storetest.NewClock(now()), "bytes")
	p := f.person(t, rapport.Person{FirstName: "Nul", LastName: "Byte"})
	odd := "a\x00b\x01c 'quoted' \"double\" \\back\\ \u2028 \x7f ; DROP TABLE people; --"
	if err := src.SetNotesRaw(ctx, rapport.Actor{Org: f.org.ID}, p.ID, odd); err != nil {
		t.Fatal(err)
	}
	dst := backupAndRestore(t, src, storetest.OpenSQLite, now)
	got, err := dst.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Notes != odd {
		t.Fatalf("notes came back %q, want %q", got.Notes, odd)
	}
	got.Notes = "clean now"
	if err := dst.UpdatePerson(ctx, rapport.Member(f.org, f.owner), got); err != nil {
		t.Fatalf("changing the restored person: %v", err)
	}
}

// FuzzBackupRoundTrip: any text given to a person goes through create,
// backup and restore unchanged from what was stored.
func FuzzBackupRoundTrip(f *testing.F) {
	f.Add("Zoë", "O'Brien", "notes\nwith 'quotes' and \\", "Chicago", "Buyer")
	f.Add("a\x00b", "\x1b[31m", "\xff\xfe", "", "\x00")
	f.Add("", "Only", "--", "'; DROP TABLE people; --", "tag, with comma")
	now := func() time.Time { return time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, first, last, notes, city, tag string) {
		src := storetest.OpenSQLite(t, now)
		fx := newFixture(t, src, storetest.NewClock(now()), "fuzz")
		p := &rapport.Person{FirstName: first, LastName: last, Notes: notes, City: city, Tags: []string{tag}, Kind: rapport.KindLead}
		if err := src.CreatePerson(ctx, rapport.Member(fx.org, fx.owner), p); err != nil {
			return // refused as a person: nothing stored
		}
		stored, err := src.Person(ctx, rapport.Actor{Org: fx.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		dst := backupAndRestore(t, src, storetest.OpenSQLite, now)
		got, err := dst.Person(ctx, rapport.Actor{Org: fx.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FirstName != stored.FirstName || got.LastName != stored.LastName || got.Notes != stored.Notes || got.City != stored.City ||
			len(got.Tags) != len(stored.Tags) || len(got.Tags) > 0 && got.Tags[0] != stored.Tags[0] {
			t.Fatalf("stored %q %q %q %q %q, restored %q %q %q %q %q", stored.FirstName, stored.LastName, stored.Notes, stored.City, stored.Tags,
				got.FirstName, got.LastName, got.Notes, got.City, got.Tags)
		}
	})
}

// TestSQLitePathWithHash: a database in a directory whose name holds a
// "#" or a "%" is that file, not another one cut at the "#".
func TestSQLitePathWithHash(t *testing.T) {
	dir := t.TempDir()
	now := func() time.Time { return time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) }
	var dbs []*store.DB
	for _, name := range []string{"a#1", "a#2", "b%41"} {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(ctx, store.Options{URL: filepath.Join(dir, name, "rapport.db"), Now: now})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		dbs = append(dbs, db)
	}
	newFixture(t, dbs[0], storetest.NewClock(now()), "first")
	newFixture(t, dbs[1], storetest.NewClock(now()), "first") // the same slug: a database of its own
	for _, name := range []string{"a#1", "a#2", "b%41"} {
		if _, err := os.Stat(filepath.Join(dir, name, "rapport.db")); err != nil {
			t.Errorf("no database file in %s: %v", name, err)
		}
	}
}
