package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// rowTemplate is the people list's rows as html/template wrote them before
// Rows: the reference Rows is held to.
const rowTemplate = `{{range .People}}
  <li>
    <a class="person-link" href="/people/{{.ID}}"><span class="avatar small" aria-hidden="true">{{.Initials}}</span><span class="name">{{.Name}}</span></a>
    <span class="badge kind-{{.Kind}}">{{.Kind.Label}}</span>
    {{with index $.Stages .StageID}}<span class="badge stage">{{.Name}}</span>{{end}}
    {{if .DoNotCall}}<span class="badge dnc">Do not call</span>{{end}}
    <span class="meta">
      {{with .FirstPhone}}{{$.Phone .}}{{end}}
      {{with .FirstEmail}} · {{.}}{{end}}
      {{with .OwnerID}} · {{index $.UserNames .}}{{end}}
      {{if eq .Kind "recruit"}} · {{.Units12m}} units, {{money .Volume12m}}{{end}}
    </span>
  </li>
{{end}}`

func TestPeopleRowsMatchTemplate(t *testing.T) {
	ref := template.Must(template.New("rows").Funcs(template.FuncMap{"money": rapport.Money}).Parse(rowTemplate))
	page := &peoplePage{Base: Base{Org: &rapport.Org{Region: "US"}, Now: time.Now(), Loc: time.UTC}}
	page.Stages = map[int64]*rapport.Stage{7: {ID: 7, Name: `Hot <lead> & "ready" 'now' +1`}}
	page.UserNames = map[int64]string{2: "Olive <O'Neil> & Co"}
	page.People = []rapport.Person{
		{ID: 1, FirstName: `<script>alert("x")</script>`, LastName: "O'Brien & +1", Kind: rapport.KindLead, StageID: 7, OwnerID: 2,
			FirstPhone: "+13125550142", FirstEmail: "a+b@example.com"},
		{ID: 2, Kind: rapport.KindSphere},
		{ID: 3, FirstName: "Ana\x00", LastName: "Ruiz", Kind: rapport.KindRecruit, DoNotCall: true, Units12m: 14, Volume12m: 6_250_000,
			OwnerID: 99, StageID: 8, FirstPhone: "+442071838750"},
		{ID: 4, FirstName: "Émile", LastName: "Zola", Kind: rapport.KindClient, FirstEmail: "emile@example.fr"},
		{ID: 5, FirstName: "Jo", Kind: rapport.Kind(`odd"kind`), OwnerID: 2},
	}
	var want bytes.Buffer
	if err := ref.Execute(&want, page); err != nil {
		t.Fatal(err)
	}
	space := regexp.MustCompile(`\s+`)
	norm := func(s string) string { return strings.TrimSpace(space.ReplaceAllString(s, " ")) }
	got := string(page.Rows())
	if norm(got) != norm(want.String()) {
		t.Errorf("rows differ from the template's:\ngot:  %s\nwant: %s", norm(got), norm(want.String()))
	}
	for _, bad := range []string{"<script>", `"x"`, "O'Brien", "<lead>", "<O'Neil>", "\x00", `odd"kind`} {
		if strings.Contains(got, bad) {
			t.Errorf("rows hold %q unescaped", bad)
		}
	}
	if page.People = nil; page.Rows() != "" {
		t.Error("rows of no one")
	}
}

// benchPeoplePage is the people list's page of n rows (up to fifty) and
// the views that render it, for the benchmarks.
func benchPeoplePage(b *testing.B, n int) (*views, *peoplePage) {
	b.Helper()
	a, err := loadAssets()
	if err != nil {
		b.Fatal(err)
	}
	v, err := parseViews(a)
	if err != nil {
		b.Fatal(err)
	}
	org := &rapport.Org{ID: 1, Name: "Acme", Region: "US", TZ: "America/Chicago"}
	u := &rapport.User{ID: 2, OrgID: 1, Name: "Agent", Role: rapport.RoleAgent}
	var people []rapport.Person
	for i := range n {
		people = append(people, rapport.Person{ID: int64(1000 + i), FirstName: "Maria", LastName: fmt.Sprintf("Smith%d", i), Kind: rapport.KindLead,
			OwnerID: 2, FirstPhone: fmt.Sprintf("+1312555%04d", i), FirstEmail: fmt.Sprintf("maria.smith%d@example.com", i)})
	}
	page := &peoplePage{Base: Base{Title: "People", User: u, Org: org, Now: time.Now(), Loc: time.UTC}, Form: newForm(nil), Kinds: rapport.Kinds,
		People: people, FactTypes: rapport.FactTypes}
	page.lookups.UserNames = map[int64]string{2: "Agent"}
	return v, page
}

// BenchmarkPeopleRender renders the people list with no rows and with a
// page of fifty: what the rows cost.
func BenchmarkPeopleRender(b *testing.B) {
	for _, n := range []int{0, 50} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			v, page := benchPeoplePage(b, n)
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := v.pages["people"].ExecuteTemplate(&buf, "layout.html", page); err != nil {
					b.Fatal(err)
				}
			}
			io.Discard.Write(buf.Bytes())
		})
	}
}

// TestUserOptionsMatchTemplate: a picker's options as html/template wrote
// them, on hostile names, a user known only by email, and each selection
// (one of them, none, a value no one has).
func TestUserOptionsMatchTemplate(t *testing.T) {
	ref := template.Must(template.New("opts").Parse(
		`{{range .Users}}<option value="{{.ID}}"{{if eq $.Sel (printf "%d" .ID)}} selected{{end}}>{{.DisplayName}}</option>{{end}}`))
	users := []rapport.User{
		{ID: 7, Name: `<script>alert("x")</script> O'Neil & +1` + "\x00"},
		{ID: 12, Email: "no.name+tag@example.com"},
		{ID: 120, Name: "Ana Ruiz"},
	}
	for _, sel := range []string{"12", "", "0", "1", "120", "me"} {
		var want bytes.Buffer
		if err := ref.Execute(&want, struct {
			Users []rapport.User
			Sel   string
		}{users, sel}); err != nil {
			t.Fatal(err)
		}
		var got strings.Builder
		if writeUserOptions(&got, users, sel); got.String() != want.String() {
			t.Errorf("selected %q:\ngot:  %s\nwant: %s", sel, got.String(), want.String())
		}
	}
	var none strings.Builder
	if writeUserOptions(&none, nil, "1"); none.Len() != 0 {
		t.Error("options of no one")
	}
}
