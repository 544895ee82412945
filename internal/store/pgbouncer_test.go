package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// PgBouncerEnv names a PostgreSQL URL through PgBouncer in transaction
// pooling (with default_query_exec_mode=exec: no server-side prepared
// statements), and PgBouncerDirectEnv the same database reached directly.
// The database is emptied first. .ci/run starts PgBouncer and sets both.
const (
	PgBouncerEnv       = "RAPPORT_TEST_PGBOUNCER"
	PgBouncerDirectEnv = "RAPPORT_TEST_PGBOUNCER_DIRECT"
)

// TestThroughPgBouncer: three servers reach one PostgreSQL database
// through PgBouncer's transaction pooling (each with a direct session
// connection for LISTEN and the migration lock): they migrate together
// once; many conversations logged at once all land; a lead routed by one
// is heard by another; the outbox's messages are claimed by exactly one
// server each.
func TestThroughPgBouncer(t *testing.T) {
	pooled, direct := os.Getenv(PgBouncerEnv), os.Getenv(PgBouncerDirectEnv)
	if pooled == "" || direct == "" {
		if os.Getenv("RAPPORT_TEST_PGBOUNCER_REQUIRED") != "" {
			t.Fatalf("set %s and %s", PgBouncerEnv, PgBouncerDirectEnv)
		}
		t.Skipf("set %s and %s to test through PgBouncer", PgBouncerEnv, PgBouncerDirectEnv)
	}
	admin, err := sql.Open("pgx", direct)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Now() }
	servers := make([]*store.DB, 3)
	var wg sync.WaitGroup
	errs := make([]error, len(servers))
	for i := range servers {
		wg.Go(func() {
			db, err := store.Open(context.Background(), store.Options{URL: pooled, SessionURL: direct, Now: now})
			if err == nil {
				err = db.Migrate(context.Background())
			}
			servers[i], errs[i] = db, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
		defer servers[i].Close()
	}
	a, b := servers[0], servers[1]
	org := &rapport.Org{Name: "Bouncer Realty", Slug: "bouncer", Region: "US", TZ: "America/Chicago"}
	owner := &rapport.User{Email: "owner@bouncer.test", Name: "Olive", Role: rapport.RoleOwner, PasswordHash: "x"}
	if err := a.CreateOrg(ctx, org, owner); err != nil {
		t.Fatal(err)
	}
	agent := &rapport.User{OrgID: org.ID, Email: "agent@bouncer.test", Name: "Alex", Role: rapport.RoleAgent, PasswordHash: "x"}
	if err := a.CreateUser(ctx, rapport.Actor{Org: org.ID}, agent); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateRoutingRule(ctx, rapport.Actor{Org: org.ID}, &rapport.RoutingRule{OrgID: org.ID, Source: "Zillow",
		UserIDs: rapport.FormatIDs([]int64{agent.ID})}); err != nil {
		t.Fatal(err)
	}

	// Signals: b listens on its direct session; a routes a lead.
	lctx, stop := context.WithCancel(context.Background())
	defer stop()
	listening := make(chan struct{})
	go b.Listen(lctx, func() { close(listening) })
	<-listening
	heard, unsub := b.Subscribe(store.TopicToday(org.ID, agent.ID))
	defer unsub()
	if _, err := a.RecordEvent(ctx, rapport.Member(org, owner), event("pgb-1", "Inquiry", "Zillow", rapport.Person{FirstName: "Sid"})); err != nil {
		t.Fatal(err)
	}
	select {
	case <-heard:
	case <-time.After(5 * time.Second):
		t.Fatal("the other server did not hear of the lead through its session connection")
	}

	// Many writes at once, from every server, all land.
	p := &rapport.Person{FirstName: "Dana", Kind: rapport.KindClient, OwnerID: agent.ID}
	if err := a.CreatePerson(ctx, rapport.Member(org, agent), p); err != nil {
		t.Fatal(err)
	}
	const each = 20
	var failed sync.Map
	for i, db := range servers {
		for j := range each {
			wg.Go(func() {
				_, err := db.LogConversation(ctx, rapport.Member(org, agent), &store.LogInput{Conversation: rapport.Conversation{
					PersonID: p.ID, Channel: rapport.ChannelCall, Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeNoAnswer,
					IdempotencyKey: fmt.Sprintf("pgb-%d-%d-abcdefghijklmnop", i, j)}})
				if err != nil {
					failed.Store(fmt.Sprint(i, j), err)
				}
			})
		}
	}
	wg.Wait()
	failed.Range(func(k, v any) bool { t.Errorf("log %v: %v", k, v); return true })
	cs, _, err := a.Conversations(ctx, rapport.Actor{Org: org.ID}, store.ConversationFilter{PersonID: p.ID, Limit: 200})
	if err != nil || len(cs) != each*len(servers) {
		t.Fatalf("%d conversations logged, want %d (%v)", len(cs), each*len(servers), err)
	}

	// The outbox: every server claims at once; each message once.
	claimed := map[int64]int{}
	var mu sync.Mutex
	for _, db := range servers {
		wg.Go(func() {
			ms, err := db.ClaimMessages(ctx, 100, time.Minute, store.LaneAll)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			for _, m := range ms {
				claimed[m.ID]++
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(claimed) == 0 {
		t.Fatal("no message to claim (the lead's alert)")
	}
	for id, n := range claimed {
		if n != 1 {
			t.Errorf("message %d claimed %d times", id, n)
		}
	}
}
