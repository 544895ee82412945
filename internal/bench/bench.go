// Package bench measures Rapport at scale on this machine: it builds a
// temporary database, generates a realistic book of people as CSV, imports
// it through the real import path, and times search, Today, the person page
// and an API list page over HTTP, against baselines measured in the same run.
package bench

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/server"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/web"
)

// Options configure a run.
type Options struct {
	People   int
	Requests int
	// Dir holds the temporary database and file; a new temporary directory
	// (removed afterwards) when empty.
	Dir string
	// Progress receives a line for each step.
	Progress io.Writer
	// Again measures the pages once more on the book an earlier run left
	// in Dir, without generating or importing it (for trying a change to
	// a page: the import takes most of a run).
	Again bool
}

// Result is what a run measured.
type Result struct {
	People          int     `json:"people"`
	ImportRowsPerS  float64 `json:"import_rows_per_s"`
	RawRowsPerS     float64 `json:"raw_rows_per_s"`
	ImportVsRaw     float64 `json:"import_vs_raw"`
	SearchableAfter float64 `json:"searchable_after_s"`
	SearchP50       float64 `json:"search_p50_ms"`
	SearchP99       float64 `json:"search_p99_ms"`
	TodayP50        float64 `json:"today_p50_ms"`
	TodayP99        float64 `json:"today_p99_ms"`
	// TodayRead is Today with a write before each load: nothing kept.
	TodayReadP50 float64 `json:"today_read_p50_ms"`
	TodayReadP99 float64 `json:"today_read_p99_ms"`
	PersonP50    float64 `json:"person_p50_ms"`
	PersonP99    float64 `json:"person_p99_ms"`
	APIListP50   float64 `json:"api_list_p50_ms"`
	APIListP99   float64 `json:"api_list_p99_ms"`
	HealthP50    float64 `json:"baseline_healthz_p50_ms"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
}

const password = "benchmark password"

// Run performs the benchmark.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.People <= 0 {
		o.People = 1_000_000
	}
	if o.Requests < 1000 {
		o.Requests = 1000
	}
	say := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "rapport-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if o.Again {
		return again(ctx, o, say)
	}
	res := &Result{People: o.People}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := store.Open(ctx, store.Options{URL: filepath.Join(dir, "bench.db"), Logger: log})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	org, users, err := setup(ctx, db)
	if err != nil {
		return nil, err
	}
	csvPath := filepath.Join(dir, "people.csv")
	start := time.Now()
	if err := writeCSV(csvPath, o.People, users); err != nil {
		return nil, err
	}
	say("generated %d people as CSV in %v", o.People, time.Since(start).Round(time.Millisecond))
	// What generating took is not the product's: give it back before
	// the import, whose peak memory is measured.
	debug.FreeOSMemory()

	// The real import path.
	f, err := os.Open(csvPath)
	if err != nil {
		return nil, err
	}
	st, _ := f.Stat()
	start = time.Now()
	rep, err := importer.Import(ctx, db, org.ID, users[0].ID, bufio.NewReaderSize(f, 1<<20), importer.Options{Region: "US",
		Expected: int(st.Size() / 90), OwnerID: users[1].ID})
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	took := time.Since(start)
	res.ImportRowsPerS = float64(rep.Rows) / took.Seconds()
	say("imported %d rows in %v: %.0f rows/s (%d created, %d merged, %d problems; peak memory so far %.0f MB)", rep.Rows, took.Round(time.Millisecond),
		res.ImportRowsPerS, rep.Created, rep.Merged, rep.ErrorCount, peakRSS())
	start = time.Now()
	for {
		n, err := db.IndexBacklog(ctx)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			break
		}
	}
	res.SearchableAfter = time.Since(start).Seconds()
	say("indexed for search in %.1f s (peak memory so far %.0f MB)", res.SearchableAfter, peakRSS())

	// The raw baseline: the same rows, one prepared INSERT each, one
	// transaction, the same driver, a table with no indexes.
	rawRate, err := rawInsert(ctx, filepath.Join(dir, "raw.db"), csvPath)
	if err != nil {
		return nil, fmt.Errorf("raw baseline: %w", err)
	}
	res.RawRowsPerS = rawRate
	res.ImportVsRaw = res.ImportRowsPerS / rawRate
	say("raw prepared inserts: %.0f rows/s (import is %.0f%% of it)", rawRate, 100*res.ImportVsRaw)

	if err := history(ctx, db, org, users); err != nil {
		return nil, err
	}
	if err := measure(ctx, db, filepath.Join(dir, "bench.db"), org, users, o, res, say); err != nil {
		return nil, err
	}
	res.PeakRSSMB = peakRSS()
	return res, nil
}

// again measures the pages on the book an earlier run left in o.Dir.
func again(ctx context.Context, o Options, say func(string, ...any)) (*Result, error) {
	if o.Dir == "" {
		return nil, errors.New("measuring again needs the directory of an earlier run (--dir)")
	}
	path := filepath.Join(o.Dir, "bench.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no earlier run's book to measure: %w", err)
	}
	db, err := store.Open(ctx, store.Options{URL: path, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	org, err := db.OrgBySlug(ctx, "bench")
	if err != nil {
		return nil, err
	}
	all, err := db.Users(ctx, rapport.Actor{Org: org.ID})
	if err != nil {
		return nil, err
	}
	// In the order setup made them: the owner, then the agents.
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	res := &Result{}
	if err := measure(ctx, db, path, org, all, o, res, say); err != nil {
		return nil, err
	}
	res.PeakRSSMB = peakRSS()
	return res, nil
}

// setup creates the organisation: an owner and three agents.
func setup(ctx context.Context, db *store.DB) (*rapport.Org, []rapport.User, error) {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, nil, err
	}
	org := &rapport.Org{Name: "Bench Realty", Slug: "bench", Region: "US", TZ: "America/Chicago"}
	users := []rapport.User{{Email: "owner@bench.test", Name: "Owner", Role: rapport.RoleOwner, PasswordHash: hash}}
	if err := db.CreateOrg(ctx, org, &users[0]); err != nil {
		return nil, nil, err
	}
	for i := 1; i <= 3; i++ {
		u := rapport.User{OrgID: org.ID, Email: fmt.Sprintf("agent%d@bench.test", i), Name: fmt.Sprintf("Agent %d", i), Role: rapport.RoleAgent, PasswordHash: hash}
		if err := db.CreateUser(ctx, rapport.Actor{Org: u.OrgID}, &u); err != nil {
			return nil, nil, err
		}
		users = append(users, u)
	}
	return org, users, nil
}

var csvHeader = []string{"First Name", "Last Name", "Email", "Mobile Phone", "Home Phone", "Street", "City", "State", "Zip", "Source", "Tags", "Kind", "Owner", "Birthday"}

// writeCSV generates people as a spreadsheet exports them: phones written
// in several ways, some second phones, about one row in a hundred a
// duplicate of an earlier one.
func writeCSV(path string, n int, users []rapport.User) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write(csvHeader)
	g := demo.NewGenerator(1, time.Now())
	rng := rand.New(rand.NewPCG(2, 3))
	var prev []string
	for i := 0; i < n; i++ {
		if prev != nil && rng.IntN(100) == 0 {
			w.Write(prev) // a duplicate row, as lists have
			continue
		}
		kinds := []rapport.Kind{rapport.KindLead, rapport.KindLead, rapport.KindClient, rapport.KindSphere}
		p := g.Person(kinds[rng.IntN(len(kinds))], 0)
		mobile := writtenPhone(rng, p.Phones[0].Number)
		home := ""
		if len(p.Phones) > 1 {
			home = writtenPhone(rng, p.Phones[1].Number)
		}
		birthday := ""
		if !p.Birthday.IsZero() {
			birthday = fmt.Sprintf("%02d/%02d/%d", int(p.Birthday.Month), p.Birthday.Day, p.Birthday.Year)
		}
		rec := []string{p.FirstName, p.LastName, p.Emails[0].Address, mobile, home, p.Street, p.City, p.State, p.PostalCode,
			p.Source, strings.Join(p.Tags, ", "), string(p.Kind), users[1+i%3].Email, birthday}
		w.Write(rec)
		prev = rec
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func writtenPhone(rng *rand.Rand, e164 string) string {
	d := e164[2:]
	switch rng.IntN(4) {
	case 0:
		return fmt.Sprintf("(%s) %s-%s", d[:3], d[3:6], d[6:])
	case 1:
		return fmt.Sprintf("%s.%s.%s", d[:3], d[3:6], d[6:])
	case 2:
		return fmt.Sprintf("+1 %s %s %s", d[:3], d[3:6], d[6:])
	}
	return d
}

// rawInsert inserts the file's rows into a table without indexes with one
// prepared single-row INSERT each, in one transaction.
func rawInsert(ctx context.Context, path, csvPath string) (float64, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	cols := make([]string, len(csvHeader))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d TEXT", i)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE raw (id INTEGER PRIMARY KEY, "+strings.Join(cols, ", ")+")"); err != nil {
		return 0, err
	}
	f, err := os.Open(csvPath)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return 0, err
	}
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	st, err := tx.PrepareContext(ctx, "INSERT INTO raw VALUES (NULL"+strings.Repeat(", ?", len(csvHeader))+")")
	if err != nil {
		return 0, err
	}
	args := make([]any, len(csvHeader))
	n := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		for i := range args {
			args[i] = rec[i]
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return 0, err
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// history gives the agents a working book: follow-ups due and overdue,
// and a week of calls.
func history(ctx context.Context, db *store.DB, org *rapport.Org, users []rapport.User) error {
	page, err := db.ListPeople(ctx, rapport.Actor{Org: org.ID}, store.PeopleFilter{Sort: "created", Limit: 200})
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(4, 5))
	today := rapport.DayOf(time.Now(), org.Location())
	for i, p := range page.People {
		u := users[1+i%3]
		if err := db.CreateFollowUp(ctx, rapport.Member(org, &u), &rapport.FollowUp{PersonID: p.ID, DueOn: today.AddDays(rng.IntN(10) - 7)}); err != nil {
			return err
		}
	}
	return nil
}

// measure times the pages over HTTP, each over o.Requests requests.
//
// Today is measured twice: as it is loaded again and again with nothing
// written in between (its candidates are then kept, see the store's
// todaycache.go), and with a write to the file before each load, which
// is what a busy server's Today costs (file is the database's path).
func measure(ctx context.Context, db *store.DB, file string, org *rapport.Org, users []rapport.User, o Options, res *Result, say func(string, ...any)) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	apiSrv := api.New(api.Options{DB: db, RatePerMinute: 1 << 30, Burst: 1 << 30, Logger: quiet})
	app, err := web.New(web.Options{DB: db, Logger: quiet})
	if err != nil {
		return err
	}
	srv := httptest.NewServer(server.New(app, apiSrv, nil, nil, config.DefaultInFlight(), nil))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"email": {users[1].Email}, "password": {password}}
	req, _ := http.NewRequest("POST", srv.URL+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign in: %v", err)
	}
	key, prefix, hash := auth.NewAPIKey()
	if err := db.CreateAPIKey(ctx, rapport.Actor{Org: org.ID}, &store.APIKey{OrgID: org.ID, UserID: users[1].ID, Prefix: prefix, Hash: hash}); err != nil {
		return err
	}
	queries, ids, err := samples(ctx, db, org.ID, o.Requests)
	if err != nil {
		return err
	}
	get := func(path string, bearer bool) error {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if bearer {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return nil
	}
	// timed requests path(i) n times; before(i), when set, runs first,
	// untimed.
	timed := func(name string, n int, path func(i int) (string, bool), before ...func(i int) error) (p50, p99 float64, err error) {
		var ds []float64
		for i := 0; i < n; i++ {
			for _, b := range before {
				if err := b(i); err != nil {
					return 0, 0, err
				}
			}
			p, bearer := path(i)
			t0 := nowNano()
			if err := get(p, bearer); err != nil {
				return 0, 0, err
			}
			ds = append(ds, float64(nowNano()-t0)/1e6)
		}
		sort.Float64s(ds)
		p50, p99 = ds[len(ds)/2], ds[(len(ds)*99+99)/100-1]
		say("%-12s p50 %6.2f ms   p99 %6.2f ms   (%d requests)", name, p50, p99, n)
		return p50, p99, nil
	}
	n := o.Requests
	if res.HealthP50, _, err = timed("healthz", n, func(int) (string, bool) { return "/healthz", false }); err != nil {
		return err
	}
	if res.SearchP50, res.SearchP99, err = timed("search", n, func(i int) (string, bool) {
		return "/people?q=" + url.QueryEscape(queries[i%len(queries)]), false
	}); err != nil {
		return err
	}
	if res.TodayP50, res.TodayP99, err = timed("today", n, func(int) (string, bool) { return "/today", false }); err != nil {
		return err
	}
	if res.PersonP50, res.PersonP99, err = timed("person page", n, func(i int) (string, bool) {
		return "/people/" + strconv.FormatInt(ids[i%len(ids)], 10), false
	}); err != nil {
		return err
	}
	cursor := ""
	if res.APIListP50, res.APIListP99, err = timed("API list", n, func(i int) (string, bool) {
		// Walk the list a page at a time, as a client syncing would.
		p := "/api/v1/people?limit=50"
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		cursor = nextCursor(srv.URL, p, key)
		return p, true
	}); err != nil {
		return err
	}
	// Today again with a write before each load, from a connection of the
	// bench's own: the file's header (user_version, which Rapport does not
	// use) changes, and with it the data version that lets Today keep its
	// candidates. Last, because the writes grow the write-ahead log, which
	// the pages measured after them would pay for.
	w, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer w.Close()
	var version int64
	if err := w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	write := func(i int) error {
		_, err := w.ExecContext(ctx, "PRAGMA user_version = "+strconv.FormatInt(version+1+int64(i%2), 10))
		return err
	}
	res.TodayReadP50, res.TodayReadP99, err = timed("today, read", n, func(int) (string, bool) { return "/today", false }, write)
	if _, rerr := w.ExecContext(ctx, "PRAGMA user_version = "+strconv.FormatInt(version, 10)); err == nil {
		err = rerr
	}
	return err
}

func nowNano() int64 { return time.Now().UnixNano() }

// nextCursor reads the next cursor of an API page (outside the timing).
func nextCursor(base, path, key string) string {
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	s := string(b)
	i := strings.LastIndex(s, `"next":"`)
	if i < 0 {
		return ""
	}
	s = s[i+8:]
	return s[:strings.IndexByte(s, '"')]
}

// samples picks what people type into search — a full name, the start of a
// last name, a phone as written, an email — and people to open.
func samples(ctx context.Context, db *store.DB, orgID int64, n int) ([]string, []int64, error) {
	page, err := db.ListPeople(ctx, rapport.Actor{Org: orgID}, store.PeopleFilter{Sort: "-created", Limit: 200})
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(6, 7))
	var qs []string
	var ids []int64
	for i, p := range page.People {
		ids = append(ids, p.ID)
		switch i % 4 {
		case 0:
			qs = append(qs, p.FirstName+" "+p.LastName)
		case 1:
			last := []rune(strings.ToLower(p.LastName))
			qs = append(qs, string(last[:min(len(last), 3+rng.IntN(3))]))
		case 2:
			if len(p.Phones) > 0 {
				d := p.Phones[0].Number[2:]
				qs = append(qs, fmt.Sprintf("(%s) %s-%s", d[:3], d[3:6], d[6:]))
			}
		case 3:
			if len(p.Emails) > 0 {
				qs = append(qs, p.Emails[0].Address)
			}
		}
	}
	return qs, ids, nil
}

// peakRSS is the process's peak resident memory in MB (Linux), or the Go
// runtime's view of it elsewhere.
func peakRSS() float64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				kb, _ := strconv.ParseFloat(strings.Fields(line)[1], 64)
				return kb / 1024
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.Sys) / (1 << 20)
}
