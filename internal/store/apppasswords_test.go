package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestAppPasswords: an app password is named, shown once and kept hashed,
// opens only its user's account (by email, whatever its case), not after
// it is revoked or its user disabled; the account's password never does.
// Making and revoking one is in the audit log.
func TestAppPasswords(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		agent := rapport.Member(f.org, f.agent)
		_, _, err := f.db.CreateAppPassword(ctx, agent, "  ")
		wantCode(t, err, rapport.EINVALID)
		p, secret, err := f.db.CreateAppPassword(ctx, agent, "Dana's  iPhone")
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "Dana's iPhone" || len(secret) < 16 || p.Hash != auth.HashToken(secret) || strings.Contains(p.Hash, secret) {
			t.Fatalf("made %+v with %q", p, secret)
		}
		var stored []string
		if err := f.db.RawScan(ctx, &stored, "SELECT hash FROM app_passwords"); err != nil || len(stored) != 1 || stored[0] == secret {
			t.Fatalf("stored %v (%v)", stored, err)
		}
		org, u, err := f.db.AppPasswordUser(ctx, "Agent@ACME.test", secret)
		if err != nil || org.ID != f.org.ID || u.ID != f.agent.ID {
			t.Fatalf("sign in: %v %v %v", org, u, err)
		}
		if ps, err := f.db.AppPasswords(ctx, agent); err != nil || len(ps) != 1 || ps[0].LastUsedAt.IsZero() {
			t.Fatalf("list: %+v %v", ps, err)
		}
		// The owner's email with the agent's app password, a wrong one, the
		// account's own password: nothing.
		hash, err := auth.HashPassword("the account password")
		if err != nil {
			t.Fatal(err)
		}
		f.agent.PasswordHash = hash
		if err := f.db.SetPassword(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID, hash, ""); err != nil {
			t.Fatal(err)
		}
		for _, try := range [][2]string{{f.owner.Email, secret}, {f.agent.Email, secret + "x"}, {f.agent.Email, "the account password"}, {f.agent.Email, ""}} {
			_, _, err := f.db.AppPasswordUser(ctx, try[0], try[1])
			wantCode(t, err, rapport.ENOTFOUND)
		}
		// Only its user revokes it.
		wantCode(t, f.db.RevokeAppPassword(ctx, rapport.Member(f.org, f.owner), p.ID), rapport.ENOTFOUND)
		if err := f.db.RevokeAppPassword(ctx, agent, p.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.db.RevokeAppPassword(ctx, agent, p.ID), rapport.ENOTFOUND)
		_, _, err = f.db.AppPasswordUser(ctx, f.agent.Email, secret)
		wantCode(t, err, rapport.ENOTFOUND)
		if ps, _ := f.db.AppPasswords(ctx, agent); len(ps) != 0 {
			t.Errorf("a revoked password is listed: %+v", ps)
		}
		entries, err := f.db.AuditLog(ctx, rapport.Actor{Org: f.org.ID}, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		for _, e := range entries {
			if e.Entity == "app password" {
				seen = append(seen, e.Action+": "+e.Summary)
			}
		}
		if len(seen) != 2 || !strings.Contains(strings.Join(seen, "\n"), `"Dana's iPhone"`) {
			t.Errorf("audit: %v", seen)
		}

		// A disabled user's passwords open nothing.
		_, secret2, err := f.db.CreateAppPassword(ctx, agent, "iPad")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.DisableUser(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID, f.owner.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.db.AppPasswordUser(ctx, f.agent.Email, secret2)
		wantCode(t, err, rapport.ENOTFOUND)

		// No one needs more than MaxAppPasswords.
		owner := rapport.Member(f.org, f.owner)
		for i := range store.MaxAppPasswords {
			if _, _, err := f.db.CreateAppPassword(ctx, owner, "device "+string(rune('a'+i))); err != nil {
				t.Fatal(err)
			}
		}
		_, _, err = f.db.CreateAppPassword(ctx, owner, "one too many")
		wantCode(t, err, rapport.ECONFLICT)
	})
}

// TestAppSignInThrottle: an app's failed sign-ins lock the address they
// come from, not the account: app passwords are too long to guess, and a
// lock on the account would let anyone who knows the email shut its
// phones out. The web's sign-in is not locked by them; a success clears
// the account's count.
func TestAppSignInThrottle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		begin := func(address string) *store.AppSignIn {
			t.Helper()
			a, err := f.db.BeginAppSignIn(ctx, f.agent.Email, address)
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		for i := 1; i <= 20; i++ {
			a := begin("198.51.100.7")
			if !a.Locked.IsZero() {
				t.Fatalf("locked after %d failures", i-1)
			}
			until, err := f.db.AppSignInFailed(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if (i == 20) != !until.IsZero() {
				t.Fatalf("failure %d: locked until %v", i, until)
			}
		}
		if a := begin("198.51.100.7"); !a.Locked.After(f.clock.Now()) {
			t.Fatal("the address is not locked")
		}
		if a := begin("203.0.113.9"); !a.Locked.IsZero() {
			t.Fatal("the account's phones are locked out by a stranger's failures")
		}
		// The web's sign-in from a known browser is not locked by it.
		_, locked, err := f.db.BeginSignIn(ctx, store.SignInAttempt{Email: f.agent.Email, Address: "203.0.113.9"})
		if err != nil || !locked.IsZero() {
			t.Fatalf("web sign-in locked: %v %v", locked, err)
		}
		f.clock.Advance(16 * time.Minute)
		a := begin("198.51.100.7")
		if !a.Locked.IsZero() {
			t.Fatal("still locked after the lock ran out")
		}
		if err := f.db.AppSignInSucceeded(ctx, a); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := f.db.RawScan(ctx, &n, "SELECT COUNT(*) FROM signin_throttle WHERE key LIKE 'app:%'"); err != nil || n != 0 {
			t.Errorf("app failures kept after a success: %d %v", n, err)
		}
	})
}
