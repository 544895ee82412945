package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestUserTeamCommands: the operator disables someone (handing their
// people over), re-enables them, changes a role and makes a reset link;
// the last owner stays, and each change is in the audit log as made at
// the command line.
func TestUserTeamCommands(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "team.db")
	ok := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errOut := runCmd(t, stdin, append(args, "--db", path)...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, errOut)
		}
		return out
	}
	fails := func(want string, args ...string) {
		t.Helper()
		code, _, errOut := runCmd(t, "", append(args, "--db", path)...)
		if code == 0 || !strings.Contains(errOut, want) {
			t.Errorf("%v: %d %q, want it to say %q", args, code, errOut, want)
		}
	}
	ok("", "org", "add", "--name", "Acme", "--slug", "acme")
	for _, u := range []struct{ email, role string }{{"owner@acme.test", "owner"}, {"ann@acme.test", "agent"}, {"bo@acme.test", "agent"}} {
		ok("a long enough secret\n", "user", "add", "--org", "acme", "--email", u.email, "--role", u.role, "--password-stdin")
	}
	db, err := store.Open(context.Background(), store.Options{URL: path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	org, _ := db.OrgBySlug(ctx, "acme")
	ann, _ := db.MemberByEmail(ctx, rapport.Actor{Org: org.ID}, "ann@acme.test")
	bo, _ := db.MemberByEmail(ctx, rapport.Actor{Org: org.ID}, "bo@acme.test")
	p := &rapport.Person{FirstName: "Paula", Kind: rapport.KindLead, OwnerID: ann.ID}
	if err := db.CreatePerson(ctx, rapport.Member(org, ann), p); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(ok("", "token", "create", "--org", "acme", "--email", "ann@acme.test", "--name", "Zapier"))

	fails("--org and --email are required", "user", "disable", "--org", "acme")
	fails("Choose who takes over from ann@acme.test: 1 person.", "user", "disable", "--org", "acme", "--email", "ann@acme.test")
	fails("--hand-to: no user nobody@acme.test in acme", "user", "disable", "--org", "acme", "--email", "ann@acme.test", "--hand-to", "nobody@acme.test")
	out := ok("", "user", "disable", "--org", "acme", "--email", "ann@acme.test", "--hand-to", "bo@acme.test")
	if !strings.Contains(out, "disabled ann@acme.test in acme: 1 person handed to bo@acme.test; 0 sessions ended, 1 API key revoked") {
		t.Errorf("disable: %q", out)
	}
	if got, _ := db.Person(ctx, rapport.Actor{Org: org.ID}, p.ID); got.OwnerID != bo.ID {
		t.Errorf("owner = %d", got.OwnerID)
	}
	if _, _, _, err := db.APIKeyUser(ctx, auth.HashToken(token)); rapport.ErrorCode(err) != rapport.ENOTFOUND {
		t.Errorf("their key still works: %v", err)
	}
	fails("already disabled", "user", "disable", "--org", "acme", "--email", "ann@acme.test", "--hand-to", "bo@acme.test")
	fails("disabled; re-enable them first", "user", "reset", "--org", "acme", "--email", "ann@acme.test")
	fails("disabled: a key of theirs would not work", "token", "create", "--org", "acme", "--email", "ann@acme.test")
	if out := ok("", "user", "enable", "--org", "acme", "--email", "ann@acme.test"); !strings.Contains(out, "enabled ann@acme.test") {
		t.Errorf("enable: %q", out)
	}

	// Roles: the last owner stays one.
	fails("the last active owner", "user", "role", "--org", "acme", "--email", "owner@acme.test", "--role", "agent")
	fails("role: Choose owner, manager or agent.", "user", "role", "--org", "acme", "--email", "ann@acme.test", "--role", "boss")
	if out := ok("", "user", "role", "--org", "acme", "--email", "ann@acme.test", "--role", "manager"); out != "ann@acme.test in acme: agent → manager\n" {
		t.Errorf("role: %q", out)
	}
	fails("the last active owner", "user", "disable", "--org", "acme", "--email", "owner@acme.test", "--hand-to", "bo@acme.test")

	// A reset link: its path, or the whole link with --url.
	code, out, errOut := runCmd(t, "", "user", "reset", "--org", "acme", "--email", "ann@acme.test", "--db", path)
	if code != 0 || !strings.HasPrefix(out, "/reset/") || !strings.Contains(errOut, "works once") || !strings.Contains(errOut, "--url") {
		t.Fatalf("reset: %d %q %q", code, out, errOut)
	}
	out = ok("", "user", "reset", "--org", "acme", "--email", "ann@acme.test", "--url", "https://crm.acme.test/")
	if !strings.HasPrefix(out, "https://crm.acme.test/reset/") {
		t.Fatalf("reset with --url: %q", out)
	}
	u, err := db.PasswordResetUser(ctx, strings.TrimPrefix(strings.TrimSpace(out), "https://crm.acme.test/reset/"))
	if err != nil || u.ID != ann.ID {
		t.Errorf("the link: %+v %v", u, err)
	}

	log, _ := db.AuditLog(ctx, rapport.Actor{Org: org.ID}, 0, 10)
	var got []string
	for _, e := range log {
		if e.Entity == "user" && e.Action != store.AuditCreate {
			got = append(got, e.Action+": "+e.Summary)
		}
	}
	if len(got) != 5 || !strings.HasSuffix(got[0], "(at the command line)") || !strings.HasPrefix(got[4], "disable: ann@acme.test") {
		t.Errorf("audit:\n%s", strings.Join(got, "\n"))
	}
}
