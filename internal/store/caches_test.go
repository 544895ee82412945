package store_test

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestCachesForgottenOnEveryServer: two servers on one PostgreSQL
// database, each with the playbook cached (and a clock that never lets
// the cache's TTL run out); a change on one is seen on the other within
// the moment a notice takes, not the TTL.
func TestCachesForgottenOnEveryServer(t *testing.T) {
	clock := storetest.NewClock(start)
	db := storetest.OpenPostgres(t, clock.Now)
	f := newFixture(t, db, clock, "acme")
	other := storetest.Reopen(t, db, clock.Now)
	startListening(t, other)

	owner := rapport.Member(f.org, f.owner)
	before, err := other.Playbook(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	e := rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceClients, Text: "We only list in spring.",
		Responses: []string{"That makes sense. What happens in spring?"}}
	if err := f.db.SavePlaybookEntry(ctx, owner, &e); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, err := other.Playbook(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := p.Find(rapport.EntryObjection, e.Key); ok {
			if len(p.Entries) != len(before.Entries)+1 {
				t.Errorf("entries %d, before %d", len(p.Entries), len(before.Entries))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the other server still shows the old playbook after 5 seconds (its cache lives 30)")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
