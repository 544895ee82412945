package importer_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
)

// TestProductionFiguresOutOfBounds: a figure outside the domain's bounds
// (rapport.ValidUnits12m and the like) is not imported but kept, with its
// column named in the report; the row itself is imported.
func TestProductionFiguresOutOfBounds(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	file := "Rank,Agent Name,MLS ID,Total Units,Total Volume,Licensed\n" +
		"1,Pat Quinn,A100,40,\"$18,450,000\",2009\n" +
		"0,Lee Wong,A200,100001,NaN,1949\n" +
		"1000001,Omar Diaz,A300,-1,1e14,2028\n"
	rd, err := importer.NewReader(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	m := importer.MapWithPreset(rd.Header, "production")
	conv := importer.NewConverter(m, "", "US", now)
	for i, want := range []int{0, 4, 4} {
		rec, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		r := conv.Convert(rec)
		if r.Skip || len(r.Problems) != want || len(r.Kept) != want {
			t.Errorf("row %d: skip %v, problems %+v, kept %+v", i+1, r.Skip, r.Problems, r.Kept)
		}
		if i == 0 && (r.Rank != 1 || r.Person.Units12m != 40 || r.Person.Volume12m != 18_450_000 || r.Person.LicenceYear != 2009) {
			t.Errorf("row 1: rank %d, %+v", r.Rank, r.Person)
		}
		if i > 0 && (r.Rank != 0 || r.Person.Units12m != 0 || r.Person.Volume12m != 0 || r.Person.LicenceYear != 0) {
			t.Errorf("row %d: rank %d, units %d, volume %d, licensed %d", i+1, r.Rank, r.Person.Units12m, r.Person.Volume12m, r.Person.LicenceYear)
		}
	}
}
