package rapport

import "time"

// RecruitingWeek is what a hiring manager did in one week against their
// recruiting targets: live conversations with agent prospects (meetings
// included), meetings held with them, and offers made (prospects moved to
// the offer stage).
type RecruitingWeek struct {
	User     *User
	Start    time.Time
	Live     int
	Meetings int
	Offers   int
}

// Measures are the week's figures with their targets, in order.
func (w *RecruitingWeek) Measures() []Measure {
	return []Measure{
		{Name: "Live conversations with prospects", Done: w.Live, Target: w.User.RecruitLiveTarget},
		{Name: "Meetings", Done: w.Meetings, Target: w.User.RecruitMeetingTarget},
		{Name: "Offers", Done: w.Offers, Target: w.User.RecruitOfferTarget},
	}
}

// Measure is a count against a target (0: none set).
type Measure struct {
	Key    string
	Name   string
	Done   int
	Target int
}

// Percent is progress towards the target as a whole percentage, capped at
// 100; with no target it is 0.
func (m Measure) Percent() int {
	if m.Target <= 0 {
		return 0
	}
	return min(m.Done*100/m.Target, 100)
}

// Met reports whether a set target has been reached.
func (m Measure) Met() bool { return m.Target > 0 && m.Done >= m.Target }
