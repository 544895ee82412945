package rapport

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Calling hours in the person's local time: from 08:00 up to 21:00.
const (
	CallingStartHour = 8
	CallingEndHour   = 21
)

// Back-off: someone called this many times without an answer within
// BackOffWindow (since we last heard from them) rests off the list.
const (
	BackOffCalls  = 3
	BackOffWindow = 7 * 24 * time.Hour
)

// TopProducerQuiet is how long a top-fifth recruit may go without a live
// conversation before Today brings them back.
const TopProducerQuiet = 60 * 24 * time.Hour

// FreshLeadAge is how long a never-attempted lead counts as fresh: fresh
// leads top the list, because speed to lead is measured in minutes.
const FreshLeadAge = 24 * time.Hour

// ReasonKind is why someone is on Today.
type ReasonKind string

const (
	ReasonNewLead        ReasonKind = "new_lead"
	ReasonMeeting        ReasonKind = "meeting"
	ReasonPromiseOverdue ReasonKind = "promise_overdue"
	ReasonPromiseDue     ReasonKind = "promise_due"
	ReasonReferral       ReasonKind = "referral"
	ReasonTheirPromise   ReasonKind = "their_promise"
	ReasonTopProducer    ReasonKind = "top_producer"
	ReasonSignal         ReasonKind = "signal"
	ReasonBirthday       ReasonKind = "birthday"
	ReasonHomeAnniv      ReasonKind = "home_anniversary"
	ReasonKeepInTouch    ReasonKind = "keep_in_touch"
	// Why now: someone known came back; the next attempt of a new lead's
	// plan; a lead rested and due again; a dated fact ahead; a referrer
	// to thank.
	ReasonCameBack  ReasonKind = "came_back"
	ReasonAttempt   ReasonKind = "attempt"
	ReasonRested    ReasonKind = "rested"
	ReasonDatedFact ReasonKind = "dated_fact"
	ReasonThanks    ReasonKind = "thank_referrer"
)

// CameBackWindow is how long someone who came back stays a reason to call
// when no one answers them.
const CameBackWindow = 7 * 24 * time.Hour

// ThanksWindow is how long a referral's milestone stays a reason to
// thank who referred them.
const ThanksWindow = 14 * 24 * time.Hour

// AttemptGap is the least time between two attempts of the plan on one
// day: the second call of day 0 waits a couple of hours.
const AttemptGap = 2 * time.Hour

// Reason is one reason a person is on Today, with what it means in words.
//
// Rank orders reasons by urgency (1 is the most urgent) and Key orders
// reasons of the same rank (smaller first). See BuildToday for the table.
type Reason struct {
	Kind       ReasonKind
	Text       string
	Rank       int
	Key        int64
	FollowUpID int64
}

// Touch is a conversation summarised for the Today rules.
type Touch struct {
	At        time.Time
	Channel   Channel
	Direction Direction
	Outcome   Outcome
	Live      bool
}

// Candidate is a person who may belong on Today, with what the rules need
// to decide: the person (with activity fields), their open follow-ups for
// this user due today or earlier, their touches of the last BackOffWindow,
// who referred them, and whether they are a top-fifth producer.
type Candidate struct {
	Person      *Person
	FollowUps   []FollowUp
	Recent      []Touch
	Referrer    string
	TopProducer bool
	// Signal is the newest active signal about the agent's office or
	// brokerage, if any.
	Signal *CandidateSignal
	// CameBack is the latest lead-source event about them since they were
	// known, within CameBackWindow.
	CameBack *Event
	// Dated are their facts with a date whose reminder has begun.
	Dated []Fact
	// Thanks are the people they referred who reached a milestone within
	// ThanksWindow.
	Thanks []Milestone
}

// Milestone is a referred person reaching a stage worth thanking for.
type Milestone struct {
	PersonID int64
	Name     string
	StageKey string
	At       time.Time
}

// CandidateSignal is a signal as Today tells it: what happened, where and
// when.
type CandidateSignal struct {
	Title   string
	Company string
	On      Day
}

// TodayParams are the inputs that are not per person.
type TodayParams struct {
	Now time.Time
	// UserLoc decides what "today" is; OrgLoc is the zone of people who
	// have none of their own.
	UserLoc *time.Location
	OrgLoc  *time.Location
	Size    int
	// Plan is the organisation's attempt plan for new leads (the default
	// when nil); RestDays how long a lead that never answered rests.
	Plan     AttemptPlan
	RestDays int
}

// TodayEntry is one person on Today.
type TodayEntry struct {
	Person  *Person
	Reasons []Reason
	// CallableNow is false outside the person's calling hours; CallableAt
	// is then when they can next be called.
	CallableNow bool
	CallableAt  time.Time
	LocalTime   time.Time
	Referrer    string
	// Opener is a suggested first line for the call, when the reason gives
	// one: the referrer's name, the news at their office.
	Opener string
	// cand is the entry's candidate's place among BuildToday's.
	cand int
}

// Best is the entry's most urgent reason.
func (e *TodayEntry) Best() Reason { return e.Reasons[0] }

// BuildToday chooses and orders who to call today.
//
// A candidate is left out when they are marked do-not-call, archived, or
// resting after BackOffCalls unanswered calls within BackOffWindow with no
// live or inbound touch since. Someone worked today (an outbound touch or a
// live conversation since the start of the user's day: the slip of paper
// is done) keeps only a meeting today as a reason. A candidate with no
// reason is left out.
//
// Reasons and their ranks:
//
//	1  new lead, arrived within FreshLeadAge, never attempted   newest first
//	1  someone known came back through a lead source within
//	   CameBackWindow, not answered since                       most recent first
//	2  meeting today                                            earliest time first
//	3  promised follow-up, overdue                              longest overdue first
//	4  promised follow-up, due today                            earliest time first
//	5  referred to us, never attempted                          newest first
//	5  the next attempt of a new lead's plan is due (kept even
//	   when they were tried today: the plan may try twice)      newest lead first
//	6  new lead, older, never attempted                         newest first
//	7  their promise due (check in)                             longest overdue first
//	7  a dated fact's reminder has begun, not touched since     soonest date first
//	7  someone they referred reached a milestone lately, not
//	   touched since (thank them)                               most recent first
//	8  top-fifth producer, no live conversation in 60 days      largest volume first
//	8  signal at their office or brokerage in the last 30 days,
//	   no live conversation since                               largest volume first
//	9  birthday or home anniversary today
//	10 keep-in-touch cadence passed                             longest overdue first
//	10 a lead whose plan ended unanswered, rested RestDays      longest rested first
//
// A new lead in their attempt plan (never reached, arrived no longer ago
// than the plan's last day) is not backed off: the plan decides.
//
// Entries are ordered by: callable now before not (people outside
// 08:00–21:00 their time stay on the list, after those callable now); then
// most urgent reason's rank; then that reason's key; then more reasons
// first; then person id. The first Size entries are returned.
func BuildToday(p TodayParams, cands []Candidate) []TodayEntry {
	today := DayOf(p.Now, p.UserLoc)
	dayStart := today.Start(p.UserLoc)
	out := make([]TodayEntry, 0, len(cands))
	for i := range cands {
		c := &cands[i]
		per := c.Person
		// A new lead in their attempt plan follows the plan, not the
		// back-off.
		if per.DoNotCall || per.Archived() || (!inPlan(p, per) && backedOff(c.Recent, p.Now)) {
			continue
		}
		reasons := reasonsFor(p, today, c)
		if workedSince(c.Recent, dayStart) {
			// Their slip is done for today, unless a meeting with them is
			// still ahead, or the plan has another attempt today.
			reasons = onlyMeetings(reasons)
		}
		if len(reasons) == 0 {
			continue
		}
		sort.SliceStable(reasons, func(i, j int) bool {
			if reasons[i].Rank != reasons[j].Rank {
				return reasons[i].Rank < reasons[j].Rank
			}
			return reasons[i].Key < reasons[j].Key
		})
		e := TodayEntry{Person: per, Reasons: reasons, Referrer: c.Referrer, cand: i}
		e.CallableNow, e.CallableAt, e.LocalTime = CallingWindow(p.Now, per.Location(p.OrgLoc))
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return todayLess(&out[i], &out[j]) })
	if p.Size > 0 && len(out) > p.Size {
		out = out[:p.Size]
	}
	// Openers only for those chosen: the order does not depend on them.
	for i := range out {
		out[i].Opener = Opener(out[i].Person, out[i].Reasons, &cands[out[i].cand])
	}
	return out
}

func todayLess(a, b *TodayEntry) bool {
	if a.CallableNow != b.CallableNow {
		return a.CallableNow
	}
	ra, rb := a.Best(), b.Best()
	if ra.Rank != rb.Rank {
		return ra.Rank < rb.Rank
	}
	if ra.Key != rb.Key {
		return ra.Key < rb.Key
	}
	if len(a.Reasons) != len(b.Reasons) {
		return len(a.Reasons) > len(b.Reasons)
	}
	return a.Person.ID < b.Person.ID
}

// CallingWindow reports whether now is within calling hours in loc, and if
// not, when calling hours next begin. It also returns the local time.
func CallingWindow(now time.Time, loc *time.Location) (bool, time.Time, time.Time) {
	lt := now.In(loc)
	if lt.Hour() >= CallingStartHour && lt.Hour() < CallingEndHour {
		return true, time.Time{}, lt
	}
	next := time.Date(lt.Year(), lt.Month(), lt.Day(), CallingStartHour, 0, 0, 0, loc)
	if lt.Hour() >= CallingEndHour {
		next = time.Date(lt.Year(), lt.Month(), lt.Day()+1, CallingStartHour, 0, 0, 0, loc)
	}
	return false, next, lt
}

func onlyMeetings(rs []Reason) []Reason {
	var out []Reason
	for _, r := range rs {
		if r.Kind == ReasonMeeting || r.Kind == ReasonAttempt {
			out = append(out, r)
		}
	}
	return out
}

func workedSince(touches []Touch, since time.Time) bool {
	for _, t := range touches {
		if !t.At.Before(since) && (t.Direction == DirectionOutbound || t.Live) {
			return true
		}
	}
	return false
}

// backedOff counts unanswered outbound calls within the window that came
// after the last time we heard from the person.
func backedOff(touches []Touch, now time.Time) bool {
	from := now.Add(-BackOffWindow)
	var heard time.Time
	for _, t := range touches {
		if t.Live || t.Direction == DirectionInbound {
			if t.At.After(heard) {
				heard = t.At
			}
		}
	}
	n := 0
	for _, t := range touches {
		if t.Channel == ChannelCall && t.Direction == DirectionOutbound && t.Outcome.Unanswered() &&
			!t.At.Before(from) && t.At.After(heard) {
			n++
		}
	}
	return n >= BackOffCalls
}

func reasonsFor(p TodayParams, today Day, c *Candidate) []Reason {
	per := c.Person
	var rs []Reason
	for _, f := range c.FollowUps {
		if !f.Open() || f.DueOn > today {
			continue
		}
		overdue := today.DaysUntil(f.DueOn) * -1
		switch {
		case f.Kind == FollowUpMeeting && f.DueOn == today && f.Owes == OwesMe:
			text := "Meeting today"
			if f.DueTime != "" {
				text += " at " + f.DueTime
			}
			rs = append(rs, Reason{Kind: ReasonMeeting, Rank: 2, Key: minutesOf(f.DueTime), FollowUpID: f.ID, Text: withNote(text, f.Note)})
		case f.Owes == OwesThem:
			text := "They promised"
			if overdue > 0 {
				text += fmt.Sprintf(" (due %s)", daysAgo(overdue))
			}
			rs = append(rs, Reason{Kind: ReasonTheirPromise, Rank: 7, Key: -int64(overdue), FollowUpID: f.ID, Text: withNote(text+": check in", f.Note)})
		case overdue > 0:
			text := fmt.Sprintf("You promised to %s: %s overdue", verbFor(f.Kind), plural(overdue, "day"))
			rs = append(rs, Reason{Kind: ReasonPromiseOverdue, Rank: 3, Key: -int64(overdue), FollowUpID: f.ID, Text: withNote(text, f.Note)})
		default:
			text := fmt.Sprintf("You promised to %s today", verbFor(f.Kind))
			if f.DueTime != "" {
				text += " at " + f.DueTime
			}
			rs = append(rs, Reason{Kind: ReasonPromiseDue, Rank: 4, Key: minutesOf(f.DueTime), FollowUpID: f.ID, Text: withNote(text, f.Note)})
		}
	}
	// Never attempted: no call, text or email from us, and no live
	// conversation either (a lead who rang in and talked has been reached).
	neverAttempted := per.FirstAttemptAt.IsZero() && per.LastLiveAt.IsZero()
	if neverAttempted && per.Kind == KindLead {
		age := p.Now.Sub(per.CreatedAt)
		rank := 6
		if age < FreshLeadAge {
			rank = 1
		}
		text := "New lead, " + Ago(p.Now, per.CreatedAt) + ", not yet called"
		if per.Source != "" {
			text = "New lead from " + per.Source + ", " + Ago(p.Now, per.CreatedAt) + ", not yet called"
		}
		rs = append(rs, Reason{Kind: ReasonNewLead, Rank: rank, Key: -per.CreatedAt.Unix(), Text: text})
	}
	rs = append(rs, planReasons(p, today, c)...)
	if neverAttempted && per.ReferredByID != 0 {
		who := c.Referrer
		if who == "" {
			who = "someone you know"
		}
		rs = append(rs, Reason{Kind: ReasonReferral, Rank: 5, Key: -per.CreatedAt.Unix(), Text: "Referred by " + who + ", not yet called"})
	}
	if c.TopProducer && per.Kind == KindRecruit && (per.LastLiveAt.IsZero() || p.Now.Sub(per.LastLiveAt) >= TopProducerQuiet) {
		last := "never talked to"
		if !per.LastLiveAt.IsZero() {
			last = "last talked " + Ago(p.Now, per.LastLiveAt)
		}
		rs = append(rs, Reason{Kind: ReasonTopProducer, Rank: 8, Key: -per.Volume12m,
			Text: fmt.Sprintf("Top-fifth producer (%d units, %s in 12 months), %s", per.Units12m, Money(per.Volume12m), last)})
	}
	if sg := c.Signal; sg != nil && per.Kind == KindRecruit && (per.LastLiveAt.IsZero() || per.LastLiveAt.Before(sg.On.Start(p.OrgLoc))) {
		rs = append(rs, Reason{Kind: ReasonSignal, Rank: 8, Key: -per.Volume12m,
			Text: fmt.Sprintf("%s at %s (%s)", capitalize(sg.Title), sg.Company, sg.On.Format("Jan 2"))})
	}
	mds := MonthDaysFor(today)
	if occursOn(per.Birthday, mds) {
		text := "Birthday today"
		if n := per.Birthday.YearsOn(today); n > 0 {
			text = fmt.Sprintf("Birthday today (%d)", n)
		}
		rs = append(rs, Reason{Kind: ReasonBirthday, Rank: 9, Text: text})
	}
	if occursOn(per.HomeAnniversary, mds) {
		text := "Home anniversary today"
		if n := per.HomeAnniversary.YearsOn(today); n > 0 {
			text = fmt.Sprintf("Home anniversary: %s in their home today", plural(n, "year"))
		}
		rs = append(rs, Reason{Kind: ReasonHomeAnniv, Rank: 9, Text: text})
	}
	rs = append(rs, whyNow(p, today, c)...)
	if per.CadenceDays > 0 && !per.TouchDueAt.IsZero() && !per.TouchDueAt.After(p.Now) {
		last := "no touch yet"
		if !per.LastTouchAt.IsZero() {
			last = "last touch " + Ago(p.Now, per.LastTouchAt)
		}
		rs = append(rs, Reason{Kind: ReasonKeepInTouch, Rank: 10, Key: per.TouchDueAt.Unix(),
			Text: fmt.Sprintf("Keep in touch every %s: %s", plural(per.CadenceDays, "day"), last)})
	}
	return rs
}

// Opener suggests how to open the call for the entry's reasons: naming who
// referred them, or acknowledging the news at their office, so the first
// thing they hear is about them. It is "" when no reason suggests one.
func Opener(per *Person, reasons []Reason, c *Candidate) string {
	first := per.FirstName
	if first == "" {
		first = "there"
	}
	for _, r := range reasons {
		if o := whyNowOpener(first, r, c); o != "" {
			return o
		}
		switch {
		case r.Kind == ReasonReferral && c.Referrer != "":
			if per.Kind == KindRecruit {
				return fmt.Sprintf("Hi %s, %s suggested I give you a call — they spoke highly of you. How do you two know each other?", first, c.Referrer)
			}
			return fmt.Sprintf("Hi %s, %s suggested I give you a call. How do you know %s?", first, c.Referrer, firstWord(c.Referrer))
		case r.Kind == ReasonSignal && c.Signal != nil:
			return fmt.Sprintf("Hi %s, I heard things are changing at %s (%s). How is it landing for you?", first, c.Signal.Company, lowerFirst(c.Signal.Title))
		}
	}
	if c.Referrer != "" && per.Kind == KindRecruit && per.LastLiveAt.IsZero() {
		return fmt.Sprintf("Hi %s, %s suggested I give you a call. How do you two know each other?", first, c.Referrer)
	}
	return ""
}

// lowerFirst lower-cases the first letter of a title unless the first
// word looks like a name or an acronym ("CEO retired" stays).
func lowerFirst(s string) string {
	w := firstWord(s)
	if len(w) > 1 && strings.ToUpper(w) == w {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 {
		return s[:i]
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func occursOn(a Anniversary, mds []string) bool {
	if a.IsZero() {
		return false
	}
	md := a.MonthDay()
	for _, m := range mds {
		if m == md {
			return true
		}
	}
	return false
}

func withNote(text, note string) string {
	if note == "" {
		return text
	}
	return text + " — " + note
}

func verbFor(k FollowUpKind) string {
	switch k {
	case FollowUpText:
		return "text"
	case FollowUpEmail:
		return "email"
	case FollowUpMeeting:
		return "meet"
	}
	return "call"
}

func minutesOf(hm string) int64 {
	if len(hm) != 5 {
		return 0
	}
	return int64((int(hm[0]-'0')*10+int(hm[1]-'0'))*60 + int(hm[3]-'0')*10 + int(hm[4]-'0'))
}

func daysAgo(n int) string {
	if n == 1 {
		return "yesterday"
	}
	return plural(n, "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Ago renders how long before now t was, the way people say it: "just
// now", "4 min ago", "3 hours ago", "yesterday", "12 days ago".
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	case d < 48*time.Hour:
		return "yesterday"
	case d < 60*24*time.Hour:
		return plural(int(d.Hours()/24), "day") + " ago"
	case d < 365*24*time.Hour:
		return plural(int(d.Hours()/24/30), "month") + " ago"
	}
	return plural(int(d.Hours()/24/365), "year") + " ago"
}

// Money renders a dollar amount briefly: $950K, $12.4M.
func Money(v int64) string {
	switch {
	case v >= 1_000_000_000:
		return fmt.Sprintf("$%.1fB", float64(v)/1e9)
	case v >= 1_000_000:
		return fmt.Sprintf("$%.1fM", float64(v)/1e6)
	case v >= 1_000:
		return fmt.Sprintf("$%dK", v/1000)
	}
	return fmt.Sprintf("$%d", v)
}
