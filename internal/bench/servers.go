package bench

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"
)

// A load run with Servers drives real `rapport serve` processes sharing
// one database, optionally behind haproxy; this file starts, watches,
// kills and stops them.

// process is a child the bench started: a server, or haproxy.
type process struct {
	name string
	addr string // host:port it listens on
	cmd  *exec.Cmd
	log  *tail
	done chan struct{} // closed once the process has ended and been reaped
	err  error         // Wait's answer, once done is closed
}

func startProcess(name, addr string, cmd *exec.Cmd) (*process, error) {
	p := &process{name: name, addr: addr, cmd: cmd, log: &tail{max: 4 << 10}, done: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = p.log
	}
	cmd.Stderr = p.log
	dieWithBench(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (%s): %w", name, cmd.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill ends the process at once (SIGKILL, nothing to clean up) and
// returns once it is gone: its sockets are closed by then, so a new
// connection to it is refused.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// stop asks the process to finish with sig (SIGTERM: a server finishes
// its requests in flight) and kills it after grace.
func (p *process) stop(sig os.Signal, grace time.Duration) {
	if p.exited() {
		return
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.kill()
		return
	}
	select {
	case <-p.done:
	case <-time.After(grace):
		p.kill()
	}
}

// waitReady polls url until it answers 200, the process ends, ctx is
// done or timeout passes.
func (p *process) waitReady(ctx context.Context, url string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %s with 200 within %v; its output:\n%s", p.name, url, timeout, p.log)
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s stopped before it was ready (%v); its output:\n%s", p.name, p.err, p.log)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// cluster is the servers of a load run, and haproxy when it is in front
// of them.
type cluster struct {
	servers []*process
	proxy   *process
	dir     string // haproxy's configuration
}

// startCluster starts n servers on free loopback ports, each from
// serve(addr), waits until each answers /healthz, and starts haproxy in
// front of them when haproxy names its binary.
func startCluster(ctx context.Context, n int, serve func(addr string) *exec.Cmd, haproxy string) (*cluster, error) {
	c := &cluster{}
	for i := range n {
		addr, err := freeAddr()
		if err != nil {
			c.stop()
			return nil, err
		}
		p, err := startProcess(fmt.Sprintf("s%d", i+1), addr, serve(addr))
		if err != nil {
			c.stop()
			return nil, err
		}
		c.servers = append(c.servers, p)
	}
	for _, p := range c.servers {
		// Servers starting together take turns at the migration lock.
		if err := p.waitReady(ctx, "http://"+p.addr+"/healthz", time.Minute); err != nil {
			c.stop()
			return nil, err
		}
	}
	if haproxy != "" {
		if err := c.startHAProxy(ctx, haproxy); err != nil {
			c.stop()
			return nil, err
		}
	}
	return c, nil
}

//go:embed haproxy.cfg.tmpl
var haproxyTemplate string

var haproxyConfig = template.Must(template.New("haproxy.cfg").Parse(haproxyTemplate))

// startHAProxy writes haproxy's configuration for the cluster's servers
// and runs it in the foreground, as its supervisor would.
func (c *cluster) startHAProxy(ctx context.Context, bin string) error {
	dir, err := os.MkdirTemp("", "rapport-haproxy-*")
	if err != nil {
		return err
	}
	c.dir = dir
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	type server struct{ Name, Addr string }
	data := struct {
		Listen, RequestHeader string
		Servers               []server
	}{Listen: addr, RequestHeader: requestHeader}
	for _, s := range c.servers {
		data.Servers = append(data.Servers, server{s.name, s.addr})
	}
	var b strings.Builder
	if err := haproxyConfig.Execute(&b, data); err != nil {
		return err
	}
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return err
	}
	// Its log (on its standard output) says which server took each request.
	log, err := os.Create(filepath.Join(dir, "requests.log"))
	if err != nil {
		return err
	}
	defer log.Close() // the child has its own
	// -db: stay in the foreground, whatever the configuration says.
	cmd := exec.Command(bin, "-db", "-f", cfg)
	cmd.Stdout = log
	p, err := startProcess("haproxy", addr, cmd)
	if err != nil {
		return err
	}
	c.proxy = p
	return p.waitReady(ctx, "http://"+addr+"/healthz", 20*time.Second)
}

// requestHeader carries each request's identity, which haproxy logs with
// the server it sent the request to.
const requestHeader = "X-Load-Request"

// stopProxy stops haproxy, once the requests it is forwarding are done
// and logged (SIGUSR1), and reads its log: the index of the server each
// request went to, by the request's identity. A request that failed with
// the server it was on gets no answer naming the server: only the log
// says where it was.
func (c *cluster) stopProxy() (map[string]int, error) {
	c.proxy.stop(proxyStop, 5*time.Second)
	b, err := os.ReadFile(filepath.Join(c.dir, "requests.log"))
	if err != nil {
		return nil, err
	}
	servers := map[string]int{}
	for _, line := range strings.Split(string(b), "\n") {
		// "<request> <server>", see haproxy.cfg.tmpl; health checks and
		// requests without the header log "-".
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] != "-" {
			servers[f[0]] = c.serverIndex(f[1])
		}
	}
	return servers, nil
}

// serverIndex is the index of the server named name, or -1.
func (c *cluster) serverIndex(name string) int {
	for i, s := range c.servers {
		if s.name == name {
			return i
		}
	}
	return -1
}

// problems names the servers that ended during the run although no one
// killed them, with their last output.
func (c *cluster) problems(killed int) []string {
	var out []string
	for i, s := range c.servers {
		if i != killed && s.exited() {
			out = append(out, fmt.Sprintf("server %s stopped during the run (%v); its output:\n%s", s.name, s.err, s.log))
		}
	}
	if c.proxy != nil && c.proxy.exited() {
		out = append(out, fmt.Sprintf("haproxy stopped during the run (%v); its output:\n%s", c.proxy.err, c.proxy.log))
	}
	return out
}

// stop ends haproxy, then the servers, together.
func (c *cluster) stop() {
	if c == nil {
		return
	}
	if c.proxy != nil {
		c.proxy.stop(proxyStop, 5*time.Second)
	}
	var wg sync.WaitGroup
	for _, s := range c.servers {
		wg.Go(func() { s.stop(syscall.SIGTERM, 20*time.Second) })
	}
	wg.Wait()
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
}

// freeAddr is a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tail keeps the last max bytes written to it: a child's output, shown
// when it fails.
type tail struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimRight(string(t.b), "\n")
}
