package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestMain lets a test run this binary's main as a child process, so that
// it can be killed like a real one.
func TestMain(m *testing.M) {
	if args := os.Getenv("RAPPORT_TEST_CHILD"); args != "" {
		var argv []string
		json.Unmarshal([]byte(args), &argv)
		os.Exit(run(context.Background(), argv, os.Stdin, os.Stdout, os.Stderr))
	}
	// Started as `rapport ARGS…` by the code under test (the load bench
	// starts servers with os.Executable()): this binary is rapport.
	if os.Getenv(asRapportEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// asRapportEnv, set to 1, makes this test binary and the children it
// starts act as rapport itself (see TestMain).
const asRapportEnv = "RAPPORT_TEST_AS_RAPPORT"

// child starts this test binary as `rapport args...`.
func child(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	b, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RAPPORT_TEST_CHILD="+string(b))
	return cmd
}

func writeCSV(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "First Name,Last Name,Email,Mobile Phone,City")
	for i := 0; i < n; i++ {
		fmt.Fprintf(w, "Person,Number %d,person%d@example.com,(312) %03d-%04d,Chicago\n", i, i, 200+i/10000%800, i%10000)
	}
	w.Flush()
	f.Close()
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "import.db")
	runCmd(t, "", "org", "add", "--db", db, "--name", "Acme", "--slug", "acme")
	runCmd(t, "a long enough secret\n", "user", "add", "--db", db, "--org", "acme", "--email", "owner@acme.test", "--role", "owner", "--password-stdin")
	file := filepath.Join(dir, "people.csv")
	os.WriteFile(file, []byte("Name,Email,Phone\nAnn Lee,ann@example.com,(312) 555-0101\nBob Roy,not-an-email,555-01\nAnn Lee,ANN@example.com,\n"), 0o644)
	code, out, errOut := runCmd(t, "", "import", "--db", db, "--org", "acme", "--file", file, "--source", "Open house list", "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: %d %s", code, errOut)
	}
	var rep struct {
		Rows, Created, Updated, Merged, Skipped int
		Errors                                  []struct {
			Line   int
			Column string
			Reason string
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not one JSON object: %q", out)
	}
	if rep.Rows != 3 || rep.Created != 2 || rep.Merged != 1 || len(rep.Errors) != 2 || rep.Errors[0].Line != 3 || rep.Errors[0].Column != "Email" {
		t.Fatalf("report = %+v", rep)
	}
	code, out, _ = runCmd(t, "", "import", "--db", db, "--org", "acme", "--file", file)
	if code != 0 || !strings.Contains(out, `"created":2`) {
		t.Fatalf("import: %d %s", code, out)
	}
	if code, _, errOut := runCmd(t, "", "import", "--db", db, "--org", "acme", "--file", file, "--owner", "nobody@acme.test"); code != 1 || !strings.Contains(errOut, "no user") {
		t.Errorf("unknown owner: %d %s", code, errOut)
	}
	if code, _, _ := runCmd(t, "", "import", "--db", db, "--org", "acme"); code != 2 {
		t.Errorf("missing --file: %d", code)
	}
}

// TestKilledImportLeavesNothing kills `rapport import` part way through a
// large file, several times, and checks the database is intact with none
// of the file in it (or, if the import had committed before the kill,
// all of it); then an import that completes adds every row once.
func TestKilledImportLeavesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "kill.db")
	runCmd(t, "", "org", "add", "--db", db, "--name", "Acme", "--slug", "acme")
	runCmd(t, "a long enough secret\n", "user", "add", "--db", db, "--org", "acme", "--email", "owner@acme.test", "--role", "owner", "--password-stdin")
	const n = 60_000
	file := filepath.Join(dir, "big.csv")
	writeCSV(t, file, n)
	open := func() *store.DB {
		s, err := store.Open(context.Background(), store.Options{URL: db, Logger: quietLogger(os.Stderr)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	count := func() int {
		s := open()
		defer s.Close()
		var c int
		if err := s.RawScan(context.Background(), &c, "SELECT COUNT(*) FROM people"); err != nil {
			t.Fatal(err)
		}
		var ok string
		if err := s.RawScan(context.Background(), &ok, "PRAGMA integrity_check"); err != nil || ok != "ok" {
			t.Fatalf("integrity check: %q %v", ok, err)
		}
		// A large import drops indexes and builds them again: all there?
		var idx int
		if err := s.RawScan(context.Background(), &idx, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('people_name', 'emails_address', 'phones_number', 'people_name_key')"); err != nil || idx != 4 {
			t.Fatalf("%d of the 4 indexes a large import rebuilds are there (%v)", idx, err)
		}
		return c
	}
	for i, after := range []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 400 * time.Millisecond} {
		cmd := child(t, "import", "--db", db, "--org", "acme", "--file", file)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(after)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		switch c := count(); c {
		case 0:
		case n:
			// It committed before the kill (and was indexing, say):
			// start again from an empty book.
			t.Logf("kill %d: the import had committed", i)
			os.Remove(db)
			os.Remove(db + "-wal")
			os.Remove(db + "-shm")
			runCmd(t, "", "org", "add", "--db", db, "--name", "Acme", "--slug", "acme")
			runCmd(t, "a long enough secret\n", "user", "add", "--db", db, "--org", "acme", "--email", "owner@acme.test", "--role", "owner", "--password-stdin")
		default:
			t.Fatalf("kill %d after %v: %d people in the database, want 0 or %d", i, after, c, n)
		}
	}
	code, out, errOut := runCmd(t, "", "import", "--db", db, "--org", "acme", "--file", file)
	if code != 0 {
		t.Fatalf("final import: %s", errOut)
	}
	if c := count(); c != n || !strings.Contains(out, fmt.Sprintf(`"created":%d`, n)) {
		t.Fatalf("after a full import: %d people (%s)", c, out)
	}
}

// TestImportCommandReadsWhatPeopleHave: a vCard file is read as one
// whatever its name, columns are mapped by hand with --map, --fields says
// what they can be mapped to, and the report's problems are a list even
// when there are none.
func TestImportCommandReadsWhatPeopleHave(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "import.db")
	runCmd(t, "", "org", "add", "--db", db, "--name", "Acme", "--slug", "acme")
	runCmd(t, "a long enough secret\n", "user", "add", "--db", db, "--org", "acme", "--email", "owner@acme.test", "--role", "owner", "--password-stdin")

	// A vCard 2.1 card from an old phone, in Latin-1 quoted-printable,
	// saved with a name that says nothing.
	card := filepath.Join(dir, "export.dat")
	os.WriteFile(card, []byte("BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n"+
		"TEL;CELL:+1 312 555 0142\r\nTEL;WORK;FAX:+1 312 555 0143\r\nEND:VCARD\r\n"), 0o644)
	code, out, errOut := runCmd(t, "", "import", "--db", db, "--org", "acme", "--file", card)
	if code != 0 || !strings.Contains(out, `"preset":"vcard"`) || !strings.Contains(out, `"created":1`) || !strings.Contains(out, `"errors":[]`) {
		t.Fatalf("vcard: %d %s %s", code, out, errOut)
	}
	s, err := store.Open(context.Background(), store.Options{URL: db})
	if err != nil {
		t.Fatal(err)
	}
	for n, err := s.IndexBacklog(context.Background()); n > 0 || err != nil; n, err = s.IndexBacklog(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
	}
	org, _ := s.OrgBySlug(context.Background(), "acme")
	for _, q := range []string{"Müller", "muller", "Jürgen"} {
		page, err := s.ListPeople(context.Background(), rapport.Actor{Org: org.ID}, store.PeopleFilter{Query: q})
		if err != nil || len(page.People) != 1 || page.People[0].Name() != "Jürgen Müller" {
			t.Errorf("search %q: %v %+v", q, err, page)
		}
	}
	s.Close()

	// Columns no preset knows, mapped by hand.
	file := filepath.Join(dir, "list.csv")
	os.WriteFile(file, []byte("Who,Cell #,Mail,Kids\nAnn Lee,(312) 555-0101,ann@example.com,Tom and Ida\n"), 0o644)
	code, out, errOut = runCmd(t, "", "import", "--db", db, "--org", "acme", "--file", file, "--dry-run",
		"--map", "Who=full_name", "--map", "Cell #=phone", "--map", "Mail=email", "--map", "Kids=children")
	if code != 0 || !strings.Contains(out, `"created":1`) || !strings.Contains(out, `"errors":[]`) || strings.Contains(out, `"kept_as_imported":1`) {
		t.Fatalf("--map: %d %s %s", code, out, errOut)
	}
	for _, bad := range []struct{ flag, want string }{
		{"Nope=phone", `No column "Nope" in the file; its columns are "Who", "Cell #", "Mail", "Kids".`},
		{"Who=shoe size", `No field "shoe size"`},
		{"Who", "write Header=field"},
	} {
		if code, _, errOut := runCmd(t, "", "import", "--db", db, "--org", "acme", "--file", file, "--map", bad.flag); code == 0 || !strings.Contains(errOut, bad.want) {
			t.Errorf("--map %s: %d %s", bad.flag, code, errOut)
		}
	}
	code, out, _ = runCmd(t, "", "import", "--fields")
	for _, want := range []string{"spouse_contact", "do_not_call", "follow_up_boss", "kvcore", "lofty", "cinc", "sierra", "linkedin", "outlook"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("--fields lacks %s: %d %s", want, code, out)
		}
	}
}

// A running server keeps its agents' Todays between loads while nothing is
// written to the file; `rapport import`, another process writing to the
// same file, must show on the next load all the same.
func TestImportBesideAServerReachesToday(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "today.db")
	runCmd(t, "", "org", "add", "--db", db, "--name", "Acme", "--slug", "acme")
	runCmd(t, "a long enough secret\n", "user", "add", "--db", db, "--org", "acme", "--email", "owner@acme.test", "--role", "owner", "--password-stdin")
	server, err := store.Open(ctx, store.Options{URL: db, Exclusive: true, Logger: quietLogger(os.Stderr)})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	org, err := server.OrgBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	users, err := server.Users(ctx, rapport.Actor{Org: org.ID})
	if err != nil || len(users) != 1 {
		t.Fatalf("users: %v, %v", users, err)
	}
	act := rapport.Member(org, &users[0])
	today := func() []string {
		t.Helper()
		items, err := server.TodayList(ctx, act, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, it := range items {
			names = append(names, it.Person.FirstName)
		}
		return names
	}
	for range 2 { // the second load is a kept one
		if got := today(); len(got) != 0 {
			t.Fatalf("Today before the import = %v", got)
		}
	}
	file := filepath.Join(dir, "leads.csv")
	os.WriteFile(file, []byte("Name,Email\nAnn Lee,ann@example.com\n"), 0o644)
	out, err := child(t, "import", "--db", db, "--org", "acme", "--file", file, "--owner", "owner@acme.test", "--kind", "lead").CombinedOutput()
	if err != nil {
		t.Fatalf("rapport import beside the server: %v\n%s", err, out)
	}
	if got := today(); len(got) != 1 || got[0] != "Ann" {
		t.Fatalf("Today after another process imported a lead = %v, want [Ann]", got)
	}
}
