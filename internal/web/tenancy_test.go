package web_test

import (
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

// routeIDs names which of organisation A's ids each path value takes.
var routeIDs = map[string]string{"id": "person", "fid": "fact"}

// routeKeys are the playbook's path values: {kind} is always an
// objection, and {key} organisation A's own objection, which no other
// organisation has.
var routeKeys = []string{"kind", "key"}

// idKinds overrides what {id} means on some routes.
// Every {id} outside /people/ and /call/ must be listed, so that a new
// route cannot pass by answering 404 to a person's id.
var idKinds = map[string]string{
	"GET /conversations/{id}":                       "conversation",
	"POST /followups/{id}/done":                     "followup",
	"POST /followups/{id}/cancel":                   "followup",
	"POST /settings/keys/{id}/revoke":               "apikey",
	"POST /routing/{id}/delete":                     "rule",
	"GET /import/{id}":                              "import",
	"POST /import/{id}":                             "import",
	"GET /companies/{id}":                           "company",
	"POST /companies/{id}":                          "company",
	"POST /companies/{id}/signals":                  "company",
	"POST /signals/{id}/delete":                     "signal",
	"POST /recruiting/goals/{id}":                   "user",
	"POST /review/blocks/{id}/delete":               "callblock",
	"GET /conversations/{id}/reflect":               "conversation",
	"POST /conversations/{id}/reflect":              "conversation",
	"POST /intake/held/{id}/attach":                 "held",
	"POST /intake/held/{id}/dismiss":                "held2",
	"GET /users/{id}":                               "user",
	"POST /users/{id}/role":                         "member",
	"POST /users/{id}/reset":                        "member",
	"POST /users/{id}/reset-email":                  "member",
	"POST /pond/{id}/claim":                         "person",
	"POST /inbox/{id}/assign":                       "person",
	"POST /inbox/{id}/new-lead":                     "person",
	"POST /inbox/{id}/dismiss":                      "person",
	"POST /settings/messages/{id}/retry":            "person",
	"POST /users/{id}/disable":                      "member",
	"POST /users/{id}/enable":                       "disabled",
	"GET /settings/webhooks/{id}":                   "webhook",
	"POST /settings/webhooks/{id}":                  "webhook",
	"POST /settings/webhooks/{id}/enable":           "webhook",
	"POST /settings/webhooks/{id}/disable":          "webhook",
	"POST /settings/webhooks/{id}/secret":           "webhook",
	"POST /settings/webhooks/{id}/ping":             "webhook",
	"POST /settings/webhooks/{id}/replay":           "webhook",
	"POST /settings/webhooks/{id}/delete":           "webhook",
	"POST /settings/webhook-deliveries/{id}/replay": "delivery",
	"POST /settings/app-passwords/{id}/revoke":      "apppassword",
	"POST /lists/{id}/delete":                       "list",
}

func routeList(t *testing.T, h *harness) []string {
	t.Helper()
	app, err := web.New(web.Options{DB: h.db, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	return app.Routes()
}

// fill turns a pattern into a method and a path with A's ids and
// playbook keys.
func fill(pattern string, ids map[string]int64, keys map[string]string) (string, string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	path = strings.TrimSuffix(path, "{$}")
	for _, part := range []string{"id", "fid"} {
		kind := routeIDs[part]
		if part == "id" && strings.Contains(path, "{id}") {
			if k, ok := idKinds[pattern]; ok {
				kind = k
			} else if !strings.HasPrefix(path, "/people/") && !strings.HasPrefix(path, "/call/") {
				continue // left unfilled: the test names the route
			}
		}
		path = strings.ReplaceAll(path, "{"+part+"}", strconv.FormatInt(ids[kind], 10))
	}
	for _, part := range routeKeys {
		if v, ok := keys[part]; ok {
			path = strings.ReplaceAll(path, "{"+part+"}", v)
		}
	}
	return method, path
}

// takesRecord reports whether a route names one record of an
// organisation in its path: another organisation's gets 404.
func takesRecord(pattern string) bool {
	return strings.Contains(pattern, "{id}") || strings.Contains(pattern, "{key}")
}

// TestOrganisationsNeverSeeEachOther signs in as organisation B and calls
// every route with organisation A's real ids: each answers 404 and no page
// shows A's data. A route added without a rule here fails the test. (The
// authorization matrix asks the same of every route, with the other
// callers; this test looks further into what B's pages show.)
func TestOrganisationsNeverSeeEachOther(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a, b := h.org("alpha"), h.org("bravo")
		secret := &rapport.Person{FirstName: "Zelda", LastName: "Secretkeeper", Kind: rapport.KindClient, OwnerID: a.agent.ID, Source: "Covert Source",
			Emails: []rapport.Email{{Address: "zelda@alpha.test"}}, Phones: []rapport.Phone{{Number: "+13125550177"}}}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), secret); err != nil {
			t.Fatal(err)
		}
		// A's playbook: an edit of a default and an objection of its own,
		// recorded on A's conversation, practised and assigned.
		if err := h.db.SavePlaybookEntry(ctx, rapport.Member(a.org, a.owner), &rapport.Entry{Kind: rapport.EntryObjection, Key: "just-looking",
			Audience: rapport.AudienceClients, Text: "Covert browsing only.", Responses: []string{"That makes sense. What caught your eye?"}}); err != nil {
			t.Fatal(err)
		}
		own := &rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceClients, Text: "Zelda's hush-hush objection.",
			Responses: []string{"I hear you. What would make the hush-hush part easier?"}, Why: "Whispered reasons stay private."}
		if err := h.db.SavePlaybookEntry(ctx, rapport.Member(a.org, a.owner), own); err != nil {
			t.Fatal(err)
		}
		res, err := h.db.LogConversation(ctx, rapport.Member(a.org, a.agent), &store.LogInput{
			Conversation: rapport.Conversation{PersonID: secret.ID, Channel: rapport.ChannelCall, Outcome: rapport.OutcomeLive, Notes: "Confidential divorce",
				Objection: own.Key},
			Facts:    []rapport.Fact{{Type: rapport.FactFear, Text: "Afraid her ex will find out"}},
			FollowUp: &rapport.FollowUp{DueOn: "2026-11-20", Note: "Private callback"},
		})
		if err != nil {
			t.Fatal(err)
		}
		facts, _ := h.db.Facts(ctx, rapport.Actor{Org: a.org.ID}, secret.ID)
		fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: a.org.ID}, store.FollowUpFilter{PersonID: secret.ID})
		key := &store.APIKey{OrgID: a.org.ID, UserID: a.agent.ID, Prefix: "rk_secret", Hash: "hash-of-a-secret-key", Name: "Zelda's feed"}
		if err := h.db.CreateAPIKey(ctx, rapport.Actor{Org: key.OrgID}, key); err != nil {
			t.Fatal(err)
		}
		rule := &rapport.RoutingRule{OrgID: a.org.ID, Source: "Secretkeeper leads", UserIDs: rapport.FormatIDs([]int64{a.agent.ID})}
		if err := h.db.CreateRoutingRule(ctx, rapport.Actor{Org: rule.OrgID}, rule); err != nil {
			t.Fatal(err)
		}
		job := &store.ImportJob{OrgID: a.org.ID, UserID: a.agent.ID, FileName: "zelda-secret-list.csv", Format: "csv",
			Content: []byte("Name,Email\nZelda Secretkeeper,zelda@alpha.test\n"), Settings: "{}"}
		if err := h.db.CreateImportJob(ctx, rapport.Actor{Org: job.OrgID}, job); err != nil {
			t.Fatal(err)
		}
		office := &rapport.Company{Kind: rapport.CompanyOffice, Name: "Hushhush Realty - Gold Coast", Market: "Covert Market"}
		if err := h.db.CreateCompany(ctx, rapport.Actor{Org: a.org.ID}, office); err != nil {
			t.Fatal(err)
		}
		signal := &rapport.Signal{CompanyID: office.ID, On: rapport.DayOf(h.clock.Now(), time.UTC), Title: "Quiet merger talks"}
		if err := h.db.AddSignal(ctx, rapport.Member(a.org, a.owner), signal); err != nil {
			t.Fatal(err)
		}
		recruit := &rapport.Person{FirstName: "Xavier", LastName: "Hiddenlister", Kind: rapport.KindRecruit, OwnerID: a.owner.ID,
			CompanyID: office.ID, Volume12m: 12_000_000, Units12m: 30, ReferredByID: secret.ID}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.owner), recruit); err != nil {
			t.Fatal(err)
		}
		block := &rapport.CallBlock{UserID: a.agent.ID, Weekday: time.Tuesday, Start: 17 * 60, End: 19 * 60}
		if err := h.db.AddCallBlock(ctx, rapport.Actor{Org: a.org.ID}, block); err != nil {
			t.Fatal(err)
		}
		if _, _, err := h.db.Practise(ctx, rapport.Member(a.org, a.agent), own.Key, "That makes sense. What would a whispered yes sound like?"); err != nil {
			t.Fatal(err)
		}
		if _, err := h.db.AssignDrills(ctx, rapport.Member(a.org, a.owner), a.agent.ID, []string{own.Key}, "Practise the clandestine one"); err != nil {
			t.Fatal(err)
		}
		held := &rapport.HeldEvent{DedupeKey: "hushhush", Type: "General Inquiry", Source: "Zillow", Message: "Hushhush held lead", Reason: "No name.",
			Payload: `{"type":"Inquiry","message":"Hushhush held lead"}`}
		if _, err := h.db.HoldEvent(ctx, rapport.Actor{Org: a.org.ID}, held); err != nil {
			t.Fatal(err)
		}
		gone := &rapport.User{OrgID: a.org.ID, Email: "gone@alpha.test", Name: "Gone alpha", Role: rapport.RoleAgent, PasswordHash: h.hash}
		if err := h.db.CreateUser(ctx, rapport.Actor{Org: gone.OrgID}, gone); err != nil {
			t.Fatal(err)
		}
		if _, err := h.db.DisableUser(ctx, rapport.Actor{Org: a.org.ID}, gone.ID, 0); err != nil {
			t.Fatal(err)
		}
		keys := map[string]string{"kind": string(rapport.EntryObjection), "key": own.Key}
		ids := map[string]int64{"member": a.manager.ID, "disabled": gone.ID, "held": held.ID, "held2": held.ID, "person": secret.ID, "fact": facts[0].ID, "followup": fus[0].ID, "conversation": res.Conversation.ID,
			"apikey": key.ID, "rule": rule.ID, "import": job.ID, "company": office.ID, "signal": signal.ID, "user": a.owner.ID,
			"callblock": block.ID}
		ids["webhook"], ids["delivery"] = storetest.Webhook(t, h.db, rapport.Actor{Org: a.org.ID}, "alpha-secret-hook")
		ids["list"] = storetest.List(t, h.db, rapport.Member(a.org, a.owner), "Hushhush list")
		leaks := []string{"Zelda", "Secretkeeper", "zelda@alpha.test", "555-0177", "Confidential", "Afraid her ex", "Private callback", "zelda-secret-list",
			"Hushhush", "Covert Market", "Quiet merger", "Xavier", "Hiddenlister", "Covert Source", "Agent alpha", "Owner alpha", "Manager alpha",
			"Covert browsing", "hush-hush", "Whispered reasons", "whispered yes", "clandestine", "alpha-secret-hook", own.Key}

		intruder := h.signedIn(b.owner.Email)
		covered := 0
		for _, pattern := range routeList(t, h) {
			if webAccess[pattern].public {
				continue
			}
			method, path := fill(pattern, ids, keys)
			if strings.Contains(path, "{") {
				t.Errorf("%s: no rule for its path values; add one to routeIDs or idKinds", pattern)
				continue
			}
			takesID := takesRecord(pattern)
			var r response
			if method == http.MethodGet {
				r = intruder.get(path)
			} else {
				r = intruder.post(path, url.Values{
					"first_name": {"Mallory"}, "kind": {"client"}, "outcome": {"live"}, "channel": {"call"}, "stage": {"1"},
					"type": {"fear"}, "text": {"planted"}, "due": {"tomorrow"}, "name": {"Bravo"}, "region": {"US"},
					"tz": {"UTC"}, "weekly_goal": {"25"}, "today_size": {"10"}, "email": {"new@bravo.test"}, "role": {"agent"},
					"password": {password}, "current": {password}, "password2": {password}, "q": {"Zelda"},
					"audience": {"clients"}, "response": {"planted response"}, "user": {strconv.FormatInt(a.agent.ID, 10)},
					"objection": {own.Key}, "care": {"planted"}, "care_type": {"passion"}, "feel": {"planted"},
				})
			}
			covered++
			if takesID && r.status != http.StatusNotFound {
				t.Errorf("%s with organisation A's ids: %d, want 404", pattern, r.status)
			}
			for _, l := range leaks {
				if strings.Contains(r.body, l) {
					t.Errorf("%s shows organisation A's %q", pattern, l)
				}
			}
			if r.location != "" && strings.Contains(r.location, strconv.FormatInt(secret.ID, 10)) && takesID {
				t.Errorf("%s redirected into A's record: %s", pattern, r.location)
			}
		}
		if keys, _ := h.db.APIKeys(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID); len(keys) != 1 || !keys[0].RevokedAt.IsZero() {
			t.Error("A's API key was touched")
		}
		if rules, _ := h.db.RoutingRules(ctx, rapport.Actor{Org: a.org.ID}); len(rules) != 1 || rules[0].UserIDs != rapport.FormatIDs([]int64{a.agent.ID}) {
			t.Error("A's routing rule was touched")
		}
		if m, _ := h.db.User(ctx, rapport.Actor{Org: a.org.ID}, a.manager.ID); m == nil || !m.Active() || m.Role != rapport.RoleManager {
			t.Errorf("A's manager was disabled or changed: %+v", m)
		}
		if g, _ := h.db.User(ctx, rapport.Actor{Org: a.org.ID}, gone.ID); g == nil || g.Active() {
			t.Error("A's departed agent was re-enabled")
		}
		if hs, _ := h.db.HeldEvents(ctx, rapport.Actor{Org: a.org.ID}, false, 10); len(hs) != 1 {
			t.Error("A's held event was placed")
		}
		if j, _ := h.db.ImportJob(ctx, rapport.Actor{Org: a.org.ID}, job.ID, false); j.Status != store.ImportUploaded || j.Settings != "{}" {
			t.Errorf("A's import was touched: %+v", j)
		}
		if _, err := h.db.Signal(ctx, rapport.Actor{Org: a.org.ID}, signal.ID); err != nil {
			t.Error("A's signal was deleted")
		}
		if c, _ := h.db.Company(ctx, rapport.Actor{Org: a.org.ID}, office.ID); c == nil || c.Name != office.Name {
			t.Errorf("A's company was touched: %+v", c)
		}
		if u, _ := h.db.User(ctx, rapport.Actor{Org: a.org.ID}, a.owner.ID); u == nil || u.HiringManager() {
			t.Errorf("A's owner got recruiting targets: %+v", u)
		}
		if covered < 25 {
			t.Fatalf("only %d routes exercised", covered)
		}
		if bs, _ := h.db.CallBlocks(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID); len(bs) != 1 {
			t.Error("A's call block was deleted")
		}
		// A's playbook is as A left it, and B's has none of it.
		pbA, _ := h.db.Playbook(ctx, rapport.Actor{Org: a.org.ID})
		if e, ok := pbA.Find(rapport.EntryObjection, own.Key); !ok || e.Retired || e.Text != own.Text || !e.Custom {
			t.Errorf("A's own objection was touched: %+v", e)
		}
		if e, _ := pbA.Find(rapport.EntryObjection, "just-looking"); e.Text != "Covert browsing only." || e.Retired || !e.Edited {
			t.Errorf("A's edit was touched: %+v", e)
		}
		pbB, _ := h.db.Playbook(ctx, rapport.Actor{Org: b.org.ID})
		if _, ok := pbB.Find(rapport.EntryObjection, own.Key); ok {
			t.Error("B's playbook has A's own objection")
		}
		if e, _ := pbB.Find(rapport.EntryObjection, "just-looking"); e.Text != "We're just looking." || e.Edited {
			t.Errorf("B's playbook took A's edit: %+v", e)
		}
		if as, _ := h.db.DrillAssignments(ctx, rapport.Actor{Org: b.org.ID}, a.agent.ID); len(as) != 0 {
			t.Error("B assigned drills to A's agent")
		}
		if hist, _ := h.db.DrillHistory(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID, 10); len(hist) != 1 {
			t.Errorf("A's drill history changed: %d attempts", len(hist))
		}
		// The review's pages and downloads, for B's team or with A's user
		// ids, show nothing of A.
		for _, id := range []int64{a.agent.ID, a.owner.ID} {
			for _, path := range []string{"/review", "/review.csv", "/review/funnel", "/review/funnel.csv"} {
				r := intruder.get(path + "?user=" + strconv.FormatInt(id, 10))
				if r.status != http.StatusNotFound {
					t.Errorf("%s?user= of A's user: %d, want 404", path, r.status)
				}
			}
		}
		for _, path := range []string{"/review?team=1", "/review.csv?team=1", "/review/funnel?team=1", "/review/funnel.csv?team=1&weeks=52",
			"/review/leaderboard", "/review/blocks", "/today", "/playbook", "/playbook?audience=recruits", "/practice"} {
			r := intruder.get(path)
			if r.status != http.StatusOK {
				t.Errorf("%s: %d", path, r.status)
			}
			for _, l := range leaks {
				if strings.Contains(r.body, l) {
					t.Errorf("%s shows organisation A's %q", path, l)
				}
			}
		}
		if r := intruder.get("/review.csv?team=1"); !strings.Contains(r.body, "\n2026-11-23,0,0,0,") {
			t.Errorf("B's team review counts A's calls:\n%s", r.body)
		}
		// Searching by A's details from B finds nothing.
		for _, q := range []string{"zelda", "secretkeeper", "3125550177", "divorce", "ex will find"} {
			r := intruder.get("/people?q=" + url.QueryEscape(q))
			if !strings.Contains(r.body, "No one matches") {
				t.Errorf("B's search for %q is not empty", q)
			}
		}
		r := intruder.get("/people/suggest?q=zel")
		if strings.TrimSpace(r.body) != "[]" {
			t.Errorf("suggest leaked: %s", r.body)
		}
		// A's records are untouched.
		got, err := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, secret.ID)
		if err != nil || got.FirstName != "Zelda" || got.Archived() || got.StageID == 1 && got.Kind != rapport.KindClient {
			t.Fatalf("A's person changed: %+v, %v", got, err)
		}
		facts2, _ := h.db.Facts(ctx, rapport.Actor{Org: a.org.ID}, secret.ID)
		fus2, _ := h.db.FollowUps(ctx, rapport.Actor{Org: a.org.ID}, store.FollowUpFilter{PersonID: secret.ID})
		if len(facts2) != 1 || len(fus2) != 1 {
			t.Fatalf("A's facts or follow-ups changed: %d facts, %d follow-ups", len(facts2), len(fus2))
		}
		// And A still sees everything.
		owner := h.signedIn(a.agent.Email)
		wantBody(t, owner.get("/people/"+strconv.FormatInt(secret.ID, 10)), "Zelda", "Confidential divorce", "Afraid her ex")
		wantBody(t, owner.get("/review.csv"), "\n2026-11-23,1,1,1,")
		wantBody(t, owner.get("/review/funnel"), "Covert Source")
		wantBody(t, owner.get("/playbook"), "Covert browsing only.", "Zelda&#39;s hush-hush objection.")
		wantBody(t, owner.get("/practice"), "Practise the clandestine one", "whispered yes")
	})
}
