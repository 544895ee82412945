package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
)

func begin(t *testing.T, f *fixture, a store.SignInAttempt) (*store.SignInTicket, time.Time) {
	t.Helper()
	ticket, until, err := f.db.BeginSignIn(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return ticket, until
}

func fail(t *testing.T, f *fixture, ticket *store.SignInTicket) time.Time {
	t.Helper()
	until, err := f.db.SignInFailed(ctx, ticket)
	if err != nil {
		t.Fatal(err)
	}
	return until
}

// TestSignInThrottle: strangers' browsers are slowed after three wrong
// passwords and lock only themselves; a browser the user has signed in
// from is throttled on its own and never by strangers; an address is
// locked at twenty failures at any accounts; a success clears its
// browser's count and gives the address's back.
func TestSignInThrottle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		email := f.agent.Email
		mine, err := f.db.RememberDevice(ctx, f.agent, "")
		if err != nil {
			t.Fatal(err)
		}
		stranger := store.SignInAttempt{Email: email, Address: "203.0.113.9"}
		for i := 1; i <= 3; i++ {
			ticket, until := begin(t, f, stranger)
			if !until.IsZero() {
				t.Fatalf("attempt %d refused", i)
			}
			if until := fail(t, f, ticket); until.IsZero() != (i < 3) {
				t.Fatalf("failure %d: locked until %v", i, until)
			}
		}
		if _, until := begin(t, f, store.SignInAttempt{Email: email, Address: "198.51.100.7"}); !until.Equal(f.clock.Now().UTC().Add(time.Minute)) {
			t.Errorf("another stranger's browser: locked until %v, want a minute", until)
		}
		// The user's own browser, even with the address a stranger used.
		ticket, until := begin(t, f, store.SignInAttempt{Email: email, Address: "203.0.113.9", DeviceToken: mine})
		if !until.IsZero() || !ticket.Device {
			t.Fatalf("the user's own browser: locked until %v, device %v", until, ticket.Device)
		}
		if err := f.db.SignInSucceeded(ctx, ticket); err != nil {
			t.Fatal(err)
		}
		// A browser token of another user counts as a stranger's.
		theirs, _ := f.db.RememberDevice(ctx, f.owner, "")
		if ticket, _ := begin(t, f, store.SignInAttempt{Email: email, Address: "10.0.0.1", DeviceToken: theirs}); ticket.Device {
			t.Error("another user's browser token counted as the agent's")
		}
		// The stranger lock doubles: three more after it ends lock for two
		// minutes.
		f.clock.Advance(2 * time.Minute)
		for i := 1; i <= 3; i++ {
			ticket, _ := begin(t, f, stranger)
			if until := fail(t, f, ticket); i == 3 && !until.Equal(f.clock.Now().UTC().Add(2*time.Minute)) {
				t.Errorf("second lockout until %v, want two minutes", until)
			}
		}
		// The user's own browser: five tries, then fifteen minutes, for
		// it alone.
		f.clock.Advance(time.Hour)
		own := store.SignInAttempt{Email: email, Address: "10.1.1.1", DeviceToken: mine}
		for i := 1; i <= 5; i++ {
			ticket, _ := begin(t, f, own)
			if until := fail(t, f, ticket); until.IsZero() != (i < 5) || i == 5 && !until.Equal(f.clock.Now().UTC().Add(15*time.Minute)) {
				t.Fatalf("own browser, failure %d: locked until %v", i, until)
			}
		}
		// An address guessing at many accounts: locked at its twentieth.
		for i := range 20 {
			ticket, until := begin(t, f, store.SignInAttempt{Email: "user" + itoa64(int64(i)) + "@x.test", Address: "10.0.0.2"})
			if !until.IsZero() {
				t.Fatalf("attempt %d from the address refused", i+1)
			}
			if locked := !fail(t, f, ticket).IsZero(); locked != (i == 19) {
				t.Fatalf("failure %d from the address: locked %v", i+1, locked)
			}
		}
		if _, until := begin(t, f, store.SignInAttempt{Email: f.owner.Email, Address: "10.0.0.2"}); until.IsZero() {
			t.Error("the locked address tries another account")
		}
		// Successes give the address's count back: an office of
		// colleagues signing in is no guessing.
		for range 30 {
			ticket, until := begin(t, f, store.SignInAttempt{Email: f.owner.Email, Address: "10.0.0.3"})
			if !until.IsZero() {
				t.Fatal("successes locked the address")
			}
			f.db.SignInSucceeded(ctx, ticket)
		}
		// Confirming a password (to change it) is throttled too.
		for i := 1; i <= 5; i++ {
			ticket, until, err := f.db.BeginConfirm(ctx, f.owner.ID, "10.0.0.4")
			if err != nil || !until.IsZero() {
				t.Fatalf("confirm %d: %v %v", i, until, err)
			}
			fail(t, f, ticket)
		}
		if _, until, _ := f.db.BeginConfirm(ctx, f.owner.ID, "10.0.0.4"); until.IsZero() {
			t.Error("a sixth guess at the current password")
		}
	})
}

// TestSignInBurstIsCountedFirst: fifty guesses at once from strangers'
// browsers are counted one by one before any password is checked: no
// more than the limit get to check theirs.
func TestSignInBurstIsCountedFirst(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		var mu sync.Mutex
		allowed := 0
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, until, err := f.db.BeginSignIn(ctx, store.SignInAttempt{Email: f.agent.Email, Address: "198.51.100." + itoa64(int64(i%5))})
				if err != nil {
					t.Error(err)
					return
				}
				if until.IsZero() {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if allowed != 3 {
			t.Errorf("%d of 50 guesses got to check a password, want 3", allowed)
		}
	})
}
