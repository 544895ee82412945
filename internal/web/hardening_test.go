package web_test

import (
	"bytes"
	"fmt"
	"io"
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

// records is one of everything an organisation keeps that a route can
// name in its path, so that every state-changing route can be sent a
// request that would change something.
type records struct {
	ids map[string]int64 // by kind: person, fact, conversation, ...
	// key is an objection of the organisation's own.
	key string
	// token is a working password reset link's, for the agent.
	token string
}

// records fills o's organisation with one of everything.
func (h *harness) records(o *orgFixture) *records {
	h.t.Helper()
	t := h.t
	p := &rapport.Person{FirstName: "Rita", LastName: "Record", Kind: rapport.KindClient, OwnerID: o.agent.ID,
		Phones: []rapport.Phone{{Number: "+13125550180"}}, Emails: []rapport.Email{{Address: "rita@record.test"}}}
	if err := h.db.CreatePerson(ctx, rapport.Member(o.org, o.agent), p); err != nil {
		t.Fatal(err)
	}
	own := &rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceClients, Text: "We already have an agent.",
		Responses: []string{"That makes sense. What do you like about working with them?"}}
	if err := h.db.SavePlaybookEntry(ctx, rapport.Member(o.org, o.owner), own); err != nil {
		t.Fatal(err)
	}
	res, err := h.db.LogConversation(ctx, rapport.Member(o.org, o.agent), &store.LogInput{
		Conversation: rapport.Conversation{PersonID: p.ID, Channel: rapport.ChannelCall, Outcome: rapport.OutcomeLive, Notes: "Talked"},
		Facts:        []rapport.Fact{{Type: rapport.FactPassion, Text: "Gardening"}},
		FollowUp:     &rapport.FollowUp{DueOn: rapport.DayOf(h.clock.Now(), time.UTC).AddDays(7), Note: "Call back"},
	})
	if err != nil {
		t.Fatal(err)
	}
	facts, _ := h.db.Facts(ctx, rapport.Actor{Org: o.org.ID}, p.ID)
	fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: o.org.ID}, store.FollowUpFilter{PersonID: p.ID})
	key := &store.APIKey{OrgID: o.org.ID, UserID: o.owner.ID, Prefix: "rk_rec", Hash: "hash-" + o.org.Slug, Name: "Feed"}
	if err := h.db.CreateAPIKey(ctx, rapport.Actor{Org: key.OrgID}, key); err != nil {
		t.Fatal(err)
	}
	rule := &rapport.RoutingRule{OrgID: o.org.ID, Source: "Zillow", UserIDs: rapport.FormatIDs([]int64{o.agent.ID})}
	if err := h.db.CreateRoutingRule(ctx, rapport.Actor{Org: rule.OrgID}, rule); err != nil {
		t.Fatal(err)
	}
	job := &store.ImportJob{OrgID: o.org.ID, UserID: o.owner.ID, FileName: "list.csv", Format: "csv",
		Content: []byte("Name,Email\nIan Import,ian@record.test\n"), Settings: "{}"}
	if err := h.db.CreateImportJob(ctx, rapport.Actor{Org: job.OrgID}, job); err != nil {
		t.Fatal(err)
	}
	office := &rapport.Company{Kind: rapport.CompanyOffice, Name: "Record Realty", Market: "North"}
	if err := h.db.CreateCompany(ctx, rapport.Actor{Org: o.org.ID}, office); err != nil {
		t.Fatal(err)
	}
	signal := &rapport.Signal{CompanyID: office.ID, On: rapport.DayOf(h.clock.Now(), time.UTC), Title: "New manager"}
	if err := h.db.AddSignal(ctx, rapport.Member(o.org, o.owner), signal); err != nil {
		t.Fatal(err)
	}
	block := &rapport.CallBlock{UserID: o.owner.ID, Weekday: time.Tuesday, Start: 17 * 60, End: 19 * 60}
	if err := h.db.AddCallBlock(ctx, rapport.Actor{Org: o.org.ID}, block); err != nil {
		t.Fatal(err)
	}
	held := &rapport.HeldEvent{DedupeKey: "rec-" + o.org.Slug, Type: "General Inquiry", Source: "Zillow", Message: "Held", Reason: "No name.",
		Payload: `{"type":"Inquiry","message":"Held"}`}
	if _, err := h.db.HoldEvent(ctx, rapport.Actor{Org: o.org.ID}, held); err != nil {
		t.Fatal(err)
	}
	link, err := h.db.IssuePasswordReset(ctx, rapport.Actor{Org: o.org.ID}, o.agent.ID)
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := h.db.CreateAppPassword(ctx, rapport.Member(o.org, o.owner), "Record phone")
	if err != nil {
		t.Fatal(err)
	}
	hook, delivery := storetest.Webhook(t, h.db, rapport.Actor{Org: o.org.ID}, "records-"+o.org.Slug)
	list := storetest.List(t, h.db, rapport.Member(o.org, o.owner), "Records list")
	return &records{key: own.Key, token: link.Token, ids: map[string]int64{"webhook": hook, "delivery": delivery, "list": list, "held": held.ID, "person": p.ID, "fact": facts[0].ID, "followup": fus[0].ID,
		"conversation": res.Conversation.ID, "apikey": key.ID, "rule": rule.ID, "import": job.ID, "company": office.ID,
		"signal": signal.ID, "user": o.agent.ID, "callblock": block.ID, "apppassword": app.ID}}
}

// postFile uploads a file as the import page's form does.
func (c *client) postFile(path, name string, content []byte) response {
	c.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.h.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// idOf says what {id} names, by the path's beginning.
var idOf = []struct{ prefix, kind string }{
	{"/people/", "person"}, {"/call/", "person"}, {"/conversations/", "conversation"}, {"/followups/", "followup"},
	{"/settings/keys/", "apikey"}, {"/routing/", "rule"}, {"/import/", "import"}, {"/companies/", "company"},
	{"/signals/", "signal"}, {"/recruiting/goals/", "user"}, {"/review/blocks/", "callblock"}, {"/intake/held/", "held"},
	{"/users/", "user"}, {"/pond/", "person"}, {"/inbox/", "person"}, {"/settings/messages/", "person"},
	{"/settings/webhooks/", "webhook"}, {"/settings/webhook-deliveries/", "delivery"}, {"/lists/", "list"},
	{"/settings/app-passwords/", "apppassword"},
}

// request turns a route pattern into a method and a path naming rec's
// records. Patterns without a method (the catch-all, the API's mount)
// report false; so does a path value the test cannot fill, with an error.
func (rec *records) request(t *testing.T, pattern string) (string, string, bool) {
	t.Helper()
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return "", "", false
	}
	path = strings.TrimSuffix(path, "{$}")
	if strings.Contains(path, "{id}") {
		kind := ""
		for _, p := range idOf {
			if strings.HasPrefix(path, p.prefix) {
				kind = p.kind
			}
		}
		if kind == "" {
			t.Errorf("%s: say in idOf what its {id} is", pattern)
			return "", "", false
		}
		path = strings.ReplaceAll(path, "{id}", strconv.FormatInt(rec.ids[kind], 10))
	}
	path = strings.ReplaceAll(path, "{fid}", strconv.FormatInt(rec.ids["fact"], 10))
	path = strings.ReplaceAll(path, "{kind}", string(rapport.EntryObjection))
	path = strings.ReplaceAll(path, "{key}", rec.key)
	path = strings.ReplaceAll(path, "{token}", rec.token)
	if strings.Contains(path, "{") {
		t.Errorf("%s: no value for its path values", pattern)
		return "", "", false
	}
	return method, path, true
}

// changing lists the state-changing routes (every pattern with a method
// other than GET) as method and path with rec's records.
func (h *harness) changing(t *testing.T, rec *records) [][2]string {
	t.Helper()
	app, err := web.New(web.Options{DB: h.db, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]string
	for _, pattern := range app.Routes() {
		if method, _, _ := strings.Cut(pattern, " "); method == http.MethodGet || method == http.MethodHead {
			continue
		}
		if method, path, ok := rec.request(t, pattern); ok {
			out = append(out, [2]string{method, path})
		}
	}
	if len(out) < 40 {
		t.Fatalf("only %d state-changing routes", len(out))
	}
	return out
}

// aForm is a form every state-changing route would accept, or near
// enough: it would change something if the request got through.
func aForm(rec *records) url.Values {
	return url.Values{
		"first_name": {"Mallory"}, "kind": {"client"}, "outcome": {"live"}, "channel": {"call"}, "type": {"fear"},
		"text": {"planted"}, "due": {"tomorrow"}, "name": {"Planted"}, "region": {"US"}, "tz": {"UTC"}, "weekly_goal": {"25"},
		"today_size": {"10"}, "email": {"planted@acme.test"}, "role": {"agent"}, "password": {password}, "current": {password},
		"password2": {password}, "audience": {"clients"}, "response": {"planted response"}, "notes": {"planted"},
		"person": {strconv.FormatInt(rec.ids["person"], 10)}, "objection": {rec.key}, "care": {"planted"}, "care_type": {"passion"},
		"feel": {"planted"}, "everywhere": {"1"}, "source": {"Planted"}, "users": {"1"}, "title": {"planted"}, "on": {"2026-11-23"},
	}
}

// fingerprint is everything the organisation keeps (its export, and its
// audit log but for the exports the fingerprint itself makes), to tell
// whether anything changed.
func (h *harness) fingerprint(o *orgFixture) string {
	h.t.Helper()
	var buf bytes.Buffer
	buf.WriteString(h.orgData(o)) // the export but its audit log, which records the export
	log, err := h.db.AuditLog(ctx, rapport.Actor{Org: o.org.ID}, 0, 500)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, e := range log {
		if e.Action != store.AuditExport || e.Entity != "organisation" {
			fmt.Fprintf(&buf, "audit %d %d %s %s %d %s\n", e.ID, e.UserID, e.Action, e.Entity, e.EntityID, e.Summary)
		}
	}
	return buf.String()
}

// sameData fails the test when the organisation's data changed.
func sameData(t *testing.T, what, before, after string) {
	t.Helper()
	if before == after {
		return
	}
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	seen := map[string]bool{}
	for _, l := range b {
		seen[l] = true
	}
	var changed []string
	for _, l := range a {
		if !seen[l] && len(changed) < 5 {
			changed = append(changed, l)
		}
	}
	t.Errorf("%s changed data:\n%s", what, strings.Join(changed, "\n"))
}

// TestEveryChangeRefusesCrossSiteForms sends every state-changing route, from a
// signed-in browser, as a form posted by another site: each is refused
// and nothing changes. The routes come from the route table, so a new
// route is covered when it is added.
func TestEveryChangeRefusesCrossSiteForms(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		rec := h.records(a)
		c := h.signedIn(a.owner.Email)
		before := h.fingerprint(a)
		u, _ := url.Parse(h.srv.URL)
		browsers := []struct {
			name    string
			headers map[string]string
		}{
			{"cross-site", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}},
			{"same-site", map[string]string{"Origin": "http://evil." + u.Hostname() + ".nip.io", "Sec-Fetch-Site": "same-site"}},
			// Browsers that send no Sec-Fetch-Site still send Origin.
			{"origin only", map[string]string{"Origin": "https://evil.example"}},
		}
		body := aForm(rec).Encode()
		for _, route := range h.changing(t, rec) {
			for _, b := range browsers {
				req, _ := http.NewRequest(route[0], h.srv.URL+route[1], strings.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for k, v := range b.headers {
					req.Header.Set(k, v)
				}
				if res := c.do(req); res.status != http.StatusForbidden {
					t.Errorf("%s %s from a %s form: %d, want 403", route[0], route[1], b.name, res.status)
				}
			}
		}
		sameData(t, "cross-site forms", before, h.fingerprint(a))
		// Still signed in: not even "sign out everywhere" got through.
		wantStatus(t, c.get("/settings"), http.StatusOK)
		// The same form from our own pages is taken, so it was the origin
		// that was refused (and the fingerprint sees changes).
		wantStatus(t, c.post("/people/"+strconv.FormatInt(rec.ids["person"], 10)+"/facts", aForm(rec)), http.StatusSeeOther)
		if h.fingerprint(a) == before {
			t.Error("a fact added from our own page changed nothing")
		}
	})
}

// TestEveryFormHasABodyLimit posts a body over the form limit to every
// state-changing route: each answers 413 and nothing changes, whether
// the body says its length or not. An import over 64 MB is refused on
// the upload form, also with 413, and nothing is kept.
func TestEveryFormHasABodyLimit(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		rec := h.records(a)
		c := h.signedIn(a.owner.Email)
		before := h.fingerprint(a)
		big := aForm(rec)
		big.Set("notes", strings.Repeat("x", 1<<20))
		for _, route := range h.changing(t, rec) {
			if route[1] == "/import" {
				continue // an upload: below
			}
			req, _ := http.NewRequest(route[0], h.srv.URL+route[1], strings.NewReader(big.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			res := c.do(req)
			if res.status != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "too large") {
				t.Errorf("%s %s with a 1 MB form: %d, want 413 saying so", route[0], route[1], res.status)
			}
		}
		// A body sent without its length is cut off as it is read.
		for _, path := range []string{"/people", "/settings", "/people/" + strconv.FormatInt(rec.ids["person"], 10) + "/log"} {
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, io.NopCloser(strings.NewReader(big.Encode())))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			if res := c.do(req); res.status != http.StatusRequestEntityTooLarge || req.ContentLength != 0 {
				t.Errorf("chunked 1 MB form to %s: %d, want 413", path, res.status)
			}
		}
		sameData(t, "oversized forms", before, h.fingerprint(a))

		// Uploads: a file over 64 MB, inside and beyond the request's own
		// limit.
		jobs, _ := h.db.ImportJobs(ctx, rapport.Actor{Org: a.org.ID}, 100)
		for _, size := range []int{64<<20 + 1, 66 << 20} {
			res := c.postFile("/import", "huge.csv", bytes.Repeat([]byte("a,b\n"), size/4+1))
			wantStatus(t, res, http.StatusRequestEntityTooLarge)
			wantBody(t, res, "That file is larger than 64 MB", `name="file"`)
		}
		if after, _ := h.db.ImportJobs(ctx, rapport.Actor{Org: a.org.ID}, 100); len(after) != len(jobs) {
			t.Errorf("imports: %d before, %d after", len(jobs), len(after))
		}
		sameData(t, "oversized uploads", before, h.fingerprint(a))
		// A file under the limit is still taken.
		res := c.postFile("/import", "list.csv", []byte("Name,Email\nUna Upload,una@acme.test\n"))
		wantStatus(t, res, http.StatusSeeOther)
	})
}

// TestTextNoFieldCanHoldIsRefused: a NUL or bytes that are not UTF-8 in a
// form field or a query parameter answer 400 naming it, and save nothing.
func TestTextNoFieldCanHoldIsRefused(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		res := c.post("/people", url.Values{"first_name": {"Nul\x00Byte"}, "kind": {"lead"}})
		wantStatus(t, res, http.StatusBadRequest)
		wantBody(t, res, "first_name")
		res = c.post("/people", url.Values{"first_name": {"J\xe4ger"}, "kind": {"lead"}})
		wantStatus(t, res, http.StatusBadRequest)
		for _, q := range []string{"q=%00", "q=%FF%FE", "kind=lead%00"} {
			res := c.get("/people?" + q)
			wantStatus(t, res, http.StatusBadRequest)
		}
		page, err := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, store.PeopleFilter{Limit: 10})
		if err != nil || len(page.People) != 0 {
			t.Errorf("saved: %+v %v", page, err)
		}
	})
}
