package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// person creates someone of kind owned by owner.
func (h *harness) person(o *orgFixture, owner *rapport.User, first string, kind rapport.Kind) *rapport.Person {
	h.t.Helper()
	sum := 0
	for _, r := range first {
		sum += int(r)
	}
	p := &rapport.Person{FirstName: first, LastName: "Test", Kind: kind, OwnerID: owner.ID, Source: "Website",
		Phones: []rapport.Phone{{Number: fmt.Sprintf("+131255501%02d", sum%100)}}}
	if err := h.db.CreatePerson(ctx, rapport.Member(o.org, owner), p); err != nil {
		h.t.Fatal(err)
	}
	return p
}

func conversations(t *testing.T, h *harness, orgID, personID int64) []store.TimelineItem {
	t.Helper()
	items, err := h.db.Timeline(ctx, rapport.Actor{Org: orgID}, personID)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.TimelineItem
	for _, it := range items {
		if it.Kind == store.TimelineConversation {
			out = append(out, it)
		}
	}
	return out
}

// fragment is the part of a page from the element with id to the end of
// its fieldset or section.
func fragment(body, id, end string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	body = body[i:]
	if j := strings.Index(body, end); j >= 0 {
		return body[:j]
	}
	return body
}

// TestGuideAnswersAndObjectionRecorded answers guide questions in the call
// session: each answer becomes a fact of the type its question uncovers
// (curiosity a motivation), and the objection chosen is recorded on the
// conversation. A bad objection is refused on its field with nothing lost.
func TestGuideAnswersAndObjectionRecorded(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		p := h.person(a, a.agent, "Gina", rapport.KindLead)
		c := h.signedIn(a.agent.Email)
		path := "/call/" + strconv.FormatInt(p.ID, 10)

		res := c.get(path)
		wantStatus(t, res, http.StatusOK)
		guide := fragment(res.body, "guide", "</fieldset>")
		wantBody(t, response{body: guide}, "What does a perfect Saturday look like for you?", `name="ask.c-passion-weekend"`,
			`name="ask.c-curiosity-what"`, "saved as passion")
		if strings.Contains(guide, "r-passion-business") {
			t.Error("a client's guide offers the recruits' questions")
		}
		objs := fragment(res.body, "objection", "</fieldset>")
		wantBody(t, response{body: objs}, `value="just-looking"`, "We&#39;re just looking.", "Agreeing with their pace")
		if strings.Contains(objs, "retire-here") {
			t.Error("a client's call offers the recruits' objections")
		}

		res = c.post(path, url.Values{"outcome": {"live"}, "due": {"none"}, "skip": {""}, "phone_id": {strconv.FormatInt(p.Phones[0].ID, 10)},
			"ask.c-passion-weekend": {"Sailing on Lake Michigan"}, "ask.c-curiosity-what": {"The garden for her dogs"},
			"ask.c-fear-worry": {"  "}, "objection": {"just-looking"}})
		wantStatus(t, res, http.StatusSeeOther)
		convs := conversations(t, h, a.org.ID, p.ID)
		if len(convs) != 1 {
			t.Fatalf("%d conversations", len(convs))
		}
		conv, err := h.db.Conversation(ctx, rapport.Actor{Org: a.org.ID}, convs[0].Conversation.ID)
		if err != nil || conv.Objection != "just-looking" {
			t.Fatalf("conversation objection = %q, %v", conv.Objection, err)
		}
		facts, _ := h.db.Facts(ctx, rapport.Actor{Org: a.org.ID}, p.ID)
		got := map[string]rapport.FactType{}
		for _, f := range facts {
			got[f.Text] = f.Type
			if f.ConversationID != conv.ID {
				t.Errorf("fact %q not learned in the conversation", f.Text)
			}
		}
		if len(facts) != 2 || got["Sailing on Lake Michigan"] != rapport.FactPassion || got["The garden for her dogs"] != rapport.FactMotivation {
			t.Errorf("facts = %v", got)
		}

		// Known groups fold and go after the unknown ones.
		res = c.get(path)
		guide = fragment(res.body, "guide", "</fieldset>")
		if !strings.Contains(guide, `<details class="guide-group known">`) || strings.Index(guide, "Passions") < strings.Index(guide, "Fears") {
			t.Errorf("the known passion group is not folded at the end:\n%s", guide)
		}

		// A bad objection: the error on the field, everything typed kept.
		before := len(conversations(t, h, a.org.ID, p.ID))
		for key, msg := range map[string]string{"no-such-thing": "Choose an objection from the playbook.", "retire-here": "That objection is for recruits"} {
			res = c.post("/people/"+strconv.FormatInt(p.ID, 10)+"/log", url.Values{"channel": {"call"}, "direction": {"outbound"}, "outcome": {"live"},
				"notes": {"keep me"}, "ask.c-fear-worry": {"Losing the deposit"}, "objection": {key}, "due": {"none"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			if !strings.Contains(fragment(res.body, "objection", "</fieldset>"), msg) {
				t.Errorf("%s: %q not on the objection field", key, msg)
			}
			wantBody(t, res, "Nothing was saved", ">keep me</textarea>", `value="Losing the deposit"`)
		}
		if n := len(conversations(t, h, a.org.ID, p.ID)); n != before {
			t.Errorf("%d conversations after refused forms, want %d", n, before)
		}

		// A recruit gets the recruits' guide and objections, and a bad
		// answer (too long) lands on its question.
		r := h.person(a, a.agent, "Rex", rapport.KindRecruit)
		rpath := "/people/" + strconv.FormatInt(r.ID, 10) + "/log"
		res = c.get(rpath)
		wantBody(t, res, `name="ask.r-passion-business"`, `value="retire-here"`)
		res = c.post(rpath, url.Values{"channel": {"call"}, "outcome": {"live"}, "due": {"none"},
			"ask.r-fear-change": {strings.Repeat("x", 2001)}, "objection": {"retire-here"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		if !strings.Contains(fragment(res.body, "ask-r-fear-change", "</details>"), "under 2,000 characters") {
			t.Error("the long answer's error is not on its question")
		}
		if !strings.Contains(res.body, `id="obj-retire-here" name="objection" value="retire-here" checked`) {
			t.Error("the objection chosen is not kept")
		}
		res = c.post(rpath, url.Values{"channel": {"call"}, "outcome": {"no_answer"}, "due": {"none"}, "objection": {"retire-here"}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/people/"+strconv.FormatInt(r.ID, 10) {
			t.Errorf("after a no-answer: %q, want the person's page", res.location)
		}
	})
}

// TestReflectionAfterLiveConversation: a live conversation leads to the
// reflection, which saves both answers or is skipped in one tap to where
// logging would have gone; a call that did not connect skips it.
func TestReflectionAfterLiveConversation(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		p := h.person(a, a.agent, "Rosa", rapport.KindClient)
		q := h.person(a, a.agent, "Quinn", rapport.KindLead)
		c := h.signedIn(a.agent.Email)
		pid := strconv.FormatInt(p.ID, 10)

		res := c.post("/people/"+pid+"/log", url.Values{"channel": {"meeting"}, "direction": {"outbound"}, "due": {"none"}})
		wantStatus(t, res, http.StatusSeeOther)
		conv := conversations(t, h, a.org.ID, p.ID)[0].Conversation
		reflect := "/conversations/" + strconv.FormatInt(conv.ID, 10) + "/reflect"
		if res.location != reflect+"?next="+url.QueryEscape("/people/"+pid) {
			t.Fatalf("after a meeting: %q", res.location)
		}
		res = c.get(res.location)
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "What do they care about most?", "What would you feel in their place?", `href="/people/`+pid+`" data-key="s"`,
			`name="care_type" value="passion" checked`, "Logged live conversation with Rosa Test")

		// Problems keep what was written and save nothing.
		long := strings.Repeat("y", 2001)
		res = c.post(reflect, url.Values{"next": {"/people/" + pid}, "care": {"Her garden"}, "care_type": {"nonsense"}, "feel": {long}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Choose what kind of fact this is.", `value="Her garden"`, "under 2,000 characters")
		if fs, _ := h.db.Facts(ctx, rapport.Actor{Org: a.org.ID}, p.ID); len(fs) != 0 {
			t.Fatalf("a refused reflection saved %d facts", len(fs))
		}

		res = c.post(reflect, url.Values{"next": {"/people/" + pid}, "care": {"Her garden"}, "care_type": {"interest"},
			"feel": {"Torn between the school and her parents"}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/people/"+pid {
			t.Errorf("after saving: %q", res.location)
		}
		facts, _ := h.db.Facts(ctx, rapport.Actor{Org: a.org.ID}, p.ID)
		got := map[string]rapport.FactType{}
		for _, f := range facts {
			got[f.Text] = f.Type
		}
		// What they care about is a fact learned in the conversation; the
		// feeling goes on the conversation's notes.
		if got["Her garden"] != rapport.FactInterest || len(got) != 1 || facts[0].ConversationID == 0 {
			t.Errorf("facts = %v (%+v)", got, facts)
		}
		wantBody(t, c.get("/people/"+pid), "Reflection saved", "Reflection: Torn between the school")

		// Saving nothing is a skip; a foreign next goes to the person.
		res = c.post(reflect, url.Values{"next": {"//evil.example/"}, "care": {" "}, "feel": {""}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/people/"+pid {
			t.Errorf("skip with a foreign next: %q", res.location)
		}
		if fs, _ := h.db.Facts(ctx, rapport.Actor{Org: a.org.ID}, p.ID); len(fs) != 1 {
			t.Errorf("a skip saved facts: %d", len(fs))
		}

		// In the call session: a no-answer goes straight on, a live call
		// through the reflection, whose skip returns to the session.
		qid := strconv.FormatInt(q.ID, 10)
		res = c.post("/call/"+qid, url.Values{"outcome": {"no_answer"}, "due": {"none"}, "skip": {pid}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/call?skip="+pid {
			t.Errorf("after no answer: %q", res.location)
		}
		res = c.post("/call/"+qid, url.Values{"outcome": {"live"}, "due": {"none"}, "skip": {pid}})
		wantStatus(t, res, http.StatusSeeOther)
		if !strings.HasSuffix(res.location, "/reflect?next="+url.QueryEscape("/call?skip="+pid)) {
			t.Fatalf("after a live call: %q", res.location)
		}
		res = c.get(res.location)
		wantBody(t, res, `href="/call?skip=`+pid+`" data-key="s"`)
	})
}

// TestPlaybookEditingAndRoles: owners and managers edit, add, retire,
// restore and reset; every problem shows on the form with nothing saved;
// agents read and get 403 on every change; a retired objection leaves the
// call session and practice.
func TestPlaybookEditingAndRoles(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a, b := h.org("alpha"), h.org("bravo")
		m := h.signedIn(a.manager.Email)
		agent := h.signedIn(a.agent.Email)
		other := h.signedIn(b.owner.Email)

		res := agent.get("/playbook")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "What does a perfect Saturday look like for you?", "We&#39;re just looking.", "Agreeing with their pace")
		if strings.Contains(res.body, "Add an objection") || strings.Contains(res.body, `/playbook/objection/just-looking">Edit`) {
			t.Error("an agent is offered editing")
		}
		wantBody(t, agent.get("/playbook?audience=recruits"), "I have no interest in changing brokerages before I retire.")
		res = agent.get("/playbook/objection/just-looking")
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, `action="/playbook/objection/just-looking"`) {
			t.Error("an agent gets the edit form")
		}
		edit := url.Values{"audience": {"clients"}, "text": {"We're only browsing."}, "response": {"That makes sense. What caught your eye?", ""}, "why": {"Pace."}}
		for _, path := range []string{"/playbook/objection/just-looking", "/playbook/objection", "/playbook/objection/just-looking/retire",
			"/playbook/objection/just-looking/restore", "/playbook/objection/just-looking/reset", "/practice/assign"} {
			wantStatus(t, agent.post(path, edit), http.StatusForbidden)
		}

		// Every problem on the form, nothing saved.
		res = m.post("/playbook/objection/just-looking", url.Values{"audience": {"martians"}, "text": {" "}, "response": {"", " "}, "why": {strings.Repeat("w", 1001)}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Nothing was saved", "Write the objection.", "Write at least one response.", "Choose clients or recruits.", "under 1,000 characters")
		res = m.post("/playbook/question", url.Values{"audience": {"recruits"}, "text": {"What keeps you up at night?"}, "uncovers": {""}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Choose what the question uncovers.", "What keeps you up at night?", `id="add-question" open`)
		pb, _ := h.db.Playbook(ctx, rapport.Actor{Org: a.org.ID})
		if len(pb.Entries) != len(rapport.DefaultEntries) || pb.Entries[0].Edited {
			t.Fatalf("refused forms changed the playbook: %d entries", len(pb.Entries))
		}

		// An edit, seen in A and not in B.
		res = m.post("/playbook/objection/just-looking", edit)
		wantStatus(t, res, http.StatusSeeOther)
		res = agent.get("/playbook")
		wantBody(t, res, "We&#39;re only browsing.", `<span class="badge edited">Edited</span>`, "What caught your eye?")
		res = other.get("/playbook")
		wantBody(t, res, "We&#39;re just looking.")
		if strings.Contains(res.body, "only browsing") {
			t.Error("A's edit shows in B's playbook")
		}

		// Their own entries: added, badged, absent from B.
		res = m.post("/playbook/question", url.Values{"audience": {"recruits"}, "text": {"What keeps you up at night?"}, "uncovers": {"fear"}})
		wantStatus(t, res, http.StatusSeeOther)
		res = m.post("/playbook/objection", url.Values{"audience": {"clients"}, "text": {"We need to sell first."},
			"response": {"That makes sense. What would selling first look like for you?"}, "why": {"Order matters to them."}})
		wantStatus(t, res, http.StatusSeeOther)
		pb, _ = h.db.Playbook(ctx, rapport.Actor{Org: a.org.ID})
		own := pb.Entries[len(pb.Entries)-1]
		if !own.Custom || own.Text != "We need to sell first." || !strings.Contains(res.location, own.Key) {
			t.Fatalf("own objection = %+v (→ %s)", own, res.location)
		}
		wantBody(t, agent.get("/playbook"), "We need to sell first.", `<span class="badge own">Own</span>`)
		wantBody(t, agent.get("/playbook?audience=recruits"), "What keeps you up at night?")
		wantStatus(t, other.get("/playbook/objection/"+own.Key), http.StatusNotFound)
		wantStatus(t, other.post("/playbook/objection/"+own.Key, edit), http.StatusNotFound)
		if strings.Contains(other.get("/playbook").body, "sell first") {
			t.Error("A's own objection shows in B's playbook")
		}

		// Retiring takes an objection out of calls and practice.
		lead := h.person(a, a.agent, "Lena", rapport.KindLead)
		call := "/call/" + strconv.FormatInt(lead.ID, 10)
		wantBody(t, agent.get(call), `value="have-an-agent"`, `name="ask.c-fear-past"`)
		wantStatus(t, m.post("/playbook/objection/have-an-agent/retire", nil), http.StatusSeeOther)
		wantStatus(t, m.post("/playbook/question/c-fear-past/retire", nil), http.StatusSeeOther)
		res = agent.get(call)
		if strings.Contains(res.body, "have-an-agent") || strings.Contains(res.body, "c-fear-past") {
			t.Error("retired entries still offered in the call session")
		}
		wantStatus(t, agent.get("/practice/have-an-agent"), http.StatusNotFound)
		res = agent.post(call, url.Values{"outcome": {"live"}, "due": {"none"}, "objection": {"have-an-agent"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Choose an objection from the playbook.")
		res = agent.get("/playbook")
		if !strings.Contains(fragment(res.body, "h-retired", "</section>"), "We already have an agent.") {
			t.Error("the retired objection is not listed as retired")
		}
		wantStatus(t, m.post("/playbook/objection/have-an-agent/restore", nil), http.StatusSeeOther)
		wantBody(t, agent.get(call), `value="have-an-agent"`)

		// Reset: the edit goes, the default is back; an own entry is deleted.
		wantStatus(t, m.post("/playbook/objection/just-looking/reset", nil), http.StatusSeeOther)
		wantStatus(t, m.post("/playbook/objection/"+own.Key+"/reset", nil), http.StatusSeeOther)
		pb, _ = h.db.Playbook(ctx, rapport.Actor{Org: a.org.ID})
		if e, _ := pb.Find(rapport.EntryObjection, "just-looking"); e.Edited || e.Text != "We're just looking." {
			t.Errorf("after reset: %+v", e)
		}
		if _, ok := pb.Find(rapport.EntryObjection, own.Key); ok {
			t.Error("own objection not deleted")
		}
		wantStatus(t, m.get("/playbook/objection/"+own.Key), http.StatusNotFound)
	})
}

// TestReviewObjections counts the week's objections with how those
// conversations ended, most frequent first, for the user and the team.
func TestReviewObjections(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		lead := h.person(a, a.agent, "Lou", rapport.KindLead)
		log := func(o rapport.Outcome, objection string, next bool) {
			t.Helper()
			in := &store.LogInput{Conversation: rapport.Conversation{PersonID: lead.ID, Channel: rapport.ChannelCall, Outcome: o, Objection: objection}}
			if next {
				in.FollowUp = &rapport.FollowUp{DueOn: rapport.DayOf(monday, monday.Location()).AddDays(14), Note: "coffee"}
			}
			if _, err := h.db.LogConversation(ctx, rapport.Member(a.org, a.agent), in); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(1e9)
		}
		log(rapport.OutcomeLive, "just-looking", true)
		log(rapport.OutcomeAppointment, "just-looking", false)
		log(rapport.OutcomeVoicemail, "just-looking", false)
		log(rapport.OutcomeLive, "market-too-high", false)
		log(rapport.OutcomeLive, "", false)
		// Last: after it, calling Lou needs confirming.
		log(rapport.OutcomeDoNotCall, "market-too-high", false)

		rowRE := regexp.MustCompile(`(?s)<tr data-objection="([a-z-]+)"><th scope="row"><a href="([^"]+)">([^<]+)</a></th>` +
			`<td class="num" data-label="Times">(\d+)</td><td class="num" data-label="Live">(\d+)</td><td class="num" data-label="Next step">(\d+)</td>` +
			`<td class="num" data-label="Appt">(\d+)</td><td class="num" data-label="Do not call">(\d+)</td></tr>`)
		want := [][]string{
			{"just-looking", "/playbook/objection/just-looking", "We&#39;re just looking.", "3", "2", "1", "1", "0"},
			{"market-too-high", "/playbook/objection/market-too-high", "The market is too high right now.", "2", "1", "0", "0", "1"},
		}
		check := func(who string, body string) {
			t.Helper()
			rows := rowRE.FindAllStringSubmatch(fragment(body, "h-objections", "</section>"), -1)
			if len(rows) != len(want) {
				t.Fatalf("%s: %d objection rows, want %d", who, len(rows), len(want))
			}
			for i, r := range rows {
				if strings.Join(r[1:], "|") != strings.Join(want[i], "|") {
					t.Errorf("%s row %d = %v, want %v", who, i, r[1:], want[i])
				}
			}
		}
		check("agent", h.signedIn(a.agent.Email).get("/review").body)
		mgr := h.signedIn(a.manager.Email)
		check("team", mgr.get("/review?team=1").body)
		check("member", mgr.get("/review?user="+strconv.FormatInt(a.agent.ID, 10)).body)
		wantBody(t, mgr.get("/review"), "No objections recorded this week so far")
		// The week before has none.
		wantBody(t, mgr.get("/review?team=1&week=2026-11-16"), "No objections recorded that week")
	})
}

// TestPracticeDrillsAndAssignments: a drill shows each rule's verdict for
// a poor and a good response with the playbook's answers; practice
// counts towards the streak; a manager's assignment shows up for the user
// with its progress.
func TestPracticeDrillsAndAssignments(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a, b := h.org("acme"), h.org("bravo")
		agent := h.signedIn(a.agent.Email)
		res := agent.get("/practice/just-looking")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "We&#39;re just looking.", `name="response"`, "Check my response")
		if strings.Contains(res.body, "Agreeing with their pace") {
			t.Error("the exemplars show before trying")
		}

		res = agent.post("/practice/just-looking", url.Values{"response": {"No problem, but you should get pre-approved first. Are you pre-approved?"}})
		wantStatus(t, res, http.StatusOK)
		for _, c := range []string{"acknowledge", "no_arguing", "open_question"} {
			wantBody(t, res, `class="check fail" data-check="`+c+`"`)
		}
		wantBody(t, res, `class="check pass" data-check="short"`, "1 of 4 rules met", "“but” pushes back",
			"Agreeing with their pace", "That makes sense; looking is the fun part.", "pre-approved first") // kept to revise

		res = agent.post("/practice/just-looking", url.Values{"response": {"That makes sense; looking is the fun part. What have you seen so far that you liked?"}})
		wantStatus(t, res, http.StatusOK)
		if n := strings.Count(res.body, `class="check pass"`); n != 4 || strings.Contains(res.body, `class="check fail"`) {
			t.Errorf("good response: %d rules passed", n)
		}
		wantBody(t, res, "Every rule met: 4 of 4", "It sounds like you want to take your time", "Agreeing with their pace")

		res = agent.post("/practice/just-looking", url.Values{"response": {"  "}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Type what you would say.")
		wantStatus(t, agent.post("/practice/no-such-objection", url.Values{"response": {"Hello"}}), http.StatusNotFound)

		res = agent.get("/practice")
		wantBody(t, res, "1-day streak", "1/4", "4/4", "That makes sense; looking is the fun part.")

		// Assigning: problems on the form, then a set for the agent.
		m := h.signedIn(a.manager.Email)
		res = m.post("/practice/assign", url.Values{"user": {strconv.FormatInt(a.agent.ID, 10)}, "note": {"Before Thursday"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Choose at least one objection to practise.", `value="Before Thursday"`)
		res = m.post("/practice/assign", url.Values{"user": {strconv.FormatInt(b.agent.ID, 10)}, "objection": {"have-an-agent"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Choose someone in your organisation.")
		res = m.post("/practice/assign", url.Values{"user": {strconv.FormatInt(a.agent.ID, 10)}, "objection": {"have-an-agent", "wait-for-rates"},
			"note": {"Before Thursday"}})
		wantStatus(t, res, http.StatusSeeOther)
		as, _ := h.db.DrillAssignments(ctx, rapport.Actor{Org: a.org.ID}, a.agent.ID)
		if len(as) != 1 {
			t.Fatalf("%d assignments", len(as))
		}
		set := strconv.FormatInt(as[0].ID, 10)
		res = agent.get("/practice")
		wantBody(t, res, "Assigned to you", "Before Thursday", "0 of 2 practised", "from Manager acme",
			`href="/practice/have-an-agent?set=`+set+`">Next: “We already have an agent.”`)

		h.clock.Advance(60e9)
		res = agent.post("/practice/have-an-agent", url.Values{"set": {set}, "response": {"Good for you. How did you two meet?"}})
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "1 of 2 practised", `href="/practice/wait-for-rates?set=`+set+`"`)
		wantBody(t, agent.get("/practice"), "1 of 2 practised", `href="/practice/wait-for-rates?set=`+set+`">Next:`)

		// Another user's set is not offered as theirs.
		if strings.Contains(m.get("/practice").body, "Before Thursday") {
			t.Error("the manager sees the agent's set as their own")
		}
		res = h.signedIn(b.agent.Email).get("/practice/have-an-agent?set=" + set)
		wantStatus(t, res, http.StatusOK)
		if strings.Contains(res.body, "practised") {
			t.Error("another organisation's user sees the set")
		}
	})
}
