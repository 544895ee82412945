package store

import (
	"context"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// ReportScope is whose figures a report covers and the time zone its
// weeks are counted in.
type ReportScope struct {
	Users []rapport.User
	// Member is the one member an owner or manager asked for (nil: the
	// actor's own figures, or the team's).
	Member *rapport.User
	Team   bool
	// Loc is the zone of the report's weeks: rapport.ReportZone.
	Loc *time.Location
	// Members are the other active members an owner or manager may
	// choose from, by name.
	Members []rapport.User
}

// ReportScope resolves whose figures a report for the actor covers: their
// own (memberID 0 or their own id), one member's (memberID), or every
// active member's (team; a member named wins). Only owners and managers
// see another member's or the team's (rapport.ErrNotFigures otherwise);
// a member of another organisation is not found. The web review and the
// API's reports both take their scope from here.
func (db *DB) ReportScope(ctx context.Context, act rapport.Actor, memberID int64, team bool) (*ReportScope, error) {
	if memberID == act.User {
		memberID = 0
	}
	if (team || memberID != 0) && !act.Runs() {
		return nil, rapport.ErrNotFigures
	}
	org, me, err := db.member(ctx, act)
	if err != nil {
		return nil, err
	}
	sc := &ReportScope{Users: []rapport.User{*me}, Loc: rapport.ReportZone(org, me, nil)}
	if !act.Runs() {
		return sc, nil
	}
	users, err := db.Users(ctx, act)
	if err != nil {
		return nil, err
	}
	var active []rapport.User
	for _, u := range users {
		if u.Active() {
			active = append(active, u)
			if u.ID != act.User {
				sc.Members = append(sc.Members, u)
			}
		}
	}
	switch {
	case memberID != 0:
		u, err := db.User(ctx, act, memberID)
		if err != nil {
			return nil, err
		}
		sc.Users, sc.Member, sc.Loc = []rapport.User{*u}, u, rapport.ReportZone(org, me, u)
	case team:
		sc.Users, sc.Team = active, true
	}
	return sc, nil
}
