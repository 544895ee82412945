package rapport

import (
	"regexp"
	"strings"
	"sync"
	"time"
)

// Org is an organisation: a brokerage or a team. Everything else belongs to
// exactly one.
type Org struct {
	ID   int64  `bun:"id,pk,autoincrement"`
	Name string `bun:"name"`
	Slug string `bun:"slug"`
	// Region is the ISO 3166 country whose phone numbering applies to
	// numbers written without a country code.
	Region string `bun:"region"`
	TZ     string `bun:"tz"`
	// Visibility is who sees whose people.
	Visibility Visibility `bun:"visibility"`
	// ClaimMinutes is the claim window: a new lead not attempted within
	// it goes on, to ClaimTo (0: never). QuietLeads says whether new
	// lead alerts wait out a user's quiet hours ("wait") or not ("alert").
	ClaimMinutes int     `bun:"claim_minutes"`
	ClaimTo      ClaimTo `bun:"claim_to"`
	QuietLeads   string  `bun:"quiet_leads"`
	// AttemptPlan is when a new lead is tried: days after arrival, comma
	// separated (see ParseAttemptPlan); AttemptRestDays how long a lead
	// that never answered rests before Today tries again.
	AttemptPlan     string    `bun:"attempt_plan"`
	AttemptRestDays int       `bun:"attempt_rest_days"`
	CreatedAt       time.Time `bun:"created_at"`
}

// Visibility is an organisation's policy on who sees whose people.
type Visibility string

const (
	// VisibilityAll: everyone in the organisation sees and works
	// everyone's people.
	VisibilityAll Visibility = "all"
	// VisibilityOwn: agents see and change only the people they own, with
	// those people's conversations, facts and follow-ups; owners and
	// managers see everyone.
	VisibilityOwn Visibility = "own"
)

// Visibilities lists the policies, the default first.
var Visibilities = []Visibility{VisibilityAll, VisibilityOwn}

// Valid reports whether v is a known policy.
func (v Visibility) Valid() bool { return v == VisibilityAll || v == VisibilityOwn }

// Label is how the settings page names the policy.
func (v Visibility) Label() string {
	if v == VisibilityOwn {
		return "Agents see only the people they own; owners and managers see everyone"
	}
	return "Everyone sees everyone's people"
}

// OnlyOwner returns the user whose people alone u may see: u's own id for
// an agent when the organisation keeps people private to their owner, and
// 0, meaning everyone's, otherwise. Stores take it as the VisibleTo of
// their filters.
func (o *Org) OnlyOwner(u *User) int64 {
	if o.Visibility == VisibilityOwn && u.Role == RoleAgent {
		return u.ID
	}
	return 0
}

// Sees reports whether u may see and change a person of the organisation
// owned by ownerID (0: no one).
func (o *Org) Sees(u *User, ownerID int64) bool {
	only := o.OnlyOwner(u)
	return only == 0 || only == ownerID
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

// Normalize trims the organisation's fields and applies defaults.
func (o *Org) Normalize() {
	o.Name = strings.TrimSpace(o.Name)
	o.Slug = strings.ToLower(strings.TrimSpace(o.Slug))
	o.Region = strings.ToUpper(strings.TrimSpace(o.Region))
	o.TZ = strings.TrimSpace(o.TZ)
	if o.Region == "" {
		o.Region = "US"
	}
	if o.TZ == "" {
		o.TZ = "America/Chicago"
	}
	o.Visibility = Visibility(strings.ToLower(strings.TrimSpace(string(o.Visibility))))
	if o.Visibility == "" {
		o.Visibility = VisibilityAll
	}
	o.ClaimTo = ClaimTo(strings.ToLower(strings.TrimSpace(string(o.ClaimTo))))
	if o.ClaimTo == "" {
		o.ClaimTo = ClaimNext
	}
	if o.QuietLeads = strings.ToLower(strings.TrimSpace(o.QuietLeads)); o.QuietLeads == "" {
		o.QuietLeads = QuietLeadsWait
	}
	if plan, err := ParseAttemptPlan(o.AttemptPlan); err == nil {
		o.AttemptPlan = plan.String()
	}
	if o.AttemptRestDays == 0 {
		o.AttemptRestDays = DefaultAttemptRestDays
	}
}

// Validate checks the organisation's own fields. Whether Region is a
// numbering region the phone library knows is checked by the caller.
func (o *Org) Validate() error {
	fe := FieldErrors{}
	if o.Name == "" {
		fe.Add("name", "Enter the organisation's name.")
	} else if len(o.Name) > 200 {
		fe.Add("name", "Keep the name under 200 characters.")
	}
	if !slugRE.MatchString(o.Slug) {
		fe.Add("slug", "Use 2 to 40 lower-case letters, digits and dashes, starting with a letter or digit.")
	}
	if len(o.Region) != 2 {
		fe.Add("region", "Use a two-letter country code such as US or CA.")
	}
	if err := ValidTZ(o.TZ); err != nil {
		fe.Add("tz", err.Error())
	}
	if !o.Visibility.Valid() {
		fe.Add("visibility", "Choose whether everyone sees everyone's people, or agents only their own.")
	}
	if o.ClaimMinutes < 0 || o.ClaimMinutes > 24*60 {
		fe.Add("claim_minutes", "Use a number of minutes from 0 (off) to 1440.")
	}
	if o.ClaimTo != ClaimNext && o.ClaimTo != ClaimPond {
		fe.Add("claim_to", "Choose the next agent or the shared pond.")
	}
	if o.QuietLeads != QuietLeadsWait && o.QuietLeads != QuietLeadsAlert {
		fe.Add("quiet_leads", "Choose whether new lead alerts wait out quiet hours.")
	}
	if _, err := ParseAttemptPlan(o.AttemptPlan); err != nil {
		fe.Add("attempt_plan", err.Error())
	}
	if o.AttemptRestDays < 1 || o.AttemptRestDays > 365 {
		fe.Add("attempt_rest_days", "Use a number of days from 1 to 365.")
	}
	return fe.Err()
}

// Location returns the organisation's time zone.
func (o *Org) Location() *time.Location { return LoadTZ(o.TZ, time.UTC) }

// ValidTZ checks that name is an IANA time zone such as America/Chicago.
func ValidTZ(name string) error {
	if name == "" || name == "Local" {
		return Errorf(EINVALID, "Choose a time zone such as America/Chicago.")
	}
	if _, err := time.LoadLocation(name); err != nil {
		return Errorf(EINVALID, "%q is not a time zone we know; use a name such as America/Chicago.", name)
	}
	return nil
}

// zones caches loaded time zones: time.LoadLocation reads and parses the
// zone database on every call, and Today needs one per person.
var zones sync.Map // name -> *time.Location, or nil for unknown names

// LoadTZ returns the named zone, or fallback when name is empty or unknown.
func LoadTZ(name string, fallback *time.Location) *time.Location {
	if name == "" {
		return fallback
	}
	if v, ok := zones.Load(name); ok {
		if v == nil {
			return fallback
		}
		return v.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		zones.Store(name, nil)
		return fallback
	}
	zones.Store(name, loc)
	return loc
}

// CommonTZs are offered first in time-zone pickers.
var CommonTZs = []string{
	"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
	"America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Puerto_Rico",
	"America/Toronto", "America/Vancouver", "America/Halifax", "America/Mexico_City",
	"Europe/London", "Europe/Dublin", "Europe/Paris", "Europe/Berlin", "Australia/Sydney", "UTC",
}
