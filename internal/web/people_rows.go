package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Rows are the people list's rows, written here rather than by
// html/template: the template spent about 19 µs on a row (each value goes
// through reflection, then through escapers it calls by reflection), so
// that a page of fifty rows was most of a search's rendering. Every value
// is escaped by escapeHTML, as html/template escapes it, and goes only
// into text or a quoted attribute; TestPeopleRowsMatchTemplate holds the
// output to what the template made of the same people.
func (p *peoplePage) Rows() template.HTML {
	var b strings.Builder
	b.Grow(480 * len(p.People))
	for i := range p.People {
		p.row(&b, &p.People[i])
	}
	return template.HTML(b.String())
}

// row shows only what a brief page reads of a person (store's
// briefColumns, of which the first phone and email): a field more here is
// a column more there (TestPeopleListRowsShowEverything).
func (p *peoplePage) row(b *strings.Builder, x *rapport.Person) {
	b.WriteString("<li>\n<a class=\"person-link\" href=\"/people/")
	b.WriteString(strconv.FormatInt(x.ID, 10))
	b.WriteString("\"><span class=\"avatar small\" aria-hidden=\"true\">")
	escapeHTML(b, x.Initials())
	b.WriteString("</span><span class=\"name\">")
	escapeHTML(b, x.Name())
	b.WriteString("</span></a>\n")
	writeBadges(b, x.Kind, p.Stages[x.StageID], x.DoNotCall)
	b.WriteString("<span class=\"meta\">\n")
	if x.FirstPhone != "" {
		escapeHTML(b, p.Phone(x.FirstPhone))
		b.WriteString("\n")
	}
	if x.FirstEmail != "" {
		b.WriteString(" · ")
		escapeHTML(b, x.FirstEmail)
		b.WriteString("\n")
	}
	if x.OwnerID != 0 {
		b.WriteString(" · ")
		escapeHTML(b, p.UserNames[x.OwnerID])
		b.WriteString("\n")
	}
	if x.Kind == rapport.KindRecruit {
		b.WriteString(" · ")
		b.WriteString(strconv.Itoa(x.Units12m))
		b.WriteString(" units, ")
		escapeHTML(b, rapport.Money(x.Volume12m))
		b.WriteString("\n")
	}
	b.WriteString("</span>\n</li>\n")
}

// writeUserOptions writes a <select>'s options for users, the one whose
// id is selected marked (teamPicker's list). Written here rather than by
// html/template, which spent about 5 µs an option finding each field by
// reflection and formatting each id with printf: a brokerage of 2,000
// agents made the people list's owner filter 10 ms of its rendering.
// TestUserOptionsMatchTemplate holds it to the template it replaces.
func writeUserOptions(b *strings.Builder, users []rapport.User, selected string) {
	b.Grow(48 * len(users))
	for i := range users {
		id := strconv.FormatInt(users[i].ID, 10)
		b.WriteString("<option value=\"")
		b.WriteString(id)
		b.WriteString("\"")
		if id == selected {
			b.WriteString(" selected")
		}
		b.WriteString(">")
		escapeHTML(b, users[i].DisplayName())
		b.WriteString("</option>")
	}
}

// writeBadges writes a person's kind and stage as badges, and whether
// they are not to be called (a list's row, and badgesHTML).
func writeBadges(b *strings.Builder, kind rapport.Kind, stage *rapport.Stage, dnc bool) {
	b.WriteString("<span class=\"badge kind-")
	escapeHTML(b, string(kind))
	b.WriteString("\">")
	escapeHTML(b, kind.Label())
	b.WriteString("</span>\n")
	if stage != nil {
		b.WriteString("<span class=\"badge stage\">")
		escapeHTML(b, stage.Name)
		b.WriteString("</span>\n")
	}
	if dnc {
		b.WriteString("<span class=\"badge dnc\">Do not call</span>\n")
	}
}

// escapeIf writes before, s escaped (as escapeHTML) and after, when s is
// not empty.
func escapeIf(b *strings.Builder, before, s, after string) {
	if s != "" {
		b.WriteString(before)
		escapeHTML(b, s)
		b.WriteString(after)
	}
}

// htmlEscapes are the characters html/template escapes in text and in
// quoted attribute values, with what it writes for them.
var htmlEscapes = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// escapeHTML writes s escaped for HTML text or a quoted attribute value.
func escapeHTML(b *strings.Builder, s string) {
	htmlEscapes.WriteString(b, s)
}
