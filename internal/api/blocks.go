package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// blockJSON is a weekly call block of the key's user, in their zone.
type blockJSON struct {
	ID        int64     `json:"id"`
	Weekday   string    `json:"weekday"`
	Start     string    `json:"start"`
	End       string    `json:"end"`
	Label     string    `json:"label"`
	TimeZone  string    `json:"timeZone"`
	CreatedAt time.Time `json:"createdAt"`
}

func toBlock(b *rapport.CallBlock, loc *time.Location) blockJSON {
	return blockJSON{ID: b.ID, Weekday: weekdayName(b.Weekday), Start: clock(b.Start), End: clock(b.End), Label: b.Label(),
		TimeZone: loc.String(), CreatedAt: b.CreatedAt.UTC()}
}

// clock writes minutes after midnight as "17:00" (a block ending at
// midnight ends at "24:00").
func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// blockInput is a block to add. Weekday is a day's name ("tuesday", or
// "tue") or its number, 0 being Sunday as in the database.
type blockInput struct {
	Weekday json.RawMessage `json:"weekday"`
	Start   string          `json:"start"`
	End     string          `json:"end"`
}

func parseWeekday(raw json.RawMessage) (time.Weekday, bool) {
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		return time.Weekday(n), n >= int(time.Sunday) && n <= int(time.Saturday)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, false
	}
	s = strings.ToLower(strings.TrimSpace(s))
	for d := time.Sunday; d <= time.Saturday; d++ {
		if name := weekdayName(d); s != "" && (s == name || s == name[:3]) {
			return d, true
		}
	}
	return 0, false
}

// parseEnd reads a block's end, which may be midnight at the end of the
// day ("24:00").
func parseEnd(s string) (int, bool) {
	if s = strings.TrimSpace(s); s == "24:00" {
		return 24 * 60, true
	}
	return rapport.ParseClock(s)
}

func (s *Server) listBlocks(w http.ResponseWriter, r *http.Request, a *account) error {
	bs, err := s.db.CallBlocks(r.Context(), a.org.ID, a.user.ID)
	if err != nil {
		return err
	}
	items := make([]blockJSON, len(bs))
	for i := range bs {
		items[i] = toBlock(&bs[i], a.loc)
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

func (s *Server) createBlock(w http.ResponseWriter, r *http.Request, a *account) error {
	var in blockInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	fe := rapport.FieldErrors{}
	wd, ok := parseWeekday(in.Weekday)
	if !ok {
		fe.Add("weekday", "Choose a day of the week: monday to sunday, or 0 (Sunday) to 6 (Saturday).")
	}
	start, ok := rapport.ParseClock(strings.TrimSpace(in.Start))
	if !ok {
		fe.Add("start", "Enter a start time such as 17:00.")
	}
	end, ok := parseEnd(in.End)
	if !ok {
		fe.Add("end", "Enter an end time such as 19:00.")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	b := &rapport.CallBlock{UserID: a.user.ID, Weekday: wd, Start: start, End: end}
	if err := s.db.AddCallBlock(r.Context(), a.org.ID, b); err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/blocks")
	writeJSON(w, http.StatusCreated, toBlock(b, a.loc))
	return nil
}

// deleteBlock removes one of the key's user's blocks; anyone else's is
// not found.
func (s *Server) deleteBlock(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DeleteCallBlock(r.Context(), a.org.ID, a.user.ID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
