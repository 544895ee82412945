package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/bench"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestBenchServersKill runs `rapport bench --load --servers 3` on
// PostgreSQL with one server killed half way: each user keeping to one
// server (and a disrupting command run near the end), then through
// haproxy when it is installed. No request may fail but those in flight
// on the killed server, every acknowledged write must be in the database,
// and the surviving servers must go on answering.
func TestBenchServersKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs server processes")
	}
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skipf("set %s to run several servers on PostgreSQL", storetest.PostgresEnv)
	}
	t.Setenv(asRapportEnv, "1") // the servers the bench starts are this binary
	for _, c := range []struct {
		name    string
		haproxy bool
	}{{"round robin", false}, {"haproxy", true}} {
		t.Run(c.name, func(t *testing.T) {
			db := storetest.DSN(t, storetest.OpenPostgres(t, time.Now))
			args := []string{"bench", "--load", "--servers", "3", "--db", db, "--people", "2000", "--users", "20",
				"--duration", "8s", "--think=-1s"}
			disrupted := filepath.Join(t.TempDir(), "disrupted")
			if c.haproxy {
				args = append(args, "--haproxy", haproxyBinary(t))
			} else {
				args = append(args, "--kill-after", "4s", "--disrupt-after", "6s", "--disrupt-cmd", `echo "$RAPPORT_BENCH_SERVER_PIDS" > `+disrupted)
			}
			code, out, errOut := runCmd(t, "", args...)
			if code != 0 {
				t.Fatalf("exit %d:\n%s\n%s", code, out, errOut)
			}
			res := loadResult(t, out)
			t.Logf("%.0f requests/s (%.3f of the baseline's %.0f/s), p50 %.1f ms, p99 %.1f ms, %d in flight at the kill, %d acknowledged writes, by server %+v",
				res.PerSecond, res.MixedVsBaseline, res.BaselinePerSecond, res.P50, res.P99, res.InFlightAtKill, res.AcknowledgedWrites, res.ByServer)
			if res.Servers != 3 || res.HAProxy != c.haproxy || res.Killed == nil || len(res.ByServer) != 3 {
				t.Fatalf("servers %d, haproxy %v, killed %+v, by server %+v", res.Servers, res.HAProxy, res.Killed, res.ByServer)
			}
			if res.Errors > 0 || len(res.ServerProblems) > 0 {
				t.Errorf("%d errors besides the %d in flight at the kill (first: %s); problems %q", res.Errors, res.InFlightAtKill, res.FirstError, res.ServerProblems)
			}
			if res.AcknowledgedWrites == 0 || res.AcknowledgedMissing > 0 {
				t.Errorf("%d acknowledged writes, %d not in the database (first: %s)", res.AcknowledgedWrites, res.AcknowledgedMissing, res.FirstMissing)
			}
			for name, s := range res.ByServer {
				switch killed := name == res.Killed.Server; {
				case killed && s.AnsweredAfterKill > 0:
					t.Errorf("%s answered %d requests after it was killed", name, s.AnsweredAfterKill)
				case !killed && s.AnsweredAfterKill == 0:
					t.Errorf("%s answered nothing after %s was killed", name, res.Killed.Server)
				}
			}
			if res.BaselinePerSecond <= 0 || res.MixedVsBaseline <= 0 {
				t.Errorf("baseline %.0f/s, mix/baseline %.3f", res.BaselinePerSecond, res.MixedVsBaseline)
			}
			if !c.haproxy {
				pids, err := os.ReadFile(disrupted)
				if d := res.Disrupted; err != nil || d == nil || d.Error != "" || len(strings.Fields(string(pids))) != 3 {
					t.Errorf("disrupting command: %+v; it wrote %q (%v)", d, pids, err)
				}
			}
		})
	}
}

// TestBenchServersNeedPostgres: several servers on a SQLite file are
// refused before anything starts.
func TestBenchServersNeedPostgres(t *testing.T) {
	code, _, errOut := runCmd(t, "", "bench", "--load", "--servers", "2")
	if code != 2 || !strings.Contains(errOut, "--db postgres://") {
		t.Errorf("no --db: exit %d, %q", code, errOut)
	}
	code, _, errOut = runCmd(t, "", "bench", "--load", "--servers", "2", "--db", filepath.Join(t.TempDir(), "x.db"))
	if code != 1 || !strings.Contains(errOut, "PostgreSQL") {
		t.Errorf("SQLite: exit %d, %q", code, errOut)
	}
	for _, bad := range [][]string{{"--users", "0"}, {"--duration", "0s"}, {"--think", "0s"}, {"--kill-after", "-1s"}} {
		if code, _, errOut := runCmd(t, "", append([]string{"bench", "--load"}, bad...)...); code != 2 || !strings.Contains(errOut, bad[0]) {
			t.Errorf("%v: exit %d, %q", bad, code, errOut)
		}
	}
	code, _, errOut = runCmd(t, "", "bench", "--load", "--disrupt-after", "1s")
	if code != 2 || !strings.Contains(errOut, "--disrupt-cmd") {
		t.Errorf("--disrupt-after alone: exit %d, %q", code, errOut)
	}
}

// haproxyBinary finds Debian's haproxy, or skips (fails where CI says it
// is required).
func haproxyBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"haproxy", "/usr/sbin/haproxy"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("RAPPORT_TEST_HAPROXY") == "required" {
		t.Fatal("haproxy is not installed (apt-get install haproxy) and RAPPORT_TEST_HAPROXY=required")
	}
	t.Skip("haproxy is not installed (apt-get install haproxy)")
	return ""
}

// loadResult reads the JSON line the load bench prints last.
func loadResult(t *testing.T, out string) *bench.LoadResult {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res bench.LoadResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("no JSON result: %v\n%s", err, out)
	}
	return &res
}

// TestHAProxyExampleConfig: the example configuration the README points
// to is one haproxy accepts.
func TestHAProxyExampleConfig(t *testing.T) {
	out, err := exec.Command(haproxyBinary(t), "-c", "-f", filepath.Join("..", "..", "docs", "haproxy.cfg.example")).CombinedOutput()
	if err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
}
