package store_test

import (
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

func TestLogLiveConversation(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Maria", LastName: "Lopez", Phones: []rapport.Phone{{Number: "+13125550142"}}})
		// A promised callback due today is kept by the live conversation.
		promise := &rapport.FollowUp{PersonID: p.ID, DueOn: rapport.DayOf(f.clock.Now(), chicago), Note: "call back"}
		if err := f.db.CreateFollowUp(ctx, rapport.Member(f.org, f.agent), promise); err != nil {
			t.Fatal(err)
		}
		conv := call(rapport.OutcomeLive)
		conv.Notes, conv.DurationSeconds, conv.Temperature = "Loves sailing on Lake Michigan; worried about schools.", 600, rapport.TempWarm
		res := f.log(t, p.ID, store.LogInput{
			Conversation: conv,
			Facts: []rapport.Fact{{Type: rapport.FactPassion, Text: "Sailing on Lake Michigan"},
				{Type: rapport.FactFear, Text: "Schools for her two kids"}},
			FollowUp: &rapport.FollowUp{Kind: rapport.FollowUpMeeting, DueOn: "2026-12-07", Note: "coffee"},
		})
		if !res.Conversation.Live || len(res.Kept) != 1 || res.Kept[0] != promise.ID || res.NewStage == nil || res.NewStage.Key != rapport.StageConversation {
			t.Fatalf("result = %+v (stage %+v)", res, res.NewStage)
		}
		got, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		now := f.clock.Now()
		if !got.FirstAttemptAt.Equal(now) || !got.LastLiveAt.Equal(now) || !got.LastTouchAt.Equal(now) || got.Stage.Key != rapport.StageConversation {
			t.Fatalf("activity = %v %v %v %s", got.FirstAttemptAt, got.LastLiveAt, got.LastTouchAt, got.Stage.Key)
		}
		kept, _ := f.db.FollowUp(ctx, rapport.Actor{Org: f.org.ID}, promise.ID)
		if kept.Status != rapport.FollowUpDone || !kept.DoneAt.Equal(now) {
			t.Errorf("promise = %+v", kept)
		}
		items, err := f.db.Timeline(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var sawConv, sawStage, sawDone bool
		for _, it := range items {
			switch it.Kind {
			case store.TimelineConversation:
				sawConv = len(it.Facts) == 2 && it.NextStep != nil && it.NextStep.Note == "coffee" && it.UserName == "Alex Agent"
			case store.TimelineStage:
				sawStage = sawStage || (it.ToStage != nil && it.ToStage.Key == rapport.StageConversation)
			case store.TimelineFollowUpClosed:
				sawDone = it.FollowUp.ID == promise.ID
			}
		}
		if !sawConv || !sawStage || !sawDone {
			t.Errorf("timeline missing items: conv=%v stage=%v done=%v", sawConv, sawStage, sawDone)
		}
		// What was said is searchable.
		for _, q := range []string{"sailing", "schools", "michigan"} {
			page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: q})
			if err != nil || len(page.People) != 1 {
				t.Errorf("search %q found %d (%v)", q, len(page.People), err)
			}
		}
	})
}

func TestLogOutcomesChangeThePerson(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Sam", Phones: []rapport.Phone{{Number: "+13125550142"}, {Number: "+13125550143"}}})
		full, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		f.log(t, p.ID, store.LogInput{Conversation: call(rapport.OutcomeBadNumber), PhoneID: full.Phones[0].ID})
		got, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if !got.Phones[0].Bad || got.Phones[1].Bad || len(got.CallablePhones()) != 1 {
			t.Errorf("phones after bad number = %+v", got.Phones)
		}
		if got.Stage.Key != rapport.StageNewLead {
			t.Errorf("a bad number moved the stage to %s", got.Stage.Key)
		}
		f.log(t, p.ID, store.LogInput{Conversation: call(rapport.OutcomeDoNotCall)})
		got, _ = f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if !got.DoNotCall {
			t.Error("a do-not-call outcome did not mark the person")
		}
		// Editing the person keeps what the calls learned.
		if err := f.db.UpdatePerson(ctx, rapport.Member(f.org, f.agent), got); err != nil {
			t.Fatal(err)
		}
		got, _ = f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if !got.Phones[0].Bad || got.FirstAttemptAt.IsZero() {
			t.Errorf("edit lost call history: %+v", got)
		}
	})
}

func TestLogValidationSavesNothing(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Sam"})
		cases := []store.LogInput{
			{Conversation: rapport.Conversation{Channel: rapport.ChannelCall}}, // no outcome
			{Conversation: rapport.Conversation{Channel: "fax"}},
			{Conversation: call(rapport.OutcomeLive), Facts: []rapport.Fact{{Type: rapport.FactPassion, Text: "ok"}, {Type: "gossip", Text: "x"}}},
			{Conversation: call(rapport.OutcomeLive), FollowUp: &rapport.FollowUp{DueOn: "next tuesday"}},
			{Conversation: call(rapport.OutcomeLive), FollowUp: &rapport.FollowUp{DueOn: "2026-12-01", Owes: rapport.OwesThem}}, // says nothing of what they promised
			{Conversation: rapport.Conversation{Channel: rapport.ChannelCall, Outcome: rapport.OutcomeLive, OccurredAt: start.Add(48 * time.Hour)}},
		}
		for i, in := range cases {
			in.Conversation.PersonID = p.ID
			_, err := f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &in)
			if rapport.ErrorCode(err) != rapport.EINVALID {
				t.Errorf("case %d: err = %v, want invalid", i, err)
			}
		}
		items, _ := f.db.Timeline(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		for _, it := range items {
			if it.Kind != store.TimelineStage {
				t.Errorf("invalid input left a %s on the timeline", it.Kind)
			}
		}
		// A follow-up for a user of no organisation of ours fails and rolls
		// back the conversation with it.
		_, err := f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &store.LogInput{Conversation: rapport.Conversation{PersonID: p.ID,
			Channel: rapport.ChannelText}, FollowUp: &rapport.FollowUp{DueOn: "2026-12-01", UserID: 424242}})
		wantCode(t, err, rapport.EINVALID)
		got, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if !got.LastTouchAt.IsZero() {
			t.Error("a failed log still touched the person")
		}
	})
}

func TestFollowUps(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Sam"})
		today := rapport.DayOf(f.clock.Now(), chicago)
		mk := func(due rapport.Day, owes rapport.Owes, note string) *rapport.FollowUp {
			fu := &rapport.FollowUp{PersonID: p.ID, DueOn: due, Owes: owes, Note: note}
			if err := f.db.CreateFollowUp(ctx, rapport.Member(f.org, f.agent), fu); err != nil {
				t.Fatal(err)
			}
			return fu
		}
		overdue := mk(today.AddDays(-2), rapport.OwesMe, "")
		mk(today, rapport.OwesThem, "send her list of agents")
		later := mk(today.AddDays(14), rapport.OwesMe, "")
		due, err := f.db.FollowUps(ctx, rapport.Actor{Org: f.org.ID}, store.FollowUpFilter{UserID: f.agent.ID, DueTo: today})
		if err != nil || len(due) != 2 || due[0].ID != overdue.ID || due[0].Person.Name != "Sam" {
			t.Fatalf("due = %+v, %v", due, err)
		}
		theirs, _ := f.db.FollowUps(ctx, rapport.Actor{Org: f.org.ID}, store.FollowUpFilter{Owes: rapport.OwesThem})
		if len(theirs) != 1 {
			t.Errorf("their promises = %d", len(theirs))
		}
		if err := f.db.CloseFollowUp(ctx, rapport.Actor{Org: f.org.ID}, overdue.ID, rapport.FollowUpDone); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.db.CloseFollowUp(ctx, rapport.Actor{Org: f.org.ID}, overdue.ID, rapport.FollowUpCancelled), rapport.ECONFLICT)
		if err := f.db.CloseFollowUp(ctx, rapport.Actor{Org: f.org.ID}, later.ID, rapport.FollowUpCancelled); err != nil {
			t.Fatal(err)
		}
		open, _ := f.db.FollowUps(ctx, rapport.Actor{Org: f.org.ID}, store.FollowUpFilter{})
		if len(open) != 1 {
			t.Errorf("open = %d, want 1", len(open))
		}
		wantCode(t, f.db.CreateFollowUp(ctx, rapport.Member(f.org, f.agent), &rapport.FollowUp{PersonID: p.ID, DueOn: today, UserID: 9999}), rapport.EINVALID)
	})
}
