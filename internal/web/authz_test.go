package web_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The authorization matrix: every route of the route table, called as
//
//	(a) an anonymous visitor: a page goes to sign in, a form is refused
//	    with 401;
//	(b) the owner of another organisation, with this organisation's real
//	    ids: a record is not found, and nothing of it shows anywhere;
//	(c) an agent of this organisation, which keeps people private to
//	    their owner, on a colleague's private person and that person's
//	    records: not found, left out of lists, nothing of it shows;
//	(d) this organisation's owner, with the same ids: it works (2xx or
//	    3xx), which proves the ids are real.
//
// Each route's expected answers are its rule in webAccess. A route
// without one fails the test, so that no route is added without deciding
// who may use it.

// answer is what a signed-in caller gets from a route.
type answer int

const (
	works     answer = iota + 1 // 2xx or 3xx
	notFound                    // 404
	forbidden                   // 403
	refused                     // 422: the form names someone the caller may not see
)

func (a answer) String() string {
	return map[answer]string{works: "2xx/3xx", notFound: "404", forbidden: "403", refused: "422"}[a]
}

func (a answer) matches(status int) bool {
	switch a {
	case works:
		return status >= 200 && status < 400
	case notFound:
		return status == http.StatusNotFound
	case forbidden:
		return status == http.StatusForbidden
	case refused:
		return status == http.StatusUnprocessableEntity
	}
	return false
}

// caller is who calls a route signed in.
type caller int

const (
	asOtherOrg caller = iota // (b) the owner of another organisation
	asAgent                  // (c) an agent, on a colleague's private records
	asOwner                  // (d) the organisation's owner
)

func (c caller) String() string {
	return [...]string{"another organisation", "an agent", "the owner"}[c]
}

// access is a route's rule.
type access struct {
	// public routes need no sign-in: anonymous callers get anon, and the
	// signed-in ones are not asked.
	public bool
	anon   int
	// The answers for (b), (c) and (d).
	other, private, own answer
	// form adds to the generic form of a POST, for the caller.
	form func(fx *authzFixture, c caller) url.Values
	// upload posts a small CSV file instead of the form.
	upload bool
	// json posts this JSON instead of the form, as our scripts do.
	json func(fx *authzFixture, c caller) any
	// path replaces the pattern's path (the catch-all's "/" would be the
	// home page).
	path string
	// destroys orders the calls: a route that deletes or closes what others
	// use (1), or deletes a person (2), is called after the rest, so that
	// a 404 never comes from an earlier call.
	destroys int
}

var (
	// record: a private person, or a conversation, fact, follow-up or
	// import of theirs, named in the path.
	record = access{other: notFound, private: notFound, own: works}
	// mine: the caller's own view or their own new record; hidden people
	// are left out.
	mine = access{other: works, private: works, own: works}
	// shared: a record of the organisation that any member may use
	// (companies, signals, the playbook).
	shared = access{other: notFound, private: works, own: works}
	// personal: a record of one user (an API key, a call block): another
	// user's is not found.
	personal = access{other: notFound, private: notFound, own: works}
	// managing: owners and managers only.
	managing = access{other: works, private: forbidden, own: works}
	// managingRecord: owners and managers only, on a record of the
	// organisation.
	managingRecord = access{other: notFound, private: forbidden, own: works}
)

// with returns a copy of a with changes applied.
func (a access) with(f func(*access)) access {
	f(&a)
	return a
}

// webAccess is every route's rule.
var webAccess = map[string]access{
	"GET /healthz":              {public: true, anon: http.StatusOK},
	"GET /static/{hash}/{file}": {public: true, anon: http.StatusNotFound}, // no such file: the assets test serves real ones
	"GET /manifest.webmanifest": {public: true, anon: http.StatusOK},
	"GET /sw.js":                {public: true, anon: http.StatusOK},
	"GET /icons/{file}":         {public: true, anon: http.StatusOK, path: "/icons/icon-192.png"},
	"GET /apple-touch-icon.png": {public: true, anon: http.StatusOK},
	"GET /setup":                {public: true, anon: http.StatusSeeOther},
	"POST /setup": {public: true, anon: http.StatusSeeOther, form: func(fx *authzFixture, c caller) url.Values {
		// A complete setup, refused because Rapport is set up.
		return url.Values{"org_name": {"Second"}, "slug": {"second"}, "region": {"US"}, "tz": {"America/Chicago"}, "name": {"Mallory"},
			"email": {"mallory@second.test"}, "password": {password}, "password2": {password}}
	}},
	// A reset link that does not work: unknown, used and expired alike.
	"GET /reset/{token}":  {public: true, anon: http.StatusNotFound, path: "/reset/no-such-link"},
	"POST /reset/{token}": {public: true, anon: http.StatusNotFound, path: "/reset/no-such-link"},
	"GET /signin":         {public: true, anon: http.StatusOK},
	"GET /forgot":         {public: true, anon: http.StatusOK},
	// A calendar link that does not work (unknown or turned off).
	"GET /calendar/{token}": {public: true, anon: http.StatusNotFound, path: "/calendar/no-such-link.ics"},
	// The same answer whether the address has an account or not.
	"POST /forgot": {public: true, anon: http.StatusOK, form: func(*authzFixture, caller) url.Values {
		return url.Values{"email": {"nobody@nowhere.test"}}
	}},
	// Unsubscribing: the page asks first; an unknown link is not found.
	"GET /unsubscribe/{token}/{kind}":  {public: true, anon: http.StatusNotFound, path: "/unsubscribe/no-such-token/new_lead"},
	"POST /unsubscribe/{token}/{kind}": {public: true, anon: http.StatusNotFound, path: "/unsubscribe/no-such-token/new_lead"},
	"POST /signin":                     {public: true, anon: http.StatusUnauthorized},
	"POST /signout":                    {public: true, anon: http.StatusSeeOther},
	"/":                                {public: true, anon: http.StatusNotFound, path: "/no-such-page"},

	"GET /{$}":   mine,
	"GET /today": mine,
	// The live stream of Today (once: the probe's answer ends after its
	// first line).
	"GET /today/live":  mine.with(func(a *access) { a.path = "/today/live?once=1" }),
	"POST /today/duty": mine,
	// The inbox is the user's own; the ids named are no one's message.
	"GET /inbox":                mine,
	"POST /inbox/{id}/assign":   {other: notFound, private: notFound, own: notFound},
	"POST /inbox/{id}/new-lead": {other: notFound, private: notFound, own: notFound},
	"POST /inbox/{id}/dismiss":  {other: notFound, private: notFound, own: notFound},
	// Claiming from the pond: a person the caller may not see is not
	// found; one not in the pond is a conflict, said on Today.
	"POST /pond/{id}/claim": record,
	"GET /call":             mine,
	// Saved lists: one's own or the team's shared ones; a colleague's
	// own list is not found.
	"GET /lists": mine,
	"POST /lists": mine.with(func(a *access) {
		a.form = fixed("name", "Clients", "query", "kind=client")
	}),
	"POST /lists/{id}/delete": personal.with(func(a *access) { a.destroys = 1 }),
	"GET /call/{id}":          record,
	"POST /call/{id}": record.with(func(a *access) {
		a.form = fixed("outcome", "no_answer")
	}),

	"GET /people":         mine,
	"GET /people/new":     mine,
	"POST /people":        mine,
	"GET /people/suggest": mine,
	// Anyone signed in finds their own team's members (never another
	// organisation's: TestLargeTeamTypesWhoItMeans).
	"GET /team/suggest":      mine,
	"GET /people/export.csv": mine,
	"GET /people/export.vcf": mine,
	"GET /people/{id}/vcard": record,
	"GET /duplicates":        mine,
	"POST /duplicates/merge": record.with(func(a *access) {
		a.destroys = 2
		a.form = func(fx *authzFixture, c caller) url.Values {
			keep, drop := fx.ids["person"], fx.ids["twin"]
			if c == asAgent {
				// Folding the colleague's person into one's own.
				keep, drop = fx.mine.ID, fx.ids["person"]
			}
			return url.Values{"keep": {itoa(keep)}, "drop": {itoa(drop)}}
		}
	}),
	"POST /duplicates/distinct": record.with(func(a *access) {
		a.form = func(fx *authzFixture, c caller) url.Values {
			return url.Values{"id": {itoa(fx.ids["person"]), itoa(fx.ids["twin"])}}
		}
	}),
	"GET /import":      mine,
	"POST /import":     mine.with(func(a *access) { a.upload = true }),
	"GET /import/{id}": record,
	"POST /import/{id}": record.with(func(a *access) {
		a.form = fixed("preset", "auto", "kind", "lead")
	}),
	"GET /people/{id}":      record,
	"GET /people/{id}/edit": record,
	"POST /people/{id}": record.with(func(a *access) {
		a.form = func(fx *authzFixture, c caller) url.Values {
			return url.Values{"first_name": {"Zelda"}, "last_name": {"Secretkeeper"}, "kind": {"client"}, "owner": {itoa(fx.colleague.ID)}}
		}
	}),
	"POST /people/{id}/archive": record.with(func(a *access) { a.destroys = 1 }),
	"POST /people/{id}/restore": record.with(func(a *access) { a.destroys = 1 }),
	"POST /people/{id}/stage": record.with(func(a *access) {
		a.form = func(fx *authzFixture, c caller) url.Values { return url.Values{"stage": {itoa(fx.ids["appointment"])}} }
	}),
	"POST /people/{id}/facts":              record,
	"POST /people/{id}/facts/{fid}/delete": record.with(func(a *access) { a.destroys = 1 }),
	"GET /people/{id}/log":                 record,
	"POST /people/{id}/log":                record,
	"POST /people/{id}/followups":          record,
	"GET /conversations/{id}":              record,
	"GET /conversations/{id}/reflect":      record,
	"POST /conversations/{id}/reflect":     record,

	"GET /followups":              mine,
	"POST /followups/{id}/done":   record.with(func(a *access) { a.destroys = 1 }),
	"POST /followups/{id}/cancel": record.with(func(a *access) { a.destroys = 1 }),
	"GET /settings":               mine,
	"POST /settings":              mine,
	"POST /settings/password":     mine,
	"POST /settings/org":          managing,
	"POST /settings/calendar":     mine,
	"POST /settings/calendar/off": mine.with(func(a *access) { a.destroys = 1 }),
	"POST /settings/alerts": mine.with(func(a *access) {
		a.form = func(*authzFixture, caller) url.Values { return url.Values{"email": {"new_lead"}, "push": {"new_lead"}} }
	}),
	// The outbox is the owners' (each sees their organisation's).
	"GET /settings/messages":             managing,
	"POST /settings/messages/{id}/retry": {other: notFound, private: forbidden, own: notFound, path: "/settings/messages/999999/retry"},
	// Webhooks: owners and managers; another organisation's are not
	// found.
	"GET /settings/webhooks": managing,
	"POST /settings/webhooks": managing.with(func(a *access) {
		a.form = fixed("url", "https://hooks.invalid/new", "events", "person.created")
	}),
	"GET /settings/webhooks/{id}": managingRecord,
	"POST /settings/webhooks/{id}": managingRecord.with(func(a *access) {
		a.form = fixed("url", "https://hooks.invalid/changed", "events", "person.updated")
	}),
	"POST /settings/webhooks/{id}/enable":           managingRecord,
	"POST /settings/webhooks/{id}/disable":          managingRecord,
	"POST /settings/webhooks/{id}/secret":           managingRecord,
	"POST /settings/webhooks/{id}/ping":             managingRecord,
	"POST /settings/webhooks/{id}/replay":           managingRecord,
	"POST /settings/webhooks/{id}/delete":           managingRecord.with(func(a *access) { a.destroys = 1 }),
	"POST /settings/webhook-deliveries/{id}/replay": managingRecord,
	"GET /settings/keys":                            mine,
	"POST /settings/keys":                           mine,
	// An agent revokes their own keys; owners and managers anyone's.
	"POST /settings/keys/{id}/revoke": personal.with(func(a *access) { a.destroys = 1 }),
	// App passwords are the user's own: one named for a device, made and
	// revoked by them alone.
	"POST /settings/app-passwords":             mine.with(func(a *access) { a.form = fixed("name", "Planted phone") }),
	"POST /settings/app-passwords/{id}/revoke": personal.with(func(a *access) { a.destroys = 1 }),
	"GET /users":  mine,
	"POST /users": managing,
	// Alerts: each user's own devices. Another's endpoint, even known, is
	// not found.
	"GET /push/key": mine,
	"POST /push/subscriptions": mine.with(func(a *access) {
		a.json = func(fx *authzFixture, c caller) any {
			d := fx.h.pushes.Subscribe(fmt.Sprintf("new-%s-%d", fx.org.Slug, c))
			return map[string]any{"endpoint": d.Endpoint, "expirationTime": nil, "keys": map[string]string{"p256dh": d.P256dh, "auth": d.Auth}}
		}
	}),
	"POST /push/subscriptions/delete": personal.with(func(a *access) {
		a.form = func(fx *authzFixture, c caller) url.Values {
			if c == asOwner {
				return url.Values{"endpoint": {fx.ownerDevice}}
			}
			return url.Values{"endpoint": {fx.colleagueDevice}}
		}
		a.destroys = 1
	}),
	"POST /push/test": mine,
	// Running the team: a member's page, and what an owner (or, for
	// agents, a manager) does to them. The finer rules (managers and
	// agents only, the last owner, oneself) are TestTeamRoleRules'.
	"GET /users/{id}":              managingRecord,
	"POST /users/{id}/role":        managingRecord,
	"POST /users/{id}/reset":       managingRecord,
	"POST /users/{id}/reset-email": managingRecord,
	"POST /users/{id}/enable":      managingRecord,
	"POST /users/{id}/disable": managingRecord.with(func(a *access) {
		a.form = func(fx *authzFixture, c caller) url.Values { return url.Values{"hand_to": {itoa(fx.owner.ID)}} }
		a.destroys = 1
	}),
	"GET /routing": managing,
	"POST /routing": managing.with(func(a *access) {
		a.other = refused // routing to A's agent
	}),
	"POST /routing/{id}/delete":  managingRecord.with(func(a *access) { a.destroys = 1 }),
	"GET /reports/speed-to-lead": mine,
	"GET /audit":                 managing,
	// Held leads: owners and managers place them.
	"GET /intake/held": managing,
	"POST /intake/held/{id}/attach": managingRecord.with(func(a *access) {
		a.form = fixed("first_name", "Pat", "last_name", "Placed", "email", "pat.placed@example.com")
		a.destroys = 1
	}),
	"POST /intake/held/{id}/dismiss": managingRecord.with(func(a *access) { a.destroys = 1 }),

	"GET /review":                     mine,
	"GET /review.csv":                 mine,
	"GET /review/funnel":              mine,
	"GET /review/funnel.csv":          mine,
	"GET /review/leaderboard":         managing,
	"GET /review/blocks":              mine,
	"POST /review/blocks":             mine,
	"POST /review/blocks/{id}/delete": personal.with(func(a *access) { a.destroys = 1 }),

	"GET /playbook":                       mine,
	"POST /playbook/{kind}":               managing,
	"GET /playbook/{kind}/{key}":          shared,
	"POST /playbook/{kind}/{key}":         managingRecord,
	"POST /playbook/{kind}/{key}/retire":  managingRecord,
	"POST /playbook/{kind}/{key}/restore": managingRecord,
	"POST /playbook/{kind}/{key}/reset":   managingRecord.with(func(a *access) { a.destroys = 1 }),
	"GET /practice":                       mine,
	"POST /practice/assign": managing.with(func(a *access) {
		a.other = refused // A's agent is not B's to assign to
		a.form = func(fx *authzFixture, c caller) url.Values {
			return url.Values{"user": {itoa(fx.agent.ID)}, "objection": {fx.key}, "note": {"Practise"}}
		}
	}),
	"GET /practice/{key}":  shared,
	"POST /practice/{key}": shared,

	"GET /companies":               mine,
	"POST /companies":              mine.with(func(a *access) { a.form = fixed("kind", "office", "name", "Planted Office") }),
	"GET /companies/{id}":          shared,
	"POST /companies/{id}":         shared.with(func(a *access) { a.form = fixed("kind", "office", "name", "Open Realty - Downtown") }),
	"POST /companies/{id}/signals": shared,
	"POST /signals/{id}/delete":    shared.with(func(a *access) { a.destroys = 1 }),
	"GET /recruiting":              mine,
	"POST /recruiting/today": record.with(func(a *access) {
		a.form = func(fx *authzFixture, c caller) url.Values { return url.Values{"person": {itoa(fx.ids["recruit"])}} }
	}),
	"GET /recruiting/board": mine,
	"POST /recruiting/board/move": record.with(func(a *access) {
		a.form = func(fx *authzFixture, c caller) url.Values {
			return url.Values{"person": {itoa(fx.ids["recruit"])}, "stage": {itoa(fx.ids["meeting"])}, "reason": {"Coffee"}}
		}
	}),
	"GET /referrals":              mine,
	"GET /recruiting/goals":       mine,
	"POST /recruiting/goals/{id}": managingRecord,
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// fixed is a form function that adds fixed values.
func fixed(kv ...string) func(*authzFixture, caller) url.Values {
	return func(*authzFixture, caller) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
}

// authzFixture is an organisation that keeps people private to their
// owner, with a colleague's private person and one of everything of
// theirs, and an agent's own person.
type authzFixture struct {
	*orgFixture
	// colleague is the agent who owns the private records.
	colleague *rapport.User
	// mine is the agent's own person.
	mine *rapport.Person
	ids  map[string]int64
	key  string
	// ownerKey and ownerBlock are the owner's API key and call block,
	// which (d) revokes and deletes: keys and blocks are each user's own.
	ownerKey, ownerBlock int64
	// ownerAppPassword is the owner's app password (the colleague's is
	// ids["apppassword"]).
	ownerAppPassword int64
	// colleagueDevice and ownerDevice are the endpoints of a device each
	// gets alerts on.
	colleagueDevice, ownerDevice string
	h                            *harness
}

// authzFixture builds the organisation.
func (h *harness) authzFixture(slug string) *authzFixture {
	h.t.Helper()
	t := h.t
	fx := &authzFixture{orgFixture: h.org(slug), h: h}
	fx.org.Visibility = rapport.VisibilityOwn
	if err := h.db.UpdateOrg(ctx, rapport.Actor{Org: fx.org.ID}, fx.org); err != nil {
		t.Fatal(err)
	}
	fx.colleague = &rapport.User{OrgID: fx.org.ID, Email: "colleague@" + slug + ".test", Name: "Colleague " + slug, Role: rapport.RoleAgent,
		PasswordHash: h.hash}
	if err := h.db.CreateUser(ctx, rapport.Actor{Org: fx.colleague.OrgID}, fx.colleague); err != nil {
		t.Fatal(err)
	}
	col := fx.colleague.ID
	add := func(p *rapport.Person) *rapport.Person {
		t.Helper()
		if err := h.db.CreatePerson(ctx, rapport.Actor{Org: fx.org.ID, User: p.OwnerID}, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	secret := add(&rapport.Person{FirstName: "Zelda", LastName: "Secretkeeper", Kind: rapport.KindClient, OwnerID: col, Source: "Covert Source",
		Notes: "Hush notes", Emails: []rapport.Email{{Address: "zelda@" + slug + ".test"}}, Phones: []rapport.Phone{{Number: "+13125550177"}}})
	// Her twin (the same email), for merging.
	twin := add(&rapport.Person{FirstName: "Zelda", LastName: "Secretkeeper", Kind: rapport.KindLead, OwnerID: col,
		Emails: []rapport.Email{{Address: "zelda@" + slug + ".test"}}})
	fx.mine = add(&rapport.Person{FirstName: "Olivia", LastName: "Ownedbyme", Kind: rapport.KindClient, OwnerID: fx.agent.ID,
		Emails: []rapport.Email{{Address: "olivia@" + slug + ".test"}}})
	own := &rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceClients, Text: "We only list in spring.",
		Responses: []string{"That makes sense. What happens in spring?"}}
	if err := h.db.SavePlaybookEntry(ctx, rapport.Member(fx.org, fx.owner), own); err != nil {
		t.Fatal(err)
	}
	fx.key = own.Key
	res, err := h.db.LogConversation(ctx, rapport.Actor{Org: fx.org.ID, User: col}, &store.LogInput{
		Conversation: rapport.Conversation{PersonID: secret.ID, Channel: rapport.ChannelCall, Outcome: rapport.OutcomeLive,
			Notes: "Confidential divorce", Objection: own.Key},
		Facts:    []rapport.Fact{{Type: rapport.FactFear, Text: "Afraid her ex will find out"}},
		FollowUp: &rapport.FollowUp{DueOn: rapport.DayOf(h.clock.Now(), time.UTC).AddDays(2), Note: "Private callback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	facts, _ := h.db.Facts(ctx, rapport.Actor{Org: fx.org.ID}, secret.ID)
	fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: fx.org.ID}, store.FollowUpFilter{PersonID: secret.ID})
	if len(facts) != 1 || len(fus) != 1 {
		t.Fatalf("%d facts, %d follow-ups", len(facts), len(fus))
	}
	keys := map[int64]int64{}
	for _, u := range []int64{col, fx.owner.ID} {
		k := &store.APIKey{OrgID: fx.org.ID, UserID: u, Prefix: "rk_" + itoa(u), Hash: "hash-" + slug + itoa(u), Name: "Feed " + itoa(u)}
		if err := h.db.CreateAPIKey(ctx, rapport.Actor{Org: k.OrgID}, k); err != nil {
			t.Fatal(err)
		}
		keys[u] = k.ID
	}
	appPasswords := map[int64]int64{}
	for _, u := range []*rapport.User{fx.colleague, fx.owner} {
		p, _, err := h.db.CreateAppPassword(ctx, rapport.Member(fx.org, u), "Phone of "+u.Name)
		if err != nil {
			t.Fatal(err)
		}
		appPasswords[u.ID] = p.ID
	}
	rule := &rapport.RoutingRule{OrgID: fx.org.ID, Source: "Zillow", UserIDs: rapport.FormatIDs([]int64{col})}
	if err := h.db.CreateRoutingRule(ctx, rapport.Actor{Org: rule.OrgID}, rule); err != nil {
		t.Fatal(err)
	}
	job := &store.ImportJob{OrgID: fx.org.ID, UserID: col, FileName: "zelda-secret-list.csv", Format: "csv",
		Content: []byte("Name,Email,Phone\nZelda Secretkeeper,zelda@" + slug + ".test,+13125550177\n"), Settings: "{}"}
	if err := h.db.CreateImportJob(ctx, rapport.Actor{Org: job.OrgID}, job); err != nil {
		t.Fatal(err)
	}
	office := &rapport.Company{Kind: rapport.CompanyOffice, Name: "Open Realty - Downtown", Market: "Chicago"}
	if err := h.db.CreateCompany(ctx, rapport.Actor{Org: fx.org.ID}, office); err != nil {
		t.Fatal(err)
	}
	signal := &rapport.Signal{CompanyID: office.ID, On: rapport.DayOf(h.clock.Now(), time.UTC), Title: "New manager"}
	if err := h.db.AddSignal(ctx, rapport.Member(fx.org, fx.owner), signal); err != nil {
		t.Fatal(err)
	}
	recruit := add(&rapport.Person{FirstName: "Xavier", LastName: "Hiddenlister", Kind: rapport.KindRecruit, OwnerID: col,
		CompanyID: office.ID, Volume12m: 12_000_000, Units12m: 30, ReferredByID: secret.ID})
	blocks := map[int64]int64{}
	for _, u := range []int64{col, fx.owner.ID} {
		b := &rapport.CallBlock{UserID: u, Weekday: time.Tuesday, Start: 17 * 60, End: 19 * 60}
		if err := h.db.AddCallBlock(ctx, rapport.Actor{Org: fx.org.ID}, b); err != nil {
			t.Fatal(err)
		}
		blocks[u] = b.ID
	}
	pipes, err := h.db.Pipelines(ctx, rapport.Actor{Org: fx.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	var meeting, appointment int64
	for _, p := range pipes {
		for _, s := range p.Stages {
			switch s.Key {
			case rapport.StageMeeting:
				meeting = s.ID
			case rapport.StageAppointment:
				appointment = s.ID
			}
		}
	}
	// Two held events: what the colleague's lead source sent without
	// naming anyone (one to attach, one to dismiss).
	var held [2]int64
	for i, msg := range []string{"Held whisper one", "Held whisper two"} {
		he := &rapport.HeldEvent{DedupeKey: slug + itoa(int64(i)), Type: "General Inquiry", Source: "Zillow", Message: msg, Reason: "No name.",
			Payload: `{"type":"Inquiry","source":"Zillow","message":"` + msg + `"}`}
		if _, err := h.db.HoldEvent(ctx, rapport.Actor{Org: fx.org.ID}, he); err != nil {
			t.Fatal(err)
		}
		held[i] = he.ID
	}
	// Someone who left, for re-enabling.
	gone := &rapport.User{OrgID: fx.org.ID, Email: "gone@" + slug + ".test", Name: "Gone " + slug, Role: rapport.RoleAgent, PasswordHash: h.hash}
	if err := h.db.CreateUser(ctx, rapport.Actor{Org: gone.OrgID}, gone); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.DisableUser(ctx, rapport.Actor{Org: fx.org.ID}, gone.ID, 0); err != nil {
		t.Fatal(err)
	}
	fx.ids = map[string]int64{"member": fx.manager.ID, "disabled": gone.ID, "held": held[0], "held2": held[1], "person": secret.ID, "twin": twin.ID, "fact": facts[0].ID, "followup": fus[0].ID,
		"conversation": res.Conversation.ID, "apikey": keys[col], "rule": rule.ID, "import": job.ID, "company": office.ID,
		"signal": signal.ID, "user": fx.owner.ID, "callblock": blocks[col], "recruit": recruit.ID, "meeting": meeting,
		"appointment": appointment, "apppassword": appPasswords[col]}
	fx.ownerKey, fx.ownerBlock, fx.ownerAppPassword = keys[fx.owner.ID], blocks[fx.owner.ID], appPasswords[fx.owner.ID]
	fx.ids["webhook"], fx.ids["delivery"] = storetest.Webhook(t, h.db, rapport.Actor{Org: fx.org.ID}, "hook-"+fx.org.Slug)
	fx.ids["list"] = storetest.List(t, h.db, rapport.Member(fx.org, fx.owner), "Hush list")
	for _, u := range []*rapport.User{fx.colleague, fx.owner} {
		d := h.pushes.Subscribe(u.Email)
		if err := h.db.SavePushSubscription(ctx, rapport.Member(fx.org, u), &store.PushSubscription{Endpoint: d.Endpoint, P256dh: d.P256dh,
			Auth: d.Auth, UserAgent: "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile"}); err != nil {
			t.Fatal(err)
		}
		if u == fx.owner {
			fx.ownerDevice = d.Endpoint
		} else {
			fx.colleagueDevice = d.Endpoint
		}
	}
	return fx
}

// idsFor are the ids the caller's requests name: the owner revokes their
// own key and deletes their own block.
func (fx *authzFixture) idsFor(c caller) map[string]int64 {
	out := map[string]int64{}
	for k, v := range fx.ids {
		out[k] = v
	}
	if c == asOwner {
		out["apikey"], out["callblock"], out["apppassword"] = fx.ownerKey, fx.ownerBlock, fx.ownerAppPassword
	}
	return out
}

// privateLeaks are what the colleague's private records hold, which
// must not show to anyone who may not see them.
var privateLeaks = []string{"Zelda", "Secretkeeper", "zelda@", "555-0177", "3125550177", "Hush notes", "Confidential divorce",
	"Afraid her ex", "Private callback", "zelda-secret-list", "Xavier", "Hiddenlister"}

// orgLeaks are what the whole organisation holds, which must not show to
// another organisation.
func orgLeaks(fx *authzFixture) []string {
	return append([]string{"Olivia", "Ownedbyme", "Open Realty", "New manager", "We only list in spring", "What happens in spring",
		"Covert Source", "Held whisper", fx.owner.Name, fx.agent.Name, fx.manager.Name, fx.colleague.Name, fx.key}, privateLeaks...)
}

// genericForm is a form most routes accept, so that a request that got
// through would change something.
func genericForm(fx *authzFixture) url.Values {
	return url.Values{
		"first_name": {"Mallory"}, "kind": {"client"}, "outcome": {"live"}, "channel": {"call"}, "type": {"fear"},
		"text": {"planted"}, "due": {"tomorrow"}, "name": {"Planted"}, "region": {"US"}, "tz": {"America/Chicago"},
		"weekly_goal": {"25"}, "today_size": {"10"}, "email": {"planted@" + fx.org.Slug + ".test"}, "role": {"agent"},
		"password": {password}, "current": {password}, "password2": {password}, "audience": {"clients"},
		"response": {"That makes sense. What would help?"}, "notes": {"planted"}, "care": {"planted"}, "care_type": {"passion"},
		"feel": {"planted"}, "source": {"Planted"}, "users": {itoa(fx.agent.ID)}, "title": {"planted"}, "on": {"2026-11-23"},
		"weekday": {"3"}, "start": {"09:00"}, "end": {"10:00"}, "recruit_live_target": {"3"}, "recruit_meeting_target": {"1"},
		"recruit_offer_target": {"0"}, "market": {"Chicago"},
	}
}

// request calls a route as c; ok is false (with an error) when the test
// cannot fill its path.
func (fx *authzFixture) request(t *testing.T, cl *client, pattern string, a access, c caller) (response, bool) {
	t.Helper()
	method, path := fill(pattern, fx.idsFor(c), map[string]string{"kind": string(rapport.EntryObjection), "key": fx.key})
	if a.path != "" {
		path = a.path
	}
	// An asset that does not exist: the assets' own test serves real ones.
	path = strings.NewReplacer("{hash}", "0000", "{file}", "app.css").Replace(path)
	if strings.Contains(path, "{") {
		t.Errorf("%s: no value for its path values; say what they are in routeIDs or idKinds", pattern)
		return response{}, false
	}
	if method == http.MethodGet {
		return cl.get(path), true
	}
	v := genericForm(fx)
	if a.form != nil {
		for k, vs := range a.form(fx, c) {
			v[k] = vs
		}
	}
	if a.upload {
		return cl.upload(path, "people.csv", []byte("Name,Email\nNew Person,new@planted.test\n")), true
	}
	if a.json != nil {
		return cl.postJSON(path, a.json(fx, c)), true
	}
	return cl.post(path, v), true
}

func TestAuthorizationMatrix(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		routes := routeList(t, h)
		sort.SliceStable(routes, func(i, j int) bool { return webAccess[routes[i]].destroys < webAccess[routes[j]].destroys })
		for _, pattern := range routes {
			if _, ok := webAccess[pattern]; !ok {
				t.Errorf("%s has no rule in webAccess: decide who may use it", pattern)
			}
		}
		served := map[string]bool{}
		for _, p := range routes {
			served[p] = true
		}
		for pattern := range webAccess {
			if !served[pattern] {
				t.Errorf("webAccess has a rule for %s, which is not served", pattern)
			}
		}
		if t.Failed() {
			return
		}
		intruder := h.org("bravo")
		fxB, fxC, fxD := h.authzFixture("alpha"), h.authzFixture("gamma"), h.authzFixture("delta")

		// (a) Anonymous.
		anon := h.client()
		for _, pattern := range routes {
			a := webAccess[pattern]
			r, ok := fxB.request(t, anon, pattern, a, asOtherOrg)
			switch {
			case !ok:
			case a.public:
				if r.status != a.anon {
					t.Errorf("anonymous %s: %d, want %d", pattern, r.status, a.anon)
				}
			case strings.HasPrefix(pattern, "GET "):
				if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/signin") {
					t.Errorf("anonymous %s: %d → %q, want a redirect to sign in", pattern, r.status, r.location)
				}
			default:
				if r.status != http.StatusUnauthorized {
					t.Errorf("anonymous %s: %d, want 401", pattern, r.status)
				}
			}
			// The sign-in link names the path asked for, which is no leak.
			if r.status == http.StatusSeeOther {
				r.location, r.body = "", ""
			}
			leaks(t, "anonymous "+pattern, r, orgLeaks(fxB))
		}

		// (b) Another organisation, with A's real ids: nothing of A's is
		// found, shown or changed.
		before := h.orgData(fxB.orgFixture)
		calls := map[caller]*client{asOtherOrg: h.signedIn(intruder.owner.Email), asAgent: h.signedIn(fxC.agent.Email),
			asOwner: h.signedIn(fxD.owner.Email)}
		fixtures := map[caller]*authzFixture{asOtherOrg: fxB, asAgent: fxC, asOwner: fxD}
		for _, c := range []caller{asOtherOrg, asAgent, asOwner} {
			fx := fixtures[c]
			for _, pattern := range routes {
				a := webAccess[pattern]
				if a.public {
					continue
				}
				want := map[caller]answer{asOtherOrg: a.other, asAgent: a.private, asOwner: a.own}[c]
				r, ok := fx.request(t, calls[c], pattern, a, c)
				if !ok {
					continue
				}
				if !want.matches(r.status) {
					t.Errorf("%s as %s: %d (→ %q), want %s", pattern, c, r.status, r.location, want)
				}
				switch c {
				case asOtherOrg:
					leaks(t, pattern+" as "+c.String(), r, orgLeaks(fx))
				case asAgent:
					leaks(t, pattern+" as "+c.String(), r, privateLeaks)
				}
			}
			switch c {
			case asOtherOrg:
				sameData(t, "another organisation's requests", before, h.orgData(fxB.orgFixture))
			case asAgent:
				fxC.checkPrivateUntouched(t, h)
			}
		}
	})
}

// orgData is everything the organisation keeps, as its export writes it,
// but for the audit log (which records the export itself).
func (h *harness) orgData(o *orgFixture) string {
	h.t.Helper()
	var buf bytes.Buffer
	if _, err := h.db.ExportOrg(ctx, o.org.Slug, &buf); err != nil {
		h.t.Fatal(err)
	}
	var out []string
	audit := false
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.HasPrefix(line, `{"table":`) {
			audit = strings.HasPrefix(line, `{"table":"audit_log"`)
		}
		if !audit {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// leaks fails the test when a response shows any of what.
func leaks(t *testing.T, call string, r response, what []string) {
	t.Helper()
	for _, l := range what {
		if strings.Contains(r.body, l) || strings.Contains(r.location, l) {
			t.Errorf("%s shows %q", call, l)
		}
	}
}

// checkPrivateUntouched fails the test when the colleague's private
// records changed.
func (fx *authzFixture) checkPrivateUntouched(t *testing.T, h *harness) {
	t.Helper()
	org := fx.org.ID
	p, err := h.db.Person(ctx, rapport.Actor{Org: org}, fx.ids["person"])
	if err != nil || p.FirstName != "Zelda" || p.Archived() || p.OwnerID != fx.colleague.ID || p.Notes != "Hush notes" {
		t.Errorf("the private person changed: %+v, %v", p, err)
	}
	if _, err := h.db.Person(ctx, rapport.Actor{Org: org}, fx.ids["twin"]); err != nil {
		t.Errorf("the private twin was merged away: %v", err)
	}
	if facts, _ := h.db.Facts(ctx, rapport.Actor{Org: org}, fx.ids["person"]); len(facts) != 1 {
		t.Errorf("the private person has %d facts", len(facts))
	}
	if fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: org}, store.FollowUpFilter{PersonID: fx.ids["person"]}); len(fus) != 1 {
		t.Errorf("the private person has %d open follow-ups", len(fus))
	}
	if cs, _, _ := h.db.Conversations(ctx, rapport.Actor{Org: org}, store.ConversationFilter{PersonID: fx.ids["person"]}); len(cs) != 1 || cs[0].Notes != "Confidential divorce" {
		t.Errorf("the private person's conversations changed: %+v", cs)
	}
	if j, _ := h.db.ImportJob(ctx, rapport.Actor{Org: org}, fx.ids["import"], false); j.Settings != "{}" || j.Status != store.ImportUploaded {
		t.Errorf("the colleague's import changed: %+v", j)
	}
	if keys, _ := h.db.APIKeys(ctx, rapport.Actor{Org: org}, fx.colleague.ID); len(keys) != 1 || !keys[0].RevokedAt.IsZero() {
		t.Error("the colleague's API key was revoked")
	}
	if bs, _ := h.db.CallBlocks(ctx, rapport.Actor{Org: org}, fx.colleague.ID); len(bs) != 1 {
		t.Error("the colleague's call block was deleted")
	}
	if ds, _ := h.db.PushSubscriptionsFor(ctx, org, fx.colleague.ID); len(ds) != 1 || ds[0].Endpoint != fx.colleagueDevice {
		t.Errorf("the colleague's alerts changed: %+v", ds)
	}
	x, _ := h.db.Person(ctx, rapport.Actor{Org: org}, fx.ids["recruit"])
	if x == nil || x.Stage == nil || x.Stage.Key == rapport.StageMeeting {
		t.Errorf("the colleague's recruit moved: %+v", x)
	}
	if fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: org}, store.FollowUpFilter{PersonID: fx.ids["recruit"]}); len(fus) != 0 {
		t.Error("the colleague's recruit went on the agent's Today")
	}
}
