package rapport

import (
	"regexp"
	"strings"
	"time"
)

// FollowUpKind is what the follow-up will be.
type FollowUpKind string

const (
	FollowUpCall    FollowUpKind = "call"
	FollowUpText    FollowUpKind = "text"
	FollowUpEmail   FollowUpKind = "email"
	FollowUpMeeting FollowUpKind = "meeting"
)

// FollowUpKinds lists every kind in picker order.
var FollowUpKinds = []FollowUpKind{FollowUpCall, FollowUpText, FollowUpEmail, FollowUpMeeting}

// Owes says who made the promise.
type Owes string

const (
	// OwesMe is a promise the user made ("I will call her back in two weeks").
	OwesMe Owes = "me"
	// OwesThem is a promise the person made ("she will send her list").
	OwesThem Owes = "them"
)

// FollowUpStatus is where a follow-up stands.
type FollowUpStatus string

const (
	FollowUpOpen      FollowUpStatus = "open"
	FollowUpDone      FollowUpStatus = "done"
	FollowUpCancelled FollowUpStatus = "cancelled"
)

// FollowUp is a dated next step or promise.
type FollowUp struct {
	ID             int64        `bun:"id,pk,autoincrement"`
	OrgID          int64        `bun:"org_id"`
	PersonID       int64        `bun:"person_id"`
	UserID         int64        `bun:"user_id"`
	ConversationID int64        `bun:"conversation_id,nullzero"`
	Kind           FollowUpKind `bun:"kind"`
	Owes           Owes         `bun:"owes"`
	DueOn          Day          `bun:"due_on"`
	// DueTime is "HH:MM" in the user's zone, for meetings; empty for a day.
	DueTime     string         `bun:"due_time"`
	Note        string         `bun:"note"`
	Status      FollowUpStatus `bun:"status"`
	CreatedBy   int64          `bun:"created_by,nullzero"`
	CreatedAt   time.Time      `bun:"created_at"`
	DoneAt      time.Time      `bun:"done_at,nullzero"`
	CancelledAt time.Time      `bun:"cancelled_at,nullzero"`

	// Person is filled in by lists that show who the follow-up is with.
	Person *PersonRef `bun:"-"`
}

// Open reports whether the follow-up is still to be done.
func (f *FollowUp) Open() bool { return f.Status == FollowUpOpen }

// Overdue reports whether an open follow-up's day has passed.
func (f *FollowUp) Overdue(today Day) bool { return f.Open() && f.DueOn < today }

// DueToday reports whether an open follow-up falls due today.
func (f *FollowUp) DueToday(today Day) bool { return f.Open() && f.DueOn == today }

// Label describes the follow-up in a few words.
func (f *FollowUp) Label() string {
	if f.Owes == OwesThem {
		if f.Note != "" {
			return "They promised: " + f.Note
		}
		return "They promised to get back to you"
	}
	verb := map[FollowUpKind]string{FollowUpCall: "Call", FollowUpText: "Text", FollowUpEmail: "Email", FollowUpMeeting: "Meet"}[f.Kind]
	if f.Note != "" {
		return verb + ": " + f.Note
	}
	return verb
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Normalize trims the note and applies defaults.
func (f *FollowUp) Normalize() {
	f.Note = strings.TrimSpace(f.Note)
	f.DueTime = strings.TrimSpace(f.DueTime)
	if f.Kind == "" {
		f.Kind = FollowUpCall
	}
	if f.Owes == "" {
		f.Owes = OwesMe
	}
	if f.Status == "" {
		f.Status = FollowUpOpen
	}
}

// Validate checks a follow-up after Normalize.
func (f *FollowUp) Validate() error {
	fe := FieldErrors{}
	okKind := false
	for _, k := range FollowUpKinds {
		okKind = okKind || k == f.Kind
	}
	if !okKind {
		fe.Add("kind", "Choose call, text, email or meeting.")
	}
	if f.Owes != OwesMe && f.Owes != OwesThem {
		fe.Add("owes", "Say who promised: you or them.")
	}
	if _, err := ParseDay(string(f.DueOn)); err != nil {
		fe.Add("due", "Choose when it is due.")
	}
	if f.DueTime != "" && !hhmm.MatchString(f.DueTime) {
		fe.Add("due_time", "Use a time such as 09:30 or 17:00.")
	}
	if f.Owes == OwesThem && f.Note == "" {
		fe.Add("note", "Say what they promised, e.g. “send her list of agents”.")
	}
	if len(f.Note) > 1000 {
		fe.Add("note", "Keep the note under 1,000 characters.")
	}
	return fe.Err()
}

// DuePick is a quick choice of when a follow-up falls due.
type DuePick struct {
	Key   string
	Label string
}

// DuePicks are the quick picks offered wherever a next step is set.
var DuePicks = []DuePick{
	{"tomorrow", "Tomorrow"},
	{"2d", "2 days"},
	{"1w", "1 week"},
	{"2w", "2 weeks"},
	{"1m", "1 month"},
	{"date", "A date"},
}

// DueFromPick turns a quick pick into a day, counting from today. For the
// "date" pick, date is the day chosen.
func DueFromPick(pick string, today Day, date string) (Day, error) {
	switch pick {
	case "tomorrow":
		return today.AddDays(1), nil
	case "2d":
		return today.AddDays(2), nil
	case "1w":
		return today.AddDays(7), nil
	case "2w":
		return today.AddDays(14), nil
	case "1m":
		return today.AddMonths(1), nil
	case "date", "":
		if strings.TrimSpace(date) == "" {
			return "", Errorf(EINVALID, "Choose a date.")
		}
		d, err := ParseDay(date)
		if err != nil {
			return "", Errorf(EINVALID, "Use a date such as %s.", today.AddDays(14))
		}
		return d, nil
	}
	return "", Errorf(EINVALID, "Choose when it is due.")
}

// KeptBy reports whether conversation c keeps this promise of the user's,
// when the promise is due on or before today. A call promise is kept by a
// conversation that connected; a text or email promise also by sending
// one; a meeting only by a meeting. An unanswered call does not keep a
// promise: the person stays on Today until someone talks to them.
func (f *FollowUp) KeptBy(c *Conversation, today Day) bool {
	if !f.Open() || f.Owes != OwesMe || f.DueOn > today {
		return false
	}
	sent := func(ch Channel) bool { return c.Channel == ch && c.Direction == DirectionOutbound }
	switch f.Kind {
	case FollowUpMeeting:
		return c.Channel == ChannelMeeting
	case FollowUpText:
		return sent(ChannelText) || c.IsLive()
	case FollowUpEmail:
		return sent(ChannelEmail) || c.IsLive()
	}
	return c.IsLive()
}

// ContextCard is what to know before calling someone: their story, the last
// conversation, open promises both ways, and a question for each essential
// thing still unknown.
type ContextCard struct {
	Facts            []FactGroup
	Questions        []Question
	LastConversation *Conversation
	Promises         []FollowUp
	// LastEvent is what a lead source last told us they did.
	LastEvent *Event
}
