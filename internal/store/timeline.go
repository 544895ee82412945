package store

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TimelineKind names what a timeline item is.
type TimelineKind string

const (
	TimelineConversation   TimelineKind = "conversation"
	TimelineFact           TimelineKind = "fact"
	TimelineFollowUpSet    TimelineKind = "followup_set"
	TimelineFollowUpClosed TimelineKind = "followup_closed"
	TimelineStage          TimelineKind = "stage"
	TimelineEvent          TimelineKind = "event"
)

// TimelineItem is one entry of a person's story, newest first.
type TimelineItem struct {
	At   time.Time
	Kind TimelineKind
	// UserName is who did it, when known.
	UserName     string
	Conversation *rapport.Conversation
	// Facts are the facts learned in the conversation, or the one fact of
	// a fact item.
	Facts    []rapport.Fact
	FollowUp *rapport.FollowUp
	// NextStep is the follow-up set while logging the conversation.
	NextStep  *rapport.FollowUp
	FromStage *rapport.Stage
	ToStage   *rapport.Stage
	Reason    string
	Event     *rapport.Event
}

var tieRank = map[TimelineKind]int{TimelineFollowUpClosed: 0, TimelineConversation: 1, TimelineStage: 2, TimelineFact: 3, TimelineFollowUpSet: 4, TimelineEvent: 5}

// timelineLimit bounds each source of a timeline; older history is still
// in the database and the search index.
const timelineLimit = 300

// Timeline returns a person's conversations, facts, follow-ups and stage
// changes as one story, newest first.
func (db *DB) Timeline(ctx context.Context, act rapport.Actor, personID int64) ([]TimelineItem, error) {
	if err := db.CheckVisible(ctx, act, personID); err != nil {
		return nil, err
	}
	var facts []rapport.Fact
	if err := db.readTimeline(ctx, act.Org, personID, &facts, "learned_at DESC, id DESC"); err != nil {
		return nil, err
	}
	var fus []rapport.FollowUp
	if err := db.readTimeline(ctx, act.Org, personID, &fus, "created_at DESC, id DESC"); err != nil {
		return nil, err
	}
	return db.timeline(ctx, act.Org, personID, facts, fus)
}

// Story is what a person's page shows of their history.
type Story struct {
	// Facts are every fact learned, newest first.
	Facts []rapport.Fact
	// FollowUps are the open follow-ups, soonest due first (as FollowUps
	// lists them for the person).
	FollowUps []rapport.FollowUp
	Timeline  []TimelineItem
}

// Story returns the facts, open follow-ups and timeline of p, a person as
// Person read them, reading the facts and the follow-ups once for all
// three (the page read the same rows twice, and p's name a third time).
func (db *DB) Story(ctx context.Context, act rapport.Actor, p *rapport.Person) (*Story, error) {
	personID := p.ID
	facts, err := db.Facts(ctx, act, personID) // checks the person is visible
	if err != nil {
		return nil, err
	}
	var fus []rapport.FollowUp
	if err := db.readTimeline(ctx, act.Org, personID, &fus, "created_at DESC, id DESC"); err != nil {
		return nil, err
	}
	st := &Story{Facts: facts}
	if len(fus) < timelineLimit {
		// Every follow-up of the person was read: the open ones are among
		// them, in FollowUps's order and bound.
		for _, f := range fus {
			if f.Status == rapport.FollowUpOpen {
				f.Person = &rapport.PersonRef{ID: personID, Name: p.Name()}
				st.FollowUps = append(st.FollowUps, f)
			}
		}
		slices.SortFunc(st.FollowUps, func(a, b rapport.FollowUp) int {
			return cmp.Or(cmp.Compare(a.DueOn, b.DueOn), cmp.Compare(a.ID, b.ID))
		})
		st.FollowUps = st.FollowUps[:min(len(st.FollowUps), followUpsLimit)]
	} else if st.FollowUps, err = db.FollowUps(ctx, act, FollowUpFilter{PersonID: personID}); err != nil {
		return nil, err
	}
	// The timeline's facts are the newest of them, as its own read would
	// have bounded them.
	if st.Timeline, err = db.timeline(ctx, act.Org, personID, facts[:min(len(facts), timelineLimit)], fus); err != nil {
		return nil, err
	}
	return st, nil
}

// readTimeline reads a source of a person's timeline, newest first,
// bounded.
func (db *DB) readTimeline(ctx context.Context, orgID, personID int64, dest any, order string) error {
	return db.readAll(ctx, db.ro, dest, personRows(dest, order, true), orgID, personID, timelineLimit)
}

// timeline makes the story of a visible person from their facts and
// follow-ups (read as readTimeline reads them) and the other sources.
func (db *DB) timeline(ctx context.Context, orgID, personID int64, facts []rapport.Fact, fus []rapport.FollowUp) ([]TimelineItem, error) {
	team, err := db.Roster(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	userName := team.Names
	read := func(dest any, order string) error { return db.readTimeline(ctx, orgID, personID, dest, order) }
	var convs []rapport.Conversation
	if err := read(&convs, "occurred_at DESC, id DESC"); err != nil {
		return nil, err
	}
	var changes []rapport.StageChange
	if err := read(&changes, "at DESC, id DESC"); err != nil {
		return nil, err
	}
	events, err := db.Events(ctx, rapport.Actor{Org: orgID}, personID, timelineLimit)
	if err != nil {
		return nil, err
	}
	pipes, err := db.Pipelines(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	stages := Stages(pipes)

	var items []TimelineItem
	byConv := map[int64]int{}
	for i := range convs {
		c := &convs[i]
		byConv[c.ID] = len(items)
		items = append(items, TimelineItem{At: c.OccurredAt, Kind: TimelineConversation, UserName: userName[c.UserID], Conversation: c})
	}
	for _, f := range facts {
		if i, ok := byConv[f.ConversationID]; ok && f.ConversationID != 0 {
			items[i].Facts = append(items[i].Facts, f)
			continue
		}
		items = append(items, TimelineItem{At: f.LearnedAt, Kind: TimelineFact, UserName: userName[f.UserID], Facts: []rapport.Fact{f}})
	}
	for i := range fus {
		f := &fus[i]
		// A next step set while logging shows inside its conversation.
		if ci, ok := byConv[f.ConversationID]; ok && f.ConversationID != 0 {
			items[ci].NextStep = f
		} else {
			items = append(items, TimelineItem{At: f.CreatedAt, Kind: TimelineFollowUpSet, UserName: userName[f.CreatedBy], FollowUp: f})
		}
		switch {
		case !f.DoneAt.IsZero():
			items = append(items, TimelineItem{At: f.DoneAt, Kind: TimelineFollowUpClosed, UserName: userName[f.UserID], FollowUp: f})
		case !f.CancelledAt.IsZero():
			items = append(items, TimelineItem{At: f.CancelledAt, Kind: TimelineFollowUpClosed, UserName: userName[f.UserID], FollowUp: f})
		}
	}
	for i := range events {
		items = append(items, TimelineItem{At: events[i].OccurredAt, Kind: TimelineEvent, Event: &events[i]})
	}
	for _, sc := range changes {
		items = append(items, TimelineItem{At: sc.At, Kind: TimelineStage, UserName: userName[sc.UserID],
			FromStage: stages[sc.FromStageID], ToStage: stages[sc.ToStageID], Reason: sc.Reason})
	}
	// Newest first; at the same moment, a promise kept shows above the
	// conversation that kept it, and a stage change it caused below it
	// (read down: what was said, then where it moved them).
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].At.Equal(items[j].At) {
			return items[i].At.After(items[j].At)
		}
		return tieRank[items[i].Kind] < tieRank[items[j].Kind]
	})
	return items, nil
}
