package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestReviewGathersTheRightRows builds a week of work through the store's
// own write paths and checks that the review sees exactly it: the user's
// calls (not a colleague's, not another organisation's), the called
// person's zone for the heat map, promises, people added and referred,
// the story counts, callable people, and call blocks; then the team's
// review sums both users and their targets.
func TestReviewGathersTheRightRows(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		// Monday Nov 23 2026, 09:30 Chicago (start): the week under review.
		agent := f.agent
		agent.WeeklyGoal, agent.TodaySize, agent.AttemptTarget, agent.ReferralTarget = 4, 10, 40, 1
		if err := f.db.UpdateUserSettings(ctx, rapport.Actor{Org: agent.OrgID}, agent); err != nil {
			t.Fatal(err)
		}
		ny := &rapport.Person{FirstName: "Nia", TZ: "America/New_York", Phones: []rapport.Phone{{Number: "+12125550101"}}}
		ny = f.person(t, *ny)
		ref := f.person(t, rapport.Person{FirstName: "Ray", ReferredByID: ny.ID, Phones: []rapport.Phone{{Number: "+13125550102"}}})
		f.person(t, rapport.Person{FirstName: "Dee", DoNotCall: true, Phones: []rapport.Phone{{Number: "+13125550103"}}})
		f.person(t, rapport.Person{FirstName: "Nophone"})
		bad := f.person(t, rapport.Person{FirstName: "Bad", Phones: []rapport.Phone{{Number: "+13125550104"}}})
		badP, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, bad.ID)
		f.log(t, bad.ID, store.LogInput{Conversation: call(rapport.OutcomeBadNumber), PhoneID: badP.Phones[0].ID})

		// Tuesday 17:10 Chicago = 18:10 in New York: a live call of 7
		// minutes, with a passion and a fear learned and a promise for
		// Thursday.
		f.clock.Set(time.Date(2026, 11, 24, 17, 10, 0, 0, chicago))
		live := call(rapport.OutcomeLive)
		live.DurationSeconds = 420
		f.log(t, ny.ID, store.LogInput{Conversation: live,
			Facts:    []rapport.Fact{{Type: rapport.FactPassion, Text: "Rowing"}, {Type: rapport.FactFear, Text: "Rates"}},
			FollowUp: &rapport.FollowUp{DueOn: "2026-11-26", Note: "Send comps"}})
		f.log(t, ref.ID, store.LogInput{Conversation: call(rapport.OutcomeNoAnswer)})
		// A colleague's call and another organisation's are not ours.
		if _, err := f.db.LogConversation(ctx, rapport.Member(f.org, f.owner), &store.LogInput{Conversation: rapport.Conversation{PersonID: ref.ID,
			Channel: rapport.ChannelCall, Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeLive}, Loc: chicago}); err != nil {
			t.Fatal(err)
		}
		other := newFixture(t, f.db, f.clock, "other")
		op := &rapport.Person{FirstName: "Elsewhere", Kind: rapport.KindLead, OwnerID: other.agent.ID}
		if err := f.db.CreatePerson(ctx, rapport.Member(other.org, other.agent), op); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.LogConversation(ctx, rapport.Member(other.org, other.agent), &store.LogInput{Conversation: rapport.Conversation{PersonID: op.ID,
			Channel: rapport.ChannelCall, Direction: rapport.DirectionOutbound, Outcome: rapport.OutcomeLive}, Loc: chicago}); err != nil {
			t.Fatal(err)
		}
		// A block on Tuesday 17:00–18:00 (kept) and Wednesday (missed).
		for _, b := range []rapport.CallBlock{{UserID: agent.ID, Weekday: time.Tuesday, Start: 17 * 60, End: 18 * 60},
			{UserID: agent.ID, Weekday: time.Wednesday, Start: 9 * 60, End: 10 * 60}} {
			if err := f.db.AddCallBlock(ctx, rapport.Actor{Org: f.org.ID}, &b); err != nil {
				t.Fatal(err)
			}
		}
		overlap := rapport.CallBlock{UserID: agent.ID, Weekday: time.Tuesday, Start: 17*60 + 30, End: 19 * 60}
		if err := f.db.AddCallBlock(ctx, rapport.Actor{Org: f.org.ID}, &overlap); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("an overlapping block: %v", err)
		}

		f.clock.Set(time.Date(2026, 11, 27, 12, 0, 0, 0, chicago)) // Friday: Thursday's promise is overdue
		r, err := f.db.Review(ctx, rapport.Actor{Org: f.org.ID}, []rapport.User{*agent}, chicago, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		// Monday's bad-number call, Tuesday's two: 3 attempts, 1 connect,
		// 1 live; 5 people added, 1 referred.
		want := rapport.WeekFigures{Start: r.Start, Attempts: 3, Connects: 1, Live: 1, NewPeople: 5, Referrals: 1}
		if r.Week != want {
			t.Errorf("week = %+v\nwant   %+v", r.Week, want)
		}
		if r.Targets != (rapport.Targets{Attempts: 40, Live: 4, Referrals: 1}) {
			t.Errorf("targets = %+v", r.Targets)
		}
		if c := r.Heat.Cells[1][18]; c.Attempts != 1 || c.Connects != 1 {
			t.Errorf("Tuesday 18:00 New York time = %+v", c)
		}
		// Story: Nia and Ray (whom the owner talked to) are active; Ray
		// has none of the three on record, Nia two of them.
		if q := r.Quality; q.AvgLiveSeconds != 420 || q.PromisesDue != 1 || q.OnTime != 0 || q.Story != (rapport.StoryCounts{Active: 2, Unknown: 1}) {
			t.Errorf("quality = %+v", q)
		}
		if kept, judged := r.BlocksKept(); kept != 1 || judged != 2 {
			t.Errorf("blocks %d of %d kept: %+v", kept, judged, r.Blocks)
		}
		var keys []string
		for _, o := range r.Obstacles {
			keys = append(keys, o.Key)
		}
		// Ray and Nia can be called (Dee is do-not-call, Nophone has no
		// number, Bad's only number is bad): 2 < 40 attempts.
		if !slices.Contains(keys, rapport.ObstaclePromises) || !slices.Contains(keys, rapport.ObstacleThinList) {
			t.Errorf("obstacles = %v", keys)
		}
		for _, o := range r.Obstacles {
			if o.Key == rapport.ObstacleThinList && o.Figure != "2 people can be called; the goal takes about 40 attempts a week." {
				t.Errorf("thin list: %q", o.Figure)
			}
		}
		// A motivation learned later completes Nia's story.
		if err := f.db.AddFact(ctx, rapport.Member(f.org, agent), &rapport.Fact{PersonID: ny.ID, Type: rapport.FactMotivation, Text: "New baby"}); err != nil {
			t.Fatal(err)
		}
		r, _ = f.db.Review(ctx, rapport.Actor{Org: f.org.ID}, []rapport.User{*agent}, chicago, f.clock.Now())
		if r.Quality.Story != (rapport.StoryCounts{Active: 2, Known: 1, Unknown: 1}) {
			t.Errorf("story after the motivation = %+v", r.Quality.Story)
		}

		// The team: the owner's live call counts too; targets add up.
		users, _ := f.db.Users(ctx, rapport.Actor{Org: f.org.ID})
		team, err := f.db.Review(ctx, rapport.Actor{Org: f.org.ID}, users, chicago, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if team.Week.Attempts != 4 || team.Week.Live != 2 || team.Targets.Live != 4+f.owner.WeeklyGoal {
			t.Errorf("team week = %+v, targets %+v", team.Week, team.Targets)
		}

		// The funnel of the week: Nia talked, Ray did not, Bad had a
		// bad number; the colleague's call to Ray is not ours.
		fun, err := f.db.Funnel(ctx, rapport.Actor{Org: f.org.ID}, []rapport.User{*agent}, r.Start, r.End)
		if err != nil {
			t.Fatal(err)
		}
		if tot := fun.Total; tot.Attempted != 3 || tot.Connected != 1 || tot.Live != 1 || tot.ToLiveN != 1 || tot.ToLive != 0 {
			t.Errorf("funnel total = %+v", tot)
		}
		// The leaderboard: the agent has 1 of 4 live conversations.
		board, err := f.db.Leaderboard(ctx, rapport.Actor{Org: f.org.ID}, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range board {
			if row.User.ID == agent.ID && (row.Live != 1 || row.Target != 4) {
				t.Errorf("agent on the board = %+v", row)
			}
		}
		// Blocks are the user's own.
		blocks, _ := f.db.CallBlocks(ctx, rapport.Actor{Org: f.org.ID}, agent.ID)
		if len(blocks) != 2 || blocks[0].Weekday != time.Tuesday {
			t.Fatalf("blocks = %+v", blocks)
		}
		if err := f.db.DeleteCallBlock(ctx, rapport.Member(f.org, f.owner), blocks[0].ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("deleting another user's block: %v", err)
		}
		if err := f.db.DeleteCallBlock(ctx, rapport.Member(other.org, agent), blocks[0].ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("deleting from another organisation: %v", err)
		}
		if err := f.db.DeleteCallBlock(ctx, rapport.Member(f.org, agent), blocks[0].ID); err != nil {
			t.Error(err)
		}
	})
}
