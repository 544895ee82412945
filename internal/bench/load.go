package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/config"
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
	Think time.Duration
	// Baseline is how long the baseline (baseline.go) runs after the mix:
	// zero for max(5s, Duration/4), negative for none.
	Baseline time.Duration

	// Servers, when above zero, runs the mix against that many real
	// servers sharing the database (several need PostgreSQL), each
	// started by Serve(addr) to listen at addr; the bench's own server
	// then serves only the baseline. Each user stays with one server,
	// round robin, and moves to the next when a connection to it fails;
	// with HAProxy (the path of its binary) they all go through haproxy
	// instead.
	Servers int
	Serve   func(addr string) *exec.Cmd
	HAProxy string
	// KillAfter, when above zero, kills one of the servers (SIGKILL) that
	// long into the mix.
	KillAfter time.Duration
	// DisruptCmd, when set, is run with sh -c DisruptAfter into the mix
	// (a failover drill: promote a standby…). It finds the servers'
	// addresses and process ids in RAPPORT_BENCH_SERVER_ADDRS and
	// RAPPORT_BENCH_SERVER_PIDS, separated by spaces.
	DisruptAfter time.Duration
	DisruptCmd   string

	Progress io.Writer
}

// LoadResult is what a load run measured.
type LoadResult struct {
	Users     int     `json:"users"`
	Seconds   float64 `json:"seconds"`
	Requests  int     `json:"requests"`
	PerSecond float64 `json:"requests_per_s"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	// Errors are the requests that failed, but for those in flight on a
	// server at the moment it was killed (InFlightAtKill).
	Errors     int                   `json:"errors"`
	Locked     int                   `json:"database_locked"`
	ByAction   map[string]ActionTime `json:"by_action"`
	FirstError string                `json:"first_error,omitempty"`
	ThinkMS    int64                 `json:"think_ms"`
	Dialect    string                `json:"dialect"`

	// The baseline (baseline.go), and the mix's requests per second as a
	// share of the baseline's.
	BaselinePerSecond  float64 `json:"baseline_requests_per_s"`
	BaselineP50        float64 `json:"baseline_p50_ms"`
	BaselineP99        float64 `json:"baseline_p99_ms"`
	BaselineErrors     int     `json:"baseline_errors,omitempty"`
	BaselineFirstError string  `json:"baseline_first_error,omitempty"`
	MixedVsBaseline    float64 `json:"mixed_vs_baseline"`

	// Servers is how many server processes took the mix (0: the bench's
	// own server), HAProxy whether haproxy was in front of them.
	Servers int  `json:"servers"`
	HAProxy bool `json:"haproxy,omitempty"`
	// InFlightAtKill are the requests that failed because the server
	// working on them was killed; Rerouted the requests a gone server
	// refused, sent at once to the next one (nothing had been sent).
	InFlightAtKill int                   `json:"in_flight_at_kill"`
	Rerouted       int                   `json:"rerouted"`
	Killed         *Kill                 `json:"killed,omitempty"`
	Disrupted      *Disruption           `json:"disrupted,omitempty"`
	Switch         *Switch               `json:"switch,omitempty"`
	ByServer       map[string]ServerLoad `json:"by_server,omitempty"`
	// ServerProblems are servers (or haproxy) that stopped by themselves.
	ServerProblems []string `json:"server_problems,omitempty"`

	// AcknowledgedWrites are the calls logged (answered 303 or 2xx) and
	// events posted (2xx) during the mix; AcknowledgedMissing those of
	// them the database did not hold afterwards.
	AcknowledgedWrites  int    `json:"acknowledged_writes"`
	AcknowledgedMissing int    `json:"acknowledged_missing"`
	FirstMissing        string `json:"first_missing,omitempty"`
}

// ActionTime is one action's share of a load run.
type ActionTime struct {
	N      int     `json:"n"`
	P50    float64 `json:"p50_ms"`
	P99    float64 `json:"p99_ms"`
	Errors int     `json:"errors"`
}

// ServerLoad is one server's share of a load run.
type ServerLoad struct {
	Requests int `json:"requests"`
	Errors   int `json:"errors"`
	// AnsweredAfterKill are its requests sent after the kill and answered.
	AnsweredAfterKill int `json:"answered_after_kill"`
}

// Kill says which server was killed, when, and how long it took to be gone.
type Kill struct {
	Server string  `json:"server"`
	AtS    float64 `json:"at_s"`
	TookMS float64 `json:"took_ms"`
}

// Disruption says what the disrupting command did.
type Disruption struct {
	Command string  `json:"command"`
	AtS     float64 `json:"at_s"`
	TookS   float64 `json:"took_s"`
	Error   string  `json:"error,omitempty"`
	Output  string  `json:"output,omitempty"`
}

// Load seeds a book, starts the real server on loopback (or o.Servers
// server processes) and drives it with o.Users concurrent signed-in users
// doing the mix for o.Duration, then checks that every write a server
// acknowledged is in the database and measures the baseline.
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
	if o.Baseline == 0 {
		o.Baseline = max(5*time.Second, o.Duration/4)
	}
	if err := o.check(); err != nil {
		return nil, err
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
	if o.Servers > 1 && db.Dialect() != store.Postgres {
		return nil, fmt.Errorf("%d servers need a PostgreSQL database (a SQLite file is served by one server)", o.Servers)
	}
	org, accounts, key, err := loadSetup(ctx, db, o.Accounts, o.People)
	if err != nil {
		return nil, err
	}
	say("seeded %d people for %d accounts (%s)", o.People, o.Accounts, db.Dialect())

	mux, err := loadHandler(db, org.ID)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	own := &target{base: "http://" + ln.Addr().String(), server: -1, transport: newTransport(o.Users)}
	defer own.transport.CloseIdleConnections()

	r := &loadRun{o: o, key: key}
	if r.ids, err = personIDs(ctx, db, org.ID); err != nil {
		return nil, err
	}
	if o.Servers > 0 {
		say("starting %d servers", o.Servers)
		if r.cluster, err = startCluster(ctx, o.Servers, o.Serve, o.HAProxy); err != nil {
			return nil, err
		}
		defer r.cluster.stop()
		if r.cluster.proxy != nil {
			r.targets = []*target{{base: "http://" + r.cluster.proxy.addr, server: -1, transport: newTransport(o.Users)}}
			say("haproxy at %s in front of them", r.cluster.proxy.addr)
		} else {
			for i, s := range r.cluster.servers {
				r.targets = append(r.targets, &target{base: "http://" + s.addr, server: i, transport: newTransport(o.Users)})
			}
		}
		for _, t := range r.targets {
			defer t.transport.CloseIdleConnections()
		}
	} else {
		r.targets = []*target{own}
	}
	users := make([]*user, o.Users)
	for i := range users {
		users[i] = newUser(i % len(r.targets))
	}
	if err := r.signIn(users, accounts); err != nil {
		return nil, err
	}
	say("%d users signed in; running the mix for %v", o.Users, o.Duration)
	samples := r.mix(ctx, users)
	var problems []string
	if r.cluster != nil {
		if ctx.Err() == nil { // interrupted, they were stopped too
			problems = r.cluster.problems(r.killedIndex())
		}
		if r.cluster.proxy != nil {
			if err := r.placeThroughProxy(samples); err != nil {
				return nil, err
			}
		}
		r.cluster.stop()
	}
	res, writes := r.summarize(samples, db.Dialect())
	res.ServerProblems = problems

	// Even when the run was interrupted: what was acknowledged must be there.
	missing, err := writes.missing(context.WithoutCancel(ctx), db, org.ID)
	if err != nil {
		return nil, err
	}
	res.AcknowledgedWrites, res.AcknowledgedMissing = writes.count(), len(missing)
	if len(missing) > 0 {
		res.FirstMissing = missing[0]
	}
	if o.Baseline > 0 && ctx.Err() == nil {
		say("baseline: one person by primary key, without pauses, for %v", o.Baseline)
		clients := make([]*http.Client, len(users))
		for i, u := range users {
			clients[i] = u.client(own)
		}
		b := runBaseline(ctx, own.base, clients, r.ids, o.Baseline)
		res.BaselinePerSecond, res.BaselineP50, res.BaselineP99 = b.perSecond, b.p50, b.p99
		res.BaselineErrors, res.BaselineFirstError = b.errors, b.firstError
		if b.perSecond > 0 {
			res.MixedVsBaseline = res.PerSecond / b.perSecond
		}
	}
	return res, nil
}

// loadHandler is the bench's own server: the product (web and API, with
// no rate limit) and the baseline page of org's people.
func loadHandler(db *store.DB, org int64) (http.Handler, error) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	apiSrv := api.New(api.Options{DB: db, RatePerMinute: 1 << 30, Burst: 1 << 30, Logger: quiet})
	app, err := web.New(web.Options{DB: db, Logger: quiet})
	if err != nil {
		return nil, err
	}
	// Users are at addresses of their own, as people are: the server
	// trusts loopback as its proxy, and each user's sign-in says where
	// they are (one address for all would be an office of hundreds).
	mux := http.NewServeMux()
	mux.Handle("GET "+baselinePath+"{id}", baselinePage(db, org))
	mux.Handle("/", server.New(app, apiSrv, nil, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, config.DefaultInFlight(), nil))
	return mux, nil
}

// check refuses options that cannot work together.
func (o *LoadOptions) check() error {
	switch {
	case o.Servers < 0:
		return fmt.Errorf("servers: %d is not a number of servers", o.Servers)
	case o.Servers > 0 && o.Serve == nil:
		return errors.New("servers without a command to start one")
	case o.Servers > 1 && o.Store == nil && !store.IsPostgresURL(o.DB):
		return fmt.Errorf("%d servers need a PostgreSQL database (postgres://…); a SQLite file is served by one server", o.Servers)
	case o.HAProxy != "" && o.Servers == 0:
		return errors.New("haproxy goes in front of servers: give a number of servers")
	case o.KillAfter > 0 && o.Servers < 2:
		return errors.New("killing a server needs at least two, so that its users have somewhere to go")
	case o.KillAfter >= o.Duration:
		return fmt.Errorf("the kill (after %v) would come after the mix (%v)", o.KillAfter, o.Duration)
	case o.DisruptCmd != "" && o.DisruptAfter >= o.Duration:
		return fmt.Errorf("the disruption (after %v) would come after the mix (%v)", o.DisruptAfter, o.Duration)
	}
	return nil
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
