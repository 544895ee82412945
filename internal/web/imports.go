package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// maxUpload bounds an uploaded file, and maxUploadBody the request that
// carries it (the file and the multipart framing around it).
const (
	maxUpload     = 64 << 20
	maxUploadBody = maxUpload + 1<<20
)

// previewRows is how many rows the preview shows.
const previewRows = 20

// importSettings are the choices made for an uploaded file.
type importSettings struct {
	Preset     string            `json:"preset"`
	Columns    map[string]string `json:"columns,omitempty"`
	Kind       string            `json:"kind,omitempty"`
	OwnerID    int64             `json:"ownerId,omitempty"`
	Source     string            `json:"source,omitempty"`
	ReferredBy int64             `json:"referredBy,omitempty"`
	// Period is the last day of the 12 months a production report covers.
	Period string `json:"period,omitempty"`
}

// previewsMade counts previews made, for the tests that check one is
// made once.
var previewsMade atomic.Int64

type importsPage struct {
	Base
	Jobs []store.ImportJob
	Form *form
}

func (s *Server) importsList(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderImports(w, r, a, newForm(nil), http.StatusOK)
}

func (s *Server) renderImports(w http.ResponseWriter, r *http.Request, a *account, f *form, status int) error {
	// Where people are private to their owner, an agent lists only their
	// own uploads (see loadImport).
	jobs, err := s.db.ImportJobs(r.Context(), a.actor, 20)
	if err != nil {
		return err
	}
	s.render(w, r, status, "imports", &importsPage{Base: s.withFlash(w, r, a, "Import", "people"), Jobs: jobs, Form: f})
	return nil
}

// importUpload stores an uploaded CSV or vCard file. A file over
// maxUpload is refused with 413 and nothing is kept.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request, a *account) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBody)
	f := newForm(nil)
	tooLarge := fmt.Sprintf("That file is larger than %d MB; split it, or use rapport import on the server.", maxUpload>>20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			f.addErr("file", tooLarge)
			return s.renderImports(w, r, a, f, http.StatusRequestEntityTooLarge)
		}
		f.addErr("file", "The upload could not be read; try again.")
		return s.renderImports(w, r, a, f, http.StatusUnprocessableEntity)
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("file")
	if err != nil {
		f.addErr("file", "Choose a CSV or vCard file.")
		return s.renderImports(w, r, a, f, http.StatusUnprocessableEntity)
	}
	defer file.Close()
	content, err := io.ReadAll(io.LimitReader(file, maxUpload+1))
	if err != nil {
		return err
	}
	switch {
	case len(content) > maxUpload:
		f.addErr("file", tooLarge)
		return s.renderImports(w, r, a, f, http.StatusRequestEntityTooLarge)
	case len(bytes.TrimSpace(content)) == 0:
		f.addErr("file", "That file is empty.")
	}
	if !f.Valid() {
		return s.renderImports(w, r, a, f, http.StatusUnprocessableEntity)
	}
	format := "csv"
	name := path.Base(hdr.Filename)
	if importer.LooksLikeVCard(content[:min(len(content), 1024)]) || strings.HasSuffix(strings.ToLower(name), ".vcf") {
		format = "vcard"
	} else if _, err := importer.NewReader(bytes.NewReader(content)); err != nil {
		f.addErr("file", "This is not a CSV file we can read: "+err.Error())
		return s.renderImports(w, r, a, f, http.StatusUnprocessableEntity)
	}
	settings, _ := json.Marshal(importSettings{OwnerID: a.user.ID})
	job := &store.ImportJob{OrgID: a.org.ID, UserID: a.user.ID, FileName: name, Format: format, Content: content, Settings: string(settings)}
	if err := s.db.CreateImportJob(r.Context(), a.actor, job); err != nil {
		return err
	}
	return redirect(w, r, "/import/"+strconv.FormatInt(job.ID, 10))
}

type importJobPage struct {
	Base
	lookups
	Job      *store.ImportJob
	Settings importSettings
	Header   []string
	Mapping  importer.Mapping
	Fields   []importer.Field
	Presets  []importer.Preset
	Kinds    []rapport.Kind
	Preview  []importer.Row
	Rows     int
	Done     int
	Report   *importer.Report
	Form     *form
	Problem  string
	Referrer string
}

// Percent is how far a running import has got.
func (p *importJobPage) Percent() int {
	if p.Rows == 0 {
		return 0
	}
	return min(100, p.Done*100/p.Rows)
}

// FieldOf is the field a column is mapped to, by index.
func (p *importJobPage) FieldOf(i int) string {
	for _, c := range p.Mapping.Columns {
		if c.Index == i {
			return string(c.Field)
		}
	}
	return ""
}

func (s *Server) importJob(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// The file itself (up to 64 MB) is read only when its preview must be
	// made or its rows counted.
	job, err := s.db.ImportJob(r.Context(), a.actor, id, false)
	if err != nil {
		return err
	}
	if !(job.Status == store.ImportUploaded && s.previews.has(job.ID, job.Settings)) && job.Status != store.ImportDone {
		if job, err = s.db.ImportJob(r.Context(), a.actor, id, true); err != nil {
			return err
		}
	}
	page := &importJobPage{Base: s.withFlash(w, r, a, "Import "+job.FileName, "people"), Job: job, Fields: importer.Fields,
		Presets: importer.Presets, Kinds: rapport.Kinds, Form: newForm(nil)}
	json.Unmarshal([]byte(job.Settings), &page.Settings)
	if page.lookups, err = s.lookups(r.Context(), a); err != nil {
		return err
	}
	if page.Settings.ReferredBy != 0 {
		if p, err := s.db.Person(r.Context(), a.actor, page.Settings.ReferredBy); err == nil {
			page.Referrer = fmt.Sprintf("#%d %s", p.ID, p.Name())
		}
	}
	page.Rows = bytes.Count(job.Content, []byte("\n"))
	switch job.Status {
	case store.ImportUploaded:
		err = s.previews.show(s, a, page, func() error {
			j, err := s.db.ImportJob(r.Context(), a.actor, id, true)
			if err == nil {
				page.Job.Content = j.Content
			}
			return err
		})
		if err != nil {
			return err
		}
	case store.ImportDone:
		if job.Report == "" && s.now().Sub(job.FinishedAt) < time.Minute {
			// Its people are committed and its report is on the way (it
			// is written just after): still running, as far as the page
			// says, rather than a report of nothing.
			job.Status = store.ImportRunning
			page.Done, _ = s.jobs.Progress(importKey(job.ID))
			break
		}
		page.Report = new(importer.Report)
		json.Unmarshal([]byte(job.Report), page.Report)
	case store.ImportRunning:
		page.Done, _ = s.jobs.Progress(importKey(job.ID))
	}
	job.Content = nil
	s.render(w, r, http.StatusOK, "import_job", page)
	return nil
}

// previewCache keeps each uploaded file's preview for the settings it was
// made with: viewing the page again (or polling it) costs nothing, and a
// new choice of mapping makes it once more. It holds few entries; an
// evicted one is made again when next viewed.
type previewCache struct {
	mu      sync.Mutex
	entries map[int64]*previewEntry
}

type previewEntry struct {
	settings string
	header   []string
	mapping  importer.Mapping
	rows     []importer.Row
	count    int
	problem  string
}

const previewCacheSize = 64

// show fills the page's preview from the cache, making it if need be
// (load reads the file, when the page was served without it).
func (c *previewCache) show(s *Server, a *account, page *importJobPage, load func() error) error {
	key := page.Job.Settings
	c.mu.Lock()
	e := c.entries[page.Job.ID]
	c.mu.Unlock()
	if e == nil || e.settings != key {
		if page.Job.Content == nil {
			if err := load(); err != nil {
				return err
			}
		}
		s.preview(a, page)
		e = &previewEntry{settings: key, header: page.Header, mapping: page.Mapping, rows: page.Preview, count: page.Rows, problem: page.Problem}
		c.mu.Lock()
		if c.entries == nil {
			c.entries = map[int64]*previewEntry{}
		}
		if len(c.entries) >= previewCacheSize {
			for id := range c.entries {
				delete(c.entries, id) // any one: made again when viewed
				break
			}
		}
		c.entries[page.Job.ID] = e
		c.mu.Unlock()
		return nil
	}
	page.Header, page.Mapping, page.Preview, page.Rows, page.Problem = e.header, e.mapping, e.rows, e.count, e.problem
	return nil
}

// has reports whether the file's preview for these settings is kept.
func (c *previewCache) has(id int64, settings string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[id]
	return e != nil && e.settings == settings
}

// forget drops a file's preview (it is being imported).
func (c *previewCache) forget(id int64) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
}

// preview maps the file's columns and converts its first rows, so every
// problem they have shows before anything is imported.
func (s *Server) preview(a *account, page *importJobPage) {
	previewsMade.Add(1)
	job := page.Job
	if job.Format == "vcard" {
		rows, err := importer.ParseVCards(bytes.NewReader(job.Content), a.org.Region, rapport.Kind(page.Settings.Kind), s.now())
		if err != nil {
			page.Problem = err.Error()
			return
		}
		page.Rows = len(rows)
		page.Preview = rows[:min(len(rows), previewRows)]
		return
	}
	rd, err := importer.NewReader(bytes.NewReader(job.Content))
	if err != nil {
		page.Problem = err.Error()
		return
	}
	page.Header = rd.Header
	page.Mapping = mappingFor(rd.Header, page.Settings)
	conv := importer.NewConverter(page.Mapping, rapport.Kind(page.Settings.Kind), a.org.Region, s.now())
	for len(page.Preview) < previewRows {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			page.Problem = err.Error()
			return
		}
		page.Preview = append(page.Preview, conv.Convert(rec))
	}
}

// mappingFor is the preset's mapping of header, with the columns the user
// chose by hand.
func mappingFor(header []string, st importSettings) importer.Mapping {
	m := importer.DetectMapping(header)
	if st.Preset != "" && st.Preset != "auto" && importer.PresetNamed(st.Preset) != nil {
		m = importer.MapWithPreset(header, st.Preset)
	}
	for i := range m.Columns {
		if f, ok := st.Columns[strconv.Itoa(m.Columns[i].Index)]; ok {
			m.Columns[i].Field = importer.Field(f)
			if m.Columns[i].Field != importer.PhoneF && m.Columns[i].Field != importer.EmailF {
				m.Columns[i].Pair = ""
			}
		}
	}
	return m
}

// importSettingsSave stores the mapping and options chosen on the preview.
func (s *Server) importSettingsSave(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	job, err := s.db.ImportJob(r.Context(), a.actor, id, false)
	if err != nil {
		return err
	}
	st, err := s.settingsFromForm(r.Context(), a, f)
	if err != nil {
		return err
	}
	// A person typed who fits no one, or a period that is no date, leaves
	// what was chosen before rather than nothing (the page says why; the
	// import cannot start meanwhile).
	var before importSettings
	json.Unmarshal([]byte(job.Settings), &before)
	if f.Err("owner") != "" {
		st.OwnerID = before.OwnerID
	}
	if f.Err("referred_by") != "" {
		st.ReferredBy = before.ReferredBy
	}
	if f.Err("period") != "" {
		st.Period = before.Period
	}
	b, _ := json.Marshal(st)
	if err := s.db.SaveImportSettings(r.Context(), a.actor, id, string(b)); err != nil {
		if rapport.ErrorCode(err) != rapport.ECONFLICT {
			return err
		}
		// A second click on Import, say: the page shows how it is going.
		s.flash(w, r, rapport.ErrorMessage(err))
		return redirect(w, r, "/import/"+strconv.FormatInt(id, 10))
	}
	if f.Get("start") != "" && f.Valid() {
		return s.importStart(w, r, a)
	}
	if !f.Valid() {
		s.flash(w, r, strings.Join(mapValues(f.Errors), " "))
	}
	return redirect(w, r, "/import/"+strconv.FormatInt(id, 10))
}

func (s *Server) settingsFromForm(ctx context.Context, a *account, f *form) (importSettings, error) {
	st := importSettings{Preset: f.Get("preset"), Kind: f.Get("kind"), Source: f.Get("source"), Columns: map[string]string{}}
	if st.Kind != "" && !rapport.Kind(st.Kind).Valid() {
		st.Kind = ""
	}
	team, err := s.db.Roster(ctx, a.actor)
	if err != nil {
		return st, err
	}
	pickTeam(f, team.Active, importOwnerField)
	st.OwnerID, _ = strconv.ParseInt(f.Get("owner"), 10, 64)
	if v := f.Get("period"); v != "" {
		d, err := rapport.ParseDay(v)
		switch {
		case err != nil:
			f.addErr("period", "Enter the report's last day as a date, such as 2026-09-30.")
		case d.Start(a.loc).After(s.now()):
			f.addErr("period", "The report's period cannot end in the future.")
		default:
			st.Period = string(d)
		}
	}
	if f.Get("referred_by") != "" {
		st.ReferredBy = s.resolveReferrer(ctx, a, f)
	}
	for k, vs := range f.Values {
		if i, ok := strings.CutPrefix(k, "col_"); ok && len(vs) > 0 {
			if _, err := strconv.Atoi(i); err == nil {
				st.Columns[i] = vs[0]
			}
		}
	}
	return st, nil
}

// importStart runs the import in the background; the page follows it.
func (s *Server) importStart(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	job, err := s.db.ImportJob(r.Context(), a.actor, id, true)
	if err != nil {
		return err
	}
	if err := s.db.StartImportJob(r.Context(), a.actor, job); err != nil {
		s.flash(w, r, rapport.ErrorMessage(err))
		return redirect(w, r, "/import/"+strconv.FormatInt(id, 10))
	}
	s.previews.forget(job.ID)
	s.launchImport(a.org, job)
	return redirect(w, r, "/import/"+strconv.FormatInt(id, 10))
}

// ResumeImport runs again, from the start, an import this server took over
// from a server that stopped while running it (store.WatchImports): for
// its uploader, who sees it end on its page as if it had run here.
func (s *Server) ResumeImport(job *store.ImportJob) {
	org, err := s.db.Org(context.Background(), job.OrgID)
	if err != nil {
		// Its heartbeat stays silent: a server takes it over again.
		s.log.Error("resume import", "import", job.ID, "err", err)
		return
	}
	s.launchImport(org, job)
}

// launchImport runs a started import (job, with its file) in the background.
func (s *Server) launchImport(org *rapport.Org, job *store.ImportJob) {
	var st importSettings
	json.Unmarshal([]byte(job.Settings), &st)
	key := importKey(job.ID)
	s.jobs.SetProgress(key, 0)
	s.jobs.Go(key, func(ctx context.Context) error {
		s.runImport(ctx, org, job, st)
		return nil
	})
}

// importKey names an import among the runner's jobs.
func importKey(id int64) string { return "import:" + strconv.FormatInt(id, 10) }

// runImport runs an import job to its end: the runner's context is not
// its own (an import is one transaction that a stop would throw away), so
// it runs on even while the server stops, which waits for it.
func (s *Server) runImport(_ context.Context, org *rapport.Org, job *store.ImportJob, st importSettings) {
	key := importKey(job.ID)
	defer s.jobs.Done(key)
	// Other servers sharing the database leave a beating import alone.
	stopBeating := s.db.KeepImportAlive(rapport.Actor{Org: org.ID}, job, store.ImportHeartbeat)
	ctx := context.Background()
	opts := importer.Options{Preset: st.Preset, Kind: rapport.Kind(st.Kind), Region: org.Region, OwnerID: st.OwnerID,
		Source: st.Source, ReferredByID: st.ReferredBy, Period: rapport.Day(st.Period), Expected: bytes.Count(job.Content, []byte("\n")), Now: s.now(),
		Origin: job.FileName, Job: job,
		Progress: func(n int) { s.jobs.SetProgress(key, n) }}
	var rep *importer.Report
	var err error
	if job.Format == "vcard" {
		rep, err = importer.ImportVCards(ctx, s.db, org.ID, job.UserID, bytes.NewReader(job.Content), opts)
	} else {
		rd, rerr := importer.NewReader(bytes.NewReader(job.Content))
		if rerr == nil {
			m := mappingFor(rd.Header, st)
			opts.Mapping = &m
		}
		rep, err = importer.Import(ctx, s.db, org.ID, job.UserID, bytes.NewReader(job.Content), opts)
	}
	failure, report := "", ""
	if err != nil {
		failure = rapport.ErrorMessage(err) + " Nothing was imported."
		s.log.Warn("import failed", "import", job.ID, "err", err)
	} else {
		b, _ := json.Marshal(rep)
		report = string(b)
		s.log.Info("import done", "import", job.ID, "rows", rep.Rows, "created", rep.Created, "updated", rep.Updated)
	}
	stopBeating()
	switch err := s.db.FinishImportJob(ctx, rapport.Actor{Org: org.ID}, job, report, failure); {
	case errors.Is(err, store.ErrImportTakenOver):
		s.log.Warn("import taken over by another server; its run there decides", "import", job.ID, "attempt", job.Attempts)
	case err != nil:
		s.log.Error("record import result", "import", job.ID, "err", err)
	}
}
