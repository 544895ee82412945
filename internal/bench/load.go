package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/demo"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/server"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/web"
)

// LoadOptions configure a load run.
type LoadOptions struct {
	// DB is the database: a postgres:// URL of an empty database, or ""
	// for a new SQLite file in Dir.
	DB  string
	Dir string
	// Store, when set, is used instead of opening DB (tests).
	Store *store.DB
	// Users is how many signed-in users work at once; Accounts how many
	// user accounts they share (each virtual user has its own session).
	Users    int
	Accounts int
	// People is the size of the book; Duration how long the mix runs.
	People   int
	Duration time.Duration
	// Think is how long a user pauses between actions, on average (each
	// pause is drawn between half and one and a half times it): people
	// read a page before the next click. Negative: no pause at all.
	Think    time.Duration
	Progress io.Writer
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Users      int                   `json:"users"`
	Seconds    float64               `json:"seconds"`
	Requests   int                   `json:"requests"`
	PerSecond  float64               `json:"requests_per_s"`
	P50        float64               `json:"p50_ms"`
	P99        float64               `json:"p99_ms"`
	Errors     int                   `json:"errors"`
	Locked     int                   `json:"database_locked"`
	ByAction   map[string]ActionTime `json:"by_action"`
	FirstError string                `json:"first_error,omitempty"`
	ThinkMS    int64                 `json:"think_ms"`
	Dialect    string                `json:"dialect"`
}

// ActionTime is one action's share of a load run.
type ActionTime struct {
	N      int     `json:"n"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	Errors int     `json:"errors"`
}

// The mix: what a signed-in user does, with weights out of 100.
var loadMix = []struct {
	name   string
	weight int
}{
	{"today", 25}, {"search", 20}, {"person", 25}, {"log", 20}, {"event", 10},
}

// Load seeds a book, starts the real server on loopback and drives it with
// o.Users concurrent signed-in users doing the mix for o.Duration.
func Load(ctx context.Context, o LoadOptions) (*LoadResult, error) {
	if o.Users <= 0 {
		o.Users = 200
	}
	if o.Accounts <= 0 {
		o.Accounts = 20
	}
	if o.People <= 0 {
		o.People = 20_000
	}
	if o.Duration <= 0 {
		o.Duration = 30 * time.Second
	}
	if o.Think == 0 {
		o.Think = 2 * time.Second
	}
	say := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, format+"\n", args...)
		}
	}
	url := o.DB
	if url == "" && o.Store == nil {
		dir := o.Dir
		if dir == "" {
			d, err := os.MkdirTemp("", "rapport-load-*")
			if err != nil {
				return nil, err
			}
			defer os.RemoveAll(d)
			dir = d
		}
		url = filepath.Join(dir, "load.db")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	db := o.Store
	if db == nil {
		var err error
		if db, err = store.Open(ctx, store.Options{URL: url, Logger: quiet}); err != nil {
			return nil, err
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	org, users, key, err := loadSetup(ctx, db, o.Accounts, o.People)
	if err != nil {
		return nil, err
	}
	say("seeded %d people for %d accounts (%s)", o.People, o.Accounts, db.Dialect())

	apiSrv := api.New(api.Options{DB: db, RatePerMinute: 1 << 30, Burst: 1 << 30, Logger: quiet})
	app, err := web.New(web.Options{DB: db, Logger: quiet})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	// Users are at addresses of their own, as people are: the server
	// trusts loopback as its proxy, and each user's sign-in says where
	// they are (one address for all would be an office of hundreds).
	srv := &http.Server{Handler: server.New(app, apiSrv, nil, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	ids, err := personIDs(ctx, db, org.ID)
	if err != nil {
		return nil, err
	}
	transport := &http.Transport{MaxIdleConns: o.Users * 2, MaxIdleConnsPerHost: o.Users * 2, IdleConnTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	clients := make([]*http.Client, o.Users)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{Jar: jar, Transport: transport, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	// Everyone signs in first (password hashing is deliberately slow and
	// bounded; it is not part of the mix). The browsers of one user sign
	// in one after another, as a person does; users sign in at once.
	var wg sync.WaitGroup
	signErr := make(chan error, o.Users)
	for u := range min(len(users), len(clients)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := u; i < len(clients); i += len(users) {
				c := clients[i]
				form := strings.NewReader("email=" + users[u].Email + "&password=" + strings.ReplaceAll(password, " ", "+"))
				req, _ := http.NewRequest("POST", base+"/signin", form)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256))
				resp, err := c.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusSeeOther {
						err = fmt.Errorf("sign in: %d", resp.StatusCode)
					}
				}
				if err != nil {
					signErr <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(signErr)
	if err := <-signErr; err != nil {
		return nil, err
	}
	say("%d users signed in; running the mix for %v", o.Users, o.Duration)

	type sample struct {
		action string
		ms     float64
		err    string
		locked bool
	}
	results := make([][]sample, o.Users)
	start := time.Now()
	deadline := start.Add(o.Duration)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			var mine []sample
			if o.Think > 0 {
				time.Sleep(time.Duration(rng.Int64N(int64(o.Think))))
			}
			for n := 0; time.Now().Before(deadline); n++ {
				if ctx.Err() != nil {
					break
				}
				action := pickAction(rng)
				req := loadRequest(base, action, rng, ids, key, n)
				t0 := time.Now()
				resp, err := c.Do(req)
				s := sample{action: action}
				if err == nil {
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					s.locked = bytes.Contains(bytes.ToLower(body), []byte("database is locked"))
					if resp.StatusCode >= 400 {
						s.err = fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, firstLine(body))
					}
				} else {
					s.err = err.Error()
				}
				s.ms = float64(time.Since(t0).Microseconds()) / 1000
				mine = append(mine, s)
				if o.Think > 0 {
					pause := o.Think/2 + time.Duration(rng.Int64N(int64(o.Think)))
					select {
					case <-time.After(pause):
					case <-ctx.Done():
					}
				}
			}
			results[i] = mine
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()

	res := &LoadResult{Users: o.Users, Seconds: elapsed, ByAction: map[string]ActionTime{}, Dialect: db.Dialect(), ThinkMS: o.Think.Milliseconds()}
	var all []float64
	byAction := map[string][]float64{}
	errs := map[string]int{}
	for _, rs := range results {
		for _, s := range rs {
			all = append(all, s.ms)
			byAction[s.action] = append(byAction[s.action], s.ms)
			if s.err != "" {
				res.Errors++
				errs[s.action]++
				if res.FirstError == "" {
					res.FirstError = s.err
				}
			}
			if s.locked {
				res.Locked++
			}
		}
	}
	res.Requests = len(all)
	res.PerSecond = float64(len(all)) / elapsed
	res.P50, res.P99 = percentiles(all)
	for name, ds := range byAction {
		p50, p99 := percentiles(ds)
		res.ByAction[name] = ActionTime{N: len(ds), P50: p50, P99: p99, Errors: errs[name]}
	}
	return res, nil
}

func percentiles(ds []float64) (p50, p99 float64) {
	if len(ds) == 0 {
		return 0, 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[(len(ds)*99+99)/100-1]
}

func firstLine(b []byte) string {
	s := string(b)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

func pickAction(rng *rand.Rand) string {
	n := rng.IntN(100)
	for _, m := range loadMix {
		if n < m.weight {
			return m.name
		}
		n -= m.weight
	}
	return loadMix[0].name
}

var loadSearches = []string{"smith", "maria", "john", "garcia", "312", "example.com", "anderson", "lee"}

// loadRequest builds one request of the mix.
func loadRequest(base, action string, rng *rand.Rand, ids []int64, key string, n int) *http.Request {
	id := strconv.FormatInt(ids[rng.IntN(len(ids))], 10)
	var req *http.Request
	switch action {
	case "today":
		req, _ = http.NewRequest("GET", base+"/today", nil)
	case "search":
		req, _ = http.NewRequest("GET", base+"/people?q="+url.QueryEscape(loadSearches[rng.IntN(len(loadSearches))]), nil)
	case "person":
		req, _ = http.NewRequest("GET", base+"/people/"+id, nil)
	case "log":
		outcomes := []string{"no_answer", "voicemail", "live"}
		form := url.Values{"channel": {"call"}, "direction": {"outbound"}, "outcome": {outcomes[rng.IntN(3)]}, "notes": {"Load test call"}}
		req, _ = http.NewRequest("POST", base+"/people/"+id+"/log", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case "event":
		body, _ := json.Marshal(map[string]any{"source": "Load test", "type": "Inquiry", "message": "Is it still available?",
			"person": map[string]any{"firstName": "Lead", "lastName": fmt.Sprintf("L%d", rng.IntN(1_000_000)),
				"emails": []map[string]string{{"value": fmt.Sprintf("lead%d.%d@load.test", rng.IntN(1_000_000), n)}}}})
		req, _ = http.NewRequest("POST", base+"/api/v1/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return req
}

// loadSetup creates the organisation, its accounts, an API key and a book
// of people spread over the accounts.
func loadSetup(ctx context.Context, db *store.DB, accounts, people int) (*rapport.Org, []rapport.User, string, error) {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, nil, "", err
	}
	org := &rapport.Org{Name: "Load Realty", Slug: "load", Region: "US", TZ: "America/Chicago"}
	users := []rapport.User{{Email: "owner@load.test", Name: "Owner", Role: rapport.RoleOwner, PasswordHash: hash}}
	if err := db.CreateOrg(ctx, org, &users[0]); err != nil {
		return nil, nil, "", err
	}
	for i := 1; i < accounts; i++ {
		u := rapport.User{OrgID: org.ID, Email: fmt.Sprintf("agent%d@load.test", i), Name: fmt.Sprintf("Agent %d", i), Role: rapport.RoleAgent, PasswordHash: hash}
		if err := db.CreateUser(ctx, rapport.Actor{Org: u.OrgID}, &u); err != nil {
			return nil, nil, "", err
		}
		users = append(users, u)
	}
	owners := make([]int64, len(users))
	for i := range users {
		owners[i] = users[i].ID
	}
	g := demo.NewGenerator(7, time.Now())
	for lo := 0; lo < people; lo += 10_000 {
		book := g.Book(min(10_000, people-lo), owners)
		if err := db.BulkCreatePeople(ctx, rapport.Member(org, &users[0]), book); err != nil {
			return nil, nil, "", err
		}
	}
	for {
		n, err := db.IndexBacklog(ctx)
		if err != nil {
			return nil, nil, "", err
		}
		if n == 0 {
			break
		}
	}
	if err := db.Settle(ctx); err != nil {
		return nil, nil, "", err
	}
	key, prefix, khash := auth.NewAPIKey()
	if err := db.CreateAPIKey(ctx, rapport.Actor{Org: org.ID}, &store.APIKey{OrgID: org.ID, UserID: users[0].ID, Prefix: prefix, Hash: khash, Name: "load"}); err != nil {
		return nil, nil, "", err
	}
	return org, users, key, nil
}

func personIDs(ctx context.Context, db *store.DB, orgID int64) ([]int64, error) {
	var ids []int64
	err := db.RawScan(ctx, &ids, "SELECT id FROM people WHERE org_id = ? ORDER BY id LIMIT 5000", orgID)
	return ids, err
}
