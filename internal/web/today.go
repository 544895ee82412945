package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// todayItem is one person on Today with their context card.
type todayItem = store.TodayItem

type todayPage struct {
	Base
	Goal      rapport.WeekGoal
	Items     []todayItem
	DoneToday int
	Size      int
	// Block is the call block under way or next (nil: none set).
	Block *nextBlock
	// Pond is the leads any agent may claim.
	Pond []rapport.Person
}

// loadToday computes the user's list and the cards that go with it.
func (s *Server) loadToday(ctx context.Context, a *account) ([]todayItem, error) {
	return s.db.TodayList(ctx, a.actor, s.now())
}

// weekGoal is the user's progress towards this week's live conversations.
func (s *Server) weekGoal(ctx context.Context, a *account) (rapport.WeekGoal, error) {
	return s.db.WeekGoal(ctx, a.actor, s.now())
}

func (s *Server) doneToday(ctx context.Context, a *account) (int, error) {
	return s.db.WorkedSince(ctx, a.actor, a.user.ID, rapport.DayOf(s.now(), a.loc).Start(a.loc))
}

func (s *Server) today(w http.ResponseWriter, r *http.Request, a *account) error {
	ctx := r.Context()
	items, err := s.loadToday(ctx, a)
	if err != nil {
		return err
	}
	goal, err := s.weekGoal(ctx, a)
	if err != nil {
		return err
	}
	done, err := s.doneToday(ctx, a)
	if err != nil {
		return err
	}
	blocks, err := s.db.CallBlocks(ctx, a.actor, a.user.ID)
	if err != nil {
		return err
	}
	pond, err := s.db.Pond(ctx, a.actor, 20)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "today", &todayPage{Base: s.withFlash(w, r, a, "Today", "today"),
		Goal: goal, Items: items, DoneToday: done, Size: a.user.TodaySize, Block: s.nextCallBlock(a, blocks), Pond: pond})
	return nil
}

type callPage struct {
	Base
	Item      *todayItem
	Person    *rapport.Person
	Form      *form
	Skip      string
	Left      int
	DoneToday int
	Size      int
	Goal      rapport.WeekGoal
	// Listed is false when calling someone who is not on Today.
	Listed bool
	// Guide is the playbook's questions and objections for the person.
	Guide *convGuide
	// List is the saved list the session works instead of Today.
	List *store.SavedList
}

// Session is the query that keeps the session's list and skips, for the
// Skip link (with id skipped too when it is not 0).
func (p *callPage) Session(id int64) string {
	q := url.Values{}
	if p.List != nil {
		q.Set("list", strconv.FormatInt(p.List.ID, 10))
	}
	skip := p.Skip
	if id != 0 {
		skip = p.SkipWith(id)
	}
	if skip != "" {
		q.Set("skip", skip)
	}
	return q.Encode()
}

// SkipWith is the skip list with this person added, for the Skip link.
func (p *callPage) SkipWith(id int64) string {
	if p.Skip == "" {
		return strconv.FormatInt(id, 10)
	}
	return p.Skip + "," + strconv.FormatInt(id, 10)
}

// parseSkip reads the comma-separated ids the user skipped this session.
func parseSkip(v string) (map[int64]bool, string) {
	out := map[int64]bool{}
	var kept []string
	for _, part := range strings.Split(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err == nil && id > 0 && !out[id] && len(kept) < 200 {
			out[id] = true
			kept = append(kept, strconv.FormatInt(id, 10))
		}
	}
	return out, strings.Join(kept, ",")
}

// callNext shows the first person on Today not skipped in this session;
// logging someone takes them off Today, so the next one follows.
func (s *Server) callNext(w http.ResponseWriter, r *http.Request, a *account) error {
	skip, skipStr := parseSkip(r.URL.Query().Get("skip"))
	page := &callPage{Base: s.withFlash(w, r, a, "Call session", "today"), Skip: skipStr, Listed: true}
	var items []todayItem
	var err error
	if id := listParam(r.URL.Query().Get("list")); id != 0 {
		page.List, items, err = s.listItems(r.Context(), a, id)
	} else {
		items, err = s.loadToday(r.Context(), a)
	}
	if err != nil {
		return err
	}
	for i := range items {
		if skip[items[i].Person.ID] {
			continue
		}
		if page.Item == nil {
			page.Item = &items[i]
		}
		page.Left++
	}
	if page.Item != nil {
		p, err := s.db.Person(r.Context(), a.actor, page.Item.Person.ID)
		if err != nil {
			return err
		}
		page.Person, page.Title = p, "Call "+p.Name()
	}
	return s.renderCall(w, r, a, page, newCallForm(page.Person), http.StatusOK)
}

// callPerson opens the call screen for one person, from Today or their page.
func (s *Server) callPerson(w http.ResponseWriter, r *http.Request, a *account) error {
	p, err := s.personFromPath(r, a)
	if err != nil {
		return err
	}
	_, skipStr := parseSkip(r.URL.Query().Get("skip"))
	page := &callPage{Base: s.withFlash(w, r, a, "Call "+p.Name(), "today"), Skip: skipStr, Person: p}
	if err := s.findOnToday(r.Context(), a, page); err != nil {
		return err
	}
	return s.renderCall(w, r, a, page, newCallForm(p), http.StatusOK)
}

// findOnToday fills in the person's Today entry and card, when they have one.
func (s *Server) findOnToday(ctx context.Context, a *account, page *callPage) error {
	items, err := s.loadToday(ctx, a)
	if err != nil {
		return err
	}
	for i := range items {
		if items[i].Person.ID == page.Person.ID {
			page.Item, page.Listed = &items[i], true
		}
	}
	page.Left = len(items)
	if page.Item == nil {
		cards, err := s.db.ContextCards(ctx, a.actor, []*rapport.Person{page.Person})
		if err != nil {
			return err
		}
		e := rapport.TodayEntry{Person: page.Person}
		e.CallableNow, e.CallableAt, e.LocalTime = rapport.CallingWindow(s.now(), page.Person.Location(a.org.Location()))
		page.Item = &todayItem{TodayEntry: e, Card: cards[page.Person.ID]}
	}
	return nil
}

func newCallForm(p *rapport.Person) *form {
	f := newForm(nil)
	if p != nil {
		if phones := p.CallablePhones(); len(phones) > 0 {
			f.Values.Set("phone_id", strconv.FormatInt(phones[0].ID, 10))
		}
	}
	return f
}

func (s *Server) renderCall(w http.ResponseWriter, r *http.Request, a *account, page *callPage, f *form, status int) error {
	var err error
	if page.Goal, err = s.weekGoal(r.Context(), a); err != nil {
		return err
	}
	if page.DoneToday, err = s.doneToday(r.Context(), a); err != nil {
		return err
	}
	if page.Person != nil {
		if page.Guide, err = s.guideFor(r.Context(), a, page.Person); err != nil {
			return err
		}
		if c := page.Item.Card; c != nil && len(page.Guide.Groups) > 0 {
			// The guide asks what is still unknown; the card need not.
			card := *c
			card.Questions = nil
			page.Item.Card = &card
		}
	}
	page.Size, page.Form = a.user.TodaySize, f
	s.render(w, r, status, "call", page)
	return nil
}

// callLog logs the call made from the call screen and moves on to the next
// person. The outcome is the button pressed, so "no answer" is one tap.
func (s *Server) callLog(w http.ResponseWriter, r *http.Request, a *account) error {
	p, err := s.personFromPath(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	_, skipStr := parseSkip(f.Get("skip"))
	list := listParam(f.Get("list"))
	f.Values.Set("channel", string(rapport.ChannelCall))
	f.Values.Set("direction", string(rapport.DirectionOutbound))
	f.Values.Del("occurred_at")
	res, err := s.logPosted(r, a, p, f)
	if queued(r) {
		return s.queuedAnswer(w, r, p, f, res, err)
	}
	if err != nil {
		return err
	}
	if res != nil {
		s.flashLink(w, r, loggedMessage(p, res), personURL(p.ID), "Open "+p.Name())
		q := url.Values{}
		if list != 0 {
			q.Set("list", strconv.FormatInt(list, 10))
		}
		if skipStr != "" {
			q.Set("skip", skipStr)
		}
		next := "/call"
		if len(q) > 0 {
			next += "?" + q.Encode()
		}
		return redirect(w, r, afterLog(res, next))
	}
	page := &callPage{Base: s.basePage(r, a, "Call "+p.Name()), Skip: skipStr, Person: p}
	if err := s.findOnToday(r.Context(), a, page); err != nil {
		return err
	}
	return s.renderCall(w, r, a, page, f, http.StatusUnprocessableEntity)
}
