package bench

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"html/template"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// The baseline of a load run is the least a page can be on this machine
// and database: one person's row read by its primary key (scoped to the
// organisation, as every query is) and a small template rendered into a
// buffer, asked for by the same users without pauses. The mix's
// throughput is reported as a share of it, which means something on a
// machine whose speed is not known or not steady.

// baselinePath is where the bench's own server serves the baseline page
// (never the product's servers).
const baselinePath = "/bench/baseline/"

var baselineTemplate = template.Must(template.New("baseline").Parse(`<!doctype html>
<title>{{.FirstName}} {{.LastName}}</title>
<h1>{{.FirstName}} {{.LastName}}</h1>
<p>{{.Kind}}{{if .City}}, {{.City}}{{end}}</p>
`))

// baselinePage serves GET baselinePath{id}: one person of org by id.
func baselinePage(db *store.DB, orgID int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		var p struct{ FirstName, LastName, Kind, City string }
		// Prepared, as the product's hot reads are: the baseline is the
		// least a page can cost, not a page that parses its statement.
		err = db.ReadRow(r.Context(), "SELECT first_name, last_name, kind, city FROM people WHERE org_id = ? AND id = ?", []any{orgID, id},
			&p.FirstName, &p.LastName, &p.Kind, &p.City)
		if errors.Is(err, sql.ErrNoRows) {
			http.NotFound(w, r)
			return
		} else if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var b bytes.Buffer
		if err := baselineTemplate.Execute(&b, &p); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b.Bytes())
	})
}

// baselineResult is what the baseline measured.
type baselineResult struct {
	perSecond, p50, p99 float64
	errors              int
	firstError          string
}

// runBaseline has every client ask base's baseline page for people of
// ids, without pauses, for d.
func runBaseline(ctx context.Context, base string, clients []*http.Client, ids []int64, d time.Duration) baselineResult {
	type one struct {
		ms  []float64
		err []string
	}
	results := make([]one, len(clients))
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i, c := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 43))
			r := &results[i]
			for time.Now().Before(deadline) && ctx.Err() == nil {
				url := base + baselinePath + strconv.FormatInt(ids[rng.IntN(len(ids))], 10)
				t0 := time.Now()
				resp, err := c.Get(url)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = errors.New("GET " + url + ": " + resp.Status)
					}
				}
				r.ms = append(r.ms, float64(time.Since(t0).Microseconds())/1000)
				if err != nil {
					r.err = append(r.err, err.Error())
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	var res baselineResult
	var all []float64
	for _, r := range results {
		all = append(all, r.ms...)
		res.errors += len(r.err)
		if res.firstError == "" && len(r.err) > 0 {
			res.firstError = r.err[0]
		}
	}
	res.perSecond = float64(len(all)) / elapsed
	res.p50, res.p99 = percentiles(all)
	return res
}
