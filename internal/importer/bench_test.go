package importer_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// BenchmarkImport imports a generated file of 20,000 people (one row in
// a hundred a repeat, some numbers shared) into a new organisation: the
// import path as a user's upload takes it.
func BenchmarkImport(b *testing.B) {
	var file bytes.Buffer
	w := csv.NewWriter(&file)
	w.Write([]string{"First Name", "Last Name", "Email", "Mobile Phone", "Home Phone", "City", "Tags", "Notes", "Web Page"})
	rng := rand.New(rand.NewPCG(1, 2))
	var prev []string
	for i := range 20000 {
		if prev != nil && rng.IntN(100) == 0 {
			w.Write(prev)
			continue
		}
		rec := []string{fmt.Sprintf("First%d", rng.IntN(3000)), fmt.Sprintf("Last%d", i), fmt.Sprintf("p%d@example.com", i),
			fmt.Sprintf("(312) %03d-%04d", 200+rng.IntN(800), rng.IntN(10000)), "", "Chicago", "buyer", "", ""}
		if i%7 == 0 {
			rec[4] = fmt.Sprintf("(773) 555-%04d", rng.IntN(10000))
		}
		if i%50 == 0 {
			rec[8] = "https://example.org/" + fmt.Sprint(i)
		}
		w.Write(rec)
		prev = rec
	}
	w.Flush()
	for b.Loop() {
		b.StopTimer()
		db := storetest.OpenSQLite(b, func() time.Time { return now })
		org := &rapport.Org{Name: "Bench", Slug: "bench", Region: "US", TZ: "America/Chicago"}
		owner := &rapport.User{Email: "owner@bench.test", Name: "Owner", Role: rapport.RoleOwner, PasswordHash: "x"}
		if err := db.CreateOrg(ctx, org, owner); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := importer.Import(ctx, db, org.ID, owner.ID, bytes.NewReader(file.Bytes()),
			importer.Options{Region: "US", Now: now, OwnerID: owner.ID, Expected: 20000}); err != nil {
			b.Fatal(err)
		}
	}
}
