package rapport

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// CompanyKind is what a company is to recruiting: a brokerage, or one of
// its offices.
type CompanyKind string

const (
	CompanyBrokerage CompanyKind = "brokerage"
	CompanyOffice    CompanyKind = "office"
)

// Company is a brokerage or an office of one. Agent prospects work at an
// office (or, when the office is not known, a brokerage).
type Company struct {
	ID    int64       `bun:"id,pk,autoincrement"`
	OrgID int64       `bun:"org_id"`
	Kind  CompanyKind `bun:"kind"`
	// ParentID is an office's brokerage.
	ParentID int64  `bun:"parent_id,nullzero"`
	Name     string `bun:"name"`
	// NameKey is the name folded for matching what import files call it.
	NameKey    string    `bun:"name_key"`
	Market     string    `bun:"market"`
	Street     string    `bun:"street"`
	City       string    `bun:"city"`
	State      string    `bun:"state"`
	PostalCode string    `bun:"postal_code"`
	Website    string    `bun:"website"`
	MLSID      string    `bun:"mls_id"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`

	Parent *Company `bun:"-"`
}

// Normalize trims the company's fields and derives its name key.
func (c *Company) Normalize() {
	for _, s := range []*string{&c.Name, &c.Market, &c.Street, &c.City, &c.State, &c.PostalCode, &c.Website, &c.MLSID} {
		*s = strings.Join(strings.Fields(*s), " ")
	}
	if c.Website != "" && !strings.Contains(c.Website, "://") {
		c.Website = "https://" + c.Website
	}
	c.NameKey = CompanyKey(c.Name)
}

// Validate checks a normalised company.
func (c *Company) Validate() error {
	fe := FieldErrors{}
	if c.Name == "" {
		fe.Add("name", "Enter the company's name.")
	} else if len(c.Name) > 200 {
		fe.Add("name", "Keep the name under 200 characters.")
	}
	switch c.Kind {
	case CompanyBrokerage:
		if c.ParentID != 0 {
			fe.Add("parent_id", "A brokerage belongs to no other company.")
		}
	case CompanyOffice:
	default:
		fe.Add("kind", "Choose brokerage or office.")
	}
	if c.Website != "" {
		if u, err := url.Parse(c.Website); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fe.Add("website", "Enter a web address such as https://summitrealty.com.")
		}
	}
	if len(c.Market) > 100 {
		fe.Add("market", "Keep the market under 100 characters.")
	}
	return fe.Err()
}

// Label names the company with its brokerage: "Summit Realty — Lincoln
// Park office" reads better than the office's name alone when that name
// does not already say whose it is.
func (c *Company) Label() string {
	if c.Parent == nil || strings.Contains(strings.ToLower(c.Name), strings.ToLower(c.Parent.Name)) {
		return c.Name
	}
	return c.Parent.Name + " — " + c.Name
}

// CompanyKey folds a company name for matching: lower case, letters and
// digits only, "&" as "and", and the usual suffixes ("Inc", "LLC",
// "Realtors") dropped, so "Summit Realty, LLC" and "SUMMIT REALTY" match.
func CompanyKey(name string) string {
	name = strings.ReplaceAll(strings.ToLower(name), "&", " and ")
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for len(words) > 1 {
		switch words[len(words)-1] {
		case "inc", "llc", "ltd", "co", "corp", "corporation", "company", "realtors", "pllc", "lp", "llp":
			words = words[:len(words)-1]
			continue
		}
		break
	}
	return strings.Join(words, " ")
}

// SplitOfficeName reads the brokerage out of an office name written the
// way MLS reports write them, "Summit Realty - Lincoln Park": the part
// before the dash. It returns "" when the name has no such part.
func SplitOfficeName(office string) string {
	for _, sep := range []string{" - ", " – ", " — ", " | "} {
		if i := strings.Index(office, sep); i > 0 {
			return strings.TrimSpace(office[:i])
		}
	}
	return ""
}

// SignalWindow is how long after its date a signal raises the agents of
// its company on Today.
const SignalWindow = 30 * 24 * time.Hour

// Signal is a dated note about a brokerage or office that makes its
// agents worth a call now: "leadership change", "office turmoil", "lost
// its top team". A signal on a brokerage reaches the agents of all its
// offices.
type Signal struct {
	ID        int64     `bun:"id,pk,autoincrement"`
	OrgID     int64     `bun:"org_id"`
	CompanyID int64     `bun:"company_id"`
	On        Day       `bun:"on_day"`
	Title     string    `bun:"title"`
	Note      string    `bun:"note"`
	CreatedBy int64     `bun:"created_by,nullzero"`
	CreatedAt time.Time `bun:"created_at"`

	Company *Company `bun:"-"`
}

// Normalize trims the signal's text.
func (s *Signal) Normalize() {
	s.Title = strings.Join(strings.Fields(s.Title), " ")
	s.Note = strings.TrimSpace(s.Note)
}

// Validate checks a normalised signal; now bounds its date.
func (s *Signal) Validate(now time.Time) error {
	fe := FieldErrors{}
	if s.Title == "" {
		fe.Add("title", "Say what happened, e.g. leadership change.")
	} else if len(s.Title) > 200 {
		fe.Add("title", "Keep it under 200 characters; put the rest in the note.")
	}
	if s.On.IsZero() {
		fe.Add("on", "Enter the date it happened.")
	} else if _, err := ParseDay(string(s.On)); err != nil {
		fe.Add("on", "Enter a date as YYYY-MM-DD.")
	} else if s.On > DayOf(now, time.UTC).AddDays(1) {
		fe.Add("on", "A signal is something that has happened; choose today or earlier.")
	}
	if s.CompanyID == 0 {
		fe.Add("company_id", "Choose the brokerage or office.")
	}
	return fe.Err()
}

// Active reports whether the signal still raises its agents at now.
func (s *Signal) Active(now time.Time, loc *time.Location) bool {
	return !s.On.Start(loc).After(now) && now.Sub(s.On.Start(loc)) < SignalWindow
}

// Production is an agent's production over the 12 months ending on
// Period, as an MLS report gave it.
type Production struct {
	ID        int64     `bun:"id,pk,autoincrement"`
	OrgID     int64     `bun:"org_id"`
	PersonID  int64     `bun:"person_id"`
	Period    Day       `bun:"period"`
	Rank      int       `bun:"rank"`
	ListUnits int       `bun:"list_units"`
	SellUnits int       `bun:"sell_units"`
	Units     int       `bun:"units"`
	Volume    int64     `bun:"volume"`
	Office    string    `bun:"office"`
	CreatedAt time.Time `bun:"created_at"`
}

// AveragePrice is the volume per unit, or 0.
func (p *Production) AveragePrice() int64 {
	if p.Units == 0 {
		return 0
	}
	return p.Volume / int64(p.Units)
}

// PeriodLabel names a production period by its last month: "Oct 2026".
func PeriodLabel(d Day) string {
	if d.IsZero() {
		return ""
	}
	return d.Format("Jan 2006")
}

// Trend describes the change in volume between two periods in words:
// "up 18%", "down 7%", "flat".
func Trend(before, after int64) string {
	if before <= 0 {
		return ""
	}
	pct := (after - before) * 100 / before
	switch {
	case pct >= 3:
		return fmt.Sprintf("up %d%%", pct)
	case pct <= -3:
		return fmt.Sprintf("down %d%%", -pct)
	}
	return "flat"
}
