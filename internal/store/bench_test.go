package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// A benchmark book: one organisation, four users, benchPeople people
// (RAPPORT_BENCH_PEOPLE, default 100,000) with history, a few thousand
// open follow-ups and a week of recent calls. It is built once per
// backend per run.
type benchBook struct {
	db     *store.DB
	org    *rapport.Org
	agent  *rapport.User
	ids    []int64
	phones []string
	names  []string
}

var (
	benchOnce  = map[string]*sync.Once{store.SQLite: {}, store.Postgres: {}}
	benchBooks = map[string]*benchBook{}
	benchNow   = time.Date(2026, 11, 23, 11, 0, 0, 0, chicago)
)

func benchPeople() int {
	if n, err := strconv.Atoi(os.Getenv("RAPPORT_BENCH_PEOPLE")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// keepDB is a testing.TB whose cleanups run at process exit (TestMain),
// so the book outlives the benchmark that built it.
type keepDB struct {
	testing.TB
	dir string
}

var (
	atExitMu sync.Mutex
	atExit   []func()
)

func (k keepDB) TempDir() string { return k.dir }
func (k keepDB) Cleanup(f func()) {
	atExitMu.Lock()
	atExit = append(atExit, f)
	atExitMu.Unlock()
}

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(atExit) - 1; i >= 0; i-- {
		atExit[i]()
	}
	os.Exit(code)
}

func book(b *testing.B, backend storetest.Backend) *benchBook {
	b.Helper()
	benchOnce[backend.Name].Do(func() {
		dir, err := os.MkdirTemp("", "rapport-bench-")
		if err != nil {
			b.Fatal(err)
		}
		keep := keepDB{TB: b, dir: dir}
		keep.Cleanup(func() { os.RemoveAll(dir) })
		start := time.Now()
		bk, err := buildBook(keep, backend)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: built a book of %d people in %v", backend.Name, len(bk.ids), time.Since(start).Round(time.Millisecond))
		benchBooks[backend.Name] = bk
	})
	bk := benchBooks[backend.Name]
	if bk == nil {
		b.Fatal("benchmark book failed to build")
	}
	return bk
}

func buildBook(tb testing.TB, backend storetest.Backend) (*benchBook, error) {
	ctx := context.Background()
	db := backend.Open(tb, func() time.Time { return benchNow })
	bk := &benchBook{db: db, org: &rapport.Org{Name: "Bench Realty", Slug: "bench", Region: "US", TZ: "America/Chicago"}}
	owner := &rapport.User{Email: "owner@bench.test", Role: rapport.RoleOwner, PasswordHash: "x"}
	if err := db.CreateOrg(ctx, bk.org, owner); err != nil {
		return nil, err
	}
	owners := []int64{owner.ID}
	for i := 0; i < 3; i++ {
		u := &rapport.User{OrgID: bk.org.ID, Email: fmt.Sprintf("agent%d@bench.test", i), Role: rapport.RoleAgent, PasswordHash: "x"}
		if err := db.CreateUser(ctx, rapport.Actor{Org: u.OrgID}, u); err != nil {
			return nil, err
		}
		owners = append(owners, u.ID)
		if i == 0 {
			bk.agent = u
		}
	}
	g := demo.NewGenerator(42, benchNow)
	n := benchPeople()
	for lo := 0; lo < n; lo += 100_000 {
		people := g.Book(min(100_000, n-lo), owners)
		if err := db.BulkCreatePeople(ctx, rapport.Member(bk.org, owner), people); err != nil {
			return nil, err
		}
		for _, p := range people {
			bk.ids = append(bk.ids, p.ID)
			bk.phones = append(bk.phones, p.Phones[0].Number)
			bk.names = append(bk.names, p.FirstName+" "+p.LastName)
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	loc := bk.org.Location()
	today := rapport.DayOf(benchNow, loc)
	// Open follow-ups spread around today, and a week of calls.
	for i := 0; i < 2000; i++ {
		f := &rapport.FollowUp{PersonID: bk.ids[rng.IntN(len(bk.ids))], DueOn: today.AddDays(rng.IntN(40) - 20),
			UserID: owners[rng.IntN(len(owners))]}
		if err := db.CreateFollowUp(ctx, rapport.Actor{Org: bk.org.ID, User: f.UserID}, f); err != nil {
			return nil, err
		}
	}
	outcomes := []rapport.Outcome{rapport.OutcomeNoAnswer, rapport.OutcomeVoicemail, rapport.OutcomeLive}
	for i := 0; i < 2000; i++ {
		in := &store.LogInput{Loc: loc, Conversation: rapport.Conversation{PersonID: bk.ids[rng.IntN(len(bk.ids))],
			Channel: rapport.ChannelCall, Outcome: outcomes[rng.IntN(3)],
			OccurredAt: benchNow.Add(-time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))}}
		if _, err := db.LogConversation(ctx, rapport.Actor{Org: bk.org.ID, User: owners[rng.IntN(len(owners))]}, in); err != nil {
			return nil, err
		}
	}
	// The state autovacuum brings a table to a minute after a bulk load:
	// without it the visibility map is empty and no index-only scan is
	// possible (the board's counts take 19 ms instead of 2).
	if err := db.Settle(ctx); err != nil {
		return nil, err
	}
	return bk, nil
}

func eachBackend(b *testing.B, fn func(b *testing.B, bk *benchBook)) {
	for _, backend := range storetest.Backends(b) {
		b.Run(backend.Name, func(b *testing.B) { fn(b, book(b, backend)) })
	}
}

// BenchmarkPersonByID is the baseline: one person by primary key, with
// phones, emails, tags, stage, owner.
func BenchmarkPersonByID(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *benchBook) {
		ctx := context.Background()
		i := 0
		for b.Loop() {
			if _, err := bk.db.Person(ctx, rapport.Actor{Org: bk.org.ID}, bk.ids[(i*7919)%len(bk.ids)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkToday computes one agent's Today (a quarter of the book is
// theirs) with the context cards, as the Today page does: read (as after
// any write) and kept (nothing written since the last load; SQLite only,
// PostgreSQL reads every time).
func BenchmarkToday(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *benchBook) {
		ctx := context.Background()
		for _, kept := range []bool{false, true} {
			name := "read"
			if kept {
				name = "kept"
			}
			b.Run(name, func(b *testing.B) {
				var n int
				for b.Loop() {
					if !kept {
						bk.db.ForgetTodays()
					}
					items, err := bk.db.TodayList(ctx, rapport.Member(bk.org, bk.agent), benchNow)
					if err != nil {
						b.Fatal(err)
					}
					n = len(items)
				}
				if n != bk.agent.TodaySize {
					b.Fatalf("Today has %d people, want %d", n, bk.agent.TodaySize)
				}
			})
		}
	})
}

// BenchmarkAddressBookSync is what a contacts app's poll costs when
// nothing changed: the agent's whole book read, rendered (here as the
// name only) and compared with what it had (go test -bench
// AddressBookSync -benchtime 3x).
func BenchmarkAddressBookSync(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *benchBook) {
		ctx := context.Background()
		act := rapport.Member(bk.org, bk.agent)
		render := func(c *store.Contact) []byte { return []byte(c.Person.FirstName + " " + c.Person.LastName) }
		if _, err := bk.db.SyncAddressBook(ctx, act, render); err != nil {
			b.Fatal(err)
		}
		var n int
		for b.Loop() {
			book, err := bk.db.SyncAddressBook(ctx, act, render)
			if err != nil {
				b.Fatal(err)
			}
			n = len(book.Cards)
		}
		b.ReportMetric(float64(n), "cards")
	})
}

// BenchmarkSearch runs the people list's searches: a common first name, a
// full name, a phone number as typed, an email, a search with a filter,
// and the 50th page of the unfiltered list.
func BenchmarkSearch(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *benchBook) {
		ctx := context.Background()
		num := bk.phones[len(bk.phones)/2]
		cases := []struct {
			name string
			f    store.PeopleFilter
		}{
			{"common-name", store.PeopleFilter{Query: "maria"}},
			{"full-name", store.PeopleFilter{Query: bk.names[len(bk.names)/3]}},
			{"phone", store.PeopleFilter{Query: fmt.Sprintf("(%s) %s-%s", num[2:5], num[5:8], num[8:])}},
			{"email-part", store.PeopleFilter{Query: "example.com"}},
			{"name+kind", store.PeopleFilter{Query: "garcia", Kind: rapport.KindRecruit}},
			{"first-page", store.PeopleFilter{}},
		}
		// The cursor of page 50, walked once.
		deep := store.PeopleFilter{}
		for i := 0; i < 49; i++ {
			page, err := bk.db.ListPeople(ctx, rapport.Actor{Org: bk.org.ID}, deep)
			if err != nil {
				b.Fatal(err)
			}
			deep.Cursor = page.Next
		}
		cases = append(cases, struct {
			name string
			f    store.PeopleFilter
		}{"page-50", deep})
		for _, c := range cases {
			b.Run(c.name, func(b *testing.B) {
				var got int
				for b.Loop() {
					page, err := bk.db.ListPeople(ctx, rapport.Actor{Org: bk.org.ID}, c.f)
					if err != nil {
						b.Fatal(err)
					}
					got = len(page.People)
				}
				if got == 0 {
					b.Fatalf("%s found no one", c.name)
				}
			})
		}
	})
}

// BenchmarkRecruiting times the recruiting views over the book's agent
// prospects: the prospect ranking's first page by volume, a page deep in
// the ranking by units (through cursors), the board, and the referrers.
func BenchmarkRecruiting(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *benchBook) {
		ctx := context.Background()
		b.Run("prospects-by-volume", func(b *testing.B) {
			for b.Loop() {
				if _, err := bk.db.Prospects(ctx, rapport.Actor{Org: bk.org.ID}, store.ProspectFilter{}); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The cursor of page 20 by units, found once.
		cursor := ""
		for range 19 {
			page, err := bk.db.Prospects(ctx, rapport.Actor{Org: bk.org.ID}, store.ProspectFilter{Sort: "units", Cursor: cursor})
			if err != nil {
				b.Fatal(err)
			}
			cursor = page.Next
		}
		b.Run("prospects-by-units-page-20", func(b *testing.B) {
			for b.Loop() {
				page, err := bk.db.Prospects(ctx, rapport.Actor{Org: bk.org.ID}, store.ProspectFilter{Sort: "units", Cursor: cursor})
				if err != nil || page.Rank != 951 {
					b.Fatalf("rank %d, %v", page.Rank, err)
				}
			}
		})
		b.Run("prospects-min-units-not-talked-90d", func(b *testing.B) {
			for b.Loop() {
				if _, err := bk.db.Prospects(ctx, rapport.Actor{Org: bk.org.ID}, store.ProspectFilter{MinUnits: 20, NotTalkedDays: 90}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("board", func(b *testing.B) {
			for b.Loop() {
				if _, err := bk.db.RecruitingBoard(ctx, rapport.Actor{Org: bk.org.ID}, 0, 20); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("referrers", func(b *testing.B) {
			for b.Loop() {
				if _, err := bk.db.Referrers(ctx, rapport.Actor{Org: bk.org.ID}); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkReview times the weekly review of one agent (a quarter of the
// book is theirs), the team's review, a 13-week funnel and the
// leaderboard.
func BenchmarkReview(b *testing.B) {
	eachBackend(b, func(b *testing.B, bk *benchBook) {
		ctx := context.Background()
		loc := bk.org.Location()
		users, err := bk.db.Users(ctx, rapport.Actor{Org: bk.org.ID})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("agent", func(b *testing.B) {
			for b.Loop() {
				if _, err := bk.db.Review(ctx, rapport.Actor{Org: bk.org.ID}, []rapport.User{*bk.agent}, loc, benchNow); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("team", func(b *testing.B) {
			for b.Loop() {
				if _, err := bk.db.Review(ctx, rapport.Actor{Org: bk.org.ID}, users, loc, benchNow); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("funnel-13-weeks", func(b *testing.B) {
			for b.Loop() {
				if _, err := bk.db.Funnel(ctx, rapport.Actor{Org: bk.org.ID}, users, benchNow.AddDate(0, 0, -91), benchNow); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("leaderboard", func(b *testing.B) {
			for b.Loop() {
				if _, err := bk.db.Leaderboard(ctx, rapport.Actor{Org: bk.org.ID}, benchNow); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// TestSettleStaysInItsSchema: Settle vacuums and analyzes Rapport's own
// tables, not the whole database's — other schemas' tables (another
// application's, or another test's being dropped meanwhile, which made a
// database-wide VACUUM fail with "relation with OID … does not exist")
// are left alone.
func TestSettleStaysInItsSchema(t *testing.T) {
	db := storetest.OpenPostgres(t, time.Now)
	admin, err := sql.Open("pgx", storetest.DSN(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	other := "settle_other_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, q := range []string{"CREATE SCHEMA " + other, "CREATE TABLE " + other + ".t (id int)", "INSERT INTO " + other + ".t VALUES (1)"} {
		if _, err := admin.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + other + " CASCADE") })
	if err := db.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	// The statistics collector reports vacuums a moment later.
	var mine, theirs int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if err := admin.QueryRow(`SELECT count(*) FILTER (WHERE schemaname = current_schema() AND last_vacuum IS NOT NULL),
			count(*) FILTER (WHERE schemaname = $1 AND last_vacuum IS NOT NULL) FROM pg_stat_user_tables`, other).Scan(&mine, &theirs); err != nil {
			t.Fatal(err)
		}
		if mine > 0 || time.Now().After(deadline) {
			break
		}
	}
	if mine == 0 || theirs != 0 {
		t.Errorf("vacuumed %d of its own tables and %d of another schema's", mine, theirs)
	}
}
