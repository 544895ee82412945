package importer

import (
	"context"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Options shape an import.
type Options struct {
	// Preset names a known layout ("" detects one); Mapping, when set,
	// says what every column holds and wins over the preset.
	Preset  string
	Mapping *Mapping
	// Remap maps columns by hand, by their header ("Cell #" →
	// "phone"), over what the preset or detection chose; a field name
	// of "" (or "ignore") keeps the column as imported.
	Remap map[string]string
	// Kind is the kind of people whose row says none ("" for the preset's).
	Kind rapport.Kind
	// Region reads phone numbers without a country code.
	Region string
	// OwnerID, Source and ReferredByID apply to rows that name none.
	OwnerID      int64
	Source       string
	ReferredByID int64
	DryRun       bool
	// Expected is about how many rows the file has (0 if unknown).
	Expected int
	// Period is the last day of the 12 months a production report covers
	// (default: today).
	Period rapport.Day
	// Origin names the file, for the rows kept as imported.
	Origin string
	// Progress, when set, is told how many rows are done now and then.
	Progress func(rows int)
	Now      time.Time
	// Job is the run of an import job this is (see store.ImportOptions).
	Job *store.ImportJob
}

// MaxErrors is how many problems a report lists; ErrorCount has them all.
const MaxErrors = 1000

// Report is what an import did, in the shape the CLI prints.
type Report struct {
	Rows    int `json:"rows"`
	Created int `json:"created"`
	Updated int `json:"updated"`
	Merged  int `json:"merged"`
	Skipped int `json:"skipped"`
	// Kept counts the rows some of whose values no field holds: they are
	// kept with the person as imported.
	Kept       int       `json:"kept_as_imported"`
	Errors     []Problem `json:"errors"`
	ErrorCount int       `json:"error_count"`
	Preset     string    `json:"preset"`
	DryRun     bool      `json:"dry_run,omitempty"`
}

func (r *Report) problem(p Problem) {
	r.ErrorCount++
	if len(r.Errors) < MaxErrors {
		r.Errors = append(r.Errors, p)
	}
}

// batchRows is how many rows travel together through the pipeline.
const batchRows = 500

type batch struct {
	seq int
	// header names the file's columns, for the rows kept as imported.
	header []string
	recs   []Record
	rows   []Row
	// imp are the rows to import, prepared by the session, and lines
	// their line numbers.
	imp   []store.ImportRow
	lines []int
	err   error
}

// prepare turns the converted rows of b into rows for the session.
func (b *batch) prepare(sess *store.ImportSession) {
	b.imp = make([]store.ImportRow, 0, len(b.rows))
	b.lines = make([]int, 0, len(b.rows))
	for _, r := range b.rows {
		if r.Skip {
			continue
		}
		b.imp = append(b.imp, store.ImportRow{Line: r.Line, Person: r.Person, Stage: r.Stage, Owner: r.Owner, OfficeMLSID: r.OfficeMLSID,
			Rank: r.Rank, Unnamed: r.Unnamed, Kept: r.Kept, Original: r.Original, Header: b.header, Cells: r.Cells,
			ReferredBy: r.ReferredBy, Facts: r.Facts})
		b.lines = append(b.lines, r.Line)
		sess.Prepare(&b.imp[len(b.imp)-1])
	}
}

// Import reads a CSV file and imports its people into the organisation in
// one transaction: all of them, or (on any error that stops it, or a
// crash) none. Rows are read, converted in parallel on every core, and
// written in file order, so the first of two duplicates is the one kept.
func Import(ctx context.Context, db *store.DB, orgID, actorID int64, src io.Reader, opts Options) (*Report, error) {
	rd, err := NewReader(src)
	if err != nil {
		return nil, fileError(err)
	}
	m := opts.Mapping
	if m == nil {
		mm := DetectMapping(rd.Header)
		if opts.Preset != "" && opts.Preset != "auto" {
			if PresetNamed(opts.Preset) == nil {
				return nil, rapport.Errorf(rapport.EINVALID, "No preset %q; use one of %s.", opts.Preset, strings.Join(PresetNames(), ", "))
			}
			mm = MapWithPreset(rd.Header, opts.Preset)
		}
		m = &mm
	}
	if len(opts.Remap) > 0 {
		if err := m.remap(opts.Remap); err != nil {
			return nil, err
		}
	}
	if err := checkMapping(m); err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	conv := NewConverter(*m, opts.Kind, opts.Region, now)
	conv.SetDelimiter(rd.Delimiter)
	rep := newReport(m.Preset, opts.DryRun)
	for _, p := range rd.Skipped {
		rep.problem(p)
	}
	sess, err := db.BeginImport(ctx, rapport.Actor{Org: orgID, User: actorID}, store.ImportOptions{OwnerID: opts.OwnerID, Source: opts.Source,
		ReferredByID: opts.ReferredByID, DryRun: opts.DryRun, Expected: opts.Expected, Period: opts.Period,
		RecordKind: rapport.RecordCSV, Origin: opts.Origin, Columns: m.conflictColumns(), Job: opts.Job})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	in, out := make(chan *batch, 4), make(chan *batch, 4)
	var readErr error
	go func() { // read
		defer close(in)
		seq := 0
		b := &batch{seq: seq, header: conv.Header()}
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				readErr = fileError(err)
				return
			}
			b.recs = append(b.recs, rec)
			if len(b.recs) == batchRows {
				select {
				case in <- b:
				case <-ctx.Done():
					return
				}
				seq++
				b = &batch{seq: seq, header: conv.Header()}
			}
		}
		if len(b.recs) > 0 {
			select {
			case in <- b:
			case <-ctx.Done():
			}
		}
	}()
	var wg sync.WaitGroup
	for range max(1, runtime.GOMAXPROCS(0)) { // convert
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range in {
				b.rows = make([]Row, len(b.recs))
				for i, rec := range b.recs {
					b.rows[i] = conv.Convert(rec)
				}
				b.prepare(sess)
				select {
				case out <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()

	// Write, in file order.
	waiting := map[int]*batch{}
	next := 0
	var werr error
	for b := range out {
		if werr != nil {
			continue
		}
		waiting[b.seq] = b
		for b := waiting[next]; b != nil; b = waiting[next] {
			delete(waiting, next)
			next++
			if werr = write(sess, b, rep); werr != nil {
				cancel()
				break
			}
			if opts.Progress != nil {
				opts.Progress(rep.Rows)
			}
		}
	}
	if werr == nil && readErr != nil {
		werr = readErr
	}
	if werr == nil {
		werr = ctx.Err()
	}
	if werr != nil {
		sess.Abort()
		return nil, werr
	}
	stats, err := sess.Finish()
	if err != nil {
		return nil, err
	}
	rep.finish(stats, sess.Notes())
	return rep, nil
}

func newReport(preset string, dryRun bool) *Report {
	return &Report{Preset: preset, DryRun: dryRun, Errors: []Problem{}}
}

func (r *Report) finish(stats store.ImportStats, notes []store.RowNote) {
	r.Created, r.Updated, r.Merged, r.Kept = stats.Created, stats.Updated, stats.Merged, stats.Kept
	r.Skipped += stats.Rejected
	for _, n := range notes {
		r.problem(Problem{Line: n.Line, Column: n.Column, Reason: n.Note})
	}
}

func write(sess *store.ImportSession, b *batch, rep *Report) error {
	if b.imp == nil {
		b.prepare(sess)
	}
	results, err := sess.Add(b.imp)
	if err != nil {
		return err
	}
	// The problems in line order: the file's, then the import's.
	j := 0
	for _, r := range b.rows {
		rep.Rows++
		for _, p := range r.Problems {
			rep.problem(p)
		}
		if r.Skip {
			rep.Skipped++
			continue
		}
		for _, n := range results[j].Notes {
			rep.problem(Problem{Line: b.lines[j], Reason: n})
		}
		j++
	}
	return nil
}

// remap applies columns mapped by hand.
func (m *Mapping) remap(by map[string]string) error {
	for header, name := range by {
		f, ok := FieldNamed(name)
		if !ok {
			return rapport.Errorf(rapport.EINVALID, "No field %q; rapport import --fields lists them.", name)
		}
		found := false
		for i := range m.Columns {
			if strings.EqualFold(strings.TrimSpace(m.Columns[i].Name), strings.TrimSpace(header)) {
				m.Columns[i].Field, m.Columns[i].Noise, m.Columns[i].Group = f, "", 0
				if f != PhoneF && f != EmailF {
					m.Columns[i].Pair = ""
				}
				found = true
			}
		}
		if !found {
			names := make([]string, len(m.Columns))
			for i, c := range m.Columns {
				names[i] = strconv.Quote(c.Name)
			}
			return rapport.Errorf(rapport.EINVALID, "No column %q in the file; its columns are %s.", header, strings.Join(names, ", "))
		}
	}
	return nil
}

// checkMapping refuses a mapping that cannot name anyone.
func checkMapping(m *Mapping) error {
	for _, f := range []Field{FirstName, LastName, FullName, EmailF, PhoneF, MLSID} {
		if m.Mapped(f) {
			return nil
		}
	}
	return &rapport.Error{Code: rapport.EINVALID, Message: "No column holds a name, an email, a phone or an MLS id.",
		Fields: map[string]string{"mapping": "Map at least one column to a name, email, phone or MLS id."}}
}

// ImportVCards imports a vCard file the way Import imports CSV.
func ImportVCards(ctx context.Context, db *store.DB, orgID, actorID int64, src io.Reader, opts Options) (*Report, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	rows, err := ParseVCards(src, opts.Region, opts.Kind, now)
	if err != nil {
		return nil, fileError(err)
	}
	sess, err := db.BeginImport(ctx, rapport.Actor{Org: orgID, User: actorID}, store.ImportOptions{OwnerID: opts.OwnerID, Source: opts.Source,
		ReferredByID: opts.ReferredByID, DryRun: opts.DryRun, Expected: len(rows), Period: opts.Period,
		RecordKind: rapport.RecordVCard, Origin: opts.Origin, Job: opts.Job})
	if err != nil {
		return nil, err
	}
	rep := newReport("vcard", opts.DryRun)
	for lo := 0; lo < len(rows); lo += batchRows {
		if err := write(sess, &batch{rows: rows[lo:min(lo+batchRows, len(rows))]}, rep); err != nil {
			sess.Abort()
			return nil, err
		}
		if opts.Progress != nil {
			opts.Progress(rep.Rows)
		}
	}
	stats, err := sess.Finish()
	if err != nil {
		return nil, err
	}
	rep.finish(stats, sess.Notes())
	return rep, nil
}

// fileError reports a problem with the file itself (where it is, and what),
// as an error the user may read.
func fileError(err error) error {
	return rapport.Errorf(rapport.EINVALID, "%s", err.Error())
}
