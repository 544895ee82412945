package rapport

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EventTypes are the lead-source event types Rapport knows: those the
// de-facto events API documents, and two that sources send about people
// already in touch (a note from another system, a booked appointment).
var EventTypes = []string{
	"Registration", "Inquiry", "Seller Inquiry", "Property Inquiry", "General Inquiry",
	"Viewed Property", "Saved Property", "Visited Website", "Incoming Call", "Property Search",
	"Visited Open House", "Viewed Page", "Saved Property Search", "Unsubscribed", "Note", "Appointment",
}

// eventTypeAliases are other spellings sources use for known types, by
// their folded form (see foldType): integrations built on older versions
// of the events API, or by hand, send these.
var eventTypeAliases = map[string]string{
	"general": "General Inquiry", "contactus": "General Inquiry", "contact": "General Inquiry",
	"pageview": "Viewed Page", "websitevisit": "Visited Website", "visit": "Visited Website",
	"propertyview": "Viewed Property", "listingview": "Viewed Property", "favorite": "Saved Property",
	"savedsearch": "Saved Property Search", "search": "Property Search", "openhouse": "Visited Open House",
	"call": "Incoming Call", "phonecall": "Incoming Call", "lead": "Registration", "newlead": "Registration",
	"signup": "Registration", "sellerlead": "Seller Inquiry", "homevaluation": "Seller Inquiry",
	"showing": "Appointment", "showingrequest": "Appointment", "comment": "Note",
}

// FoldEventType is foldType for callers that compare what a source sent
// with the type it was recorded as.
func FoldEventType(t string) string { return foldType(t) }

// foldType reduces an event type to lower-case letters and digits, so
// that "Saved Property", "savedProperty" and "saved_property" are one.
func foldType(t string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CanonicalEventType returns the accepted spelling of an event type,
// matched without regard to case, spacing or punctuation and through the
// other names sources use, and whether it is known. An unknown type comes
// back trimmed, as given.
func CanonicalEventType(t string) (string, bool) {
	key := foldType(t)
	for _, known := range EventTypes {
		if foldType(known) == key {
			return known, true
		}
	}
	if known, ok := eventTypeAliases[key]; ok {
		return known, true
	}
	return strings.Join(strings.Fields(t), " "), false
}

// ResolveInquiry turns the generic Inquiry into what it is, as the events
// API describes: a Property Inquiry when the event names a property, else
// a General Inquiry.
func ResolveInquiry(t string, hasProperty bool) string {
	if t != "Inquiry" {
		return t
	}
	if hasProperty {
		return "Property Inquiry"
	}
	return "General Inquiry"
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
	Property string `bun:"property"`
	// Note is a note the source sent with the event.
	Note string `bun:"note"`
	// Details are what else the event said, each under a label.
	Details       Details   `bun:"details"`
	OccurredAt    time.Time `bun:"occurred_at"`
	Historical    bool      `bun:"historical"`
	CreatedPerson bool      `bun:"created_person"`
	// Payload is the event as received, for the record.
	Payload   string    `bun:"payload"`
	CreatedAt time.Time `bun:"created_at"`
}

// Detail is one thing an event said that has no field of its own, such
// as "Area: 2,888 sq ft" or "Page title: Contact us".
type Detail struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Details are an event's labelled lines, kept as JSON in one column.
type Details []Detail

// Value stores the lines as a JSON array, or nothing when there are none.
func (d Details) Value() (driver.Value, error) {
	if len(d) == 0 {
		return "", nil
	}
	b, err := json.Marshal([]Detail(d))
	return string(b), err
}

// Scan reads the lines back.
func (d *Details) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("event details: cannot read %T", src)
	}
	*d = nil
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, (*[]Detail)(d))
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

// HeldEvent is a lead-source event that named no one Rapport could know
// (no name, email, phone or person id it could read), or whose body could
// not be read at all. Rather than be lost it is held, with the body as
// received, until an owner or manager attaches it to a person (an
// existing one, or one they make from what it says) or dismisses it.
type HeldEvent struct {
	ID        int64  `bun:"id,pk,autoincrement"`
	OrgID     int64  `bun:"org_id"`
	DedupeKey string `bun:"dedupe_key"`
	// Type, Source and Message are what could be read of the event, for
	// the list; Reason says why it is held.
	Type       string    `bun:"type"`
	Source     string    `bun:"source"`
	Message    string    `bun:"message"`
	Reason     string    `bun:"reason"`
	Payload    string    `bun:"payload"`
	ReceivedAt time.Time `bun:"received_at"`
	ResolvedAt time.Time `bun:"resolved_at,nullzero"`
	ResolvedBy int64     `bun:"resolved_by,nullzero"`
	// PersonID and EventID are set when it was attached: the person it
	// went to and the event it became. Resolved without them, it was
	// dismissed.
	PersonID int64 `bun:"person_id,nullzero"`
	EventID  int64 `bun:"event_id,nullzero"`
}

// Resolved reports whether someone attached or dismissed the event.
func (h *HeldEvent) Resolved() bool { return !h.ResolvedAt.IsZero() }
