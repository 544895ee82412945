package rapport

import (
	"strconv"
	"strings"
	"time"
)

// RoutingRule sends new leads from a source to a user, or round robin
// among several. Rules are tried in Position order; the first whose
// Source matches the lead's source wins.
type RoutingRule struct {
	ID       int64  `bun:"id,pk,autoincrement"`
	OrgID    int64  `bun:"org_id"`
	Position int    `bun:"position"`
	Source   string `bun:"source"`
	// UserIDs is the comma-separated list of users the rule assigns to.
	UserIDs   string    `bun:"user_ids"`
	NextIndex int       `bun:"next_index"`
	CreatedAt time.Time `bun:"created_at"`
}

// Users returns the rule's user ids.
func (r *RoutingRule) Users() []int64 { return ParseIDs(r.UserIDs) }

// Matches reports whether the rule applies to a lead from source: the
// names are compared without regard to case or surrounding space.
func (r *RoutingRule) Matches(source string) bool {
	return r.Source != "" && strings.EqualFold(strings.TrimSpace(r.Source), strings.TrimSpace(source))
}

// Validate checks a rule before it is saved.
func (r *RoutingRule) Validate() error {
	fe := FieldErrors{}
	r.Source = strings.TrimSpace(r.Source)
	if r.Source == "" {
		fe.Add("source", "Name the lead source, e.g. Zillow.")
	}
	if len(r.Users()) == 0 {
		fe.Add("users", "Choose at least one person to receive these leads.")
	}
	return fe.Err()
}

// ParseIDs reads a comma-separated list of ids, skipping anything else.
func ParseIDs(s string) []int64 {
	var out []int64
	for _, part := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

// FormatIDs writes ids as a comma-separated list.
func FormatIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// Route picks the owner of a new lead from source: the first matching
// rule's users in turn, or, when no rule matches (or none of its users is
// still active), the default pool in turn. It returns the chosen user (0
// when there is none), the rule used (nil for the default) and the turn
// counter to store for that rule or the default.
func Route(rules []RoutingRule, source string, active, pool []int64, defaultNext int) (user int64, rule *RoutingRule, next int) {
	ok := map[int64]bool{}
	for _, id := range active {
		ok[id] = true
	}
	pick := func(ids []int64, start int) (int64, int) {
		for i := 0; i < len(ids); i++ {
			k := (start + i) % len(ids)
			if ok[ids[k]] {
				return ids[k], k + 1
			}
		}
		return 0, start
	}
	for i := range rules {
		r := &rules[i]
		if !r.Matches(source) {
			continue
		}
		if ids := r.Users(); len(ids) > 0 {
			if u, n := pick(ids, r.NextIndex); u != 0 {
				return u, r, n % len(ids)
			}
		}
	}
	if len(pool) == 0 {
		return 0, nil, defaultNext
	}
	u, n := pick(pool, defaultNext)
	return u, nil, n % len(pool)
}
