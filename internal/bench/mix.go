package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// The mix: what a signed-in user does, with weights out of 100.
var loadMix = []struct {
	name   string
	weight int
}{
	{"today", 25}, {"search", 20}, {"person", 25}, {"log", 20}, {"event", 10},
}

// loadRun is one run of the mix: where the users' requests go, and what
// happened to the servers meanwhile.
type loadRun struct {
	o       LoadOptions
	cluster *cluster // nil: the bench's own server
	targets []*target
	ids     []int64
	key     string
	start   time.Time
	took    time.Duration // the users' part of the mix
	// Set during the mix, read once it is over.
	killed    *killed
	disrupted *Disruption
}

// target is where requests go: a server of the cluster, haproxy, or the
// bench's own server. Each has its own connections, so that those to a
// killed server can be dropped.
type target struct {
	base      string
	server    int // the cluster's server it is; -1: haproxy or the bench's own
	transport *http.Transport
}

func newTransport(users int) *http.Transport {
	return &http.Transport{MaxIdleConns: users * 2, MaxIdleConnsPerHost: users * 2, IdleConnTimeout: time.Minute}
}

// user is one signed-in browser: its cookies, and the target it uses.
type user struct {
	jar    http.CookieJar
	target int
}

func newUser(target int) *user {
	jar, _ := cookiejar.New(nil)
	return &user{jar: jar, target: target}
}

// client sends u's requests to t. Cookies do not depend on the port, so a
// session opened on one server goes with the user to the others (they
// share the sessions through the database).
func (u *user) client(t *target) *http.Client {
	return &http.Client{Jar: u.jar, Transport: t.transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// killed is the kill of a server: which, and from the signal to the
// process being gone, since the mix began.
type killed struct {
	server   int
	from, to time.Duration
}

func (r *loadRun) killedIndex() int {
	if r.killed == nil {
		return -1
	}
	return r.killed.server
}

// signIn signs every user in at its target. Password hashing is
// deliberately slow and bounded, and not part of the mix: the browsers of
// one account sign in one after another, as a person does; accounts sign
// in at once.
func (r *loadRun) signIn(users []*user, accounts []rapport.User) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(users))
	for a := range min(len(accounts), len(users)) {
		wg.Go(func() {
			for i := a; i < len(users); i += len(accounts) {
				t := r.targets[users[i].target]
				form := url.Values{"email": {accounts[a].Email}, "password": {password}}
				req, _ := http.NewRequest("POST", t.base+"/signin", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", i/65536%256, i/256%256, i%256))
				resp, err := users[i].client(t).Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusSeeOther {
						err = fmt.Errorf("sign in at %s: %d", t.base, resp.StatusCode)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// sample is one action of one user.
type sample struct {
	action     string
	id         string        // the request's identity (requestHeader)
	server     int           // the cluster's server that answered or failed it; -1: none or not known
	start, end time.Duration // since the mix began
	status     int
	err        string
	conn       bool // the error is the connection's: no answer came
	locked     bool
	rerouted   int    // servers that refused the connection (gone) before one took it
	ack        string // the write's mark, when a server acknowledged it
}

// mix runs the users until o.Duration has passed, killing a server and
// running the disrupting command on the way when asked to.
func (r *loadRun) mix(ctx context.Context, users []*user) [][]sample {
	o := r.o
	results := make([][]sample, len(users))
	r.start = time.Now()
	deadline := r.start.Add(o.Duration)
	over := make(chan struct{})
	var side sync.WaitGroup
	if o.KillAfter > 0 {
		side.Go(func() {
			if r.wait(ctx, o.KillAfter, over) {
				r.kill()
			}
		})
	}
	if o.DisruptCmd != "" {
		side.Go(func() {
			if r.wait(ctx, o.DisruptAfter, over) {
				r.disrupt(ctx)
			}
		})
	}
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			var mine []sample
			if o.Think > 0 {
				select {
				case <-time.After(time.Duration(rng.Int64N(int64(o.Think)))):
				case <-ctx.Done():
				}
			}
			for n := 0; time.Now().Before(deadline) && ctx.Err() == nil; n++ {
				c := newCall(pickAction(rng), rng, r.ids, r.key, i, n)
				mine = append(mine, r.send(ctx, u, c))
				if o.Think > 0 {
					pause := o.Think/2 + time.Duration(rng.Int64N(int64(o.Think)))
					select {
					case <-time.After(pause):
					case <-ctx.Done():
					}
				}
			}
			results[i] = mine
		})
	}
	wg.Wait()
	r.took = time.Since(r.start)
	close(over)
	side.Wait()
	return results
}

// wait waits until d into the mix; false when the mix ended first.
func (r *loadRun) wait(ctx context.Context, d time.Duration, over <-chan struct{}) bool {
	select {
	case <-time.After(time.Until(r.start.Add(d))):
		return true
	case <-over:
		return false
	case <-ctx.Done():
		return false
	}
}

// kill kills the cluster's last server.
func (r *loadRun) kill() {
	i := len(r.cluster.servers) - 1
	from := time.Since(r.start)
	r.cluster.servers[i].kill()
	to := time.Since(r.start)
	// A browser drops the connections of a host that went away; without
	// this, a request could still be written into a kept connection that
	// the client has not yet seen closed.
	for _, t := range r.targets {
		if t.server == i {
			t.transport.CloseIdleConnections()
		}
	}
	r.killed = &killed{server: i, from: from, to: to}
}

// disrupt runs the disrupting command and keeps what it said.
func (r *loadRun) disrupt(ctx context.Context) {
	var addrs, pids []string
	if r.cluster != nil {
		for _, s := range r.cluster.servers {
			addrs, pids = append(addrs, s.addr), append(pids, strconv.Itoa(s.cmd.Process.Pid))
		}
	} else {
		addrs, pids = []string{strings.TrimPrefix(r.targets[0].base, "http://")}, []string{strconv.Itoa(os.Getpid())}
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", r.o.DisruptCmd)
	cmd.WaitDelay = 5 * time.Second // what it left running may hold its output open
	cmd.Env = append(os.Environ(), "RAPPORT_BENCH_SERVER_ADDRS="+strings.Join(addrs, " "), "RAPPORT_BENCH_SERVER_PIDS="+strings.Join(pids, " "))
	out := &tail{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	from := time.Since(r.start)
	err := cmd.Run()
	d := &Disruption{Command: r.o.DisruptCmd, AtS: from.Seconds(), TookS: (time.Since(r.start) - from).Seconds(), Output: out.String()}
	if err != nil {
		d.Error = err.Error()
	}
	r.disrupted = d
}

// send sends one action for u and says how it went. A connection a server
// refused carried nothing, so the request goes at once to the next
// server; a connection lost on the way may have carried it, so the user
// goes on at the next server with its next action, as a person would
// after an error page, rather than write twice.
func (r *loadRun) send(ctx context.Context, u *user, c *call) sample {
	s := sample{action: c.action, id: c.id}
	for {
		t := r.targets[u.target]
		s.server, s.start = t.server, time.Since(r.start)
		resp, err := u.client(t).Do(c.request(ctx, t.base))
		if err != nil && errors.Is(err, syscall.ECONNREFUSED) && s.rerouted < len(r.targets)-1 {
			s.rerouted++
			u.target = (u.target + 1) % len(r.targets)
			continue
		}
		var body []byte
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				body, err = decode(resp.Header.Get("Content-Encoding"), body)
			}
			s.status = resp.StatusCode
		}
		s.end = time.Since(r.start)
		if err != nil {
			s.err, s.conn = err.Error(), true
			u.target = (u.target + 1) % len(r.targets)
			return s
		}
		s.locked = bytes.Contains(bytes.ToLower(body), []byte("database is locked"))
		switch {
		case s.status >= 400:
			s.err = fmt.Sprintf("%s %s: %d %s", c.method, c.path, s.status, firstLine(body))
		case c.acknowledged(s.status, resp.Header.Get("Location")):
			s.ack = c.mark
		}
		return s
	}
}

// placeThroughProxy stops haproxy and learns from its log which server
// each request went to. One kind of request is not in the log: when a
// server fails a request haproxy sent it on a kept connection, and the
// client's connection is kept too, haproxy closes the client's
// connection without an answer or a log line (so that the client may
// retry, as it would had it talked to the server). Such a request that
// was under way when a server was killed was on that server: no other
// failed.
func (r *loadRun) placeThroughProxy(results [][]sample) error {
	for _, t := range r.targets {
		t.transport.CloseIdleConnections()
	}
	servers, err := r.cluster.stopProxy()
	if err != nil {
		return fmt.Errorf("read haproxy's log: %w", err)
	}
	for _, rs := range results {
		for i := range rs {
			s := &rs[i]
			if n, ok := servers[s.id]; ok {
				s.server = n
			} else if k := r.killed; k != nil && s.conn && s.start <= k.to && s.end >= k.from {
				s.server = k.server
			}
		}
	}
	return nil
}

// inFlightAtKill says whether s failed because the server working on it
// was killed: it was on that server when the kill came, and got no answer
// (or, through haproxy, haproxy's answer that the server failed).
func (r *loadRun) inFlightAtKill(s *sample) bool {
	k := r.killed
	if k == nil || s.err == "" || s.server != k.server || s.start > k.to || s.end < k.from {
		return false
	}
	return s.conn || s.status == http.StatusBadGateway || s.status == http.StatusServiceUnavailable || s.status == http.StatusGatewayTimeout
}

// summarize turns the samples into the run's result, and the writes the
// servers acknowledged.
func (r *loadRun) summarize(results [][]sample, dialect string) (*LoadResult, *acked) {
	elapsed := r.took.Seconds()
	o := r.o
	res := &LoadResult{Users: len(results), Seconds: elapsed, ByAction: map[string]ActionTime{}, Dialect: dialect, ThinkMS: o.Think.Milliseconds(),
		Servers: o.Servers, HAProxy: r.cluster != nil && r.cluster.proxy != nil, Disrupted: r.disrupted}
	if r.killed != nil {
		res.Killed = &Kill{Server: r.cluster.servers[r.killed.server].name, AtS: r.killed.from.Seconds(),
			TookMS: float64((r.killed.to - r.killed.from).Microseconds()) / 1000}
	}
	if r.cluster != nil {
		res.ByServer = map[string]ServerLoad{}
		for _, s := range r.cluster.servers {
			res.ByServer[s.name] = ServerLoad{}
		}
	}
	if d := r.disrupted; d != nil {
		res.Switch = switchFigures(results, time.Duration(d.AtS*float64(time.Second)), r.took)
	}
	writes := &acked{}
	var all []float64
	byAction := map[string][]float64{}
	errs := map[string]int{}
	for _, rs := range results {
		for _, s := range rs {
			ms := float64((s.end - s.start).Microseconds()) / 1000
			all = append(all, ms)
			byAction[s.action] = append(byAction[s.action], ms)
			res.Rerouted += s.rerouted
			inFlight := r.inFlightAtKill(&s)
			switch {
			case inFlight:
				res.InFlightAtKill++
			case s.err != "":
				res.Errors++
				errs[s.action]++
				if res.FirstError == "" {
					res.FirstError = s.err
				}
			}
			if s.locked {
				res.Locked++
			}
			switch {
			case s.ack == "":
			case s.action == "log":
				writes.logs = append(writes.logs, s.ack)
			default:
				writes.events = append(writes.events, s.ack)
			}
			if s.server >= 0 && r.cluster != nil {
				name := r.cluster.servers[s.server].name
				l := res.ByServer[name]
				l.Requests++
				if s.err != "" && !inFlight {
					l.Errors++
				}
				if s.err == "" && r.killed != nil && s.start > r.killed.to {
					l.AnsweredAfterKill++
				}
				res.ByServer[name] = l
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
	return res, writes
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

// call is one action of the mix, ready to be sent to any server (and sent
// again to another when the first refuses the connection).
type call struct {
	action, method, path string
	id                   string // "user.n"
	body                 []byte
	contentType, bearer  string
	mark                 string // for a write: what identifies it in the database
}

// newCall builds user u's n-th action.
func newCall(action string, rng *rand.Rand, ids []int64, key string, u, n int) *call {
	id := strconv.FormatInt(ids[rng.IntN(len(ids))], 10)
	c := &call{action: action, method: "GET", id: fmt.Sprintf("%d.%d", u, n)}
	switch action {
	case "today":
		c.path = "/today"
	case "search":
		c.path = "/people?q=" + url.QueryEscape(loadSearches[rng.IntN(len(loadSearches))])
	case "person":
		c.path = "/people/" + id
	case "log":
		outcomes := []string{"no_answer", "voicemail", "live"}
		c.mark = logNotes(u, n)
		form := url.Values{"channel": {"call"}, "direction": {"outbound"}, "outcome": {outcomes[rng.IntN(3)]}, "notes": {c.mark}}
		c.method, c.path, c.body, c.contentType = "POST", "/people/"+id+"/log", []byte(form.Encode()), "application/x-www-form-urlencoded"
	case "event":
		c.mark = eventMessage(u, n)
		// A new lead each time: an email no one else has.
		c.body, _ = json.Marshal(map[string]any{"source": "Load test", "type": "Inquiry", "message": c.mark,
			"person": map[string]any{"firstName": "Lead", "lastName": fmt.Sprintf("L%d", rng.IntN(1_000_000)),
				"emails": []map[string]string{{"value": fmt.Sprintf("lead.u%d.n%d@load.test", u, n)}}}})
		c.method, c.path, c.contentType, c.bearer = "POST", "/api/v1/events", "application/json", key
	}
	return c
}

func (c *call) request(ctx context.Context, base string) *http.Request {
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, _ := http.NewRequestWithContext(ctx, c.method, base+c.path, body)
	req.Header.Set(requestHeader, c.id)
	if c.bearer == "" {
		// A browser's page: asked for as Chromium asks, so that the run
		// pays for the compression browsers get (decoded in send).
		req.Header.Set("Accept-Encoding", browserEncodings)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	return req
}

// acknowledged says whether a server answering status (and, for a
// redirect, location) took c's write: a logged call is answered with a
// redirect (or 2xx), an event with 2xx. A redirect to the sign-in page is
// a form turned away for want of a session, not a write.
func (c *call) acknowledged(status int, location string) bool {
	if c.mark == "" {
		return false
	}
	return status/100 == 2 || (c.action == "log" && status == http.StatusSeeOther && !strings.HasPrefix(location, "/signin"))
}

// browserEncodings is the Accept-Encoding Chromium sends.
const browserEncodings = "gzip, deflate, br, zstd"

// decode undoes an answer's Content-Encoding (a request that sets its own
// Accept-Encoding gets the body as sent).
func decode(encoding string, body []byte) ([]byte, error) {
	var r io.Reader
	switch encoding {
	case "", "identity":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	default:
		return nil, fmt.Errorf("answer in %q, which the bench cannot decode", encoding)
	}
	return io.ReadAll(r)
}
