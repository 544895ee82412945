package rapport

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// AttemptPlan is when a new lead is tried: each attempt's day, counted
// from the day they arrived (0), in order. The research behind it: most
// leads that are ever reached are reached by the fifth or sixth attempt,
// and most agents stop after one or two.
type AttemptPlan []int

// DefaultAttemptPlan: twice on the day they arrive, then on days 1, 2,
// 4, 7 and 14. DefaultAttemptRestDays: a lead that never answered rests a
// month before Today tries again.
var DefaultAttemptPlan = AttemptPlan{0, 0, 1, 2, 4, 7, 14}

const DefaultAttemptRestDays = 30

// ParseAttemptPlan reads a plan written as days ("0, 0, 1, 2, 4, 7, 14"):
// 1 to 12 attempts, each day from 0 to 60, none before the one before it.
// An empty plan is the default.
func ParseAttemptPlan(s string) (AttemptPlan, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return slices.Clone(DefaultAttemptPlan), nil
	}
	var plan AttemptPlan
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || n > 60 {
			return nil, fmt.Errorf("%q is not a day from 0 to 60: write the days of the attempts, such as 0, 0, 1, 2, 4, 7, 14.", part)
		}
		if len(plan) > 0 && n < plan[len(plan)-1] {
			return nil, errors.New("Write the days in order: each attempt on the same day as the one before or later.")
		}
		plan = append(plan, n)
	}
	if len(plan) == 0 || len(plan) > 12 {
		return nil, errors.New("A plan has from 1 to 12 attempts.")
	}
	return plan, nil
}

// String writes the plan as ParseAttemptPlan reads it.
func (p AttemptPlan) String() string {
	s := make([]string, len(p))
	for i, d := range p {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, ", ")
}

// Span is the day of the plan's last attempt.
func (p AttemptPlan) Span() int {
	if len(p) == 0 {
		return 0
	}
	return p[len(p)-1]
}

// DueBy is how many attempts the plan has made due by day (counted from
// arrival).
func (p AttemptPlan) DueBy(day int) int {
	n := 0
	for _, d := range p {
		if d <= day {
			n++
		}
	}
	return n
}

// Plan is the organisation's attempt plan (the default when it has none
// or it cannot be read).
func (o *Org) Plan() AttemptPlan {
	p, err := ParseAttemptPlan(o.AttemptPlan)
	if err != nil {
		return slices.Clone(DefaultAttemptPlan)
	}
	return p
}

// RestDays is how long a lead that never answered rests.
func (o *Org) RestDays() int {
	if o.AttemptRestDays <= 0 {
		return DefaultAttemptRestDays
	}
	return o.AttemptRestDays
}
