package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// peopleFilter reads the people list's filters from a query. The owner
// may be typed (a large team's picker, see resolveTeam): it returns the
// query with the owner's id in its place, for links to carry, or, when
// no one on the team fits, without an owner and with the problem to show.
func (s *Server) peopleFilter(ctx context.Context, a *account, q url.Values) (store.PeopleFilter, url.Values, string, error) {
	problem := ""
	if v := q.Get("owner"); v != "" {
		team, err := s.db.Roster(ctx, a.actor)
		if err != nil {
			return store.PeopleFilter{}, nil, "", err
		}
		id, p := resolveTeam(team.Active, v, ownerFilterField.Blanks...)
		q, problem = cloneValues(q), p
		if id == "" {
			q.Del("owner")
		} else {
			q.Set("owner", id)
		}
	}
	// A page shows what it can read of its filters.
	f, _ := store.ParsePeopleFilter(q, a.user.ID)
	f.Limit = 0
	return f, q, problem, nil
}

// exportPeople streams the people the list's filters select, a page at a
// time, as CSV or vCard.
func (s *Server) exportPeople(w http.ResponseWriter, r *http.Request, a *account, format string) error {
	f, _, problem, err := s.peopleFilter(r.Context(), a, r.URL.Query())
	if err != nil {
		return err
	}
	if problem != "" {
		// Exporting everyone instead would be worse than nothing.
		return rapport.Errorf(rapport.EINVALID, "%s", problem)
	}
	f.Cursor, f.Limit = "", 200
	l, err := s.lookups(r.Context(), a)
	if err != nil {
		return err
	}
	// Logged before anything is sent: an export that cannot be logged
	// does not happen.
	what := "people as CSV"
	if format != "csv" {
		what = "people as vCards"
	}
	if q := r.URL.Query().Encode(); q != "" {
		what += ", filtered by " + q
	}
	if err := s.db.Audit(r.Context(), a.actor, store.AuditExport, "people", 0, what); err != nil {
		return err
	}
	name := fmt.Sprintf("rapport-people-%s", s.now().In(a.loc).Format("2006-01-02"))
	var csvw *importer.CSVWriter
	if format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		if csvw, err = importer.NewCSVWriter(w, a.org.Region, l.Stages, l.UserNames); err != nil {
			return nil
		}
	} else {
		w.Header().Set("Content-Type", "text/vcard; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.vcf"`)
	}
	for {
		page, err := s.db.ListPeople(r.Context(), a.actor, f)
		if err != nil {
			s.log.Error("export", "err", err)
			return nil // the download has begun; the partial file is all we can say
		}
		if csvw != nil {
			ids := make([]int64, len(page.People))
			for i := range page.People {
				ids[i] = page.People[i].ID
			}
			kept, err := s.db.KeptOf(r.Context(), a.actor, ids)
			if err != nil {
				s.log.Error("export", "err", err)
				return nil
			}
			if err := csvw.Write(page.People, kept); err != nil {
				return nil
			}
		} else if err := importer.WriteVCard(w, page.People); err != nil {
			return nil
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	if csvw != nil {
		csvw.Flush()
	}
	return nil
}

func (s *Server) exportCSV(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.exportPeople(w, r, a, "csv")
}

func (s *Server) exportVCard(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.exportPeople(w, r, a, "vcard")
}

// personVCard downloads one person's card, to add them to a phone.
func (s *Server) personVCard(w http.ResponseWriter, r *http.Request, a *account) error {
	p, err := s.personFromPath(r, a)
	if err != nil {
		return err
	}
	if err := s.db.Audit(r.Context(), a.actor, store.AuditExport, "person", p.ID, "vCard of "+p.Name()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/vcard; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="person-%d.vcf"`, p.ID))
	return importer.WriteVCard(w, []rapport.Person{*p})
}
