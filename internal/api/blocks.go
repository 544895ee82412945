package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
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

// blockInput is a block to add. Weekday is a day's name or its number.
type blockInput struct {
	Weekday json.RawMessage `json:"weekday"`
	Start   string          `json:"start"`
	End     string          `json:"end"`
}

// weekdayAbbrevs are the short names people write besides a day's first
// three letters.
var weekdayAbbrevs = map[string]time.Weekday{"tues": time.Tuesday, "weds": time.Wednesday, "thur": time.Thursday, "thurs": time.Thursday}

// parseWeekday reads a block's day as people write it: its name in any
// case ("Tuesday"), its first three letters ("tue") or a common short form
// ("tues", "thurs"), or its number. Numbers count from Sunday as 0, as in
// cron and JavaScript, and 7 is Sunday too, so ISO 8601's 1 (Monday) to 7
// (Sunday) reads the same; a number may be sent as text ("2").
func parseWeekday(raw json.RawMessage) (time.Weekday, bool) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, false
	}
	var s string
	switch x := v.(type) {
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case string:
		s = strings.ToLower(strings.TrimSpace(x))
	default:
		return 0, false // null, true, a list: not a day
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 7 {
			return 0, false
		}
		return time.Weekday(n % 7), true
	}
	if d, ok := weekdayAbbrevs[s]; ok {
		return d, true
	}
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
	bs, err := s.db.CallBlocks(r.Context(), a.actor, a.user.ID)
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
		fe.Add("weekday", "Choose a day of the week: monday to sunday (mon to sun will do), or a number, 0 or 7 being Sunday and 1 Monday.")
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
	if err := s.db.AddCallBlock(r.Context(), a.actor, b); err != nil {
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
	if err := s.db.DeleteCallBlock(r.Context(), a.actor, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
