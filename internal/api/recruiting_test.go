package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// errFields returns the field errors of an error answer.
func errFields(t *testing.T, r reply) map[string]any {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

// hasFields reports a failure for each field the error answer lacks.
func hasFields(t *testing.T, r reply, fields ...string) {
	t.Helper()
	got := errFields(t, r)
	for _, f := range fields {
		if got[f] == nil {
			t.Errorf("no error for %s: %s", f, r.body)
		}
	}
}

// stageID returns the id of the stage with the key in the pipeline of the
// kind ("clients" or "recruiting"), as the API key's organisation has it.
func (h *harness) stageID(apiKey, pipeline, key string) int64 {
	h.t.Helper()
	var ps struct {
		Items []struct {
			Kind   string
			Stages []struct {
				ID  int64
				Key string
			}
		}
	}
	json.Unmarshal(h.call(apiKey, "GET", "/api/v1/pipelines", nil).body, &ps)
	for _, p := range ps.Items {
		for _, s := range p.Stages {
			if p.Kind == pipeline && s.Key == key {
				return s.ID
			}
		}
	}
	h.t.Fatalf("no stage %s in %s", key, pipeline)
	return 0
}

func TestCompaniesAndSignals(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		// Every problem is reported, by its JSON name.
		r := h.call(a.key, "POST", "/api/v1/companies", `{"website": "not a web address"}`)
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "kind", "name", "website")
		if r.errField() != "kind" {
			t.Errorf("first field = %q", r.errField())
		}
		want(t, h.call(a.key, "POST", "/api/v1/companies", `{"kind": "brokerage", "name": "X", "colour": "red"}`), http.StatusBadRequest)
		r = h.call(a.key, "POST", "/api/v1/companies", map[string]any{"kind": "office", "name": "Orphan", "parentId": 999999})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "parentId")

		r = h.call(a.key, "POST", "/api/v1/companies", map[string]any{"kind": "brokerage", "name": "Summit Realty", "market": "Chicago", "website": "summitrealty.example"})
		want(t, r, http.StatusCreated)
		broker := r.json(t)
		bid := num(broker, "id")
		if r.header.Get("Location") != fmt.Sprintf("/api/v1/companies/%d", bid) || broker["website"] != "https://summitrealty.example" || broker["parent"] != nil {
			t.Fatalf("created = %s", r.body)
		}
		r = h.call(a.key, "POST", "/api/v1/companies", map[string]any{"kind": "brokerage", "name": "SUMMIT REALTY, LLC"})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "name")
		r = h.call(a.key, "POST", "/api/v1/companies", map[string]any{"kind": "office", "name": "Summit Realty - Lincoln Park", "parentId": bid, "mlsId": "O1"})
		want(t, r, http.StatusCreated)
		office := r.json(t)
		oid := num(office, "id")
		if office["parent"].(map[string]any)["name"] != "Summit Realty" || num(office, "parentId") != bid {
			t.Fatalf("office = %s", r.body)
		}
		// An office's brokerage must be a brokerage.
		r = h.call(a.key, "POST", "/api/v1/companies", map[string]any{"kind": "office", "name": "Nested", "parentId": oid})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "parentId")
		h.call(a.key, "POST", "/api/v1/companies", map[string]any{"kind": "brokerage", "name": "North Shore Properties", "market": "Evanston"})

		names := func(query string) []string {
			t.Helper()
			r := h.call(a.key, "GET", "/api/v1/companies"+query, nil)
			want(t, r, http.StatusOK)
			var l struct {
				Items []struct{ Name string }
				Next  *string
			}
			json.Unmarshal(r.body, &l)
			var out []string
			for _, it := range l.Items {
				out = append(out, it.Name)
			}
			return out
		}
		for query, wantNames := range map[string][]string{
			"":                               {"North Shore Properties", "Summit Realty", "Summit Realty - Lincoln Park"},
			"?kind=office":                   {"Summit Realty - Lincoln Park"},
			"?market=Evanston":               {"North Shore Properties"},
			"?q=summit":                      {"Summit Realty", "Summit Realty - Lincoln Park"},
			"?q=LINCOLN%20PARK":              {"Summit Realty - Lincoln Park"},
			"?q=o1":                          {"Summit Realty - Lincoln Park"},
			fmt.Sprintf("?parentId=%d", bid): {"Summit Realty - Lincoln Park"},
		} {
			if got := names(query); !slices.Equal(got, wantNames) {
				t.Errorf("GET /companies%s = %v, want %v", query, got, wantNames)
			}
		}
		want(t, h.call(a.key, "GET", "/api/v1/companies?kind=franchise", nil), http.StatusBadRequest)

		// PATCH changes what it names; null clears the brokerage; a kind
		// does not change.
		path := fmt.Sprintf("/api/v1/companies/%d", oid)
		r = h.call(a.key, "PATCH", path, `{"market": "North Side", "city": "Chicago"}`)
		want(t, r, http.StatusOK)
		if p := r.json(t); p["market"] != "North Side" || p["city"] != "Chicago" || p["name"] != "Summit Realty - Lincoln Park" || num(p, "parentId") != bid || p["mlsId"] != "O1" {
			t.Fatalf("patched = %s", r.body)
		}
		r = h.call(a.key, "PATCH", path, `{"kind": "brokerage"}`)
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "kind")
		r = h.call(a.key, "PATCH", path, `{"name": ""}`)
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "name")
		r = h.call(a.key, "PATCH", path, `{"parentId": null}`)
		want(t, r, http.StatusOK)
		if p := r.json(t); p["parentId"] != nil || p["parent"] != nil {
			t.Fatalf("unparented = %s", r.body)
		}
		want(t, h.call(a.key, "PATCH", path, map[string]any{"parentId": bid}), http.StatusOK)
		want(t, h.call(a.key, "PATCH", "/api/v1/companies/999999", `{"city": "X"}`), http.StatusNotFound)
		want(t, h.call(a.key, "GET", "/api/v1/companies/999999", nil), http.StatusNotFound)

		// Signals.
		spath := fmt.Sprintf("/api/v1/companies/%d/signals", bid)
		r = h.call(a.key, "POST", spath, map[string]string{"on": "last week", "title": ""})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "on", "title")
		r = h.call(a.key, "POST", spath, map[string]string{"on": "2026-12-25", "title": "Christmas party"})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "on")
		r = h.call(a.key, "POST", spath, map[string]string{"on": "2026-11-20", "title": "  Leadership   change ", "note": "New managing broker from out of state"})
		want(t, r, http.StatusCreated)
		sg := r.json(t)
		if sg["title"] != "Leadership change" || sg["active"] != true || num(sg, "companyId") != bid || sg["company"].(map[string]any)["name"] != "Summit Realty" {
			t.Fatalf("signal = %s", r.body)
		}
		r = h.call(a.key, "POST", fmt.Sprintf("/api/v1/companies/%d/signals", oid), map[string]string{"on": "2026-09-01", "title": "Lost its top team"})
		want(t, r, http.StatusCreated)
		old := r.json(t)
		if old["active"] != false {
			t.Errorf("a signal from September is still active: %s", r.body)
		}
		count := func(path string) int {
			t.Helper()
			r := h.call(a.key, "GET", path, nil)
			want(t, r, http.StatusOK)
			return len(r.json(t)["items"].([]any))
		}
		if n := count(spath); n != 2 { // the brokerage's and its office's
			t.Errorf("brokerage signals = %d", n)
		}
		if n := count(fmt.Sprintf("/api/v1/companies/%d/signals", oid)); n != 1 {
			t.Errorf("office signals = %d", n)
		}

		// Agents at the office, from a production report.
		r = h.call(a.key, "POST", "/api/v1/production", map[string]any{"period": "2026-09-30", "rows": []map[string]any{
			{"mlsId": "A1", "firstName": "Pat", "lastName": "Quinn", "office": "Summit Realty - Lincoln Park", "officeMlsId": "O1", "units": 40, "volume": 18_000_000},
			{"mlsId": "A2", "firstName": "Nia", "lastName": "Brooks", "office": "Summit Realty - Lincoln Park", "units": 50, "volume": 21_000_000},
			{"mlsId": "A3", "firstName": "Lee", "lastName": "Wong", "office": "North Shore Properties - Evanston", "units": 9, "volume": 4_000_000},
		}})
		want(t, r, http.StatusOK)
		r = h.call(a.key, "GET", fmt.Sprintf("/api/v1/companies/%d", bid), nil)
		want(t, r, http.StatusOK)
		var detail struct {
			Name   string
			Agents []struct {
				Rank    int
				Person  struct{ FirstName string }
				Company struct{ ID int64 }
			}
			AgentsNext *string
			Offices    []struct {
				ID     int64
				Agents int
				Volume int64
			}
			Signals []struct{ Title string }
		}
		json.Unmarshal(r.body, &detail)
		if detail.Name != "Summit Realty" || len(detail.Agents) != 2 || detail.Agents[0].Person.FirstName != "Nia" || detail.Agents[0].Rank != 1 ||
			detail.Agents[1].Person.FirstName != "Pat" || detail.Agents[1].Company.ID != oid || detail.AgentsNext != nil ||
			len(detail.Offices) != 1 || detail.Offices[0].Agents != 2 || detail.Offices[0].Volume != 39_000_000 ||
			len(detail.Signals) != 2 || detail.Signals[0].Title != "Leadership change" {
			t.Fatalf("company = %s", r.body)
		}
		r = h.call(a.key, "GET", "/api/v1/companies?kind=brokerage", nil)
		var rows struct {
			Items []struct {
				Name       string
				Agents     int
				LastSignal *struct{ Title string }
			}
		}
		json.Unmarshal(r.body, &rows)
		if len(rows.Items) != 2 || rows.Items[1].Name != "Summit Realty" || rows.Items[1].Agents != 2 || rows.Items[1].LastSignal == nil ||
			rows.Items[1].LastSignal.Title != "Leadership change" || rows.Items[0].LastSignal != nil {
			t.Errorf("brokerage rows = %s", r.body)
		}

		want(t, h.call(a.key, "DELETE", fmt.Sprintf("/api/v1/signals/%d", num(old, "id")), nil), http.StatusNoContent)
		want(t, h.call(a.key, "DELETE", fmt.Sprintf("/api/v1/signals/%d", num(old, "id")), nil), http.StatusNotFound)
		if n := count(spath); n != 1 {
			t.Errorf("signals after the delete = %d", n)
		}
	})
}

// report posts a production report and decodes the answer.
func (h *harness) report(key, period string, rows []map[string]any, dryRun bool) productionReport {
	h.t.Helper()
	r := h.call(key, "POST", "/api/v1/production", map[string]any{"period": period, "rows": rows, "dryRun": dryRun})
	want(h.t, r, http.StatusOK)
	var rep productionReport
	if err := json.Unmarshal(r.body, &rep); err != nil {
		h.t.Fatal(err)
	}
	return rep
}

type productionReport struct {
	Period                            string
	DryRun                            bool
	Rows, Created, Updated, Unchanged int
	Skipped                           int
	Results                           []struct {
		Row      int
		Outcome  string
		PersonID *int64
	}
	Errors []struct{ Row int }
}

func TestProductionImport(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		// Bad input: every problem listed, nothing written.
		bad := map[string]any{"period": "2026-06-31", "rows": []map[string]any{
			{"mlsId": "A1", "firstName": "Pat", "email": "pat@", "units": 1.5, "volume": -3},
			{"mlsId": "A1", "firstName": "Pat again", "mobilePhone": "555-01", "rank": 0.5},
			{"office": "Somewhere"},
			{"firstName": strings.Repeat("x", 101), "listUnits": "many"},
		}}
		r := h.call(a.key, "POST", "/api/v1/production", bad)
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "period", "rows[0].email", "rows[0].units", "rows[0].volume", "rows[1].mlsId", "rows[1].mobilePhone", "rows[1].rank",
			"rows[2].firstName", "rows[3].firstName", "rows[3].listUnits")
		if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "nothing was imported") {
			t.Errorf("message = %q", msg)
		}
		r = h.call(a.key, "POST", "/api/v1/production", map[string]any{"period": "2026-11-30", "rows": []map[string]any{{"mlsId": "A1"}}})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "period")
		r = h.call(a.key, "POST", "/api/v1/production", map[string]any{"rows": []map[string]any{}})
		want(t, r, http.StatusBadRequest)
		hasFields(t, r, "period", "rows")
		many := make([]map[string]any, 5001)
		for i := range many {
			many[i] = map[string]any{"mlsId": fmt.Sprint("M", i)}
		}
		r = h.call(a.key, "POST", "/api/v1/production", map[string]any{"period": "2026-06-30", "rows": many})
		want(t, r, http.StatusBadRequest)
		if r.errField() != "rows" || !strings.Contains(string(r.body), "5000") {
			t.Errorf("too many rows = %s", r.body)
		}
		if page, _ := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, store.PeopleFilter{}); len(page.People) != 0 {
			t.Fatalf("refused requests wrote %d people", len(page.People))
		}

		// Someone already in the book, known by their mobile number.
		r = h.call(a.key, "POST", "/api/v1/people", map[string]any{"firstName": "Rosa", "lastName": "Reyes", "kind": "recruit",
			"phones": []map[string]string{{"number": "(773) 555-0155", "label": "mobile"}}})
		rosa := num(r.json(t), "id")

		june := []map[string]any{
			{"rank": 1, "mlsId": "A100", "firstName": "Pat", "lastName": "Quinn", "email": "pat@summit.example", "office": "Summit Realty - Lincoln Park",
				"officeMlsId": "O1", "listUnits": 20, "sellUnits": 22, "volume": 18_450_000},
			{"rank": 2, "mlsId": "A200", "firstName": "Lee", "lastName": "Wong", "email": "lee@north.example", "office": "North Shore Properties - Evanston",
				"units": 15, "volume": "6200000"},
			{"rank": 3, "firstName": "Omar", "lastName": "Diaz", "email": "Omar@Lakeside.example", "officePhone": "(312) 555-0900", "office": "Lakeside Homes",
				"units": 12, "volume": 4_000_000.4},
			{"rank": 4, "mlsId": "A500", "firstName": "Rosa", "mobilePhone": "773-555-0155", "office": "Lakeside Homes", "units": 8, "volume": 3_100_000},
		}
		// A dry run counts and writes nothing.
		rep := h.report(a.key, "2026-06-30", june, true)
		if !rep.DryRun || rep.Created != 3 || rep.Updated != 1 || rep.Results[0].PersonID != nil || *rep.Results[3].PersonID != rosa {
			t.Fatalf("dry run = %+v", rep)
		}
		if page, _ := h.db.ListPeople(ctx, rapport.Actor{Org: a.org.ID}, store.PeopleFilter{}); len(page.People) != 1 {
			t.Fatalf("a dry run wrote: %d people", len(page.People))
		}
		rep = h.report(a.key, "2026-06-30", june, false)
		if rep.Rows != 4 || rep.Created != 3 || rep.Updated != 1 || rep.Skipped != 0 || len(rep.Errors) != 0 {
			t.Fatalf("June = %+v", rep)
		}
		ids := map[string]int64{}
		for i, name := range []string{"pat", "lee", "omar", "rosa"} {
			res := rep.Results[i]
			if res.Row != i || res.PersonID == nil || (res.Outcome == "created") != (name != "rosa") {
				t.Fatalf("row %d = %+v", i, res)
			}
			ids[name] = *res.PersonID
		}
		if ids["rosa"] != rosa {
			t.Errorf("Rosa's row made someone new")
		}
		pat, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, ids["pat"])
		if pat.Kind != "recruit" || pat.Units12m != 42 || pat.Volume12m != 18_450_000 || pat.OwnerID != a.agent.ID || pat.Source != "Production report" ||
			pat.Company == nil || pat.Company.MLSID != "O1" || pat.Company.Parent == nil || pat.Company.Parent.Name != "Summit Realty" {
			t.Fatalf("pat = %+v (company %+v)", pat, pat.Company)
		}
		omar, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, ids["omar"])
		if omar.Volume12m != 4_000_000 || len(omar.Phones) != 1 || omar.Phones[0].Label != "office" || omar.Emails[0].Address != "omar@lakeside.example" {
			t.Errorf("omar = %+v", omar)
		}
		if r, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, rosa); r.MLSID != "A500" || r.Units12m != 8 || r.ProductionPeriod != "2026-06-30" {
			t.Errorf("rosa = %+v", r)
		}

		// The newer report: Pat by MLS id despite a new email; Lee's MLS id
		// with Omar's email goes to Lee; Omar by email alone.
		sept := []map[string]any{
			{"mlsId": "A100", "firstName": "Pat", "lastName": "Quinn", "email": "pat@north.example", "office": "North Shore Properties - Evanston",
				"listUnits": 25, "sellUnits": 25, "units": 50, "volume": 21_000_000},
			{"mlsId": "A200", "firstName": "Lee", "lastName": "Wong", "email": "omar@lakeside.example", "units": 11, "volume": 5_000_000},
			{"firstName": "Omar", "email": "omar@lakeside.example", "units": 22, "volume": 9_500_000},
		}
		rep = h.report(a.key, "2026-09-30", sept, false)
		if rep.Created != 0 || rep.Updated != 3 {
			t.Fatalf("September = %+v", rep)
		}
		if *rep.Results[0].PersonID != ids["pat"] || *rep.Results[1].PersonID != ids["lee"] || *rep.Results[2].PersonID != ids["omar"] {
			t.Fatalf("September matched %+v, want pat %d, lee %d, omar %d", rep.Results, ids["pat"], ids["lee"], ids["omar"])
		}
		pat, _ = h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, ids["pat"])
		if pat.Units12m != 50 || pat.Volume12m != 21_000_000 || pat.ListUnits12m != 25 || pat.ProductionPeriod != "2026-09-30" ||
			pat.Company == nil || pat.Company.Name != "North Shore Properties - Evanston" {
			t.Errorf("pat after September = %d/%d period %s office %+v", pat.Units12m, pat.Volume12m, pat.ProductionPeriod, pat.Company)
		}
		lee, _ := h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, ids["lee"])
		omar, _ = h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, ids["omar"])
		if lee.Units12m != 11 || omar.Units12m != 22 || omar.Volume12m != 9_500_000 {
			t.Errorf("lee %d units, omar %d units %d", lee.Units12m, omar.Units12m, omar.Volume12m)
		}

		// An older report comes late: history only.
		rep = h.report(a.key, "2026-03-31", []map[string]any{{"mlsId": "A100", "firstName": "Pat", "office": "Summit Realty - Lincoln Park", "units": 30, "volume": 12_000_000}}, false)
		if rep.Created != 0 || rep.Results[0].Outcome != "matched" {
			t.Fatalf("March = %+v", rep)
		}
		pat, _ = h.db.Person(ctx, rapport.Actor{Org: a.org.ID}, ids["pat"])
		if pat.Units12m != 50 || pat.Volume12m != 21_000_000 || pat.ProductionPeriod != "2026-09-30" || pat.Company.Name != "North Shore Properties - Evanston" {
			t.Errorf("an older report changed pat: %d/%d period %s office %s", pat.Units12m, pat.Volume12m, pat.ProductionPeriod, pat.Company.Name)
		}

		// The history, oldest first, with the trend.
		r = h.call(a.key, "GET", fmt.Sprintf("/api/v1/people/%d/production", ids["pat"]), nil)
		want(t, r, http.StatusOK)
		var hist struct {
			Items []struct {
				Period, Label, Office string
				Rank                  *int
				Units                 int
				Volume, AveragePrice  int64
				Trend                 *string
			}
			Next  *string
			Trend *string
		}
		json.Unmarshal(r.body, &hist)
		var periods []string
		for _, it := range hist.Items {
			periods = append(periods, fmt.Sprintf("%s:%d", it.Period, it.Units))
		}
		if want := []string{"2026-03-31:30", "2026-06-30:42", "2026-09-30:50"}; !slices.Equal(periods, want) {
			t.Fatalf("history = %v, want %v", periods, want)
		}
		if hist.Items[0].Trend != nil || *hist.Items[1].Trend != "up 53%" || *hist.Items[2].Trend != "up 13%" || *hist.Trend != "up 13%" ||
			hist.Items[1].Rank == nil || *hist.Items[1].Rank != 1 || hist.Items[0].Rank != nil || hist.Items[2].Label != "Sep 2026" ||
			hist.Items[2].AveragePrice != 420_000 || hist.Items[1].Office != "Summit Realty - Lincoln Park" {
			t.Errorf("history = %s", r.body)
		}
		r = h.call(a.key, "GET", fmt.Sprintf("/api/v1/people/%d/production", rosa), nil)
		if items := r.json(t)["items"].([]any); len(items) != 1 || r.json(t)["trend"] != nil {
			t.Errorf("rosa's history = %s", r.body)
		}
		want(t, h.call(a.key, "GET", "/api/v1/people/999999/production", nil), http.StatusNotFound)
	})
}

func TestProspectsRanking(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		h.report(a.key, "2026-09-30", []map[string]any{
			{"mlsId": "A1", "firstName": "Pat", "office": "Summit Realty - Lincoln Park", "units": 10, "volume": 21_000_000},
			{"mlsId": "A2", "firstName": "Nia", "office": "Summit Realty - Gold Coast", "units": 50, "volume": 9_000_000},
			{"mlsId": "A3", "firstName": "Lee", "office": "North Shore Properties - Evanston", "units": 30, "volume": 12_000_000},
			{"mlsId": "A4", "firstName": "Omar", "office": "Lakeside Homes", "units": 5, "volume": 2_000_000},
		}, false)
		r := h.call(a.key, "GET", "/api/v1/companies?q=summit%20realty&kind=brokerage", nil)
		summit := num(r.json(t)["items"].([]any)[0].(map[string]any), "id")
		h.call(a.key, "PATCH", fmt.Sprintf("/api/v1/companies/%d", summit), map[string]any{"market": "Chicago"})

		ranking := func(query string) []string {
			t.Helper()
			var names []string
			cursor, rank := "", 1
			for pages := 0; pages < 10; pages++ {
				r := h.call(a.key, "GET", "/api/v1/prospects?limit=2&"+query+"&cursor="+cursor, nil)
				want(t, r, http.StatusOK)
				var page struct {
					Items []struct {
						Rank       int
						Person     struct{ FirstName string }
						Company    *struct{ Label string }
						Production struct{ Period *string }
					}
					Next *string
				}
				json.Unmarshal(r.body, &page)
				for _, it := range page.Items {
					if it.Rank != rank || it.Company == nil || it.Production.Period == nil || *it.Production.Period != "2026-09-30" {
						t.Errorf("%s: %s ranked %d (want %d), company %v", query, it.Person.FirstName, it.Rank, rank, it.Company)
					}
					rank++
					names = append(names, it.Person.FirstName)
				}
				if page.Next == nil {
					break
				}
				cursor = *page.Next
			}
			return names
		}
		for query, wantNames := range map[string][]string{
			"":                                {"Pat", "Lee", "Nia", "Omar"},
			"sort=units":                      {"Nia", "Lee", "Pat", "Omar"},
			"minUnits=10":                     {"Pat", "Lee", "Nia"},
			"market=Chicago":                  {"Pat", "Nia"},
			fmt.Sprintf("company=%d", summit): {"Pat", "Nia"},
			"notTalkedDays=never&owner=me":    {"Pat", "Lee", "Nia", "Omar"},
			"notTalkedDays=30&sort=volume":    {"Pat", "Lee", "Nia", "Omar"},
		} {
			if got := ranking(query); !slices.Equal(got, wantNames) {
				t.Errorf("prospects?%s = %v, want %v", query, got, wantNames)
			}
		}
		// Whoever joined us leaves the ranking unless asked for.
		r = h.call(a.key, "GET", "/api/v1/prospects?limit=1", nil)
		pat := num(r.json(t)["items"].([]any)[0].(map[string]any)["person"].(map[string]any), "id")
		joined := h.stageID(a.key, "recruiting", "joined")
		want(t, h.call(a.key, "PATCH", fmt.Sprintf("/api/v1/people/%d", pat), map[string]any{"stageId": joined}), http.StatusOK)
		if got := ranking(""); !slices.Equal(got, []string{"Lee", "Nia", "Omar"}) {
			t.Errorf("after Pat joined: %v", got)
		}
		if got := ranking(fmt.Sprintf("stage=%d", joined)); !slices.Equal(got, []string{"Pat"}) {
			t.Errorf("joined: %v", got)
		}
		for _, q := range []string{"sort=name", "cursor=garbage", "minUnits=lots", "notTalkedDays=soon", "limit=-1"} {
			want(t, h.call(a.key, "GET", "/api/v1/prospects?"+q, nil), http.StatusBadRequest)
		}
		want(t, h.call(a.key, "GET", "/api/v1/prospects?company=999999", nil), http.StatusNotFound)
	})
}

func TestReferrals(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.tenant("acme")
		create := func(body map[string]any) int64 {
			t.Helper()
			r := h.call(a.key, "POST", "/api/v1/people", body)
			want(t, r, http.StatusCreated)
			return num(r.json(t), "id")
		}
		zoe := create(map[string]any{"firstName": "Zoe", "lastName": "Connector", "kind": "sphere"})
		ben := create(map[string]any{"firstName": "Ben", "kind": "sphere"})
		create(map[string]any{"firstName": "Carla", "kind": "client", "referredById": zoe})
		lead := create(map[string]any{"firstName": "Dev", "kind": "lead", "referredById": zoe})
		create(map[string]any{"firstName": "Eve", "kind": "recruit", "referredById": zoe})
		create(map[string]any{"firstName": "Finn", "kind": "lead", "referredById": ben})
		want(t, h.call(a.key, "POST", "/api/v1/conversations", map[string]any{"personId": lead, "channel": "call", "outcome": "live"}), http.StatusCreated)

		r := h.call(a.key, "GET", "/api/v1/referrals", nil)
		want(t, r, http.StatusOK)
		var refs struct {
			Items []struct {
				Person struct {
					ID   int64
					Name string
				}
				Total, Talked, Meeting, Won int
				LatestAt                    *string
			}
		}
		json.Unmarshal(r.body, &refs)
		if len(refs.Items) != 2 {
			t.Fatalf("referrers = %s", r.body)
		}
		z := refs.Items[0]
		if z.Person.ID != zoe || z.Person.Name != "Zoe Connector" || z.Total != 3 || z.Talked != 1 || z.Won != 1 || z.Meeting != 1 || z.LatestAt == nil ||
			refs.Items[1].Person.ID != ben || refs.Items[1].Total != 1 {
			t.Errorf("referrers = %s", r.body)
		}

		r = h.call(a.key, "GET", fmt.Sprintf("/api/v1/people/%d/referrals", zoe), nil)
		want(t, r, http.StatusOK)
		var referred struct {
			Items []struct {
				FirstName    string
				ReferredByID int64
				Stage        *struct{ Key string }
			}
		}
		json.Unmarshal(r.body, &referred)
		var got []string
		for _, p := range referred.Items {
			stage := "none"
			if p.Stage != nil {
				stage = p.Stage.Key
			}
			got = append(got, p.FirstName+":"+stage)
			if p.ReferredByID != zoe {
				t.Errorf("%s referred by %d", p.FirstName, p.ReferredByID)
			}
		}
		if want := []string{"Eve:prospect", "Dev:conversation", "Carla:active"}; !slices.Equal(got, want) {
			t.Errorf("Zoe referred %v, want %v", got, want)
		}
		r = h.call(a.key, "GET", fmt.Sprintf("/api/v1/people/%d/referrals", lead), nil)
		want(t, r, http.StatusOK)
		if items := r.json(t)["items"].([]any); len(items) != 0 {
			t.Errorf("Dev referred %s", r.body)
		}
		want(t, h.call(a.key, "GET", "/api/v1/people/999999/referrals", nil), http.StatusNotFound)
	})
}
