package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"text/template/parse"
	"time"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
)

//go:embed templates
var templateFS embed.FS

// views holds one parsed template set per page: the layout, the page's
// own file and the partials' files it calls for.
type views struct {
	pages map[string]*template.Template
}

// A page's set holds only the partials' files it calls for. Cloning the
// layout with every partial for each page, as it was, had html/template
// copy their parse trees forty-odd times: half of a server's live heap
// (9.7 of 20.6 MB), which every collection marks.
func parseViews(a *assets) (*views, error) {
	parts := newFormParts()
	funcs := viewFuncs(a, parts)
	var err error
	if parts.t, err = parseParts(funcs); err != nil {
		return nil, err
	}
	partials, err := partialFiles(funcs)
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := parsePage(funcs, n, partials)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		v.pages[name] = t
	}
	return v, nil
}

// partialFiles maps each template the partials define to its file.
func partialFiles(funcs template.FuncMap) (map[string]string, error) {
	files, err := fs.Glob(templateFS, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	defined := map[string]string{}
	for _, f := range files {
		t, err := template.New(path.Base(f)).Funcs(funcs).ParseFS(templateFS, f)
		if err != nil {
			return nil, err
		}
		for _, x := range t.Templates() {
			if x.Name() == path.Base(f) {
				continue
			}
			if other, ok := defined[x.Name()]; ok {
				return nil, fmt.Errorf("template %q is defined in both %s and %s", x.Name(), other, f)
			}
			defined[x.Name()] = f
		}
	}
	return defined, nil
}

// parsePage parses the layout and the page file n, then the partials'
// files that define what they call for, until nothing called for is
// missing.
func parsePage(funcs template.FuncMap, n string, partials map[string]string) (*template.Template, error) {
	t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
	if err != nil {
		return nil, err
	}
	parsed := map[string]bool{}
	for {
		var files []string
		for _, x := range t.Templates() {
			if x.Tree == nil {
				continue
			}
			for _, called := range calledTemplates(x.Tree.Root, nil) {
				if t.Lookup(called) != nil {
					continue
				}
				f, ok := partials[called]
				if !ok {
					return nil, fmt.Errorf("no template %q", called)
				}
				if !parsed[f] {
					parsed[f] = true
					files = append(files, f)
				}
			}
		}
		if len(files) == 0 {
			return t, nil
		}
		if t, err = t.ParseFS(templateFS, files...); err != nil {
			return nil, err
		}
	}
}

// calledTemplates appends the names of the templates node calls for
// ({{template "name"}}), at any depth, to names.
func calledTemplates(node parse.Node, names []string) []string {
	switch n := node.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				names = calledTemplates(c, names)
			}
		}
	case *parse.TemplateNode:
		names = append(names, n.Name)
	case *parse.IfNode:
		names = calledTemplates(n.List, calledTemplates(n.ElseList, names))
	case *parse.RangeNode:
		names = calledTemplates(n.List, calledTemplates(n.ElseList, names))
	case *parse.WithNode:
		names = calledTemplates(n.List, calledTemplates(n.ElseList, names))
	}
	return names
}

// viewFuncs are the functions every template may call; parts draws
// formPart.
func viewFuncs(a *assets, parts *formParts) template.FuncMap {
	return template.FuncMap{
		"asset":       a.url,
		"money":       rapport.Money,
		"periodLabel": rapport.PeriodLabel,
		"join":        strings.Join,
		"add":         func(a, b int) int { return a + b },
		"seq": func(n int) []int {
			out := make([]int, n)
			for i := range out {
				out[i] = i
			}
			return out
		},
		"field":           newField,
		"sub":             func(b Base, v any) sub { return sub{Base: b, V: v} },
		"badges":          badgesHTML,
		"phones":          phonesHTML,
		"topBar":          topBarHTML,
		"personHead":      personHeadHTML,
		"personSide":      personSideHTML,
		"personEnd":       personEndHTML,
		"personFacts":     personFactsHTML,
		"personFollowUps": personFollowUpsHTML,
		"personTimeline":  personTimelineHTML,
		"card":            cardHTML,
		"slips":           slipsHTML,
		"query":           queryURL,
		"typedTeam":       func(users []rapport.User) bool { return len(users) > teamSelectMax },
		"teamPicker":      teamPicker,
		"formPart":        parts.draw,
		"guide":           func(f *form, g *convGuide) guideForm { return guideForm{Form: f, Guide: g} },
		"askField":        askField,
		"entryFields": func(f *form, kind string, o entryOptions) entryFields {
			return entryFields{Form: f, Kind: kind, Opt: o}
		},
		"errAt":       func(f *form, name string, i int) string { return f.Errors[name+"."+strconv.Itoa(i)] },
		"factErr":     func(f *form, i int, field string) string { return f.Errors["fact."+strconv.Itoa(i)+"."+field] },
		"lower":       strings.ToLower,
		"contains":    func(xs []string, x string) bool { return contains(xs, x) },
		"list":        func(xs ...string) []string { return xs },
		"ranked":      rankedRows,
		"factExample": factExample,
		"wait":        waitWords,
	}
}

// parseParts parses the partials on their own, for formParts.
func parseParts(funcs template.FuncMap) (*template.Template, error) {
	return template.New("parts").Funcs(funcs).ParseFS(templateFS, "templates/partials/*.html")
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.views.pages[name]
	if !ok {
		s.log.Error("no such template", "name", name)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer putPageBuffer(buf)
	if err := t.ExecuteTemplate(buf, "layout.html", data); err != nil {
		s.log.Error("render", "template", name, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// pageBuffers hold pages as they are rendered: a page is written whole
// before any of it is sent (a template that fails sends an error, not half
// a page), and growing a fresh buffer to a page's size for every request
// was a fifth of what rendering Today allocated.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer kept for the next page: a rare huge
// page (a long list) is left to the collector rather than held.
const maxPooledPage = 1 << 20

func putPageBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledPage {
		return
	}
	b.Reset()
	pageBuffers.Put(b)
}

// Base is what every page's layout needs.
type Base struct {
	Title string
	User  *rapport.User
	Org   *rapport.Org
	Flash string
	// FlashLink, when set, follows the flash: the page it speaks of.
	FlashLink *link
	Active    string // the navigation item to mark current
	Now       time.Time
	Loc       *time.Location
}

func (s *Server) basePage(r *http.Request, a *account, title string) Base {
	b := Base{Title: title, Now: s.now(), Loc: time.UTC}
	if a != nil {
		b.User, b.Org, b.Loc = a.user, a.org, a.loc
	}
	return b
}

// withFlash is Base with the pending flash message taken.
func (s *Server) withFlash(w http.ResponseWriter, r *http.Request, a *account, title, active string) Base {
	b := s.basePage(r, a, title)
	b.Flash, b.Active = s.takeFlash(w, r), active
	if msg, rest, ok := strings.Cut(b.Flash, flashSep); ok {
		href, text, _ := strings.Cut(rest, flashSep)
		b.Flash = msg
		if href == nextOr(href, "") && text != "" {
			b.FlashLink = &link{Href: href, Text: text}
		}
	}
	return b
}

// factExamples are the hints in a blank fact of each type.
var factExamples = map[string]string{
	"passion":    "e.g. sails on Lake Michigan every summer",
	"interest":   "e.g. follows the Cubs; restores old bikes",
	"fear":       "e.g. worried the kids will have to change schools",
	"motivation": "e.g. a new job downtown starts in March",
	"family":     "e.g. twins in 2nd grade; her mother lives nearby",
	"work":       "e.g. nurse at Northwestern, night shifts",
	"preference": "e.g. texts, never before 9; wants a yard",
	"other":      "e.g. anything worth remembering next time",
}

// factExample is the hint for a fact of type t.
func factExample(t any) string {
	if e, ok := factExamples[fmt.Sprint(t)]; ok {
		return e
	}
	return factExamples["other"]
}

// link is a link a page shows.
type link struct{ Href, Text string }

// flashSep parts a flash message from its link's address and text.
const flashSep = "\x00"

// flashLink is flash with a link after the message to a page of this
// site: after logging in the call session, the person just logged.
func (s *Server) flashLink(w http.ResponseWriter, r *http.Request, msg, href, text string) {
	s.flash(w, r, msg+flashSep+href+flashSep+text)
}

// Methods on Base format times in the user's zone for templates.

// Date renders a day: "Mon 23 Nov".
func (b Base) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	lt := t.In(b.Loc)
	if lt.Year() != b.Now.In(b.Loc).Year() {
		return lt.Format("Mon 2 Jan 2006")
	}
	return lt.Format("Mon 2 Jan")
}

// DateTime renders a moment: "Mon 23 Nov, 3:04 PM".
func (b Base) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return b.Date(t) + ", " + t.In(b.Loc).Format("3:04 PM")
}

// Clock renders a time of day in the user's zone.
func (b Base) Clock(t time.Time) string { return t.In(b.Loc).Format("3:04 PM") }

// Ago renders how long ago t was.
func (b Base) Ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return rapport.Ago(b.Now, t)
}

// Day renders a calendar day relative to today: "today", "tomorrow",
// "yesterday", "3 days ago", "Mon 7 Dec".
func (b Base) Day(d rapport.Day) string {
	today := rapport.DayOf(b.Now, b.Loc)
	switch n := today.DaysUntil(d); {
	case n == 0:
		return "today"
	case n == 1:
		return "tomorrow"
	case n == -1:
		return "yesterday"
	case n < 0 && n > -60:
		return fmt.Sprintf("%d days ago", -n)
	}
	if d.Format("2006") != today.Format("2006") {
		return d.Format("Mon 2 Jan 2006")
	}
	return d.Format("Mon 2 Jan")
}

// Today is the user's current day.
func (b Base) Today() rapport.Day { return rapport.DayOf(b.Now, b.Loc) }

// Phone formats a stored number for reading.
func (b Base) Phone(e164 string) string {
	region := "US"
	if b.Org != nil {
		region = b.Org.Region
	}
	return phone.Display(e164, region)
}

// LocalNow is the current time in zone tz (or the organisation's).
func (b Base) LocalIn(tz string) time.Time {
	loc := b.Loc
	if b.Org != nil {
		loc = rapport.LoadTZ(tz, b.Org.Location())
	}
	return b.Now.In(loc)
}

// sub hands a partial template the page's Base (for formatting) and a value.
type sub struct {
	Base
	V any
}

// formOpt hands a partial a form and the conversation options.
type formOpt struct {
	Form *form
	Opt  logOptions
}

// Field is one labelled form control.
type Field struct {
	Name, Label, Type, Value, Error, Hint string
	Required                              bool
}

func newField(f *form, name, label, typ string) Field {
	fd := Field{Name: name, Label: label, Type: typ}
	if f != nil {
		fd.Value, fd.Error = f.Get(name), f.Errors[name]
	}
	return fd
}

// queryURL is a query string (a=1&b=2) to write after the "?" of a link.
// html/template escapes a plain string there as one value — "=" and "&"
// too — so a link written as href="/people?{{.Query}}" lost every filter
// (the export links, a saved list's link, the call screen's Skip). The
// query is parsed and encoded again, so only well-formed pairs go out.
func queryURL(q string) template.URL {
	v, err := url.ParseQuery(q)
	if err != nil {
		return ""
	}
	return template.URL(v.Encode())
}
