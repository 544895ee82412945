package store

import (
	"context"
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
	orgID := act.Org
	if err := db.CheckVisible(ctx, act, personID); err != nil {
		return nil, err
	}
	team, err := db.Roster(ctx, rapport.Actor{Org: orgID})
	if err != nil {
		return nil, err
	}
	userName := team.Names
	// Each source by the person, newest first, bounded.
	read := func(dest any, order string) error {
		b := &bound{}
		q := db.ro.NewSelect().Model(dest).Where("org_id = ? AND person_id = ?", b.v(orgID), b.v(personID)).OrderExpr(order).Limit(timelineLimit)
		return db.readBound(ctx, dest, q.String(), b)
	}
	var convs []rapport.Conversation
	if err := read(&convs, "occurred_at DESC, id DESC"); err != nil {
		return nil, err
	}
	var facts []rapport.Fact
	if err := read(&facts, "learned_at DESC, id DESC"); err != nil {
		return nil, err
	}
	var fus []rapport.FollowUp
	if err := read(&fus, "created_at DESC, id DESC"); err != nil {
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
