package carddav_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/carddav"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// paths of the agent's address book.
func bookPath(u *rapport.User) string { return fmt.Sprintf("/dav/%d/addressbooks/contacts/", u.ID) }
func cardPath(u *rapport.User, p *rapport.Person) string {
	return fmt.Sprintf("%s%d.vcf", bookPath(u), p.ID)
}

func client(t *testing.T, h *harness, user, pass string) *carddav.Client {
	t.Helper()
	c, err := carddav.NewClient(webdav.HTTPClientWithBasicAuth(http.DefaultClient, user, pass), h.srv.URL+"/dav/")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAddressBook: a contacts app finds the agent's one address book from
// the root, reads their people's cards — and only theirs — and a sync
// from a token names exactly what changed since: a phone added, a call
// logged (the note moves on), someone archived.
func TestAddressBook(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		f := h.fixture()
		for _, path := range []string{"/.well-known/carddav"} {
			r := h.dav("GET", path, "", "", "")
			if r.status != http.StatusMovedPermanently || r.header.Get("Location") != "/dav/" {
				t.Errorf("%s: %d to %q", path, r.status, r.header.Get("Location"))
			}
		}
		if r := h.dav("PROPFIND", "/", "", "", ""); r.status != http.StatusMovedPermanently || r.header.Get("Location") != "/dav/" {
			t.Errorf("PROPFIND /: %d to %q", r.status, r.header.Get("Location"))
		}
		opts := h.dav("OPTIONS", "/dav/", "", "", "")
		if !strings.Contains(opts.header.Get("DAV"), "addressbook") || strings.Contains(opts.header.Get("Allow"), "PUT") {
			t.Errorf("OPTIONS: DAV %q, Allow %q", opts.header.Get("DAV"), opts.header.Get("Allow"))
		}

		c := client(t, h, f.agent.Email, f.agentPassword)
		principal, err := c.FindCurrentUserPrincipal(ctx)
		if err != nil || principal != fmt.Sprintf("/dav/%d/", f.agent.ID) {
			t.Fatalf("principal %q %v", principal, err)
		}
		home, err := c.FindAddressBookHomeSet(ctx, principal)
		if err != nil || home != principal+"addressbooks/" {
			t.Fatalf("home %q %v", home, err)
		}
		books, err := c.FindAddressBooks(ctx, home)
		if err != nil || len(books) != 1 || books[0].Path != bookPath(f.agent) || books[0].Name != "Rapport" {
			t.Fatalf("books %+v %v", books, err)
		}
		book := books[0].Path

		first, err := c.SyncCollection(ctx, book, &carddav.SyncQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if got := paths(first.Updated); !slices.Equal(got, []string{cardPath(f.agent, f.dana), cardPath(f.agent, f.ben)}) || len(first.Deleted) != 0 {
			t.Fatalf("first sync: %v, deleted %v", got, first.Deleted)
		}
		objs, err := c.MultiGetAddressBook(ctx, book, &carddav.AddressBookMultiGet{Paths: paths(first.Updated)})
		if err != nil || len(objs) != 2 {
			t.Fatalf("multiget: %v %v", objs, err)
		}
		cards := map[string]carddav.AddressObject{}
		for _, o := range objs {
			cards[o.Path] = o
		}
		dana, ben := cards[cardPath(f.agent, f.dana)], cards[cardPath(f.agent, f.ben)]
		if dana.ETag != first.Updated[0].ETag {
			t.Errorf("the multiget's ETag %q is not the sync's %q", dana.ETag, first.Updated[0].ETag)
		}
		want := map[string]string{
			"VERSION": "3.0", "FN": "Dana Whit", "N": "Whit;Dana;;;", "NOTE": "Lead · Sails on Lake Michigan · called 23 Nov",
		}
		for k, v := range want {
			if got := dana.Card.Value(k); got != v {
				t.Errorf("Dana's %s = %q, want %q", k, got, v)
			}
		}
		if uid := dana.Card.Value(vcard.FieldUID); !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(uid) {
			t.Errorf("UID %q", uid)
		}
		tels := dana.Card[vcard.FieldTelephone]
		if len(tels) != 2 || tels[0].Value != "+13125550142" || !slices.Equal(tels[0].Params.Types(), []string{"cell", "voice", "pref"}) ||
			tels[1].Group == "" || dana.Card.Get("X-ABLABEL") == nil || dana.Card.Get("X-ABLABEL").Value != "boat" || dana.Card.Get("X-ABLABEL").Group != tels[1].Group {
			t.Errorf("Dana's phones: %+v %+v, labels %+v", tels[0], tels[1], dana.Card["X-ABLABEL"])
		}
		if e := dana.Card.Get(vcard.FieldEmail); e == nil || e.Value != "dana@whit.test" || !slices.Contains(e.Params.Types(), "home") {
			t.Errorf("Dana's email: %+v", e)
		}
		if note := ben.Card.Value(vcard.FieldNote); note != "Do not call · Client" || ben.Card.Value(vcard.FieldName) != "Ito, Jr;Ben;;;" {
			t.Errorf("Ben: note %q, N %q", note, ben.Card.Value(vcard.FieldName))
		}

		// PROPFIND of the book: each card's ETag, and the sync token, also
		// as the CTag; read-only; a property it lacks is 404.
		r := h.dav("PROPFIND", book, f.agent.Email, f.agentPassword, `<?xml version="1.0"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/" xmlns:x="urn:example"><d:prop>
<d:getetag/><cs:getctag/><d:sync-token/><d:current-user-privilege-set/><d:supported-report-set/><d:resourcetype/><x:colour/>
</d:prop></d:propfind>`, "Depth", "1")
		wantStatus(t, r, http.StatusMultiStatus)
		for _, s := range []string{"<cs:getctag>" + first.SyncToken + "</cs:getctag>", "<d:sync-token>" + first.SyncToken + "</d:sync-token>",
			"<d:sync-collection/>", "<card:addressbook/>", `<colour xmlns="urn:example"/>`, "404 Not Found",
			cardPath(f.agent, f.dana), `<d:getetag>&#34;` + dana.ETag + `&#34;</d:getetag>`} {
			if !strings.Contains(r.body, s) {
				t.Errorf("PROPFIND lacks %s:\n%s", s, r.body)
			}
		}
		if strings.Contains(r.body, "<d:write") || strings.Count(r.body, ".vcf</d:href>") != 2 {
			t.Errorf("PROPFIND offers writing, or the wrong cards:\n%s", r.body)
		}

		// The book named without its slash is the book.
		if r := h.dav("PROPFIND", strings.TrimSuffix(book, "/"), f.agent.Email, f.agentPassword, "", "Depth", "0"); r.status != http.StatusMultiStatus ||
			!strings.Contains(r.body, first.SyncToken) || r.header.Get("Cache-Control") != "private, no-cache" {
			t.Errorf("PROPFIND without the slash: %d %q\n%s", r.status, r.header.Get("Cache-Control"), r.body)
		}

		// Nothing changed: nothing to say, the same token.
		again, err := c.SyncCollection(ctx, book, &carddav.SyncQuery{SyncToken: first.SyncToken})
		if err != nil || len(again.Updated)+len(again.Deleted) != 0 || again.SyncToken != first.SyncToken {
			t.Fatalf("an unchanged book: %+v %v", again, err)
		}
		agent := rapport.Member(f.org, f.agent)
		token := first.SyncToken
		step := func(what string, change func(), updated, deleted []string) {
			t.Helper()
			change()
			s, err := c.SyncCollection(ctx, book, &carddav.SyncQuery{SyncToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(paths(s.Updated), updated) || !slices.Equal(s.Deleted, deleted) || s.SyncToken == token {
				t.Errorf("%s: updated %v, deleted %v (token %s → %s)", what, paths(s.Updated), s.Deleted, token, s.SyncToken)
			}
			token = s.SyncToken
		}
		step("a phone added", func() {
			p, _ := h.db.Person(ctx, agent, f.dana.ID)
			p.Phones = append(p.Phones, rapport.Phone{Number: "+13125550199", Label: "work"})
			if err := h.db.UpdatePerson(ctx, agent, p); err != nil {
				t.Fatal(err)
			}
		}, []string{cardPath(f.agent, f.dana)}, nil)
		step("a text logged", func() {
			h.clock.Advance(50 * 24 * 60 * 60 * 1e9)
			if _, err := h.db.LogConversation(ctx, agent, &store.LogInput{Loc: chicago, Conversation: rapport.Conversation{PersonID: f.dana.ID,
				Channel: rapport.ChannelText, Direction: rapport.DirectionOutbound}}); err != nil {
				t.Fatal(err)
			}
		}, []string{cardPath(f.agent, f.dana)}, nil)
		got, err := c.GetAddressObject(ctx, cardPath(f.agent, f.dana))
		if err != nil || got.Card.Value(vcard.FieldNote) != "Lead · Sails on Lake Michigan · texted 12 Jan" {
			t.Errorf("after the text: %q %v", got.Card.Value(vcard.FieldNote), err)
		}
		step("archived", func() {
			if err := h.db.ArchivePerson(ctx, agent, f.ben.ID, true); err != nil {
				t.Fatal(err)
			}
		}, nil, []string{cardPath(f.agent, f.ben)})

		// No one else's people, however asked.
		for _, p := range []*rapport.Person{f.secret, f.foreign, f.gone, f.ben} {
			if r := h.dav("GET", cardPath(f.agent, p), f.agent.Email, f.agentPassword, ""); r.status != http.StatusNotFound {
				t.Errorf("GET %s's card: %d", p.FirstName, r.status)
			}
		}
		multi := h.dav("REPORT", book, f.agent.Email, f.agentPassword, `<?xml version="1.0"?>
<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop>
<d:href>`+cardPath(f.agent, f.secret)+`</d:href><d:href>`+cardPath(f.agent, f.foreign)+`</d:href><d:href>`+cardPath(f.agent, f.dana)+`</d:href>
</card:addressbook-multiget>`, "Depth", "1")
		wantStatus(t, multi, http.StatusMultiStatus)
		if strings.Count(multi.body, "HTTP/1.1 404") != 2 || !strings.Contains(multi.body, "FN:Dana Whit") {
			t.Errorf("multiget:\n%s", multi.body)
		}
		for _, path := range []string{bookPath(f.colleague), cardPath(f.colleague, f.secret), fmt.Sprintf("/dav/%d/", f.colleague.ID)} {
			if r := h.dav("PROPFIND", path, f.agent.Email, f.agentPassword, "", "Depth", "1"); r.status != http.StatusNotFound {
				t.Errorf("PROPFIND %s: %d", path, r.status)
			}
		}
		query := h.dav("REPORT", book, f.agent.Email, f.agentPassword, `<?xml version="1.0"?>
<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop>
<card:filter><card:prop-filter name="FN"><card:text-match collation="i;unicode-casemap" match-type="contains">a</card:text-match></card:prop-filter></card:filter>
</card:addressbook-query>`, "Depth", "1")
		wantStatus(t, query, http.StatusMultiStatus)
		if !strings.Contains(query.body, "FN:Dana Whit") || strings.Count(query.body, "<href>") != 1 {
			t.Errorf("query:\n%s", query.body)
		}
		full, err := c.SyncCollection(ctx, book, &carddav.SyncQuery{})
		if err != nil || !slices.Equal(paths(full.Updated), []string{cardPath(f.agent, f.dana)}) {
			t.Errorf("a sync from the start: %v %v", paths(full.Updated), err)
		}
		for _, body := range []string{r.body, multi.body, query.body} {
			for _, name := range []string{"Zelda", "Secretkeeper", "Otto", "Elsewhere", "Gone"} {
				if strings.Contains(body, name) {
					t.Errorf("%s shows in an answer:\n%s", name, body)
				}
			}
		}
	})
}

func paths(objs []carddav.AddressObject) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Path)
	}
	return out
}

// syncReport is a sync-collection REPORT's body.
func syncReport(token string, limit int) string {
	l := ""
	if limit > 0 {
		l = fmt.Sprintf("<d:limit><d:nresults>%d</d:nresults></d:limit>", limit)
	}
	return `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">` +
		`<d:sync-token>` + token + `</d:sync-token><d:sync-level>1</d:sync-level>` + l +
		`<d:prop><d:getetag/><card:address-data/></d:prop></d:sync-collection>`
}

var tokenRE = regexp.MustCompile(`<d:sync-token>([^<]*)</d:sync-token>`)

// TestSyncTokens: a token the book cannot answer for is refused as RFC
// 6578 says; a limit cuts a sync short, says so, and the token it gives
// goes on from there.
func TestSyncTokens(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		f := h.fixture()
		book := bookPath(f.agent)
		sync := func(token string, limit int) response {
			t.Helper()
			return h.dav("REPORT", book, f.agent.Email, f.agentPassword, syncReport(token, limit), "Depth", "0")
		}
		for _, bad := range []string{"urn:x-rapport:sync:nope:1:1", "http://example.com/sync/1", "urn:x-rapport:sync:abc:x:1"} {
			r := sync(bad, 0)
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "valid-sync-token") {
				t.Errorf("token %s: %d %s", bad, r.status, r.body)
			}
		}
		part := sync("", 1)
		wantStatus(t, part, http.StatusMultiStatus)
		if strings.Count(part.body, "BEGIN:VCARD") != 1 || !strings.Contains(part.body, "507 Insufficient Storage") {
			t.Fatalf("a first sync of one card:\n%s", part.body)
		}
		m := tokenRE.FindStringSubmatch(part.body)
		if m == nil {
			t.Fatalf("no token:\n%s", part.body)
		}
		rest := sync(m[1], 0)
		wantStatus(t, rest, http.StatusMultiStatus)
		if strings.Count(rest.body, "BEGIN:VCARD") != 1 || strings.Contains(rest.body, "507") ||
			strings.Contains(rest.body, "FN:"+strings.SplitN(strings.SplitN(part.body, "FN:", 2)[1], "\r\n", 2)[0]) {
			t.Errorf("the rest of it:\n%s", rest.body)
		}
		// A token is the same thing read by go-webdav's client.
		c := client(t, h, f.agent.Email, f.agentPassword)
		s, err := c.SyncCollection(ctx, book, &carddav.SyncQuery{SyncToken: tokenRE.FindStringSubmatch(rest.body)[1]})
		if err != nil || len(s.Updated)+len(s.Deleted) != 0 {
			t.Errorf("after the rest: %+v %v", s, err)
		}
		if r := h.dav("REPORT", "/dav/"+fmt.Sprint(f.agent.ID)+"/addressbooks/", f.agent.Email, f.agentPassword, syncReport("", 0)); r.status != http.StatusForbidden {
			t.Errorf("sync of the home: %d", r.status)
		}
	})
}

// TestSignIn: only the email and a working app password open the book —
// never the account's password or a session cookie — and failures are
// throttled.
func TestSignIn(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		f := h.fixture()
		propfind := func(user, pass string, header ...string) response {
			t.Helper()
			return h.dav("PROPFIND", "/dav/", user, pass, "", append([]string{"Depth", "0"}, header...)...)
		}
		r := propfind("", "")
		if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic ") {
			t.Fatalf("anonymous: %d %q", r.status, r.header.Get("WWW-Authenticate"))
		}
		wantStatus(t, propfind(f.agent.Email, password), http.StatusUnauthorized)

		// A browser signed in to the web pages: its cookie opens nothing.
		signin := url.Values{"email": {f.owner.Email}, "password": {password}}
		req, _ := http.NewRequest("POST", h.srv.URL+"/signin", strings.NewReader(signin.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := noRedirects.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var cookies []string
		for _, ck := range res.Cookies() {
			cookies = append(cookies, ck.Name+"="+ck.Value)
		}
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(strings.Join(cookies, ";"), "rapport_session=") {
			t.Fatalf("web sign-in: %d %v", res.StatusCode, cookies)
		}
		for _, m := range []string{"PROPFIND", "REPORT", "GET"} {
			r := h.dav(m, bookPath(f.owner), "", "", "", "Cookie", strings.Join(cookies, "; "))
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s with a session cookie: %d", m, r.status)
			}
		}

		// The same email in another organisation: the app password says
		// whose book it is.
		ok := propfind(f.agent.Email, f.agentPassword)
		wantStatus(t, ok, http.StatusMultiStatus)
		if !strings.Contains(ok.body, fmt.Sprintf("<href>/dav/%d/</href>", f.agent.ID)) {
			t.Errorf("root: %s", ok.body)
		}
		// Revoked, it opens nothing.
		_, second, err := h.db.CreateAppPassword(ctx, rapport.Member(f.org, f.agent), "iPad")
		if err != nil {
			t.Fatal(err)
		}
		ps, _ := h.db.AppPasswords(ctx, rapport.Member(f.org, f.agent))
		if err := h.db.RevokeAppPassword(ctx, rapport.Member(f.org, f.agent), ps[0].ID); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, propfind(f.agent.Email, second), http.StatusUnauthorized)

		// Twenty failures from one address (the revoked password's was
		// one) lock that address a while; the password that works is
		// refused from it too until then. (The account itself is not
		// locked: a stranger's guesses must not shut its phones out.)
		var locked response
		for i := 0; i < 20; i++ {
			if locked = propfind(f.agent.Email, "guess"); locked.status != http.StatusUnauthorized {
				break
			}
		}
		if locked.status != http.StatusTooManyRequests || locked.header.Get("Retry-After") == "" {
			t.Fatalf("twenty failures: %d %q", locked.status, locked.header.Get("Retry-After"))
		}
		wantStatus(t, propfind(f.agent.Email, f.agentPassword), http.StatusTooManyRequests)
		h.clock.Advance(16 * 60 * 1e9)
		wantStatus(t, propfind(f.agent.Email, f.agentPassword), http.StatusMultiStatus)
	})
}

// TestReadOnly: writing is refused with 403 and says why; nothing
// changes.
func TestReadOnly(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		f := h.fixture()
		card := cardPath(f.agent, f.dana)
		for _, tc := range []struct{ method, path, body string }{
			{"PUT", card, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mallory\r\nEND:VCARD\r\n"},
			{"PUT", bookPath(f.agent) + "new.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mallory\r\nEND:VCARD\r\n"},
			{"DELETE", card, ""},
			{"DELETE", bookPath(f.agent), ""},
			{"MKCOL", fmt.Sprintf("/dav/%d/addressbooks/more/", f.agent.ID), ""},
			{"PROPPATCH", bookPath(f.agent), `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Mine</d:displayname></d:prop></d:set></d:propertyupdate>`},
			{"MOVE", card, ""},
		} {
			r := h.dav(tc.method, tc.path, f.agent.Email, f.agentPassword, tc.body, "Content-Type", "text/vcard")
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "read-only") {
				t.Errorf("%s %s: %d %s", tc.method, tc.path, r.status, r.body)
			}
		}
		c := client(t, h, f.agent.Email, f.agentPassword)
		o, err := c.GetAddressObject(ctx, card)
		if err != nil || o.Card.Value(vcard.FieldFormattedName) != "Dana Whit" {
			t.Errorf("after the refusals: %v %v", o, err)
		}
		var buf bytes.Buffer
		if err := vcard.NewEncoder(&buf).Encode(o.Card); err != nil || !strings.HasPrefix(buf.String(), "BEGIN:VCARD\r\nVERSION:3.0\r\n") {
			t.Errorf("card: %q %v", buf.String(), err)
		}
	})
}
