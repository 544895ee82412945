package store_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestMigrationsMatch: the SQLite and PostgreSQL migrations create the
// same tables with the same columns (each dialect's own search index
// aside: SQLite's FTS5 table, its content table and its backlog,
// PostgreSQL's tsvector column), so that one code path serves both.
func TestMigrationsMatch(t *testing.T) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		t.Skip("set " + storetest.PostgresEnv + " to compare with PostgreSQL")
	}
	now := func() time.Time { return time.Now() }
	lite, err := storetest.OpenSQLite(t, now).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storetest.OpenPostgres(t, now).Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ownSearch := func(name string) bool {
		return name == "people_fts" || strings.HasPrefix(name, "people_fts_") || name == "search_backlog" || name == "search_docs"
	}
	for table, cols := range lite {
		if ownSearch(table) {
			continue
		}
		other, ok := pg[table]
		if !ok {
			t.Errorf("table %s only on SQLite", table)
			continue
		}
		if !slices.Equal(cols, other) {
			t.Errorf("table %s: SQLite %v, PostgreSQL %v", table, cols, other)
		}
	}
	for table := range pg {
		if _, ok := lite[table]; !ok && !ownSearch(table) {
			t.Errorf("table %s only on PostgreSQL", table)
		}
	}
	if len(lite) < 20 {
		t.Fatalf("only %d tables: %v", len(lite), fmt.Sprint(lite))
	}
}
