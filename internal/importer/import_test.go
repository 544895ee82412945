package importer_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var (
	ctx = context.Background()
	now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
)

type fixture struct {
	db    *store.DB
	org   *rapport.Org
	owner *rapport.User
	agent *rapport.User
}

func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	storetest.Each(t, func() time.Time { return now }, func(t *testing.T, db *store.DB) {
		f := &fixture{db: db, org: &rapport.Org{Name: "Acme", Slug: "acme", Region: "US", TZ: "America/Chicago"}}
		f.owner = &rapport.User{Email: "owner@acme.test", Name: "Olive Owner", Role: rapport.RoleOwner, PasswordHash: "x"}
		if err := db.CreateOrg(ctx, f.org, f.owner); err != nil {
			t.Fatal(err)
		}
		f.agent = &rapport.User{OrgID: f.org.ID, Email: "agent@acme.test", Name: "Alex Agent", Role: rapport.RoleAgent, PasswordHash: "x"}
		if err := db.CreateUser(ctx, rapport.Actor{Org: f.agent.OrgID}, f.agent); err != nil {
			t.Fatal(err)
		}
		fn(t, f)
	})
}

func (f *fixture) run(t *testing.T, file string, opts importer.Options) *importer.Report {
	t.Helper()
	opts.Region, opts.Now = "US", now
	if opts.OwnerID == 0 {
		opts.OwnerID = f.agent.ID
	}
	rep, err := importer.Import(ctx, f.db, f.org.ID, f.owner.ID, strings.NewReader(file), opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func (f *fixture) find(t *testing.T, q string) []rapport.Person {
	t.Helper()
	for {
		// Imported people are indexed for search in the background.
		n, err := f.db.IndexBacklog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: q, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []rapport.Person
	for _, p := range page.People {
		full, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		out = append(out, *full)
	}
	return out
}

func TestGoogleContacts(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		file := "\uFEFFName,Given Name,Family Name,Birthday,Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Address 1 - Street,Address 1 - City,Address 1 - Region,Address 1 - Postal Code\r\n" +
			"Maria Lopez,Maria,Lopez,1984-11-23,\"Met at the open house.\r\nLoves sailing.\",* myContacts ::: Buyers,* Home,maria@example.com ::: m.lopez@work.example,Mobile,(312) 555-0142 ::: 312.555.0143,Work,+1 312 555 0199,9 Elm St,Evanston,IL,60201\r\n" +
			",,,,,,,,,,,,,,,\r\n" +
			"Dana Reyes,Dana,Reyes,--03-14,,* myContacts,,,Mobile,(773) 555-0100,,,,,,\r\n"
		rep := f.run(t, file, importer.Options{})
		if rep.Preset != "google" || rep.Rows != 2 || rep.Created != 2 || rep.Skipped != 0 || len(rep.Errors) != 0 {
			t.Fatalf("report = %+v", rep)
		}
		got := f.find(t, "maria")
		if len(got) != 1 {
			t.Fatalf("found %d", len(got))
		}
		m := got[0]
		if m.Kind != rapport.KindSphere || len(m.Emails) != 2 || m.Emails[0].Label != "home" || len(m.Phones) != 3 || m.Phones[0].Label != "mobile" ||
			m.Phones[2].Label != "work" || m.Birthday.String() != "1984-11-23" || m.City != "Evanston" || fmt.Sprint(m.Tags) != "[Buyers]" ||
			m.Notes != "Met at the open house.\nLoves sailing." || m.OwnerID != f.agent.ID {
			t.Errorf("maria = %+v", m)
		}
		if d := f.find(t, "dana"); len(d) != 1 || d[0].Birthday.String() != "03-14" {
			t.Errorf("dana = %+v", d)
		}
	})
}

func TestMessyGenericFile(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		// Someone already in Rapport, whom the file must not duplicate or overwrite.
		old := &rapport.Person{FirstName: "Sam", LastName: "Carter", Kind: rapport.KindClient, Source: "Referral", OwnerID: f.owner.ID,
			Phones: []rapport.Phone{{Number: "+13125550177"}}}
		if err := f.db.CreatePerson(ctx, rapport.Member(f.org, f.owner), old); err != nil {
			t.Fatal(err)
		}
		rows := []string{
			"Full Name\tE-mail\tMobile\tHome Phone\tWork Phone\tSource\tTags\tStatus\tAssigned To\tBirthday\tNotes",
			"José Nuñez\tJOSE@Example.com\t(312) 555-0101\t312.555.0102\t+1 312 555 0103\tZillow\tbuyer; first-time\tAttempting\tagent@acme.test\t11/23/1984\tWants a \"big\" kitchen",
			"\t\t\t\t\t\t\t\t\t\t",
			"Carter, Sam\tsam@carter.example\t312-555-0177\t\t\tWebsite\tseller\t\t\t\t",
			"Jose Nunez\tjose@example.com\t555-01\t\t\t\t\tNo Such Stage\tnobody@acme.test\tsomeday\t",
			"\t\t\t\t\t\t\t\t\t\t",
			"\tghost@\tcall me\t\t\t\t\t\t\t\t",
		}
		var buf bytes.Buffer
		w := charmap.Windows1252.NewEncoder().Writer(&buf)
		fmt.Fprint(w, strings.Join(rows, "\r\n")+"\r\n")
		rep := f.run(t, buf.String(), importer.Options{Source: "Spring list"})
		if rep.Rows != 4 || rep.Created != 1 || rep.Updated != 1 || rep.Merged != 1 || rep.Skipped != 1 {
			t.Fatalf("report = %+v", rep)
		}
		want := map[string]bool{
			`5|Mobile|"555-01" is not a valid phone number — kept as imported`:    false,
			`5|Birthday|"someday" is not a date we can read — kept as imported`:   false,
			`7|E-mail|"ghost@" is not an email address — not imported`:            false,
			`7|Mobile|"call me" is not a phone number we can read — not imported`: false,
			`7||no name, email, phone or MLS id — row skipped`:                    false,
		}
		for _, p := range rep.Errors {
			key := fmt.Sprintf("%d|%s|%s", p.Line, p.Column, p.Reason)
			if _, ok := want[key]; ok {
				want[key] = true
			}
		}
		for k, seen := range want {
			if !seen {
				t.Errorf("missing problem %s in %+v", k, rep.Errors)
			}
		}
		jose := f.find(t, "nunez")
		if len(jose) != 1 {
			t.Fatalf("José found %d times", len(jose))
		}
		j := jose[0]
		if j.FirstName != "José" || j.LastName != "Nuñez" || len(j.Phones) != 3 || j.Phones[1].Label != "home" || j.Source != "Zillow" ||
			j.Stage == nil || j.Stage.Key != rapport.StageAttempting || j.OwnerID != f.agent.ID || j.Notes != `Wants a "big" kitchen` {
			t.Errorf("josé = %+v (stage %+v)", j, j.Stage)
		}
		sam, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, old.ID)
		if sam.Source != "Referral" || sam.Kind != rapport.KindClient || len(sam.Emails) != 1 || sam.OwnerID != f.owner.ID || fmt.Sprint(sam.Tags) != "[seller]" {
			t.Errorf("sam after merge = %+v", sam)
		}
		page, _ := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Limit: 50})
		if len(page.People) != 2 {
			t.Errorf("%d people, want 2", len(page.People))
		}
	})
}

func TestRosterAndProductionReport(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		roster := "MemberMlsId;MemberFirstName;MemberLastName;MemberEmail;MemberMobilePhone;MemberOfficePhone;MemberStateLicense;OfficeMlsId;OfficeName\n" +
			"A100;Pat;Quinn;pat@summit.example;(312) 555-0111;(312) 555-0900;475.123;O1;Summit Realty\n" +
			"A200;Lee;Wong;lee@north.example;;(312) 555-0900;475.456;O2;North Shore Properties\n"
		rep := f.run(t, roster, importer.Options{})
		if rep.Preset != "reso" || rep.Created != 2 {
			t.Fatalf("roster = %+v", rep)
		}
		report := "Rank,Agent,MLS ID,Office,List Units,Sell Units,Total Units,Total Volume,Average Price\n" +
			"1,Pat Quinn,A100,Summit Realty - Lincoln Park,20,22,42,\"$18,450,000\",\"$439,285\"\n" +
			"2,\"Wong, Lee\",A200,North Shore - Evanston,10,5,,\"$6.2M\",\n" +
			"3,Nia Brooks,A300,Summit Realty - Lincoln Park,3,4,7,\"$2,100,000\",\"$300,000\"\n"
		rep = f.run(t, report, importer.Options{})
		if rep.Preset != "production" || rep.Created != 1 || rep.Updated != 2 {
			t.Fatalf("production = %+v", rep)
		}
		pat := f.find(t, "quinn")
		if len(pat) != 1 || pat[0].Kind != rapport.KindRecruit || pat[0].MLSID != "A100" || pat[0].Units12m != 42 || pat[0].Volume12m != 18_450_000 ||
			pat[0].Brokerage != "Summit Realty" || pat[0].Office != "Summit Realty - Lincoln Park" || len(pat[0].Phones) != 2 {
			t.Errorf("pat = %+v", pat)
		}
		lee := f.find(t, "wong")
		if len(lee) != 1 || lee[0].FirstName != "Lee" || lee[0].Units12m != 15 || lee[0].Volume12m != 6_200_000 {
			t.Errorf("lee = %+v", lee)
		}
	})
}

func TestDryRunAndReferredBy(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		giver := &rapport.Person{FirstName: "Dana", LastName: "Giver", Kind: rapport.KindSphere}
		f.db.CreatePerson(ctx, rapport.Member(f.org, f.owner), giver)
		file := "First Name,Last Name,Email\nAnn,One,ann@example.com\nBob,Two,bob@example.com\nAnn,Again,ANN@example.com\n"
		rep := f.run(t, file, importer.Options{DryRun: true, ReferredByID: giver.ID})
		if rep.Created != 2 || rep.Merged != 1 || !rep.DryRun {
			t.Fatalf("dry run = %+v", rep)
		}
		if got := f.find(t, "example"); len(got) != 0 {
			t.Fatalf("a dry run wrote %d people", len(got))
		}
		rep = f.run(t, file, importer.Options{ReferredByID: giver.ID})
		if rep.Created != 2 || rep.Merged != 1 {
			t.Fatalf("import = %+v", rep)
		}
		refs, _ := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{ReferredByID: giver.ID})
		if len(refs.People) != 2 {
			t.Errorf("%d people link to the giver, want 2", len(refs.People))
		}
		// Importing the same file again creates no one, whether the
		// existing contacts are looked up a batch at a time or loaded first.
		for _, expected := range []int{0, 1000} {
			rep = f.run(t, file, importer.Options{Expected: expected})
			if rep.Created != 0 || rep.Merged != 3 {
				t.Errorf("re-import (expected %d) = %+v", expected, rep)
			}
		}
	})
}

func TestUnusableFiles(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		for file, want := range map[string]string{
			"":                                    "empty",
			"Colour,Size\nred,large\n":            "No column holds a name",
			"Name,Email\n\"Ann,ann@example.com\n": "",
		} {
			_, err := importer.Import(ctx, f.db, f.org.ID, f.owner.ID, strings.NewReader(file), importer.Options{Region: "US"})
			if want == "" {
				continue
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%q: err = %v, want %q", file, err, want)
			}
		}
		_, err := importer.Import(ctx, f.db, f.org.ID, f.owner.ID, strings.NewReader("Name\nAnn\n"), importer.Options{Region: "US", Preset: "salesforce"})
		if rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("unknown preset: %v", err)
		}
	})
}

// TestFilesOutOfBounds: a file with thousands of columns, or a row of
// megabytes, is refused at once with its line, before any work grows
// with it.
func TestFilesOutOfBounds(t *testing.T) {
	wide := strings.Repeat("a,", 200000) + "a\n" + strings.Repeat("1,", 200000) + "1\n"
	start := time.Now()
	_, err := importer.NewReader(strings.NewReader(wide))
	if err == nil || !strings.Contains(err.Error(), "line 1: 200001 columns") {
		t.Errorf("200,001 columns: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Logf("refusing took %v", d)
	}
	rd, err := importer.NewReader(strings.NewReader("Name,Notes\nAnn,\"" + strings.Repeat("x", 60000) + "\"\n" +
		"Bob,ok\n" + strings.Repeat("y,", 600) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	rd.Next()
	rd.Next()
	if _, err := rd.Next(); err == nil || !strings.Contains(err.Error(), "line 4: 601 columns") {
		t.Errorf("a wide row: %v", err)
	}
}
