package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// CreateUser adds a user to the actor's organisation. PasswordHash must
// already be set. Owners and managers add users, of the roles they may
// grant (rapport.Role.Grants).
func (db *DB) CreateUser(ctx context.Context, act rapport.Actor, u *rapport.User) error {
	if !act.Runs() {
		return rapport.ErrNotManager
	}
	if act.User != 0 && u.Role.Valid() && !act.Role.Grants(u.Role) {
		return invalidField("role", "Only an owner can add another owner.")
	}
	u.OrgID = act.Org
	err := db.tx(ctx, func(tx bun.Tx) error {
		if err := db.insertUser(ctx, tx, u); err != nil {
			return err
		}
		return db.audit(ctx, tx, u.OrgID, act.User, AuditCreate, "user", u.ID, u.Email+" ("+string(u.Role)+")")
	})
	if err == nil {
		db.teamChanged(ctx, u.OrgID)
	}
	return err
}

func (db *DB) insertUser(ctx context.Context, tx bun.Tx, u *rapport.User) error {
	u.Normalize()
	if err := u.Validate(); err != nil {
		return err
	}
	if u.PasswordHash == "" {
		return rapport.Errorf(rapport.EINVALID, "a user needs a password")
	}
	u.CreatedAt = db.now().UTC()
	if u.AlertEmail == "" && u.AlertPush == "" {
		u.SetAlerts(rapport.DefaultAlerts())
	}
	if _, err := tx.NewInsert().Model(u).Returning("id").Exec(ctx); err != nil {
		if db.isForeignKey(err) {
			return rapport.NotFound("organisation")
		}
		return db.conflict(err, "email", "A user with this email address already exists.")
	}
	return nil
}

// UsersByEmail finds the accounts with an email address, in every
// organisation, for signing in (the password says which is meant), oldest
// first.
func (db *DB) UsersByEmail(ctx context.Context, email string) ([]rapport.User, error) {
	e, err := rapport.NormalizeEmail(email)
	if err != nil {
		return nil, nil
	}
	var us []rapport.User
	err = db.ro.NewSelect().Model(&us).Where("email = ?", e).Order("id").Scan(ctx)
	return us, err
}

// MemberByEmail finds the organisation's user with an email address.
func (db *DB) MemberByEmail(ctx context.Context, act rapport.Actor, email string) (*rapport.User, error) {
	orgID := act.Org
	e, err := rapport.NormalizeEmail(email)
	if err != nil {
		return nil, rapport.NotFound("user")
	}
	u := new(rapport.User)
	err = db.ro.NewSelect().Model(u).Where("org_id = ? AND email = ?", orgID, e).Scan(ctx)
	return u, notFound(err, "user")
}

// User returns a user of the organisation.
func (db *DB) User(ctx context.Context, act rapport.Actor, id int64) (*rapport.User, error) {
	orgID := act.Org
	m, key := memoFrom(ctx), userKey{orgID, id}
	if v, ok := m.recall(key); ok {
		u := v.(rapport.User)
		return &u, nil
	}
	u := new(rapport.User)
	if err := db.readOne(ctx, db.ro, u, readUser, orgID, id); err != nil {
		return u, notFound(err, "user")
	}
	m.keep(key, *u)
	return u, nil
}

// Users lists the organisation's users by name.
func (db *DB) Users(ctx context.Context, act rapport.Actor) ([]rapport.User, error) {
	orgID := act.Org
	m := memoFrom(ctx)
	if v, ok := m.recall(teamKey(orgID)); ok {
		return slices.Clone(v.([]rapport.User)), nil
	}
	var us []rapport.User
	if err := db.readAll(ctx, db.ro, &us, readTeam, orgID); err != nil {
		return nil, err
	}
	m.keep(teamKey(orgID), slices.Clone(us))
	return us, nil
}

// rosterColumns are what a page shows of the team: who each user is, by
// name, and whether they are still active (DisplayName, Active, Role).
var rosterColumns = []string{"id", "org_id", "email", "name", "role", "disabled_at"}

// rosterTTL is how long Roster reuses what it read. A change made through
// this store forgets it at once, here and, on a shared PostgreSQL, on
// every server (teamChanged); the TTL is the backstop for another process
// on the same SQLite file (rapport's own commands).
const rosterTTL = 30 * time.Second

// testHookRosterRead, when set, runs in Roster between reading and keeping:
// where a change committing meanwhile would land.
var testHookRosterRead func()

// Roster is an organisation's team as pages show it, shared by every
// request until the team changes: read it, never change it.
type Roster struct {
	// Users are everyone, by name, with their rosterColumns only; Active
	// those who can sign in; Names every user's DisplayName by id.
	Users, Active []rapport.User
	Names         map[int64]string
	// ActiveWords are the words of each of Active's names, folded
	// (rapport.Fold), for finding someone by what is typed.
	ActiveWords [][]string
	at          time.Time
	// byID is where each user is in Users.
	byID map[int64]int
}

// User returns the user id (with rosterColumns only), if they are of the
// organisation.
func (r *Roster) User(id int64) (rapport.User, bool) {
	i, ok := r.byID[id]
	if !ok {
		return rapport.User{}, false
	}
	return r.Users[i], true
}

// Roster returns the organisation's team: for the pages that name users
// or offer them as owners, nearly every page. It is kept between requests
// (rosterTTL), as it grows with the team (a brokerage of 2,000 agents
// read 2,000 users on every person page) and changes only when someone
// joins, leaves, is renamed or given another role — each of which calls
// teamChanged.
func (db *DB) Roster(ctx context.Context, act rapport.Actor) (*Roster, error) {
	orgID := act.Org
	now := db.now()
	if v, ok := db.rosters.Load(orgID); ok {
		if r := v.(*Roster); now.Sub(r.at) < rosterTTL && !r.at.After(now) {
			return r, nil
		}
	}
	gen := db.forgets.Load() // before reading: see keep
	var us []rapport.User
	if err := db.readAll(ctx, db.ro, &us, readRoster, orgID); err != nil {
		return nil, err
	}
	r := &Roster{Users: us, Names: make(map[int64]string, len(us)), at: now, byID: make(map[int64]int, len(us))}
	for i, u := range us {
		r.byID[u.ID] = i
		r.Names[u.ID] = u.DisplayName()
		if u.Active() {
			r.Active = append(r.Active, u)
			r.ActiveWords = append(r.ActiveWords, strings.Fields(rapport.Fold(u.Name)))
		}
	}
	if testHookRosterRead != nil {
		testHookRosterRead()
	}
	db.keep(&db.rosters, orgID, r, gen)
	return r, nil
}

// UpdateUserSettings saves a user's own settings: name, time zone, weekly
// goal and Today's size.
func (db *DB) UpdateUserSettings(ctx context.Context, act rapport.Actor, u *rapport.User) error {
	if act.User != 0 && act.User != u.ID && !act.Runs() {
		return rapport.ErrNotManager
	}
	u.OrgID = act.Org
	u.Name = trim(u.Name)
	if err := u.ValidateSettings(); err != nil {
		return err
	}
	res, err := db.rw.NewUpdate().Model(u).Column("name", "tz", "weekly_goal", "today_size", "attempt_target", "connect_target", "appointment_target", "new_people_target", "referral_target").
		Where("org_id = ? AND id = ?", u.OrgID, u.ID).Exec(ctx)
	if err := affected(res, err, "user"); err != nil {
		return err
	}
	db.teamChanged(ctx, u.OrgID) // a name, perhaps
	return nil
}

// SetPassword replaces a user's password hash and ends their other
// sessions (all of them when keepSession is empty).
func (db *DB) SetPassword(ctx context.Context, act rapport.Actor, userID int64, hash string, keepSession string) error {
	orgID := act.Org
	return db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("users").Set("password_hash = ?", hash).
			Where("org_id = ? AND id = ?", orgID, userID).Exec(ctx)
		if err := affected(res, err, "user"); err != nil {
			return err
		}
		_, err = tx.NewDelete().Table("sessions").Where("org_id = ? AND user_id = ? AND id <> ?", orgID, userID, keepSession).Exec(ctx)
		return err
	})
}

// Session is a signed-in browser. ID is the SHA-256 of the cookie's token,
// so a leaked database does not leak usable sessions.
type Session struct {
	ID         string    `bun:"id,pk"`
	OrgID      int64     `bun:"org_id"`
	UserID     int64     `bun:"user_id"`
	CreatedAt  time.Time `bun:"created_at"`
	LastSeenAt time.Time `bun:"last_seen_at"`
	ExpiresAt  time.Time `bun:"expires_at"`
	UserAgent  string    `bun:"user_agent"`
	IP         string    `bun:"ip"`
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s *Session) error {
	_, err := db.rw.NewInsert().Model(s).Exec(ctx)
	return err
}

// SessionUser returns a live session with its user and organisation.
func (db *DB) SessionUser(ctx context.Context, id string) (*Session, *rapport.User, *rapport.Org, error) {
	r := new(sessionRow)
	err := db.readOne(ctx, db.ro, r, readSession, id, db.now().UTC())
	if err != nil {
		return nil, nil, nil, notFound(err, "session")
	}
	if r.User == nil || r.Org == nil || !r.User.DisabledAt.IsZero() {
		return nil, nil, nil, rapport.NotFound("session")
	}
	// Kept for the request, as User and Org keep what they read.
	m := memoFrom(ctx)
	m.keep(userKey{r.OrgID, r.UserID}, *r.User)
	m.keep(orgKey(r.OrgID), *r.Org)
	return &r.Session, r.User, r.Org, nil
}

// sessionRow is a session read with its user and organisation
// (readSession).
type sessionRow struct {
	bun.BaseModel `bun:"table:sessions,alias:session"`
	Session
	User *rapport.User `bun:"rel:belongs-to,join:user_id=id"`
	Org  *rapport.Org  `bun:"rel:belongs-to,join:org_id=id"`
}

// TouchSession extends a session that is in use.
func (db *DB) TouchSession(ctx context.Context, id string, seen, expires time.Time) error {
	_, err := db.rw.NewUpdate().Table("sessions").Set("last_seen_at = ?, expires_at = ?", seen.UTC(), expires.UTC()).
		Where("id = ?", id).Exec(ctx)
	return err
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	_, err := db.rw.NewDelete().Table("sessions").Where("id = ?", id).Exec(ctx)
	return err
}

// DeleteUserSessions ends every session of a user ("sign out
// everywhere"), logged in the audit log, and returns how many there were.
// Their devices' alerts end too.
func (db *DB) DeleteUserSessions(ctx context.Context, act rapport.Actor, userID int64) (int64, error) {
	orgID := act.Org
	var n int64
	err := db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewDelete().Table("sessions").Where("org_id = ? AND user_id = ?", orgID, userID).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		// A lost phone signed out gets no more alerts either.
		if _, err := tx.NewDelete().Table("push_subscriptions").Where("org_id = ? AND user_id = ?", orgID, userID).Exec(ctx); err != nil {
			return err
		}
		return db.audit(ctx, tx, orgID, userID, AuditSignOut, "user", userID, fmt.Sprintf("signed out everywhere: %d sessions ended", n))
	})
	return n, err
}

// DeleteExpiredSessions removes sessions past their expiry.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := db.rw.NewDelete().Table("sessions").Where("expires_at <= ?", db.now().UTC()).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
