package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Call blocks: weekly times a user sets aside for calls.

// blockWeekdays are the days offered, Monday first.
var blockWeekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

type blocksPage struct {
	Base
	Nav    reviewNav
	Blocks []rapport.CallBlock
	Next   *nextBlock
	Form   *form
}

// Weekdays are the form's choices.
func (p *blocksPage) Weekdays() []time.Weekday { return blockWeekdays }

// nextBlock is the call block under way or next to come, as Today says it.
type nextBlock struct {
	rapport.BlockTime
	Now bool
}

// Text reads "Call block now until 19:00" or "Next call block: Tue 17:00–19:00".
func (n *nextBlock) Text() string {
	if n.Now {
		return "Call block now until " + n.End.Format("15:04")
	}
	return "Next call block: " + n.Block.Label()
}

// nextCallBlock finds the user's block under way or next, or nil.
func (s *Server) nextCallBlock(a *account, blocks []rapport.CallBlock) *nextBlock {
	now := s.now()
	bt, ok := rapport.NextBlock(now, a.loc, blocks)
	if !ok {
		return nil
	}
	return &nextBlock{BlockTime: bt, Now: !bt.Start.After(now)}
}

func (s *Server) renderBlocks(w http.ResponseWriter, r *http.Request, a *account, f *form, status int) error {
	blocks, err := s.db.CallBlocks(r.Context(), a.actor, a.user.ID)
	if err != nil {
		return err
	}
	if f == nil {
		f = newForm(url.Values{"weekday": {strconv.Itoa(int(time.Tuesday))}, "start": {"17:00"}, "end": {"19:00"}})
	}
	page := &blocksPage{Base: s.withFlash(w, r, a, "Call blocks", "reports"), Nav: newReviewNav("blocks", a, nil, reviewWeek{}),
		Blocks: blocks, Form: f, Next: s.nextCallBlock(a, blocks)}
	s.render(w, r, status, "review_blocks", page)
	return nil
}

func (s *Server) callBlocks(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.renderBlocks(w, r, a, nil, http.StatusOK)
}

// callBlockCreate adds a block; every problem with the form is shown at
// once and nothing is saved.
func (s *Server) callBlockCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	b := &rapport.CallBlock{UserID: a.user.ID, Weekday: -1, Start: -1, End: -1}
	if d, err := strconv.Atoi(f.Get("weekday")); err == nil {
		b.Weekday = time.Weekday(d)
	}
	if m, ok := rapport.ParseClock(f.Get("start")); ok {
		b.Start = m
	} else {
		f.addErr("start", "Enter a start time such as 17:00.")
	}
	if m, ok := rapport.ParseClock(f.Get("end")); ok {
		b.End = m
	} else {
		f.addErr("end", "Enter an end time such as 19:00.")
	}
	f.absorb(b.Validate())
	if f.Valid() {
		err = s.db.AddCallBlock(r.Context(), a.actor, b)
		if err == nil {
			s.flash(w, r, "Call block added: "+b.Label()+".")
			return redirect(w, r, "/review/blocks")
		}
		if !f.absorb(err) {
			return err
		}
	}
	return s.renderBlocks(w, r, a, f, http.StatusUnprocessableEntity)
}

// callBlockDelete removes one of the user's own blocks; anyone else's is
// not found.
func (s *Server) callBlockDelete(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.DeleteCallBlock(r.Context(), a.actor, id); err != nil {
		return err
	}
	s.flash(w, r, "Call block removed.")
	return redirect(w, r, "/review/blocks")
}
