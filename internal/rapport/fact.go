package rapport

import (
	"strings"
	"time"
)

// FactType says what a fact tells us about a person.
type FactType string

const (
	FactPassion    FactType = "passion"
	FactInterest   FactType = "interest"
	FactFear       FactType = "fear"
	FactMotivation FactType = "motivation"
	FactFamily     FactType = "family"
	FactLifeStage  FactType = "life_stage"
	FactPreference FactType = "preference"
	FactOther      FactType = "other"
)

// FactTypes lists every type in the order a person's story shows them.
var FactTypes = []FactType{FactPassion, FactInterest, FactFear, FactMotivation, FactFamily,
	FactLifeStage, FactPreference, FactOther}

// EssentialFactTypes are what we most want to know about everyone: what
// they love, what worries them, and why now.
var EssentialFactTypes = []FactType{FactPassion, FactFear, FactMotivation}

// Valid reports whether t is a known fact type.
func (t FactType) Valid() bool {
	for _, v := range FactTypes {
		if v == t {
			return true
		}
	}
	return false
}

// Label is the type's name for people.
func (t FactType) Label() string {
	switch t {
	case FactPassion:
		return "Passions"
	case FactInterest:
		return "Interests"
	case FactFear:
		return "Fears and concerns"
	case FactMotivation:
		return "Motivation (why now)"
	case FactFamily:
		return "Family"
	case FactLifeStage:
		return "Life stage"
	case FactPreference:
		return "Preferences"
	case FactOther:
		return "Other"
	}
	return string(t)
}

// Short is the type's one-word name, for pickers.
func (t FactType) Short() string {
	switch t {
	case FactFear:
		return "Fear"
	case FactLifeStage:
		return "Life stage"
	case FactMotivation:
		return "Motivation"
	}
	return strings.ToUpper(string(t[:1])) + string(t[1:])
}

// Fact is one thing we learned about a person, with where it came from.
type Fact struct {
	ID             int64     `bun:"id,pk,autoincrement"`
	OrgID          int64     `bun:"org_id"`
	PersonID       int64     `bun:"person_id"`
	Type           FactType  `bun:"type"`
	Text           string    `bun:"text"`
	LearnedAt      time.Time `bun:"learned_at"`
	ConversationID int64     `bun:"conversation_id,nullzero"`
	UserID         int64     `bun:"user_id,nullzero"`
	// Source says where a fact no conversation taught came from ("Imported
	// from contacts.csv").
	Source    string    `bun:"source"`
	CreatedAt time.Time `bun:"created_at"`
	// OnDate is the day the fact is about, when it has one ("lease ends
	// May 31"); RemindDays how many days before it Today brings the person.
	OnDate     Day `bun:"on_date"`
	RemindDays int `bun:"remind_days"`
}

// DefaultRemindDays is how early a dated fact brings the person to Today
// when no one said.
const DefaultRemindDays = 14

// RemindFrom is the day Today starts bringing the person for a dated
// fact ("" for a fact without a date).
func (f *Fact) RemindFrom() Day {
	if f.OnDate.IsZero() {
		return ""
	}
	return f.OnDate.AddDays(-f.RemindDays)
}

// Validate checks a fact after trimming its text.
func (f *Fact) Validate() error {
	f.Text = strings.TrimSpace(f.Text)
	fe := FieldErrors{}
	if !f.Type.Valid() {
		fe.Add("type", "Choose what kind of fact this is.")
	}
	if !f.OnDate.IsZero() {
		if d, err := ParseDay(strings.TrimSpace(string(f.OnDate))); err != nil {
			fe.Add("on_date", "Use a date such as 2027-05-31, or leave it empty.")
		} else {
			f.OnDate = d
		}
	}
	if f.RemindDays < 0 || f.RemindDays > 90 {
		fe.Add("remind_days", "Bring them to Today from 0 to 90 days before the date.")
	}
	if f.Text == "" {
		fe.Add("text", "Write what you learned.")
	} else if len(f.Text) > 2000 {
		fe.Add("text", "Keep a fact under 2,000 characters.")
	}
	return fe.Err()
}

// FactGroup is a person's facts of one type, newest first.
type FactGroup struct {
	Type  FactType
	Facts []Fact
}

// GroupFacts groups facts by type in FactTypes order, keeping each group's
// order as given.
func GroupFacts(facts []Fact) []FactGroup {
	var out []FactGroup
	for _, t := range FactTypes {
		var g []Fact
		for _, f := range facts {
			if f.Type == t {
				g = append(g, f)
			}
		}
		if len(g) > 0 {
			out = append(out, FactGroup{Type: t, Facts: g})
		}
	}
	return out
}

// Distinct leaves out facts that repeat an earlier one of the same type
// word for word (a card shows what is known, once).
func Distinct(facts []Fact) []Fact {
	seen := map[string]bool{}
	out := facts[:0:0]
	for _, f := range facts {
		k := string(f.Type) + "\x00" + strings.ToLower(strings.TrimSpace(f.Text))
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return out
}

// Question is an open question that would uncover an unknown kind of fact.
type Question struct {
	Type FactType
	Text string
}

// suggestedQuestions are open questions: they invite a story rather than
// a yes or no.
var suggestedQuestions = map[bool]map[FactType]string{
	false: { // clients, leads, sphere
		FactPassion:    "What do you love doing when you're not thinking about houses?",
		FactFear:       "What worries you most about making this move?",
		FactMotivation: "What made now feel like the right time to start looking?",
	},
	true: { // agents we are recruiting
		FactPassion:    "What do you love most about this business, and what do you do to recharge?",
		FactFear:       "What would worry you about making a change, if you ever did?",
		FactMotivation: "Where do you want your business to be in three years, and what would make that easier?",
	},
}

// UnknownEssentials returns, for each essential fact type with no fact yet,
// a suggested open question to ask.
func UnknownEssentials(kind Kind, facts []Fact) []Question {
	known := map[FactType]bool{}
	for _, f := range facts {
		known[f.Type] = true
	}
	var out []Question
	for _, t := range EssentialFactTypes {
		if !known[t] {
			out = append(out, Question{Type: t, Text: suggestedQuestions[kind == KindRecruit][t]})
		}
	}
	return out
}
