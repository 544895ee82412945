package web

import (
	"bytes"
	"html/template"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// slipTemplates are the badges, phones and card partials as html/template
// wrote them before badgesHTML, phonesHTML and cardHTML: the reference
// those are held to.
const slipTemplates = `{{define "badges"}}
<span class="badge kind-{{.Kind}}">{{.Kind.Label}}</span>
{{with .Stage}}<span class="badge stage">{{.Name}}</span>{{end}}
{{if .DoNotCall}}<span class="badge dnc">Do not call</span>{{end}}
{{if .Archived}}<span class="badge archived">Archived</span>{{end}}
{{end}}
{{define "phones"}}
{{$b := .}}
{{if .V.DoNotCall}}
{{range .V.CallablePhones}}<span class="phone dnc">{{$b.Phone .Number}}{{with .Label}} <span class="muted">{{.}}</span>{{end}}</span> {{end}}<span class="badge dnc">Do not call</span>
{{else}}
{{range .V.CallablePhones}}<a class="button tel" href="tel:{{.Number}}"><span aria-hidden="true">☎</span> {{$b.Phone .Number}}{{with .Label}} <span class="muted">{{.}}</span>{{end}}</a> {{else}}<span class="muted">No working phone number.</span>{{end}}
{{end}}
{{end}}
{{define "both"}}<div>{{template "badges" .V}}</div><div>{{template "phones" .}}</div>{{end}}
{{define "card"}}
{{$b := .}}{{$it := .V}}{{$p := $it.Person}}
<div class="card-body">
  {{with $it.Card}}
  {{if .Facts}}
  <dl class="story">
    {{range .Facts}}<dt>{{.Type.Label}}</dt>{{range .Facts}}<dd>{{.Text}}</dd>{{end}}{{end}}
  </dl>
  {{end}}
  {{with .Questions}}
  <div class="questions">
    <p class="label">Still unknown — try asking:</p>
    <ul>{{range .}}<li><span class="q-type">{{.Type.Short}}</span> “{{.Text}}”</li>{{end}}</ul>
  </div>
  {{end}}
  {{with .LastEvent}}
  <p class="last"><span class="label">{{.Type}}</span> {{$b.Ago .OccurredAt}}{{with .Source}} via {{.}}{{end}}{{with .Property}}: {{.}}{{end}}{{with .Message}} — “{{.}}”{{end}}</p>
  {{end}}
  {{with .LastConversation}}
  <p class="last"><span class="label">Last touch</span> {{$b.Date .OccurredAt}}: {{.Channel.Label}}{{with .Outcome.Label}}, {{lower .}}{{end}}{{with .Notes}} — {{.}}{{end}}</p>
  {{else}}<p class="last"><span class="label">Last touch</span> never</p>{{end}}
  {{with .Promises}}
  <ul class="promises">{{range .}}<li class="{{if eq .Owes "them"}}theirs{{else}}mine{{end}}">{{.Label}} <span class="due">· due {{$b.Day .DueOn}}</span></li>{{end}}</ul>
  {{end}}
  {{end}}
  {{with $it.Referrer}}<p><span class="label">Referred by</span> <a href="/people/{{$p.ReferredByID}}">{{.}}</a></p>{{end}}
  {{if eq $p.Kind "recruit"}}
  <p class="production"><span class="label">Production</span> {{with $p.Workplace}}{{.}} · {{end}}{{$p.Units12m}} units, {{money $p.Volume12m}} in 12 months{{with $p.LicenceYear}} · licensed {{.}}{{end}}</p>
  {{end}}
</div>
{{end}}`

func TestSlipPartsMatchTemplates(t *testing.T) {
	ref := template.Must(template.New("slips").Funcs(template.FuncMap{"money": rapport.Money, "lower": strings.ToLower}).Parse(slipTemplates))
	base := Base{Org: &rapport.Org{Region: "US"}, Now: time.Now(), Loc: time.UTC}
	hostile := `<script>alert("x")</script> O'Brien & +1 ` + "\x00"
	people := []*rapport.Person{
		{ID: 1, FirstName: "Ana", Kind: rapport.KindLead,
			Phones: []rapport.Phone{{Number: "+13125550142", Label: "mobile"}, {Number: "+13125550143", Bad: true}, {Number: "+442071838750"}}},
		{ID: 2, Kind: rapport.KindRecruit, Stage: &rapport.Stage{Name: hostile}, DoNotCall: true,
			Phones: []rapport.Phone{{Number: "+13125550142", Label: hostile}, {Number: "+13125550144"}}},
		{ID: 3, Kind: rapport.Kind(`odd"kind<`), ArchivedAt: time.Now()},
		{ID: 4, Kind: rapport.KindSphere, DoNotCall: true},
		// Numbers as a careless import might have kept them: every byte
		// html/template would encode in a URL, and some it keeps.
		{ID: 5, Kind: rapport.KindClient, Phones: []rapport.Phone{
			{Number: `312 555 0142 (home) "x" 'y' <z> é%41&a=b#c?d;e,f/g:h@i[j]k!l$m*n+o=p~q_r.s-t` + "\x00\x7f\t"},
			{Number: hostile, Label: "<b>"},
			// A percent sign is kept only before two hex digits.
			{Number: "100% %4 %zz %4g %41%2f end%"}}},
	}
	space := regexp.MustCompile(`\s+`)
	// Whitespace counts as one space (the partials begin with a line
	// break their callers' markup does not show).
	norm := func(s string) string {
		return strings.ReplaceAll(strings.TrimSpace(space.ReplaceAllString(s, " ")), "<div> ", "<div>")
	}
	for _, p := range people {
		var want bytes.Buffer
		if err := ref.ExecuteTemplate(&want, "both", sub{Base: base, V: p}); err != nil {
			t.Fatal(err)
		}
		got := "<div>" + string(badgesHTML(p)) + "</div><div>" + string(phonesHTML(base, p)) + "</div>"
		if norm(got) != norm(want.String()) {
			t.Errorf("person %d differs from the templates':\ngot:  %s\nwant: %s", p.ID, norm(got), norm(want.String()))
		}
		for _, bad := range []string{"<script>", `"x"`, "O'Brien", "<b>", "\x00", `odd"kind`} {
			if strings.Contains(got, bad) {
				t.Errorf("person %d: %q unescaped", p.ID, bad)
			}
		}
	}
}

func TestCardMatchesTemplate(t *testing.T) {
	ref := template.Must(template.New("slips").Funcs(template.FuncMap{"money": rapport.Money, "lower": strings.ToLower}).Parse(slipTemplates))
	now := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	base := Base{Org: &rapport.Org{Region: "US"}, Now: now, Loc: time.UTC}
	hostile := `<script>alert("x")</script> O'Brien & +1 ` + "\x00"
	full := &rapport.ContextCard{
		Facts: []rapport.FactGroup{
			{Type: rapport.FactFamily, Facts: []rapport.Fact{{Text: hostile}, {Text: "Two kids"}}},
			{Type: rapport.FactType(`odd<type>`), Facts: []rapport.Fact{{Text: "x"}}},
		},
		Questions:        []rapport.Question{{Type: rapport.FactMotivation, Text: hostile}, {Type: rapport.FactFear, Text: "When?"}},
		LastEvent:        &rapport.Event{Type: hostile, Source: "Zillow <z>", Property: "12 Oak & Elm", Message: hostile, OccurredAt: now.Add(-3 * time.Hour)},
		LastConversation: &rapport.Conversation{OccurredAt: now.AddDate(-1, 0, 0), Channel: rapport.ChannelCall, Outcome: rapport.OutcomeLive, Notes: hostile},
		Promises: []rapport.FollowUp{
			{Owes: rapport.OwesThem, Note: hostile, DueOn: rapport.DayOf(now, time.UTC).AddDays(2)},
			{Owes: rapport.OwesMe, Note: "Send comps", DueOn: rapport.DayOf(now, time.UTC)},
		},
	}
	items := []*todayItem{
		{TodayEntry: rapport.TodayEntry{Person: &rapport.Person{ID: 1, Kind: rapport.KindLead, ReferredByID: 42}, Referrer: hostile}, Card: full},
		{TodayEntry: rapport.TodayEntry{Person: &rapport.Person{ID: 2, Kind: rapport.KindRecruit, Brokerage: hostile, Office: "North <1>",
			Units12m: 14, Volume12m: 6_250_000, LicenceYear: 2011}}, Card: &rapport.ContextCard{
			LastConversation: &rapport.Conversation{OccurredAt: now.Add(-time.Hour), Channel: rapport.ChannelText}}},
		{TodayEntry: rapport.TodayEntry{Person: &rapport.Person{ID: 3, Kind: rapport.KindRecruit}}, Card: &rapport.ContextCard{}},
		{TodayEntry: rapport.TodayEntry{Person: &rapport.Person{ID: 4, Kind: rapport.KindSphere}}},
	}
	space := regexp.MustCompile(`\s+`)
	norm := func(s string) string { return strings.TrimSpace(space.ReplaceAllString(s, " ")) }
	for _, it := range items {
		var want bytes.Buffer
		if err := ref.ExecuteTemplate(&want, "card", sub{Base: base, V: it}); err != nil {
			t.Fatal(err)
		}
		got := string(cardHTML(base, it))
		if norm(got) != norm(want.String()) {
			t.Errorf("person %d: card differs from the template's:\ngot:  %s\nwant: %s", it.Person.ID, norm(got), norm(want.String()))
		}
		for _, bad := range []string{"<script>", `"x"`, "O'Brien", "<z>", "<1>", "<type>", "\x00"} {
			if strings.Contains(got, bad) {
				t.Errorf("person %d: %q unescaped", it.Person.ID, bad)
			}
		}
	}
}

// slipsTemplate is Today's slips as today.html wrote them before
// slipsHTML (its badges, phones and card already the functions above).
const slipsTemplate = `{{range .Items}}{{$p := .Person}}
  <li class="slip{{if not .CallableNow}} later{{end}}">
    <div class="slip-head">
      <h2><a href="/people/{{$p.ID}}">{{$p.Name}}</a></h2>
      <div class="badges">{{badges $p}}</div>
    </div>
    <ul class="reasons">{{range $i, $r := .Reasons}}<li{{if eq $i 0}} class="first"{{end}}>{{$r.Text}}</li>{{end}}</ul>
    {{with .Opener}}<p class="opener"><span class="label">Try:</span> “{{.}}”</p>{{end}}
    {{if not .CallableNow}}<p class="hours">It is {{.LocalTime.Format "3:04 PM"}} for them: call after {{.CallableAt.Format "3:04 PM"}} their time ({{$.Clock .CallableAt}} yours).</p>{{end}}
    <div class="slip-actions">
      {{phones $.Base $p}}
      <a class="button" href="/call/{{$p.ID}}">Open call screen</a>
    </div>
    <details class="card">
      <summary>Context</summary>
      {{card $.Base .}}
    </details>
  </li>
{{end}}`

func TestSlipsMatchTemplate(t *testing.T) {
	ref := template.Must(template.New("slips").Funcs(template.FuncMap{"badges": badgesHTML, "phones": phonesHTML, "card": cardHTML}).Parse(slipsTemplate))
	now := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	chicago, tokyo := mustLoc(t, "America/Chicago"), mustLoc(t, "Asia/Tokyo")
	base := Base{Org: &rapport.Org{Region: "US"}, Now: now, Loc: chicago}
	hostile := `<script>alert("x")</script> O'Brien & +1 ` + "\x00"
	page := struct {
		Base
		Items []todayItem
	}{Base: base, Items: []todayItem{
		{TodayEntry: rapport.TodayEntry{Person: &rapport.Person{ID: 1, FirstName: hostile, LastName: "Ruiz", Kind: rapport.KindLead,
			Stage: &rapport.Stage{Name: hostile}, Phones: []rapport.Phone{{Number: "+13125550142", Label: hostile}}},
			Reasons:     []rapport.Reason{{Text: hostile}, {Text: "Birthday today"}, {Text: "Asked for a call back"}},
			CallableNow: true, Opener: hostile, Referrer: hostile},
			Card: &rapport.ContextCard{LastConversation: &rapport.Conversation{OccurredAt: now.Add(-time.Hour), Channel: rapport.ChannelCall, Notes: hostile}}},
		{TodayEntry: rapport.TodayEntry{Person: &rapport.Person{ID: 2, Kind: rapport.KindRecruit, DoNotCall: true, ArchivedAt: now},
			Reasons:   []rapport.Reason{{Text: "Quiet top producer"}},
			LocalTime: now.In(tokyo), CallableAt: now.Add(9 * time.Hour).In(tokyo)}},
		{TodayEntry: rapport.TodayEntry{Person: &rapport.Person{ID: 3, Kind: rapport.Kind(`odd"kind<`)}, CallableNow: true}},
	}}
	var want bytes.Buffer
	if err := ref.Execute(&want, page); err != nil {
		t.Fatal(err)
	}
	space := regexp.MustCompile(`\s+`)
	norm := func(s string) string { return strings.TrimSpace(space.ReplaceAllString(s, " ")) }
	got := string(slipsHTML(page.Base, page.Items))
	if norm(got) != norm(want.String()) {
		t.Errorf("slips differ from the template's:\ngot:  %s\nwant: %s", norm(got), norm(want.String()))
	}
	for _, bad := range []string{"<script>", `"x"`, "O'Brien", "\x00", `odd"kind`} {
		if strings.Contains(got, bad) {
			t.Errorf("%q unescaped", bad)
		}
	}
	if slipsHTML(base, nil) != "" {
		t.Error("slips of no one")
	}
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
