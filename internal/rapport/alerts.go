package rapport

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// AlertKind is something a user may be told of when not looking at Today.
type AlertKind string

const (
	// AlertNewLead: a new lead was routed to the user.
	AlertNewLead AlertKind = "new_lead"
	// AlertReassigned: a lead was handed to the user (the claim window
	// passed it on, or someone gave it to them).
	AlertReassigned AlertKind = "reassigned"
	// AlertCameBack: someone the user already knows came back through a
	// lead source (an inquiry, a saved property, a visit, a call).
	AlertCameBack AlertKind = "came_back"
	// AlertPromiseDue: a promise of the user's is due now.
	AlertPromiseDue AlertKind = "promise_due"
	// AlertAgenda: the daily agenda, by email, at the user's hour.
	AlertAgenda AlertKind = "agenda"
	// AlertPasswordReset is not a preference: a reset link is always sent.
	AlertPasswordReset AlertKind = "password_reset"
	// AlertWebhookDisabled tells an owner, by email always, that a webhook
	// endpoint was disabled after failing too long.
	AlertWebhookDisabled AlertKind = "webhook_disabled"
	// AlertWebhook is the kind of a webhook's message (its event says
	// what happened).
	AlertWebhook AlertKind = "webhook"
)

// AlertKinds are the kinds a user chooses, in the order settings show them.
var AlertKinds = []AlertKind{AlertNewLead, AlertReassigned, AlertCameBack, AlertPromiseDue, AlertAgenda}

// Label names the kind for people.
func (k AlertKind) Label() string {
	switch k {
	case AlertNewLead:
		return "A new lead is mine"
	case AlertReassigned:
		return "A lead is handed to me"
	case AlertCameBack:
		return "Someone I know came back (an inquiry, a saved home, a visit)"
	case AlertPromiseDue:
		return "A promise is due"
	case AlertAgenda:
		return "My daily agenda"
	case AlertPasswordReset:
		return "Password reset"
	case AlertWebhookDisabled:
		return "A webhook endpoint stopped"
	}
	return string(k)
}

// Valid reports whether k is a kind a user chooses.
func (k AlertKind) Valid() bool { return slices.Contains(AlertKinds, k) }

// Urgent reports whether the kind is an alert that quiet hours hold back
// (the agenda comes at its own hour; a reset link is asked for).
func (k AlertKind) Urgent() bool {
	return k == AlertNewLead || k == AlertReassigned || k == AlertPromiseDue
}

// AlertChannel is how a message reaches a user.
type AlertChannel string

const (
	AlertEmail AlertChannel = "email"
	AlertPush  AlertChannel = "push"
	// ChannelWebhook carries an organisation's webhooks, not a user's
	// alerts: no user chooses it.
	ChannelWebhook AlertChannel = "webhook"
)

// AlertChannels are the channels, in the order settings show them.
var AlertChannels = []AlertChannel{AlertEmail, AlertPush}

// Alerts is a user's choice of what to hear of and how, when not to be
// disturbed and when the agenda comes.
type Alerts struct {
	Email []AlertKind
	Push  []AlertKind
	// QuietFrom and QuietTo ("21:00", "07:00") bound the user's quiet
	// hours in their zone; both empty: none.
	QuietFrom, QuietTo string
	// AgendaHour is the hour (0–23, the user's zone) the daily agenda comes.
	AgendaHour int
}

// DefaultAgendaHour is when the agenda comes unless the user says.
const DefaultAgendaHour = 7

// DefaultAlerts are a new user's: everything by email, the alerts by
// push, the agenda at 7.
func DefaultAlerts() Alerts {
	return Alerts{Email: slices.Clone(AlertKinds), Push: []AlertKind{AlertNewLead, AlertReassigned, AlertCameBack, AlertPromiseDue},
		AgendaHour: DefaultAgendaHour}
}

// AlertsOf returns the user's choices.
func (u *User) AlertsOf() Alerts {
	return Alerts{Email: parseKinds(u.AlertEmail), Push: parseKinds(u.AlertPush),
		QuietFrom: u.QuietFrom, QuietTo: u.QuietTo, AgendaHour: u.AgendaHour}
}

// SetAlerts stores a's choices on the user, after Validate.
func (u *User) SetAlerts(a Alerts) {
	u.AlertEmail, u.AlertPush = formatKinds(a.Email), formatKinds(a.Push)
	u.QuietFrom, u.QuietTo, u.AgendaHour = a.QuietFrom, a.QuietTo, a.AgendaHour
}

// Wants reports whether the user wants kind by channel. A password reset
// is always sent by email.
func (u *User) Wants(ch AlertChannel, kind AlertKind) bool {
	if kind == AlertPasswordReset || kind == AlertWebhookDisabled {
		return ch == AlertEmail
	}
	list := u.AlertEmail
	if ch == AlertPush {
		list = u.AlertPush
	}
	return slices.Contains(parseKinds(list), kind)
}

// Paused reports whether the user is off duty: routing skips them.
func (u *User) Paused() bool { return !u.PausedAt.IsZero() }

// Normalize tidies the choices: kinds known, in order, once.
func (a *Alerts) Normalize() {
	a.Email, a.Push = parseKinds(formatKinds(a.Email)), parseKinds(formatKinds(a.Push))
	a.QuietFrom, a.QuietTo = strings.TrimSpace(a.QuietFrom), strings.TrimSpace(a.QuietTo)
}

// Validate checks the choices, naming the fields.
func (a *Alerts) Validate() error {
	fe := FieldErrors{}
	for _, k := range append(slices.Clone(a.Email), a.Push...) {
		if !k.Valid() {
			fe.Add("alerts", fmt.Sprintf("%q is not an alert Rapport sends.", k))
		}
	}
	if slices.Contains(a.Push, AlertAgenda) {
		fe.Add("alerts", "The daily agenda comes by email only.")
	}
	_, okFrom := ParseClock(a.QuietFrom)
	_, okTo := ParseClock(a.QuietTo)
	switch {
	case a.QuietFrom == "" && a.QuietTo == "":
	case !okFrom:
		fe.Add("quiet_from", "Use a time such as 21:00.")
	case !okTo:
		fe.Add("quiet_to", "Use a time such as 07:00.")
	case a.QuietFrom == a.QuietTo:
		fe.Add("quiet_to", "Quiet hours end at another time than they start.")
	}
	if a.AgendaHour < 0 || a.AgendaHour > 23 {
		fe.Add("agenda_hour", "Choose an hour from 0 to 23.")
	}
	return fe.Err()
}

// QuietUntil returns when the user's quiet hours around now end, or the
// zero time when now is not in them. Quiet hours may run over midnight.
func (a Alerts) QuietUntil(now time.Time, loc *time.Location) time.Time {
	from, ok1 := ParseClock(a.QuietFrom)
	to, ok2 := ParseClock(a.QuietTo)
	if !ok1 || !ok2 || from == to {
		return time.Time{}
	}
	local := now.In(loc)
	mins := local.Hour()*60 + local.Minute()
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	at := func(day time.Time, m int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, loc)
	}
	switch {
	case from < to && mins >= from && mins < to:
		return at(midnight, to)
	case from > to && mins >= from:
		return at(midnight.AddDate(0, 0, 1), to)
	case from > to && mins < to:
		return at(midnight, to)
	}
	return time.Time{}
}

// AgendaDay returns the user's day whose agenda is due at now: from the
// agenda hour for three hours (a server that was down at the hour still
// sends it a little late, never in the evening). ok is false outside.
func (a Alerts) AgendaDay(now time.Time, loc *time.Location) (day Day, ok bool) {
	local := now.In(loc)
	h := local.Hour()
	if h < a.AgendaHour || h >= a.AgendaHour+3 {
		return "", false
	}
	return DayOf(now, loc), true
}

func parseKinds(s string) []AlertKind {
	var out []AlertKind
	for _, k := range strings.Split(s, ",") {
		if k := AlertKind(strings.TrimSpace(k)); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b AlertKind) int { return slices.Index(AlertKinds, a) - slices.Index(AlertKinds, b) })
	return out
}

func formatKinds(ks []AlertKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}

// Outbox delivery: how often and how long a message is retried.
const (
	// OutboxAttempts is how many times a message is tried before it is
	// dead (an owner sees it with its reason and may retry it).
	OutboxAttempts = 8
	outboxBase     = 15 * time.Second
	outboxCap      = time.Hour
)

// OutboxBackoff is the wait before try attempt+1 after attempt failed:
// exponential from 15 seconds, capped at an hour, with equal jitter (half
// fixed, half random) so that servers retrying together spread out.
func OutboxBackoff(attempt int) time.Duration {
	d := outboxBase << min(max(attempt-1, 0), 12)
	d = min(d, outboxCap)
	return d/2 + rand.N(d/2+1)
}

// ClaimTo is where a new lead goes when its claim window passes.
type ClaimTo string

const (
	// ClaimNext: the next agent in the rotation.
	ClaimNext ClaimTo = "next"
	// ClaimPond: a shared pond any agent may claim from.
	ClaimPond ClaimTo = "pond"
)

// Quiet-hours policy for new leads.
const (
	// QuietLeadsWait: a new lead alert in a user's quiet hours waits for
	// the morning.
	QuietLeadsWait = "wait"
	// QuietLeadsAlert: new leads alert through quiet hours.
	QuietLeadsAlert = "alert"
)

// PromiseDueNow reports whether an open follow-up should alert its user
// at now: a timed one (a meeting, a call at 3pm) from its time for two
// hours; a day's promise from the user's agenda hour to the end of that
// day. Overdue promises from earlier days do not alert (they lead Today
// and the agenda instead).
func PromiseDueNow(f *FollowUp, a Alerts, now time.Time, loc *time.Location) bool {
	if !f.Open() || f.DueOn != DayOf(now, loc) {
		return false
	}
	local := now.In(loc)
	mins := local.Hour()*60 + local.Minute()
	if at, ok := ParseClock(f.DueTime); ok {
		return mins >= at && mins < at+120
	}
	return local.Hour() >= a.AgendaHour
}
