package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

var (
	auditRowRE = regexp.MustCompile(`(?s)<tr id="audit-(\d+)">(.*?)</tr>`)
	anyTagRE   = regexp.MustCompile(`<[^>]*>`)
)

// auditRows reads the audit page's rows: each entry's id and its cells'
// text, squashed.
func auditRows(body string) (ids []int64, rows []string) {
	for _, m := range auditRowRE.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
		rows = append(rows, strings.Join(strings.Fields(anyTagRE.ReplaceAllString(m[2], " ")), " "))
	}
	return ids, rows
}

// TestAuditLogPage: what users do appears for owners and managers, newest
// first, with who did it and when, a page at a time; agents cannot read
// it, and another organisation never sees it.
func TestAuditLogPage(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a, b := h.org("acme"), h.org("bravo")
		owner, manager, agent := h.signedIn(a.owner.Email), h.signedIn(a.manager.Email), h.signedIn(a.agent.Email)
		res := agent.post("/people", url.Values{"first_name": {"Audrey"}, "last_name": {"Trail"}, "kind": {"lead"}})
		wantStatus(t, res, http.StatusSeeOther)
		id := strconv.FormatInt(idFrom(t, res.location, "/people/"), 10)
		h.clock.Advance(time.Minute)
		wantStatus(t, agent.get("/people/"+id+"/vcard"), http.StatusOK)
		h.clock.Advance(time.Minute)
		wantStatus(t, manager.get("/people/export.csv?kind=lead"), http.StatusOK)
		h.clock.Advance(time.Minute)
		// Archiving goes through a store function that takes no actor:
		// the request names them.
		wantStatus(t, owner.post("/people/"+id+"/archive", nil), http.StatusSeeOther)
		h.clock.Advance(time.Minute)
		wantStatus(t, manager.get("/people/export.vcf"), http.StatusOK)
		wantStatus(t, h.signedIn(b.owner.Email).post("/people", url.Values{"first_name": {"Bravo-only"}, "kind": {"lead"}}), http.StatusSeeOther)

		wantStatus(t, agent.get("/audit"), http.StatusForbidden)
		if strings.Contains(agent.get("/users").body, `href="/audit"`) {
			t.Error("agents are shown a link to the audit log")
		}
		wantBody(t, owner.get("/users"), `href="/audit"`)
		res = manager.get("/audit")
		wantStatus(t, res, http.StatusOK)
		ids, rows := auditRows(res.body)
		want := []string{
			"Mon 23 Nov, 10:04 AM Manager acme export people people as vCards",
			"Mon 23 Nov, 10:03 AM Owner acme archive person #" + id,
			"Mon 23 Nov, 10:02 AM Manager acme export people people as CSV, filtered by kind=lead",
			"Mon 23 Nov, 10:01 AM Agent acme export person #" + id + " vCard of Audrey Trail",
			"Mon 23 Nov, 10:00 AM Agent acme create person #" + id + " Audrey Trail",
		}
		if len(rows) < len(want) || strings.Join(rows[:len(want)], "\n") != strings.Join(want, "\n") {
			t.Errorf("audit log:\n%s\nwant first:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
		}
		wantBody(t, res, `<a href="/people/`+id+`">person #`+id+`</a>`)
		for i := 1; i < len(ids); i++ {
			if ids[i] >= ids[i-1] {
				t.Fatalf("not newest first: %v", ids)
			}
		}
		theirs := h.signedIn(b.owner.Email).get("/audit")
		wantStatus(t, theirs, http.StatusOK)
		wantBody(t, theirs, "Bravo-only")
		for _, leak := range []string{"Audrey", "acme", "#" + id + "<"} {
			if strings.Contains(theirs.body, leak) {
				t.Errorf("organisation bravo's audit log shows %q", leak)
			}
		}

		// Paged by ?before=ID, 50 to a page.
		for i := range 60 {
			if err := h.db.Audit(ctx, rapport.Member(a.org, a.owner), store.AuditExport, "person", 0, "bulk "+strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
		}
		all, _ := h.db.AuditLog(ctx, rapport.Actor{Org: a.org.ID}, 0, 500)
		var seen []int64
		next := "/audit"
		for page := 0; next != "" && page < 5; page++ {
			res := owner.get(next)
			wantStatus(t, res, http.StatusOK)
			ids, _ := auditRows(res.body)
			if len(ids) > 50 {
				t.Errorf("%s: %d rows", next, len(ids))
			}
			seen = append(seen, ids...)
			next = between(res.body, `<a class="button" href="/audit?before=`, `"`)
			if next != "" {
				next = "/audit?before=" + next
			}
		}
		if len(seen) != len(all) {
			t.Fatalf("paged through %d of %d entries", len(seen), len(all))
		}
		for i := range all {
			if seen[i] != all[i].ID {
				t.Fatalf("entry %d: %d, want %d", i, seen[i], all[i].ID)
			}
		}
		wantBody(t, owner.get("/audit?before="+strconv.FormatInt(all[len(all)-1].ID, 10)), "No older entries.")
	})
}
