package store

import "context"

// SharedRateLimits reports whether API rate limits must be counted in the
// database: several servers may share it (PostgreSQL). A server alone
// on its SQLite file counts in memory.
func (db *DB) SharedRateLimits() bool { return db.sharedSignals() }

// Bucket is a key's rate-limit bucket after a request.
type Bucket struct {
	Tokens float64 `bun:"tokens"`
	Took   bool    `bun:"took"`
}

// TakeToken refills a key's bucket (perMinute tokens a minute, at most
// burst) and takes one token for a request when there is one, in one
// statement, so that every server sharing the database counts the same
// bucket. Server-wide work of the API's authentication.
func (db *DB) TakeToken(ctx context.Context, keyID int64, perMinute, burst int) (Bucket, error) {
	now := db.now().UTC()
	rate := float64(perMinute) / 60
	var b Bucket
	refill := "LEAST(?::float8, api_buckets.tokens + ?::float8 * GREATEST(EXTRACT(EPOCH FROM (?::timestamptz - api_buckets.at)), 0))"
	err := db.rw.NewRaw(`INSERT INTO api_buckets (key_id, tokens, at, took) VALUES (?, ?::float8 - 1, ?, TRUE)
ON CONFLICT (key_id) DO UPDATE SET
  tokens = CASE WHEN `+refill+` >= 1 THEN `+refill+` - 1 ELSE `+refill+` END,
  took = `+refill+` >= 1,
  at = ?
RETURNING tokens, took`,
		keyID, burst, now,
		burst, rate, now, burst, rate, now, burst, rate, now, burst, rate, now,
		now).Scan(ctx, &b)
	return b, err
}
