package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// Sign-in throttling: failures are counted per key (an account's email,
// an address) within ThrottleWindow; reaching the key's limit locks it
// for ThrottleLock, doubling with each further lockout up to a day.
const (
	ThrottleWindow       = 15 * time.Minute
	ThrottleLock         = 15 * time.Minute
	AccountFailureLimit  = 5
	AddressFailureLimit  = 20
	maxThrottleLock      = 24 * time.Hour
	throttleAccountScope = "account:"
	throttleAddressScope = "address:"
)

type throttleRow struct {
	bun.BaseModel `bun:"table:signin_throttle"`
	Key           string    `bun:"key,pk"`
	Failures      int       `bun:"failures"`
	FirstAt       time.Time `bun:"first_at"`
	LockedUntil   time.Time `bun:"locked_until,nullzero"`
}

// ThrottleKeys are the keys a sign-in attempt counts against.
func ThrottleKeys(email, address string) []string {
	return []string{throttleAccountScope + email, throttleAddressScope + address}
}

// SignInLockedUntil reports until when any of the keys is locked (zero:
// none is).
func (db *DB) SignInLockedUntil(ctx context.Context, keys []string) (time.Time, error) {
	var rows []throttleRow
	if err := db.ro.NewSelect().Model(&rows).Where("key IN (?)", bun.List(keys)).Scan(ctx); err != nil {
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

// SignInFailed counts a failed attempt against each key and locks those
// that reach their limit; it returns until when the attempt's keys are
// now locked (zero: not locked).
func (db *DB) SignInFailed(ctx context.Context, keys []string) (time.Time, error) {
	now := db.now().UTC()
	var until time.Time
	err := db.tx(ctx, func(tx bun.Tx) error {
		for _, k := range keys {
			limit := AccountFailureLimit
			if len(k) >= len(throttleAddressScope) && k[:len(throttleAddressScope)] == throttleAddressScope {
				limit = AddressFailureLimit
			}
			r := throttleRow{Key: k}
			err := db.forUpdate(tx.NewSelect().Model(&r).WherePK()).Scan(ctx)
			fresh := errors.Is(err, sql.ErrNoRows)
			if err != nil && !fresh {
				return err
			}
			locks := 0 // lockouts so far in this run of failures
			if !fresh {
				locks = r.Failures / limit
			}
			if fresh || (now.Sub(r.FirstAt) > ThrottleWindow && !r.LockedUntil.After(now) && r.LockedUntil.IsZero()) {
				r = throttleRow{Key: k, FirstAt: now}
				locks = 0
			}
			r.Failures++
			if r.Failures%limit == 0 {
				lock := ThrottleLock << locks
				if lock > maxThrottleLock || lock <= 0 {
					lock = maxThrottleLock
				}
				r.LockedUntil = now.Add(lock)
			}
			if r.LockedUntil.After(now) && r.LockedUntil.After(until) {
				until = r.LockedUntil
			}
			if _, err := tx.NewInsert().Model(&r).On("CONFLICT (key) DO UPDATE").
				Set("failures = EXCLUDED.failures, first_at = EXCLUDED.first_at, locked_until = EXCLUDED.locked_until").Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	return until, err
}

// SignInSucceeded clears an account's failures (not the address's: one
// good password does not excuse an address guessing at many accounts).
func (db *DB) SignInSucceeded(ctx context.Context, email string) error {
	_, err := db.rw.NewDelete().Model((*throttleRow)(nil)).Where("key = ?", throttleAccountScope+email).Exec(ctx)
	return err
}

// ForgetSignInFailures drops records that no longer matter.
func (db *DB) ForgetSignInFailures(ctx context.Context) (int64, error) {
	now := db.now().UTC()
	res, err := db.rw.NewDelete().Model((*throttleRow)(nil)).
		Where("first_at < ? AND (locked_until IS NULL OR locked_until < ?)", now.Add(-maxThrottleLock), now).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
