package bench

import (
	"context"
	"fmt"

	"github.com/rapport-crm/rapport/internal/store"
)

// Every write of the mix carries a mark of its own — a logged call its
// notes, an event its message (and its lead a new email) — so that after
// the run each write a server acknowledged can be looked for in the
// database: an acknowledged write that is not there was lost.

const (
	logMark   = "Load test call "
	eventMark = "Load test inquiry "
)

// logNotes and eventMessage are the marks of user u's n-th action.
func logNotes(u, n int) string     { return fmt.Sprintf("%su%d n%d", logMark, u, n) }
func eventMessage(u, n int) string { return fmt.Sprintf("%su%d n%d", eventMark, u, n) }

// acked is the writes the servers acknowledged, by their marks.
type acked struct {
	logs, events []string
}

func (a *acked) count() int { return len(a.logs) + len(a.events) }

// missing returns the acknowledged writes of org that the database does
// not hold, as "log …" and "event …".
func (a *acked) missing(ctx context.Context, db *store.DB, orgID int64) ([]string, error) {
	var notes, messages []string
	if err := db.RawScan(ctx, &notes, "SELECT notes FROM conversations WHERE org_id = ? AND notes LIKE ?", orgID, logMark+"%"); err != nil {
		return nil, fmt.Errorf("read the logged calls back: %w", err)
	}
	if err := db.RawScan(ctx, &messages, "SELECT message FROM events WHERE org_id = ? AND message LIKE ?", orgID, eventMark+"%"); err != nil {
		return nil, fmt.Errorf("read the events back: %w", err)
	}
	var out []string
	for _, c := range []struct {
		kind   string
		want   []string
		stored []string
	}{{"log", a.logs, notes}, {"event", a.events, messages}} {
		have := make(map[string]bool, len(c.stored))
		for _, s := range c.stored {
			have[s] = true
		}
		for _, w := range c.want {
			if !have[w] {
				out = append(out, c.kind+" "+w)
			}
		}
	}
	return out, nil
}
