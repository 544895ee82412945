package importer_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// stageKeyed returns the recruiting stage with the key.
func stageKeyed(t *testing.T, f *fixture, key string) *rapport.Stage {
	t.Helper()
	pipes, err := f.db.Pipelines(ctx, rapport.Actor{Org: f.org.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pipes {
		if p.Kind != rapport.PipelineRecruiting {
			continue
		}
		for _, s := range p.Stages {
			if s.Key == key {
				return &s
			}
		}
	}
	t.Fatalf("no recruiting stage %q", key)
	return nil
}

// byMLS finds the one person with the MLS id.
func byMLS(t *testing.T, f *fixture, mls string) *rapport.Person {
	t.Helper()
	found := f.find(t, mls)
	var hit []rapport.Person
	for _, p := range found {
		if p.MLSID == mls {
			hit = append(hit, p)
		}
	}
	if len(hit) != 1 {
		t.Fatalf("MLS id %s: %d people", mls, len(hit))
	}
	return &hit[0]
}

// TestRecruitingImports imports an MLS roster, then production reports
// for two periods (and an older one late), and checks how rows find their
// people (MLS id, then email, then phone), that a newer report updates
// figures and offices without moving anyone back in the pipeline or
// undoing a hire, that every period is kept as history, and the ranking.
func TestRecruitingImports(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		roster := "MemberMlsId,MemberFirstName,MemberLastName,MemberEmail,MemberMobilePhone,MemberOfficePhone,MemberStateLicense,OfficeMlsId,OfficeName\n" +
			"A100,Pat,Quinn,pat@summit.example,(312) 555-0111,(312) 555-0900,475.123,O1,Summit Realty - Lincoln Park\n" +
			"A200,Lee,Wong,lee@north.example,(847) 555-0122,(847) 555-0800,475.456,O2,North Shore Properties - Evanston\n" +
			"A300,Nia,Brooks,nia@summit.example,(312) 555-0133,(312) 555-0900,475.789,O1,Summit Realty - Lincoln Park\n" +
			"A400,Omar,Diaz,omar@lakeside.example,(773) 555-0144,,475.111,O3,Lakeside Homes\n"
		rep := f.run(t, roster, importer.Options{})
		if rep.Preset != "reso" || rep.Created != 4 || rep.ErrorCount != 0 {
			t.Fatalf("roster = %+v", rep)
		}
		// Someone already in the book under a different email, known by
		// phone only (no MLS id yet); and someone whose email the report
		// will also carry for another agent's MLS id.
		known := &rapport.Person{FirstName: "Rosa", LastName: "Reyes", Kind: rapport.KindRecruit, OwnerID: f.agent.ID,
			Emails: []rapport.Email{{Address: "rosa@old-brokerage.example"}}, Phones: []rapport.Phone{{Number: "+17735550155", Label: "mobile"}}}
		if err := f.db.CreatePerson(ctx, rapport.Member(f.org, f.owner), known); err != nil {
			t.Fatal(err)
		}

		offices, err := f.db.Companies(ctx, rapport.Actor{Org: f.org.ID}, store.CompanyFilter{Kind: rapport.CompanyOffice})
		if err != nil {
			t.Fatal(err)
		}
		var officeNames []string
		for _, o := range offices {
			officeNames = append(officeNames, o.Name+"/"+o.MLSID+"/"+strconv.Itoa(o.Agents))
		}
		slices.Sort(officeNames)
		if want := []string{"Lakeside Homes/O3/1", "North Shore Properties - Evanston/O2/1", "Summit Realty - Lincoln Park/O1/2"}; !slices.Equal(officeNames, want) {
			t.Errorf("offices = %v, want %v", officeNames, want)
		}
		brokerages, _ := f.db.Companies(ctx, rapport.Actor{Org: f.org.ID}, store.CompanyFilter{Kind: rapport.CompanyBrokerage})
		if len(brokerages) != 2 { // Summit Realty and North Shore Properties; Lakeside Homes names no brokerage
			t.Errorf("brokerages = %+v", brokerages)
		}
		pat := byMLS(t, f, "A100")
		if pat.Company == nil || pat.Company.MLSID != "O1" || pat.Company.Parent == nil || pat.Company.Parent.Name != "Summit Realty" {
			t.Fatalf("pat's company = %+v", pat.Company)
		}

		// Pat is now in a meeting with us; Nia joined us.
		meeting, joined := stageKeyed(t, f, rapport.StageMeeting), stageKeyed(t, f, rapport.StageJoined)
		if err := f.db.SetStage(ctx, rapport.Member(f.org, f.owner), pat.ID, meeting.ID, "Coffee booked"); err != nil {
			t.Fatal(err)
		}
		nia := byMLS(t, f, "A300")
		if err := f.db.SetStage(ctx, rapport.Member(f.org, f.owner), nia.ID, joined.ID, "Signed"); err != nil {
			t.Fatal(err)
		}
		niaCompany := nia.CompanyID

		// The report for the 12 months to June 30.
		june := "Rank,Agent,MLS ID,Email,Phone,Office,List Units,Sell Units,Total Units,Total Volume,Average Price\n" +
			// Pat by MLS id.
			"1,Pat Quinn,A100,,,Summit Realty - Lincoln Park,20,22,42,\"$18,450,000\",\"$439,285\"\n" +
			// Lee's MLS id with Omar's email: the MLS id wins.
			"2,\"Wong, Lee\",A200,omar@lakeside.example,,North Shore Properties - Evanston,10,5,15,\"$6.2M\",\n" +
			// Omar by email alone (no MLS id in this row).
			"3,Omar Diaz,,omar@lakeside.example,,Lakeside Homes,6,6,12,\"$4,000,000\",\n" +
			// Rosa by phone alone; she gains her MLS id.
			"4,Rosa Reyes,A500,,773-555-0155,Lakeside Homes,4,4,8,\"$3,100,000\",\n" +
			// Nia, who joined us, at her old office still.
			"5,Nia Brooks,A300,,,Summit Realty - Lincoln Park,3,4,7,\"$2,100,000\",\n"
		rep = f.run(t, june, importer.Options{Period: "2026-06-30"})
		if rep.Preset != "production" || rep.Created != 0 || rep.Updated != 5 {
			t.Fatalf("June report = %+v", rep)
		}
		// Omar's email stays Omar's, and the report says so.
		if rep.ErrorCount != 1 || rep.Errors[0].Line != 3 || !strings.Contains(rep.Errors[0].Reason, "omar@lakeside.example belongs to someone else") {
			t.Errorf("June report's notes = %+v", rep.Errors)
		}
		lee := byMLS(t, f, "A200")
		if len(lee.Emails) != 1 || lee.Emails[0].Address != "lee@north.example" {
			t.Errorf("lee's emails = %+v", lee.Emails)
		}
		if lee.Units12m != 15 || lee.Volume12m != 6_200_000 || lee.ProductionPeriod != "2026-06-30" {
			t.Errorf("lee = %d units %d, period %s", lee.Units12m, lee.Volume12m, lee.ProductionPeriod)
		}
		if omar := byMLS(t, f, "A400"); omar.Units12m != 12 || omar.Volume12m != 4_000_000 {
			t.Errorf("omar = %d units, %d (the row with his email but Lee's MLS id went to Lee)", omar.Units12m, omar.Volume12m)
		}
		rosa, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, known.ID)
		if rosa.MLSID != "A500" || rosa.Units12m != 8 || rosa.Company == nil || rosa.Company.Name != "Lakeside Homes" || len(rosa.Emails) != 1 {
			t.Errorf("rosa = %+v", rosa)
		}

		// The report to September 30: Pat moved offices and grew; Nia,
		// hired, shows at her old office in the MLS but works for us.
		sept := "Rank,Agent,MLS ID,Office,List Units,Sell Units,Total Units,Total Volume\n" +
			"1,Pat Quinn,A100,North Shore Properties - Evanston,25,25,50,\"$21,000,000\"\n" +
			"2,Omar Diaz,A400,Lakeside Homes,12,10,22,\"$9,500,000\"\n" +
			"3,Lee Wong,A200,North Shore Properties - Evanston,8,4,12,\"$5,000,000\"\n" +
			"4,Nia Brooks,A300,Summit Realty - Lincoln Park,5,5,10,\"$3,000,000\"\n" +
			"5,Sam Newcomer,A600,Summit Realty - Lincoln Park,1,1,2,\"$600,000\"\n"
		rep = f.run(t, sept, importer.Options{Period: "2026-09-30"})
		if rep.Created != 1 || rep.Updated != 4 || rep.ErrorCount != 0 {
			t.Fatalf("September report = %+v", rep)
		}
		pat, _ = f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, pat.ID)
		if pat.Units12m != 50 || pat.Volume12m != 21_000_000 || pat.ListUnits12m != 25 || pat.ProductionPeriod != "2026-09-30" {
			t.Errorf("pat's production = %d/%d/%d period %s", pat.Units12m, pat.Volume12m, pat.ListUnits12m, pat.ProductionPeriod)
		}
		if pat.StageID != meeting.ID {
			t.Errorf("pat moved from the meeting stage to %d", pat.StageID)
		}
		if pat.Company == nil || pat.Company.MLSID != "O2" || pat.Office != "North Shore Properties - Evanston" {
			t.Errorf("pat's office after the move = %+v (%q)", pat.Company, pat.Office)
		}
		nia, _ = f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, nia.ID)
		if !nia.Hired() || nia.CompanyID != niaCompany || nia.Units12m != 10 {
			t.Errorf("nia after the report: hired=%v company %d (was %d), units %d", nia.Hired(), nia.CompanyID, niaCompany, nia.Units12m)
		}

		// A report for an older period comes late: history only.
		march := "Rank,Agent,MLS ID,Office,Total Units,Total Volume\n" +
			"1,Pat Quinn,A100,Summit Realty - Lincoln Park,30,\"$12,000,000\"\n"
		rep = f.run(t, march, importer.Options{Period: "2026-03-31"})
		if rep.ErrorCount != 0 {
			t.Fatalf("March report = %+v", rep)
		}
		pat, _ = f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, pat.ID)
		if pat.Units12m != 50 || pat.ProductionPeriod != "2026-09-30" || pat.Company.MLSID != "O2" || pat.StageID != meeting.ID {
			t.Errorf("an older report changed pat: %d units, period %s, office %s", pat.Units12m, pat.ProductionPeriod, pat.Company.MLSID)
		}
		hist, err := f.db.ProductionHistory(ctx, rapport.Actor{Org: f.org.ID}, pat.ID)
		if err != nil {
			t.Fatal(err)
		}
		var periods []string
		for _, h := range hist {
			periods = append(periods, string(h.Period)+":"+strconv.Itoa(h.Units))
		}
		if want := []string{"2026-03-31:30", "2026-06-30:42", "2026-09-30:50"}; !slices.Equal(periods, want) {
			t.Errorf("pat's history = %v, want %v", periods, want)
		}
		if hist[1].Rank != 1 || hist[1].Office != "Summit Realty - Lincoln Park" || hist[2].Office != "North Shore Properties - Evanston" {
			t.Errorf("history details = %+v", hist)
		}
		// Importing the same report again changes nothing and adds no
		// second row for the period.
		rep = f.run(t, sept, importer.Options{Period: "2026-09-30"})
		if rep.Created != 0 || rep.Updated != 0 {
			t.Errorf("the same report again = %+v", rep)
		}
		if again, _ := f.db.ProductionHistory(ctx, rapport.Actor{Org: f.org.ID}, pat.ID); len(again) != 3 {
			t.Errorf("history after a repeat = %d periods", len(again))
		}

		// Ranking: by volume, by units, within an office, with a floor.
		names := func(fl store.ProspectFilter) []string {
			t.Helper()
			page, err := f.db.Prospects(ctx, rapport.Actor{Org: f.org.ID}, fl)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, p := range page.People {
				out = append(out, p.FirstName)
			}
			return out
		}
		// Nia joined us and is no prospect; Rosa's last figures are June's.
		if got, want := names(store.ProspectFilter{}), []string{"Pat", "Omar", "Lee", "Rosa", "Sam"}; !slices.Equal(got, want) {
			t.Errorf("by volume = %v, want %v", got, want)
		}
		if got, want := names(store.ProspectFilter{Sort: "units"}), []string{"Pat", "Omar", "Lee", "Rosa", "Sam"}; !slices.Equal(got, want) {
			t.Errorf("by units = %v, want %v", got, want)
		}
		evanston := pat.CompanyID
		if got, want := names(store.ProspectFilter{CompanyID: evanston}), []string{"Pat", "Lee"}; !slices.Equal(got, want) {
			t.Errorf("Evanston office = %v, want %v", got, want)
		}
		if got, want := names(store.ProspectFilter{MinUnits: 13}), []string{"Pat", "Omar"}; !slices.Equal(got, want) {
			t.Errorf("13 units or more = %v, want %v", got, want)
		}
		if got, want := names(store.ProspectFilter{StageID: meeting.ID}), []string{"Pat"}; !slices.Equal(got, want) {
			t.Errorf("in a meeting = %v, want %v", got, want)
		}
		// Paging keeps the rank running.
		page, err := f.db.Prospects(ctx, rapport.Actor{Org: f.org.ID}, store.ProspectFilter{Limit: 2})
		if err != nil || len(page.People) != 2 || page.Next == "" {
			t.Fatalf("first page = %+v %v", page, err)
		}
		page, err = f.db.Prospects(ctx, rapport.Actor{Org: f.org.ID}, store.ProspectFilter{Limit: 2, Cursor: page.Next})
		if err != nil || page.Rank != 3 || len(page.People) != 2 || page.People[0].FirstName != "Lee" {
			t.Errorf("second page = rank %d %+v %v", page.Rank, page.People, err)
		}
	})
}
