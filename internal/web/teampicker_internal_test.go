package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// SetTeamSelectMax changes the largest team whose pickers are a <select>,
// so that tests reach the typed picker with a small team.
func SetTeamSelectMax(n int) (restore func()) {
	old := teamSelectMax
	teamSelectMax = n
	return func() { teamSelectMax = old }
}

var pickerTeam = []rapport.User{
	{ID: 3, Name: "Ana Ruiz", Email: "ana@acme.test"},
	{ID: 4, Name: "Ana Ruiz", Email: "ana.r@acme.test"},
	{ID: 5, Name: "Ben Okafor", Email: "ben@acme.test"},
	{ID: 6, Name: "Bea Okonkwo", Email: "bea@acme.test"},
	{ID: 7, Email: "noname@acme.test"},
	{ID: 8, Name: `Zoë "Z" <Script>`, Email: "zoe@acme.test"},
	{ID: 9, Name: "Seán O'Brien", Email: "sean@acme.test"},
}

func TestResolveTeam(t *testing.T) {
	for _, c := range []struct {
		typed, value, problem string
	}{
		{"", "", ""},
		{"   ", "", ""},
		{"me", "me", ""},
		{"ME", "me", ""},
		{"Anyone", "", ""},
		{"5", "5", ""},
		{"#5", "5", ""},
		{"ben@acme.test", "5", ""},
		{"BEN@ACME.TEST", "5", ""},
		{"Ana Ruiz <ana.r@acme.test>", "4", ""},
		{"Ben Okafor", "5", ""},
		{"ben  okafor", "5", ""},
		{"ben", "5", ""},
		{"b ok", "", `2 people on the team are called "b ok" (Ben Okafor <ben@acme.test>, Bea Okonkwo <bea@acme.test>): type more of the name, or the email.`},
		{"bea", "6", ""},
		{"Ana Ruiz", "", `2 people on the team are called "Ana Ruiz"`},
		{"ruiz ana", "", `No one on the team is called "ruiz ana".`},
		{"carl", "", `No one on the team is called "carl".`},
		{"carl@acme.test", "", `No one on the team has the email "carl@acme.test".`},
		{"noname@acme.test", "7", ""},
		{`zoë "z"`, "8", ""},
		{"zoe z", "8", ""},
		{"sean obrien", "9", ""},
		{"Seán O'Brien", "9", ""},
		{"o'bri", "9", ""},
	} {
		v, problem := resolveTeam(pickerTeam, c.typed, ownerFilterField.Blanks...)
		if v != c.value || !strings.HasPrefix(problem, c.problem) || (c.problem == "") != (problem == "") {
			t.Errorf("%q: %q, %q; want %q, %q", c.typed, v, problem, c.value, c.problem)
		}
	}
	// The first blank is what an empty field means.
	if v, p := resolveTeam(pickerTeam, "", ownerField.Blanks...); v != "none" || p != "" {
		t.Errorf("empty owner: %q %q", v, p)
	}
	if v, p := resolveTeam(pickerTeam, "no one", ownerField.Blanks...); v != "none" || p != "" {
		t.Errorf(`"no one": %q %q`, v, p)
	}
}

func TestTeamPickerBothWays(t *testing.T) {
	draw := func(selected, errID string) string {
		t.Helper()
		h, err := teamPicker(pickerTeam, "f-owner", "owner filter", selected, errID)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	// A small team: a select of everyone, the blanks first.
	var opts strings.Builder
	writeUserOptions(&opts, pickerTeam, "5")
	want := `<select id="f-owner" name="owner"><option value="">Anyone</option><option value="me">Me</option>` + opts.String() + `</select>`
	if got := draw("5", ""); got != want {
		t.Errorf("select:\n got %s\nwant %s", got, want)
	}
	if got := draw("me", "e-owner"); !strings.Contains(got, `<select id="f-owner" name="owner" aria-invalid="true" aria-describedby="e-owner">`) ||
		!strings.Contains(got, `<option value="me" selected>Me</option>`) {
		t.Errorf("select with an error, me chosen: %s", got)
	}
	if _, err := teamPicker(pickerTeam, "f-x", "no such field", "", ""); err == nil {
		t.Error("a field no one defined drawn without an error")
	}

	defer SetTeamSelectMax(2)()
	for _, c := range []struct{ selected, value string }{
		{"", ""},
		{"me", "Me"},
		{"5", "Ben Okafor &lt;ben@acme.test&gt;"},
		{"7", "noname@acme.test"},
		{"8", "Zoë &#34;Z&#34; &lt;Script&gt; &lt;zoe@acme.test&gt;"},
		{`typed "<b>"`, "typed &#34;&lt;b&gt;&#34;"},
		{"999", "999"}, // someone no longer on the team keeps their id
	} {
		want := `<input id="f-owner" name="owner" type="text" value="` + c.value + `" list="f-owner-team" data-suggest="/team/suggest" ` +
			`autocomplete="off" placeholder="Type a name or email"><datalist id="f-owner-team"><option value="Me"></datalist>`
		if got := draw(c.selected, ""); got != want {
			t.Errorf("%q:\n got %s\nwant %s", c.selected, got, want)
		}
	}
}

// TestTemplatesWriteQueriesWithQuery: a link's query written from a value
// goes through queryURL ({{query …}}). html/template escapes a plain
// string after "?" as a single value ("=" and "&" too), which is how the
// export links, a saved list's link and Skip lost what they carried; a
// value after "key=" is one value and is escaped rightly.
func TestTemplatesWriteQueriesWithQuery(t *testing.T) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	partials, _ := fs.Glob(templateFS, "templates/partials/*.html")
	whole := regexp.MustCompile(`(\?|&amp;|&)\{\{-?\s*([^}]*)\}\}`)
	checked := 0
	for _, name := range append(names, partials...) {
		b, err := fs.ReadFile(templateFS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range whole.FindAllStringSubmatch(string(b), -1) {
			checked++
			if !strings.HasPrefix(m[2], "query ") {
				t.Errorf("%s: %q writes a query without {{query …}}", name, m[0])
			}
		}
	}
	if checked < 3 {
		t.Errorf("only %d queries written from values found: is the pattern still right?", checked)
	}
}
