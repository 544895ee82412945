package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Hostile values, as someone might type or import them.
const (
	xssScript  = `<script>alert(1)</script>`
	xssAttr    = `"><img src=x onerror=alert(1)>`
	xssTmpl    = `{{.User.PasswordHash}}{{template "layout.html" .}}`
	xssJS      = `javascript:alert(1)`
	xssFormula = `=HYPERLINK("https://evil.example","Click")`
)

// rawMarkup is what a payload shown raw would put in a page: markup, or
// a template's evaluation (a password hash). javascript: URLs are looked
// for where they would run: in links, sources and form actions.
var rawMarkup = []string{"<script>alert", "<img src=x", "$argon2id"}

// checkPage fails when a page shows a payload raw: as markup, as an
// inline script or event handler, as a javascript: URL, or evaluated as
// a template.
func checkPage(t *testing.T, name string, res response) {
	t.Helper()
	if res.status >= 500 {
		t.Errorf("%s: %d", name, res.status)
		return
	}
	for _, raw := range rawMarkup {
		if strings.Contains(res.body, raw) {
			i := strings.Index(res.body, raw)
			t.Errorf("%s shows %q raw: …%s…", name, raw, res.body[max(0, i-80):min(len(res.body), i+80)])
		}
	}
	for _, tag := range startTags(res.body) {
		if tag.name == "script" && !strings.HasPrefix(tag.attrs["src"], "/static/") {
			t.Errorf("%s has a script that is not ours: %v", name, tag.attrs)
		}
		for a, v := range tag.attrs {
			if strings.HasPrefix(a, "on") {
				t.Errorf("%s has an event handler: <%s %s=%q>", name, tag.name, a, v)
			}
			if (a == "href" || a == "src" || a == "action" || a == "formaction") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "javascript:") {
				t.Errorf("%s links to javascript: <%s %s=%q>", name, tag.name, a, v)
			}
		}
	}
	if csp := res.header.Get("Content-Security-Policy"); res.header.Get("Content-Type") == "text/html; charset=utf-8" &&
		(!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval")) {
		t.Errorf("%s: CSP %q", name, csp)
	}
}

type tag struct {
	name  string
	attrs map[string]string
}

// startTags reads the start tags of a page as a browser would: names, and
// attributes with their (quoted or bare) values. Enough for checking
// html/template's output, not a full HTML parser.
func startTags(page string) []tag {
	var out []tag
	for i := 0; i < len(page); i++ {
		if page[i] != '<' || i+1 >= len(page) || !isLetter(page[i+1]) {
			continue
		}
		j := i + 1
		for j < len(page) && !strings.ContainsRune(" \t\n\r/>", rune(page[j])) {
			j++
		}
		tg := tag{name: strings.ToLower(page[i+1 : j]), attrs: map[string]string{}}
		for j < len(page) && page[j] != '>' {
			for j < len(page) && strings.ContainsRune(" \t\n\r/", rune(page[j])) {
				j++
			}
			k := j
			for k < len(page) && !strings.ContainsRune(" \t\n\r/>=", rune(page[k])) {
				k++
			}
			name := strings.ToLower(page[j:k])
			j = k
			val := ""
			if j < len(page) && page[j] == '=' {
				j++
				if j < len(page) && (page[j] == '"' || page[j] == '\'') {
					q := page[j]
					end := strings.IndexByte(page[j+1:], q)
					if end < 0 {
						end = len(page) - j - 1
					}
					val, j = page[j+1:j+1+end], j+2+end
				} else {
					k := j
					for k < len(page) && !strings.ContainsRune(" \t\n\r>", rune(page[k])) {
						k++
					}
					val, j = page[j:k], k
				}
			}
			if name != "" {
				tg.attrs[name] = val
			} else if j < len(page) && page[j] != '>' {
				j++
			}
		}
		out = append(out, tg)
		i = j
	}
	return out
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

// TestHostileValuesAreShownAsText fills an organisation with hostile
// values (markup, attribute breakouts, template syntax, javascript: URLs,
// spreadsheet formulas) through its forms and its store, then renders
// every page that shows them: each shows them as text, never as markup,
// script or a link to run; the downloads keep them inside their cells
// and lines.
func TestHostileValuesAreShownAsText(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		agent, owner := h.signedIn(a.agent.Email), h.signedIn(a.owner.Email)
		notes := strings.Join([]string{xssScript, xssAttr, xssTmpl, xssJS, xssFormula}, "\n")

		// A lead, through the form: on Today (never called) with a
		// promise due, in the lists and in search.
		res := agent.post("/people", url.Values{"first_name": {"Eve" + xssScript}, "last_name": {xssAttr}, "kind": {"lead"},
			"source": {xssFormula}, "notes": {notes}, "tags": {xssScript + ", " + xssTmpl}, "city": {xssTmpl}, "street": {xssAttr},
			"phone": {"(312) 555-0199"}, "phone_label": {xssAttr}, "email": {"eve@example.com"}, "email_label": {xssAttr + "\r\nNOTE:x"}})
		wantStatus(t, res, http.StatusSeeOther)
		eve := idFrom(t, res.location, "/people/")
		evePath := "/people/" + strconv.FormatInt(eve, 10)
		for _, v := range []url.Values{{"type": {"fear"}, "text": {xssScript}}, {"type": {"passion"}, "text": {xssAttr}}} {
			wantStatus(t, agent.post(evePath+"/facts", v), http.StatusSeeOther)
		}
		// The playbook: an objection and a question of the organisation's
		// own.
		objection := &rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceClients, Text: "Too pricey " + xssScript,
			Responses: []string{"I hear you " + xssAttr}, Why: xssTmpl}
		question := &rapport.Entry{Kind: rapport.EntryQuestion, Audience: rapport.AudienceClients, Text: "What drives you? " + xssAttr,
			Uncovers: rapport.UncoversMotivation}
		for _, e := range []*rapport.Entry{objection, question} {
			if err := h.db.SavePlaybookEntry(ctx, rapport.Member(a.org, a.owner), e); err != nil {
				t.Fatal(err)
			}
		}
		// A conversation they started, with the objection, a next step
		// due today and notes.
		if _, err := h.db.LogConversation(ctx, rapport.Member(a.org, a.agent), &store.LogInput{Loc: a.org.Location(),
			Conversation: rapport.Conversation{PersonID: eve, Channel: rapport.ChannelText, Direction: rapport.DirectionInbound,
				Notes: xssScript + xssAttr, NextStep: xssAttr, Objection: objection.Key},
			FollowUp: &rapport.FollowUp{DueOn: rapport.DayOf(h.clock.Now(), a.org.Location()), Kind: rapport.FollowUpCall, Note: xssScript}}); err != nil {
			t.Fatal(err)
		}
		// A brokerage: a javascript: website is refused, and what was
		// typed is shown back as text.
		res = owner.post("/companies", url.Values{"kind": {"brokerage"}, "name": {"Evil " + xssScript}, "market": {xssAttr}, "website": {xssJS}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Enter a web address")
		checkPage(t, "company form with errors", res)
		res = owner.post("/companies", url.Values{"kind": {"brokerage"}, "name": {"Evil " + xssScript}, "market": {xssAttr},
			"website": {"https://evil.example/" + xssAttr}})
		wantStatus(t, res, http.StatusSeeOther)
		company := idFrom(t, res.location, "/companies/")
		companyPath := "/companies/" + strconv.FormatInt(company, 10)
		res = owner.post(companyPath, url.Values{"kind": {"brokerage"}, "name": {"Evil"}, "website": {" " + xssJS}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		checkPage(t, "company edit with errors", res)
		wantStatus(t, owner.post(companyPath+"/signals", url.Values{"on": {rapport.DayOf(h.clock.Now(), a.org.Location()).String()},
			"title": {xssScript}, "note": {xssAttr}}), http.StatusSeeOther)
		// An agent they recruit there, referred by Eve.
		rex := &rapport.Person{FirstName: "Rex" + xssAttr, LastName: xssScript, Kind: rapport.KindRecruit, OwnerID: a.agent.ID,
			CompanyID: company, Units12m: 30, Volume12m: 12_000_000, ReferredByID: eve, Tags: []string{xssScript},
			Phones: []rapport.Phone{{Number: "+13125550198", Label: xssScript}}}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.owner), rex); err != nil {
			t.Fatal(err)
		}
		rexPath := "/people/" + strconv.FormatInt(rex.ID, 10)

		pages := []struct {
			c    *client
			path string
			want string // shown, escaped
		}{
			{agent, evePath, "Eve&lt;script&gt;alert(1)&lt;/script&gt;"},
			{agent, evePath + "/edit", ""},
			{agent, evePath + "/log", ""},
			{agent, "/people", "Eve&lt;script&gt;"},
			{agent, "/people?q=Eve", "Eve&lt;script&gt;"},
			{agent, "/people?q=" + url.QueryEscape(xssScript), ""},
			{agent, "/people?q=" + url.QueryEscape(xssAttr), ""},
			{agent, "/people?tag=" + url.QueryEscape(xssScript), ""},
			{agent, "/today", "Eve&lt;script&gt;"},
			{agent, "/call", ""},
			{agent, "/call/" + strconv.FormatInt(eve, 10), "Eve&lt;script&gt;"},
			{agent, "/followups", ""},
			{agent, "/duplicates", ""},
			{agent, rexPath, "Rex&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"},
			{owner, "/companies", "Evil &lt;script&gt;"},
			{owner, companyPath, "Evil &lt;script&gt;"},
			{owner, "/recruiting", "Rex&#34;&gt;"},
			{owner, "/recruiting/board", "Rex&#34;&gt;"},
			{owner, "/referrals", "Eve&lt;script&gt;"},
			{agent, "/review", "Too pricey &lt;script&gt;"},
			{owner, "/review?team=1", ""},
			{owner, "/playbook", "Too pricey &lt;script&gt;"},
			{owner, "/playbook/objection/" + objection.Key, ""},
			{owner, "/playbook/question/" + question.Key, ""},
			{agent, "/practice", ""},
			{agent, "/practice/" + objection.Key, ""},
			{owner, "/audit", "Eve&lt;script&gt;"},
			{agent, "/people/" + url.PathEscape(xssScript), ""},
			{agent, "/signin?next=" + url.QueryEscape(xssJS), ""},
		}
		for _, p := range pages {
			res := p.c.get(p.path)
			checkPage(t, p.path, res)
			if p.want != "" && !strings.Contains(res.body, p.want) {
				t.Errorf("%s does not show %q", p.path, p.want)
			}
		}
		// Template syntax is shown as typed, never run.
		wantBody(t, agent.get(evePath), "{{.User.PasswordHash}}{{template &#34;layout.html&#34; .}}")
		// A form shown back with errors shows what was typed as text.
		res = agent.post("/people", url.Values{"first_name": {xssAttr}, "last_name": {xssScript}, "kind": {"lead"}, "email": {"not-an-email"},
			"notes": {notes}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		checkPage(t, "person form with errors", res)
		// Suggestions are JSON, with markup escaped.
		res = agent.get("/people/suggest?q=Eve")
		if !strings.HasPrefix(res.header.Get("Content-Type"), "application/json") || strings.Contains(res.body, "<script") {
			t.Errorf("suggest: %s %s", res.header.Get("Content-Type"), res.body)
		}

		// Downloads: never HTML, always attachments, values kept in their
		// cells and lines, formulas neutralised.
		for _, d := range []struct{ path, typ string }{
			{"/people/export.csv", "text/csv"}, {"/people/export.vcf", "text/vcard"}, {evePath + "/vcard", "text/vcard"},
			{"/review.csv", "text/csv"},
		} {
			res := agent.get(d.path)
			wantStatus(t, res, http.StatusOK)
			if !strings.HasPrefix(res.header.Get("Content-Type"), d.typ) || res.header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s: %v", d.path, res.header)
			}
		}
		rows, err := csv.NewReader(strings.NewReader(agent.get("/people/export.csv").body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, name := range rows[0] {
			col[name] = i
		}
		var eveRow []string
		for _, r := range rows[1:] {
			if strings.HasPrefix(r[col["First name"]], "Eve") {
				eveRow = r
			}
		}
		if eveRow == nil {
			t.Fatalf("Eve not in the export: %v", rows)
		}
		if got := eveRow[col["First name"]]; got != "Eve"+xssScript {
			t.Errorf("first name cell = %q", got)
		}
		if got := eveRow[col["Source"]]; got != importer.Neutralize(xssFormula) || !strings.HasPrefix(got, "'=") {
			t.Errorf("source cell = %q, want the formula neutralised", got)
		}
		if got := eveRow[col["Notes"]]; !strings.Contains(got, xssScript) || !strings.Contains(got, "'"+xssFormula) && !strings.Contains(got, xssFormula) {
			t.Errorf("notes cell = %q", got)
		}
		card := agent.get(evePath + "/vcard").body
		for _, l := range strings.Split(card, "\r\n") {
			if strings.HasPrefix(l, "NOTE:x") || strings.HasPrefix(l, "<") || strings.HasPrefix(l, `"`) {
				t.Errorf("vCard line broken out: %q", l)
			}
		}
		back, err := importer.ParseVCards(strings.NewReader(card), "US", "", time.Now())
		if err != nil || len(back) != 1 || back[0].Person.FirstName != "Eve"+xssScript || back[0].Person.Notes != strings.ReplaceAll(notes, "\r", "") {
			t.Errorf("vCard read back: %+v, %v", back, err)
		}
	})
}
