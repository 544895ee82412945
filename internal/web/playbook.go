package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// The practical-empathy playbook in the browser: everyone reads the
// organisation's conversation guide and objections; owners and managers
// edit, add, retire, restore and reset entries.

// audiences are the playbook's tabs, in order.
var audiences = []rapport.Audience{rapport.AudienceClients, rapport.AudienceRecruits}

// audienceLabel names an audience on a tab.
func audienceLabel(a rapport.Audience) string {
	if a == rapport.AudienceRecruits {
		return "Recruits"
	}
	return "Clients"
}

// readAudience reads ?audience=, clients unless it names recruits.
func readAudience(v string) rapport.Audience {
	if rapport.Audience(v) == rapport.AudienceRecruits {
		return rapport.AudienceRecruits
	}
	return rapport.AudienceClients
}

func playbookURL(a rapport.Audience) string { return "/playbook?audience=" + string(a) }

// entryURL is an entry's own page.
func entryURL(e *rapport.Entry) string {
	return "/playbook/" + string(e.Kind) + "/" + url.PathEscape(e.Key)
}

// entryAnchor is where an entry sits on the playbook page.
func entryAnchor(e *rapport.Entry) string { return string(e.Kind) + "-" + e.Key }

// pathEntryKind reads {kind}; anything but question or objection names
// nothing.
func pathEntryKind(r *http.Request) (rapport.EntryKind, error) {
	switch k := rapport.EntryKind(r.PathValue("kind")); k {
	case rapport.EntryQuestion, rapport.EntryObjection:
		return k, nil
	}
	return "", rapport.NotFound("playbook entry")
}

// pathEntry finds the entry {kind}/{key} in the organisation's playbook,
// retired or not.
func (s *Server) pathEntry(r *http.Request, a *account) (rapport.Entry, *rapport.Playbook, error) {
	kind, err := pathEntryKind(r)
	if err != nil {
		return rapport.Entry{}, nil, err
	}
	pb, err := s.db.Playbook(r.Context(), a.actor)
	if err != nil {
		return rapport.Entry{}, nil, err
	}
	e, ok := pb.Find(kind, strings.ToLower(strings.TrimSpace(r.PathValue("key"))))
	if !ok {
		return rapport.Entry{}, nil, rapport.NotFound("playbook entry")
	}
	return e, pb, nil
}

// entryOptions are the choices the entry forms offer.
type entryOptions struct {
	Audiences []rapport.Audience
	Uncovers  []rapport.Uncovers
}

var entryOpts = entryOptions{Audiences: audiences, Uncovers: rapport.UncoversAll}

// entryFields hands the entry form's partial a form, the entry's kind and
// the choices.
type entryFields struct {
	Form *form
	Kind string
	Opt  entryOptions
}

// entryFromForm reads an entry form: the text, the audience, what a
// question uncovers, an objection's responses (one a field, blanks
// skipped) and why they work.
func entryFromForm(f *form, kind rapport.EntryKind, key string) *rapport.Entry {
	e := &rapport.Entry{Kind: kind, Key: key, Audience: rapport.Audience(f.Get("audience")), Text: f.Values.Get("text")}
	switch kind {
	case rapport.EntryQuestion:
		e.Uncovers = rapport.Uncovers(f.Get("uncovers"))
	case rapport.EntryObjection:
		e.Responses, e.Why = f.List("response"), f.Values.Get("why")
	}
	return e
}

// entryForm fills a form from an entry, for editing.
func entryForm(e *rapport.Entry) *form {
	v := url.Values{}
	v.Set("audience", string(e.Audience))
	v.Set("text", e.Text)
	v.Set("uncovers", string(e.Uncovers))
	v["response"] = append([]string(nil), e.Responses...)
	v.Set("why", e.Why)
	return newForm(v)
}

// ResponseRows are the response fields an objection form shows: those
// written and a blank one (two for a new objection).
func (f *form) ResponseRows() []int {
	n := 0
	for _, r := range f.List("response") {
		if strings.TrimSpace(r) != "" {
			n++
		}
	}
	rows := make([]int, max(n+1, 2))
	for i := range rows {
		rows[i] = i
	}
	return rows
}

// ResponseAt is the i-th response written, blanks skipped, so that a row
// the user left empty does not stay as a gap.
func (f *form) ResponseAt(i int) string {
	n := 0
	for _, r := range f.List("response") {
		if strings.TrimSpace(r) == "" {
			continue
		}
		if n == i {
			return r
		}
		n++
	}
	return ""
}

type playbookPage struct {
	Base
	Audience rapport.Audience
	// Groups are the audience's live questions by what they uncover;
	// Objections its live objections; Retired both kinds retired.
	Groups     []rapport.GuideGroup
	Objections []rapport.Entry
	Retired    []rapport.Entry
	Editor     bool
	// AddForm is an add form shown again with its problems; AddKind is
	// the kind it adds.
	AddForm *form
	AddKind rapport.EntryKind
	Opt     entryOptions
}

// Tabs are the audiences with their links.
func (p *playbookPage) Tabs() []playbookTab {
	var out []playbookTab
	for _, a := range audiences {
		out = append(out, playbookTab{Label: audienceLabel(a), URL: playbookURL(a), Current: a == p.Audience})
	}
	return out
}

type playbookTab struct {
	Label, URL string
	Current    bool
}

// Form is the add form for kind: the one shown again, or a blank one for
// the page's audience.
func (p *playbookPage) Form(kind string) *form {
	if p.AddForm != nil && string(p.AddKind) == kind {
		return p.AddForm
	}
	f := newForm(nil)
	f.Values.Set("audience", string(p.Audience))
	return f
}

// Opening says whether an add form is open: the one with problems.
func (p *playbookPage) Opening(kind string) bool {
	return p.AddForm != nil && string(p.AddKind) == kind
}

// URL is an entry's page; Anchor its place on this page.
func (p *playbookPage) URL(e rapport.Entry) string    { return entryURL(&e) }
func (p *playbookPage) Anchor(e rapport.Entry) string { return entryAnchor(&e) }

func (s *Server) playbook(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderPlaybook(w, r, a, readAudience(r.URL.Query().Get("audience")), nil, "", http.StatusOK)
}

func (s *Server) renderPlaybook(w http.ResponseWriter, r *http.Request, a *account, aud rapport.Audience, f *form, kind rapport.EntryKind, status int) error {
	pb, err := s.db.Playbook(r.Context(), a.actor)
	if err != nil {
		return err
	}
	page := &playbookPage{Base: s.withFlash(w, r, a, "Playbook", "playbook"), Audience: aud, Editor: a.actor.Runs(),
		Groups: pb.Guide(aud, nil), Objections: pb.Objections(aud), AddForm: f, AddKind: kind, Opt: entryOpts}
	for _, e := range pb.Entries {
		if e.Retired && e.Audience == aud {
			page.Retired = append(page.Retired, e)
		}
	}
	s.render(w, r, status, "playbook", page)
	return nil
}

type entryPage struct {
	Base
	Entry  rapport.Entry
	Form   *form
	Editor bool
	Opt    entryOptions
	// Back is the playbook tab the entry is on.
	Back string
}

// entryShow is one entry: its edit form for owners and managers, what
// it says for everyone else.
func (s *Server) entryShow(w http.ResponseWriter, r *http.Request, a *account) error {
	e, _, err := s.pathEntry(r, a)
	if err != nil {
		return err
	}
	return s.renderEntry(w, r, a, e, entryForm(&e), http.StatusOK)
}

func (s *Server) renderEntry(w http.ResponseWriter, r *http.Request, a *account, e rapport.Entry, f *form, status int) error {
	title := "Question"
	if e.Kind == rapport.EntryObjection {
		title = "Objection"
	}
	s.render(w, r, status, "playbook_entry", &entryPage{Base: s.withFlash(w, r, a, title, "playbook"), Entry: e, Form: f,
		Editor: a.actor.Runs(), Opt: entryOpts, Back: playbookURL(e.Audience) + "#" + entryAnchor(&e)})
	return nil
}

// entrySave saves the organisation's version of an entry it has: an edit
// of a default or a change to its own. A retired entry stays retired.
func (s *Server) entrySave(w http.ResponseWriter, r *http.Request, a *account) error {
	cur, _, err := s.pathEntry(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	e := entryFromForm(f, cur.Kind, cur.Key)
	e.Retired = cur.Retired
	e.Normalize()
	if e.SameContent(&cur) {
		// Saving a default unchanged would pin this copy of it, and later
		// improvements to the default would not reach the organisation.
		s.flash(w, r, "Nothing changed.")
		return redirect(w, r, playbookURL(cur.Audience)+"#"+entryAnchor(&cur))
	}
	if err := s.db.SavePlaybookEntry(r.Context(), a.actor, e); err != nil {
		if !f.absorb(err) {
			return err
		}
		return s.renderEntry(w, r, a, cur, f, http.StatusUnprocessableEntity)
	}
	s.flash(w, r, "Saved. Everyone in "+a.org.Name+" now sees this version.")
	return redirect(w, r, playbookURL(e.Audience)+"#"+entryAnchor(e))
}

// entryCreate adds an organisation's own entry, its key made from its
// text. Problems show on the add form, on the playbook page.
func (s *Server) entryCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	kind, err := pathEntryKind(r)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	e := entryFromForm(f, kind, "")
	if err := s.db.SavePlaybookEntry(r.Context(), a.actor, e); err != nil {
		if !f.absorb(err) {
			return err
		}
		return s.renderPlaybook(w, r, a, readAudience(f.Get("audience")), f, kind, http.StatusUnprocessableEntity)
	}
	s.flash(w, r, "Added to the playbook.")
	return redirect(w, r, playbookURL(e.Audience)+"#"+entryAnchor(e))
}

func (s *Server) entryRetire(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.setRetired(w, r, a, true)
}

func (s *Server) entryRestore(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.setRetired(w, r, a, false)
}

// setRetired retires or restores an entry: a retired one is offered
// nowhere (calls, practice) but stays on record for past conversations.
func (s *Server) setRetired(w http.ResponseWriter, r *http.Request, a *account, retired bool) error {
	e, _, err := s.pathEntry(r, a)
	if err != nil {
		return err
	}
	if err := s.db.RetirePlaybookEntry(r.Context(), a.actor, e.Kind, e.Key, retired); err != nil {
		return err
	}
	if retired {
		s.flash(w, r, "Retired: no longer offered in calls or practice.")
	} else {
		s.flash(w, r, "Restored.")
	}
	return redirect(w, r, playbookURL(e.Audience)+"#"+entryAnchor(&e))
}

// entryReset drops the organisation's version of a default (its edit,
// or its retirement) or deletes its own entry.
func (s *Server) entryReset(w http.ResponseWriter, r *http.Request, a *account) error {
	e, _, err := s.pathEntry(r, a)
	if err != nil {
		return err
	}
	if err := s.db.ResetPlaybookEntry(r.Context(), a.actor, e.Kind, e.Key); err != nil && rapport.ErrorCode(err) != rapport.ENOTFOUND {
		return err
	}
	msg := "That is already the default."
	if e.Custom || e.Edited || e.Retired {
		msg = "Back to Rapport's default."
		if e.Custom {
			msg = "Deleted from the playbook."
		}
	}
	s.flash(w, r, msg)
	return redirect(w, r, playbookURL(e.Audience))
}

// The playbook in the conversation forms.

// convGuide is what the conversation forms offer from the playbook: the
// guide's questions for the person's audience, still-unknown groups
// first, and the audience's live objections.
type convGuide struct {
	Audience   rapport.Audience
	Groups     []rapport.GuideGroup
	Objections []rapport.Entry
}

// guideFor builds a person's guide; known are the fact types already on
// record for them.
func (s *Server) guideFor(ctx context.Context, a *account, p *rapport.Person) (*convGuide, error) {
	pb, err := s.db.Playbook(ctx, a.actor)
	if err != nil {
		return nil, err
	}
	facts, err := s.db.Facts(ctx, a.actor, p.ID)
	if err != nil {
		return nil, err
	}
	known := map[rapport.FactType]bool{}
	for _, f := range facts {
		known[f.Type] = true
	}
	aud := rapport.AudienceFor(p.Kind)
	return &convGuide{Audience: aud, Groups: pb.Guide(aud, known), Objections: pb.Objections(aud)}, nil
}

// guideForm hands the guide partials a form and the guide.
type guideForm struct {
	Form  *form
	Guide *convGuide
}

// askField names the answer field of a guide question.
func askField(key string) string { return "ask." + key }

// Asked reports whether any of the questions has an answer or a problem
// on the form, so that its group opens.
func (f *form) Asked(qs []rapport.Entry) bool {
	for _, q := range qs {
		if f.Get(askField(q.Key)) != "" || f.Err(askField(q.Key)) != "" {
			return true
		}
	}
	return false
}

// guideFacts reads the answers written under the guide's questions into
// facts of the type each question uncovers, and the objection chosen.
// Problems land on the answer's field, or on "objection".
func guideFacts(f *form, pb *rapport.Playbook, p *rapport.Person) (facts []rapport.Fact, objection string) {
	seen := map[string]bool{}
	for _, e := range pb.Entries {
		if e.Kind != rapport.EntryQuestion {
			continue
		}
		name := askField(e.Key)
		seen[name] = true
		text := f.Get(name)
		if text == "" {
			continue
		}
		fact := rapport.Fact{Type: e.Uncovers.FactType(), Text: text}
		if err := fact.Validate(); err != nil {
			f.addErr(name, fieldMessage(err, "text"))
			continue
		}
		facts = append(facts, fact)
	}
	for name, vs := range f.Values {
		if strings.HasPrefix(name, "ask.") && !seen[name] && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
			// The question went from the playbook while the form was open:
			// keep the answer in front of the user rather than drop it.
			f.addErr("guide", "A question you answered is no longer in the playbook; add “"+strings.TrimSpace(vs[0])+"” as a fact instead.")
		}
	}
	key := f.Get("objection")
	if key == "" {
		return facts, ""
	}
	e, ok := pb.Find(rapport.EntryObjection, key)
	switch {
	case !ok || e.Retired:
		f.addErr("objection", "Choose an objection from the playbook.")
	case e.Audience != rapport.AudienceFor(p.Kind):
		f.addErr("objection", "That objection is for "+string(e.Audience)+"; choose one for "+p.FirstName+".")
	default:
		objection = key
	}
	return facts, objection
}

// fieldMessage is an error's message for field, or its general message.
func fieldMessage(err error, field string) string {
	if fe := asFields(err); fe[field] != "" {
		return fe[field]
	}
	return rapport.ErrorMessage(err)
}
