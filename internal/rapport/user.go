package rapport

import (
	"net/mail"
	"strings"
	"time"
)

// Role is what a user may do in their organisation.
type Role string

const (
	RoleOwner   Role = "owner"
	RoleManager Role = "manager"
	RoleAgent   Role = "agent"
)

// Roles lists the roles from most to least privileged.
var Roles = []Role{RoleOwner, RoleManager, RoleAgent}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleManager || r == RoleAgent }

// Defaults a new user starts with.
const (
	DefaultWeeklyGoal = 25
	DefaultTodaySize  = 10
)

// User is a person who signs in: an agent, a hiring manager, an owner.
type User struct {
	ID           int64  `bun:"id,pk,autoincrement"`
	OrgID        int64  `bun:"org_id"`
	Email        string `bun:"email"`
	Name         string `bun:"name"`
	Role         Role   `bun:"role"`
	PasswordHash string `bun:"password_hash"`
	// TZ overrides the organisation's time zone for this user's days and
	// weeks when set.
	TZ         string `bun:"tz"`
	WeeklyGoal int    `bun:"weekly_goal"`
	TodaySize  int    `bun:"today_size"`
	// Weekly recruiting targets; a user with any is a hiring manager.
	RecruitLiveTarget    int `bun:"recruit_live_target"`
	RecruitMeetingTarget int `bun:"recruit_meeting_target"`
	RecruitOfferTarget   int `bun:"recruit_offer_target"`
	// Weekly targets for the review's other counts (0: none); the live
	// conversation target is WeeklyGoal.
	AttemptTarget     int `bun:"attempt_target"`
	ConnectTarget     int `bun:"connect_target"`
	AppointmentTarget int `bun:"appointment_target"`
	NewPeopleTarget   int `bun:"new_people_target"`
	ReferralTarget    int `bun:"referral_target"`
	// Alerts: the kinds wanted by email and by push (comma-separated),
	// quiet hours, the agenda's hour (see Alerts), and whether the user
	// is off duty. AlertToken names them in unsubscribe links.
	AlertEmail string    `bun:"alert_email"`
	AlertPush  string    `bun:"alert_push"`
	QuietFrom  string    `bun:"quiet_from"`
	QuietTo    string    `bun:"quiet_to"`
	AgendaHour int       `bun:"agenda_hour"`
	PausedAt   time.Time `bun:"paused_at,nullzero"`
	AlertToken string    `bun:"alert_token"`
	CreatedAt  time.Time `bun:"created_at"`
	DisabledAt time.Time `bun:"disabled_at,nullzero"`
}

// HiringManager reports whether the user has weekly recruiting targets.
func (u *User) HiringManager() bool {
	return u.RecruitLiveTarget > 0 || u.RecruitMeetingTarget > 0 || u.RecruitOfferTarget > 0
}

// Targets are the user's weekly targets for the review.
func (u *User) Targets() Targets {
	return Targets{Attempts: u.AttemptTarget, Connects: u.ConnectTarget, Live: u.WeeklyGoal, Appointments: u.AppointmentTarget,
		NewPeople: u.NewPeopleTarget, Referrals: u.ReferralTarget}
}

// DisplayName is the user's name, or their email when they gave none.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// CanManageUsers reports whether u may add users and change the
// organisation's settings.
func (u *User) CanManageUsers() bool { return u.Role.Manages() }

// CanGrant reports whether u may give another user role r: owners grant
// any role, managers grant manager and agent.
func (u *User) CanGrant(r Role) bool { return u.Role.Grants(r) }

// Grants reports whether a user of this role may give another role g.
func (r Role) Grants(g Role) bool {
	switch r {
	case RoleOwner:
		return g.Valid()
	case RoleManager:
		return g == RoleManager || g == RoleAgent
	}
	return false
}

// Running the team. Owners disable and re-enable anyone but themselves,
// make password reset links for anyone but themselves, and change roles
// (their own too, while another owner remains). Managers look after
// agents: they disable, re-enable and make reset links for agents only,
// and change no one's role. Agents do none of it. Whatever the rules
// allow, an organisation always keeps an active owner (the store holds
// to that, with the rows locked).

// Active reports whether the user may sign in.
func (u *User) Active() bool { return u.DisabledAt.IsZero() }

// CanManageMember reports whether u may disable, re-enable or make a
// password reset link for other, a member of the same organisation.
func (u *User) CanManageMember(other *User) bool {
	if u.ID == other.ID || u.OrgID != other.OrgID || !u.Active() {
		return false
	}
	switch u.Role {
	case RoleOwner:
		return true
	case RoleManager:
		return other.Role == RoleAgent
	}
	return false
}

// CanChangeRoles reports whether u may change someone's role: owners only.
func (u *User) CanChangeRoles() bool { return u.Role == RoleOwner && u.Active() }

// Location returns the user's time zone, falling back to the organisation's.
func (u *User) Location(org *Org) *time.Location {
	return LoadTZ(u.TZ, org.Location())
}

// Normalize trims the user's fields and applies defaults.
func (u *User) Normalize() {
	u.Name = strings.TrimSpace(u.Name)
	u.TZ = strings.TrimSpace(u.TZ)
	if e, err := NormalizeEmail(u.Email); err == nil {
		u.Email = e
	} else {
		u.Email = strings.TrimSpace(u.Email)
	}
	if u.WeeklyGoal == 0 {
		u.WeeklyGoal = DefaultWeeklyGoal
	}
	if u.TodaySize == 0 {
		u.TodaySize = DefaultTodaySize
	}
}

// Validate checks the user's fields (not the password, which is never
// stored in clear).
func (u *User) Validate() error {
	fe := FieldErrors{}
	if _, err := NormalizeEmail(u.Email); err != nil {
		fe.Add("email", err.Error())
	}
	if len(u.Name) > 200 {
		fe.Add("name", "Keep the name under 200 characters.")
	}
	if !u.Role.Valid() {
		fe.Add("role", "Choose owner, manager or agent.")
	}
	u.validateSettings(fe)
	return fe.Err()
}

// ValidateSettings checks the fields a user edits in their own settings.
func (u *User) ValidateSettings() error {
	fe := FieldErrors{}
	u.validateSettings(fe)
	return fe.Err()
}

func (u *User) validateSettings(fe FieldErrors) {
	if u.WeeklyGoal < 1 || u.WeeklyGoal > 500 {
		fe.Add("weekly_goal", "Set a weekly goal between 1 and 500 live conversations.")
	}
	if u.TodaySize < 3 || u.TodaySize > 50 {
		fe.Add("today_size", "Today can hold between 3 and 50 people.")
	}
	for field, n := range map[string]int{"recruit_live_target": u.RecruitLiveTarget, "recruit_meeting_target": u.RecruitMeetingTarget,
		"recruit_offer_target": u.RecruitOfferTarget, "appointment_target": u.AppointmentTarget,
		"new_people_target": u.NewPeopleTarget, "referral_target": u.ReferralTarget} {
		if n < 0 || n > 500 {
			fe.Add(field, "Set a weekly target between 0 (none) and 500.")
		}
	}
	for field, n := range map[string]int{"attempt_target": u.AttemptTarget, "connect_target": u.ConnectTarget} {
		if n < 0 || n > 5000 {
			fe.Add(field, "Set a weekly target between 0 (none) and 5,000.")
		}
	}
	if u.TZ != "" {
		if err := ValidTZ(u.TZ); err != nil {
			fe.Add("tz", err.Error())
		}
	}
}

// NormalizeEmail validates an address and returns it trimmed and lower-cased.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Errorf(EINVALID, "Enter an email address.")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", Errorf(EINVALID, "%q is not an email address.", s)
	}
	return strings.ToLower(s), nil
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// ValidatePassword checks a new password.
func ValidatePassword(p string) error {
	if len([]rune(p)) < MinPasswordLength {
		return Errorf(EINVALID, "Use at least %d characters.", MinPasswordLength)
	}
	if len(p) > 256 {
		return Errorf(EINVALID, "Use at most 256 characters.")
	}
	return nil
}
