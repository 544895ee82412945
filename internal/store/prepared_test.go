package store_test

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// A session read by the prepared statement (its time a bound value, not
// text in the query) ends at its instant, to the millisecond, as the
// stored times compare on both databases.
func TestSessionEndsAtItsInstant(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		now := f.clock.Now()
		if err := f.db.CreateSession(ctx, &store.Session{ID: "edge", OrgID: f.org.ID, UserID: f.agent.ID,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(1500 * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			by    time.Duration
			lives bool
		}{{0, true}, {999 * time.Millisecond, true}, {500 * time.Millisecond, true}, {2 * time.Millisecond, false}} {
			f.clock.Advance(step.by)
			_, u, _, err := f.db.SessionUser(ctx, "edge")
			if step.lives && (err != nil || u.ID != f.agent.ID) {
				t.Fatalf("at %v: SessionUser = %v, %v; want the agent", f.clock.Now().Sub(now), u, err)
			}
			if !step.lives && rapport.ErrorCode(err) != rapport.ENOTFOUND {
				t.Fatalf("at %v: SessionUser = %v; want not found", f.clock.Now().Sub(now), err)
			}
		}
	})
}
