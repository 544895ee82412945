package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func TestFirstRunSetup(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		c := h.client()
		res := c.get("/")
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/setup" {
			t.Fatalf("fresh install goes to %q, want /setup", res.location)
		}
		wantStatus(t, c.get("/signin"), http.StatusSeeOther)

		bad := url.Values{"org_name": {"Lakeshore Realty"}, "slug": {"Bad Slug!"}, "region": {"ZZ"}, "tz": {"Mars/Base"},
			"name": {"Olivia"}, "email": {"olivia@"}, "password": {"short"}, "password2": {"short"}}
		res = c.post("/setup", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Nothing was saved", "lower-case letters", "two-letter country code", "not a time zone",
			"not an email address", "at least 10 characters", `value="Lakeshore Realty"`)

		good := url.Values{"org_name": {"Lakeshore Realty"}, "slug": {"lakeshore"}, "region": {"US"}, "tz": {"America/Chicago"},
			"name": {"Olivia Grant"}, "email": {"olivia@lakeshore.test"}, "password": {password}, "password2": {password}}
		res = c.post("/setup", good)
		wantStatus(t, res, http.StatusSeeOther)
		res = c.get("/today")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Olivia Grant", "Lakeshore Realty", "of 25 live conversations")

		// Setup is closed once an organisation exists.
		other := h.client()
		wantStatus(t, other.get("/setup"), http.StatusSeeOther)
		good.Set("slug", "second")
		good.Set("email", "mallory@evil.test")
		res = other.post("/setup", good)
		if res.status != http.StatusSeeOther || res.location != "/signin" {
			t.Fatalf("second setup: %d %s", res.status, res.location)
		}
		if us, err := h.db.UsersByEmail(ctx, "mallory@evil.test"); err != nil || len(us) != 0 {
			t.Fatalf("second setup created a user: %v", err)
		}
	})
}

func TestSignInAndOut(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.client()
		res := c.get("/people?kind=lead")
		wantStatus(t, res, http.StatusSeeOther)
		if !strings.HasPrefix(res.location, "/signin?next=") {
			t.Fatalf("anonymous visit goes to %q", res.location)
		}
		res = c.post("/signin", url.Values{"email": {a.agent.Email}, "password": {"wrong password"}})
		wantStatus(t, res, http.StatusUnauthorized)
		wantBody(t, res, "do not match an account")
		res = c.post("/signin", url.Values{"email": {"nobody@acme.test"}, "password": {password}})
		wantStatus(t, res, http.StatusUnauthorized)

		res = c.post("/signin", url.Values{"email": {strings.ToUpper(a.agent.Email)}, "password": {password}, "next": {"/people?kind=lead"}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/people?kind=lead" {
			t.Errorf("after sign in: %q", res.location)
		}
		cookie := ""
		for _, c := range res.header.Values("Set-Cookie") {
			if strings.HasPrefix(c, "rapport_session=") {
				cookie = c
			}
		}
		for _, want := range []string{"rapport_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("session cookie %q lacks %s", cookie, want)
			}
		}
		// An open redirect is refused.
		res = h.client().post("/signin", url.Values{"email": {a.agent.Email}, "password": {password}, "next": {"//evil.example/"}})
		if res.location != "/today" {
			t.Errorf("next=//evil.example/ redirected to %q", res.location)
		}
		wantStatus(t, c.get("/today"), http.StatusOK)
		wantStatus(t, c.post("/signout", nil), http.StatusSeeOther)
		wantStatus(t, c.get("/today"), http.StatusSeeOther)
	})
}

func TestCrossSiteFormsAreRefused(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		for _, hdr := range []map[string]string{
			{"Sec-Fetch-Site": "cross-site"},
			{"Origin": "https://evil.example"},
		} {
			req, _ := http.NewRequest(http.MethodPost, h.srv.URL+"/people", strings.NewReader("first_name=Forged&kind=lead"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			res := c.do(req)
			wantStatus(t, res, http.StatusForbidden)
		}
		page, _ := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, store.PeopleFilter{})
		if len(page.People) != 0 {
			t.Fatal("a cross-site form created a person")
		}
	})
}

func TestSecurityHeaders(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		h.org("acme")
		res := h.client().get("/signin")
		wantStatus(t, res, http.StatusOK)
		csp := res.header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("CSP allows inline code: %q", csp)
		}
		if res.header.Get("X-Frame-Options") != "DENY" || res.header.Get("Referrer-Policy") == "" || res.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("headers: %v", res.header)
		}
		if strings.Contains(res.body, "<script>") || strings.Contains(res.body, " onclick=") {
			t.Error("page has inline script")
		}
		wantStatus(t, h.client().get("/healthz"), http.StatusOK)
	})
}

func TestPersonFormKeepsInputAndSavesNothingOnError(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		c := h.signedIn(a.agent.Email)
		form := url.Values{"first_name": {"Maria"}, "last_name": {"López"}, "kind": {"lead"},
			"phone": {"(312) 555-0142", "555-01"}, "phone_label": {"mobile", ""}, "email": {"maria@example", ""},
			"birthday": {"1984-02-30"}, "cadence_days": {"often"}, "notes": {"Moving from Denver <script>alert(1)</script>"}}
		res := c.post("/people", form)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Nothing was saved", html.EscapeString(`"555-01" is not a valid phone number`), "not an email address",
			"not a date", "whole number of days", `value="(312) 555-0142"`, `value="López"`, "Moving from Denver &lt;script&gt;")
		page, _ := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, store.PeopleFilter{})
		if len(page.People) != 0 {
			t.Fatalf("an invalid form saved %d people", len(page.People))
		}

		form.Set("birthday", "1984-02-29")
		form.Set("cadence_days", "30")
		form["phone"] = []string{"(312) 555-0142", "+44 20 7946 0958"}
		form["email"] = []string{"Maria@Example.com"}
		form.Set("tags", "Buyer, first-time")
		res = c.post("/people", form)
		wantStatus(t, res, http.StatusSeeOther)
		id := idFrom(t, res.location, "/people/")
		p, err := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Phones) != 2 || p.Phones[0].Number != "+13125550142" || p.Phones[1].Number != "+442079460958" ||
			p.Emails[0].Address != "maria@example.com" || p.OwnerID != a.agent.ID || p.Stage.Key != rapport.StageNewLead {
			t.Fatalf("saved person = %+v", p)
		}
		res = c.get(res.location)
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Maria López", "(312) 555-0142", "20 7946 0958", "Buyer", "first-time", "29 Feb 1984",
			"Moving from Denver &lt;script&gt;alert(1)&lt;/script&gt;")
		if strings.Contains(res.body, "<script>alert(1)") {
			t.Error("notes rendered unescaped")
		}
	})
}

func idFrom(t *testing.T, location, prefix string) int64 {
	t.Helper()
	rest := strings.TrimPrefix(location, prefix)
	if i := strings.IndexAny(rest, "#?/"); i >= 0 {
		rest = rest[:i]
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		t.Fatalf("no id in %q", location)
	}
	return id
}

func TestCallSessionLogsInOneTapAndMovesOn(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		for i, name := range []string{"Ann", "Ben"} {
			h.clock.Advance(time.Minute)
			p := &rapport.Person{FirstName: name, Kind: rapport.KindLead, OwnerID: a.agent.ID, Phones: []rapport.Phone{{Number: "+1312555014" + strconv.Itoa(i)}}}
			if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p); err != nil {
				t.Fatal(err)
			}
		}
		c := h.signedIn(a.agent.Email)
		res := c.get("/today")
		wantStatus(t, res, http.StatusOK)
		if strings.Index(res.body, "Ben") > strings.Index(res.body, "Ann") {
			t.Error("the newest lead is not first")
		}
		wantBody(t, res, "New lead, 1 min ago, not yet called", `href="tel:&#43;13125550141"`, `<span class="badge stage">New lead</span>`)

		res = c.get("/call")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Ben", `value="no_answer"`)
		ben := idFrom(t, between(res.body, `action="/call/`, `"`), "")
		h.clock.Advance(time.Minute)
		// One tap: the "No answer" button submits the form as it stands.
		res = c.post("/call/"+strconv.FormatInt(ben, 10), url.Values{"outcome": {"no_answer"}, "due": {"none"}, "skip": {""},
			"fact_type": {"passion", "fear", "motivation"}, "fact_text": {"", "", ""}})
		wantStatus(t, res, http.StatusSeeOther)
		if res.location != "/call" {
			t.Fatalf("after logging: %q", res.location)
		}
		res = c.get("/call")
		wantBody(t, res, "Logged no answer with Ben.", "Ann")
		// Skipping Ann empties the session.
		ann := idFrom(t, between(res.body, `action="/call/`, `"`), "")
		res = c.get("/call?skip=" + strconv.FormatInt(ann, 10))
		wantBody(t, res, "That's everyone on Today")
		items, _ := h.db.Timeline(ctx, rapport.Actor{Org: a.org.ID}, ben)
		// The call, then the stage it moved Ben to (the same moment).
		if items[1].Kind != store.TimelineStage || items[1].ToStage.Key != rapport.StageAttempting ||
			items[0].Conversation == nil || items[0].Conversation.Outcome != rapport.OutcomeNoAnswer {
			t.Errorf("timeline = %+v", items)
		}
	})
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}

func TestLiveConversationWithFactAndTwoWeekFollowUp(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		p := &rapport.Person{FirstName: "Dana", LastName: "Reyes", Kind: rapport.KindRecruit, OwnerID: a.manager.ID}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.manager), p); err != nil {
			t.Fatal(err)
		}
		c := h.signedIn(a.manager.Email)
		path := "/people/" + strconv.FormatInt(p.ID, 10)
		form := url.Values{"channel": {"call"}, "direction": {"outbound"}, "outcome": {"live"}, "duration": {"12"},
			"notes":     {"No interest in changing before she retires; we talked about her grandkids."},
			"fact_type": {"passion", "fear", "motivation"}, "fact_text": {"Her grandkids and her garden", "", ""},
			"due": {"2w"}, "fu_kind": {"meeting"}, "fu_owes": {"me"}, "fu_note": {"coffee"}, "temperature": {"warm"}}
		res := c.post(path+"/log", form)
		wantStatus(t, res, http.StatusSeeOther)
		res = c.get(path)
		wantStatus(t, res, http.StatusOK)
		want14 := rapport.DayOf(monday, mustLoc("America/Chicago")).AddDays(14)
		wantBody(t, res, "Her grandkids and her garden", "we talked about her grandkids", "Meet: coffee", "12 min",
			"Prospect → <strong>Conversation</strong>", html.EscapeString(want14.Format("Mon 7 Dec")))
		fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: a.org.ID}, store.FollowUpFilter{PersonID: p.ID})
		if len(fus) != 1 || fus[0].DueOn != want14 || fus[0].UserID != a.manager.ID {
			t.Fatalf("follow-ups = %+v", fus)
		}
		// Bad input re-renders with messages and saves nothing.
		bad := url.Values{"channel": {"call"}, "outcome": {""}, "due": {"date"}, "due_date": {"someday"},
			"fact_type": {"passion"}, "fact_text": {strings.Repeat("x", 2001)}, "notes": {"keep me"}}
		res = c.post(path+"/log", bad)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Choose how the call ended", "Use a date such as", ">keep me</textarea>")
		items, _ := h.db.Timeline(ctx, rapport.Actor{Org: a.org.ID}, p.ID)
		convs := 0
		for _, it := range items {
			if it.Kind == store.TimelineConversation {
				convs++
			}
		}
		if convs != 1 {
			t.Errorf("%d conversations after a rejected form, want 1", convs)
		}
		// The weekly goal counts it.
		res = c.get("/today")
		wantBody(t, res, "<strong>1</strong> of 25 live conversations")
	})
}

func TestFollowUpsPageAndClosing(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		p := &rapport.Person{FirstName: "Sam", Kind: rapport.KindClient, OwnerID: a.agent.ID}
		h.db.CreatePerson(ctx, rapport.Member(a.org, a.agent), p)
		c := h.signedIn(a.agent.Email)
		path := "/people/" + strconv.FormatInt(p.ID, 10)
		res := c.post(path+"/followups", url.Values{"due": {"date"}, "due_date": {"2026-11-20"}, "fu_kind": {"call"}, "fu_owes": {"me"}})
		wantStatus(t, res, http.StatusSeeOther)
		res = c.post(path+"/followups", url.Values{"due": {"tomorrow"}, "fu_owes": {"them"}, "fu_note": {""}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Say what they promised")
		res = c.post(path+"/followups", url.Values{"due": {"tomorrow"}, "fu_owes": {"them"}, "fu_note": {"send the inspection report"}})
		wantStatus(t, res, http.StatusSeeOther)
		res = c.get("/followups")
		wantBody(t, res, "Overdue <span class=\"count\">1</span>", "3 days ago", "They promised: send the inspection report")
		wantBody(t, h.signedIn(a.owner.Email).get("/followups?scope=all"), "Sam", "· Agent acme")
		fus, _ := h.db.FollowUps(ctx, rapport.Actor{Org: a.org.ID}, store.FollowUpFilter{PersonID: p.ID, Owes: rapport.OwesMe})
		id := strconv.FormatInt(fus[0].ID, 10)
		res = c.post("/followups/"+id+"/done", url.Values{"next": {"/followups"}})
		wantStatus(t, res, http.StatusSeeOther)
		res = c.post("/followups/"+id+"/cancel", url.Values{"next": {"https://evil.example"}})
		if res.location != "/today" {
			t.Errorf("closing twice redirected to %q", res.location)
		}
		res = c.get("/followups")
		wantBody(t, res, "already done", "Nothing overdue")
	})
}

func TestRolesAndSettings(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		agent := h.signedIn(a.agent.Email)
		wantStatus(t, agent.post("/users", url.Values{"email": {"x@acme.test"}, "role": {"agent"}, "password": {password}}), http.StatusForbidden)
		wantStatus(t, agent.post("/settings/org", url.Values{"name": {"Hijacked"}, "region": {"US"}, "tz": {"UTC"}}), http.StatusForbidden)

		mgr := h.signedIn(a.manager.Email)
		res := mgr.post("/users", url.Values{"name": {"New Owner"}, "email": {"boss@acme.test"}, "role": {"owner"}, "password": {password}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Only an owner can add another owner")
		res = mgr.post("/users", url.Values{"name": {"Nia"}, "email": {a.agent.Email}, "role": {"agent"}, "password": {password}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "already exists")
		res = mgr.post("/users", url.Values{"name": {"Nia"}, "email": {"nia@acme.test"}, "role": {"agent"}, "password": {password}})
		wantStatus(t, res, http.StatusSeeOther)
		h.signedIn("nia@acme.test")

		res = agent.post("/settings", url.Values{"name": {"Alex"}, "weekly_goal": {"0"}, "today_size": {"ten"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "between 1 and 500", "Use a whole number")
		res = agent.post("/settings", url.Values{"name": {"Alex"}, "weekly_goal": {"30"}, "today_size": {"12"}, "tz": {"America/New_York"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, agent.get("/today"), "of 30 live conversations", "of 12.")

		// A password change ends the other sessions.
		other := h.signedIn(a.agent.Email)
		res = agent.post("/settings/password", url.Values{"current": {password}, "password": {"a brand new secret"}, "password2": {"a brand new secret"}})
		wantStatus(t, res, http.StatusSeeOther)
		wantStatus(t, agent.get("/today"), http.StatusOK)
		wantStatus(t, other.get("/today"), http.StatusSeeOther)
	})
}

// TestSignInLockout: wrong passwords from a browser that never signed in
// as the user lock out strangers' browsers — even the right password is
// refused there, with Retry-After — but never the user's own browser; the
// lock lifts by itself. A burst of guesses with the right password inside
// it does not sign in.
func TestSignInLockout(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		o := h.org("acme")
		own := h.signedIn(o.agent.Email) // the agent's browser, known from now on
		own.post("/signout", nil)
		stranger := h.client()
		for i := range 3 {
			r := stranger.post("/signin", url.Values{"email": {o.agent.Email}, "password": {"not the password"}})
			want := http.StatusUnauthorized
			if i == 2 {
				want = http.StatusTooManyRequests
			}
			if r.status != want {
				t.Fatalf("attempt %d: %d, want %d", i+1, r.status, want)
			}
		}
		r := h.client().post("/signin", url.Values{"email": {strings.ToUpper(o.agent.Email)}, "password": {password}})
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "Try again in 1 minutes") {
			t.Fatalf("the right password from a new browser while locked: %d %q", r.status, r.header.Get("Retry-After"))
		}
		// The agent's own browser is not locked out by strangers.
		if r := own.post("/signin", url.Values{"email": {o.agent.Email}, "password": {password}}); r.status != http.StatusSeeOther {
			t.Errorf("the agent's own browser: %d", r.status)
		}
		// Another account from the same address still signs in.
		if r := stranger.post("/signin", url.Values{"email": {o.owner.Email}, "password": {password}}); r.status != http.StatusSeeOther {
			t.Errorf("another account: %d", r.status)
		}
		h.clock.Advance(2 * time.Minute)
		if r := h.client().post("/signin", url.Values{"email": {o.agent.Email}, "password": {password}}); r.status != http.StatusSeeOther {
			t.Errorf("after the lock: %d", r.status)
		}

		// A burst of fifty guesses at the manager at once: each is counted
		// before any password is checked, so at most three are checked
		// (store.TestSignInBurstIsCountedFirst counts them exactly) and the
		// rest refused, and the right password after them is refused too.
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := h.client().post("/signin", url.Values{"email": {o.manager.Email}, "password": {"wrong guess"}})
				mu.Lock()
				statuses[r.status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 50 || statuses[http.StatusTooManyRequests] < 47 {
			t.Errorf("burst answers = %v, want at most three checked, the rest refused unchecked", statuses)
		}
		if r := h.client().post("/signin", url.Values{"email": {o.manager.Email}, "password": {password}}); r.status != http.StatusTooManyRequests {
			t.Errorf("the right password after the burst: %d", r.status)
		}
	})
}

// TestOneAddressInTwoOrganisations: adding a user whose address has an
// account in another organisation works like any other (nothing says so);
// signing in, the password decides which account, and one password that
// opens both asks which organisation, naming only those two.
func TestOneAddressInTwoOrganisations(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a, b := h.org("acme"), h.org("beta")
		res := h.signedIn(b.manager.Email).post("/users", url.Values{"name": {"Ann"}, "email": {a.agent.Email}, "role": {"agent"}, "password": {"another long secret"}})
		wantStatus(t, res, http.StatusSeeOther)
		// Different passwords: each opens its own organisation.
		c := h.client()
		wantStatus(t, c.post("/signin", url.Values{"email": {a.agent.Email}, "password": {"another long secret"}}), http.StatusSeeOther)
		wantBody(t, c.get("/today"), b.org.Name)
		c = h.client()
		wantStatus(t, c.post("/signin", url.Values{"email": {a.agent.Email}, "password": {password}}), http.StatusSeeOther)
		wantBody(t, c.get("/today"), a.org.Name)
		// The same password for both: choose.
		u, err := h.db.MemberByEmail(ctx, rapport.Actor{Org: b.org.ID}, a.agent.Email)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.db.SetPassword(ctx, rapport.Actor{Org: b.org.ID}, u.ID, h.hash, ""); err != nil {
			t.Fatal(err)
		}
		h.org("gamma") // a third organisation, which must not be named
		c = h.client()
		res = c.post("/signin", url.Values{"email": {a.agent.Email}, "password": {password}})
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "more than one organisation", a.org.Name, b.org.Name)
		if strings.Contains(res.body, "Org gamma") {
			t.Error("the choice names an organisation the account is not in")
		}
		res = c.post("/signin", url.Values{"email": {a.agent.Email}, "password": {password}, "org": {strconv.FormatInt(b.org.ID, 10)}})
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, c.get("/today"), b.org.Name)
	})
}
