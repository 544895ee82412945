package rapport

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// EventTypes are the lead-source event types Rapport accepts, as real-
// estate lead sources name them.
var EventTypes = []string{
	"Registration", "Inquiry", "Seller Inquiry", "Property Inquiry", "General Inquiry",
	"Viewed Property", "Saved Property", "Visited Website", "Incoming Call", "Property Search",
	"Visited Open House", "Viewed Page", "Saved Property Search", "Unsubscribed",
}

// CanonicalEventType returns the accepted spelling of an event type, matched
// without regard to case or spacing, and whether it is known.
func CanonicalEventType(t string) (string, bool) {
	t = strings.Join(strings.Fields(t), " ")
	for _, known := range EventTypes {
		if strings.EqualFold(known, t) {
			return known, true
		}
	}
	return t, false
}

// HistoricalAge is how old an event's occurredAt may be before the event
// counts as historical: recorded on the timeline, but not routed and not
// treated as a new lead.
const HistoricalAge = 24 * time.Hour

// Event is something a lead source told us a person did: registered,
// asked about a property, called in.
type Event struct {
	ID          int64  `bun:"id,pk,autoincrement"`
	OrgID       int64  `bun:"org_id"`
	PersonID    int64  `bun:"person_id"`
	DedupeKey   string `bun:"dedupe_key"`
	Type        string `bun:"type"`
	Source      string `bun:"source"`
	System      string `bun:"system"`
	Message     string `bun:"message"`
	Description string `bun:"description"`
	PageURL     string `bun:"page_url"`
	// Property describes the listing the event is about, in a line.
	Property      string    `bun:"property"`
	OccurredAt    time.Time `bun:"occurred_at"`
	Historical    bool      `bun:"historical"`
	CreatedPerson bool      `bun:"created_person"`
	// Payload is the event as received, for the record.
	Payload   string    `bun:"payload"`
	CreatedAt time.Time `bun:"created_at"`
}

// Summary is the event in a line for the timeline and context cards.
func (e *Event) Summary() string {
	s := e.Type
	if e.Source != "" {
		s += " from " + e.Source
	}
	if e.Property != "" {
		s += ": " + e.Property
	}
	return s
}

// LeadTiming is one lead for the speed-to-lead report: when it arrived,
// when it was first attempted (zero if never), its owner and its source.
type LeadTiming struct {
	OwnerID   int64
	Source    string
	ArrivedAt time.Time
	FirstAt   time.Time
}

// SpeedRow is speed to lead for one owner or source.
type SpeedRow struct {
	Key         string
	OwnerID     int64
	Leads       int
	Attempted   int
	Median, P90 time.Duration
}

// SpeedReport groups lead timings by owner and by source.
type SpeedReport struct {
	All      SpeedRow
	ByOwner  []SpeedRow
	BySource []SpeedRow
}

// SpeedToLead computes, overall, per owner and per source, how many leads
// arrived, how many were attempted, and the median and 90th percentile of
// the time from arrival to the first attempt (over the attempted ones).
// Rows are ordered by most leads first, then key.
func SpeedToLead(ts []LeadTiming) SpeedReport {
	var r SpeedReport
	r.All = speedRow("all", 0, ts)
	byOwner := map[int64][]LeadTiming{}
	bySource := map[string][]LeadTiming{}
	for _, t := range ts {
		byOwner[t.OwnerID] = append(byOwner[t.OwnerID], t)
		src := t.Source
		if src == "" {
			src = "(none)"
		}
		bySource[src] = append(bySource[src], t)
	}
	for id, g := range byOwner {
		r.ByOwner = append(r.ByOwner, speedRow("", id, g))
	}
	for src, g := range bySource {
		r.BySource = append(r.BySource, speedRow(src, 0, g))
	}
	order := func(rows []SpeedRow) {
		sort.Slice(rows, func(i, j int) bool {
			if rows[i].Leads != rows[j].Leads {
				return rows[i].Leads > rows[j].Leads
			}
			if rows[i].Key != rows[j].Key {
				return rows[i].Key < rows[j].Key
			}
			return rows[i].OwnerID < rows[j].OwnerID
		})
	}
	order(r.ByOwner)
	order(r.BySource)
	return r
}

func speedRow(key string, owner int64, ts []LeadTiming) SpeedRow {
	row := SpeedRow{Key: key, OwnerID: owner, Leads: len(ts)}
	var ds []time.Duration
	for _, t := range ts {
		if !t.FirstAt.IsZero() {
			d := t.FirstAt.Sub(t.ArrivedAt)
			if d < 0 {
				d = 0
			}
			ds = append(ds, d)
		}
	}
	row.Attempted = len(ds)
	if len(ds) > 0 {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		row.Median = percentile(ds, 50)
		row.P90 = percentile(ds, 90)
	}
	return row
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// Human renders a duration briefly: "45 s", "4 min", "2 h 5 min", "3 days".
func Human(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case d < 48*time.Hour:
		h := int(d.Hours())
		m := int(d.Minutes()) % 60
		if m == 0 {
			return strconv.Itoa(h) + " h"
		}
		return strconv.Itoa(h) + " h " + strconv.Itoa(m) + " min"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days"
}
