package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Web Push: the server's VAPID keys and the devices users turned alerts
// on for. Neither is in a backup (as sessions are not): a restored server
// makes new keys at its start, and its users turn alerts on again.

// vapidKey names the VAPID pair in server_keys.
const vapidKey = "vapid"

type serverKey struct {
	bun.BaseModel `bun:"table:server_keys"`
	Name          string    `bun:"name,pk"`
	Value         string    `bun:"value"`
	CreatedAt     time.Time `bun:"created_at"`
}

// vapidPair is how the pair is kept: the private key beside the public
// one, in one row, so that it is written and read whole.
type vapidPair struct {
	Public  string `json:"public"`
	Private string `json:"private"`
}

// VAPIDKeys returns the server's Web Push key pair (public, private),
// making it with newPair on the first call. Servers starting at once on
// one database all get the same pair: each inserts its own only if there
// is none, then reads the one that was kept. The private key is returned,
// never logged; errors do not quote it.
func (db *DB) VAPIDKeys(ctx context.Context, newPair func() (public, private string, err error)) (string, string, error) {
	if p, err := db.vapidPair(ctx); err == nil {
		return p.Public, p.Private, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return "", "", err
	}
	public, private, err := newPair()
	if err != nil {
		return "", "", fmt.Errorf("make the VAPID keys: %w", err)
	}
	if public == "" || private == "" {
		return "", "", errors.New("make the VAPID keys: an empty key")
	}
	value, err := json.Marshal(vapidPair{Public: public, Private: private})
	if err != nil {
		return "", "", err
	}
	if _, err := db.rw.NewRaw("INSERT INTO server_keys (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
		vapidKey, string(value), db.timeValue(db.now())).Exec(ctx); err != nil {
		return "", "", fmt.Errorf("keep the VAPID keys: %w", err)
	}
	p, err := db.vapidPair(ctx)
	if err != nil {
		return "", "", fmt.Errorf("read the VAPID keys: %w", err)
	}
	return p.Public, p.Private, nil
}

func (db *DB) vapidPair(ctx context.Context) (vapidPair, error) {
	var p vapidPair
	k := new(serverKey)
	// From the write pool: a key just kept by this server is read back.
	if err := db.rw.NewSelect().Model(k).Where("name = ?", vapidKey).Scan(ctx); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(k.Value), &p); err != nil || p.Public == "" || p.Private == "" {
		return p, errors.New("the kept VAPID keys are damaged")
	}
	return p, nil
}

// PushSubscription is a device a user turned alerts on for: the push
// service's address for that browser (Endpoint) and the browser's keys.
type PushSubscription struct {
	bun.BaseModel `bun:"table:push_subscriptions"`
	ID            int64  `bun:"id,pk,autoincrement"`
	OrgID         int64  `bun:"org_id"`
	UserID        int64  `bun:"user_id"`
	Endpoint      string `bun:"endpoint"`
	P256dh        string `bun:"p256dh"`
	Auth          string `bun:"auth"`
	// UserAgent is the browser's own description, to tell devices apart.
	UserAgent string    `bun:"user_agent"`
	CreatedAt time.Time `bun:"created_at"`
	// LastOKAt is when a push service last took an alert for it.
	LastOKAt time.Time `bun:"last_ok_at,nullzero"`
	// Failures counts the sends that failed since the last that did not.
	Failures int `bun:"failures"`
}

// Limits of a device's record.
const (
	maxEndpoint  = 2048
	maxUserAgent = 300
	// MaxPushDevices is how many devices a user keeps alerts on; a newer
	// one makes the oldest forget theirs.
	MaxPushDevices = 20
)

// SavePushSubscription keeps a device for the acting user's alerts. A
// browser subscribes again with the same endpoint (its keys may change);
// an endpoint already kept for someone else (the same browser, signed in
// as another user) moves to the acting user, as a new device of theirs.
// Past MaxPushDevices, the user's oldest devices are forgotten.
func (db *DB) SavePushSubscription(ctx context.Context, act rapport.Actor, s *PushSubscription) error {
	if act.User == 0 {
		return rapport.Errorf(rapport.EFORBIDDEN, "Alerts are a user's own: sign in as them to turn alerts on.")
	}
	s.OrgID, s.UserID = act.Org, act.User
	s.Endpoint, s.P256dh, s.Auth = trim(s.Endpoint), trim(s.P256dh), trim(s.Auth)
	s.UserAgent = cutText(strings.ToValidUTF8(trim(s.UserAgent), ""), maxUserAgent)
	fe := rapport.FieldErrors{}
	if s.Endpoint == "" || len(s.Endpoint) > maxEndpoint {
		fe.Add("endpoint", fmt.Sprintf("Give the subscription's endpoint, up to %d characters.", maxEndpoint))
	}
	if s.P256dh == "" || len(s.P256dh) > 200 {
		fe.Add("keys.p256dh", "Give the browser's key (p256dh).")
	}
	if s.Auth == "" || len(s.Auth) > 100 {
		fe.Add("keys.auth", "Give the browser's auth secret.")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	now := db.now().UTC()
	return db.tx(ctx, func(tx bun.Tx) error {
		u := new(rapport.User)
		if err := tx.NewSelect().Model(u).Where("org_id = ? AND id = ?", act.Org, act.User).Scan(ctx); err != nil {
			return notFound(err, "user")
		}
		if !u.Active() {
			return rapport.Errorf(rapport.ECONFLICT, "%s is disabled: alerts would not reach them.", u.DisplayName())
		}
		// The same user subscribing again keeps the device's history; an
		// endpoint moving to another user starts afresh.
		same := "push_subscriptions.org_id = excluded.org_id AND push_subscriptions.user_id = excluded.user_id"
		if _, err := tx.NewRaw("INSERT INTO push_subscriptions (org_id, user_id, endpoint, p256dh, auth, user_agent, created_at, failures) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT (endpoint) DO UPDATE SET "+
			"created_at = CASE WHEN "+same+" THEN push_subscriptions.created_at ELSE excluded.created_at END, "+
			"last_ok_at = CASE WHEN "+same+" THEN push_subscriptions.last_ok_at ELSE NULL END, "+
			"org_id = excluded.org_id, user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth, "+
			"user_agent = excluded.user_agent, failures = 0",
			s.OrgID, s.UserID, s.Endpoint, s.P256dh, s.Auth, s.UserAgent, db.timeValue(now)).Exec(ctx); err != nil {
			return err
		}
		if err := tx.NewSelect().Model(s).Where("endpoint = ?", s.Endpoint).Scan(ctx); err != nil {
			return err
		}
		var extra []int64
		if err := tx.NewSelect().Table("push_subscriptions").Column("id").Where("org_id = ? AND user_id = ?", s.OrgID, s.UserID).
			OrderExpr("created_at DESC, id DESC").Limit(1<<20).Offset(MaxPushDevices).Scan(ctx, &extra); err != nil {
			return err
		}
		if len(extra) > 0 {
			_, err := tx.NewDelete().Table("push_subscriptions").Where("org_id = ? AND user_id = ? AND id IN (?)", s.OrgID, s.UserID, bun.In(extra)).Exec(ctx)
			return err
		}
		return nil
	})
}

// cutText shortens s to n characters.
func cutText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// DeletePushSubscription forgets one of the acting user's devices, by its
// endpoint; anyone else's is not found.
func (db *DB) DeletePushSubscription(ctx context.Context, act rapport.Actor, endpoint string) error {
	res, err := db.rw.NewDelete().Table("push_subscriptions").
		Where("org_id = ? AND user_id = ? AND endpoint = ?", act.Org, act.User, trim(endpoint)).Exec(ctx)
	return affected(res, err, "device")
}

// PushSubscriptions lists the acting user's devices, newest first.
func (db *DB) PushSubscriptions(ctx context.Context, act rapport.Actor) ([]PushSubscription, error) {
	return db.PushSubscriptionsFor(ctx, act.Org, act.User)
}

// PushSubscriptionsFor lists the devices an active user of the
// organisation gets alerts on, newest first, for the work that sends them.
func (db *DB) PushSubscriptionsFor(ctx context.Context, orgID, userID int64) ([]PushSubscription, error) {
	var ss []PushSubscription
	err := db.ro.NewSelect().Model(&ss).
		Where("org_id = ? AND user_id = ?", orgID, userID).
		Where("EXISTS (SELECT 1 FROM users AS u WHERE u.org_id = push_subscription.org_id AND u.id = push_subscription.user_id AND u.disabled_at IS NULL)").
		OrderExpr("created_at DESC, id DESC").Scan(ctx)
	return ss, err
}

// ForgetPushEndpoint forgets a device whoever it is for, once its push
// service says the subscription is gone (push.ErrGone). An endpoint not
// kept is no error.
func (db *DB) ForgetPushEndpoint(ctx context.Context, endpoint string) error {
	_, err := db.rw.NewDelete().Table("push_subscriptions").Where("endpoint = ?", endpoint).Exec(ctx)
	return err
}

// PushDelivered notes that a push service took an alert for the device:
// when, and no failures since.
func (db *DB) PushDelivered(ctx context.Context, endpoint string) error {
	_, err := db.rw.NewUpdate().Table("push_subscriptions").Set("last_ok_at = ?", db.now().UTC()).Set("failures = 0").
		Where("endpoint = ?", endpoint).Exec(ctx)
	return err
}

// PushFailed counts a failed send to the device and returns how many have
// failed since the last that did not (0 when the device is not kept), so
// that the sender may forget a device that keeps failing.
func (db *DB) PushFailed(ctx context.Context, endpoint string) (int, error) {
	var n int
	err := db.tx(ctx, func(tx bun.Tx) error {
		if _, err := tx.NewUpdate().Table("push_subscriptions").Set("failures = failures + 1").Where("endpoint = ?", endpoint).Exec(ctx); err != nil {
			return err
		}
		err := tx.NewSelect().Table("push_subscriptions").Column("failures").Where("endpoint = ?", endpoint).Scan(ctx, &n)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return n, err
}
