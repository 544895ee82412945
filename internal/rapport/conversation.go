package rapport

import (
	"strings"
	"time"
)

// Channel is how a conversation happened.
type Channel string

const (
	ChannelCall    Channel = "call"
	ChannelText    Channel = "text"
	ChannelEmail   Channel = "email"
	ChannelMeeting Channel = "meeting"
	ChannelSocial  Channel = "social"
	ChannelEvent   Channel = "event"
)

// Channels lists every channel in picker order.
var Channels = []Channel{ChannelCall, ChannelText, ChannelEmail, ChannelMeeting, ChannelSocial, ChannelEvent}

// Label is the channel's name for people.
func (c Channel) Label() string {
	if c == "" {
		return ""
	}
	return strings.ToUpper(string(c[:1])) + string(c[1:])
}

// Direction says who reached out.
type Direction string

const (
	DirectionOutbound Direction = "outbound"
	DirectionInbound  Direction = "inbound"
)

// Outcome is how a touch ended.
type Outcome string

const (
	OutcomeNone        Outcome = ""
	OutcomeNoAnswer    Outcome = "no_answer"
	OutcomeVoicemail   Outcome = "voicemail"
	OutcomeLive        Outcome = "live"
	OutcomeAppointment Outcome = "appointment_set"
	OutcomeBadNumber   Outcome = "bad_number"
	OutcomeDoNotCall   Outcome = "do_not_call"
)

// Outcomes lists every outcome in the order the call buttons show them.
var Outcomes = []Outcome{OutcomeNoAnswer, OutcomeVoicemail, OutcomeLive, OutcomeAppointment,
	OutcomeBadNumber, OutcomeDoNotCall}

// Valid reports whether o is a known outcome (or none).
func (o Outcome) Valid() bool {
	if o == OutcomeNone {
		return true
	}
	for _, v := range Outcomes {
		if v == o {
			return true
		}
	}
	return false
}

// Label is the outcome's name for people.
func (o Outcome) Label() string {
	switch o {
	case OutcomeNoAnswer:
		return "No answer"
	case OutcomeVoicemail:
		return "Voicemail"
	case OutcomeLive:
		return "Live conversation"
	case OutcomeAppointment:
		return "Appointment set"
	case OutcomeBadNumber:
		return "Bad number"
	case OutcomeDoNotCall:
		return "Do not call"
	}
	return ""
}

// Unanswered reports whether a call with this outcome did not reach anyone.
func (o Outcome) Unanswered() bool { return o == OutcomeNoAnswer || o == OutcomeVoicemail }

// Temperature is how warm the person seemed.
type Temperature string

const (
	TempNone Temperature = ""
	TempHot  Temperature = "hot"
	TempWarm Temperature = "warm"
	TempCool Temperature = "cool"
	TempCold Temperature = "cold"
)

// Temperatures lists every temperature, hottest first.
var Temperatures = []Temperature{TempHot, TempWarm, TempCool, TempCold}

// Conversation is one logged touch with a person.
type Conversation struct {
	ID              int64       `bun:"id,pk,autoincrement"`
	OrgID           int64       `bun:"org_id"`
	PersonID        int64       `bun:"person_id"`
	UserID          int64       `bun:"user_id,nullzero"`
	Channel         Channel     `bun:"channel"`
	Direction       Direction   `bun:"direction"`
	Outcome         Outcome     `bun:"outcome"`
	DurationSeconds int         `bun:"duration_seconds"`
	Notes           string      `bun:"notes"`
	Temperature     Temperature `bun:"temperature"`
	NextStep        string      `bun:"next_step"`
	// Objection is the playbook key of the objection that came up, if any.
	Objection string `bun:"objection"`
	// Live is derived from channel and outcome when the conversation is
	// stored; it is the unit goals count.
	Live bool `bun:"live"`
	// DNCConfirmed marks an outbound call to someone marked do not call
	// that the user confirmed they had called or asked for.
	DNCConfirmed bool      `bun:"dnc_confirmed"`
	OccurredAt   time.Time `bun:"occurred_at"`
	CreatedAt    time.Time `bun:"created_at"`
	// IdempotencyKey is the key the phone made when the log was written
	// (see ValidIdempotencyKey); empty for a conversation logged without
	// one. No two conversations of an organisation share a key.
	IdempotencyKey string `bun:"idempotency_key,nullzero"`
}

// IsLive reports whether a conversation on channel ch ending with outcome o
// is a live conversation: a call that connected (a live conversation or an
// appointment set), or a meeting that took place (a meeting logged as "no
// answer" is a no-show).
func IsLive(ch Channel, o Outcome) bool {
	switch ch {
	case ChannelCall:
		return o == OutcomeLive || o == OutcomeAppointment
	case ChannelMeeting:
		return o == OutcomeNone || o == OutcomeLive || o == OutcomeAppointment
	}
	return false
}

// IsLive reports whether c is a live conversation.
func (c *Conversation) IsLive() bool { return IsLive(c.Channel, c.Outcome) }

// Normalize trims the conversation's text and applies defaults.
func (c *Conversation) Normalize() {
	c.Notes = strings.TrimSpace(c.Notes)
	c.NextStep = strings.TrimSpace(c.NextStep)
	if c.Direction == "" {
		c.Direction = DirectionOutbound
	}
	if c.Channel == ChannelMeeting && c.Outcome == OutcomeNone {
		c.Outcome = OutcomeLive
	}
	c.Live = c.IsLive()
}

// Validate checks the conversation after Normalize; now bounds how far in
// the future it may be dated (a little clock skew is forgiven).
func (c *Conversation) Validate(now time.Time) error {
	fe := FieldErrors{}
	valid := false
	for _, ch := range Channels {
		valid = valid || ch == c.Channel
	}
	if !valid {
		fe.Add("channel", "Choose call, text, email, meeting, social or event.")
	}
	if c.Direction != DirectionOutbound && c.Direction != DirectionInbound {
		fe.Add("direction", "Choose outbound or inbound.")
	}
	if !c.Outcome.Valid() {
		fe.Add("outcome", "Choose how it ended.")
	} else if c.Channel == ChannelCall && c.Outcome == OutcomeNone {
		fe.Add("outcome", "Choose how the call ended.")
	}
	validTemp := c.Temperature == TempNone
	for _, t := range Temperatures {
		validTemp = validTemp || t == c.Temperature
	}
	if !validTemp {
		fe.Add("temperature", "Choose hot, warm, cool or cold.")
	}
	if c.DurationSeconds < 0 || c.DurationSeconds > 12*3600 {
		fe.Add("duration", "Use a duration between 0 and 720 minutes.")
	}
	if len(c.Notes) > 20000 {
		fe.Add("notes", "Keep the notes under 20,000 characters.")
	}
	if len(c.NextStep) > 500 {
		fe.Add("next_step", "Keep the next step under 500 characters.")
	}
	if c.OccurredAt.IsZero() {
		fe.Add("occurred_at", "Say when it happened.")
	} else if c.OccurredAt.After(now.Add(10 * time.Minute)) {
		fe.Add("occurred_at", "A conversation cannot be logged in the future.")
	}
	return fe.Err()
}
