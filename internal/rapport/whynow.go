package rapport

import (
	"fmt"
	"strings"
	"time"
)

// attempts counts the outbound touches (a call, a text or an email: each
// is an attempt) at or after since, and when the last was.
func attempts(touches []Touch, since time.Time) (n int, last time.Time) {
	for _, t := range touches {
		if t.Direction != DirectionOutbound || t.At.Before(since) {
			continue
		}
		n++
		if t.At.After(last) {
			last = t.At
		}
	}
	return n, last
}

func (p TodayParams) plan() AttemptPlan {
	if len(p.Plan) == 0 {
		return DefaultAttemptPlan
	}
	return p.Plan
}

func (p TodayParams) restDays() int {
	if p.RestDays <= 0 {
		return DefaultAttemptRestDays
	}
	return p.RestDays
}

// inPlan reports whether per is a new lead still in the attempt plan:
// never reached, arrived no longer ago than the plan's last day.
func inPlan(p TodayParams, per *Person) bool {
	if per.Kind != KindLead || !per.LastLiveAt.IsZero() {
		return false
	}
	arrived := DayOf(per.CreatedAt, p.UserLoc)
	return DayOf(p.Now, p.UserLoc).DaysUntil(arrived)*-1 <= p.plan().Span()
}

// planReasons are a new lead's attempt plan as reasons: the next attempt
// when it is due (the first is the new-lead reason itself), and, once the
// plan is done without an answer, the lead again after its rest.
func planReasons(p TodayParams, today Day, c *Candidate) []Reason {
	per := c.Person
	if per.Kind != KindLead || !per.LastLiveAt.IsZero() || per.FirstAttemptAt.IsZero() {
		return nil
	}
	plan := p.plan()
	if inPlan(p, per) {
		n, last := attempts(c.Recent, per.CreatedAt)
		if n == 0 || n >= len(plan) {
			return nil
		}
		day := -today.DaysUntil(DayOf(per.CreatedAt, p.UserLoc))
		if plan.DueBy(day) <= n || p.Now.Sub(last) < AttemptGap {
			return nil
		}
		text := fmt.Sprintf("Attempt %d of %d for a new lead", n+1, len(plan))
		if per.Source != "" {
			text += " from " + per.Source
		}
		text += fmt.Sprintf(" (arrived %s; last tried %s)", Ago(p.Now, per.CreatedAt), Ago(p.Now, last))
		return []Reason{{Kind: ReasonAttempt, Rank: 5, Key: -per.CreatedAt.Unix(), Text: text}}
	}
	// The plan is done and they never answered: they rest, then Today
	// tries them again (and again a rest after each try).
	if p.Now.Sub(per.LastAttemptAt) < time.Duration(p.restDays())*24*time.Hour {
		return nil
	}
	return []Reason{{Kind: ReasonRested, Rank: 10, Key: per.LastAttemptAt.Unix(),
		Text: fmt.Sprintf("Lead rested %s after the attempts went unanswered (last tried %s): try again", plural(p.restDays(), "day"), Ago(p.Now, per.LastAttemptAt))}}
}

// whyNow are the reasons that come from what happened lately: they came
// back, a dated fact is near, someone they referred reached a milestone.
func whyNow(p TodayParams, today Day, c *Candidate) []Reason {
	per := c.Person
	var rs []Reason
	if ev := c.CameBack; ev != nil && p.Now.Sub(ev.OccurredAt) < CameBackWindow &&
		ev.OccurredAt.After(per.LastAttemptAt) && ev.OccurredAt.After(per.LastLiveAt) {
		rs = append(rs, Reason{Kind: ReasonCameBack, Rank: 1, Key: -ev.OccurredAt.Unix(), Text: CameBackText(ev, p.Now, p.UserLoc)})
	}
	for _, f := range c.Dated {
		from := f.RemindFrom()
		if f.OnDate < today || from > today || !per.LastTouchAt.Before(from.Start(p.UserLoc)) {
			continue
		}
		when := "today"
		if n := today.DaysUntil(f.OnDate); n == 1 {
			when = "tomorrow"
		} else if n > 1 {
			when = "in " + plural(n, "day")
		}
		rs = append(rs, Reason{Kind: ReasonDatedFact, Rank: 7, Key: int64(today.DaysUntil(f.OnDate)),
			Text: fmt.Sprintf("%s (%s, %s)", capitalize(strings.TrimSuffix(f.Text, ".")), f.OnDate.Format("Jan 2"), when)})
	}
	for _, m := range c.Thanks {
		if !per.LastTouchAt.Before(m.At) {
			continue
		}
		rs = append(rs, Reason{Kind: ReasonThanks, Rank: 7, Key: -m.At.Unix(),
			Text: fmt.Sprintf("Thank %s — %s, whom %s referred, %s", firstOr(per), m.Name, firstOr(per), milestoneWords(m.StageKey))})
	}
	return rs
}

func firstOr(p *Person) string {
	if p.FirstName != "" {
		return p.FirstName
	}
	return p.Name()
}

// milestoneWords says what a referred person's new stage means.
func milestoneWords(key string) string {
	switch key {
	case StageConversation, StageContacted:
		return "talked with us"
	case StageAppointment, StageMeeting:
		return "met with us"
	case StageActive:
		return "is working with us"
	case StageOffer:
		return "has our offer"
	case StageUnderContract:
		return "went under contract with us"
	case StageClosed:
		return "closed with us"
	case StageJoined:
		return "joined us"
	}
	return "moved forward with us"
}

// MilestoneStages are the stages a referral's move into is worth thanking
// the referrer for.
var MilestoneStages = []string{StageConversation, StageContacted, StageAppointment, StageMeeting, StageActive,
	StageOffer, StageUnderContract, StageClosed, StageJoined}

// CameBackTypes are the lead-source events that mean someone known came
// back (not a note from another system, not an unsubscribe).
var CameBackTypes = []string{"Registration", "Inquiry", "Seller Inquiry", "Property Inquiry", "General Inquiry",
	"Viewed Property", "Saved Property", "Visited Website", "Incoming Call", "Property Search",
	"Visited Open House", "Saved Property Search", "Appointment"}

// CameBackText says what someone did, and when, in the user's words:
// "Saved 4102 Ridgeline on Tuesday".
func CameBackText(ev *Event, now time.Time, loc *time.Location) string {
	what := cameBackVerb(ev.Type)
	if ev.Property != "" {
		what += " " + ev.Property
	}
	return what + " " + when(ev.OccurredAt, now, loc)
}

func cameBackVerb(t string) string {
	switch t {
	case "Saved Property":
		return "Saved"
	case "Viewed Property":
		return "Looked at"
	case "Saved Property Search":
		return "Saved a home search"
	case "Property Search":
		return "Searched for homes"
	case "Visited Website":
		return "Came back to the website"
	case "Incoming Call":
		return "Called in"
	case "Visited Open House":
		return "Came to the open house"
	case "Seller Inquiry":
		return "Asked about selling"
	case "Appointment":
		return "Booked a showing"
	case "Registration":
		return "Signed up again"
	case "Property Inquiry":
		return "Asked about"
	}
	return "Got in touch again"
}

// when says when something happened relative to now: "2 hours ago",
// "yesterday", "on Tuesday", "on Nov 20".
func when(at, now time.Time, loc *time.Location) string {
	d := now.Sub(at)
	day, today := DayOf(at, loc), DayOf(now, loc)
	switch back := -today.DaysUntil(day); {
	case back == 0 && d < time.Hour:
		return Ago(now, at)
	case back == 0:
		return "today"
	case back == 1:
		return "yesterday"
	case back < 7:
		return "on " + at.In(loc).Weekday().String()
	}
	return "on " + at.In(loc).Format("Jan 2")
}

// whyNowOpener is the first line a why-now reason suggests, or "".
func whyNowOpener(first string, r Reason, c *Candidate) string {
	switch r.Kind {
	case ReasonCameBack:
		if ev := c.CameBack; ev != nil {
			switch {
			case ev.Property != "" && (ev.Type == "Saved Property" || ev.Type == "Viewed Property" || ev.Type == "Property Inquiry"):
				return fmt.Sprintf("Hi %s, I saw you %s %s — what caught your eye?", first, strings.ToLower(cameBackVerb(ev.Type)), ev.Property)
			case ev.Type == "Seller Inquiry":
				return fmt.Sprintf("Hi %s, I saw you were asking about selling — what has you thinking about it now?", first)
			case ev.Type == "Incoming Call":
				return fmt.Sprintf("Hi %s, sorry I missed your call — what's on your mind?", first)
			}
			return fmt.Sprintf("Hi %s, good to see you looking again — what's changed since we last spoke?", first)
		}
	case ReasonDatedFact:
		for _, f := range c.Dated {
			if strings.HasPrefix(r.Text, capitalize(strings.TrimSuffix(f.Text, "."))) {
				return fmt.Sprintf("Hi %s, last time you mentioned %s — how are you feeling about it as it gets close?", first, lowerFirst(strings.TrimSuffix(f.Text, ".")))
			}
		}
	case ReasonThanks:
		if len(c.Thanks) > 0 {
			m := c.Thanks[0]
			return fmt.Sprintf("Hi %s, I wanted to thank you for introducing me to %s — they %s, and it started with you.", first, m.Name, milestoneWords(m.StageKey))
		}
	}
	return ""
}
