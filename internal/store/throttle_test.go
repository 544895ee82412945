package store_test

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

// TestSignInThrottle: five failures lock an account for 15 minutes, the
// next five for 30; twenty from one address lock the address; a success
// clears the account but not the address.
func TestSignInThrottle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		keys := store.ThrottleKeys("ann@x.test", "10.0.0.1")
		for i := 1; i <= 4; i++ {
			if until, err := f.db.SignInFailed(ctx, keys); err != nil || !until.IsZero() {
				t.Fatalf("failure %d: locked until %v (%v)", i, until, err)
			}
		}
		until, err := f.db.SignInFailed(ctx, keys)
		if err != nil || !until.Equal(f.clock.Now().UTC().Add(15*time.Minute)) {
			t.Fatalf("fifth failure: locked until %v, want 15 minutes (%v)", until, err)
		}
		if u, _ := f.db.SignInLockedUntil(ctx, store.ThrottleKeys("ann@x.test", "10.9.9.9")); !u.Equal(until) {
			t.Errorf("the account from another address: %v", u)
		}
		if u, _ := f.db.SignInLockedUntil(ctx, store.ThrottleKeys("bob@x.test", "10.0.0.1")); !u.IsZero() {
			t.Errorf("another account from the address: %v", u)
		}
		f.clock.Advance(16 * time.Minute)
		if u, _ := f.db.SignInLockedUntil(ctx, keys); !u.IsZero() {
			t.Errorf("after the lock: %v", u)
		}
		for range 4 {
			f.db.SignInFailed(ctx, keys)
		}
		if until, _ = f.db.SignInFailed(ctx, keys); !until.Equal(f.clock.Now().UTC().Add(30 * time.Minute)) {
			t.Errorf("second lockout until %v, want 30 minutes", until)
		}
		// A success clears the account.
		f.clock.Advance(31 * time.Minute)
		if err := f.db.SignInSucceeded(ctx, "ann@x.test"); err != nil {
			t.Fatal(err)
		}
		if until, _ = f.db.SignInFailed(ctx, keys); !until.IsZero() {
			t.Errorf("a failure after a success locks: %v", until)
		}
		// An address guessing one password at many accounts: locked at
		// its twentieth failure within the window.
		for i := range 20 {
			last, _ := f.db.SignInFailed(ctx, store.ThrottleKeys("user"+itoa64(int64(i))+"@x.test", "10.0.0.2"))
			if locked := !last.IsZero(); locked != (i == 19) {
				t.Fatalf("failure %d from the address: locked %v", i+1, locked)
			}
		}
	})
}
