package store_test

import (
	"context"
	"database/sql"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestListenComesBackAfterItsConnectionDies: a server's connections to
// PostgreSQL are cut (pg_terminate_backend, as a primary that stops or
// a switch to a standby does). Its pool answers again with new
// connections; its listener connects again; a change another server made
// while it was not listening, whose notice it missed, shows once it
// listens again, though its cache had been filled anew in between; and
// notices work again after. Its listener asks the database whether it is
// still there whenever it has heard nothing for a while (here 50 ms), and
// hears on.
func TestListenComesBackAfterItsConnectionDies(t *testing.T) {
	defer store.SetListen(time.Second, 50*time.Millisecond)()
	clock := storetest.NewClock(start)
	db := storetest.OpenPostgres(t, clock.Now)
	f := newFixture(t, db, clock, "acme")
	// The other server's connections carry a name of their own, to be cut.
	u, err := url.Parse(storetest.DSN(t, db))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", "rapport-listen-test-"+u.Query().Get("search_path"))
	u.RawQuery = q.Encode()
	app := q.Get("application_name")
	other, err := store.Open(ctx, store.Options{URL: u.String(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	admin, err := sql.Open("pgx", storetest.DSN(t, db))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	// listening reports whether the other server has a listening
	// connection: its last statement was LISTEN, or the ping it sends
	// after a silence (pgx's "-- ping"; a pooled connection shows that
	// only for the instant between its reset and its next statement).
	listening := func() bool {
		t.Helper()
		var n int
		if err := admin.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND (query LIKE 'LISTEN %' OR query = '-- ping')", app).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n > 0
	}

	startListening(t, other)

	owner := rapport.Member(f.org, f.owner)
	entries := func() int {
		t.Helper()
		p, err := other.Playbook(ctx, owner)
		if err != nil {
			t.Fatal(err)
		}
		return len(p.Entries)
	}
	add := func(text string) {
		t.Helper()
		e := rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceClients, Text: text,
			Responses: []string{"Tell me more."}}
		if err := f.db.SavePlaybookEntry(ctx, owner, &e); err != nil {
			t.Fatal(err)
		}
	}
	// eventually waits until the other server shows want entries.
	eventually := func(want int, what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); entries() != want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the other server shows %d entries, want %d", what, entries(), want)
			}
		}
	}
	before := entries()
	time.Sleep(200 * time.Millisecond) // silent: asked, and still there
	add("Now is not a good time.")
	before++
	eventually(before, "a change after a silence")

	if _, err := admin.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", app); err != nil {
		t.Fatal(err)
	}
	// pg_terminate_backend asks; the backends end a moment later.
	for deadline := time.Now().Add(5 * time.Second); listening(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("still listening after its connection was cut")
		}
	}
	// Its pool's dead connections are dropped; new ones answer. Its cache
	// is read (on the old code, filled anew) before the change it misses.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, err := other.ImportJobs(ctx, rapport.Actor{Org: f.org.ID}, 1)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pool does not answer after its connections were cut: %v", err)
		}
	}
	if n := entries(); n != before {
		t.Fatalf("%d entries, before %d", n, before)
	}
	add("We only list in spring.")
	if listening() {
		t.Skip("the listener came back before the change: its notice was not missed (a machine too slow for this test)")
	}
	if entries() != before {
		t.Fatal("the change showed before the listener came back: the test cannot tell")
	}
	eventually(before+1, "a change whose notice was missed, once listening again")
	// The caches are forgotten just after LISTEN; pg_stat_activity may
	// show it a moment later on a busy machine.
	for deadline := time.Now().Add(3 * time.Second); !listening(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("not listening")
		}
	}
	add("We are waiting for rates to drop.")
	eventually(before+2, "a change after the listener came back")
}

// TestMultiHostURL: a PostgreSQL URL may name several hosts, of which the
// driver takes the first that answers as target_session_attrs asks (the
// primary, with read-write): here the first refuses connections. The
// store opens, migrates, listens and names it without its password.
func TestMultiHostURL(t *testing.T) {
	clock := storetest.NewClock(start)
	db := storetest.OpenPostgres(t, clock.Now)
	u, err := url.Parse(storetest.DSN(t, db))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = "127.0.0.1:1," + u.Host
	q := u.Query()
	q.Set("target_session_attrs", "read-write")
	u.RawQuery = q.Encode()
	multi, err := store.Open(ctx, store.Options{URL: u.String(), SessionURL: u.String(), Now: clock.Now})
	if err != nil {
		t.Fatalf("open %s: %v", u.Redacted(), err)
	}
	defer multi.Close()
	if err := multi.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := multi.CheckWritable(ctx); err != nil {
		t.Fatal(err)
	}
	if name := multi.Name(); !strings.Contains(name, "127.0.0.1:1,") || (u.User != nil && strings.Contains(name, ":"+passwordOf(u)+"@")) {
		t.Errorf("name %q", name)
	}
	startListening(t, multi)
}

// startListening runs db's listener until the test ends, once it listens.
func startListening(t *testing.T, db *store.DB) {
	t.Helper()
	lctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	ready := make(chan struct{})
	go db.Listen(lctx, func() { close(ready) })
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("not listening after 10 seconds")
	}
}

func passwordOf(u *url.URL) string {
	p, _ := u.User.Password()
	return p
}
