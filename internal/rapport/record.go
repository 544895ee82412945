package rapport

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Record kinds: where an input came from.
const (
	RecordCSV   = "csv"
	RecordVCard = "vcard"
	RecordEvent = "event"
)

// KeptValue is one value of an input that no field of the person holds:
// a column Rapport has no field for, a value it could not read, or one
// that differs from what the person already had.
type KeptValue struct {
	// Name is the column, vCard property or payload field.
	Name  string `json:"name"`
	Value string `json:"value"`
	// Why says why it is not in a field ("" for: no field holds it).
	Why string `json:"why,omitempty"`
}

// WhyNoField is KeptValue.Why for a value no field of Rapport's holds.
const WhyNoField = ""

// AlreadyHad is KeptValue.Why for a value that differs from the one the
// person had, which was kept.
func AlreadyHad(have string) string { return "already had " + have }

// InputRecord is an input as it arrived — a row of a file, a vCard, a
// lead event — kept with the person it became, so that nothing it said is
// lost even where Rapport has no field for it. Original is the input
// itself: a CSV row as JSON [name, value] pairs, a vCard's text, an
// event's JSON payload.
type InputRecord struct {
	ID       int64
	OrgID    int64
	PersonID int64
	Kind     string
	// Origin names the file or the lead source.
	Origin    string
	Line      int
	Original  string
	Kept      []KeptValue
	CreatedAt time.Time
}

// Field is one named value of the original input, in order.
type Field struct {
	Name, Value string
}

// Fields reads the original input as name/value pairs: a CSV row's
// columns, a vCard's properties, an event's top-level fields (nested
// objects as JSON).
func (r InputRecord) Fields() []Field {
	switch r.Kind {
	case RecordCSV:
		var pairs [][2]string
		if json.Unmarshal([]byte(r.Original), &pairs) != nil {
			return nil
		}
		out := make([]Field, len(pairs))
		for i, p := range pairs {
			out[i] = Field{p[0], p[1]}
		}
		return out
	case RecordVCard:
		var out []Field
		for _, line := range strings.Split(r.Original, "\n") {
			name, value, ok := strings.Cut(strings.TrimRight(line, "\r"), ":")
			if !ok || name == "BEGIN" || name == "END" || name == "VERSION" {
				continue
			}
			out = append(out, Field{name, value})
		}
		return out
	}
	return nil
}

// CSVOriginal writes a CSV row's non-empty cells as an InputRecord's
// Original.
func CSVOriginal(header, cells []string) string {
	pairs := make([][2]string, 0, len(cells))
	for i, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		name := ""
		if i < len(header) {
			name = header[i]
		} else {
			name = "(column " + strconv.Itoa(i+1) + ")"
		}
		pairs = append(pairs, [2]string{name, c})
	}
	b, _ := json.Marshal(pairs)
	return string(b)
}
