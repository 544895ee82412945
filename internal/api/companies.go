package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// companyRefJSON names a company inside another answer.
type companyRefJSON struct {
	ID    int64               `json:"id"`
	Kind  rapport.CompanyKind `json:"kind"`
	Name  string              `json:"name"`
	Label string              `json:"label"`
}

func toCompanyRef(c *rapport.Company) *companyRefJSON {
	if c == nil {
		return nil
	}
	return &companyRefJSON{ID: c.ID, Kind: c.Kind, Name: c.Name, Label: c.Label()}
}

// companyJSON is a brokerage or an office as the API shows it.
type companyJSON struct {
	ID         int64               `json:"id"`
	Kind       rapport.CompanyKind `json:"kind"`
	Name       string              `json:"name"`
	Label      string              `json:"label"`
	ParentID   *int64              `json:"parentId"`
	Parent     *companyRefJSON     `json:"parent"`
	Market     string              `json:"market"`
	Street     string              `json:"street"`
	City       string              `json:"city"`
	State      string              `json:"state"`
	PostalCode string              `json:"postalCode"`
	Website    string              `json:"website"`
	MLSID      string              `json:"mlsId"`
	CreatedAt  time.Time           `json:"createdAt"`
	UpdatedAt  time.Time           `json:"updatedAt"`
}

func toCompany(c *rapport.Company) companyJSON {
	return companyJSON{ID: c.ID, Kind: c.Kind, Name: c.Name, Label: c.Label(), ParentID: idPtr(c.ParentID), Parent: toCompanyRef(c.Parent),
		Market: c.Market, Street: c.Street, City: c.City, State: c.State, PostalCode: c.PostalCode, Website: c.Website,
		MLSID: c.MLSID, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

// companyRowJSON is a company in a list, with its agents' count and
// 12-month volume (a brokerage's offices included) and its newest signal.
type companyRowJSON struct {
	companyJSON
	Agents     int         `json:"agents"`
	Volume     int64       `json:"volume"`
	LastSignal *signalJSON `json:"lastSignal"`
}

// companyDetailJSON is one company with what its page shows.
type companyDetailJSON struct {
	companyJSON
	// Agents are ranked by 12-month volume; AgentsNext continues the
	// ranking at GET /prospects?company=ID&cursor=AgentsNext.
	Agents     []prospectJSON   `json:"agents"`
	AgentsNext *string          `json:"agentsNext"`
	Offices    []companyRowJSON `json:"offices"`
	Signals    []signalJSON     `json:"signals"`
}

// companyInput is a company to create, or the fields of one to change.
type companyInput struct {
	Kind       Optional[rapport.CompanyKind] `json:"kind"`
	Name       Optional[string]              `json:"name"`
	ParentID   Optional[int64]               `json:"parentId"`
	Market     Optional[string]              `json:"market"`
	Street     Optional[string]              `json:"street"`
	City       Optional[string]              `json:"city"`
	State      Optional[string]              `json:"state"`
	PostalCode Optional[string]              `json:"postalCode"`
	Website    Optional[string]              `json:"website"`
	MLSID      Optional[string]              `json:"mlsId"`
}

// applyTo sets the fields present in the input on c; the store normalises
// and validates the result.
func (in *companyInput) applyTo(c *rapport.Company) {
	str := func(o Optional[string], dst *string) {
		if o.Set {
			*dst = o.Value
		}
	}
	if in.Kind.Set {
		c.Kind = in.Kind.Value
	}
	if in.ParentID.Set {
		c.ParentID = 0
		if !in.ParentID.Null {
			c.ParentID = in.ParentID.Value
		}
	}
	str(in.Name, &c.Name)
	str(in.Market, &c.Market)
	str(in.Street, &c.Street)
	str(in.City, &c.City)
	str(in.State, &c.State)
	str(in.PostalCode, &c.PostalCode)
	str(in.Website, &c.Website)
	str(in.MLSID, &c.MLSID)
}

// signalJSON is a dated note about a company. Active says whether it
// still raises the company's agents on Today.
type signalJSON struct {
	ID        int64           `json:"id"`
	CompanyID int64           `json:"companyId"`
	Company   *companyRefJSON `json:"company"`
	On        rapport.Day     `json:"on"`
	Title     string          `json:"title"`
	Note      string          `json:"note"`
	CreatedBy *int64          `json:"createdBy"`
	CreatedAt time.Time       `json:"createdAt"`
	Active    bool            `json:"active"`
}

func toSignal(sg *rapport.Signal, now time.Time, loc *time.Location) signalJSON {
	return signalJSON{ID: sg.ID, CompanyID: sg.CompanyID, Company: toCompanyRef(sg.Company), On: sg.On, Title: sg.Title,
		Note: sg.Note, CreatedBy: idPtr(sg.CreatedBy), CreatedAt: sg.CreatedAt.UTC(), Active: sg.Active(now, loc)}
}

type signalInput struct {
	On    string `json:"on"`
	Title string `json:"title"`
	Note  string `json:"note"`
}

func (s *Server) listCompanies(w http.ResponseWriter, r *http.Request, a *account) error {
	q := r.URL.Query()
	f := store.CompanyFilter{Kind: rapport.CompanyKind(q.Get("kind")), Market: strings.TrimSpace(q.Get("market"))}
	switch f.Kind {
	case "", rapport.CompanyBrokerage, rapport.CompanyOffice:
	default:
		return &rapport.Error{Code: rapport.EINVALID, Message: "Unknown kind.", Fields: map[string]string{"kind": "Use brokerage or office."}}
	}
	var err error
	if f.ParentID, err = queryID(q.Get("parentId"), "parentId"); err != nil {
		return err
	}
	rows, err := s.db.Companies(r.Context(), a.actor, f)
	if err != nil {
		return err
	}
	now := s.now()
	items := []companyRowJSON{}
	for i := range rows {
		if !companyMatches(&rows[i].Company, q.Get("q")) {
			continue
		}
		items = append(items, toCompanyRow(&rows[i], now, a.org.Location()))
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

func toCompanyRow(row *store.CompanyRow, now time.Time, loc *time.Location) companyRowJSON {
	out := companyRowJSON{companyJSON: toCompany(&row.Company), Agents: row.Agents, Volume: row.Volume}
	if row.LastSignal != nil {
		sg := toSignal(row.LastSignal, now, loc)
		out.LastSignal = &sg
	}
	return out
}

// companyMatches reports whether a company's name (folded as import
// matching folds it) or MLS id contains q. The organisation's companies
// are listed whole, so this filters the page rather than the query.
func companyMatches(c *rapport.Company, q string) bool {
	q = strings.TrimSpace(q)
	if q == "" {
		return true
	}
	if key := rapport.CompanyKey(q); key != "" && strings.Contains(c.NameKey, key) {
		return true
	}
	return c.MLSID != "" && strings.EqualFold(c.MLSID, q)
}

func (s *Server) createCompany(w http.ResponseWriter, r *http.Request, a *account) error {
	var in companyInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	c := &rapport.Company{}
	in.applyTo(c)
	if err := s.db.CreateCompany(r.Context(), a.actor, c); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/companies/"+strconv.FormatInt(c.ID, 10))
	return s.respondCompany(w, r, a, c.ID, http.StatusCreated)
}

// respondCompany answers with the company as it is stored now.
func (s *Server) respondCompany(w http.ResponseWriter, r *http.Request, a *account, id int64, status int) error {
	c, err := s.db.Company(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, status, toCompany(c))
	return nil
}

// companyAgents is how many of a company's agents its answer lists.
const companyAgents = 100

// companySignals is how many recent signals a company's answer lists.
const companySignals = 20

func (s *Server) getCompany(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	c, err := s.db.Company(ctx, a.actor, id)
	if err != nil {
		return err
	}
	agents, err := s.db.CompanyAgents(ctx, a.actor, c.ID, companyAgents)
	if err != nil {
		return err
	}
	signals, err := s.db.Signals(ctx, a.actor, c.ID, companySignals)
	if err != nil {
		return err
	}
	now := s.now()
	out := companyDetailJSON{companyJSON: toCompany(c), Agents: toProspects(agents), Offices: []companyRowJSON{}, Signals: []signalJSON{}}
	if agents.Next != "" {
		out.AgentsNext = &agents.Next
	}
	if c.Kind == rapport.CompanyBrokerage {
		offices, err := s.db.Companies(ctx, a.actor, store.CompanyFilter{ParentID: c.ID})
		if err != nil {
			return err
		}
		for i := range offices {
			out.Offices = append(out.Offices, toCompanyRow(&offices[i], now, a.org.Location()))
		}
	}
	for i := range signals {
		out.Signals = append(out.Signals, toSignal(&signals[i], now, a.org.Location()))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// updateCompany changes the fields the body names and leaves the rest.
func (s *Server) updateCompany(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.db.Company(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	var in companyInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if in.Kind.Set && in.Kind.Value != c.Kind {
		// Said here, before the store checks the rest of the company
		// against the new kind and blames another field.
		return &rapport.Error{Code: rapport.EINVALID, Message: "Please correct the highlighted fields.",
			Fields: map[string]string{"kind": "A brokerage stays a brokerage and an office an office."}}
	}
	in.applyTo(c)
	if err := s.db.UpdateCompany(r.Context(), a.actor, c); err != nil {
		return err
	}
	return s.respondCompany(w, r, a, id, http.StatusOK)
}

func (s *Server) listSignals(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit, err := queryInt(r.URL.Query().Get("limit"), "limit", 50)
	if err != nil {
		return err
	}
	signals, err := s.db.Signals(r.Context(), a.actor, id, min(max(limit, 1), 200))
	if err != nil {
		return err
	}
	now := s.now()
	items := make([]signalJSON, len(signals))
	for i := range signals {
		items[i] = toSignal(&signals[i], now, a.org.Location())
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

func (s *Server) createSignal(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	// Another organisation's company is missing before the body is read.
	c, err := s.db.Company(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	var in signalInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	sg := &rapport.Signal{CompanyID: c.ID, On: rapport.Day(strings.TrimSpace(in.On)), Title: in.Title, Note: in.Note}
	if err := s.db.AddSignal(r.Context(), a.actor, sg); err != nil {
		return err
	}
	sg.Company = c
	w.Header().Set("Location", Prefix+"/companies/"+strconv.FormatInt(c.ID, 10)+"/signals")
	writeJSON(w, http.StatusCreated, toSignal(sg, s.now(), a.org.Location()))
	return nil
}

func (s *Server) deleteSignal(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DeleteSignal(r.Context(), a.actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
