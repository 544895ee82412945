package carddav_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-webdav/carddav"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// vdirsyncer runs Debian's vdirsyncer, a CardDAV client written apart
// from Rapport, with the config in dir; it skips the test when it is not
// installed, unless RAPPORT_TEST_VDIRSYNCER=required.
func vdirsyncer(t *testing.T, dir string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("vdirsyncer")
	if err != nil {
		if os.Getenv("RAPPORT_TEST_VDIRSYNCER") == "required" {
			t.Fatal("vdirsyncer is required: install Debian's vdirsyncer")
		}
		t.Skip("install vdirsyncer to sync the address book with an independent CardDAV client")
	}
	cmd := exec.Command(bin, append([]string{"--config", filepath.Join(dir, "config"), "--verbosity", "INFO"}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir, "LC_ALL=C.UTF-8")
	cmd.Stdin = strings.NewReader("y\ny\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("vdirsyncer %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// cardFiles reads the .vcf files vdirsyncer keeps, by name.
func cardFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.vcf"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = string(b)
	}
	return out
}

// TestVdirsyncer: vdirsyncer finds the address book from the server's
// root (a PROPFIND of / is sent on to /dav/), copies the
// agent's cards into .vcf files, and after one person changes, the next
// sync fetches that one card and nothing else; after one is archived, its
// file goes and nothing is fetched. (vdirsyncer 0.19 lists ETags with a
// PROPFIND and fetches what changed with a multiget; it does not use
// sync-collection, so the sync token is checked alongside it with
// go-webdav's client.)
func TestVdirsyncer(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		f := h.fixture()
		dir := t.TempDir()
		local := filepath.Join(dir, "contacts")
		// The local collection is made ahead, so that discover asks
		// nothing.
		if err := os.MkdirAll(filepath.Join(local, "contacts"), 0o755); err != nil {
			t.Fatal(err)
		}
		config := fmt.Sprintf(`[general]
status_path = %q

[pair rapport]
a = "rapport_remote"
b = "rapport_local"
collections = ["from a"]
conflict_resolution = "a wins"

[storage rapport_remote]
type = "carddav"
url = %q
username = %q
password = %q
read_only = true

[storage rapport_local]
type = "filesystem"
path = %q
fileext = ".vcf"
`, filepath.Join(dir, "status")+"/", h.srv.URL+"/", f.agent.Email, f.agentPassword, local+"/")
		if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		out := vdirsyncer(t, dir, "discover")
		if !strings.Contains(out, "contacts") {
			t.Errorf("discover found no address book:\n%s", out)
		}
		h.sent()
		vdirsyncer(t, dir, "sync")
		files := cardFiles(t, filepath.Join(local, "contacts"))
		if len(files) != 2 {
			t.Fatalf("first sync: %d files: %v", len(files), files)
		}
		var all string
		for _, body := range files {
			all += body
		}
		for _, want := range []string{"FN:Dana Whit", "NOTE:Lead · Sails on Lake Michigan · called 23 Nov", `FN:Ben Ito\, Jr`, "NOTE:Do not call · Client"} {
			if !strings.Contains(all, want) {
				t.Errorf("the files lack %q:\n%s", want, all)
			}
		}
		for _, name := range []string{"Zelda", "Otto", "Gone"} {
			if strings.Contains(all, name) {
				t.Errorf("%s's card was synced", name)
			}
		}
		if got := multigets(h); len(got) != 1 || len(got[0]) != 2 {
			t.Errorf("first sync's multigets: %v", got)
		}

		// The token before the change, to ask the book what changed.
		c := client(t, h, f.agent.Email, f.agentPassword)
		before, err := c.SyncCollection(ctx, bookPath(f.agent), &carddav.SyncQuery{})
		if err != nil {
			t.Fatal(err)
		}
		agent := rapport.Member(f.org, f.agent)
		p, err := h.db.Person(ctx, agent, f.dana.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Phones = append(p.Phones, rapport.Phone{Number: "+13125550199", Label: "work"})
		if err := h.db.UpdatePerson(ctx, agent, p); err != nil {
			t.Fatal(err)
		}
		h.sent()
		out = vdirsyncer(t, dir, "sync")
		if strings.Count(out, "Copying (updating) item") != 1 || strings.Contains(out, "Copying (uploading)") || strings.Contains(out, "Deleting") {
			t.Errorf("the second sync did more than update one card:\n%s", out)
		}
		if got := multigets(h); len(got) != 1 || !slices.Equal(got[0], []string{cardPath(f.agent, f.dana)}) {
			t.Errorf("second sync fetched %v, want Dana's card alone\n%s", got, out)
		}
		after := cardFiles(t, filepath.Join(local, "contacts"))
		changed := 0
		for name, body := range after {
			if body != files[name] {
				changed++
				if !strings.Contains(body, "+13125550199") {
					t.Errorf("the changed file lacks the new phone:\n%s", body)
				}
			}
		}
		if len(after) != 2 || changed != 1 {
			t.Errorf("after the change: %d files, %d changed", len(after), changed)
		}
		s, err := c.SyncCollection(ctx, bookPath(f.agent), &carddav.SyncQuery{SyncToken: before.SyncToken})
		if err != nil || !slices.Equal(paths(s.Updated), []string{cardPath(f.agent, f.dana)}) || len(s.Deleted) != 0 {
			t.Errorf("sync-collection since before the change: %v %v %v", paths(s.Updated), s.Deleted, err)
		}

		if err := h.db.ArchivePerson(ctx, agent, f.ben.ID, true); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(time.Minute)
		h.sent()
		out = vdirsyncer(t, dir, "sync")
		if strings.Count(out, "Deleting item") != 1 || strings.Contains(out, "Copying") {
			t.Errorf("the third sync did more than delete one card:\n%s", out)
		}
		final := cardFiles(t, filepath.Join(local, "contacts"))
		if len(final) != 1 || !strings.Contains(strings.Join(slices.Collect(mapValues(final)), ""), "FN:Dana Whit") {
			t.Errorf("after archiving Ben: %v", final)
		}
		if got := multigets(h); len(got) != 0 {
			t.Errorf("archiving fetched %v", got)
		}
	})
}

// multigets lists the cards each addressbook-multiget sent since the
// last look asked for.
func multigets(h *harness) [][]string {
	var out [][]string
	for _, r := range h.sent() {
		if r.method != "REPORT" || !strings.Contains(r.body, "addressbook-multiget") {
			continue
		}
		var hrefs []string
		for _, part := range strings.Split(r.body, "<href>")[1:] {
			hrefs = append(hrefs, strings.SplitN(part, "</href>", 2)[0])
		}
		slices.Sort(hrefs)
		out = append(out, hrefs)
	}
	return out
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}
