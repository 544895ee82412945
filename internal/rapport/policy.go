package rapport

import "time"

// Who is acting, and what they may do. The rules here are pure: they
// read an Actor, a role or a user and answer. Rules that need data (is
// this person theirs? may they see that member's figures?) are enforced
// by the store methods, which take the Actor first and answer not found
// or forbidden; web and api only decode, call and encode.

// Actor is who is acting in an organisation. A member — a signed-in user
// or an API key's user — is made with Member, which fills in their role
// and what the organisation lets them see. The organisation's own work
// (an import run for the user who uploaded it, a sweep, the demo) is a
// literal: Actor{Org: id} or Actor{Org: id, User: uploader}, with no role
// and no visibility limit. Every organisation-scoped store method takes
// one first, so that an organisation, a user and a person can never be
// swapped for one another.
type Actor struct {
	Org  int64
	User int64
	Role Role
	// Only is the owner whose people alone the actor sees and changes:
	// the organisation's visibility policy applied to the actor (0:
	// everyone's).
	Only int64
}

// Member is u acting in o.
func Member(o *Org, u *User) Actor {
	return Actor{Org: o.ID, User: u.ID, Role: u.Role, Only: o.OnlyOwner(u)}
}

// Manages reports whether the role runs the organisation: adds users,
// changes settings, edits the playbook, sees everyone's figures.
func (r Role) Manages() bool { return r == RoleOwner || r == RoleManager }

// Manages reports whether the actor is an owner or a manager.
func (a Actor) Manages() bool { return a.Role.Manages() }

// Runs reports whether the actor may run the organisation: an owner, a
// manager, or the organisation's own work (no user). The store checks it
// before team, settings, routing, held-lead, audit and playbook changes.
func (a Actor) Runs() bool { return a.User == 0 || a.Role.Manages() }

// Owns reports whether the actor may do what only owners do (change who
// sees whose people, change roles): an owner, or the organisation's own
// work.
func (a Actor) Owns() bool { return a.User == 0 || a.Role == RoleOwner }

// Sees reports whether the actor may see and change a person owned by
// ownerID (0: no one).
func (a Actor) Sees(ownerID int64) bool { return a.Only == 0 || a.Only == ownerID }

// SeesImport reports whether the actor may see an import uploaded by
// uploaderID: where people are private to their owner, an agent sees only
// their own files, which name people they may not see.
func (a Actor) SeesImport(uploaderID int64) bool { return a.Only == 0 || a.Only == uploaderID }

// SeesFiguresOf reports whether the actor may see another member's
// figures (review, funnel, objections, drills) or the team's: owners and
// managers see anyone's, everyone sees their own.
func (a Actor) SeesFiguresOf(userID int64) bool { return userID == a.User || a.Runs() }

// The forbidden answers of the rules above, worded for people.
var (
	ErrNotManager = Errorf(EFORBIDDEN, "Only owners and managers can do that.")
	ErrNotEditor  = Errorf(EFORBIDDEN, "Only owners and managers can change the playbook.")
	ErrNotFigures = Errorf(EFORBIDDEN, "Only owners and managers can see another user's or the team's figures.")
	ErrNotPlacer  = Errorf(EFORBIDDEN, "Only owners and managers can see and place held events.")
)

// ReportZone is the time zone a report's weeks are counted in. One
// member's figures are counted in that member's own zone — their Monday
// is the week they worked, whoever reads it, as their goals and streaks
// are counted — and the team's, which has no one zone, in the reader's.
// The web review and the API's reports both use this rule.
func ReportZone(org *Org, reader *User, member *User) *time.Location {
	if member != nil {
		return member.Location(org)
	}
	return reader.Location(org)
}
