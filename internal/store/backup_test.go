package store_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestBackupRoundTrip backs up the demo brokerage and a second
// organisation, restores into a new database, and backs that up again:
// the two backups hold the same rows, to the last one. The restored
// database searches, signs in and takes new rows; a restore into a
// database that is not empty, or of a damaged file, writes nothing. An
// organisation's export round-trips the same way.
func TestBackupRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			src := b.Open(t, clock)
			org, err := demo.Seed(ctx, src, now, "hash")
			if err != nil {
				t.Fatal(err)
			}
			other := newFixture(t, src, storetest.NewClock(now), "second")
			f := &fixture{db: src, org: other.org, owner: other.owner, agent: other.agent, clock: storetest.NewClock(now)}
			f.person(t, rapport.Person{FirstName: "Zoë", LastName: "Ünicode", Notes: "Line one\nline \"two\"", Phones: []rapport.Phone{{Number: "+13125550199"}}})

			var first bytes.Buffer
			st, err := src.Backup(ctx, &first)
			if err != nil {
				t.Fatal(err)
			}
			if st.Tables != 30 || st.Rows < 2000 {
				t.Errorf("backup stats = %+v", st)
			}
			dst := b.Open(t, clock)
			got, err := dst.Restore(ctx, bytes.NewReader(first.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if got != st {
				t.Errorf("restored %+v, backed up %+v", got, st)
			}
			var second bytes.Buffer
			if _, err := dst.Backup(ctx, &second); err != nil {
				t.Fatal(err)
			}
			a, c := gunzip(t, first.Bytes()), gunzip(t, second.Bytes())
			if a != c {
				al, cl := strings.Split(a, "\n"), strings.Split(c, "\n")
				for i := range min(len(al), len(cl)) {
					if al[i] != cl[i] {
						t.Fatalf("backups differ at line %d:\n%s\n%s", i+1, al[i], cl[i])
					}
				}
				t.Fatalf("backups differ in length: %d and %d lines", len(al), len(cl))
			}
			// The copy works: search, users, new rows after the old ids.
			page, err := dst.ListPeople(ctx, rapport.Actor{Org: other.org.ID}, store.PeopleFilter{Query: "zoë"})
			if err != nil || len(page.People) != 1 {
				t.Errorf("search in the copy: %+v %v", page, err)
			}
			if u, err := dst.MemberByEmail(ctx, rapport.Actor{Org: org.ID}, demo.OwnerEmail); err != nil || u.PasswordHash != "hash" || u.OrgID != org.ID {
				t.Errorf("owner in the copy: %+v %v", u, err)
			}
			p := &rapport.Person{FirstName: "After", Kind: rapport.KindLead}
			if err := dst.CreatePerson(ctx, rapport.Actor{Org: org.ID, User: 0}, p); err != nil {
				t.Fatalf("a new person in the copy: %v", err)
			}
			// Not into a database with data; not from a damaged file.
			if _, err := dst.Restore(ctx, bytes.NewReader(first.Bytes())); rapport.ErrorCode(err) != rapport.ECONFLICT {
				t.Errorf("restore into a used database: %v", err)
			}
			empty := b.Open(t, clock)
			plain := gunzip(t, first.Bytes())
			if _, err := empty.Restore(ctx, strings.NewReader(plain[:len(plain)*2/3])); err == nil {
				t.Error("a truncated backup restored")
			}
			if n, _ := empty.Users(ctx, rapport.Actor{Org: org.ID}); len(n) != 0 {
				t.Errorf("a failed restore left %d users", len(n))
			}
			if _, err := empty.Restore(ctx, strings.NewReader("{\"format\":\"something else\"}\n")); rapport.ErrorCode(err) != rapport.EINVALID {
				t.Errorf("not a backup: %v", err)
			}

			// An organisation's export into a fresh database.
			var export bytes.Buffer
			est, err := src.ExportOrg(ctx, "second", &export)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(export.String(), "Lakeshore") || !strings.Contains(export.String(), "Ünicode") {
				t.Error("the export holds another organisation's data or lacks its own")
			}
			fresh := b.Open(t, clock)
			if _, err := fresh.Restore(ctx, bytes.NewReader(export.Bytes())); err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			if st2, err := fresh.ExportOrg(ctx, "second", &again); err != nil || st2 != est {
				t.Fatalf("export of the copy: %+v %v (was %+v)", st2, err, est)
			}
			if export.String() != again.String() {
				t.Error("the export of the restored organisation differs")
			}
			sc := bufio.NewScanner(&export)
			sc.Scan()
			if !strings.Contains(sc.Text(), `"org":"second"`) {
				t.Errorf("export header = %s", sc.Text())
			}
		})
	}
}
