package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/rapport-crm/rapport/internal/bench"
)

// benchCmd runs the scale benchmark and prints a table and a JSON line.
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rapport bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	people := fs.Int("people", 1_000_000, "how many people to generate and import")
	requests := fs.Int("requests", 1000, "requests per measured page (at least 1000)")
	dir := fs.String("dir", "", "directory for the temporary database (default: a new temporary directory)")
	if err := fs.Parse(args); err != nil {
		return errUsage
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
