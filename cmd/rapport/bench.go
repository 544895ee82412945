package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
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
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run (server and load together) to this file, for go tool pprof")
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
	if *load {
		n := 20_000
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "people" {
				n = *people
			}
		})
		res, err := bench.Load(ctx, bench.LoadOptions{DB: *db, Dir: *dir, Users: *users, People: n, Duration: *duration, Think: *think, Progress: stdout})
		if err != nil {
			return err
		}
		pauses := fmt.Sprintf("pausing %v between actions", *think)
		if *think < 0 {
			pauses = "without pauses"
		}
		fmt.Fprintf(stdout, "\n%s, %d users (%s) for %.1f s: %d requests (%.0f/s), p50 %.1f ms, p99 %.1f ms, %d errors, %d \"database is locked\"\n",
			res.Dialect, res.Users, pauses, res.Seconds, res.Requests, res.PerSecond, res.P50, res.P99, res.Errors, res.Locked)
		for _, a := range []string{"today", "search", "person", "log", "event"} {
			t := res.ByAction[a]
			fmt.Fprintf(stdout, "  %-8s %7d requests  p50 %7.1f ms  p99 %7.1f ms  %d errors\n", a, t.N, t.P50, t.P99, t.Errors)
		}
		if res.FirstError != "" {
			fmt.Fprintln(stdout, "  first error:", res.FirstError)
		}
		return json.NewEncoder(stdout).Encode(res)
	}
	res, err := bench.Run(ctx, bench.Options{People: *people, Requests: *requests, Dir: *dir, Progress: stdout})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%-28s %12s\n", "measure", "value")
	rows := []struct {
		name string
		v    float64
		unit string
	}{
		{"import", res.ImportRowsPerS, "rows/s"}, {"raw prepared insert", res.RawRowsPerS, "rows/s"},
		{"import / raw", 100 * res.ImportVsRaw, "%"}, {"searchable after", res.SearchableAfter, "s"},
		{"search p50", res.SearchP50, "ms"}, {"search p99", res.SearchP99, "ms"},
		{"today p50", res.TodayP50, "ms"}, {"today p99", res.TodayP99, "ms"},
		{"person page p50", res.PersonP50, "ms"}, {"person page p99", res.PersonP99, "ms"},
		{"API list p50", res.APIListP50, "ms"}, {"API list p99", res.APIListP99, "ms"},
		{"healthz p50 (baseline)", res.HealthP50, "ms"}, {"peak memory", res.PeakRSSMB, "MB"},
	}
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-28s %12.2f %s\n", r.name, r.v, r.unit)
	}
	return json.NewEncoder(stdout).Encode(res)
}
