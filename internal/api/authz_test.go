package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// The API's authorization matrix: every route of the route table (which
// TestOpenAPIMatchesRoutes holds to the OpenAPI document), called
//
//	(a) without a key: 401;
//	(b) with the key of another organisation's owner and this
//	    organisation's real ids: a record is not found, and nothing of it
//	    shows;
//	(c) with an agent's key, where the organisation keeps people private
//	    to their owner, on a colleague's private person and that person's
//	    records: not found, left out of lists, nothing of it shows;
//	(d) with this organisation's owner's key and the same ids: it works,
//	    which proves the ids are real.
//
// Each route's expected answers are its rule in apiAccess; a route
// without one fails. Every status a caller gets must be one the OpenAPI
// document lists for the operation, so the document says what happens.

// answer is what a keyed caller gets from a route.
type answer int

const (
	works     answer = iota + 1 // 2xx
	notFound                    // 404
	forbidden                   // 403
	refused                     // 400: the body names someone the caller may not see
	taken                       // 409: the record is not the caller's to take (a lead not in the pond)
)

func (a answer) String() string {
	return map[answer]string{works: "2xx", notFound: "404", forbidden: "403", refused: "400", taken: "409"}[a]
}

func (a answer) matches(status int) bool {
	switch a {
	case works:
		return status >= 200 && status < 300
	case notFound:
		return status == http.StatusNotFound
	case forbidden:
		return status == http.StatusForbidden
	case refused:
		return status == http.StatusBadRequest
	case taken:
		return status == http.StatusConflict
	}
	return false
}

// caller is whose key calls a route.
type caller int

const (
	asOtherOrg caller = iota // (b) another organisation's owner
	asAgent                  // (c) an agent, on a colleague's private records
	asOwner                  // (d) the organisation's owner
)

func (c caller) String() string {
	return [...]string{"another organisation", "an agent", "the owner"}[c]
}

// access is a route's rule.
type access struct {
	// public routes need no key.
	public bool
	// The answers for (b), (c) and (d).
	other, private, own answer
	// query is added to the path; body is sent as JSON.
	query func(fx *apiFixture, c caller) string
	body  func(fx *apiFixture, c caller) any
	// echoes are what the body sends that may come back to the caller.
	echoes []string
	// destroys orders the calls: a route that deletes or closes what
	// others use (1) is called after the rest, and one that would make
	// what a 404 expects exist (2) after those.
	destroys int
}

var (
	record   = access{other: notFound, private: notFound, own: works}
	mine     = access{other: works, private: works, own: works}
	shared   = access{other: notFound, private: works, own: works}
	personal = access{other: notFound, private: notFound, own: works}
	managing = access{other: works, private: forbidden, own: works}
	// managingRecord: owners and managers only, on a record of the
	// organisation.
	managingRecord = access{other: notFound, private: forbidden, own: works}
)

func (a access) with(f func(*access)) access {
	f(&a)
	return a
}

func sends(v any) func(*apiFixture, caller) any { return func(*apiFixture, caller) any { return v } }

// aboutSecret is a query naming the private person.
func aboutSecret(name string) func(*apiFixture, caller) string {
	return func(fx *apiFixture, c caller) string { return fmt.Sprintf("?%s=%d", name, fx.ids["person"]) }
}

// apiAccess is every route's rule, by the route table's pattern.
var apiAccess = map[string]access{
	"GET /api/v1/openapi.json": {public: true},

	"GET /api/v1/people": mine,

	"GET /api/v1/me/alerts": mine,
	"PUT /api/v1/me/alerts": mine.with(func(a *access) {
		a.body = sends(map[string]any{"email": []string{"new_lead"}, "push": []string{}, "quietFrom": "", "quietTo": "", "agendaHour": 7})
	}),
	"POST /api/v1/me/calendar-feed":   mine,
	"DELETE /api/v1/me/calendar-feed": mine.with(func(a *access) { a.destroys = 1 }),
	// The inbox is the user's own; the ids named are no one's message.
	"GET /api/v1/me/inbound-address": {other: notFound, private: notFound, own: notFound},
	// App passwords are each user's own.
	"GET /api/v1/me/app-passwords":         mine,
	"POST /api/v1/me/app-passwords":        mine.with(func(a *access) { a.body = sends(map[string]any{"name": "Planted phone"}) }),
	"DELETE /api/v1/me/app-passwords/{id}": personal.with(func(a *access) { a.destroys = 1 }),
	"GET /api/v1/inbox":                    mine,
	"POST /api/v1/inbox/{id}/assign": {other: notFound, private: notFound, own: notFound,
		body: sends(map[string]any{"person": "nobody@example.com"})},
	"POST /api/v1/inbox/{id}/lead":    {other: notFound, private: notFound, own: notFound},
	"POST /api/v1/inbox/{id}/dismiss": {other: notFound, private: notFound, own: notFound},
	"GET /api/v1/pond":                mine,
	// A person in no pond: taken (409) for one who may see them, not
	// found for one who may not (another organisation's, a colleague's
	// private person).
	"POST /api/v1/pond/{id}/claim": {other: notFound, private: notFound, own: taken},
	// The outbox is the owners'; the dead message named is not found.
	"GET /api/v1/outbox":             managing,
	"POST /api/v1/outbox/{id}/retry": {other: notFound, private: forbidden, own: notFound},
	// Saved lists: one's own or the team's shared ones.
	"GET /api/v1/lists": mine,
	"POST /api/v1/lists": mine.with(func(a *access) {
		a.body = sends(map[string]any{"name": "Clients", "query": "kind=client"})
	}),
	"GET /api/v1/lists/{id}/people": personal,
	"DELETE /api/v1/lists/{id}":     personal.with(func(a *access) { a.destroys = 1 }),
	// Webhooks: owners and managers; another organisation's are not found.
	"GET /api/v1/webhooks": managing,
	"POST /api/v1/webhooks": managing.with(func(a *access) {
		a.body = sends(map[string]any{"url": "https://hooks.invalid/new", "events": []string{"person.created"}})
	}),
	"GET /api/v1/webhooks/{id}":   managingRecord,
	"PATCH /api/v1/webhooks/{id}": managingRecord.with(func(a *access) { a.body = sends(map[string]any{"description": "Slack"}) }),
	"DELETE /api/v1/webhooks/{id}": managingRecord.with(func(a *access) {
		a.destroys = 1
	}),
	"POST /api/v1/webhooks/{id}/secret":           managingRecord,
	"POST /api/v1/webhooks/{id}/ping":             managingRecord,
	"GET /api/v1/webhooks/{id}/deliveries":        managingRecord,
	"POST /api/v1/webhooks/{id}/replay":           managingRecord,
	"POST /api/v1/webhook-deliveries/{id}/replay": managingRecord,
	"POST /api/v1/people": mine.with(func(a *access) {
		// Referred by the private person: only the owner may say so.
		a.other, a.private = refused, refused
		a.body = func(fx *apiFixture, c caller) any {
			return map[string]any{"firstName": "Nina", "referredById": fx.ids["person"]}
		}
	}),
	"GET /api/v1/people/{id}":                record,
	"PATCH /api/v1/people/{id}":              record.with(func(a *access) { a.body = sends(map[string]any{"firstName": "Zelda"}) }),
	"POST /api/v1/people/{id}/archive":       record.with(func(a *access) { a.destroys = 1 }),
	"POST /api/v1/people/{id}/restore":       record.with(func(a *access) { a.destroys = 1 }),
	"GET /api/v1/people/{id}/facts":          record,
	"POST /api/v1/people/{id}/facts":         record.with(func(a *access) { a.body = sends(map[string]any{"type": "fear", "text": "planted"}) }),
	"DELETE /api/v1/people/{id}/facts/{fid}": record.with(func(a *access) { a.destroys = 1 }),
	"GET /api/v1/people/{id}/production":     record,
	"GET /api/v1/people/{id}/referrals":      record,

	"GET /api/v1/conversations": mine.with(func(a *access) { a.query = aboutSecret("personId") }),
	"POST /api/v1/conversations": record.with(func(a *access) {
		a.body = func(fx *apiFixture, c caller) any {
			return map[string]any{"personId": fx.ids["person"], "channel": "text"}
		}
	}),
	"GET /api/v1/conversations/{id}": record,

	"GET /api/v1/followups": mine.with(func(a *access) { a.query = aboutSecret("personId") }),
	"POST /api/v1/followups": record.with(func(a *access) {
		a.body = func(fx *apiFixture, c caller) any {
			return map[string]any{"personId": fx.ids["person"], "due": "tomorrow"}
		}
	}),
	"GET /api/v1/followups/{id}":         record,
	"POST /api/v1/followups/{id}/done":   record.with(func(a *access) { a.destroys = 1 }),
	"POST /api/v1/followups/{id}/cancel": record.with(func(a *access) { a.destroys = 1 }),

	"GET /api/v1/today":      mine,
	"GET /api/v1/users":      mine,
	"GET /api/v1/users/{id}": shared,
	// Running the team, on a member (who holds nothing) and on someone
	// disabled; the finer rules are TestTeamAPI's.
	"PATCH /api/v1/users/{id}":       managingRecord.with(func(a *access) { a.body = sends(map[string]any{"role": "manager"}) }),
	"POST /api/v1/users/{id}/reset":  managingRecord,
	"POST /api/v1/users/{id}/enable": managingRecord,
	"POST /api/v1/users/{id}/disable": managingRecord.with(func(a *access) {
		a.body = func(fx *apiFixture, c caller) any { return map[string]any{"handTo": fx.owner.ID} }
		a.destroys = 1
	}),
	// Owners and managers list and revoke every key; agents their own.
	"GET /api/v1/keys":              mine,
	"POST /api/v1/keys/{id}/revoke": personal.with(func(a *access) { a.destroys = 1 }),
	"GET /api/v1/pipelines":         mine,

	"GET /api/v1/companies":               mine,
	"POST /api/v1/companies":              mine.with(func(a *access) { a.body = sends(map[string]any{"kind": "office", "name": "Planted Office"}) }),
	"GET /api/v1/companies/{id}":          shared,
	"PATCH /api/v1/companies/{id}":        shared.with(func(a *access) { a.body = sends(map[string]any{"market": "Chicago"}) }),
	"GET /api/v1/companies/{id}/signals":  shared,
	"POST /api/v1/companies/{id}/signals": shared.with(func(a *access) { a.body = sends(map[string]any{"on": "2026-11-20", "title": "planted"}) }),
	"DELETE /api/v1/signals/{id}":         shared.with(func(a *access) { a.destroys = 1 }),
	"GET /api/v1/prospects":               mine,
	"POST /api/v1/production": mine.with(func(a *access) {
		a.body = sends(map[string]any{"period": "2026-09-30", "rows": []map[string]any{{"mlsId": "P1", "firstName": "Paula", "lastName": "Planted",
			"units": 3, "volume": 900_000}}})
	}),
	"GET /api/v1/referrals": mine,

	"POST /api/v1/events": mine.with(func(a *access) {
		// About the private person, by her email: the event is hers, and
		// the answer shows nothing of her to the agent.
		a.body = func(fx *apiFixture, c caller) any {
			return map[string]any{"type": "Inquiry", "source": "Zillow", "message": "Still looking",
				"person": map[string]any{"emails": []map[string]string{{"value": "zelda@" + fx.slug + ".test"}}}}
		}
		a.echoes = []string{"zelda@"} // another organisation gets a lead of its own
	}),
	// Held events: an organisation's owners and managers place them.
	"GET /api/v1/events/held": managing,
	"POST /api/v1/events/held/{id}/attach": managingRecord.with(func(a *access) {
		a.body = sends(map[string]any{"person": map[string]any{"firstName": "Pat", "lastName": "Placed"}})
		a.destroys = 1
	}),
	"POST /api/v1/events/held/{id}/dismiss": managingRecord.with(func(a *access) { a.destroys = 1 }),
	"GET /api/v1/reports/speed-to-lead":     mine,
	"GET /api/v1/reports/review":            mine,
	"GET /api/v1/reports/funnel":            mine,
	"GET /api/v1/reports/leaderboard":       managing,
	"GET /api/v1/reports/objections":        mine,
	"GET /api/v1/audit":                     managing,

	"GET /api/v1/playbook":       mine,
	"GET /api/v1/playbook/guide": record.with(func(a *access) { a.query = aboutSecret("person") }),
	"POST /api/v1/playbook/{kind}": managing.with(func(a *access) {
		a.body = sends(map[string]any{"audience": "clients", "text": "Planted objection", "responses": []string{"I hear you. What would help?"}})
	}),
	"GET /api/v1/playbook/{kind}/{key}": shared,
	"PUT /api/v1/playbook/{kind}/{key}": managing.with(func(a *access) {
		// Another organisation's PUT makes an entry of its own, under the
		// key it chose.
		a.body = sends(map[string]any{"audience": "clients", "text": "Planted text", "responses": []string{"I hear you. What would help?"}})
		a.destroys = 2
	}),
	"DELETE /api/v1/playbook/{kind}/{key}":       managingRecord.with(func(a *access) { a.destroys = 1 }),
	"POST /api/v1/playbook/{kind}/{key}/retire":  managingRecord,
	"POST /api/v1/playbook/{kind}/{key}/restore": managingRecord,
	"POST /api/v1/drills": shared.with(func(a *access) {
		a.body = func(fx *apiFixture, c caller) any {
			return map[string]any{"objection": fx.key, "response": "That makes sense. What would spring change?"}
		}
	}),
	"GET /api/v1/drills": mine,
	"POST /api/v1/drills/assignments": managingRecord.with(func(a *access) {
		a.body = func(fx *apiFixture, c caller) any {
			return map[string]any{"userId": fx.agent.ID, "objections": []string{fx.key}, "note": "Practise"}
		}
	}),
	"GET /api/v1/drills/assignments": mine,

	"GET /api/v1/blocks": mine,
	"POST /api/v1/blocks": mine.with(func(a *access) {
		a.body = sends(map[string]any{"weekday": "wednesday", "start": "09:00", "end": "10:00"})
	}),
	"DELETE /api/v1/blocks/{id}": personal.with(func(a *access) { a.destroys = 1 }),

	// Alerts: each user's own devices; another's endpoint, even known, is
	// not found.
	"GET /api/v1/push-key": mine,
	"POST /api/v1/push-subscriptions": mine.with(func(a *access) {
		a.body = func(fx *apiFixture, c caller) any {
			d := fx.h.pushes.Subscribe(fmt.Sprintf("new-%s-%d", fx.slug, c))
			return map[string]any{"endpoint": d.Endpoint, "expirationTime": nil, "keys": map[string]string{"p256dh": d.P256dh, "auth": d.Auth}}
		}
	}),
	"DELETE /api/v1/push-subscriptions": personal.with(func(a *access) {
		a.body = func(fx *apiFixture, c caller) any {
			if c == asOwner {
				return map[string]string{"endpoint": fx.ownerDevice}
			}
			return map[string]string{"endpoint": fx.colleagueDevice}
		}
		a.destroys = 1
	}),
}

// apiFixture is an organisation that keeps people private to their
// owner, with a colleague's private person and one of everything of
// theirs, and an agent's own person.
type apiFixture struct {
	*tenant
	slug      string
	colleague *rapport.User
	mine      *rapport.Person
	ids       map[string]int64
	key       string
	// Keys of the agent (the tenant's) and of the owner.
	agentKey, ownerKey string
	ownerBlock         int64
	// ownerAppPassword is the owner's app password (the colleague's is
	// ids["apppassword"]).
	ownerAppPassword int64
	// colleagueDevice and ownerDevice are the endpoints of a device each
	// gets alerts on.
	colleagueDevice, ownerDevice string
	h                            *harness
}

func (h *harness) apiFixture(slug string) *apiFixture {
	h.t.Helper()
	t := h.t
	fx := &apiFixture{tenant: h.tenant(slug), slug: slug, h: h}
	fx.agentKey, fx.ownerKey = fx.tenant.key, h.key(fx.org.ID, fx.owner.ID)
	fx.org.Visibility = rapport.VisibilityOwn
	if err := h.db.UpdateOrg(ctx, rapport.Actor{Org: fx.org.ID}, fx.org); err != nil {
		t.Fatal(err)
	}
	fx.colleague = &rapport.User{OrgID: fx.org.ID, Email: "colleague@" + slug + ".test", Name: "Colleague " + slug, Role: rapport.RoleAgent, PasswordHash: "x"}
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
	secret := add(&rapport.Person{FirstName: "Zelda", LastName: "Secretkeeper", Kind: rapport.KindClient, OwnerID: col, Notes: "Hush notes",
		Emails: []rapport.Email{{Address: "zelda@" + slug + ".test"}}, Phones: []rapport.Phone{{Number: "+13125550177"}}})
	fx.mine = add(&rapport.Person{FirstName: "Olivia", LastName: "Ownedbyme", Kind: rapport.KindClient, OwnerID: fx.agent.ID})
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
	// A second follow-up, for cancelling after the first is done.
	second := &rapport.FollowUp{PersonID: secret.ID, DueOn: rapport.DayOf(h.clock.Now(), time.UTC).AddDays(9), Note: "Private coffee"}
	if err := h.db.CreateFollowUp(ctx, rapport.Actor{Org: fx.org.ID, User: col}, second); err != nil {
		t.Fatal(err)
	}
	facts, _ := h.db.Facts(ctx, rapport.Actor{Org: fx.org.ID}, secret.ID)
	fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: fx.org.ID}, store.FollowUpFilter{PersonID: secret.ID})
	if len(facts) != 1 || len(fus) != 2 {
		t.Fatalf("%d facts, %d follow-ups", len(facts), len(fus))
	}
	office := &rapport.Company{Kind: rapport.CompanyOffice, Name: "Open Realty - Downtown", Market: "Chicago"}
	if err := h.db.CreateCompany(ctx, rapport.Actor{Org: fx.org.ID}, office); err != nil {
		t.Fatal(err)
	}
	signal := &rapport.Signal{CompanyID: office.ID, On: rapport.DayOf(h.clock.Now(), time.UTC), Title: "New manager"}
	if err := h.db.AddSignal(ctx, rapport.Member(fx.org, fx.owner), signal); err != nil {
		t.Fatal(err)
	}
	add(&rapport.Person{FirstName: "Xavier", LastName: "Hiddenlister", Kind: rapport.KindRecruit, OwnerID: col, CompanyID: office.ID,
		Volume12m: 12_000_000, Units12m: 30, ReferredByID: secret.ID})
	blocks := map[int64]int64{}
	for _, u := range []int64{col, fx.owner.ID} {
		b := &rapport.CallBlock{UserID: u, Weekday: time.Tuesday, Start: 17 * 60, End: 19 * 60}
		if err := h.db.AddCallBlock(ctx, rapport.Actor{Org: fx.org.ID}, b); err != nil {
			t.Fatal(err)
		}
		blocks[u] = b.ID
	}
	// Two held events (one to attach, one to dismiss): what an agent's
	// lead source sent without naming anyone.
	var held [2]int64
	for i, msg := range []string{"Held whisper one", "Held whisper two"} {
		he := &rapport.HeldEvent{DedupeKey: fmt.Sprint(slug, i), Type: "General Inquiry", Source: "Zillow", Message: msg, Reason: "No name.",
			Payload: fmt.Sprintf(`{"type":"Inquiry","source":"Zillow","message":%q}`, msg)}
		if _, err := h.db.HoldEvent(ctx, rapport.Actor{Org: fx.org.ID}, he); err != nil {
			t.Fatal(err)
		}
		held[i] = he.ID
	}
	// A member to act on, someone who left, and the colleague's key.
	member := &rapport.User{OrgID: fx.org.ID, Email: "member@" + slug + ".test", Name: "Member " + slug, Role: rapport.RoleAgent, PasswordHash: "x"}
	gone := &rapport.User{OrgID: fx.org.ID, Email: "gone@" + slug + ".test", Name: "Gone " + slug, Role: rapport.RoleAgent, PasswordHash: "x"}
	for _, u := range []*rapport.User{member, gone} {
		if err := h.db.CreateUser(ctx, rapport.Actor{Org: u.OrgID}, u); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.db.DisableUser(ctx, rapport.Actor{Org: fx.org.ID}, gone.ID, 0); err != nil {
		t.Fatal(err)
	}
	colKey := &store.APIKey{OrgID: fx.org.ID, UserID: col, Name: "Colleague feed", Prefix: "rk_col", Hash: "hash-col-" + slug}
	if err := h.db.CreateAPIKey(ctx, rapport.Actor{Org: colKey.OrgID}, colKey); err != nil {
		t.Fatal(err)
	}
	appPasswords := map[int64]int64{}
	for _, u := range []*rapport.User{fx.colleague, fx.owner} {
		p, _, err := h.db.CreateAppPassword(ctx, rapport.Member(fx.org, u), "Phone of "+u.Name)
		if err != nil {
			t.Fatal(err)
		}
		appPasswords[u.ID] = p.ID
	}
	fx.ownerAppPassword = appPasswords[fx.owner.ID]
	fx.ids = map[string]int64{"apppassword": appPasswords[col], "member": member.ID, "disabled": gone.ID, "key": colKey.ID, "person": secret.ID, "fact": facts[0].ID, "followup": fus[0].ID, "followup2": fus[1].ID,
		"conversation": res.Conversation.ID, "company": office.ID, "signal": signal.ID, "user": fx.owner.ID, "block": blocks[col],
		"held": held[0], "held2": held[1]}
	fx.ids["webhook"], fx.ids["delivery"] = storetest.Webhook(t, h.db, rapport.Actor{Org: fx.org.ID}, "hook-"+slug)
	fx.ids["list"] = storetest.List(t, h.db, rapport.Member(fx.org, fx.owner), "Hush list")
	fx.ownerBlock = blocks[fx.owner.ID]
	for _, u := range []*rapport.User{fx.colleague, fx.owner} {
		d := h.pushes.Subscribe(u.Email)
		if err := h.db.SavePushSubscription(ctx, rapport.Member(fx.org, u), &store.PushSubscription{Endpoint: d.Endpoint, P256dh: d.P256dh,
			Auth: d.Auth, UserAgent: "Rapport for Android"}); err != nil {
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

// idKinds says what {id} is, by the path's first part; a route whose part
// is missing fails the test.
var idKinds = map[string]string{"people": "person", "conversations": "conversation", "followups": "followup", "users": "user",
	"companies": "company", "signals": "signal", "blocks": "block", "events": "held", "keys": "key",
	"pond": "person", "outbox": "person", "inbox": "person", "webhooks": "webhook", "webhook-deliveries": "delivery", "me": "apppassword", "lists": "list"}

// path fills a route's path values with the fixture's records for c.
func (fx *apiFixture) path(t *testing.T, pattern string, a access, c caller) (string, string, bool) {
	t.Helper()
	method, path, _ := strings.Cut(pattern, " ")
	ids := fx.ids
	if strings.Contains(path, "{id}") {
		kind, ok := idKinds[strings.Split(path, "/")[3]]
		if !ok {
			t.Errorf("%s: say in idKinds what its {id} is", pattern)
			return "", "", false
		}
		id := ids[kind]
		switch {
		case pattern == "POST /api/v1/followups/{id}/cancel":
			id = ids["followup2"] // the first is done by then
		case pattern == "POST /api/v1/events/held/{id}/dismiss":
			id = ids["held2"] // the first is attached by then
		case kind == "block" && c == asOwner:
			id = fx.ownerBlock // blocks are each user's own
		case kind == "apppassword" && c == asOwner:
			id = fx.ownerAppPassword // as are app passwords
		case pattern == "POST /api/v1/users/{id}/enable":
			id = ids["disabled"]
		case kind == "user" && pattern != "GET /api/v1/users/{id}":
			id = ids["member"] // not the owner, who may not act on themselves
		}
		path = strings.ReplaceAll(path, "{id}", fmt.Sprint(id))
	}
	path = strings.NewReplacer("{fid}", fmt.Sprint(ids["fact"]), "{kind}", string(rapport.EntryObjection), "{key}", fx.key).Replace(path)
	if strings.Contains(path, "{") {
		t.Errorf("%s: no value for its path values", pattern)
		return "", "", false
	}
	if a.query != nil {
		path += a.query(fx, c)
	}
	return method, path, true
}

var privateLeaks = []string{"Zelda", "Secretkeeper", "zelda@", "3125550177", "Hush notes", "Confidential divorce", "Afraid her ex",
	"Private callback", "Private coffee", "Xavier", "Hiddenlister"}

func (fx *apiFixture) orgLeaks() []string {
	return append([]string{"Olivia", "Ownedbyme", "Open Realty", "New manager", "We only list in spring", "What happens in spring", "Held whisper",
		fx.owner.Name, fx.agent.Name, fx.colleague.Name, fx.key}, privateLeaks...)
}

// documented is the statuses the OpenAPI document lists, by route.
func (h *harness) documented(t *testing.T) map[string]map[int]bool {
	t.Helper()
	r := h.call("", "GET", "/api/v1/openapi.json", nil)
	want(t, r, http.StatusOK)
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[int]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			statuses := map[int]bool{}
			for code := range op.Responses {
				var n int
				fmt.Sscan(code, &n)
				statuses[n] = true
			}
			out[strings.ToUpper(method)+" "+path] = statuses
		}
	}
	return out
}

func TestAuthorizationMatrix(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		routes := api.New(api.Options{DB: h.db}).Routes()
		sort.SliceStable(routes, func(i, j int) bool { return apiAccess[routes[i]].destroys < apiAccess[routes[j]].destroys })
		served := map[string]bool{}
		for _, r := range routes {
			served[r] = true
			if _, ok := apiAccess[r]; !ok {
				t.Errorf("%s has no rule in apiAccess: decide who may use it", r)
			}
		}
		for r := range apiAccess {
			if !served[r] {
				t.Errorf("apiAccess has a rule for %s, which is not served", r)
			}
		}
		if t.Failed() {
			return
		}
		doc := h.documented(t)
		check := func(route string, c string, r reply) {
			t.Helper()
			if !doc[route][r.status] {
				t.Errorf("%s answers %s with %d, which the OpenAPI document does not list", route, c, r.status)
			}
		}
		intruder := h.tenant("bravo")
		fxB, fxC, fxD := h.apiFixture("alpha"), h.apiFixture("gamma"), h.apiFixture("delta")

		// (a) Without a key.
		for _, route := range routes {
			a := apiAccess[route]
			method, path, ok := fxB.path(t, route, a, asOtherOrg)
			if !ok {
				continue
			}
			var b any
			if a.body != nil {
				b = a.body(fxB, asOtherOrg)
			}
			r := h.call("", method, path, b)
			if a.public {
				want(t, r, http.StatusOK)
				continue
			}
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s without a key: %d, want 401", route, r.status)
			}
			check(route, "a caller without a key", r)
		}

		keys := map[caller]string{asOtherOrg: h.key(intruder.org.ID, intruder.owner.ID), asAgent: fxC.agentKey, asOwner: fxD.ownerKey}
		fixtures := map[caller]*apiFixture{asOtherOrg: fxB, asAgent: fxC, asOwner: fxD}
		before := h.orgData(fxB.slug)
		checked := 0
		for _, c := range []caller{asOtherOrg, asAgent, asOwner} {
			fx := fixtures[c]
			for _, route := range routes {
				a := apiAccess[route]
				if a.public {
					continue
				}
				method, path, ok := fx.path(t, route, a, c)
				if !ok {
					continue
				}
				var b any
				if a.body != nil {
					b = a.body(fx, c)
				}
				r := h.call(keys[c], method, path, b)
				checked++
				want := map[caller]answer{asOtherOrg: a.other, asAgent: a.private, asOwner: a.own}[c]
				if !want.matches(r.status) {
					t.Errorf("%s as %s: %d, want %s\n%s", route, c, r.status, want, r.body)
				}
				check(route, c.String(), r)
				switch c {
				case asOtherOrg:
					echoes := a.echoes
					if strings.Contains(route, "{key}") {
						echoes = append(echoes, fx.key) // the key asked for
					}
					apiLeaks(t, route+" as "+c.String(), r, without(fx.orgLeaks(), echoes))
				case asAgent:
					apiLeaks(t, route+" as "+c.String(), r, privateLeaks)
				}
			}
			switch c {
			case asOtherOrg:
				if h.orgData(fxB.slug) != before {
					t.Error("another organisation's requests changed the organisation's data")
				}
			case asAgent:
				fx.checkPrivateUntouched(t, h)
			}
		}
		if checked < 3*50 {
			t.Fatalf("only %d calls", checked)
		}
	})
}

// orgData is everything the organisation keeps, as its export writes it,
// but for the audit log (which records the export itself).
func (h *harness) orgData(slug string) string {
	h.t.Helper()
	var buf bytes.Buffer
	if _, err := h.db.ExportOrg(ctx, slug, &buf); err != nil {
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

// without returns what, less the strings in not.
func without(what, not []string) []string {
	var out []string
	for _, w := range what {
		if !slices.Contains(not, w) {
			out = append(out, w)
		}
	}
	return out
}

func apiLeaks(t *testing.T, call string, r reply, what []string) {
	t.Helper()
	for _, l := range what {
		if strings.Contains(string(r.body), l) || strings.Contains(r.header.Get("Location"), l) {
			t.Errorf("%s shows %q", call, l)
		}
	}
}

// checkPrivateUntouched fails the test when the colleague's private
// records changed.
func (fx *apiFixture) checkPrivateUntouched(t *testing.T, h *harness) {
	t.Helper()
	org, pid := fx.org.ID, fx.ids["person"]
	if ds, _ := h.db.PushSubscriptionsFor(ctx, org, fx.colleague.ID); len(ds) != 1 || ds[0].Endpoint != fx.colleagueDevice {
		t.Errorf("the colleague's alerts changed: %+v", ds)
	}
	p, err := h.db.Person(ctx, rapport.Actor{Org: org}, pid)
	if err != nil || p.FirstName != "Zelda" || p.Archived() || p.OwnerID != fx.colleague.ID || p.Notes != "Hush notes" {
		t.Errorf("the private person changed: %+v, %v", p, err)
	}
	if facts, _ := h.db.Facts(ctx, rapport.Actor{Org: org}, pid); len(facts) != 1 {
		t.Errorf("the private person has %d facts", len(facts))
	}
	if fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: org}, store.FollowUpFilter{PersonID: pid}); len(fus) != 2 {
		t.Errorf("the private person has %d open follow-ups", len(fus))
	}
	if cs, _, _ := h.db.Conversations(ctx, rapport.Actor{Org: org}, store.ConversationFilter{PersonID: pid}); len(cs) != 1 || cs[0].Notes != "Confidential divorce" {
		t.Errorf("the private person's conversations changed: %+v", cs)
	}
	if bs, _ := h.db.CallBlocks(ctx, rapport.Actor{Org: org}, fx.colleague.ID); len(bs) != 1 {
		t.Error("the colleague's call block was deleted")
	}
}
