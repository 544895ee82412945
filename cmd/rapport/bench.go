package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/bench"
)

// benchCmd runs the scale benchmark and prints a table and a JSON line.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rapport bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	people := fs.Int("people", 1_000_000, "how many people to generate and import")
	requests := fs.Int("requests", 1000, "requests per measured page (at least 1000)")
	dir := fs.String("dir", "", "directory for the temporary database (default: a new temporary directory)")
	load := fs.Bool("load", false, "run the load test instead: concurrent signed-in users against the server over loopback")
	users := fs.Int("users", 200, "with --load: concurrent signed-in users")
	duration := fs.Duration("duration", 30*time.Second, "with --load: how long the mix runs")
	db := fs.String("db", "", "with --load: an empty PostgreSQL database URL (default: a new SQLite file)")
	think := fs.Duration("think", 2*time.Second, "with --load: average pause between a user's actions (-1s: none)")
	servers := fs.Int("servers", 0, "with --load: run the mix against this many `rapport serve` processes (more than one needs --db postgres://…); 0: the bench's own server")
	haproxy := fs.String("haproxy", "", "with --servers: path of haproxy (e.g. /usr/sbin/haproxy) to put in front of the servers; without it each user keeps to one server")
	killAfter := fs.Duration("kill-after", 0, "with --servers 2 or more: kill one server (SIGKILL) this long into the mix (default: half the duration, unless --disrupt-cmd is given; 0: none)")
	disruptAfter := fs.Duration("disrupt-after", 0, "with --disrupt-cmd: when to run it (default: half the duration)")
	disruptCmd := fs.String("disrupt-cmd", "", "with --load: a shell command to run in the middle of the mix (a failover drill)")
	again := fs.Bool("again", false, "measure the pages again on the book an earlier run left in --dir, without importing it")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run (the bench's own server and load together) to this file, for go tool pprof")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !*load {
		res, err := bench.Run(ctx, bench.Options{People: *people, Requests: *requests, Dir: *dir, Progress: stdout, Again: *again})
		if err != nil {
			return err
		}
		printScale(stdout, res)
		return json.NewEncoder(stdout).Encode(res)
	}
	o := bench.LoadOptions{DB: *db, Dir: *dir, Users: *users, People: 20_000, Duration: *duration, Think: *think,
		Servers: *servers, HAProxy: *haproxy, KillAfter: *killAfter, DisruptAfter: *disruptAfter, DisruptCmd: *disruptCmd, Progress: stdout}
	if set["people"] {
		o.People = *people
	}
	if !set["kill-after"] && *servers > 1 && *disruptCmd == "" {
		o.KillAfter = *duration / 2
	}
	if !set["disrupt-after"] {
		o.DisruptAfter = *duration / 2
	}
	switch {
	case *servers > 1 && *db == "":
		fmt.Fprintf(stderr, "rapport bench: --servers %d needs --db postgres://… (servers share one PostgreSQL database; a SQLite file is served by one server)\n", *servers)
		return errUsage
	case set["disrupt-after"] && *disruptCmd == "":
		fmt.Fprintln(stderr, "rapport bench: --disrupt-after without --disrupt-cmd: say what to run")
		return errUsage
	case *users < 1:
		fmt.Fprintf(stderr, "rapport bench: --users %d: at least one user\n", *users)
		return errUsage
	case *duration <= 0:
		fmt.Fprintf(stderr, "rapport bench: --duration %v: the mix must run for some time\n", *duration)
		return errUsage
	case *think == 0:
		fmt.Fprintln(stderr, "rapport bench: --think 0: say --think=-1s for no pause between actions")
		return errUsage
	case *killAfter < 0 || *disruptAfter < 0:
		fmt.Fprintln(stderr, "rapport bench: --kill-after and --disrupt-after are times into the mix: 0 or more")
		return errUsage
	}
	if *servers > 0 {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find this program to start servers: %w", err)
		}
		if o.DB == "" {
			// One server on a SQLite file the bench makes and removes.
			d, err := os.MkdirTemp(*dir, "rapport-load-*")
			if err != nil {
				return err
			}
			defer os.RemoveAll(d)
			o.DB = filepath.Join(d, "load.db")
		}
		o.Serve = func(addr string) *exec.Cmd { return serveForBench(exe, o.DB, addr) }
	}
	res, err := bench.Load(ctx, o)
	if err != nil {
		return err
	}
	printLoad(stdout, res)
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		return err
	}
	var failed []error
	if res.AcknowledgedMissing > 0 {
		failed = append(failed, fmt.Errorf("%d of %d acknowledged writes are not in the database (first: %s)", res.AcknowledgedMissing, res.AcknowledgedWrites, res.FirstMissing))
	}
	if d := res.Disrupted; d != nil && d.Error != "" {
		failed = append(failed, fmt.Errorf("the disrupting command failed (%s)", d.Error))
	}
	if len(res.ServerProblems) > 0 {
		failed = append(failed, fmt.Errorf("%d servers stopped by themselves", len(res.ServerProblems)))
	}
	return errors.Join(failed...)
}

// serveForBench is `rapport serve` as the load bench runs it: on db, at
// addr, without limits on the bench's API key, trusting loopback as the
// proxy (each user says its own address), and with nothing of the
// environment's settings that would change where it listens or how. The
// database URL goes in the environment, out of the process list.
func serveForBench(exe, db, addr string) *exec.Cmd {
	cmd := exec.Command(exe, "serve", "--addr", addr, "--base-url", "http://"+addr, "--log-level", "warn",
		"--api-rate", "1000000000", "--api-burst", "1000000000", "--trusted-proxies", "127.0.0.0/8",
		"--smtp-url", "log:", "--smtp-listen", "", "--tls-cert", "", "--tls-key", "", "--db-session", "", "--secure-cookies=false")
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "RAPPORT_DB=") }), "RAPPORT_DB="+db)
	return cmd
}

func printLoad(w io.Writer, res *bench.LoadResult) {
	pauses := fmt.Sprintf("pausing %v between actions", time.Duration(res.ThinkMS)*time.Millisecond)
	if res.ThinkMS < 0 {
		pauses = "without pauses"
	}
	where := "the bench's own server"
	switch {
	case res.HAProxy:
		where = fmt.Sprintf("%d servers through haproxy", res.Servers)
	case res.Servers == 1:
		where = "one server process"
	case res.Servers > 1:
		where = fmt.Sprintf("%d servers, each user keeping to one", res.Servers)
	}
	fmt.Fprintf(w, "\n%s on %s, %d users (%s) for %.1f s: %d requests (%.0f/s), p50 %.1f ms, p99 %.1f ms, %d errors, %d \"database is locked\"\n",
		res.Dialect, where, res.Users, pauses, res.Seconds, res.Requests, res.PerSecond, res.P50, res.P99, res.Errors, res.Locked)
	for _, a := range []string{"today", "search", "person", "log", "event"} {
		t := res.ByAction[a]
		fmt.Fprintf(w, "  %-8s %7d requests  p50 %7.1f ms  p99 %7.1f ms  %d errors\n", a, t.N, t.P50, t.P99, t.Errors)
	}
	if res.FirstError != "" {
		fmt.Fprintln(w, "  first error:", res.FirstError)
	}
	if res.BaselinePerSecond > 0 {
		fmt.Fprintf(w, "  baseline (one person by primary key, no pauses): %.0f/s, p50 %.1f ms, p99 %.1f ms; the mix is %.2f of it\n",
			res.BaselinePerSecond, res.BaselineP50, res.BaselineP99, res.MixedVsBaseline)
	}
	if res.BaselineErrors > 0 {
		fmt.Fprintf(w, "  baseline errors: %d (first: %s)\n", res.BaselineErrors, res.BaselineFirstError)
	}
	if k := res.Killed; k != nil {
		fmt.Fprintf(w, "  killed %s at %.1f s (gone %.0f ms later): %d requests in flight on it failed; %d refused connections sent on to the next server\n",
			k.Server, k.AtS, k.TookMS, res.InFlightAtKill, res.Rerouted)
	}
	if d := res.Disrupted; d != nil {
		status := "done"
		if d.Error != "" {
			status = "failed: " + d.Error
		}
		fmt.Fprintf(w, "  ran %q at %.1f s for %.1f s: %s\n", d.Command, d.AtS, d.TookS, status)
		if d.Output != "" {
			fmt.Fprintf(w, "    %s\n", strings.ReplaceAll(d.Output, "\n", "\n    "))
		}
	}
	switch sw := res.Switch; {
	case sw == nil:
	case sw.WritesBackAtS < 0:
		fmt.Fprintf(w, "  from then: no write acknowledged in the %.2f s left; %d requests failed\n", sw.WritesStoppedS, sw.Errors)
	default:
		fmt.Fprintf(w, "  from then: no write acknowledged for %.2f s (until %.1f s), %d requests failed meanwhile, %d after\n",
			sw.WritesStoppedS, sw.WritesBackAtS, sw.Errors, sw.After)
	}
	names := make([]string, 0, len(res.ByServer))
	for name := range res.ByServer {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := res.ByServer[name]
		after := ""
		if res.Killed != nil {
			after = fmt.Sprintf("  %d answered after the kill", s.AnsweredAfterKill)
		}
		fmt.Fprintf(w, "  %-8s %7d requests  %d errors%s\n", name, s.Requests, s.Errors, after)
	}
	for _, p := range res.ServerProblems {
		fmt.Fprintln(w, "  "+p)
	}
	fmt.Fprintf(w, "  acknowledged writes: %d, not in the database afterwards: %d\n", res.AcknowledgedWrites, res.AcknowledgedMissing)
}

func printScale(w io.Writer, res *bench.Result) {
	fmt.Fprintf(w, "\n%-28s %12s\n", "measure", "value")
	rows := []struct {
		name string
		v    float64
		unit string
	}{
		{"import", res.ImportRowsPerS, "rows/s"}, {"raw prepared insert", res.RawRowsPerS, "rows/s"},
		{"import / raw", 100 * res.ImportVsRaw, "%"}, {"searchable after", res.SearchableAfter, "s"},
		{"search p50", res.SearchP50, "ms"}, {"search p99", res.SearchP99, "ms"},
		{"today p50", res.TodayP50, "ms"}, {"today p99", res.TodayP99, "ms"},
		{"today p50 (after a write)", res.TodayReadP50, "ms"}, {"today p99 (after a write)", res.TodayReadP99, "ms"},
		{"person page p50", res.PersonP50, "ms"}, {"person page p99", res.PersonP99, "ms"},
		{"API list p50", res.APIListP50, "ms"}, {"API list p99", res.APIListP99, "ms"},
		{"healthz p50 (baseline)", res.HealthP50, "ms"}, {"peak memory", res.PeakRSSMB, "MB"},
	}
	for _, r := range rows {
		if r.v == 0 {
			continue // not measured (bench --again does not import)
		}
		fmt.Fprintf(w, "%-28s %12.2f %s\n", r.name, r.v, r.unit)
	}
}
