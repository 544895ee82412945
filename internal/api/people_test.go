package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/api"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

func TestAuthentication(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		r := h.call("", "GET", "/api/v1/people", nil)
		want(t, r, http.StatusUnauthorized)
		if !strings.Contains(r.header.Get("WWW-Authenticate"), "Bearer") || r.json(t)["error"].(map[string]any)["code"] != "unauthorized" {
			t.Errorf("401 without a challenge: %v %s", r.header, r.body)
		}
		want(t, h.call("rk_not-a-key", "GET", "/api/v1/people", nil), http.StatusUnauthorized)
		want(t, h.call(a.key, "GET", "/api/v1/people", nil), http.StatusOK)
		// Lead sources send the key as the Basic username.
		req, _ := http.NewRequest("GET", h.srv.URL+"/api/v1/users", nil)
		req.SetBasicAuth(a.key, "")
		res, _ := http.DefaultClient.Do(req)
		if res.StatusCode != http.StatusOK {
			t.Errorf("basic auth: %d", res.StatusCode)
		}
		res.Body.Close()
		// A revoked key stops working.
		keys, _ := h.db.APIKeys(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID)
		if err := h.db.RevokeAPIKey(ctx, rapport.Member(a.org, a.agent), keys[0].ID); err != nil {
			t.Fatal(err)
		}
		want(t, h.call(a.key, "GET", "/api/v1/people", nil), http.StatusUnauthorized)
		want(t, h.call("", "GET", "/api/v1/openapi.json", nil), http.StatusOK)
		want(t, h.call(h.key(a.org.ID, a.agent.ID), "GET", "/api/v1/nothing-here", nil), http.StatusNotFound)
	})
}

func TestPeopleCRUD(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		bad := map[string]any{"firstName": "Maria", "phones": []map[string]string{{"number": "(312) 555-0142"}, {"number": "555-01"}},
			"emails": []map[string]string{{"address": "maria@example"}}}
		r := h.call(a.key, "POST", "/api/v1/people", bad)
		want(t, r, http.StatusBadRequest)
		fields := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
		if fields["phones[1].number"] == nil || fields["emails[0].address"] == nil || r.errField() != "emails[0].address" {
			t.Errorf("field errors = %s", r.body)
		}
		want(t, h.call(a.key, "POST", "/api/v1/people", `{"firstName": "X", "favouriteColour": "blue"}`), http.StatusBadRequest)
		r = h.call(a.key, "POST", "/api/v1/people", `{"firstName": 12}`)
		want(t, r, http.StatusBadRequest)
		if r.errField() != "firstName" {
			t.Errorf("type error field = %q (%s)", r.errField(), r.body)
		}
		want(t, h.call(a.key, "POST", "/api/v1/people", `{"firstName": "X"`), http.StatusBadRequest)

		body := map[string]any{"firstName": "Maria", "lastName": "Lopez", "kind": "client", "phones": []map[string]string{{"number": "(312) 555-0142", "label": "mobile"}},
			"emails": []map[string]string{{"address": "Maria@Example.com"}}, "tags": []string{"Buyer"}, "birthday": "11-23",
			"address": map[string]string{"city": "Chicago", "state": "IL"}}
		r = h.call(a.key, "POST", "/api/v1/people", body)
		want(t, r, http.StatusCreated)
		p := r.json(t)
		id := num(p, "id")
		if r.header.Get("Location") != fmt.Sprintf("/api/v1/people/%d", id) || p["phones"].([]any)[0].(map[string]any)["number"] != "+13125550142" ||
			p["emails"].([]any)[0].(map[string]any)["address"] != "maria@example.com" || num(p, "ownerId") != a.agent.ID ||
			p["stage"].(map[string]any)["key"] != "active" || p["birthday"] != "11-23" {
			t.Fatalf("created = %s", r.body)
		}
		path := fmt.Sprintf("/api/v1/people/%d", id)
		// PATCH changes only what it names; null clears a reference.
		r = h.call(a.key, "PATCH", path, `{"lastName": "López", "ownerId": null, "version": 1}`)
		want(t, r, http.StatusOK)
		p = r.json(t)
		if p["lastName"] != "López" || p["firstName"] != "Maria" || p["ownerId"] != nil || len(p["phones"].([]any)) != 1 || num(p, "version") != 2 {
			t.Fatalf("patched = %s", r.body)
		}
		// A stale version is refused.
		r = h.call(a.key, "PATCH", path, `{"lastName": "Stale", "version": 1}`)
		want(t, r, http.StatusConflict)
		want(t, h.call(a.key, "POST", path+"/archive", nil), http.StatusOK)
		r = h.call(a.key, "GET", "/api/v1/people", nil)
		if items := r.json(t)["items"].([]any); len(items) != 0 {
			t.Errorf("archived person still listed")
		}
		want(t, h.call(a.key, "POST", path+"/restore", nil), http.StatusOK)

		// Facts.
		r = h.call(a.key, "POST", path+"/facts", map[string]string{"type": "passion", "text": "Sails on Lake Michigan"})
		want(t, r, http.StatusCreated)
		fid := num(r.json(t), "id")
		want(t, h.call(a.key, "POST", path+"/facts", map[string]string{"type": "gossip", "text": "x"}), http.StatusBadRequest)
		r = h.call(a.key, "GET", path+"/facts", nil)
		if items := r.json(t)["items"].([]any); len(items) != 1 {
			t.Errorf("facts = %s", r.body)
		}
		r = h.call(a.key, "GET", "/api/v1/people?q=sails", nil)
		if items := r.json(t)["items"].([]any); len(items) != 1 {
			t.Errorf("search by fact = %s", r.body)
		}
		if r := h.call(a.key, "DELETE", fmt.Sprintf("%s/facts/%d", path, fid), nil); r.status != http.StatusNoContent {
			t.Errorf("delete fact: %d", r.status)
		}
	})
}

func TestPeoplePagination(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		for i := 0; i < 7; i++ {
			h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": fmt.Sprintf("P%d", i), "kind": "sphere"})
		}
		for _, sort := range []string{"name", "-created", "created"} {
			var names []string
			cursor := ""
			for pages := 0; pages < 10; pages++ {
				r := h.call(a.key, "GET", "/api/v1/people?limit=3&sort="+sort+"&cursor="+cursor, nil)
				want(t, r, http.StatusOK)
				var page struct {
					Items []struct{ FirstName string }
					Next  *string
				}
				json.Unmarshal(r.body, &page)
				for _, it := range page.Items {
					names = append(names, it.FirstName)
				}
				if page.Next == nil {
					break
				}
				cursor = *page.Next
			}
			wantNames := "[P0 P1 P2 P3 P4 P5 P6]"
			if sort == "-created" {
				wantNames = "[P6 P5 P4 P3 P2 P1 P0]"
			}
			if fmt.Sprint(names) != wantNames {
				t.Errorf("sort=%s: %v", sort, names)
			}
		}
		r := h.call(a.key, "GET", "/api/v1/people?sort=shoe-size", nil)
		want(t, r, http.StatusBadRequest)
		if r.errField() != "sort" {
			t.Errorf("field = %q", r.errField())
		}
		want(t, h.call(a.key, "GET", "/api/v1/people?limit=ten", nil), http.StatusBadRequest)
		want(t, h.call(a.key, "GET", "/api/v1/people?cursor=garbage", nil), http.StatusBadRequest)
		want(t, h.call(a.key, "GET", "/api/v1/people?kind=alien", nil), http.StatusBadRequest)
	})
}

func TestConversationsFollowUpsAndToday(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		r := h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Dana", "kind": "recruit"})
		pid := num(r.json(t), "id")
		want(t, h.call(a.key, "GET", "/api/v1/today", nil), http.StatusOK)
		conv := map[string]any{"personId": pid, "channel": "call", "outcome": "live", "durationSeconds": 600, "notes": "No interest before retiring",
			"facts": []map[string]string{{"type": "passion", "text": "Her grandkids"}}, "followUp": map[string]string{"due": "2w", "kind": "meeting", "note": "coffee"}}
		r = h.call(a.key, "POST", "/api/v1/conversations", conv)
		want(t, r, http.StatusCreated)
		lg := r.json(t)
		c := lg["conversation"].(map[string]any)
		if c["live"] != true || len(lg["facts"].([]any)) != 1 || lg["followUp"].(map[string]any)["dueOn"] != "2026-12-07" || lg["stage"].(map[string]any)["key"] != "conversation" {
			t.Fatalf("logged = %s", r.body)
		}
		r = h.call(a.key, "POST", "/api/v1/conversations", map[string]any{"personId": pid, "channel": "call", "followUp": map[string]string{"due": "soon"}})
		want(t, r, http.StatusBadRequest)
		if !strings.HasPrefix(r.errField(), "followUp.") && r.errField() != "outcome" {
			t.Errorf("field = %q: %s", r.errField(), r.body)
		}
		r = h.call(a.key, "GET", fmt.Sprintf("/api/v1/conversations?personId=%d", pid), nil)
		if items := r.json(t)["items"].([]any); len(items) != 1 {
			t.Fatalf("conversations = %s", r.body)
		}
		want(t, h.call(a.key, "GET", fmt.Sprintf("/api/v1/conversations/%d", num(c, "id")), nil), http.StatusOK)

		r = h.call(a.key, "POST", "/api/v1/followups", map[string]any{"personId": pid, "dueOn": "2026-11-20", "owes": "them", "note": "send her list of agents"})
		want(t, r, http.StatusCreated)
		fid := num(r.json(t), "id")
		r = h.call(a.key, "GET", "/api/v1/followups?owes=them&userId=me", nil)
		if items := r.json(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["personName"] != "Dana" {
			t.Fatalf("their promises = %s", r.body)
		}
		h.clock.Advance(24 * time.Hour) // Dana was worked today; tomorrow she is due
		r = h.call(a.key, "GET", "/api/v1/today", nil)
		want(t, r, http.StatusOK)
		today := r.json(t)
		items := today["items"].([]any)
		if len(items) != 1 || today["goal"].(map[string]any)["done"].(float64) != 1 {
			t.Fatalf("today = %s", r.body)
		}
		card := items[0].(map[string]any)["card"].(map[string]any)
		if len(card["facts"].([]any)) != 1 || len(card["questions"].([]any)) != 2 || card["lastConversation"] == nil {
			t.Errorf("card = %v", card)
		}
		want(t, h.call(a.key, "POST", fmt.Sprintf("/api/v1/followups/%d/done", fid), nil), http.StatusOK)
		want(t, h.call(a.key, "POST", fmt.Sprintf("/api/v1/followups/%d/cancel", fid), nil), http.StatusConflict)
		r = h.call(a.key, "GET", "/api/v1/followups?status=done", nil)
		if items := r.json(t)["items"].([]any); len(items) != 1 {
			t.Errorf("done follow-ups = %s", r.body)
		}
		want(t, h.call(a.key, "GET", "/api/v1/followups?status=someday", nil), http.StatusBadRequest)
		r = h.call(a.key, "GET", "/api/v1/users", nil)
		if items := r.json(t)["items"].([]any); len(items) != 2 {
			t.Errorf("users = %s", r.body)
		}
		r = h.call(a.key, "GET", "/api/v1/pipelines", nil)
		if items := r.json(t)["items"].([]any); len(items) != 2 {
			t.Errorf("pipelines = %s", r.body)
		}
	})
}

// TestOrganisationsNeverSeeEachOther calls every API route that takes an
// id with organisation A's real ids and organisation B's key.
func TestOrganisationsNeverSeeEachOther(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a, b := h.tenant("alpha"), h.tenant("bravo")
		r := h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Zelda", "lastName": "Secretkeeper", "emails": []map[string]string{{"address": "zelda@alpha.test"}}})
		pid := num(r.json(t), "id")
		r = h.call(a.key, "POST", "/api/v1/conversations", map[string]any{"personId": pid, "channel": "call", "outcome": "live", "notes": "Confidential",
			"facts": []map[string]string{{"type": "fear", "text": "Afraid her ex will find out"}}, "followUp": map[string]string{"due": "tomorrow", "note": "private callback"}})
		lg := r.json(t)
		// Recruiting: a brokerage and its office with a signal, an agent
		// there from a production report, whom Zelda referred.
		r = h.call(a.key, "POST", "/api/v1/companies", map[string]any{"kind": "brokerage", "name": "Hushhush Realty", "market": "Covert Market"})
		brokerage := num(r.json(t), "id")
		r = h.call(a.key, "POST", "/api/v1/companies", map[string]any{"kind": "office", "name": "Hushhush Realty - Gold Coast", "parentId": brokerage})
		office := num(r.json(t), "id")
		r = h.call(a.key, "POST", fmt.Sprintf("/api/v1/companies/%d/signals", office), map[string]any{"on": "2026-11-20", "title": "Quiet merger talks"})
		signal := num(r.json(t), "id")
		rep := h.report(a.key, "2026-09-30", []map[string]any{{"mlsId": "X1", "firstName": "Xavier", "lastName": "Hiddenlister",
			"email": "xavier@alpha.test", "office": "Hushhush Realty - Gold Coast", "units": 30, "volume": 12_000_000}}, false)
		xavier := *rep.Results[0].PersonID
		want(t, h.call(a.key, "PATCH", fmt.Sprintf("/api/v1/people/%d", xavier), map[string]any{"referredById": pid}), http.StatusOK)
		// The review: A's agent keeps a call block.
		r = h.call(a.key, "POST", "/api/v1/blocks", map[string]any{"weekday": "tuesday", "start": "17:00", "end": "19:00"})
		want(t, r, http.StatusCreated)
		block := num(r.json(t), "id")
		// The playbook: A's owner edits a default and adds an objection of
		// A's own, which A's agent records on a conversation and practises,
		// and is assigned to practise.
		aOwner := h.key(a.org.ID, a.owner.ID)
		want(t, h.call(aOwner, "PUT", "/api/v1/playbook/objection/happy-here", map[string]any{"text": "Hushhush family here.",
			"responses": []string{"I hear you; Hushhush is rare. What do you like most?"}, "why": "Hushhush loyalty."}), http.StatusOK)
		r = h.call(aOwner, "POST", "/api/v1/playbook/objection", map[string]any{"audience": "clients", "text": "Hushhush commission is too high",
			"responses": []string{"I hear you; Hushhush fees add up. What would feel fair?"}})
		want(t, r, http.StatusCreated)
		ownKey := r.json(t)["key"].(string)
		want(t, h.call(a.key, "POST", "/api/v1/conversations", map[string]any{"personId": pid, "channel": "text", "objection": ownKey}),
			http.StatusCreated)
		want(t, h.call(a.key, "POST", "/api/v1/drills", map[string]any{"objection": ownKey, "response": "Hushhush: I hear you. What would feel fair?"}),
			http.StatusCreated)
		want(t, h.call(aOwner, "POST", "/api/v1/drills/assignments", map[string]any{"userId": a.agent.ID, "objections": []string{ownKey, "happy-here"},
			"note": "Hushhush drill"}), http.StatusCreated)

		// Intake: an event that names no one is held for A's owner to place.
		want(t, h.call(a.key, "POST", "/api/v1/events", map[string]any{"type": "Inquiry", "message": "Hushhush held lead"}), http.StatusBadRequest)
		r = h.call(aOwner, "GET", "/api/v1/events/held", nil)
		want(t, r, http.StatusOK)
		held := num(r.json(t)["items"].([]any)[0].(map[string]any), "id")

		ids := map[string]int64{"person": pid, "conversation": num(lg["conversation"].(map[string]any), "id"),
			"fact": num(lg["facts"].([]any)[0].(map[string]any), "id"), "followup": num(lg["followUp"].(map[string]any), "id"), "user": a.owner.ID,
			"company": office, "signal": signal, "block": block, "held": held}
		aKeys, _ := h.db.APIKeys(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID)
		ids["key"] = aKeys[0].ID
		ids["webhook"], ids["delivery"] = storetest.Webhook(t, h.db, rapport.Actor{Org: a.org.ID}, "alpha-secret-hook")
		ids["list"] = storetest.List(t, h.db, rapport.Member(a.org, a.owner), "Hushhush list")
		r = h.call(a.key, "POST", "/api/v1/me/app-passwords", map[string]any{"name": "Hushhush phone"})
		want(t, r, http.StatusCreated)
		ids["apppassword"] = num(r.json(t), "id")
		// What {id} is, by the path's first part. A route whose part is
		// missing here fails, so that no new route passes by answering 404
		// to an id of the wrong kind.
		kinds := map[string]string{"people": "person", "conversations": "conversation", "followups": "followup", "users": "user",
			"companies": "company", "signals": "signal", "blocks": "block", "events": "held", "keys": "key", "pond": "person", "outbox": "person", "inbox": "person",
			"webhooks": "webhook", "webhook-deliveries": "delivery", "me": "apppassword", "lists": "list"}
		// Bodies that would be accepted with A's own key.
		entry := map[string]any{"audience": "clients", "text": "Bravo's own objection", "responses": []string{"I hear you. What would help?"}}
		bodies := map[string]any{
			"POST /api/v1/pond/{id}/claim":                nil,
			"POST /api/v1/inbox/{id}/assign":              map[string]any{"person": "nobody@example.com"},
			"POST /api/v1/inbox/{id}/lead":                nil,
			"POST /api/v1/inbox/{id}/dismiss":             nil,
			"POST /api/v1/outbox/{id}/retry":              nil,
			"POST /api/v1/playbook/{kind}":                entry,
			"POST /api/v1/playbook/{kind}/{key}/retire":   nil,
			"POST /api/v1/playbook/{kind}/{key}/restore":  nil,
			"PATCH /api/v1/people/{id}":                   map[string]any{"firstName": "Hijacked"},
			"PATCH /api/v1/companies/{id}":                map[string]any{"name": "Hijacked"},
			"POST /api/v1/companies/{id}/signals":         map[string]any{"on": "2026-11-20", "title": "planted"},
			"POST /api/v1/people/{id}/facts":              map[string]any{"type": "fear", "text": "planted"},
			"POST /api/v1/people/{id}/archive":            nil,
			"POST /api/v1/people/{id}/restore":            nil,
			"POST /api/v1/followups/{id}/done":            nil,
			"POST /api/v1/followups/{id}/cancel":          nil,
			"POST /api/v1/events/held/{id}/attach":        map[string]any{"person": map[string]any{"firstName": "Hijacker"}},
			"POST /api/v1/events/held/{id}/dismiss":       nil,
			"PATCH /api/v1/users/{id}":                    map[string]any{"role": "agent"},
			"POST /api/v1/users/{id}/disable":             map[string]any{"handTo": a.agent.ID},
			"POST /api/v1/users/{id}/enable":              nil,
			"POST /api/v1/users/{id}/reset":               nil,
			"POST /api/v1/keys/{id}/revoke":               nil,
			"PATCH /api/v1/webhooks/{id}":                 map[string]any{"url": "https://hooks.invalid/hijacked"},
			"POST /api/v1/webhooks/{id}/secret":           nil,
			"POST /api/v1/webhooks/{id}/ping":             nil,
			"POST /api/v1/webhooks/{id}/replay":           nil,
			"POST /api/v1/webhook-deliveries/{id}/replay": nil,
		}
		leaks := []string{"Zelda", "Secretkeeper", "Confidential", "Afraid", "private callback", "alpha.test", "alpha-secret-hook",
			"Hushhush", "Covert Market", "Quiet merger", "Xavier", "Hiddenlister"}
		// What a route answers when it is not 404: B making a playbook
		// entry of its own is B's business. PUT with A's key makes B's own
		// entry, which B could then retire and reset, so checkPlaybookApart
		// tries it after the others.
		statuses := map[string]int{"POST /api/v1/playbook/{kind}": http.StatusCreated}
		const putEntry = "PUT /api/v1/playbook/{kind}/{key}"
		// With B's owner's key, which may do everything in B, only the
		// organisation keeps A's things from B.
		bOwner := h.key(b.org.ID, b.owner.ID)
		srv := api.New(api.Options{DB: h.db})
		checked := 0
		for _, route := range srv.Routes() {
			method, path, _ := strings.Cut(route, " ")
			if !strings.Contains(path, "{") || route == putEntry {
				continue
			}
			if strings.Contains(path, "{id}") {
				kind, ok := kinds[strings.Split(path, "/")[3]]
				if !ok {
					t.Errorf("%s: say what its {id} is", route)
					continue
				}
				path = strings.ReplaceAll(path, "{id}", fmt.Sprint(ids[kind]))
				path = strings.ReplaceAll(path, "{fid}", fmt.Sprint(ids["fact"]))
			}
			// Playbook entries are named by kind and key: A's own
			// objection.
			path = strings.ReplaceAll(path, "{kind}", "objection")
			path = strings.ReplaceAll(path, "{key}", ownKey)
			if strings.Contains(path, "{") {
				t.Errorf("%s: no rule for its path values", route)
				continue
			}
			body, ok := bodies[route]
			if !ok && method != "GET" && method != "DELETE" {
				t.Errorf("%s: no body to send", route)
			}
			r := h.call(bOwner, method, path, body)
			checked++
			status, ok := statuses[route]
			if !ok {
				status = http.StatusNotFound
			}
			if r.status != status {
				t.Errorf("%s with A's ids: %d, want %d", route, r.status, status)
			}
			for _, leak := range leaks {
				if strings.Contains(string(r.body), leak) {
					t.Errorf("%s leaks %q", route, leak)
				}
			}
		}
		if checked < 25 {
			t.Fatalf("only %d routes checked", checked)
		}
		for _, path := range []string{"/api/v1/people?q=zelda", "/api/v1/conversations", "/api/v1/followups", "/api/v1/today", "/api/v1/users",
			"/api/v1/conversations?personId=" + fmt.Sprint(pid), "/api/v1/followups?personId=" + fmt.Sprint(pid),
			"/api/v1/companies", "/api/v1/companies?q=hushhush", "/api/v1/companies?market=Covert%20Market", "/api/v1/prospects",
			"/api/v1/prospects?market=Covert%20Market", "/api/v1/referrals", "/api/v1/people?q=xavier", "/api/v1/blocks",
			"/api/v1/drills", "/api/v1/drills/assignments", "/api/v1/events/held", "/api/v1/events/held?resolved=true"} {
			key := b.key
			if strings.HasPrefix(path, "/api/v1/events/held") {
				key = bOwner // held events are for owners and managers
			}
			r := h.call(key, "GET", path, nil)
			want(t, r, http.StatusOK)
			for _, leak := range leaks {
				if strings.Contains(string(r.body), leak) {
					t.Errorf("%s leaks %q", path, leak)
				}
			}
			if items := r.json(t)["items"].([]any); path != "/api/v1/users" && len(items) != 0 {
				t.Errorf("%s lists %d of A's", path, len(items))
			}
		}
		for _, path := range []string{fmt.Sprintf("/api/v1/prospects?company=%d", office), fmt.Sprintf("/api/v1/prospects?company=%d", brokerage)} {
			if r := h.call(b.key, "GET", path, nil); r.status != http.StatusNotFound {
				t.Errorf("%s: %d, want 404", path, r.status)
			}
		}
		h.checkReportsApart(a, b, leaks)
		// B's keys are B's; A's owner and A's key are as they were.
		r = h.call(bOwner, "GET", "/api/v1/keys", nil)
		want(t, r, http.StatusOK)
		for _, it := range r.json(t)["items"].([]any) {
			if name, _ := it.(map[string]any)["userName"].(string); !strings.HasSuffix(name, " bravo") {
				t.Errorf("B's keys: %s", r.body)
			}
		}
		if u, _ := h.db.User(ctx, rapport.Actor{Org: a.org.ID}, a.owner.ID); !u.Active() || u.Role != rapport.RoleOwner {
			t.Errorf("A's owner was changed: %+v", u)
		}
		if k, _ := h.db.APIKeys(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID); !k[0].RevokedAt.IsZero() {
			t.Error("A's key was revoked")
		}
		// B cannot hang an office under A's brokerage, nor reach A's agent
		// through a production report: the same MLS id and email make
		// someone new in B.
		r = h.call(b.key, "POST", "/api/v1/companies", map[string]any{"kind": "office", "name": "Trojan", "parentId": brokerage})
		want(t, r, http.StatusBadRequest)
		if strings.Contains(string(r.body), "Hushhush") {
			t.Errorf("refusal leaks: %s", r.body)
		}
		rep = h.report(b.key, "2026-10-31", []map[string]any{{"mlsId": "X1", "firstName": "Planted", "email": "xavier@alpha.test",
			"office": "Hushhush Realty - Gold Coast", "units": 1, "volume": 1}}, false)
		if rep.Created != 1 || *rep.Results[0].PersonID == xavier {
			t.Errorf("B's report reached A's agent: %+v", rep)
		}
		if x, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, xavier); x.FirstName != "Xavier" || x.Units12m != 30 || x.ProductionPeriod != "2026-09-30" || x.Company == nil || x.Company.ID != office {
			t.Errorf("A's agent changed: %+v", x)
		}
		if c, _ := h.db.Company(ctx, rapport.Actor{Org: a.org.ID}, office); c == nil || c.Name != "Hushhush Realty - Gold Coast" || c.ParentID != brokerage {
			t.Errorf("A's office changed: %+v", c)
		}
		if _, err := h.db.Signal(ctx, rapport.Actor{Org: a.org.ID}, signal); err != nil {
			t.Errorf("A's signal: %v", err)
		}
		if hist, _ := h.db.ProductionHistory(ctx, rapport.Actor{Org: a.org.ID}, xavier); len(hist) != 1 {
			t.Errorf("A's agent has %d periods", len(hist))
		}
		// Conversations and follow-ups cannot be attached to A's person by B.
		want(t, h.call(b.key, "POST", "/api/v1/conversations", map[string]any{"personId": pid, "channel": "text"}), http.StatusNotFound)
		want(t, h.call(b.key, "POST", "/api/v1/followups", map[string]any{"personId": pid, "due": "tomorrow"}), http.StatusNotFound)
		got, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, pid)
		if got.FirstName != "Zelda" {
			t.Errorf("A's person changed: %+v", got)
		}
		page, _ := h.db.ListPeople(ctx, rapport.Actor{Org: b.org.ID}, store.PeopleFilter{})
		if len(page.People) != 1 || page.People[0].FirstName != "Planted" { // B's own, from its report
			t.Errorf("B has %+v", page.People)
		}
		h.checkPlaybookApart(a, b, pid, ownKey, leaks)
	})
}

// checkReportsApart reads B's reports with B's owner's key (the team's
// figures included) and finds nothing of A's, whose agent has a live
// conversation and a call block this week; A's users are not B's to ask
// for, and B's blocks do not meet A's.
func (h *harness) checkReportsApart(a, b *tenant, leaks []string) {
	t := h.t
	t.Helper()
	// A's own team review has the work B must not see.
	if r := h.call(h.key(a.org.ID, a.owner.ID), "GET", "/api/v1/reports/review?team=true", nil); !strings.Contains(string(r.body), `"key":"live","name":"Live conversations","done":1`) ||
		!strings.Contains(string(r.body), `"blockId":`) {
		t.Fatalf("A's review: %s", r.body)
	}
	owner := h.key(b.org.ID, b.owner.ID)
	leaks = append(leaks, "Owner alpha", "Agent alpha")
	for _, path := range []string{"/api/v1/reports/review", "/api/v1/reports/review?team=true", "/api/v1/reports/review?team=true&format=csv",
		"/api/v1/reports/funnel?team=true", "/api/v1/reports/funnel?team=true&format=csv",
		"/api/v1/reports/leaderboard", "/api/v1/reports/leaderboard?format=csv",
		"/api/v1/reports/objections?team=true", "/api/v1/reports/objections?team=true&format=csv"} {
		r := h.call(owner, "GET", path, nil)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d %s", path, r.status, r.body)
			continue
		}
		for _, leak := range leaks {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("%s leaks %q", path, leak)
			}
		}
		for _, id := range []int64{a.owner.ID, a.agent.ID} {
			if strings.Contains(string(r.body), fmt.Sprintf(`"id":%d,`, id)) || strings.Contains(string(r.body), fmt.Sprintf(`"userIds":[%d`, id)) {
				t.Errorf("%s names A's user %d: %s", path, id, r.body)
			}
		}
		if strings.Contains(path, "format=csv") {
			continue
		}
		var rep struct {
			Measures   []struct{ Done int }
			Blocks     []any
			Total      *struct{ Attempted int }
			HeatMap    *struct{ Attempts int }
			Rows       []struct{ Live int }
			Objections []any
		}
		json.Unmarshal(r.body, &rep)
		for _, m := range rep.Measures {
			if m.Done != 0 {
				t.Errorf("%s counts A's work: %s", path, r.body)
			}
		}
		if len(rep.Blocks) != 0 || len(rep.Objections) != 0 || (rep.Total != nil && rep.Total.Attempted != 0) || (rep.HeatMap != nil && rep.HeatMap.Attempts != 0) {
			t.Errorf("%s shows A's: %s", path, r.body)
		}
		for _, row := range rep.Rows {
			if row.Live != 0 {
				t.Errorf("%s counts A's live conversation: %s", path, r.body)
			}
		}
		if path == "/api/v1/reports/leaderboard" && len(rep.Rows) != 2 {
			t.Errorf("%s ranks %d users", path, len(rep.Rows))
		}
	}
	for _, path := range []string{"/api/v1/reports/review?user=%d", "/api/v1/reports/funnel?user=%d", "/api/v1/reports/objections?user=%d"} {
		for _, id := range []int64{a.owner.ID, a.agent.ID} {
			p := fmt.Sprintf(path, id)
			if r := h.call(owner, "GET", p, nil); r.status != http.StatusNotFound {
				t.Errorf("%s with A's user: %d, want 404", p, r.status)
			}
		}
	}
	// B's agent may take the same hours as A's: blocks overlap only with
	// one's own.
	want(t, h.call(b.key, "POST", "/api/v1/blocks", map[string]any{"weekday": "tuesday", "start": "17:00", "end": "19:00"}), http.StatusCreated)
}

// checkPlaybookApart: B's playbook is the defaults (and B's own), B
// cannot build a guide for A's person, practise or record A's own
// objection, nor assign drills to A's users or read theirs; B saving an
// entry with the key of A's own makes B's own, and A's stays as it was.
func (h *harness) checkPlaybookApart(a, b *tenant, pid int64, ownKey string, leaks []string) {
	t := h.t
	t.Helper()
	owner := h.key(b.org.ID, b.owner.ID)
	noLeak := func(what string, r reply) {
		t.Helper()
		for _, leak := range leaks {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("%s leaks %q", what, leak)
			}
		}
	}
	r := h.call(owner, "GET", "/api/v1/playbook?retired=true", nil)
	want(t, r, http.StatusOK)
	noLeak("B's playbook", r)
	for _, e := range decodeAs[struct{ Items []entryBody }](t, r).Items {
		if e.Edited || e.Retired || e.Key == ownKey || e.Custom && e.Text != "Bravo's own objection" {
			t.Errorf("B's playbook has %+v", e)
		}
	}
	r = h.call(b.key, "GET", fmt.Sprintf("/api/v1/playbook/guide?person=%d", pid), nil)
	want(t, r, http.StatusNotFound)
	noLeak("A's person's guide", r)
	r = h.call(b.key, "POST", "/api/v1/people", map[string]any{"firstName": "Bea"})
	want(t, r, http.StatusCreated)
	bea := num(r.json(t), "id")
	r = h.call(b.key, "POST", "/api/v1/conversations", map[string]any{"personId": bea, "channel": "call", "outcome": "live", "objection": ownKey})
	want(t, r, http.StatusBadRequest)
	if r.errField() != "objection" {
		t.Errorf("recording A's objection: %s", r.body)
	}
	want(t, h.call(b.key, "POST", "/api/v1/drills", map[string]any{"objection": ownKey, "response": "I hear you. What would help?"}), http.StatusNotFound)
	r = h.call(owner, "POST", "/api/v1/drills/assignments", map[string]any{"userId": b.agent.ID, "objections": []string{ownKey}})
	want(t, r, http.StatusBadRequest)
	if r.errField() != "objections" {
		t.Errorf("assigning A's objection: %s", r.body)
	}
	for _, id := range []int64{a.owner.ID, a.agent.ID} {
		want(t, h.call(owner, "POST", "/api/v1/drills/assignments", map[string]any{"userId": id, "objections": []string{"happy-here"}}), http.StatusNotFound)
		r = h.call(owner, "GET", fmt.Sprintf("/api/v1/drills/assignments?user=%d", id), nil)
		want(t, r, http.StatusNotFound)
		noLeak("A's user's assignments", r)
	}
	// B's own entry under the key of A's.
	r = h.call(owner, "PUT", "/api/v1/playbook/objection/"+ownKey, map[string]any{"audience": "recruits", "text": "Bravo's way",
		"responses": []string{"Fair enough. What matters most to you?"}})
	want(t, r, http.StatusCreated)
	noLeak("B's entry with A's key", r)
	if e := decodeAs[entryBody](t, r); !e.Custom || e.Text != "Bravo's way" || len(e.Responses) != 1 {
		t.Errorf("B's entry = %s", r.body)
	}
	pb, err := h.db.Playbook(ctx, rapport.Actor{Org: a.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := pb.Find(rapport.EntryObjection, ownKey); e.Text != "Hushhush commission is too high" || e.Audience != rapport.AudienceClients || e.Retired {
		t.Errorf("A's own objection = %+v", e)
	}
	if e, _ := pb.Find(rapport.EntryObjection, "happy-here"); e.Text != "Hushhush family here." || e.Retired {
		t.Errorf("A's happy-here = %+v", e)
	}
	if ds, _ := h.db.DrillHistory(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID, 10); len(ds) != 1 {
		t.Errorf("A's agent's drills: %d", len(ds))
	}
	if as, _ := h.db.DrillAssignments(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID); len(as) != 1 || as[0].Note != "Hushhush drill" {
		t.Errorf("A's agent's assignments: %+v", as)
	}
}
