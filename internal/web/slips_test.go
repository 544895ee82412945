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

// slipTemplates are the badges and phones partials as html/template wrote
// them before badgesHTML and phonesHTML: the reference those are held to.
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
{{define "both"}}<div>{{template "badges" .V}}</div><div>{{template "phones" .}}</div>{{end}}`

func TestSlipPartsMatchTemplates(t *testing.T) {
	ref := template.Must(template.New("slips").Parse(slipTemplates))
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
			{Number: hostile, Label: "<b>"}}},
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
