package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// personFromPath loads the person named by the {id} path value, within the
// user's organisation and what they may see: another organisation's id, or
// a colleague's private person, is simply not found.
func (s *Server) personFromPath(r *http.Request, a *account) (*rapport.Person, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return s.db.Person(r.Context(), a.actor, id)
}

func personURL(id int64) string { return "/people/" + strconv.FormatInt(id, 10) }

// lookups are the organisation's pipelines and users, for pickers and
// for naming stages and owners in lists.
type lookups struct {
	// Pipelines and Stages (by id) are the store's, kept and shared
	// between requests: read them, never change them.
	Pipelines []rapport.Pipeline
	Stages    map[int64]*rapport.Stage
	// Users are those who can sign in, for pickers; UserNames names
	// everyone, disabled users too, for history. Both are the store's
	// roster, shared between requests: read them, never change them.
	Users     []rapport.User
	UserNames map[int64]string
}

func (s *Server) lookups(ctx context.Context, a *account) (lookups, error) {
	var l lookups
	var err error
	if l.Pipelines, l.Stages, err = s.db.SharedPipelines(ctx, a.actor); err != nil {
		return l, err
	}
	team, err := s.db.Roster(ctx, a.actor)
	if err != nil {
		return l, err
	}
	l.UserNames, l.Users = team.Names, team.Active // shared: read only
	return l, nil
}

type peoplePage struct {
	Base
	lookups
	Form   *form
	People []rapport.Person
	Next   string
	First  string
	Kinds  []rapport.Kind
	// Newest is set when a broad search lists its matches newest first.
	Newest bool
	// Counted is set when Total is how many people a search matched.
	Counted bool
	Total   int
	// FiltersOn counts the filters set besides the search.
	FiltersOn int
	// ExportQuery carries the filters to the export links.
	ExportQuery string
	// Pending counts people imported but not yet searchable.
	Pending int64
	// FactTypes fill the "still unknown" filter; ListQuery is the
	// filters a list may be saved with (empty: nothing filtered).
	FactTypes []rapport.FactType
	ListQuery string
	// OwnerProblem says why the owner typed fits no one on the team.
	OwnerProblem string
}

func (s *Server) peopleList(w http.ResponseWriter, r *http.Request, a *account) error {
	filter, q, problem, err := s.peopleFilter(r.Context(), a, r.URL.Query())
	if err != nil {
		return err
	}
	f := newForm(q)
	if problem != "" {
		f = newForm(r.URL.Query()) // the owner as typed, beside the problem; the pages' links leave it out
	}
	filter.NoTags, filter.Brief = true, true // the rows show only a few columns, and no tags
	l, err := s.lookups(r.Context(), a)
	if err != nil {
		return err
	}
	page := &peoplePage{Base: s.withFlash(w, r, a, "People", "people"), lookups: l, Form: f, Kinds: rapport.Kinds, OwnerProblem: problem}
	exportQ := cloneValues(q)
	if problem != "" {
		// Exporting what was asked for, not everyone: the export says
		// why it cannot (and no list is saved with an owner no one is).
		exportQ = cloneValues(r.URL.Query())
	}
	exportQ.Del("cursor")
	page.ExportQuery = exportQ.Encode()
	page.FactTypes = rapport.FactTypes
	if problem == "" && (filter.Query != "" || filter.Kind != "" || filter.StageID != 0 || filter.OwnerID != 0 || filter.Tag != "" ||
		filter.Unknown != "" || filter.MinUnits > 0 || filter.QuietDays > 0) {
		page.ListQuery = exportQ.Encode()
	}
	if page.Pending, err = s.db.SearchPending(r.Context(), a.actor); err != nil {
		return err
	}
	res, err := s.db.ListPeople(r.Context(), a.actor, filter)
	if rapport.ErrorCode(err) == rapport.EINVALID {
		// A stale or mangled cursor: start again from the first page.
		q.Del("cursor")
		return redirect(w, r, "/people?"+q.Encode())
	}
	if err != nil {
		return err
	}
	page.People, page.Newest, page.Counted, page.Total = res.People, res.Newest, res.Counted, res.Total
	page.FiltersOn = filtersOn(f.Values, "kind", "stage", "owner", "tag", "archived", "unknown", "quiet_days", "min_units")
	if res.Next != "" {
		next := cloneValues(q)
		next.Set("cursor", res.Next)
		page.Next = "/people?" + next.Encode()
	}
	if filter.Cursor != "" {
		first := cloneValues(q)
		first.Del("cursor")
		page.First = "/people?" + first.Encode()
	}
	s.render(w, r, http.StatusOK, "people", page)
	return nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		if len(vs) > 0 && vs[0] != "" {
			out[k] = append([]string(nil), vs...)
		}
	}
	return out
}

// peopleSuggest answers the referred-by picker: up to eight people whose
// details match what was typed, as JSON.
func (s *Server) peopleSuggest(w http.ResponseWriter, r *http.Request, a *account) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	type option struct {
		ID    int64  `json:"id"`
		Label string `json:"label"`
	}
	out := []option{}
	if len([]rune(q)) >= 2 {
		people, err := s.db.FindPeople(r.Context(), a.actor, q, 8)
		if err != nil {
			return err
		}
		for _, p := range people {
			out = append(out, option{ID: p.ID, Label: fmt.Sprintf("#%d %s", p.ID, p.Name())})
		}
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(out)
}

type personFormPage struct {
	Base
	lookups
	Person    *rapport.Person
	Form      *form
	Kinds     []rapport.Kind
	TZs       []string
	PhoneRows []int
	EmailRows []int
	Action    string
	Companies []rapport.Company
}

func (s *Server) renderPersonForm(w http.ResponseWriter, r *http.Request, a *account, p *rapport.Person, f *form, status int) error {
	l, err := s.lookups(r.Context(), a)
	if err != nil {
		return err
	}
	page := &personFormPage{Base: s.withFlash(w, r, a, "New person", "people"), lookups: l, Person: p, Form: f,
		Kinds: rapport.Kinds, TZs: rapport.CommonTZs, Action: "/people"}
	if p != nil {
		page.Title, page.Action = "Edit "+p.Name(), personURL(p.ID)
	}
	cs, err := s.db.Companies(r.Context(), a.actor, store.CompanyFilter{})
	if err != nil {
		return err
	}
	for _, c := range cs {
		page.Companies = append(page.Companies, c.Company)
	}
	page.PhoneRows = rows(len(f.List("phone")) + 1)
	page.EmailRows = rows(len(f.List("email")) + 1)
	s.render(w, r, status, "person_form", page)
	return nil
}

func rows(n int) []int {
	n = max(n, 2)
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func (s *Server) personNew(w http.ResponseWriter, r *http.Request, a *account) error {
	f := newForm(nil)
	q := r.URL.Query()
	f.Values.Set("kind", or(q.Get("kind"), string(rapport.KindLead)))
	f.Values.Set("owner", strconv.FormatInt(a.user.ID, 10))
	// "Add someone they referred", from a referrer's page.
	if id, err := strconv.ParseInt(q.Get("referred_by"), 10, 64); err == nil {
		if ref, err := s.db.Person(r.Context(), a.actor, id); err == nil {
			f.Values.Set("referred_by", fmt.Sprintf("#%d %s", ref.ID, ref.Name()))
			f.Values.Set("source", "Referral")
		}
	}
	return s.renderPersonForm(w, r, a, nil, f, http.StatusOK)
}

// resolveReferrer reads the referred-by field: "#123 Name", a bare id, or
// a name that matches exactly one person the user may see. Whether the
// user may name that person is the store's to say (a referrer they had
// may stay; a new one must be someone they see).
func (s *Server) resolveReferrer(ctx context.Context, a *account, f *form) int64 {
	v := strings.TrimSpace(f.Get("referred_by"))
	if v == "" {
		return 0
	}
	idPart := strings.TrimPrefix(strings.Fields(v)[0], "#")
	if id, err := strconv.ParseInt(idPart, 10, 64); err == nil && id > 0 {
		return id
	}
	people, err := s.db.FindPeople(ctx, a.actor, v, 6)
	switch {
	case err != nil || len(people) == 0:
		f.addErr("referred_by", fmt.Sprintf("No one matches %q.", v))
	case len(people) == 1:
		return people[0].ID
	default:
		var names []string
		for _, p := range people[:min(len(people), 5)] {
			names = append(names, fmt.Sprintf("%s (#%d)", p.Name(), p.ID))
		}
		f.addErr("referred_by", "Several people match: "+strings.Join(names, ", ")+". Type the number, e.g. #"+strconv.FormatInt(people[0].ID, 10)+".")
	}
	return 0
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if err := s.pickOwner(r.Context(), a, f); err != nil {
		return err
	}
	p := personFromForm(f, a.org)
	if _, given := f.Values["owner"]; !given {
		p.OwnerID = a.user.ID
	}
	saved, err := s.savePerson(r.Context(), a, f, p, func(p *rapport.Person) error {
		return s.db.CreatePerson(r.Context(), a.actor, p)
	})
	if err != nil {
		return err
	}
	if saved {
		s.flash(w, r, p.Name()+" added.")
		return redirect(w, r, afterSave(a, p))
	}
	return s.renderPersonForm(w, r, a, nil, f, http.StatusUnprocessableEntity)
}

// savePerson resolves the referrer (p.ReferredByID is the one they had,
// if any) and saves the person from a posted form with save. It reports
// false, with every problem on the form (the form's own and the domain's,
// all at once), when the input needs correcting.
func (s *Server) savePerson(ctx context.Context, a *account, f *form, p *rapport.Person, save func(*rapport.Person) error) (bool, error) {
	p.ReferredByID = s.resolveReferrer(ctx, a, f)
	if p.CompanyID != 0 {
		// The office chosen names the brokerage and office as well.
		if c, err := s.db.Company(ctx, a.actor, p.CompanyID); err == nil {
			p.Brokerage, p.Office = c.Name, ""
			if c.Kind == rapport.CompanyOffice {
				p.Office = c.Name
				if c.Parent != nil {
					p.Brokerage = c.Parent.Name
				}
			}
		} else {
			f.addErr("company", "Choose a brokerage or office from the list.")
		}
	}
	if !f.Valid() {
		p.Normalize()
		f.absorb(p.Validate(s.now()))
		return false, nil
	}
	err := save(p)
	switch {
	case err == nil:
		return true, nil
	case f.absorb(err):
		return false, nil
	}
	return false, err
}

func (s *Server) personEdit(w http.ResponseWriter, r *http.Request, a *account) error {
	p, err := s.personFromPath(r, a)
	if err != nil {
		return err
	}
	return s.renderPersonForm(w, r, a, p, personForm(p), http.StatusOK)
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request, a *account) error {
	old, err := s.personFromPath(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	if err := s.pickOwner(r.Context(), a, f); err != nil {
		return err
	}
	p := personFromForm(f, a.org)
	p.ID, p.ReferredByID = old.ID, old.ReferredByID
	// What the form does not show stays as it was.
	p.ListUnits12m, p.SellUnits12m, p.ProductionPeriod = old.ListUnits12m, old.SellUnits12m, old.ProductionPeriod
	saved, err := s.savePerson(r.Context(), a, f, p, func(p *rapport.Person) error {
		return s.db.UpdatePerson(r.Context(), a.actor, p)
	})
	switch {
	case err == store.ErrChanged:
		return s.editConflict(w, r, a, f)
	case err != nil:
		return err
	case saved:
		s.flash(w, r, "Saved.")
		return redirect(w, r, afterSave(a, p))
	}
	return s.renderPersonForm(w, r, a, old, f, http.StatusUnprocessableEntity)
}

// editConflict shows the edit form again after someone else changed the
// person: what the user typed is kept, except the fields that calls change
// (do not call, stage), which show their current values, and the form
// carries the new version so that saving again goes through.
// afterSave is where saving a person goes: their page, or, for someone the
// user has just given to a colleague while people are private to their
// owner, the people list.
func afterSave(a *account, p *rapport.Person) string {
	if !a.org.Sees(a.user, p.OwnerID) {
		return "/people"
	}
	return personURL(p.ID)
}

func (s *Server) editConflict(w http.ResponseWriter, r *http.Request, a *account, f *form) error {
	cur, err := s.personFromPath(r, a)
	if err != nil {
		return err
	}
	fresh := personForm(cur)
	f.Values.Set("version", fresh.Get("version"))
	f.Values.Set("stage", fresh.Get("stage"))
	if cur.DoNotCall {
		f.Values.Set("do_not_call", "on")
		f.addErr("do_not_call", "Now marked do not call (since you opened this form).")
	} else {
		f.Values.Del("do_not_call")
	}
	f.addErr("stage", "Current stage: "+stageName(cur)+".")
	page := s.withFlash(w, r, a, "Edit "+cur.Name(), "people")
	page.Flash = rapport.ErrorMessage(store.ErrChanged)
	l, err := s.lookups(r.Context(), a)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusConflict, "person_form", &personFormPage{Base: page, lookups: l, Person: cur, Form: f,
		Kinds: rapport.Kinds, TZs: rapport.CommonTZs, Action: personURL(cur.ID),
		PhoneRows: rows(len(f.List("phone")) + 1), EmailRows: rows(len(f.List("email")) + 1)})
	return nil
}

func stageName(p *rapport.Person) string {
	if p.Stage == nil {
		return "none"
	}
	return p.Stage.Name
}

func (s *Server) personArchive(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.setArchived(w, r, a, true)
}

func (s *Server) personRestore(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.setArchived(w, r, a, false)
}

func (s *Server) setArchived(w http.ResponseWriter, r *http.Request, a *account, archived bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.ArchivePerson(r.Context(), a.actor, id, archived); err != nil {
		return err
	}
	if archived {
		s.flash(w, r, "Archived. They stay searchable under Archived and can be restored.")
	} else {
		s.flash(w, r, "Restored.")
	}
	return redirect(w, r, personURL(id))
}

func (s *Server) personStage(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	stage, _ := strconv.ParseInt(f.Get("stage"), 10, 64)
	if err := s.db.SetStage(r.Context(), a.actor, id, stage, f.Get("reason")); err != nil {
		if rapport.ErrorCode(err) != rapport.EINVALID {
			return err
		}
		s.flash(w, r, rapport.ErrorMessage(err)+" "+strings.Join(mapValues(asFields(err)), " "))
		return redirect(w, r, personURL(id))
	}
	s.flash(w, r, "Stage changed.")
	return redirect(w, r, personURL(id))
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

type personPage struct {
	Base
	lookups
	Person    *rapport.Person
	Facts     []rapport.FactGroup
	Questions []rapport.Question
	FollowUps []rapport.FollowUp
	Timeline  []store.TimelineItem
	Referrals []rapport.Person
	// Sharers share one of the person's own numbers; Records are the
	// inputs they came from, as imported, with what no field holds.
	Sharers      []store.PhoneSharer
	Records      []rapport.InputRecord
	Production   []rapport.Production
	Chart        *barChart
	Trend        string
	FactForm     *form
	FollowUpForm *form
}

func (s *Server) personShow(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderPerson(w, r, a, nil, nil, http.StatusOK)
}

// renderPerson shows a person's page; factForm or followUpForm carry a
// failed submission back with its messages.
func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, a *account, factForm, followUpForm *form, status int) error {
	ctx := r.Context()
	p, err := s.personFromPath(r, a)
	if err != nil {
		return err
	}
	l, err := s.lookups(ctx, a)
	if err != nil {
		return err
	}
	story, err := s.db.Story(ctx, a.actor, p)
	if err != nil {
		return err
	}
	facts := story.Facts
	refs, err := s.db.Referred(ctx, a.actor, p.ID, 100)
	if err != nil {
		return err
	}
	sharers, err := s.db.PhoneSharers(ctx, a.actor, p)
	if err != nil {
		return err
	}
	records, err := s.db.Records(ctx, a.actor, p.ID)
	if err != nil {
		return err
	}
	var hist []rapport.Production
	if p.Kind == rapport.KindRecruit {
		if hist, err = s.db.ProductionHistory(ctx, a.actor, p.ID); err != nil {
			return err
		}
	}
	trend := ""
	if n := len(hist); n >= 2 {
		trend = rapport.Trend(hist[n-2].Volume, hist[n-1].Volume)
	}
	if factForm == nil {
		factForm = newForm(nil)
	}
	if followUpForm == nil {
		followUpForm = newForm(nil)
		followUpForm.Values.Set("due", "1w")
	}
	pb, err := s.db.Playbook(ctx, a.actor)
	if err != nil {
		return err
	}
	s.render(w, r, status, "person", &personPage{Base: s.withFlash(w, r, a, p.Name(), "people"), lookups: l, Person: p,
		Facts: rapport.GroupFacts(facts), Questions: pb.Essentials(p.Kind, facts), FollowUps: story.FollowUps,
		Timeline: story.Timeline, Referrals: refs, Sharers: sharers, Records: records, Production: hist, Chart: productionChart(hist), Trend: trend, FactForm: factForm, FollowUpForm: followUpForm})
	return nil
}

func (s *Server) factCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	fact := &rapport.Fact{PersonID: id, Type: rapport.FactType(f.Get("type")), Text: f.Get("text"), OnDate: rapport.Day(f.Get("on_date"))}
	if !fact.OnDate.IsZero() {
		fact.RemindDays = rapport.DefaultRemindDays
		if f.Get("remind_days") != "" {
			fact.RemindDays = f.int("remind_days", "Use a whole number of days.")
		}
	}
	err = s.db.AddFact(r.Context(), a.actor, fact)
	if err == nil {
		s.flash(w, r, "Fact added.")
		return redirect(w, r, personURL(id)+"#story")
	}
	if !f.absorb(err) {
		return err
	}
	return s.renderPerson(w, r, a, f, nil, http.StatusUnprocessableEntity)
}

func (s *Server) factDelete(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fid, err := pathID(r, "fid")
	if err != nil {
		return err
	}
	if err := s.db.DeleteFact(r.Context(), a.actor, id, fid); err != nil {
		return err
	}
	s.flash(w, r, "Fact removed.")
	return redirect(w, r, personURL(id)+"#story")
}

// filtersOn counts the filters of names that are set in q.
func filtersOn(q url.Values, names ...string) int {
	n := 0
	for _, name := range names {
		if strings.TrimSpace(q.Get(name)) != "" {
			n++
		}
	}
	return n
}
