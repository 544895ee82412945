package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// Sign-in throttling, after OWASP's device cookies: a browser that has
// signed in as a user before carries a device token and is throttled on
// its own, so that no stranger can keep a user out of their own browser.
// Every attempt counts against two keys, before the password is checked
// and atomically (so a burst of guesses cannot all slip in under the
// limit): the address it comes from, whatever the account; and either
// the device (a known browser of that account) or the account's unknown
// browsers together. Reaching a key's limit locks it, for longer at each
// further lockout, up to a day; a locked key refuses the attempt before
// the password is looked at.
const (
	ThrottleWindow  = 15 * time.Minute
	maxThrottleLock = 24 * time.Hour
	// DeviceTTL is how long a browser stays known without signing in.
	DeviceTTL = 365 * 24 * time.Hour
)

// throttleRule is what a kind of key allows: limit attempts, then a lock
// of lock, doubling at each further lockout.
type throttleRule struct {
	scope string
	limit int
	lock  time.Duration
}

var (
	// A known browser: five tries, then fifteen minutes.
	deviceRule = throttleRule{"device:", 5, 15 * time.Minute}
	// An account's unknown browsers: slowed early (a minute after the
	// third failure, then two, four…), since that is where guessing comes
	// from; they lock only themselves.
	strangerRule = throttleRule{"stranger:", 3, time.Minute}
	// An address: twenty tries at any accounts, then fifteen minutes.
	addressRule = throttleRule{"address:", 20, 15 * time.Minute}
	// A signed-in user confirming their password (to change it).
	confirmRule = throttleRule{"confirm:", 5, 15 * time.Minute}
	// An address asking for reset links ("forgot your password?"): five,
	// then fifteen minutes, so that no one floods people's mailboxes.
	forgotRule = throttleRule{"forgot:", 5, 15 * time.Minute}
	// A contacts app signing in to an account's address book with an app
	// password: ten tries, then fifteen minutes. Its own key, so that a
	// forgotten tablet with a revoked password keeps no one out of the
	// web pages.
	appRule = throttleRule{"app:", 10, 15 * time.Minute}
)

// BeginForgot counts a request for a reset link from address; a locked
// address gets the time it may ask again, and the request is not made.
func (db *DB) BeginForgot(ctx context.Context, address string) (time.Time, error) {
	return db.countAttempt(ctx, []throttleRule{forgotRule}, []string{forgotRule.scope + address})
}

// AppSignIn is how an app's sign-in as an account stands before its
// password is checked: Locked is when it may try again (zero: check the
// password, then settle with AppSignInSucceeded or AppSignInFailed).
type AppSignIn struct {
	Locked  time.Time
	key     string
	address string
	// failed: the account's app sign-ins have failures to clear.
	failed bool
}

// BeginAppSignIn reads, without counting it, whether an app's sign-in as
// email from address is locked out. App passwords are long random
// secrets, checked by one indexed look-up, so only the failures are
// counted (with the address's, as any sign-in's): a phone that syncs
// every few minutes writes nothing.
func (db *DB) BeginAppSignIn(ctx context.Context, email, address string) (*AppSignIn, error) {
	a := &AppSignIn{key: appRule.scope + strings.ToLower(strings.TrimSpace(email)), address: addressRule.scope + address}
	var rows []throttleRow
	if err := db.ro.NewSelect().Model(&rows).Where("key IN (?)", bun.List([]string{a.key, a.address})).Scan(ctx); err != nil {
		return nil, err
	}
	now := db.now()
	for _, r := range rows {
		// Only the client's address locks: app passwords are random and
		// long, so guessing one is hopeless, and a lock on the account
		// would let anyone who knows the email shut its phones out.
		if r.Key == a.address && r.LockedUntil.After(now) && r.LockedUntil.After(a.Locked) {
			a.Locked = r.LockedUntil
		}
		if r.Key == a.key && r.Failures > 0 {
			a.failed = true
		}
	}
	return a, nil
}

// AppSignInFailed counts a failed app sign-in against the address and
// the account's app sign-ins, and says until when they are locked now.
func (db *DB) AppSignInFailed(ctx context.Context, a *AppSignIn) (time.Time, error) {
	until, err := db.countAttempt(ctx, []throttleRule{addressRule}, []string{a.address})
	if err != nil || !until.IsZero() {
		return until, err
	}
	return db.SignInFailed(ctx, &SignInTicket{keys: []string{a.address}})
}

// AppSignInSucceeded clears the account's app sign-in failures, if it
// had any.
func (db *DB) AppSignInSucceeded(ctx context.Context, a *AppSignIn) error {
	if !a.failed {
		return nil
	}
	_, err := db.rw.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", a.key).Exec(ctx)
	return err
}

// SignInAttempt says who is trying to sign in: the account's email, the
// client's address, and the browser's device token when it has one.
type SignInAttempt struct {
	Email, Address, DeviceToken string
}

// SignInTicket is a counted attempt, to be settled when the password has
// been checked.
type SignInTicket struct {
	keys []string
	// account is the device or stranger key, cleared by a success.
	account string
	address string
	// Device is set when the attempt came from a known browser of the
	// account.
	Device bool
}

type throttleRow struct {
	bun.BaseModel `bun:"table:signin_throttle"`
	Key           string    `bun:"key,pk"`
	Failures      int       `bun:"failures"`
	FirstAt       time.Time `bun:"first_at"`
	LockedUntil   time.Time `bun:"locked_until,nullzero"`
}

// deviceRow is a browser that has signed in as a user.
type deviceRow struct {
	bun.BaseModel `bun:"table:signin_devices"`
	TokenHash     string    `bun:"token_hash,pk"`
	OrgID         int64     `bun:"org_id"`
	UserID        int64     `bun:"user_id"`
	CreatedAt     time.Time `bun:"created_at"`
	UsedAt        time.Time `bun:"used_at"`
}

// BeginSignIn counts an attempt against its keys and says until when it
// is locked out (zero: check the password, then call SignInSucceeded or
// SignInFailed with the ticket).
func (db *DB) BeginSignIn(ctx context.Context, a SignInAttempt) (*SignInTicket, time.Time, error) {
	email := strings.ToLower(strings.TrimSpace(a.Email))
	t := &SignInTicket{address: addressRule.scope + a.Address}
	rules := []throttleRule{addressRule}
	if a.DeviceToken != "" {
		hash := auth.HashToken(a.DeviceToken)
		var owner string
		err := db.ro.NewSelect().TableExpr("signin_devices AS d").Join("JOIN users AS u ON u.org_id = d.org_id AND u.id = d.user_id").
			ColumnExpr("u.email").Where("d.token_hash = ? AND d.used_at > ?", hash, db.now().UTC().Add(-DeviceTTL)).Scan(ctx, &owner)
		if err == nil && strings.EqualFold(owner, email) {
			t.Device, t.account = true, deviceRule.scope+hash
			rules = append(rules, deviceRule)
		} else if err != nil && rapport.ErrorCode(notFound(err, "device")) != rapport.ENOTFOUND {
			return nil, time.Time{}, err
		}
	}
	if !t.Device {
		t.account = strangerRule.scope + email
		rules = append(rules, strangerRule)
	}
	t.keys = []string{t.address, t.account}
	until, err := db.countAttempt(ctx, rules, []string{t.address, t.account})
	return t, until, err
}

// BeginConfirm counts a signed-in user's attempt to confirm their
// password, as BeginSignIn does.
func (db *DB) BeginConfirm(ctx context.Context, userID int64, address string) (*SignInTicket, time.Time, error) {
	t := &SignInTicket{account: confirmRule.scope + strconv.FormatInt(userID, 10), address: addressRule.scope + address}
	until, err := db.countAttempt(ctx, []throttleRule{addressRule, confirmRule}, []string{t.address, t.account})
	return t, until, err
}

// countAttempt counts one attempt against each key, in one transaction:
// each key's row is read and written under its lock, so concurrent
// attempts are counted one after another. An attempt against a locked key
// is refused and not counted; the attempt that reaches a key's limit
// locks it at once (it may still check its password: a success clears
// the lock), so that later attempts of a burst are refused.
func (db *DB) countAttempt(ctx context.Context, rules []throttleRule, keys []string) (time.Time, error) {
	now := db.now().UTC()
	var until time.Time
	err := db.tx(ctx, func(tx bun.Tx) error {
		rows := make([]throttleRow, len(keys))
		for i, k := range keys {
			// Create the row first, so that it can be locked however
			// many attempts arrive at once.
			if _, err := tx.NewRaw("INSERT INTO signin_throttle (key, failures, first_at) VALUES (?, 0, ?) ON CONFLICT (key) DO NOTHING",
				k, db.timeValue(now)).Exec(ctx); err != nil {
				return err
			}
			rows[i].Key = k
			if err := db.forUpdate(tx.NewSelect().Model(&rows[i]).WherePK()).Scan(ctx); err != nil {
				return err
			}
			if rows[i].LockedUntil.After(now) && rows[i].LockedUntil.After(until) {
				until = rows[i].LockedUntil
			}
		}
		if !until.IsZero() {
			return nil
		}
		for i, r := range rows {
			rule := rules[i]
			if r.LockedUntil.IsZero() && now.Sub(r.FirstAt) > ThrottleWindow {
				// A quiet while since the first failure, and never locked:
				// start counting again.
				r.Failures, r.FirstAt = 0, now
			}
			r.Failures++
			if r.Failures%rule.limit == 0 {
				lock := rule.lock << (r.Failures/rule.limit - 1)
				if lock > maxThrottleLock || lock <= 0 {
					lock = maxThrottleLock
				}
				r.LockedUntil = now.Add(lock)
			}
			if _, err := tx.NewUpdate().Model(&r).Column("failures", "first_at", "locked_until").WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	return until, err
}

// SignInSucceeded settles a counted attempt whose password was right: the
// account's (or device's) failures are cleared and its lock lifted; the
// address's count is given back (a colleague at the same office signing
// in is no guess), but its lock, if any, stays.
func (db *DB) SignInSucceeded(ctx context.Context, t *SignInTicket) error {
	return db.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", t.account).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewRaw("UPDATE signin_throttle SET failures = failures - 1 WHERE key = ? AND failures > 0 AND failures % ? <> 0",
			t.address, addressRule.limit).Exec(ctx)
		return err
	})
}

// SignInFailed settles a counted attempt whose password was wrong, and
// says until when its keys are locked now (the attempt that reached a
// limit locked them when it was counted).
func (db *DB) SignInFailed(ctx context.Context, t *SignInTicket) (time.Time, error) {
	var rows []throttleRow
	if err := db.rw.NewSelect().Model(&rows).Where("key IN (?)", bun.List(t.keys)).Scan(ctx); err != nil {
		return time.Time{}, err
	}
	now := db.now()
	var until time.Time
	for _, r := range rows {
		if r.LockedUntil.After(now) && r.LockedUntil.After(until) {
			until = r.LockedUntil
		}
	}
	return until, nil
}

// ForgiveSignIns lifts the lock strangers' failures put on an account's
// unknown browsers, for someone who has just proved who they are (a
// password reset link).
func (db *DB) ForgiveSignIns(ctx context.Context, email string) error {
	_, err := db.rw.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", strangerRule.scope+strings.ToLower(strings.TrimSpace(email))).Exec(ctx)
	return err
}

// RememberDevice marks the browser as one the user signs in from: it
// returns the token for its cookie (a new one unless the browser's token
// is already this user's).
func (db *DB) RememberDevice(ctx context.Context, u *rapport.User, token string) (string, error) {
	now := db.now().UTC()
	if token != "" {
		res, err := db.rw.NewUpdate().Model((*deviceRow)(nil)).Set("used_at = ?", now).
			Where("token_hash = ? AND org_id = ? AND user_id = ?", auth.HashToken(token), u.OrgID, u.ID).Exec(ctx)
		if err != nil {
			return "", err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return token, nil
		}
	}
	token, hash := auth.NewToken()
	_, err := db.rw.NewInsert().Model(&deviceRow{TokenHash: hash, OrgID: u.OrgID, UserID: u.ID, CreatedAt: now, UsedAt: now}).Exec(ctx)
	return token, err
}

// ForgetSignInFailures drops records that no longer matter: failures a
// day old and unlocked, browsers unused for a year.
func (db *DB) ForgetSignInFailures(ctx context.Context) (int64, error) {
	now := db.now().UTC()
	res, err := db.rw.NewDelete().Model((*throttleRow)(nil)).
		Where("first_at < ? AND (locked_until IS NULL OR locked_until < ?)", now.Add(-maxThrottleLock), now).Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := db.rw.NewDelete().Model((*deviceRow)(nil)).Where("used_at < ?", now.Add(-DeviceTTL)).Exec(ctx); err != nil {
		return n, err
	}
	return n, nil
}
