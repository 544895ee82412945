package web

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// The templates the parts of page_parts.go replaced, as they were
// (layout.html's top bar; person.html's head, the start and the end of
// its side column).
const (
	topBarTemplate = `{{define "topBar"}}{{if .User}}
<header class="top">
  <a class="brand" href="/today">Rapport</a>
  {{/* The tab bar follows the role: who recruits gets Recruiting, an
       agent the Playbook; on a phone the rest is under More. */}}
  {{$recruits := or .User.CanManageUsers .User.HiringManager}}
  <nav class="tabs" aria-label="Main">
    <a href="/today"{{if eq .Active "today"}} aria-current="page"{{end}}><span class="tab-icon" aria-hidden="true">☎</span>Today</a>
    <a href="/people"{{if eq .Active "people"}} aria-current="page"{{end}}><span class="tab-icon" aria-hidden="true">☺</span>People</a>
    <a href="/followups"{{if eq .Active "followups"}} aria-current="page"{{end}}><span class="tab-icon" aria-hidden="true">✓</span>Follow-ups</a>
    {{if $recruits}}<a href="/recruiting"{{if eq .Active "recruiting"}} aria-current="page"{{end}}><span class="tab-icon" aria-hidden="true">★</span>Recruiting</a>{{end}}
    <a href="/review"{{if eq .Active "reports"}} aria-current="page"{{end}}><span class="tab-icon" aria-hidden="true">▤</span>Reports</a>
    <a{{if $recruits}} class="tab-wide"{{end}} href="/playbook"{{if eq .Active "playbook"}} aria-current="page"{{end}}><span class="tab-icon" aria-hidden="true">❝</span>Playbook</a>
    {{if not $recruits}}<a class="tab-wide" href="/recruiting"{{if eq .Active "recruiting"}} aria-current="page"{{end}}><span class="tab-icon" aria-hidden="true">★</span>Recruiting</a>{{end}}
    <a class="tab-wide" href="/settings"{{if eq .Active "settings"}} aria-current="page"{{end}}><span class="tab-icon" aria-hidden="true">⚙</span>Settings</a>
    {{if .User.CanManageUsers}}<a class="tab-wide" href="/users"{{if eq .Active "users"}} aria-current="page"{{end}}><span class="tab-icon" aria-hidden="true">♟</span>Team</a>{{end}}
  </nav>
  <details class="menu">
    <summary>More</summary>
    <nav aria-label="More">
      {{if $recruits}}<a href="/playbook"{{if eq .Active "playbook"}} aria-current="page"{{end}}>Playbook</a>{{else}}<a href="/recruiting"{{if eq .Active "recruiting"}} aria-current="page"{{end}}>Recruiting</a>{{end}}
      <a href="/settings"{{if eq .Active "settings"}} aria-current="page"{{end}}>Settings</a>
      {{if .User.CanManageUsers}}<a href="/users"{{if eq .Active "users"}} aria-current="page"{{end}}>Team</a>{{end}}
      <form class="signout" method="post" action="/signout">
        <span class="who">{{.User.DisplayName}} · {{.Org.Name}}</span>
        <button type="submit">Sign out</button>
      </form>
    </nav>
  </details>
  <form class="signout wide" method="post" action="/signout">
    <span class="who">{{.User.DisplayName}} · {{.Org.Name}}</span>
    <button type="submit" class="link">Sign out</button>
  </form>
</header>
{{end}}{{end}}`
	personPartsTemplate = `{{define "personHead"}}{{$p := .Person}}
{{if $p.Archived}}<p class="warning">Archived {{.Date $p.ArchivedAt}}. Archived people leave lists and Today but keep their history.
  <form class="inline" method="post" action="/people/{{$p.ID}}/restore"><button type="submit">Restore</button></form></p>{{end}}
<div class="person-head">
  <div class="avatar" aria-hidden="true">{{$p.Initials}}</div>
  <div>
    <h1>{{$p.Name}}</h1>
    <div class="badges">{{badges $p}}</div>
    <p class="muted">{{with $p.Owner}}Owner: {{.DisplayName}}{{end}}{{with $p.Source}} · Source: {{.}}{{end}}{{with $p.ReferredBy}} · Referred by <a href="/people/{{.ID}}">{{.Name}}</a>{{end}}</p>
  </div>
</div>
<div class="person-actions">
  {{phones .Base $p}}
  {{if not $p.DoNotCall}}<a class="button primary" href="/call/{{$p.ID}}">Call screen</a>{{end}}
  <a class="button" href="/people/{{$p.ID}}/log">Log conversation</a>
  <a class="button" href="/people/{{$p.ID}}/edit">Edit</a>
  <a class="button quiet" href="/people/{{$p.ID}}/vcard">Add to my phone</a>
</div>
{{end}}
{{define "personSide"}}{{$p := .Person}}
  <section>
    <h2>Contact</h2>
    <ul class="plain">
      {{range $p.Phones}}<li>{{if .Bad}}<s>{{$.Phone .Number}}</s> <span class="muted">bad number</span>{{else if $p.DoNotCall}}{{$.Phone .Number}} <span class="badge dnc">do not call</span> · <a href="sms:{{.Number}}">text</a>{{else}}<a href="tel:{{.Number}}">{{$.Phone .Number}}</a> · <a href="sms:{{.Number}}">text</a>{{end}}{{with .Label}} <span class="muted">{{.}}</span>{{end}}</li>{{end}}
      {{range $p.Emails}}<li><a href="mailto:{{.Address}}">{{.Address}}</a>{{with .Label}} <span class="muted">{{.}}</span>{{end}}</li>{{end}}
      {{with $p.Address}}<li>{{.}}</li>{{end}}
      {{if and (not $p.Phones) (not $p.Emails)}}<li class="muted">No contact details.</li>{{end}}
    </ul>
  </section>
  <section>
    <h2>Stage</h2>
    <form method="post" action="/people/{{$p.ID}}/stage" class="stage-form">
      <label for="f-stage" class="visually-hidden">Stage</label>
      <select id="f-stage" name="stage">
        {{range .Pipelines}}{{if or (and (eq .Kind "recruiting") (eq $p.Kind "recruit")) (and (eq .Kind "clients") (ne $p.Kind "recruit"))}}
        {{range .Stages}}<option value="{{.ID}}"{{if eq .ID $p.StageID}} selected{{end}}>{{.Name}}</option>{{end}}
        {{end}}{{end}}
      </select>
      <label for="f-reason" class="visually-hidden">Why</label>
      <input id="f-reason" name="reason" type="text" placeholder="Why (optional)">
      <button type="submit" class="small">Move</button>
    </form>
  </section>
  <section>
    <h2>Details</h2>
    <dl class="details">
      {{with $p.Tags}}<dt>Tags</dt><dd>{{range .}}<a class="tag" href="/people?tag={{.}}">{{.}}</a> {{end}}</dd>{{end}}
      {{if not $p.Birthday.IsZero}}<dt>Birthday</dt><dd>{{$p.Birthday.Display}}</dd>{{end}}
      {{if not $p.HomeAnniversary.IsZero}}<dt>Home anniversary</dt><dd>{{$p.HomeAnniversary.Display}}</dd>{{end}}
      {{with $p.CadenceDays}}<dt>Keep in touch</dt><dd>every {{.}} days{{if not $p.TouchDueAt.IsZero}} · next {{$.Date $p.TouchDueAt}}{{end}}</dd>{{end}}
      <dt>Time zone</dt><dd>{{or $p.TZ "organisation's"}} · {{($.LocalIn $p.TZ).Format "3:04 PM"}} now</dd>
      <dt>Last live conversation</dt><dd>{{$.Ago $p.LastLiveAt}}</dd>
      <dt>Added</dt><dd>{{$.Date $p.CreatedAt}}</dd>
    </dl>
  </section>
  {{end}}
{{define "personEnd"}}{{$p := .Person}}
  <section id="referrals">
    <h2>Referred by {{$p.FirstName}} {{with .Referrals}}<span class="count">{{len .}}</span>{{end}}</h2>
    {{if .Referrals}}<ul class="plain">{{range .Referrals}}<li><a href="/people/{{.ID}}">{{.Name}}</a> <span class="muted">{{.Kind.Label}}{{with .Stage}} · {{.Name}}{{end}} · {{if .LastLiveAt.IsZero}}not talked to yet{{else}}talked {{$.Ago .LastLiveAt}}{{end}}</span></li>{{end}}</ul>{{else}}<p class="muted">No one yet.</p>{{end}}
    <a class="button small" href="/people/new?referred_by={{$p.ID}}">Add someone they referred</a>
  </section>
  {{if not $p.Archived}}
  <form method="post" action="/people/{{$p.ID}}/archive" class="archive">
    <button type="submit" class="quiet" data-confirm="Archive {{$p.Name}}? They leave lists and Today; their history stays.">Archive</button>
  </form>
  {{end}}
{{end}}
{{define "personFacts"}}{{$p := .Person}}{{if .Facts}}
  <dl class="story">
  {{range .Facts}}<dt>{{.Type.Label}}</dt>
    {{range .Facts}}<dd>{{.Text}}{{with .OnDate}} <strong class="fact-date">{{.Format "Jan 2, 2006"}}</strong>{{end}} <span class="muted">· {{$.Date .LearnedAt}}{{with .Source}} · {{.}}{{end}}</span>
      <form class="inline" method="post" action="/people/{{$p.ID}}/facts/{{.ID}}/delete"><button type="submit" class="link small" aria-label="Remove fact: {{.Text}}" data-confirm="Remove this fact?">remove</button></form></dd>{{end}}
  {{end}}
  </dl>
  {{else}}<p class="muted">Nothing learned yet.</p>{{end}}
  {{with .Questions}}
  <div class="questions"><p class="label">Still unknown — try asking:</p>
    <ul>{{range .}}<li><span class="q-type">{{.Type.Short}}</span> “{{.Text}}”</li>{{end}}</ul></div>
  {{end}}{{end}}
{{define "personFollowUps"}}{{$p := .Person}}{{if .FollowUps}}
  <ul class="followups">
  {{range .FollowUps}}
    <li class="{{if .Overdue $.Today}}overdue{{end}}{{if eq .Owes "them"}} theirs{{end}}">
      <span>{{.Label}}</span> <span class="due">due {{$.Day .DueOn}}{{with .DueTime}} at {{.}}{{end}}</span>
      <span class="muted">· {{index $.UserNames .UserID}}</span>
      <form class="inline" method="post" action="/followups/{{.ID}}/done"><input type="hidden" name="next" value="/people/{{$p.ID}}#followups"><button type="submit" class="small">Done</button></form>
      <form class="inline" method="post" action="/followups/{{.ID}}/cancel"><input type="hidden" name="next" value="/people/{{$p.ID}}#followups"><button type="submit" class="small quiet">Cancel</button></form>
    </li>
  {{end}}
  </ul>
  {{else}}<p class="muted">No open follow-ups.</p>{{end}}{{end}}
{{define "personTimeline"}}{{$p := .Person}}{{if .Timeline}}
  <ol class="timeline">
  {{range .Timeline}}
    <li class="tl-{{.Kind}}"{{with .Conversation}} id="conversation-{{.ID}}"{{end}}>
      <p class="tl-when">{{$.DateTime .At}}{{with .UserName}} · {{.}}{{end}}</p>
      {{if eq .Kind "conversation"}}{{$c := .Conversation}}
        <p class="tl-what"><strong>{{$c.Channel.Label}}</strong>{{if eq $c.Direction "inbound"}} from them{{end}}{{with $c.Outcome.Label}} · {{.}}{{end}}{{if $c.Live}} <span class="badge live">live</span>{{end}}{{if $c.DNCConfirmed}} <span class="badge dnc" title="Logged although they are marked do not call: they called, or asked to be called">do not call: confirmed wanted</span>{{end}}{{with $c.DurationSeconds}} · {{minutes .}} min{{end}}{{with $c.Temperature}} · <span class="temp">temperature: {{.}}</span>{{end}}</p>
        {{with $c.Notes}}<p class="notes">{{.}}</p>{{end}}
        {{with .Facts}}<ul class="tl-facts">{{range .}}<li><span class="q-type">{{.Type.Short}}</span> {{.Text}}</li>{{end}}</ul>{{end}}
        {{with .NextStep}}<p class="tl-next">Next: {{.Label}} · due {{$.Day .DueOn}}{{if ne .Status "open"}} ({{.Status}}){{end}}</p>{{end}}
      {{else if eq .Kind "fact"}}
        {{range .Facts}}<p class="tl-what">Learned: <span class="q-type">{{.Type.Short}}</span> {{.Text}}</p>{{end}}
      {{else if eq .Kind "followup_set"}}
        <p class="tl-what">Follow-up set: {{.FollowUp.Label}} · due {{$.Day .FollowUp.DueOn}}</p>
      {{else if eq .Kind "followup_closed"}}
        <p class="tl-what">Follow-up {{.FollowUp.Status}}: {{.FollowUp.Label}}</p>
      {{else if eq .Kind "event"}}{{$e := .Event}}
        <p class="tl-what"><strong>{{$e.Type}}</strong>{{with $e.Source}} from {{.}}{{end}}{{if $e.Historical}} <span class="muted">(historical)</span>{{end}}</p>
        {{with $e.Property}}<p class="muted">{{.}}</p>{{end}}
        {{with $e.Message}}<p class="notes">“{{.}}”</p>{{end}}
        {{with $e.Description}}<p class="notes">{{.}}</p>{{end}}
        {{with $e.Note}}<p class="notes tl-note"><span class="q-type">Note</span> {{.}}</p>{{end}}
        {{with $e.PageURL}}<p class="muted">Page: {{.}}</p>{{end}}
        {{with $e.Details}}<dl class="tl-details">{{range .}}<dt>{{.Label}}</dt><dd>{{.Value}}</dd>{{end}}</dl>{{end}}
        {{with $e.Payload}}<details class="tl-payload"><summary>As received</summary><pre>{{.}}</pre></details>{{end}}
      {{else if eq .Kind "stage"}}
        <p class="tl-what">Stage: {{with .FromStage}}{{.Name}} → {{end}}<strong>{{with .ToStage}}{{.Name}}{{end}}</strong>{{with .Reason}} <span class="muted">({{.}})</span>{{end}}</p>
      {{end}}
    </li>
  {{end}}
  </ol>
  {{else}}<p class="muted">No history yet.</p>{{end}}{{end}}`
)

// referenceFuncs are the functions the replaced templates called: the
// pages' own, and minutes, which only the timeline called.
func referenceFuncs(t *testing.T) template.FuncMap {
	t.Helper()
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	funcs := viewFuncs(a, newFormParts())
	funcs["minutes"] = minutes
	return funcs
}

// TestPagePartsMatchTemplates: the top bar for every role and current
// tab, and a person's head and side column for people of every shape,
// byte for byte as the templates wrote them, on hostile values.
func TestPagePartsMatchTemplates(t *testing.T) {
	funcs := referenceFuncs(t)
	hostile := `<script>alert("x")</script> O'Brien & +1 é` + "\x00"
	org := &rapport.Org{ID: 4, Name: "Acme " + hostile, Region: "US", TZ: "America/Chicago"}

	ref := template.Must(template.New("ref").Funcs(funcs).Parse(topBarTemplate))
	users := []*rapport.User{
		nil,
		{ID: 7, Name: hostile, Role: rapport.RoleAgent},
		{ID: 8, Email: "only.email+x@example.com", Role: rapport.RoleAgent, RecruitLiveTarget: 3},
		{ID: 9, Name: "Manager", Role: rapport.RoleManager},
		{ID: 10, Name: "Owner", Role: rapport.RoleOwner},
	}
	actives := []string{"", "today", "people", "followups", "recruiting", "reports", "playbook", "settings", "users", "other"}
	for _, u := range users {
		for _, active := range actives {
			var want bytes.Buffer
			data := Base{User: u, Org: org, Active: active}
			if err := ref.ExecuteTemplate(&want, "topBar", data); err != nil {
				t.Fatal(err)
			}
			if got := string(topBarHTML(u, org, active)); got != want.String() {
				t.Errorf("top bar of %+v on %q:\ngot:  %q\nwant: %q", u, active, got, want.String())
			}
		}
	}

	ref = template.Must(template.New("ref").Funcs(funcs).Parse(personPartsTemplate))
	now := time.Date(2026, 12, 8, 15, 4, 0, 0, time.UTC)
	base := Base{Org: org, Now: now, Loc: time.UTC}
	pipelines := []rapport.Pipeline{
		{ID: 1, Kind: rapport.PipelineClients, Stages: []rapport.Stage{{ID: 11, Name: "New"}, {ID: 12, Name: hostile}}},
		{ID: 2, Kind: rapport.PipelineRecruiting, Stages: []rapport.Stage{{ID: 21, Name: "Prospect"}, {ID: 22, Name: "Joined"}}},
		{ID: 3, Kind: rapport.PipelineKind("other"), Stages: []rapport.Stage{{ID: 31, Name: "Elsewhere"}}},
		{ID: 4, Kind: rapport.PipelineClients, Stages: []rapport.Stage{{ID: 41, Name: "Second"}}},
	}
	odd := `312 555 0142 (home) "x" 'y' <z> é%41&a=b#c?d;e,f/g:h@i[j]k!l$m*n+o=p~q_r.s-t` + "\x00\x7f\t"
	people := []*rapport.Person{
		{ID: 1, FirstName: "Ana"},
		{ID: 2, FirstName: hostile, LastName: "Ruiz", Kind: rapport.KindLead, StageID: 12, Source: hostile,
			Owner: &rapport.User{Name: hostile}, ReferredBy: &rapport.PersonRef{ID: 77, Name: hostile},
			Phones: []rapport.Phone{{Number: "+13125550142", Label: "mobile"}, {Number: "+13125550143", Bad: true, Label: hostile}, {Number: odd}},
			Emails: []rapport.Email{{Address: "ana@example.com", Label: hostile}, {Address: `a"b'<c>&d+e%zz@ex ample.com`}},
			Street: "1 Oak & Elm", City: hostile, State: "IL", PostalCode: "60601",
			Tags:     []string{"vip", hostile, "a b/c?d=e&f#g%h+i~j.k_l-m", "ünï"},
			Birthday: rapport.Anniversary{Month: time.March, Day: 4}, HomeAnniversary: rapport.Anniversary{Year: 2019, Month: time.June, Day: 30},
			CadenceDays: 90, TouchDueAt: now.AddDate(0, 1, 0), TZ: "America/New_York", LastLiveAt: now.Add(-50 * time.Hour), CreatedAt: now.AddDate(-2, 0, 0)},
		{ID: 3, FirstName: "Dee", Kind: rapport.KindRecruit, StageID: 22, DoNotCall: true, ArchivedAt: now.Add(-time.Hour), Owner: &rapport.User{Email: "o@example.com"},
			Phones: []rapport.Phone{{Number: "+13125550142"}, {Number: "+13125550199", Bad: true}}, CadenceDays: 30, TZ: hostile},
		{ID: 4, LastName: "Only", Kind: rapport.KindSphere, DoNotCall: true, Emails: []rapport.Email{{Address: "x@y.z"}}},
		{ID: 5, FirstName: "Client", Kind: rapport.KindClient, StageID: 41, Phones: []rapport.Phone{{Number: hostile, Label: "<b>"}}},
	}
	referrals := [][]rapport.Person{
		nil,
		{{ID: 91, FirstName: hostile, Kind: rapport.KindLead, Stage: &rapport.Stage{Name: hostile}, LastLiveAt: now.Add(-3 * time.Hour)},
			{ID: 92, LastName: "B", Kind: rapport.Kind(`odd"kind<`)}},
	}
	for _, p := range people {
		for _, refs := range referrals {
			page := &personPage{Base: base, Person: p, Referrals: refs}
			page.lookups.Pipelines = pipelines
			for _, part := range []struct {
				name string
				draw func(*personPage) template.HTML
			}{{"personHead", personHeadHTML}, {"personSide", personSideHTML}, {"personEnd", personEndHTML}} {
				var want bytes.Buffer
				if err := ref.ExecuteTemplate(&want, part.name, page); err != nil {
					t.Fatal(err)
				}
				got := string(part.draw(page))
				if got != want.String() {
					t.Errorf("%s of person %d:\ngot:  %q\nwant: %q", part.name, p.ID, got, want.String())
				}
				for _, bad := range []string{"<script>", `"x"`, "O'Brien", "<b>", "\x00", `odd"kind`} {
					if strings.Contains(got, bad) {
						t.Errorf("%s of person %d: %q unescaped", part.name, p.ID, bad)
					}
				}
			}
		}
	}
}

// TestPersonStoryMatchesTemplate: a person's facts and questions,
// follow-ups and timeline (an entry of every kind, each with and without
// its optional parts), byte for byte as the templates wrote them, on
// hostile values.
func TestPersonStoryMatchesTemplate(t *testing.T) {
	ref := template.Must(template.New("ref").Funcs(referenceFuncs(t)).Parse(personPartsTemplate))
	hostile := `<script>alert("x")</script> O'Brien & +1 é` + "\x00"
	now := time.Date(2026, 12, 8, 15, 4, 0, 0, time.UTC)
	today := rapport.DayOf(now, time.UTC)
	base := Base{Org: &rapport.Org{ID: 4, Region: "US"}, Now: now, Loc: time.UTC}
	facts := []rapport.Fact{
		{ID: 1, Type: rapport.FactFamily, Text: hostile, LearnedAt: now.Add(-time.Hour), Source: hostile, OnDate: "2027-03-04"},
		{ID: 2, Type: rapport.FactMotivation, Text: "New job in March", LearnedAt: now.AddDate(-1, 0, 0)},
		{ID: 3, Type: rapport.FactType(`odd<type>`), Text: "x", LearnedAt: now},
	}
	fus := []rapport.FollowUp{
		{ID: 5, UserID: 2, Owes: rapport.OwesMe, Note: hostile, DueOn: today.AddDays(-3), Status: rapport.FollowUpOpen},
		{ID: 6, UserID: 3, Owes: rapport.OwesThem, Note: "Send her list", DueOn: today, DueTime: "14:30", Status: rapport.FollowUpOpen},
		{ID: 7, UserID: 99, Owes: rapport.OwesMe, DueOn: today.AddDays(40), Status: rapport.FollowUpOpen},
	}
	done := rapport.FollowUp{Note: hostile, DueOn: today.AddDays(-1), Status: rapport.FollowUpStatus(`done"<`)}
	timeline := []store.TimelineItem{
		{At: now.Add(-time.Hour), Kind: store.TimelineConversation, UserName: hostile, Conversation: &rapport.Conversation{ID: 11, Channel: rapport.ChannelCall,
			Direction: "inbound", Outcome: rapport.OutcomeLive, Live: true, DNCConfirmed: true, DurationSeconds: 389, Temperature: rapport.Temperature(hostile), Notes: hostile},
			Facts: facts[:2], NextStep: &fus[0]},
		{At: now.AddDate(-2, 0, 0), Kind: store.TimelineConversation, Conversation: &rapport.Conversation{ID: 12, Channel: rapport.Channel(`x"y`), Direction: "outbound"},
			NextStep: &done},
		{At: now, Kind: store.TimelineFact, UserName: "Ana", Facts: facts[2:]},
		{At: now, Kind: store.TimelineFollowUpSet, FollowUp: &fus[1]},
		{At: now, Kind: store.TimelineFollowUpClosed, FollowUp: &done},
		{At: now, Kind: store.TimelineEvent, Event: &rapport.Event{Type: hostile, Source: hostile, Historical: true, Property: hostile, Message: hostile,
			Description: hostile, Note: hostile, PageURL: "https://example.com/a?b=<c>&d=\"e\"", Payload: `{"a":"<b>","c":'d'}` + "\x00",
			Details: rapport.Details{{Label: hostile, Value: hostile}, {Label: "Beds", Value: "3"}}}},
		{At: now, Kind: store.TimelineEvent, Event: &rapport.Event{Type: "Inquiry"}},
		{At: now, Kind: store.TimelineStage, FromStage: &rapport.Stage{Name: hostile}, ToStage: &rapport.Stage{Name: "Joined"}, Reason: hostile},
		{At: now, Kind: store.TimelineStage, ToStage: &rapport.Stage{Name: "New"}},
		{At: now, Kind: store.TimelineStage},
		{At: now, Kind: store.TimelineKind(`other"<kind>`)},
	}
	pages := []*personPage{
		{Base: base, Person: &rapport.Person{ID: 1}},
		{Base: base, Person: &rapport.Person{ID: 2}, Facts: rapport.GroupFacts(facts), FollowUps: fus, Timeline: timeline,
			Questions: []rapport.Question{{Type: rapport.FactFear, Text: hostile}, {Type: rapport.FactMotivation, Text: "Why now?"}}},
		{Base: base, Person: &rapport.Person{ID: 3}, Questions: []rapport.Question{{Type: rapport.FactFamily, Text: "Kids?"}}, Timeline: timeline[2:3]},
	}
	for _, page := range pages {
		page.UserNames = map[int64]string{2: hostile, 3: "Ana"}
		for _, part := range []struct {
			name string
			draw func(*personPage) template.HTML
		}{{"personFacts", personFactsHTML}, {"personFollowUps", personFollowUpsHTML}, {"personTimeline", personTimelineHTML}} {
			var want bytes.Buffer
			if err := ref.ExecuteTemplate(&want, part.name, page); err != nil {
				t.Fatal(err)
			}
			got := string(part.draw(page))
			if got != want.String() {
				t.Errorf("%s of person %d:\ngot:  %q\nwant: %q", part.name, page.Person.ID, got, want.String())
			}
			for _, bad := range []string{"<script>", `"x"`, "O'Brien", "<b>", "\x00", `odd<type>`} {
				if strings.Contains(got, bad) {
					t.Errorf("%s of person %d: %q unescaped", part.name, page.Person.ID, bad)
				}
			}
		}
	}
}
