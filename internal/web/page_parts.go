package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// The parts of pages drawn on every request (the signed-in user's top bar
// on every page, and the head and side column of a person's page) are
// written here rather than by html/template, as Today's slips and the
// people list's rows are (slips.go, people_rows.go). A template spends
// about a microsecond on each value and comparison it evaluates, by
// reflection: the top bar's nine "is this tab the current one?" tests and
// role checks were 40 µs of every page, and the person page's side column
// 55 µs, more than a bare person's page spent on everything else it drew.
// Every value is escaped as html/template escapes it in the same place;
// TestPagePartsMatchTemplates holds each part to the template it
// replaced, on hostile values.

// topBarHTML is the layout's top bar (the tabs, the More menu and signing
// out) for a signed-in user; for no one, nothing. active names the tab of
// the current page.
func topBarHTML(u *rapport.User, org *rapport.Org, active string) template.HTML {
	if u == nil {
		return ""
	}
	var b strings.Builder
	b.Grow(2600)
	// The tab bar follows the role: who recruits gets Recruiting, an
	// agent the Playbook; on a phone the rest is under More.
	recruits := u.CanManageUsers() || u.HiringManager()
	current := func(key string) {
		if key == active {
			b.WriteString(` aria-current="page"`)
		}
	}
	tab := func(class, href, key, icon, label string) {
		b.WriteString("<a")
		if class != "" {
			b.WriteString(` class="`)
			b.WriteString(class)
			b.WriteString(`"`)
		}
		b.WriteString(` href="`)
		b.WriteString(href)
		b.WriteString(`"`)
		current(key)
		b.WriteString(`><span class="tab-icon" aria-hidden="true">`)
		b.WriteString(icon)
		b.WriteString("</span>")
		b.WriteString(label)
		b.WriteString("</a>")
	}
	more := func(href, key, label string) {
		b.WriteString(`<a href="`)
		b.WriteString(href)
		b.WriteString(`"`)
		current(key)
		b.WriteString(">")
		b.WriteString(label)
		b.WriteString("</a>")
	}
	who := func() {
		b.WriteString(`<span class="who">`)
		escapeHTML(&b, u.DisplayName())
		b.WriteString(" · ")
		escapeHTML(&b, org.Name)
		b.WriteString("</span>")
	}
	b.WriteString("\n<header class=\"top\">\n  <a class=\"brand\" href=\"/today\">Rapport</a>\n  \n  \n  <nav class=\"tabs\" aria-label=\"Main\">")
	// One tab a line, a line's tab shown or not.
	line := func() { b.WriteString("\n    ") }
	line()
	tab("", "/today", "today", "☎", "Today")
	line()
	tab("", "/people", "people", "☺", "People")
	line()
	tab("", "/followups", "followups", "✓", "Follow-ups")
	line()
	if recruits {
		tab("", "/recruiting", "recruiting", "★", "Recruiting")
	}
	line()
	tab("", "/review", "reports", "▤", "Reports")
	line()
	if recruits {
		tab("tab-wide", "/playbook", "playbook", "❝", "Playbook")
	} else {
		tab("", "/playbook", "playbook", "❝", "Playbook")
	}
	line()
	if !recruits {
		tab("tab-wide", "/recruiting", "recruiting", "★", "Recruiting")
	}
	line()
	tab("tab-wide", "/settings", "settings", "⚙", "Settings")
	line()
	if u.CanManageUsers() {
		tab("tab-wide", "/users", "users", "♟", "Team")
	}
	b.WriteString("\n  </nav>\n  <details class=\"menu\">\n    <summary>More</summary>\n    <nav aria-label=\"More\">\n      ")
	if recruits {
		more("/playbook", "playbook", "Playbook")
	} else {
		more("/recruiting", "recruiting", "Recruiting")
	}
	b.WriteString("\n      ")
	more("/settings", "settings", "Settings")
	b.WriteString("\n      ")
	if u.CanManageUsers() {
		more("/users", "users", "Team")
	}
	b.WriteString("\n      <form class=\"signout\" method=\"post\" action=\"/signout\">\n        ")
	who()
	b.WriteString("\n        <button type=\"submit\">Sign out</button>\n      </form>\n    </nav>\n  </details>\n  <form class=\"signout wide\" method=\"post\" action=\"/signout\">\n    ")
	who()
	b.WriteString("\n    <button type=\"submit\" class=\"link\">Sign out</button>\n  </form>\n</header>\n")
	return template.HTML(b.String())
}

// personHeadHTML is the top of a person's page: whether they are
// archived, their name, badges, owner, source and referrer, and the
// actions (their phones, the call screen, logging, editing, their card).
func personHeadHTML(page *personPage) template.HTML {
	p := page.Person
	id := strconv.FormatInt(p.ID, 10)
	var b strings.Builder
	b.Grow(1600)
	b.WriteString("\n")
	if p.Archived() {
		b.WriteString(`<p class="warning">Archived `)
		escapeHTML(&b, page.Date(p.ArchivedAt))
		b.WriteString(". Archived people leave lists and Today but keep their history.\n  <form class=\"inline\" method=\"post\" action=\"/people/")
		b.WriteString(id)
		b.WriteString("/restore\"><button type=\"submit\">Restore</button></form></p>")
	}
	b.WriteString("\n<div class=\"person-head\">\n  <div class=\"avatar\" aria-hidden=\"true\">")
	escapeHTML(&b, p.Initials())
	b.WriteString("</div>\n  <div>\n    <h1>")
	escapeHTML(&b, p.Name())
	b.WriteString("</h1>\n    <div class=\"badges\">")
	writePersonBadges(&b, p)
	b.WriteString("</div>\n    <p class=\"muted\">")
	if p.Owner != nil {
		b.WriteString("Owner: ")
		escapeHTML(&b, p.Owner.DisplayName())
	}
	escapeIf(&b, " · Source: ", p.Source, "")
	if r := p.ReferredBy; r != nil {
		b.WriteString(" · Referred by ")
		writePersonLink(&b, r.ID, r.Name)
	}
	b.WriteString("</p>\n  </div>\n</div>\n<div class=\"person-actions\">\n  ")
	writePhones(&b, page.Base, p)
	b.WriteString("\n  ")
	if !p.DoNotCall {
		b.WriteString("<a class=\"button primary\" href=\"/call/")
		b.WriteString(id)
		b.WriteString("\">Call screen</a>")
	}
	for _, a := range [...]struct{ class, path, label string }{
		{"button", "/log", "Log conversation"}, {"button", "/edit", "Edit"}, {"button quiet", "/vcard", "Add to my phone"},
	} {
		b.WriteString("\n  <a class=\"")
		b.WriteString(a.class)
		b.WriteString("\" href=\"/people/")
		b.WriteString(id)
		b.WriteString(a.path)
		b.WriteString("\">")
		b.WriteString(a.label)
		b.WriteString("</a>")
	}
	b.WriteString("\n</div>\n")
	return template.HTML(b.String())
}

// personSideHTML is the start of a person's side column: how to reach
// them, their stage (a form to move them) and their details.
func personSideHTML(page *personPage) template.HTML {
	p := page.Person
	id := strconv.FormatInt(p.ID, 10)
	var b strings.Builder
	b.Grow(2400)
	b.WriteString("\n  <section>\n    <h2>Contact</h2>\n    <ul class=\"plain\">\n      ")
	for i := range p.Phones {
		ph := &p.Phones[i]
		b.WriteString("<li>")
		switch {
		case ph.Bad:
			b.WriteString("<s>")
			escapeHTML(&b, page.Phone(ph.Number))
			b.WriteString("</s> <span class=\"muted\">bad number</span>")
		case p.DoNotCall:
			escapeHTML(&b, page.Phone(ph.Number))
			b.WriteString(" <span class=\"badge dnc\">do not call</span> · ")
			writeTelLink(&b, "sms:", ph.Number, "text")
		default:
			writeTelLink(&b, "tel:", ph.Number, page.Phone(ph.Number))
			b.WriteString(" · ")
			writeTelLink(&b, "sms:", ph.Number, "text")
		}
		escapeIf(&b, " <span class=\"muted\">", ph.Label, "</span>")
		b.WriteString("</li>")
	}
	b.WriteString("\n      ")
	for i := range p.Emails {
		e := &p.Emails[i]
		b.WriteString("<li><a href=\"mailto:")
		escapeHTML(&b, normalizeURL(e.Address))
		b.WriteString("\">")
		escapeHTML(&b, e.Address)
		b.WriteString("</a>")
		escapeIf(&b, " <span class=\"muted\">", e.Label, "</span>")
		b.WriteString("</li>")
	}
	b.WriteString("\n      ")
	escapeIf(&b, "<li>", p.Address(), "</li>")
	b.WriteString("\n      ")
	if len(p.Phones) == 0 && len(p.Emails) == 0 {
		b.WriteString("<li class=\"muted\">No contact details.</li>")
	}
	b.WriteString("\n    </ul>\n  </section>\n  <section>\n    <h2>Stage</h2>\n    <form method=\"post\" action=\"/people/")
	b.WriteString(id)
	b.WriteString("/stage\" class=\"stage-form\">\n      <label for=\"f-stage\" class=\"visually-hidden\">Stage</label>\n      <select id=\"f-stage\" name=\"stage\">\n        ")
	kind := rapport.PipelineKind("clients")
	if p.Kind == rapport.KindRecruit {
		kind = "recruiting"
	}
	for i := range page.Pipelines {
		pl := &page.Pipelines[i]
		if pl.Kind != kind {
			continue
		}
		b.WriteString("\n        ")
		for j := range pl.Stages {
			s := &pl.Stages[j]
			b.WriteString("<option value=\"")
			b.WriteString(strconv.FormatInt(s.ID, 10))
			b.WriteString("\"")
			if s.ID == p.StageID {
				b.WriteString(" selected")
			}
			b.WriteString(">")
			escapeHTML(&b, s.Name)
			b.WriteString("</option>")
		}
		b.WriteString("\n        ")
	}
	b.WriteString("\n      </select>\n      <label for=\"f-reason\" class=\"visually-hidden\">Why</label>\n      <input id=\"f-reason\" name=\"reason\" type=\"text\" placeholder=\"Why (optional)\">\n      <button type=\"submit\" class=\"small\">Move</button>\n    </form>\n  </section>\n  <section>\n    <h2>Details</h2>\n    <dl class=\"details\">\n      ")
	if len(p.Tags) > 0 {
		b.WriteString("<dt>Tags</dt><dd>")
		for _, t := range p.Tags {
			b.WriteString("<a class=\"tag\" href=\"/people?tag=")
			escapeQueryValue(&b, t)
			b.WriteString("\">")
			escapeHTML(&b, t)
			b.WriteString("</a> ")
		}
		b.WriteString("</dd>")
	}
	b.WriteString("\n      ")
	if !p.Birthday.IsZero() {
		b.WriteString("<dt>Birthday</dt><dd>")
		escapeHTML(&b, p.Birthday.Display())
		b.WriteString("</dd>")
	}
	b.WriteString("\n      ")
	if !p.HomeAnniversary.IsZero() {
		b.WriteString("<dt>Home anniversary</dt><dd>")
		escapeHTML(&b, p.HomeAnniversary.Display())
		b.WriteString("</dd>")
	}
	b.WriteString("\n      ")
	if p.CadenceDays != 0 {
		b.WriteString("<dt>Keep in touch</dt><dd>every ")
		b.WriteString(strconv.Itoa(p.CadenceDays))
		b.WriteString(" days")
		if !p.TouchDueAt.IsZero() {
			b.WriteString(" · next ")
			escapeHTML(&b, page.Date(p.TouchDueAt))
		}
		b.WriteString("</dd>")
	}
	b.WriteString("\n      <dt>Time zone</dt><dd>")
	if p.TZ != "" {
		escapeHTML(&b, p.TZ)
	} else {
		b.WriteString("organisation&#39;s")
	}
	b.WriteString(" · ")
	escapeHTML(&b, page.LocalIn(p.TZ).Format("3:04 PM"))
	b.WriteString(" now</dd>\n      <dt>Last live conversation</dt><dd>")
	escapeHTML(&b, page.Ago(p.LastLiveAt))
	b.WriteString("</dd>\n      <dt>Added</dt><dd>")
	escapeHTML(&b, page.Date(p.CreatedAt))
	b.WriteString("</dd>\n    </dl>\n  </section>\n  ")
	return template.HTML(b.String())
}

// writeTelLink writes a link to a number (scheme "tel:" or "sms:"), its
// text escaped.
func writeTelLink(b *strings.Builder, scheme, number, text string) {
	b.WriteString("<a href=\"")
	b.WriteString(scheme)
	escapeHTML(b, normalizeURL(number))
	b.WriteString("\">")
	escapeHTML(b, text)
	b.WriteString("</a>")
}

// personEndHTML is the end of a person's side column: whom they referred,
// and archiving them.
func personEndHTML(page *personPage) template.HTML {
	p := page.Person
	id := strconv.FormatInt(p.ID, 10)
	var b strings.Builder
	b.Grow(800 + 200*len(page.Referrals))
	b.WriteString("\n  <section id=\"referrals\">\n    <h2>Referred by ")
	escapeHTML(&b, p.FirstName)
	b.WriteString(" ")
	if n := len(page.Referrals); n > 0 {
		b.WriteString("<span class=\"count\">")
		b.WriteString(strconv.Itoa(n))
		b.WriteString("</span>")
	}
	b.WriteString("</h2>\n    ")
	if len(page.Referrals) > 0 {
		b.WriteString("<ul class=\"plain\">")
		for i := range page.Referrals {
			r := &page.Referrals[i]
			b.WriteString("<li>")
			writePersonLink(&b, r.ID, r.Name())
			b.WriteString(" <span class=\"muted\">")
			escapeHTML(&b, r.Kind.Label())
			if r.Stage != nil {
				b.WriteString(" · ")
				escapeHTML(&b, r.Stage.Name)
			}
			b.WriteString(" · ")
			if r.LastLiveAt.IsZero() {
				b.WriteString("not talked to yet")
			} else {
				b.WriteString("talked ")
				escapeHTML(&b, page.Ago(r.LastLiveAt))
			}
			b.WriteString("</span></li>")
		}
		b.WriteString("</ul>")
	} else {
		b.WriteString("<p class=\"muted\">No one yet.</p>")
	}
	b.WriteString("\n    <a class=\"button small\" href=\"/people/new?referred_by=")
	b.WriteString(id)
	b.WriteString("\">Add someone they referred</a>\n  </section>\n  ")
	if !p.Archived() {
		b.WriteString("\n  <form method=\"post\" action=\"/people/")
		b.WriteString(id)
		b.WriteString("/archive\" class=\"archive\">\n    <button type=\"submit\" class=\"quiet\" data-confirm=\"Archive ")
		escapeHTML(&b, p.Name())
		b.WriteString("? They leave lists and Today; their history stays.\">Archive</button>\n  </form>\n  ")
	}
	b.WriteString("\n")
	return template.HTML(b.String())
}

// escapeQueryValue writes s as html/template writes a value in a URL's
// query: every byte but a letter, a digit and "-._~" percent-encoded
// (lower-case hex), which leaves nothing an attribute must escape.
func escapeQueryValue(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

// personFactsHTML is a person's story on their page: what was learned,
// by kind (each with a button to remove it), or that nothing was; then
// the essentials still unknown, as questions to ask.
func personFactsHTML(page *personPage) template.HTML {
	id := strconv.FormatInt(page.Person.ID, 10)
	var b strings.Builder
	b.Grow(400 + 600*len(page.Facts) + 120*len(page.Questions))
	if len(page.Facts) > 0 {
		b.WriteString("\n  <dl class=\"story\">\n  ")
		for _, g := range page.Facts {
			b.WriteString("<dt>")
			escapeHTML(&b, g.Type.Label())
			b.WriteString("</dt>\n    ")
			for i := range g.Facts {
				f := &g.Facts[i]
				b.WriteString("<dd>")
				escapeHTML(&b, f.Text)
				if f.OnDate != "" {
					b.WriteString(" <strong class=\"fact-date\">")
					escapeHTML(&b, f.OnDate.Format("Jan 2, 2006"))
					b.WriteString("</strong>")
				}
				b.WriteString(" <span class=\"muted\">· ")
				escapeHTML(&b, page.Date(f.LearnedAt))
				escapeIf(&b, " · ", f.Source, "")
				b.WriteString("</span>\n      <form class=\"inline\" method=\"post\" action=\"/people/")
				b.WriteString(id)
				b.WriteString("/facts/")
				b.WriteString(strconv.FormatInt(f.ID, 10))
				b.WriteString("/delete\"><button type=\"submit\" class=\"link small\" aria-label=\"Remove fact: ")
				escapeHTML(&b, f.Text)
				b.WriteString("\" data-confirm=\"Remove this fact?\">remove</button></form></dd>")
			}
			b.WriteString("\n  ")
		}
		b.WriteString("\n  </dl>\n  ")
	} else {
		b.WriteString("<p class=\"muted\">Nothing learned yet.</p>")
	}
	b.WriteString("\n  ")
	if len(page.Questions) > 0 {
		b.WriteString("\n  <div class=\"questions\"><p class=\"label\">Still unknown — try asking:</p>\n    <ul>")
		for _, q := range page.Questions {
			writeTyped(&b, "<li>", q.Type, " “", q.Text, "”</li>")
		}
		b.WriteString("</ul></div>\n  ")
	}
	return template.HTML(b.String())
}

// personFollowUpsHTML is a person's open follow-ups, each with buttons
// to mark it done or cancel it, or that there are none.
func personFollowUpsHTML(page *personPage) template.HTML {
	if len(page.FollowUps) == 0 {
		return `<p class="muted">No open follow-ups.</p>`
	}
	id := strconv.FormatInt(page.Person.ID, 10)
	today := page.Today()
	var b strings.Builder
	b.Grow(64 + 800*len(page.FollowUps))
	b.WriteString("\n  <ul class=\"followups\">\n  ")
	for i := range page.FollowUps {
		f := &page.FollowUps[i]
		fid := strconv.FormatInt(f.ID, 10)
		b.WriteString("\n    <li class=\"")
		if f.Overdue(today) {
			b.WriteString("overdue")
		}
		if f.Owes == rapport.OwesThem {
			b.WriteString(" theirs")
		}
		b.WriteString("\">\n      <span>")
		escapeHTML(&b, f.Label())
		b.WriteString("</span> <span class=\"due\">due ")
		escapeHTML(&b, page.Day(f.DueOn))
		escapeIf(&b, " at ", f.DueTime, "")
		b.WriteString("</span>\n      <span class=\"muted\">· ")
		escapeHTML(&b, page.UserNames[f.UserID])
		b.WriteString("</span>")
		for _, a := range [...]struct{ path, class, label string }{{"done", "small", "Done"}, {"cancel", "small quiet", "Cancel"}} {
			b.WriteString("\n      <form class=\"inline\" method=\"post\" action=\"/followups/")
			b.WriteString(fid)
			b.WriteString("/")
			b.WriteString(a.path)
			b.WriteString("\"><input type=\"hidden\" name=\"next\" value=\"/people/")
			b.WriteString(id)
			b.WriteString("#followups\"><button type=\"submit\" class=\"")
			b.WriteString(a.class)
			b.WriteString("\">")
			b.WriteString(a.label)
			b.WriteString("</button></form>")
		}
		b.WriteString("\n    </li>\n  ")
	}
	b.WriteString("\n  </ul>\n  ")
	return template.HTML(b.String())
}

// personTimelineHTML is a person's story as it happened, newest first:
// conversations (with what was learned and the next step), facts,
// follow-ups set and closed, events from lead sources, stage changes. A
// long history is hundreds of entries (timelineLimit of each kind), each
// a dozen values: the template spent about 10 µs on an entry.
func personTimelineHTML(page *personPage) template.HTML {
	if len(page.Timeline) == 0 {
		return `<p class="muted">No history yet.</p>`
	}
	var b strings.Builder
	b.Grow(64 + 400*len(page.Timeline))
	b.WriteString("\n  <ol class=\"timeline\">\n  ")
	for i := range page.Timeline {
		it := &page.Timeline[i]
		b.WriteString("\n    <li class=\"tl-")
		escapeHTML(&b, string(it.Kind))
		b.WriteString("\"")
		if it.Conversation != nil {
			b.WriteString(" id=\"conversation-")
			b.WriteString(strconv.FormatInt(it.Conversation.ID, 10))
			b.WriteString("\"")
		}
		b.WriteString(">\n      <p class=\"tl-when\">")
		escapeHTML(&b, page.DateTime(it.At))
		escapeIf(&b, " · ", it.UserName, "")
		b.WriteString("</p>\n      ")
		switch it.Kind {
		case store.TimelineConversation:
			b.WriteString("\n        ")
			writeTimelineConversation(&b, page.Base, it)
			b.WriteString("\n      ")
		case store.TimelineFact:
			b.WriteString("\n        ")
			for _, f := range it.Facts {
				writeTyped(&b, "<p class=\"tl-what\">Learned: ", f.Type, " ", f.Text, "</p>")
			}
			b.WriteString("\n      ")
		case store.TimelineFollowUpSet:
			b.WriteString("\n        <p class=\"tl-what\">Follow-up set: ")
			escapeHTML(&b, it.FollowUp.Label())
			b.WriteString(" · due ")
			escapeHTML(&b, page.Day(it.FollowUp.DueOn))
			b.WriteString("</p>\n      ")
		case store.TimelineFollowUpClosed:
			b.WriteString("\n        <p class=\"tl-what\">Follow-up ")
			escapeHTML(&b, string(it.FollowUp.Status))
			b.WriteString(": ")
			escapeHTML(&b, it.FollowUp.Label())
			b.WriteString("</p>\n      ")
		case store.TimelineEvent:
			b.WriteString("\n        ")
			writeTimelineEvent(&b, it.Event)
			b.WriteString("\n      ")
		case store.TimelineStage:
			b.WriteString("\n        <p class=\"tl-what\">Stage: ")
			if it.FromStage != nil {
				escapeHTML(&b, it.FromStage.Name)
				b.WriteString(" → ")
			}
			b.WriteString("<strong>")
			if it.ToStage != nil {
				escapeHTML(&b, it.ToStage.Name)
			}
			b.WriteString("</strong>")
			escapeIf(&b, " <span class=\"muted\">(", it.Reason, ")</span>")
			b.WriteString("</p>\n      ")
		}
		b.WriteString("\n    </li>\n  ")
	}
	b.WriteString("\n  </ol>\n  ")
	return template.HTML(b.String())
}

// writeTimelineConversation writes a conversation's entry: how it went,
// its notes, what was learned and the next step.
func writeTimelineConversation(b *strings.Builder, base Base, it *store.TimelineItem) {
	c := it.Conversation
	b.WriteString("<p class=\"tl-what\"><strong>")
	escapeHTML(b, c.Channel.Label())
	b.WriteString("</strong>")
	if c.Direction == "inbound" {
		b.WriteString(" from them")
	}
	escapeIf(b, " · ", c.Outcome.Label(), "")
	if c.Live {
		b.WriteString(" <span class=\"badge live\">live</span>")
	}
	if c.DNCConfirmed {
		b.WriteString(" <span class=\"badge dnc\" title=\"Logged although they are marked do not call: they called, or asked to be called\">do not call: confirmed wanted</span>")
	}
	if c.DurationSeconds != 0 {
		b.WriteString(" · ")
		b.WriteString(strconv.Itoa(minutes(c.DurationSeconds)))
		b.WriteString(" min")
	}
	escapeIf(b, " · <span class=\"temp\">temperature: ", string(c.Temperature), "</span>")
	b.WriteString("</p>\n        ")
	escapeIf(b, "<p class=\"notes\">", c.Notes, "</p>")
	b.WriteString("\n        ")
	if len(it.Facts) > 0 {
		b.WriteString("<ul class=\"tl-facts\">")
		for _, f := range it.Facts {
			writeTyped(b, "<li>", f.Type, " ", f.Text, "</li>")
		}
		b.WriteString("</ul>")
	}
	b.WriteString("\n        ")
	if n := it.NextStep; n != nil {
		b.WriteString("<p class=\"tl-next\">Next: ")
		escapeHTML(b, n.Label())
		b.WriteString(" · due ")
		escapeHTML(b, base.Day(n.DueOn))
		if n.Status != "open" {
			b.WriteString(" (")
			escapeHTML(b, string(n.Status))
			b.WriteString(")")
		}
		b.WriteString("</p>")
	}
}

// writeTimelineEvent writes a lead source's event: what and from where,
// the listing, its message and notes, the page it came from, its details
// and the event as received.
func writeTimelineEvent(b *strings.Builder, e *rapport.Event) {
	b.WriteString("<p class=\"tl-what\"><strong>")
	escapeHTML(b, e.Type)
	b.WriteString("</strong>")
	escapeIf(b, " from ", e.Source, "")
	if e.Historical {
		b.WriteString(" <span class=\"muted\">(historical)</span>")
	}
	b.WriteString("</p>\n        ")
	escapeIf(b, "<p class=\"muted\">", e.Property, "</p>")
	b.WriteString("\n        ")
	escapeIf(b, "<p class=\"notes\">“", e.Message, "”</p>")
	b.WriteString("\n        ")
	escapeIf(b, "<p class=\"notes\">", e.Description, "</p>")
	b.WriteString("\n        ")
	escapeIf(b, "<p class=\"notes tl-note\"><span class=\"q-type\">Note</span> ", e.Note, "</p>")
	b.WriteString("\n        ")
	escapeIf(b, "<p class=\"muted\">Page: ", e.PageURL, "</p>")
	b.WriteString("\n        ")
	if len(e.Details) > 0 {
		b.WriteString("<dl class=\"tl-details\">")
		for _, d := range e.Details {
			b.WriteString("<dt>")
			escapeHTML(b, d.Label)
			b.WriteString("</dt><dd>")
			escapeHTML(b, d.Value)
			b.WriteString("</dd>")
		}
		b.WriteString("</dl>")
	}
	b.WriteString("\n        ")
	escapeIf(b, "<details class=\"tl-payload\"><summary>As received</summary><pre>", e.Payload, "</pre></details>")
}

// writeTyped writes open, a fact type's short name marked as such, sep,
// text escaped, and end: a fact or a question with its kind.
func writeTyped(b *strings.Builder, open string, typ rapport.FactType, sep, text, end string) {
	b.WriteString(open)
	b.WriteString("<span class=\"q-type\">")
	escapeHTML(b, typ.Short())
	b.WriteString("</span>")
	b.WriteString(sep)
	escapeHTML(b, text)
	b.WriteString(end)
}

// writePersonLink writes a link to a person's page, their name escaped.
func writePersonLink(b *strings.Builder, id int64, name string) {
	b.WriteString("<a href=\"/people/")
	b.WriteString(strconv.FormatInt(id, 10))
	b.WriteString("\">")
	escapeHTML(b, name)
	b.WriteString("</a>")
}

// minutes is a duration in seconds as whole minutes, rounded.
func minutes(secs int) int { return (secs + 30) / 60 }
