package store

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

func TestDollarPlaceholders(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":        "SELECT 1",
		"a = ? AND b > ?": "a = $1 AND b > $2",
		`x = '?' AND "we?ird" = ? AND y = 'it''s?'`: `x = '?' AND "we?ird" = $1 AND y = 'it''s?'`,
		"a = ?2 AND b = ?1 AND c = ?12":             "a = $2 AND b = $1 AND c = $12",
		"x = '?3' AND y = ?3":                       "x = '?3' AND y = $3",
	} {
		if got := dollarPlaceholders(in); got != want {
			t.Errorf("dollarPlaceholders(%q) = %q, want %q", in, got, want)
		}
	}
}

// An id list goes to SQLite as one JSON array and to PostgreSQL as an
// array; the caller's values are left as they were.
func TestBindArgsIDLists(t *testing.T) {
	args := []any{int64(7), idList{3, 1, 2}}
	got := (&DB{dialect: SQLite}).bindArgs(args)
	if got[0] != int64(7) || got[1] != "[3,1,2]" {
		t.Errorf("SQLite: %#v", got)
	}
	if _, ok := args[1].(idList); !ok {
		t.Errorf("the caller's list was replaced: %#v", args)
	}
	got = (&DB{dialect: Postgres}).bindArgs(args)
	if l, ok := got[1].([]int64); !ok || len(l) != 3 || l[0] != 3 {
		t.Errorf("PostgreSQL: %#v", got)
	}
	if got := (&DB{dialect: SQLite}).bindArgs([]any{idList{}}); got[0] != "[]" {
		t.Errorf("empty list: %#v", got)
	}
}

// The reads of many people by an id list look each one up, by primary key
// or through an index that leads with the person, on a new database
// without statistics — never through the organisation's whole book.
func TestIDListReadsLookUpEachID(t *testing.T) {
	ctx := t.Context()
	db := newPlanDB(t, time.Now)
	for name, c := range map[string]struct {
		h    *hotRead
		args []any
		want string
	}{
		"people":  {readPeopleOf, []any{1, "[1,2]"}, "INTEGER PRIMARY KEY"},
		"names":   {readNamesOf, []any{1, "[1,2]"}, "INTEGER PRIMARY KEY"},
		"today":   {readTodayOf, []any{1, "[1,2]"}, "INTEGER PRIMARY KEY"},
		"phones":  {readPhonesOf, []any{1, "[1,2]"}, "person_id=?"},
		"emails":  {readEmailsOf, []any{1, "[1,2]"}, "person_id=?"},
		"tags":    {readTagsOf, []any{1, "[1,2]"}, "person_id=?"},
		"phones1": {readPhones, []any{1, 1}, "person_id=?"},
		"tags1":   {readTags, []any{1, 1}, "person_id=?"},
		"touches": {readTouchesOf, []any{1, "[1,2]", "2026-01-01"}, "person_id=?"},
		"facts":   {readFactsOf, []any{1, "[1,2]"}, "person_id=?"},
		"promise": {readPromisesOf, []any{1, "[1,2]"}, "person_id=?"},
		"convs":   {readConversationsByID, []any{1, "[1,2]"}, "id=?)"},
		"events":  {readEventsByID, []any{1, "[1,2]"}, "id=?)"},
		"latestc": {readLatestConversations, []any{1, "[1,2]"}, "person_id=?"},
		"lateste": {readLatestEvents, []any{1, "[1,2]"}, "person_id=?"},
	} {
		plan := explain(ctx, t, db, c.h.sql(db), c.args)
		all := strings.Join(plan, "; ")
		if !strings.Contains(all, c.want) {
			t.Errorf("%s: plan %q does not use %s", name, all, c.want)
		}
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") && !strings.HasPrefix(step, "SCAN json_each") {
				t.Errorf("%s: plan %q scans", name, all)
			}
		}
	}
}

// The reads built per call — Today's (its sources, the follow-ups, the
// dated facts, the referrers' thanks, who came back) and the person
// page's — are sent with their values bound: each of Today's texts is the
// same for every user, every day and every size of Today; every value has
// its place in the text and every place its value; and on a new database
// without statistics no read scans a table.
func TestBoundReads(t *testing.T) {
	ctx := t.Context()
	at := time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)
	db := newPlanDB(t, func() time.Time { return at })
	org := &rapport.Org{Name: "Plan Realty", Slug: "plan", Region: "US", TZ: "America/Chicago", Visibility: rapport.VisibilityOwn}
	owner := &rapport.User{Email: "owner@plan.test", Name: "Owner", Role: rapport.RoleOwner, PasswordHash: "-"}
	if err := db.CreateOrg(ctx, org, owner); err != nil {
		t.Fatal(err)
	}
	agent := &rapport.User{OrgID: org.ID, Email: "agent@plan.test", Name: "Agent", Role: rapport.RoleAgent, PasswordHash: "-"}
	if err := db.CreateUser(ctx, rapport.Actor{Org: org.ID}, agent); err != nil {
		t.Fatal(err)
	}
	act := rapport.Member(org, agent)
	office := &rapport.Company{Kind: rapport.CompanyOffice, Name: "Lincoln Park"}
	if err := db.CreateCompany(ctx, rapport.Actor{Org: org.ID}, office); err != nil {
		t.Fatal(err)
	}
	if err := db.AddSignal(ctx, rapport.Member(org, owner), &rapport.Signal{CompanyID: office.ID, On: rapport.DayOf(at, org.Location()).AddDays(-1), Title: "News"}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*rapport.Person{
		{FirstName: "Lead", Kind: rapport.KindLead},
		{FirstName: "Dana", Kind: rapport.KindRecruit, CompanyID: office.ID, Volume12m: 3_000_000},
		{FirstName: "Big", Kind: rapport.KindRecruit, Volume12m: 9_000_000},
	} {
		if err := db.CreatePerson(ctx, act, p); err != nil {
			t.Fatal(err)
		}
	}
	var reads []sentRead
	db.sawBound = func(text string, args []any) { reads = append(reads, sentRead{text, args}) }
	texts := func() []string {
		reads = nil
		if _, err := db.TodayList(ctx, act, at); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range reads {
			out = append(out, r.text)
		}
		return out
	}
	first := texts()
	if len(first) < 4 {
		t.Fatalf("%d bound reads: %q", len(first), first)
	}
	at = at.Add(26 * time.Hour) // another day, later in it
	if again := texts(); strings.Join(again, "\n") != strings.Join(first, "\n") {
		t.Errorf("the texts changed with the day:\n%q\n%q", first, again)
	}
	agent.TodaySize = 25 // a limit of its own for each source
	if err := db.UpdateUserSettings(ctx, act, agent); err != nil {
		t.Fatal(err)
	}
	if again := texts(); strings.Join(again, "\n") != strings.Join(first, "\n") {
		t.Errorf("the texts changed with the size of Today:\n%q\n%q", first, again)
	}
	// The person page's reads, and Today's others, are bound too.
	p := &rapport.Person{FirstName: "Maria", Kind: rapport.KindSphere, OwnerID: agent.ID,
		Phones: []rapport.Phone{{Number: "+13125550142", Label: "mobile"}, {Number: "+13125550143", Label: "home"}},
		Emails: []rapport.Email{{Address: "maria@example.com"}}}
	if err := db.CreatePerson(ctx, act, p); err != nil {
		t.Fatal(err)
	}
	for _, read := range append(personPageReads(ctx, db, act, p),
		func() error { _, err := db.Pond(ctx, act, 20); return err },
		// A search's matches, every filter a value.
		func() error {
			_, err := db.ListPeople(ctx, act, PeopleFilter{Query: "mar", Kind: rapport.KindRecruit, OwnerID: agent.ID, StageID: 1,
				ReferredByID: 1, Unknown: rapport.FactFamily, MinUnits: 1, QuietDays: 7, Tag: "vip"})
			return err
		},
		// A word longer than the index keeps, and an email address.
		func() error {
			_, err := db.ListPeople(ctx, act, PeopleFilter{Query: "mariana", Kind: rapport.KindSphere})
			return err
		},
		func() error {
			_, err := db.ListPeople(ctx, act, PeopleFilter{Query: "maria@example.com", Kind: rapport.KindSphere})
			return err
		},
	) {
		if err := read(); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"person.sort_name FROM people_fts f CROSS JOIN people AS person INDEXED BY people_rank", "person.sort_name FROM people AS person NOT INDEXED"} {
		if !slices.ContainsFunc(reads, func(r sentRead) bool { return strings.Contains(r.text, want) }) {
			t.Errorf("no bound read has %q: the search's matches were not read bound", want)
		}
	}
	// Every value has its place in the text and every place its value
	// (SQLite passes over a value too many; PostgreSQL refuses it).
	num := regexp.MustCompile(`\?(\d+)`)
	for _, r := range reads {
		places := map[int]bool{}
		for _, m := range num.FindAllStringSubmatch(r.text, -1) {
			n, _ := strconv.Atoi(m[1])
			places[n] = true
		}
		if len(places) != len(r.args) {
			t.Errorf("%d values for %d places: %s", len(r.args), len(places), r.text)
		}
		for n := range places {
			if n < 1 || n > len(r.args) {
				t.Errorf("place ?%d without a value (%d values): %s", n, len(r.args), r.text)
			}
		}
	}
	scan := regexp.MustCompile(`^SCAN (\w+)`)
	// Nor walks the organisation's rows by an index that leads with it
	// alone, but for its few pipelines, stages and webhooks, and the
	// pond and the top fifth, each walked in order to its limit.
	orgWide := regexp.MustCompile(`USING (?:COVERING )?INDEX (\w+) \(org_id=\?\)$`)
	walks := map[string]bool{"sqlite_autoindex_pipelines_1": true, "sqlite_autoindex_stages_1": true, "webhook_endpoints_org": true,
		"people_pond": true, "people_recruit_volume": true}
	for _, r := range reads {
		plan := explain(ctx, t, db, r.text, db.bindArgs(r.args))
		// A subquery's rows, already bounded, are scanned as they come.
		sub := subqueries(plan)
		// A search's matches lead its plan, whatever the filters.
		if strings.Contains(r.text, "people_fts MATCH") {
			lead := ""
			for _, step := range plan {
				if !strings.HasPrefix(step, "CO-ROUTINE ") {
					lead = step
					break
				}
			}
			if !strings.HasPrefix(lead, "SCAN f VIRTUAL TABLE INDEX ") {
				t.Errorf("plan %q of a search is not led by its matches: %s", plan, r.text)
			}
		}
		for _, step := range plan {
			if strings.Contains(step, " VIRTUAL TABLE INDEX ") && strings.Contains(step, ":M") {
				continue // the full-text index, by a MATCH
			}
			if m := orgWide.FindStringSubmatch(step); m != nil && !walks[m[1]] {
				t.Errorf("plan %q walks the organisation's rows: %s", plan, r.text)
			}
			if m := scan.FindStringSubmatch(step); m != nil && !strings.HasPrefix(m[1], "q") && !sub[m[1]] {
				t.Errorf("plan %q scans %s: %s", plan, m[1], r.text)
			}
		}
	}
}

// newPlanDB is a new SQLite database, migrated, without statistics: the
// plans the tests read are the planner's guesses, as on a new server.
func newPlanDB(t *testing.T, now func() time.Time) *DB {
	t.Helper()
	db, err := Open(t.Context(), Options{URL: filepath.Join(t.TempDir(), "plan.db"), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

// personPageReads are the reads of p's page (each returns its error).
func personPageReads(ctx context.Context, db *DB, act rapport.Actor, p *rapport.Person) []func() error {
	return []func() error{
		func() error { _, err := db.Timeline(ctx, act, p.ID); return err },
		func() error { _, err := db.Story(ctx, act, p); return err },
		func() error { _, err := db.Facts(ctx, act, p.ID); return err },
		func() error { _, err := db.FollowUps(ctx, act, FollowUpFilter{PersonID: p.ID}); return err },
		func() error { _, err := db.Records(ctx, act, p.ID); return err },
		func() error { _, err := db.PhoneSharers(ctx, act, p); return err },
		func() error { _, err := db.Referred(ctx, act, p.ID, 100); return err },
		func() error { _, err := db.ProductionHistory(ctx, act, p.ID); return err },
	}
}

// sentRead is a read as it was sent: its text and its values.
type sentRead struct {
	text string
	args []any
}

// subqueries are the names a plan gives its subqueries' rows (which it
// scans as they come), and json_each's.
func subqueries(plan []string) map[string]bool {
	sub := map[string]bool{"json_each": true}
	for _, step := range plan {
		for _, prefix := range []string{"CO-ROUTINE ", "MATERIALIZE "} {
			if name, ok := strings.CutPrefix(step, prefix); ok {
				sub[name] = true
			}
		}
	}
	return sub
}

func explain(ctx context.Context, t *testing.T, db *DB, text string, args []any) []string {
	t.Helper()
	// database/sql's own pool: bun's would write the values into the text.
	rows, err := db.ro.DB.QueryContext(ctx, "EXPLAIN QUERY PLAN "+text, args...)
	if err != nil {
		t.Fatalf("%v: %s", err, text)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// TestColumnReportsAFailedStatement: a statement that fails while its rows
// are read (here on its second row) is an error, not a short list.
func TestColumnReportsAFailedStatement(t *testing.T) {
	db := newPlanDB(t, time.Now)
	got, err := column[int64](db.queryText(t.Context(), db.ro, "SELECT CASE WHEN value = 2 THEN abs(-9223372036854775807 - 1) ELSE value END FROM json_each(?)",
		[]any{"[1, 2, 3]"}))
	if err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("got %v, err %v: want the statement's error", got, err)
	}
}
