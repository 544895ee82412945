package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// productionNowJSON is an agent's current 12-month production: the
// figures of the newest report imported (or typed in).
type productionNowJSON struct {
	Period    *rapport.Day `json:"period"`
	ListUnits int          `json:"listUnits"`
	SellUnits int          `json:"sellUnits"`
	Units     int          `json:"units"`
	Volume    int64        `json:"volume"`
}

// prospectJSON is an agent in a ranking: their place in it (1 is the
// largest), the person, their office and their production.
type prospectJSON struct {
	Rank       int               `json:"rank"`
	Person     personJSON        `json:"person"`
	Company    *companyRefJSON   `json:"company"`
	Production productionNowJSON `json:"production"`
}

func toProspects(page *store.ProspectPage) []prospectJSON {
	out := make([]prospectJSON, len(page.People))
	for i := range page.People {
		p := &page.People[i]
		out[i] = prospectJSON{Rank: page.Rank + i, Person: toPerson(p, nil), Company: toCompanyRef(p.Company),
			Production: productionNowJSON{ListUnits: p.ListUnits12m, SellUnits: p.SellUnits12m, Units: p.Units12m, Volume: p.Volume12m}}
		if !p.ProductionPeriod.IsZero() {
			period := p.ProductionPeriod
			out[i].Production.Period = &period
		}
	}
	return out
}

// listProspects ranks the agents being recruited by 12-month volume (or
// units), with the prospect list's filters.
func (s *Server) listProspects(w http.ResponseWriter, r *http.Request, a *account) error {
	q := r.URL.Query()
	f := store.ProspectFilter{Market: strings.TrimSpace(q.Get("market")), Sort: q.Get("sort"), Cursor: q.Get("cursor")}
	var err error
	if f.CompanyID, err = queryID(q.Get("company"), "company"); err != nil {
		return err
	}
	if f.MinUnits, err = queryInt(q.Get("minUnits"), "minUnits", 0); err != nil {
		return err
	}
	if v := q.Get("notTalkedDays"); v == "never" {
		f.NotTalkedDays = -1
	} else if f.NotTalkedDays, err = queryInt(v, "notTalkedDays", 0); err != nil {
		return err
	}
	if f.StageID, err = queryID(q.Get("stage"), "stage"); err != nil {
		return err
	}
	if q.Get("owner") == "me" {
		f.OwnerID = a.user.ID
	} else if f.OwnerID, err = queryID(q.Get("owner"), "owner"); err != nil {
		return err
	}
	if f.Limit, err = queryInt(q.Get("limit"), "limit", 50); err != nil {
		return err
	}
	f.Limit = min(max(f.Limit, 1), 200)
	page, err := s.db.Prospects(r.Context(), a.actor, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(toProspects(page), page.Next))
	return nil
}

type personRefJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// referrerJSON is someone who gave us names, with how far those people
// got: talked to live, reached a meeting (or an appointment) or beyond,
// and won (became clients or joined us).
type referrerJSON struct {
	Person   personRefJSON `json:"person"`
	Total    int           `json:"total"`
	Talked   int           `json:"talked"`
	Meeting  int           `json:"meeting"`
	Won      int           `json:"won"`
	LatestAt *time.Time    `json:"latestAt"`
}

func (s *Server) listReferrers(w http.ResponseWriter, r *http.Request, a *account) error {
	refs, err := s.db.Referrers(r.Context(), a.actor)
	if err != nil {
		return err
	}
	items := make([]referrerJSON, len(refs))
	for i, ref := range refs {
		items[i] = referrerJSON{Person: personRefJSON{ID: ref.Person.ID, Name: ref.Person.Name}, Total: ref.Total, Talked: ref.Talked,
			Meeting: ref.Meeting, Won: ref.Won, LatestAt: timePtr(ref.Latest)}
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

// listReferred lists the people a person referred, newest first, each
// with their stage.
func (s *Server) listReferred(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	limit, err := queryInt(r.URL.Query().Get("limit"), "limit", 100)
	if err != nil {
		return err
	}
	people, err := s.db.Referred(r.Context(), a.actor, id, min(max(limit, 1), 500))
	if err != nil {
		return err
	}
	items := make([]personJSON, len(people))
	for i := range people {
		items[i] = toPerson(&people[i], nil)
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}
