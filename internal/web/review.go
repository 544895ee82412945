package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// The weekly review: are enough live conversations happening to meet the
// goal, and if not, what stands in the way. Its pages share a scope (whose
// figures) and a week, both read from the query.

// reviewScope is whose figures a review page shows: the signed-in user's,
// one team member's (?user=ID) or the whole team's (?team=1); the last
// two are for owners and managers. The store decides (store.ReportScope);
// the page keeps the query for its links.
type reviewScope struct {
	store.ReportScope
	// params carry the scope into links.
	params url.Values
}

// MemberID is the chosen member's id, or 0.
func (sc *reviewScope) MemberID() int64 {
	if sc.Member == nil {
		return 0
	}
	return sc.Member.ID
}

// URL is path with the scope's query and the given extra pairs
// (name, value, name, value…); empty values are left out.
func (sc *reviewScope) URL(path string, pairs ...string) string {
	q := url.Values{}
	for k, v := range sc.params {
		q[k] = v
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			q.Del(pairs[i])
		} else {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// reviewScope reads whose review a request asks for. An id that is not a
// number names no one.
func (s *Server) reviewScope(r *http.Request, a *account) (*reviewScope, error) {
	q := r.URL.Query()
	var id int64
	if v := q.Get("user"); v != "" {
		var err error
		if id, err = strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
			return nil, errNotFound
		}
	}
	rs, err := s.db.ReportScope(r.Context(), a.actor, id, q.Get("team") == "1")
	if err != nil {
		return nil, err
	}
	sc := &reviewScope{ReportScope: *rs, params: url.Values{}}
	switch {
	case sc.Member != nil:
		sc.params.Set("user", strconv.FormatInt(sc.Member.ID, 10))
	case sc.Team:
		sc.params.Set("team", "1")
	}
	return sc, nil
}

// reviewWeek is the reviewed week: the one holding ?week= (any day of it),
// or this week; weeks after this one are not reviewed.
type reviewWeek struct {
	At    time.Time
	Start rapport.Day
	// Current is set for this week.
	Current bool
}

func readWeek(r *http.Request, now time.Time, loc *time.Location) reviewWeek {
	at := now
	if d, err := rapport.ParseDay(r.URL.Query().Get("week")); err == nil {
		at = d.Start(loc).Add(12 * time.Hour)
	}
	this := rapport.DayOf(rapport.WeekStart(now, loc), loc)
	w := reviewWeek{At: at, Start: rapport.DayOf(rapport.WeekStart(at, loc), loc)}
	if w.Start >= this {
		w.At, w.Start, w.Current = now, this, true
	}
	return w
}

// Prev and Next are the neighbouring weeks' Mondays; Next is empty for
// this week.
func (w reviewWeek) Prev() string { return string(w.Start.AddDays(-7)) }
func (w reviewWeek) Next() string {
	if w.Current {
		return ""
	}
	return string(w.Start.AddDays(7))
}

// Label reads "23–29 Nov 2026" (or across months, "30 Nov – 6 Dec 2026").
func (w reviewWeek) Label() string { return spanLabel(w.Start, w.Start.AddDays(6)) }

// spanLabel names the days from first to last, inclusive.
func spanLabel(first, last rapport.Day) string {
	switch {
	case first.Format("2006") != last.Format("2006"):
		return first.Format("2 Jan 2006") + " – " + last.Format("2 Jan 2006")
	case first.Format("Jan") != last.Format("Jan"):
		return first.Format("2 Jan") + " – " + last.Format("2 Jan 2006")
	}
	return first.Format("2") + "–" + last.Format("2 Jan 2006")
}

// reviewNav is the Reports sub-navigation: the page shown, and the scope
// and week carried between the review and the funnel.
type reviewNav struct {
	Current string
	Manager bool
	Query   string
}

func newReviewNav(current string, a *account, sc *reviewScope, week reviewWeek) reviewNav {
	n := reviewNav{Current: current, Manager: a.actor.Runs()}
	if sc != nil {
		day := string(week.Start)
		if week.Current {
			day = ""
		}
		n.Query = sc.URL("", "week", day)
	}
	return n
}

type reviewPage struct {
	Base
	Nav    reviewNav
	Scope  *reviewScope
	Week   reviewWeek
	Review *rapport.Review
	Trend  *trendChart
	Heat   *heatGrid
	// Best are the best two-hour windows to call, at most three.
	Best []rapport.HeatWindow
	// Names name the users of the blocks, for the team's review.
	Names map[int64]string
	// Objections are the objections recorded on the week's conversations,
	// most frequent first, with how those conversations ended.
	Objections []store.ObjectionStat
}

// BlocksKept counts the week's judged blocks and those kept.
func (p *reviewPage) BlocksKept() [2]int {
	k, j := p.Review.BlocksKept()
	return [2]int{k, j}
}

// BlockOwner names whose block it is when the review covers several users.
func (p *reviewPage) BlockOwner(bt rapport.BlockTime) string {
	if len(p.Scope.Users) < 2 {
		return ""
	}
	return p.Names[bt.Block.UserID]
}

// LinkText says where an obstacle's link leads.
func (p *reviewPage) LinkText(link string) string {
	switch link {
	case "/review/blocks":
		return "Plan your call blocks"
	case "/followups":
		return "Open follow-ups"
	case "/import":
		return "Import a list"
	}
	return "Open"
}

func (s *Server) review(w http.ResponseWriter, r *http.Request, a *account) error {
	sc, err := s.reviewScope(r, a)
	if err != nil {
		return err
	}
	week := readWeek(r, s.now(), sc.Loc)
	rev, err := s.db.Review(r.Context(), a.actor, sc.Users, sc.Loc, week.At)
	if err != nil {
		return err
	}
	page := &reviewPage{Base: s.withFlash(w, r, a, "Weekly review", "reports"), Nav: newReviewNav("review", a, sc, week),
		Scope: sc, Week: week, Review: rev, Names: map[int64]string{}}
	page.Trend = newTrendChart(rev.Trend, rev.Targets.Live, week.Current)
	page.Heat = newHeatGrid(&rev.Heat)
	page.Best = distinctWindows(rev.Heat.Best(), 3)
	ids := make([]int64, len(sc.Users))
	for i, u := range sc.Users {
		page.Names[u.ID] = u.DisplayName()
		ids[i] = u.ID
	}
	if page.Objections, err = s.db.ObjectionStats(r.Context(), a.actor, ids, week.Start.Start(sc.Loc), week.Start.AddDays(7).Start(sc.Loc)); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "review", page)
	return nil
}

// distinctWindows keeps the first n windows (best first) that share no
// hour with a better one: Tue 17:00–19:00 and Tue 18:00–20:00 are one
// piece of advice, not two.
func distinctWindows(ws []rapport.HeatWindow, n int) []rapport.HeatWindow {
	var out []rapport.HeatWindow
	for _, w := range ws {
		if len(out) == n {
			break
		}
		if !slices.ContainsFunc(out, func(o rapport.HeatWindow) bool {
			return o.Weekday == w.Weekday && o.Hour-w.Hour < 2 && w.Hour-o.Hour < 2
		}) {
			out = append(out, w)
		}
	}
	return out
}

// Funnel.

// funnelWeeks are the periods the funnel offers, in weeks.
var funnelWeeks = []int{4, 13, 26, 52}

const defaultFunnelWeeks = 13

type funnelPage struct {
	Base
	Nav    reviewNav
	Scope  *reviewScope
	Week   reviewWeek
	Weeks  int
	Period string
	Funnel *rapport.Funnel
}

// Options are the periods to choose from.
func (p *funnelPage) Options() []int { return funnelWeeks }

// Wait renders a median wait in words.
func (p *funnelPage) Wait(d time.Duration) string { return waitWords(d) }

// funnelPeriod reads ?weeks= and returns the period: that many weeks
// ending with the reviewed week.
func funnelPeriod(r *http.Request, week reviewWeek, loc *time.Location) (weeks int, from, to time.Time) {
	weeks = defaultFunnelWeeks
	if n, err := strconv.Atoi(r.URL.Query().Get("weeks")); err == nil {
		for _, w := range funnelWeeks {
			if n == w {
				weeks = n
			}
		}
	}
	return weeks, week.Start.AddDays(-7 * (weeks - 1)).Start(loc), week.Start.AddDays(7).Start(loc)
}

func (s *Server) loadFunnel(r *http.Request, a *account) (*funnelPage, error) {
	sc, err := s.reviewScope(r, a)
	if err != nil {
		return nil, err
	}
	week := readWeek(r, s.now(), sc.Loc)
	weeks, from, to := funnelPeriod(r, week, sc.Loc)
	f, err := s.db.Funnel(r.Context(), a.actor, sc.Users, from, to)
	if err != nil {
		return nil, err
	}
	return &funnelPage{Nav: newReviewNav("funnel", a, sc, week), Scope: sc, Week: week, Weeks: weeks, Funnel: f,
		Period: spanLabel(rapport.DayOf(from, sc.Loc), week.Start.AddDays(6))}, nil
}

func (s *Server) funnel(w http.ResponseWriter, r *http.Request, a *account) error {
	page, err := s.loadFunnel(r, a)
	if err != nil {
		return err
	}
	page.Base = s.withFlash(w, r, a, "Funnel", "reports")
	s.render(w, r, http.StatusOK, "review_funnel", page)
	return nil
}

// waitWords renders a wait as people say it: "under a minute",
// "5 minutes", "5 hours", "2 days".
func waitWords(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < 90*time.Minute:
		return plural(int(d.Round(time.Minute)/time.Minute), "minute")
	case d < 36*time.Hour:
		return plural(int(d.Round(time.Hour)/time.Hour), "hour")
	}
	return plural(int((d+12*time.Hour)/(24*time.Hour)), "day")
}

// Leaderboard.

type leaderboardPage struct {
	Base
	Nav   reviewNav
	Week  reviewWeek
	Links weekLinks
	Rows  []rapport.LeaderRow
}

// leaderboard ranks the team by live conversations in a week, this one
// unless ?week= names another (owners and managers).
func (s *Server) leaderboard(w http.ResponseWriter, r *http.Request, a *account) error {
	week := readWeek(r, s.now(), a.loc)
	at := week.At
	if !week.Current {
		// Wednesday noon: inside each member's own week, whatever their zone.
		at = week.Start.AddDays(2).Start(a.loc).Add(12 * time.Hour)
	}
	rows, err := s.db.Leaderboard(r.Context(), a.actor, at)
	if err != nil {
		return err
	}
	own := &reviewScope{Loc: a.loc, params: url.Values{}}
	s.render(w, r, http.StatusOK, "review_leaderboard", &leaderboardPage{Base: s.withFlash(w, r, a, "Leaderboard", "reports"),
		Nav: newReviewNav("leaderboard", a, nil, reviewWeek{}), Week: week, Links: own.weekLinks("/review/leaderboard", week), Rows: rows})
	return nil
}

// Param is the week for links: empty for this week, so that links stay
// on the current week as time moves on.
func (w reviewWeek) Param() string {
	if w.Current {
		return ""
	}
	return string(w.Start)
}

// weekLinks move a page between weeks, keeping its scope.
type weekLinks struct {
	Label, Prev, Next string
	Current           bool
}

func (sc *reviewScope) weekLinks(path string, w reviewWeek, extra ...string) weekLinks {
	l := weekLinks{Label: w.Label(), Current: w.Current, Prev: sc.URL(path, append([]string{"week", w.Prev()}, extra...)...)}
	if n := w.Next(); n != "" {
		l.Next = sc.URL(path, append([]string{"week", n}, extra...)...)
	}
	return l
}

// scopeChooser lets a manager switch between their own figures, the
// team's and one member's, staying on the same page and week.
type scopeChooser struct {
	Path      string
	Current   string // "you", "team" or "member"
	You, Team string
	Members   []rapport.User
	MemberID  int64
	// Hidden are the query's other values, kept when choosing a member.
	Hidden [][2]string
}

func (sc *reviewScope) chooser(path string, pairs ...string) *scopeChooser {
	if sc.Members == nil && !sc.Team && sc.Member == nil {
		return nil
	}
	c := &scopeChooser{Path: path, Current: "you", Members: sc.Members, MemberID: sc.MemberID()}
	switch {
	case sc.Team:
		c.Current = "team"
	case sc.Member != nil:
		c.Current = "member"
	}
	own := &reviewScope{params: url.Values{}}
	c.You = own.URL(path, pairs...)
	own.params.Set("team", "1")
	c.Team = own.URL(path, pairs...)
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			c.Hidden = append(c.Hidden, [2]string{pairs[i], pairs[i+1]})
		}
	}
	return c
}

// WeekLinks and Chooser serve the review page's header.
func (p *reviewPage) WeekLinks() weekLinks { return p.Scope.weekLinks("/review", p.Week) }
func (p *reviewPage) Chooser() *scopeChooser {
	return p.Scope.chooser("/review", "week", p.Week.Param())
}

// CSV is the download of this review's weeks.
func (p *reviewPage) CSV() string { return p.Scope.URL("/review.csv", "week", p.Week.Param()) }

// Length renders an average call length.
func (p *reviewPage) Length(secs int) string { return liveLength(secs) }

// StoryDays is how recent a live conversation makes someone active.
func (p *reviewPage) StoryDays() int { return store.StoryActiveDays }

// WindowCalls is how many calls a two-hour window needs to be named.
func (p *reviewPage) WindowCalls() int { return rapport.MinWindowAttempts }

// CellCalls is how many calls an hour of the heat map needs.
func (p *reviewPage) CellCalls() int { return heatMinAttempts }

func (p *funnelPage) WeekLinks() weekLinks {
	return p.Scope.weekLinks("/review/funnel", p.Week, "weeks", p.weeksParam())
}
func (p *funnelPage) Chooser() *scopeChooser {
	return p.Scope.chooser("/review/funnel", "week", p.Week.Param(), "weeks", p.weeksParam())
}

// PeriodURL is this funnel over another number of weeks.
func (p *funnelPage) PeriodURL(weeks int) string {
	w := strconv.Itoa(weeks)
	if weeks == defaultFunnelWeeks {
		w = ""
	}
	return p.Scope.URL("/review/funnel", "week", p.Week.Param(), "weeks", w)
}

// CSV is the download of this funnel.
func (p *funnelPage) CSV() string {
	return p.Scope.URL("/review/funnel.csv", "week", p.Week.Param(), "weeks", p.weeksParam())
}

func (p *funnelPage) weeksParam() string {
	if p.Weeks == defaultFunnelWeeks {
		return ""
	}
	return strconv.Itoa(p.Weeks)
}

// Bar is n's share of of, as a width.
func (p *funnelPage) Bar(n, of int) string {
	if of <= 0 || n <= 0 {
		return "0"
	}
	return pct(max(float64(n)*100/float64(of), 0.5))
}

// HeatWeeks is how many weeks the heat map is drawn from.
func (p *reviewPage) HeatWeeks() int { return rapport.HeatWeeks }

// ObjectionURL is an objection's page in the playbook.
func (p *reviewPage) ObjectionURL(key string) string {
	return entryURL(&rapport.Entry{Kind: rapport.EntryObjection, Key: key})
}

// ThisWeek says "this week" or "that week", for the reviewed week.
func (p *reviewPage) ThisWeek() string {
	if p.Week.Current {
		return "this week"
	}
	return "that week"
}
