package web

import (
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"testing"
)

// TestFormPartsMatchTemplates holds {{formPart name form}} to what the
// part's template writes in place ({{template name (formOpt)}}, as the
// pages called it before): for every part, for an empty form, the
// defaults the pages give, values typed by a hostile user, and a failed
// submission with its messages; drawn once and again (the kept copy).
// Forms with errors are never kept, and what is kept is bounded.
func TestFormPartsMatchTemplates(t *testing.T) {
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	parts := newFormParts()
	funcs := viewFuncs(a, parts)
	if parts.t, err = parseParts(funcs); err != nil {
		t.Fatal(err)
	}
	names := []string{"fact-add", "fact-rows", "next-step", "duration-temperature"}
	var defs strings.Builder
	for _, n := range names {
		// The contexts the pages draw them in: a form's body.
		fmt.Fprintf(&defs, `{{define "inline %[1]s"}}<form method="post" action="/x">{{template %[1]q .}}</form>{{end}}`, n)
		fmt.Fprintf(&defs, `{{define "drawn %[1]s"}}<form method="post" action="/x">{{formPart %[1]q .Form}}</form>{{end}}`, n)
	}
	set, err := template.Must(parseParts(funcs)).Parse(defs.String())
	if err != nil {
		t.Fatal(err)
	}
	hostile := `"><script>alert(1)</script>&amp;'`
	forms := map[string]func() *form{
		"empty":    func() *form { return newForm(nil) },
		"defaults": func() *form { return newForm(url.Values{"due": {"1w"}}) },
		"typed": func() *form {
			return newForm(url.Values{"due": {"3d"}, "fu_note": {hostile}, "fu_owes": {"them"}, "fu_kind": {"text"}, "temperature": {"hot"},
				"duration": {"12"}, "fact_type": {"fear", "passion"}, "fact_text": {hostile, "boats"}, "fact_date": {"2027-01-02"},
				"type": {"fear"}, "text": {hostile}, "on_date": {"2027-03-04"}, "remind_days": {"3"}})
		},
		"failed": func() *form {
			f := newForm(url.Values{"text": {hostile}, "fu_note": {hostile}, "duration": {"-1"}})
			for _, k := range []string{"text", "type", "on_date", "remind_days", "followup.due", "followup.due_time", "followup.note", "duration", "fact.0.text", "fact.1.on_date"} {
				f.Errors[k] = "Wrong: " + hostile
			}
			return f
		},
	}
	for _, n := range names {
		for fn, mk := range forms {
			var want strings.Builder
			if err := set.ExecuteTemplate(&want, "inline "+n, formOpt{Form: mk(), Opt: options}); err != nil {
				t.Fatal(err)
			}
			for round := range 2 {
				var got strings.Builder
				if err := set.ExecuteTemplate(&got, "drawn "+n, formOpt{Form: mk()}); err != nil {
					t.Fatal(err)
				}
				if got.String() != want.String() {
					t.Errorf("%s, %s form, draw %d:\n got %s\nwant %s", n, fn, round+1, got.String(), want.String())
				}
			}
			if strings.Contains(want.String(), "<script>") {
				t.Errorf("%s, %s form: unescaped: %s", n, fn, want.String())
			}
		}
	}
	// Each part's forms without errors are kept, once each; the failed one never.
	if got, want := len(parts.kept), len(names)*(len(forms)-1); got != want {
		t.Errorf("kept %d drawings, want %d", got, want)
	}
	for i := range 3 * formPartsKept {
		if _, err := parts.draw("duration-temperature", newForm(url.Values{"duration": {fmt.Sprint(i)}})); err != nil {
			t.Fatal(err)
		}
		if len(parts.kept) > formPartsKept {
			t.Fatalf("kept %d drawings, more than %d", len(parts.kept), formPartsKept)
		}
	}
}
