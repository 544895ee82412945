package web_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
	"github.com/rapport-crm/rapport/internal/web"
)

func (c *client) upload(path, name string, content []byte) response {
	c.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.h.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", c.h.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func TestImportInTheBrowserFlow(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		wantBody(t, c.get("/import"), "Upload and preview")
		res := c.upload("/import", "empty.csv", nil)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "That file is empty")

		file := "Contact,Mail,Cell,Kind\nMaria Lopez,maria@example.com,(312) 555-0142,buyer\nBad Phone,bad@example.com,555-01,lead\n,,,\nSam Carter,sam@example.com,312.555.0177,past client\n"
		res = c.upload("/import", "leads.csv", []byte(file))
		wantStatus(t, res, http.StatusSeeOther)
		id := idFrom(t, res.location, "/import/")
		path := "/import/" + strconv.FormatInt(id, 10)
		res = c.get(path)
		wantStatus(t, res, http.StatusOK)
		// "Contact" and "Kind" are read by their names; "Mail" and "Cell" too.
		wantBody(t, res, "Maria Lopez", "(312) 555-0142", html.EscapeString(`"555-01" is not a valid phone number — kept as imported`), "client")
		// The user maps a column by hand and names the source.
		res = c.post(path, url.Values{"preset": {"auto"}, "source": {"Open house"}, "owner": {strconv.FormatInt(a.agent.ID, 10)},
			"col_0": {"full_name"}, "col_1": {"email"}, "col_2": {"phone"}, "col_3": {""}})
		wantStatus(t, res, http.StatusSeeOther)
		res = c.get(path)
		if strings.Contains(res.body, ">client<") {
			t.Error("an ignored column still sets the kind")
		}
		res = c.post(path, url.Values{"preset": {"auto"}, "source": {"Open house"}, "owner": {strconv.FormatInt(a.agent.ID, 10)},
			"col_0": {"full_name"}, "col_1": {"email"}, "col_2": {"phone"}, "col_3": {""}, "start": {"1"}})
		wantStatus(t, res, http.StatusSeeOther)
		var page string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			page = c.get(path).body
			if strings.Contains(page, "rows:") {
				break
			}
		}
		if !strings.Contains(page, "<strong>3</strong> rows: 3 new, 0 updated, 0 already here, 0 skipped.") || !strings.Contains(page, "555-01") {
			t.Fatalf("report page:\n%s", page)
		}
		// Starting twice does nothing more.
		wantStatus(t, c.post(path, url.Values{"start": {"1"}}), http.StatusSeeOther)
		for h.db.IndexBacklog(ctx); ; {
			if n, _ := h.db.IndexBacklog(ctx); n == 0 {
				break
			}
		}
		page2, _ := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, store.PeopleFilter{Query: "open house"})
		if len(page2.People) != 3 || page2.People[0].OwnerID != a.agent.ID {
			t.Fatalf("imported people = %+v", page2.People)
		}

		// vCard upload.
		vcf := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dana Reyes\r\nTEL;TYPE=CELL:(773) 555-0100\r\nEND:VCARD\r\n"
		res = c.upload("/import", "contacts.vcf", []byte(vcf))
		vpath := res.location
		wantBody(t, c.get(vpath), "Dana Reyes", "(773) 555-0100")
		c.post(vpath, url.Values{"kind": {"sphere"}, "start": {"1"}})
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(c.get(vpath).body, "1 new") {
				break
			}
		}
		wantBody(t, c.get(vpath), "<strong>1</strong> rows: 1 new")

		// Exports hold everyone the filters select.
		res = c.get("/people/export.csv?kind=sphere")
		wantStatus(t, res, http.StatusOK)
		if !strings.Contains(res.body, "Dana,Reyes,sphere") || strings.Contains(res.body, "Maria") || !strings.HasPrefix(res.body, "First Name,Last Name") {
			t.Errorf("csv export:\n%s", res.body)
		}
		res = c.get("/people/export.vcf")
		if strings.Count(res.body, "BEGIN:VCARD") != 4 {
			t.Errorf("vcard export has %d cards", strings.Count(res.body, "BEGIN:VCARD"))
		}
		if !strings.Contains(c.get("/people/"+strconv.FormatInt(page2.People[0].ID, 10)+"/vcard").body, "FN:") {
			t.Error("person vCard download")
		}
	})
}

// TestProductionReportWithPeriod uploads an MLS production report, is
// asked for its period, refuses a bad one, and imports with a good one.
func TestProductionReportWithPeriod(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.manager.Email)
		file := "Rank,Agent,MLS ID,Office,Total Units,Total Volume\n1,Pat Quinn,A100,Summit Realty - Lincoln Park,42,\"$18,450,000\"\n"
		res := c.upload("/import", "report.csv", []byte(file))
		wantStatus(t, res, http.StatusSeeOther)
		path := res.location
		wantBody(t, c.get(path), `name="period"`, "Pat Quinn")
		wantStatus(t, c.post(path, url.Values{"preset": {"production"}, "period": {"2026-06-30"}}), http.StatusSeeOther)
		res = c.post(path, url.Values{"preset": {"production"}, "period": {"2026-31-09"}, "start": {"1"}})
		wantStatus(t, res, http.StatusSeeOther)
		// The period that is no date is refused; the one saved before stays.
		wantBody(t, c.get(path), "Enter the report&#39;s last day as a date", `value="2026-06-30"`)
		if job, _ := h.db.ImportJob(ctx, rapport.Actor{Org: a.org.ID}, idFrom(t, path, "/import/"), false); job.Status != store.ImportUploaded {
			t.Fatalf("an import with a bad period started: %s", job.Status)
		}
		res = c.post(path, url.Values{"preset": {"production"}, "period": {"2026-09-30"}, "start": {"1"}})
		wantStatus(t, res, http.StatusSeeOther)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(c.get(path).body, "rows:") {
				break
			}
		}
		wantBody(t, c.get(path), "<strong>1</strong> rows: 1 new")
		page, err := h.db.Prospects(ctx, rapport.Actor{Org: a.org.ID}, store.ProspectFilter{})
		if err != nil || len(page.People) != 1 {
			t.Fatalf("prospects = %+v %v", page, err)
		}
		hist, _ := h.db.ProductionHistory(ctx, rapport.Actor{Org: a.org.ID}, page.People[0].ID)
		if len(hist) != 1 || hist[0].Period != "2026-09-30" || hist[0].Units != 42 || page.People[0].ProductionPeriod != "2026-09-30" {
			t.Errorf("history = %+v, period on the person %s", hist, page.People[0].ProductionPeriod)
		}
	})
}

// TestPersonPageShowsHouseholdAndWhatWasKept: after an Outlook export with
// a couple on one home phone, each person's page says who shares the
// phone and what of their row no field holds; Duplicates offers the couple
// once, and saying they are different people stops it.
func TestPersonPageShowsHouseholdAndWhatWasKept(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		file := "First Name,Last Name,Home Phone,Spouse,Web Page,Business Fax\r\n" +
			"Maria,Jensen,(312) 555-0150,Erik Jensen,www.example.org/mj,\r\n" +
			"Erik,Jensen,(312) 555-0150,Maria Jensen,,(312) 555-0154\r\n"
		c := h.signedIn(a.owner.Email)
		res := c.upload("/import", "contacts.csv", []byte(file))
		path := res.location
		wantStatus(t, c.post(path, url.Values{"preset": {"auto"}, "owner": {strconv.FormatInt(a.owner.ID, 10)}, "start": {"1"}}), http.StatusSeeOther)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(c.get(path).body, "rows:") {
				break
			}
		}
		people, err := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, store.PeopleFilter{Limit: 10})
		if err != nil || len(people.People) != 2 {
			t.Fatalf("people = %+v %v", people, err)
		}
		ids := map[string]int64{}
		for _, p := range people.People {
			ids[p.FirstName] = p.ID
		}
		maria := c.get("/people/" + strconv.FormatInt(ids["Maria"], 10))
		wantBody(t, maria, "Shares a phone with", "Erik Jensen", "Kept as imported", "Imported from contacts.csv, line 2", "Web Page",
			"www.example.org/mj", "Spouse: Erik Jensen", "Imported from contacts.csv")
		wantBody(t, c.get("/people/"+strconv.FormatInt(ids["Erik"], 10)), "Maria Jensen", "Business Fax", "(312) 555-0154")
		wantBody(t, c.get("/duplicates"), "Same phone", "They are different people")
		res = c.post("/duplicates/distinct", url.Values{"id": {strconv.FormatInt(ids["Maria"], 10), strconv.FormatInt(ids["Erik"], 10)}})
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, c.get("/duplicates"), "No likely duplicates")
	})
}

// TestImportPreviewIsBoundedAndKept: a file with thousands of columns is
// refused at upload with a clear message; a preview is made once for a
// choice of settings, however often the page is viewed, and again when
// the settings change.
func TestImportPreviewIsBoundedAndKept(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.owner.Email)
		wide := strings.Repeat("c,", 200000) + "c\n" + strings.Repeat("1,", 200000) + "1\n"
		res := c.upload("/import", "wide.csv", []byte(wide))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "at most 500 columns")

		res = c.upload("/import", "list.csv", []byte("Name,Email\nAnn Lee,ann@example.com\n"))
		path := res.location
		before := web.PreviewsMade()
		for range 5 {
			wantBody(t, c.get(path), "Ann Lee")
		}
		if made := web.PreviewsMade() - before; made != 1 {
			t.Errorf("%d previews made for five views", made)
		}
		wantStatus(t, c.post(path, url.Values{"preset": {"auto"}, "source": {"Fair"}, "owner": {strconv.FormatInt(a.owner.ID, 10)}}), http.StatusSeeOther)
		wantBody(t, c.get(path), "Ann Lee")
		if made := web.PreviewsMade() - before; made != 2 {
			t.Errorf("%d previews made after the settings changed, want 2", made)
		}
	})
}

// TestImportTakenOverByAnotherServer: two servers share a PostgreSQL
// database. A user uploads and maps a file on server A, which starts the
// import and stops before its run writes anything. Server B, watching,
// takes the import over once A's heartbeat has been silent long enough
// and runs it with the user's settings; the user, on either server, sees
// it finish with its report, and the people are there once.
func TestImportTakenOverByAnotherServer(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		if h.db.Dialect() != store.Postgres {
			t.Skip("one server per SQLite file: nothing to take over")
		}
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		file := "Contact,Mail\nMaria Lopez,maria@example.com\nSam Carter,sam@example.com\n"
		res := c.upload("/import", "leads.csv", []byte(file))
		wantStatus(t, res, http.StatusSeeOther)
		id := idFrom(t, res.location, "/import/")
		path := "/import/" + strconv.FormatInt(id, 10)
		wantStatus(t, c.post(path, url.Values{"preset": {"auto"}, "source": {"Open house"}, "col_0": {"full_name"}, "col_1": {"email"}}), http.StatusSeeOther)
		// Server A takes the start and stops.
		job, err := h.db.ImportJob(ctx, rapport.Actor{Org: a.org.ID}, id, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.db.StartImportJob(ctx, rapport.Actor{Org: a.org.ID}, job); err != nil {
			t.Fatal(err)
		}

		bClock := storetest.NewClock(monday.Add(store.ImportStale + time.Second))
		b := newHarness(t, storetest.Reopen(t, h.db, bClock.Now), bClock)
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { b.db.WatchImports(wctx, 10*time.Millisecond, b.app.ResumeImport); close(done) }()
		defer func() { cancel(); <-done }()

		cb := b.signedIn(a.agent.Email)
		var page string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if page = cb.get(path).body; strings.Contains(page, "rows:") {
				break
			}
		}
		want := "<strong>2</strong> rows: 2 new, 0 updated, 0 already here, 0 skipped."
		if !strings.Contains(page, want) {
			t.Fatalf("the import's page on server B:\n%s", page)
		}
		wantBody(t, c.get(path), want)
		people, err := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, store.PeopleFilter{Query: "open house"})
		if err != nil || len(people.People) != 2 {
			t.Fatalf("imported people: %d (%v)", len(people.People), err)
		}
		if j, _ := h.db.ImportJob(ctx, rapport.Actor{Org: a.org.ID}, id, false); j.Attempts != 2 {
			t.Errorf("attempts %d, want 2", j.Attempts)
		}
	})
}
