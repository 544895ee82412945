package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// entryBody is a playbook entry as the API answers it.
type entryBody struct {
	Kind, Key, Audience, Text, Uncovers, FactType string
	Responses                                     []string
	Why                                           *string
	Custom, Edited, Retired                       bool
}

func (e entryBody) flags() string {
	return fmt.Sprintf("custom=%v edited=%v retired=%v", e.Custom, e.Edited, e.Retired)
}

func decodeAs[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("not JSON (%d): %s", r.status, r.body)
	}
	return v
}

// playbook lists the playbook as the key sees it, with the query.
func (h *harness) playbook(key, query string) []entryBody {
	h.t.Helper()
	r := h.call(key, "GET", "/api/v1/playbook"+query, nil)
	want(h.t, r, http.StatusOK)
	return decodeAs[struct{ Items []entryBody }](h.t, r).Items
}

func entryKeys(es []entryBody) string {
	var ks []string
	for _, e := range es {
		ks = append(ks, e.Key)
	}
	return strings.Join(ks, " ")
}

func TestPlaybookPerOrganisation(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a, b := h.tenant("acme"), h.tenant("other")
		owner := h.key(a.org.ID, a.owner.ID)

		// The defaults: 20 questions and 12 objections, none changed.
		all := h.playbook(a.key, "")
		if len(all) != 32 {
			t.Fatalf("%d entries", len(all))
		}
		for _, e := range all {
			if e.Custom || e.Edited || e.Retired {
				t.Errorf("default %s: %s", e.Key, e.flags())
			}
			if e.Kind == "question" && (e.Uncovers == "" || e.FactType == "" || e.Responses != nil || e.Why != nil) ||
				e.Kind == "objection" && (e.Uncovers != "" || len(e.Responses) == 0 || e.Why == nil || *e.Why == "") {
				t.Errorf("default %+v", e)
			}
		}
		if q := h.playbook(a.key, "?audience=clients&kind=question")[8]; q.Key != "c-curiosity-what" || q.Uncovers != "curiosity" || q.FactType != "motivation" {
			t.Errorf("a curiosity question = %+v", q)
		}
		wantRecruitObjections := "retire-here happy-here whats-your-split no-time too-much-hassle broker-takes-care"
		if got := entryKeys(h.playbook(a.key, "?audience=recruits&kind=objection")); got != wantRecruitObjections {
			t.Errorf("recruit objections = %s", got)
		}
		for q, field := range map[string]string{"?audience=buyers": "audience", "?kind=tip": "kind", "?retired=yes": "retired"} {
			r := h.call(a.key, "GET", "/api/v1/playbook"+q, nil)
			want(t, r, http.StatusBadRequest)
			if r.errField() != field {
				t.Errorf("%s: field %q", q, r.errField())
			}
		}

		// Agents read the playbook but do not change it.
		family := map[string]any{"text": "We're a family here.", "responses": []string{"That makes sense; a team that feels like family is rare. What makes it feel that way?"},
			"why": "Family is loyalty."}
		for _, c := range []struct{ method, path string }{{"PUT", "/playbook/objection/happy-here"}, {"POST", "/playbook/objection"},
			{"POST", "/playbook/objection/no-time/retire"}, {"POST", "/playbook/objection/no-time/restore"}, {"DELETE", "/playbook/objection/no-time"}} {
			want(t, h.call(a.key, c.method, "/api/v1"+c.path, map[string]any{"audience": "recruits", "text": "x", "responses": []string{"x"}}), http.StatusForbidden)
		}

		// Editing a default keeps its audience when none is sent.
		r := h.call(owner, "PUT", "/api/v1/playbook/objection/happy-here", family)
		want(t, r, http.StatusOK)
		if e := decodeAs[entryBody](t, r); e.Text != "We're a family here." || e.Audience != "recruits" || !e.Edited || e.Custom || *e.Why != "Family is loyalty." {
			t.Errorf("edited = %s", r.body)
		}
		r = h.call(owner, "PUT", "/api/v1/playbook/objection/happy-here", map[string]any{"text": " ", "responses": []string{" "}, "audience": "agents"})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "text", "responses", "audience")
		want(t, h.call(owner, "PUT", "/api/v1/playbook/objection/happy-here", `{"text": "x", "responses": ["y"], "colour": "red"}`), http.StatusBadRequest)
		want(t, h.call(owner, "PUT", "/api/v1/playbook/tip/happy-here", family), http.StatusNotFound)
		r = h.call(owner, "PUT", "/api/v1/playbook/objection/Not%20a%20key", map[string]any{"audience": "clients", "text": "x", "responses": []string{"y"}})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "key")

		// The other organisation keeps the default.
		r = h.call(b.key, "GET", "/api/v1/playbook/objection/happy-here", nil)
		want(t, r, http.StatusOK)
		if e := decodeAs[entryBody](t, r); e.Text != "I'm happy where I am." || e.Edited {
			t.Errorf("the other organisation's happy-here = %s", r.body)
		}

		// A new question with a key of one's own, and an objection whose
		// key comes from its text.
		r = h.call(owner, "PUT", "/api/v1/playbook/question/c-dream-home", map[string]any{"audience": "clients", "uncovers": "passion",
			"text": "If money were no object, what would your dream home have?", "responses": []string{"ignored"}})
		want(t, r, http.StatusCreated)
		if e := decodeAs[entryBody](t, r); !e.Custom || e.Edited || e.FactType != "passion" || e.Responses != nil ||
			r.header.Get("Location") != "/api/v1/playbook/question/c-dream-home" {
			t.Errorf("own question = %s (%s)", r.body, r.header.Get("Location"))
		}
		r = h.call(owner, "POST", "/api/v1/playbook/objection", map[string]any{"audience": "clients", "text": "Your commission is too high!",
			"responses": []string{"I hear you; it's a lot of money. What would you want to see for it?"}})
		want(t, r, http.StatusCreated)
		own := decodeAs[entryBody](t, r)
		if own.Key != "own-your-commission-is-too-high" || !own.Custom || r.header.Get("Location") != "/api/v1/playbook/objection/"+own.Key {
			t.Errorf("own objection = %s", r.body)
		}
		r = h.call(owner, "POST", "/api/v1/playbook/question", map[string]any{"audience": "clients", "text": "Why?"})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "uncovers")
		if got := entryKeys(h.playbook(a.key, "?audience=clients&kind=objection")); !strings.HasSuffix(got, "sell-ourselves own-your-commission-is-too-high") {
			t.Errorf("own entries come after the defaults: %s", got)
		}

		// Retire and restore; retired entries are listed only when asked
		// for, and an entry already so is left alone.
		for range 2 {
			r = h.call(owner, "POST", "/api/v1/playbook/objection/no-time/retire", nil)
			want(t, r, http.StatusOK)
			if e := decodeAs[entryBody](t, r); !e.Retired || e.Text != "I don't have time to talk." {
				t.Errorf("retired = %s", r.body)
			}
		}
		if got := entryKeys(h.playbook(a.key, "?audience=recruits&kind=objection")); strings.Contains(got, "no-time") {
			t.Errorf("a retired objection is listed: %s", got)
		}
		if got := entryKeys(h.playbook(a.key, "?audience=recruits&kind=objection&retired=true")); got != wantRecruitObjections {
			t.Errorf("with retired = %s", got)
		}
		// Editing a retired entry keeps it retired.
		r = h.call(owner, "PUT", "/api/v1/playbook/objection/no-time", map[string]any{"text": "No time.", "responses": []string{"That's fair; you're busy. When is a better time?"}})
		want(t, r, http.StatusOK)
		if e := decodeAs[entryBody](t, r); !e.Retired || e.Text != "No time." {
			t.Errorf("edited while retired = %s", r.body)
		}
		r = h.call(owner, "POST", "/api/v1/playbook/objection/no-time/restore", nil)
		want(t, r, http.StatusOK)
		if e := decodeAs[entryBody](t, r); e.Retired || e.Text != "No time." {
			t.Errorf("restored = %s", r.body)
		}
		r = h.call(owner, "POST", "/api/v1/playbook/objection/just-looking/restore", nil)
		want(t, r, http.StatusOK)
		if e := decodeAs[entryBody](t, r); e.Retired || e.Edited {
			t.Errorf("restoring a live default changed it: %s", r.body)
		}
		want(t, h.call(owner, "POST", "/api/v1/playbook/objection/no-such/retire", nil), http.StatusNotFound)
		want(t, h.call(owner, "POST", "/api/v1/playbook/question/happy-here/retire", nil), http.StatusNotFound)

		// Reset: the edit goes and the default is back; the own entry is
		// deleted; a default never changed is already reset.
		want(t, h.call(owner, "DELETE", "/api/v1/playbook/objection/happy-here", nil), http.StatusNoContent)
		r = h.call(a.key, "GET", "/api/v1/playbook/objection/happy-here", nil)
		if e := decodeAs[entryBody](t, r); e.Text != "I'm happy where I am." || e.Edited {
			t.Errorf("reset = %s", r.body)
		}
		want(t, h.call(owner, "DELETE", "/api/v1/playbook/objection/"+own.Key, nil), http.StatusNoContent)
		want(t, h.call(a.key, "GET", "/api/v1/playbook/objection/"+own.Key, nil), http.StatusNotFound)
		want(t, h.call(owner, "DELETE", "/api/v1/playbook/objection/whats-your-split", nil), http.StatusNoContent)
		want(t, h.call(owner, "DELETE", "/api/v1/playbook/objection/"+own.Key, nil), http.StatusNotFound)

		// None of it reached the other organisation.
		theirs := h.playbook(b.key, "?retired=true")
		if len(theirs) != 32 {
			t.Errorf("the other organisation has %d entries", len(theirs))
		}
		for _, e := range theirs {
			if e.Custom || e.Edited || e.Retired {
				t.Errorf("the other organisation's %s: %s", e.Key, e.flags())
			}
		}
	})
}

// guideBody is the conversation guide as the API answers it.
type guideBody struct {
	PersonID int64
	Audience string
	Groups   []struct {
		Uncovers, Label, FactType string
		Known                     bool
		Questions                 []entryBody
	}
	Objections []entryBody
}

func (g guideBody) order() string {
	var parts []string
	for _, gr := range g.Groups {
		known := ""
		if gr.Known {
			known = " (known)"
		}
		parts = append(parts, fmt.Sprintf("%s%s: %s", gr.Uncovers, known, entryKeys(gr.Questions)))
	}
	return strings.Join(parts, "; ")
}

func TestPlaybookGuide(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		owner := h.key(a.org.ID, a.owner.ID)
		r := h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Rae", "kind": "recruit"})
		rae := num(r.json(t), "id")
		r = h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Cal", "kind": "client"})
		cal := num(r.json(t), "id")
		// Rae's passion and fear are on record (and her family, which no
		// question group asks about).
		want(t, h.call(a.key, "POST", "/api/v1/conversations", map[string]any{"personId": rae, "channel": "call", "outcome": "live",
			"facts": []map[string]string{{"type": "passion", "text": "Sails on Lake Michigan"}, {"type": "fear", "text": "Losing her clients"},
				{"type": "family", "text": "Two teenagers"}}}), http.StatusCreated)
		want(t, h.call(owner, "POST", "/api/v1/playbook/objection/too-much-hassle/retire", nil), http.StatusOK)
		want(t, h.call(owner, "POST", "/api/v1/playbook/question/r-interest-learning/retire", nil), http.StatusOK)

		guide := func(pid int64) guideBody {
			t.Helper()
			r := h.call(a.key, "GET", fmt.Sprintf("/api/v1/playbook/guide?person=%d", pid), nil)
			want(t, r, http.StatusOK)
			return decodeAs[guideBody](t, r)
		}
		g := guide(rae)
		// Unknown first, in the guide's order; curiosity is never known.
		wantOrder := "interest: r-interest-grow; motivation: r-motivation-five r-motivation-missing; curiosity: r-curiosity-call r-curiosity-market; " +
			"passion (known): r-passion-business r-passion-best-deal; fear (known): r-fear-change r-fear-clients"
		if g.PersonID != rae || g.Audience != "recruits" || g.order() != wantOrder {
			t.Errorf("Rae's guide: %s %s\n%s\nwant\n%s", g.Audience, fmt.Sprint(g.PersonID), g.order(), wantOrder)
		}
		if g.Groups[0].Label != "Interests" || g.Groups[2].FactType != "motivation" {
			t.Errorf("groups = %+v", g.Groups)
		}
		if got := entryKeys(g.Objections); got != "retire-here happy-here whats-your-split no-time broker-takes-care" {
			t.Errorf("Rae's objections = %s", got)
		}
		g = guide(cal)
		if g.Audience != "clients" || !strings.HasPrefix(g.order(), "passion: c-passion-weekend c-passion-love; interest:") ||
			len(g.Objections) != 6 || g.Objections[0].Key != "just-looking" {
			t.Errorf("Cal's guide: %s %s, %d objections", g.Audience, g.order(), len(g.Objections))
		}
		want(t, h.call(a.key, "GET", "/api/v1/playbook/guide?person=999999", nil), http.StatusNotFound)
		for _, q := range []string{"", "?person=rae"} {
			r := h.call(a.key, "GET", "/api/v1/playbook/guide"+q, nil)
			want(t, r, http.StatusBadRequest)
			if r.errField() != "person" {
				t.Errorf("%q: field %q", q, r.errField())
			}
		}
	})
}

// objectionReport is the objection statistics as the API answers them.
type objectionReport struct {
	WeekStart  string
	Weeks      int
	From, To   time.Time
	UserIDs    []int64
	Objections []struct {
		Key, Text                                     string
		Count, Live, NextStep, Appointment, DoNotCall int
	}
}

func (o objectionReport) String() string {
	var parts []string
	for _, s := range o.Objections {
		parts = append(parts, fmt.Sprintf("%s %d live=%d next=%d appt=%d dnc=%d", s.Key, s.Count, s.Live, s.NextStep, s.Appointment, s.DoNotCall))
	}
	return strings.Join(parts, "; ")
}

func TestObjectionsOnConversations(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		owner := h.key(a.org.ID, a.owner.ID)
		person := func(name string) int64 {
			r := h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": name, "kind": "recruit"})
			want(t, r, http.StatusCreated)
			return num(r.json(t), "id")
		}
		rae, sol := person("Rae"), person("Sol")
		talk := func(key string, body map[string]any) map[string]any {
			t.Helper()
			if body["channel"] == nil {
				body["channel"] = "call"
			}
			r := h.call(key, "POST", "/api/v1/conversations", body)
			want(t, r, http.StatusCreated)
			h.clock.Advance(time.Minute)
			return r.json(t)["conversation"].(map[string]any)
		}
		// Five weeks back (the week of 19 October): Rae would retire first.
		talk(a.key, map[string]any{"personId": rae, "outcome": "live", "objection": "retire-here", "occurredAt": nov(1, 12, 0).AddDate(0, 0, -12)})
		// This week: happy-here three times (two went on live, one with a
		// next step; Sol then asked not to be called), the split once
		// (an appointment with a next step), a live call with none, and
		// the owner's no-time.
		c := talk(a.key, map[string]any{"personId": rae, "outcome": "live", "objection": "happy-here", "followUp": map[string]string{"due": "2w"}})
		if c["objection"] != "happy-here" {
			t.Errorf("conversation = %v", c)
		}
		talk(a.key, map[string]any{"personId": sol, "outcome": "live", "objection": "happy-here"})
		talk(a.key, map[string]any{"personId": sol, "outcome": "do_not_call", "objection": " happy-here "})
		talk(a.key, map[string]any{"personId": rae, "outcome": "appointment_set", "objection": "whats-your-split", "followUp": map[string]string{"due": "1w"}})
		if c = talk(a.key, map[string]any{"personId": rae, "outcome": "live"}); c["objection"] != nil {
			t.Errorf("no objection = %v", c["objection"])
		}
		talk(owner, map[string]any{"personId": rae, "outcome": "no_answer", "objection": "no-time"})
		r := h.call(a.key, "GET", fmt.Sprintf("/api/v1/conversations?personId=%d&limit=1", sol), nil)
		if items := r.json(t)["items"].([]any); items[0].(map[string]any)["objection"] != "happy-here" {
			t.Errorf("listed = %s", r.body)
		}

		// An unknown, a retired or a question's key is refused.
		want(t, h.call(owner, "POST", "/api/v1/playbook/objection/broker-takes-care/retire", nil), http.StatusOK)
		for _, key := range []string{"no-such", "broker-takes-care", "r-fear-change"} {
			r := h.call(a.key, "POST", "/api/v1/conversations", map[string]any{"personId": rae, "channel": "call", "outcome": "live", "objection": key})
			want(t, r, http.StatusBadRequest)
			if r.errField() != "objection" {
				t.Errorf("%s: field %q", key, r.errField())
			}
		}
		// The report shows the organisation's text for an edited objection.
		want(t, h.call(owner, "PUT", "/api/v1/playbook/objection/whats-your-split", map[string]any{"text": "What split do you pay?",
			"responses": []string{"Fair question. What split would make a move worth it?"}}), http.StatusOK)

		report := func(key, query string) objectionReport {
			t.Helper()
			r := h.call(key, "GET", "/api/v1/reports/objections"+query, nil)
			want(t, r, http.StatusOK)
			return decodeAs[objectionReport](t, r)
		}
		rep := report(a.key, "")
		wantAgent := "happy-here 3 live=2 next=1 appt=0 dnc=1; whats-your-split 1 live=1 next=1 appt=1 dnc=0"
		if rep.String() != wantAgent || rep.WeekStart != "2026-11-23" || rep.Weeks != 4 || !rep.From.Equal(nov(2, 0, 0)) || !rep.To.Equal(nov(30, 0, 0)) ||
			fmt.Sprint(rep.UserIDs) != fmt.Sprint([]int64{a.agent.ID}) {
			t.Errorf("agent's report = %s %+v", rep, rep)
		}
		if rep.Objections[0].Text != "I'm happy where I am." || rep.Objections[1].Text != "What split do you pay?" {
			t.Errorf("texts = %+v", rep.Objections)
		}
		if rep := report(a.key, "?weeks=6"); rep.String() != "happy-here 3 live=2 next=1 appt=0 dnc=1; retire-here 1 live=1 next=0 appt=0 dnc=0; whats-your-split 1 live=1 next=1 appt=1 dnc=0" {
			t.Errorf("six weeks = %s", rep)
		}
		if rep := report(a.key, "?week=2026-11-16&weeks=1"); len(rep.Objections) != 0 {
			t.Errorf("last week = %s", rep)
		}
		if rep := report(owner, "?team=true"); rep.String() != "happy-here 3 live=2 next=1 appt=0 dnc=1; no-time 1 live=0 next=0 appt=0 dnc=0; whats-your-split 1 live=1 next=1 appt=1 dnc=0" {
			t.Errorf("team = %s", rep)
		}
		if rep := report(owner, fmt.Sprintf("?user=%d", a.agent.ID)); rep.String() != wantAgent {
			t.Errorf("the agent's, for the owner = %s", rep)
		}
		if rep := report(a.key, fmt.Sprintf("?user=%d", a.agent.ID)); rep.String() != wantAgent {
			t.Errorf("the agent's own by id = %s", rep)
		}
		want(t, h.call(a.key, "GET", "/api/v1/reports/objections?team=true", nil), http.StatusForbidden)
		want(t, h.call(a.key, "GET", fmt.Sprintf("/api/v1/reports/objections?user=%d", a.owner.ID), nil), http.StatusForbidden)
		want(t, h.call(owner, "GET", "/api/v1/reports/objections?user=999999", nil), http.StatusNotFound)
		for q, field := range map[string]string{"?weeks=0": "weeks", "?weeks=53": "weeks", "?week=2026-12-07": "week", "?format=xml": "format"} {
			r := h.call(a.key, "GET", "/api/v1/reports/objections"+q, nil)
			want(t, r, http.StatusBadRequest)
			if r.errField() != field {
				t.Errorf("%s: field %q", q, r.errField())
			}
		}
		lines := csvReply(t, h.call(a.key, "GET", "/api/v1/reports/objections?format=csv", nil))
		wantCSV := []string{"Key,Objection,Times,Live,Next step set,Appointment,Do not call",
			"happy-here,I'm happy where I am.,3,2,1,0,1", "whats-your-split,What split do you pay?,1,1,1,1,0"}
		if strings.Join(lines, "\n") != strings.Join(wantCSV, "\n") {
			t.Errorf("CSV =\n%s", strings.Join(lines, "\n"))
		}
		if r := h.callAccept(a.key, "/api/v1/reports/objections", "text/csv"); !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
			t.Errorf("Accept: text/csv answered %s", r.header.Get("Content-Type"))
		}
	})
}

// drillBody is a practice response as the API answers it.
type drillBody struct {
	ID                       int64
	Objection, ObjectionText string
	Response                 string
	Score, OutOf, Words      int
	Good                     bool
	Passed                   []string
	Checks                   []struct {
		Key, Name, Message string
		Passed             bool
	}
	Exemplars []string
	Why       string
	CreatedAt time.Time
}

func (d drillBody) verdicts() string {
	var parts []string
	for _, c := range d.Checks {
		parts = append(parts, fmt.Sprintf("%s=%v", c.Key, c.Passed))
	}
	return strings.Join(parts, " ")
}

func TestDrills(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		owner := h.key(a.org.ID, a.owner.ID)
		practise := func(key, objection, response string) drillBody {
			t.Helper()
			r := h.call(key, "POST", "/api/v1/drills", map[string]string{"objection": objection, "response": response})
			want(t, r, http.StatusCreated)
			return decodeAs[drillBody](t, r)
		}
		// A poor response: it acknowledges, then argues with "but" and
		// asks a yes-or-no question.
		d := practise(a.key, "happy-here", "I understand, but we pay more. Want to switch?")
		if d.Score != 2 || d.OutOf != 4 || d.Good || d.Words != 9 || d.verdicts() != "acknowledge=true no_arguing=false open_question=false short=true" ||
			strings.Join(d.Passed, ",") != "acknowledge,short" || d.Objection != "happy-here" || d.ObjectionText != "I'm happy where I am." {
			t.Errorf("poor = %+v", d)
		}
		if !strings.Contains(d.Checks[1].Message, "“but”") || d.Checks[1].Name != "Doesn't argue" {
			t.Errorf("no-arguing check = %+v", d.Checks[1])
		}
		if len(d.Exemplars) != 2 || !strings.HasPrefix(d.Exemplars[0], "I'm glad to hear it") || d.Why == "" {
			t.Errorf("exemplars = %q, why %q", d.Exemplars, d.Why)
		}
		for body, field := range map[string]string{`{"objection": "happy-here", "response": "  "}`: "response", `{"response": "Hi"}`: "objection"} {
			r := h.call(a.key, "POST", "/api/v1/drills", body)
			want(t, r, http.StatusBadRequest)
			if r.errField() != field {
				t.Errorf("%s: field %q", body, r.errField())
			}
		}
		want(t, h.call(a.key, "POST", "/api/v1/drills", map[string]string{"objection": "no-such", "response": "Hi"}), http.StatusNotFound)

		// A good one the next day, to the organisation's own version.
		want(t, h.call(owner, "PUT", "/api/v1/playbook/objection/happy-here", map[string]any{"text": "We're a family here.",
			"responses": []string{"That makes sense; a team that feels like family is rare. What makes it feel that way?"}}), http.StatusOK)
		h.clock.Advance(24 * time.Hour)
		d = practise(a.key, "happy-here", "It sounds like you've found a good fit. What do you like most about it?")
		if d.Score != 4 || !d.Good || len(d.Passed) != 4 || len(d.Exemplars) != 1 || !strings.HasPrefix(d.Exemplars[0], "That makes sense; a team") || d.Why != "" {
			t.Errorf("good = %+v", d)
		}
		if !d.CreatedAt.Equal(h.clock.Now()) {
			t.Errorf("created %v", d.CreatedAt)
		}

		history := func(key, query string) (ds []drillBody, streak int) {
			t.Helper()
			r := h.call(key, "GET", "/api/v1/drills"+query, nil)
			want(t, r, http.StatusOK)
			body := decodeAs[struct {
				Items  []drillBody
				Next   *string
				Streak int
			}](t, r)
			if body.Next != nil {
				t.Errorf("next = %v", *body.Next)
			}
			return body.Items, body.Streak
		}
		ds, streak := history(a.key, "")
		if len(ds) != 2 || ds[0].Score != 4 || ds[1].Score != 2 || ds[0].ObjectionText != "We're a family here." || streak != 2 ||
			strings.Join(ds[1].Passed, ",") != "acknowledge,short" || ds[0].Checks != nil {
			t.Errorf("history = %+v, streak %d", ds, streak)
		}
		if ds, _ := history(a.key, "?limit=1"); len(ds) != 1 || ds[0].Score != 4 {
			t.Errorf("limit 1 = %+v", ds)
		}
		want(t, h.call(a.key, "GET", "/api/v1/drills?limit=0", nil), http.StatusBadRequest)
		if ds, streak := history(owner, ""); len(ds) != 0 || streak != 0 {
			t.Errorf("the owner's history = %+v, streak %d", ds, streak)
		}
		// The streak lasts through a day without practice, not two.
		h.clock.Advance(24 * time.Hour)
		if _, streak := history(a.key, ""); streak != 2 {
			t.Errorf("the next day's streak = %d", streak)
		}
		h.clock.Advance(24 * time.Hour)
		if _, streak := history(a.key, ""); streak != 0 {
			t.Errorf("two days later, streak = %d", streak)
		}
	})
}

func TestDrillAssignments(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		owner := h.key(a.org.ID, a.owner.ID)
		set := map[string]any{"userId": a.agent.ID, "objections": []string{"happy-here", "whats-your-split"}, "note": " Before Friday "}
		want(t, h.call(a.key, "POST", "/api/v1/drills/assignments", set), http.StatusForbidden)
		r := h.call(owner, "POST", "/api/v1/drills/assignments", set)
		want(t, r, http.StatusCreated)
		as := r.json(t)
		if num(as, "userId") != a.agent.ID || num(as, "assignedById") != a.owner.ID || fmt.Sprint(as["objections"]) != "[happy-here whats-your-split]" ||
			as["note"] != "Before Friday" {
			t.Errorf("assigned = %s", r.body)
		}
		want(t, h.call(owner, "POST", "/api/v1/playbook/objection/no-time/retire", nil), http.StatusOK)
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"objections": []string{"happy-here"}}, "userId"},
			{map[string]any{"userId": a.agent.ID, "objections": []string{}}, "objections"},
			{map[string]any{"userId": a.agent.ID, "objections": []string{"happy-here", "no-such"}}, "objections"},
			{map[string]any{"userId": a.agent.ID, "objections": []string{"no-time"}}, "objections"},
			{map[string]any{"userId": a.agent.ID, "objections": []string{"happy-here"}, "note": strings.Repeat("x", 501)}, "note"},
		} {
			r := h.call(owner, "POST", "/api/v1/drills/assignments", c.body)
			want(t, r, http.StatusBadRequest)
			if r.errField() != c.field {
				t.Errorf("%v: field %q (%s)", c.body, r.errField(), r.body)
			}
		}
		want(t, h.call(owner, "POST", "/api/v1/drills/assignments", map[string]any{"userId": 999999, "objections": []string{"happy-here"}}), http.StatusNotFound)

		list := func(key, query string) []map[string]any {
			t.Helper()
			r := h.call(key, "GET", "/api/v1/drills/assignments"+query, nil)
			want(t, r, http.StatusOK)
			var out []map[string]any
			for _, it := range r.json(t)["items"].([]any) {
				out = append(out, it.(map[string]any))
			}
			return out
		}
		if mine := list(a.key, ""); len(mine) != 1 || mine[0]["note"] != "Before Friday" {
			t.Errorf("the agent's = %v", mine)
		}
		if mine := list(a.key, fmt.Sprintf("?user=%d", a.agent.ID)); len(mine) != 1 {
			t.Errorf("the agent's by id = %v", mine)
		}
		if theirs := list(owner, fmt.Sprintf("?user=%d", a.agent.ID)); len(theirs) != 1 {
			t.Errorf("the agent's, for the owner = %v", theirs)
		}
		if mine := list(owner, ""); len(mine) != 0 {
			t.Errorf("the owner's = %v", mine)
		}
		want(t, h.call(a.key, "GET", fmt.Sprintf("/api/v1/drills/assignments?user=%d", a.owner.ID), nil), http.StatusForbidden)
		want(t, h.call(owner, "GET", "/api/v1/drills/assignments?user=abc", nil), http.StatusNotFound)
	})
}
