package rapport

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind says what a person is to us.
type Kind string

const (
	KindLead    Kind = "lead"
	KindClient  Kind = "client"
	KindSphere  Kind = "sphere"
	KindRecruit Kind = "recruit"
)

// Kinds lists every kind in the order pickers show them.
var Kinds = []Kind{KindLead, KindClient, KindSphere, KindRecruit}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if v == k {
			return true
		}
	}
	return false
}

// Label is the kind's name for people.
func (k Kind) Label() string {
	switch k {
	case KindLead:
		return "Lead"
	case KindClient:
		return "Client"
	case KindSphere:
		return "Sphere"
	case KindRecruit:
		return "Recruit"
	}
	return string(k)
}

// Person is someone we talk to: a lead, a client, someone in our sphere, or
// an agent we would like to recruit.
type Person struct {
	ID        int64  `bun:"id,pk,autoincrement"`
	OrgID     int64  `bun:"org_id"`
	FirstName string `bun:"first_name"`
	LastName  string `bun:"last_name"`
	// SortName is the lower-cased full name, kept for ordering lists.
	SortName     string `bun:"sort_name"`
	Kind         Kind   `bun:"kind"`
	StageID      int64  `bun:"stage_id,nullzero"`
	Source       string `bun:"source"`
	OwnerID      int64  `bun:"owner_id,nullzero"`
	ReferredByID int64  `bun:"referred_by_id,nullzero"`
	DoNotCall    bool   `bun:"do_not_call"`
	TZ           string `bun:"tz"`

	Street     string `bun:"street"`
	City       string `bun:"city"`
	State      string `bun:"state"`
	PostalCode string `bun:"postal_code"`
	Country    string `bun:"country"`

	// Notes is the free-text background: how we met, what matters.
	Notes string `bun:"notes"`

	Birthday        Anniversary `bun:"embed:birthday_"`
	HomeAnniversary Anniversary `bun:"embed:home_"`
	// CadenceDays is how often we mean to be in touch; 0 means no cadence.
	CadenceDays int `bun:"cadence_days"`

	// Recruiting profile, for agents at other brokerages.
	MLSID       string `bun:"mls_id"`
	Brokerage   string `bun:"brokerage"`
	Office      string `bun:"office"`
	LicenceYear int    `bun:"licence_year"`
	Units12m    int    `bun:"units_12m"`
	Volume12m   int64  `bun:"volume_12m"`
	// ListUnits12m and SellUnits12m split Units12m by side.
	ListUnits12m int `bun:"list_units_12m"`
	SellUnits12m int `bun:"sell_units_12m"`
	// ProductionPeriod is the last day of the 12 months the production
	// figures cover; a report for an earlier period does not replace them.
	ProductionPeriod Day `bun:"production_period"`
	// CompanyID is the agent's current office (or brokerage).
	CompanyID int64 `bun:"company_id,nullzero"`

	// Activity, maintained as conversations are logged.
	FirstAttemptAt time.Time `bun:"first_attempt_at,nullzero"`
	LastAttemptAt  time.Time `bun:"last_attempt_at,nullzero"`
	LastLiveAt     time.Time `bun:"last_live_at,nullzero"`
	LastTouchAt    time.Time `bun:"last_touch_at,nullzero"`
	// TouchDueAt is when the keep-in-touch cadence next falls due.
	TouchDueAt time.Time `bun:"touch_due_at,nullzero"`
	// ArrivedAt is when a lead arrived from a lead source in real time;
	// speed to lead is measured from it.
	ArrivedAt time.Time `bun:"arrived_at,nullzero"`
	// CameBackAt is when someone already known last came back through a
	// lead source (see CameBackTypes).
	CameBackAt time.Time `bun:"came_back_at,nullzero"`

	// SearchDoc is the normalised text the full-text index covers, and
	// NameKey the folded name duplicates are found by; FirstPhone and
	// FirstEmail are the first of Phones and Emails, which a list of
	// people shows without reading them all. The store derives all four.
	// (The store keeps SearchDoc in the row on PostgreSQL; on SQLite apart
	// from it, where a person read back has it empty.)
	SearchDoc  string `bun:"search_doc"`
	NameKey    string `bun:"name_key"`
	FirstPhone string `bun:"first_phone"`
	FirstEmail string `bun:"first_email"`
	// Version counts changes to the person; an edit form carries the
	// version it started from.
	Version int64 `bun:"version"`

	CreatedBy  int64     `bun:"created_by,nullzero"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`
	ArchivedAt time.Time `bun:"archived_at,nullzero"`

	Phones []Phone  `bun:"-"`
	Emails []Email  `bun:"-"`
	Tags   []string `bun:"-"`
	Stage  *Stage   `bun:"-"`
	Owner  *User    `bun:"-"`
	// ReferredBy is the referrer's name and id, when there is one.
	ReferredBy *PersonRef `bun:"-"`
	// Company is the agent's office (with its brokerage), when loaded.
	Company *Company `bun:"-"`
}

// Workplace names where an agent works as reports write it: the office
// alone when its name already says the brokerage ("Summit Realty -
// Lincoln Park"), otherwise "Brokerage, Office".
func (p *Person) Workplace() string {
	switch {
	case p.Office == "":
		return p.Brokerage
	case p.Brokerage == "" || strings.Contains(strings.ToLower(p.Office), strings.ToLower(p.Brokerage)):
		return p.Office
	}
	return p.Brokerage + ", " + p.Office
}

// Hired reports whether the person is an agent who joined us: imports
// then leave their office alone (a report that still lists them at their
// old brokerage must not undo the hire).
func (p *Person) Hired() bool {
	return p.Kind == KindRecruit && p.Stage != nil && p.Stage.Key == StageJoined
}

// PersonRef names a person without loading them.
type PersonRef struct {
	ID   int64
	Name string
}

// Phone is one of a person's numbers, stored in E.164 form.
type Phone struct {
	ID       int64  `bun:"id,pk,autoincrement"`
	OrgID    int64  `bun:"org_id"`
	PersonID int64  `bun:"person_id"`
	Number   string `bun:"number"`
	Label    string `bun:"label"`
	Position int    `bun:"position"`
	// Bad is set when a call found the number disconnected or wrong.
	Bad bool `bun:"bad"`
}

// Email is one of a person's addresses, stored lower-cased.
type Email struct {
	ID       int64  `bun:"id,pk,autoincrement"`
	OrgID    int64  `bun:"org_id"`
	PersonID int64  `bun:"person_id"`
	Address  string `bun:"address"`
	Label    string `bun:"label"`
	Position int    `bun:"position"`
}

// MaxPhones and MaxEmails bound a person's numbers and addresses: no one
// has more, and a list without a bound is a way to fill the database.
const (
	MaxPhones = 20
	MaxEmails = 20
)

// Name is the person's full name.
func (p *Person) Name() string {
	n := strings.TrimSpace(p.FirstName + " " + p.LastName)
	if n == "" {
		return "(no name)"
	}
	return n
}

// Initials are shown where a picture would be.
func (p *Person) Initials() string {
	var s []rune
	for _, part := range []string{p.FirstName, p.LastName} {
		for _, r := range part {
			s = append(s, unicode.ToUpper(r))
			break
		}
	}
	return string(s)
}

// Archived reports whether the person has been archived.
func (p *Person) Archived() bool { return !p.ArchivedAt.IsZero() }

// Location returns the person's time zone, falling back to fallback.
func (p *Person) Location(fallback *time.Location) *time.Location {
	return LoadTZ(p.TZ, fallback)
}

// CallablePhones are the numbers worth dialling.
func (p *Person) CallablePhones() []Phone {
	var out []Phone
	for _, ph := range p.Phones {
		if !ph.Bad {
			out = append(out, ph)
		}
	}
	return out
}

// Address renders the postal address on one line.
func (p *Person) Address() string {
	var parts []string
	for _, s := range []string{p.Street, p.City, strings.TrimSpace(p.State + " " + p.PostalCode), p.Country} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// Normalize trims text fields, derives SortName and cleans the tag list.
// Phones and emails must already be normalised by the caller.
func (p *Person) Normalize() {
	for _, s := range []*string{&p.FirstName, &p.LastName, &p.Source, &p.TZ, &p.Street, &p.City,
		&p.State, &p.PostalCode, &p.Country, &p.Brokerage, &p.Office, &p.MLSID} {
		*s = CleanLine(*s)
	}
	p.Notes = strings.TrimSpace(CleanText(p.Notes))
	p.SortName = strings.ToLower(strings.TrimSpace(p.FirstName + " " + p.LastName))
	p.Tags = NormalizeTags(p.Tags)
	for i := range p.Phones {
		p.Phones[i].Label = CleanText(p.Phones[i].Label)
		p.Phones[i].Position = i
		p.Phones[i].Label = strings.ToLower(strings.TrimSpace(p.Phones[i].Label))
	}
	for i := range p.Emails {
		p.Emails[i].Position = i
		p.Emails[i].Label = strings.ToLower(strings.TrimSpace(p.Emails[i].Label))
	}
}

// CleanLine is a one-line field as it is stored: CleanText's, its runs of
// spaces one space, trimmed.
func CleanLine(s string) string { return strings.Join(strings.Fields(CleanText(s)), " ") }

// CleanText drops what no stored text may hold — control characters
// other than a tab or a line break (a NUL byte breaks what reads the data
// later), and bytes that are not UTF-8 — from text whatever door it came
// in by. The doors themselves refuse such text with the field it was in.
func CleanText(s string) string {
	clean := utf8.ValidString(s)
	for i := 0; clean && i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' && c != '\n' || c == 0x7F {
			clean = false
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' || r == 0x7F {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// NormalizeTags trims tags and drops empties and repeats, keeping each
// tag's case as first written ("VIP", "Zillow Flex"): tags that differ
// only in case are one tag, matched without regard to case, and the list
// is sorted without regard to case.
func NormalizeTags(tags []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range tags {
		t = strings.Join(strings.Fields(CleanText(t)), " ")
		key := strings.ToLower(t)
		if t == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i]) < strings.ToLower(out[j]) })
	return out
}

// ParseTags splits a comma-separated tag list.
func ParseTags(s string) []string { return NormalizeTags(strings.Split(s, ",")) }

// Validate checks the person's own fields after Normalize; now bounds the
// licence year.
func (p *Person) Validate(now time.Time) error {
	fe := FieldErrors{}
	if p.FirstName == "" && p.LastName == "" {
		fe.Add("first_name", "Enter a first or last name.")
	}
	if len(p.FirstName) > 100 {
		fe.Add("first_name", "Keep the first name under 100 characters.")
	}
	if len(p.LastName) > 100 {
		fe.Add("last_name", "Keep the last name under 100 characters.")
	}
	if !p.Kind.Valid() {
		fe.Add("kind", "Choose lead, client, sphere or recruit.")
	}
	if p.TZ != "" {
		if err := ValidTZ(p.TZ); err != nil {
			fe.Add("tz", err.Error())
		}
	}
	if p.CadenceDays < 0 || p.CadenceDays > 3650 {
		fe.Add("cadence_days", "Use a number of days between 0 (none) and 3650.")
	}
	if p.LicenceYear != 0 && !ValidLicenceYear(p.LicenceYear, now) {
		fe.Add("licence_year", "Use a year between 1950 and this year.")
	}
	if !ValidUnits12m(float64(p.Units12m)) {
		fe.Add("units_12m", "Use a number of transactions between 0 and 100000.")
	}
	if !ValidVolume12m(float64(p.Volume12m)) {
		fe.Add("volume_12m", "Use a volume between 0 and ten trillion.")
	}
	if len(p.Notes) > 20000 {
		fe.Add("notes", "Keep the notes under 20,000 characters.")
	}
	if len(p.Tags) > 50 {
		fe.Add("tags", "Use at most 50 tags.")
	}
	for _, t := range p.Tags {
		if len(t) > 50 {
			fe.Add("tags", "Keep each tag under 50 characters.")
		}
	}
	if len(p.Phones) > MaxPhones {
		fe.Add("phones", fmt.Sprintf("Keep to %d phone numbers.", MaxPhones))
	}
	if len(p.Emails) > MaxEmails {
		fe.Add("emails", fmt.Sprintf("Keep to %d email addresses.", MaxEmails))
	}
	seen := map[string]bool{}
	for i, ph := range p.Phones {
		if seen[ph.Number] {
			fe.Add(fieldIndex("phone", i), "This number is listed twice.")
		}
		seen[ph.Number] = true
	}
	seen = map[string]bool{}
	for i, e := range p.Emails {
		if _, err := NormalizeEmail(e.Address); err != nil {
			fe.Add(fieldIndex("email", i), err.Error())
		}
		if seen[e.Address] {
			fe.Add(fieldIndex("email", i), "This address is listed twice.")
		}
		seen[e.Address] = true
	}
	return fe.Err()
}

func fieldIndex(name string, i int) string {
	return name + "." + strconv.Itoa(i)
}

// ScheduleTouch recomputes when the keep-in-touch cadence next falls due,
// counting from the last touch, or from creation for someone never touched.
func (p *Person) ScheduleTouch() {
	if p.CadenceDays <= 0 {
		p.TouchDueAt = time.Time{}
		return
	}
	from := p.LastTouchAt
	if from.IsZero() {
		from = p.CreatedAt
	}
	p.TouchDueAt = from.Add(time.Duration(p.CadenceDays) * 24 * time.Hour)
}
