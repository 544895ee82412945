package rapport

import (
	"strings"
	"time"
)

// ValidIdempotencyKey reports whether k may key a logged conversation: 8 to
// 64 letters, digits, hyphens or underscores (a UUID made on the phone, in
// practice). The key only has to be unique within the organisation.
func ValidIdempotencyKey(k string) bool {
	if len(k) < 8 || len(k) > 64 {
		return false
	}
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Seen is what a conversation form knew of its person when it was shown:
// the person's version and owner, and when the page was made (the
// server's clock). A log written offline is sent later with it, so that
// what others did to the person in between can be told to the user.
type Seen struct {
	Version int64
	OwnerID int64
	At      time.Time
}

// Change kinds: what someone else did to a person while a log waited.
const (
	ChangeStage        = "stage"
	ChangeConversation = "conversation"
	ChangeArchived     = "archived"
	ChangeOwner        = "owner"
	ChangeEdited       = "edited"
)

// PersonChange is one thing someone else did to a person after a form
// about them was shown, in a sentence ("Dana Whit was moved to Under
// contract by Sam Lee.").
type PersonChange struct {
	Kind string    `json:"kind"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// ChangeText words a change: "<person> <what>[ by <who>]."
func ChangeText(person, what, by string) string {
	s := person + " " + what
	if by = strings.TrimSpace(by); by != "" {
		s += " by " + by
	}
	return s + "."
}
