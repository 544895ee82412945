package store_test

import (
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestDoNotCall: someone marked do not call (by a user, by a do-not-call
// outcome, or by an import's column) is never on Today and cannot be put
// there; an outbound call logged to them is refused, with nothing saved,
// unless the user confirms it was wanted, and then the conversation says
// so. Inbound calls and other channels need no confirmation.
func TestDoNotCall(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		marked := f.person(t, rapport.Person{FirstName: "Marked", DoNotCall: true,
			Phones: []rapport.Phone{{Number: "+13125550101"}}})
		// Marked by the outcome of a call.
		asked := f.person(t, rapport.Person{FirstName: "Asked", Phones: []rapport.Phone{{Number: "+13125550102"}}})
		f.log(t, asked.ID, store.LogInput{Conversation: call(rapport.OutcomeDoNotCall)})
		// Marked by an import's "Do not call" column.
		s, err := f.db.BeginImport(ctx, rapport.Member(f.org, f.agent), store.ImportOptions{OwnerID: f.agent.ID, Expected: 1})
		if err != nil {
			t.Fatal(err)
		}
		rows := importRows(0, 1)
		rows[0].Person.DoNotCall = true
		s.Add(rows)
		if _, err := s.Finish(); err != nil {
			t.Fatal(err)
		}
		page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "p0@list.test"})
		if err != nil || len(page.People) != 1 || !page.People[0].DoNotCall {
			t.Fatalf("imported person: %+v, %v", page.People, err)
		}
		imported := &page.People[0]
		callable := f.person(t, rapport.Person{FirstName: "Callable", Phones: []rapport.Phone{{Number: "+13125550103"}}})

		for _, p := range []*rapport.Person{marked, asked, imported} {
			got, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
			if err != nil || !got.DoNotCall {
				t.Fatalf("%s not marked do not call: %v", p.Name(), err)
			}
			// A promised call due today would put anyone else on Today.
			if err := f.db.CreateFollowUp(ctx, rapport.Member(f.org, f.agent), &rapport.FollowUp{PersonID: p.ID, UserID: f.agent.ID,
				DueOn: rapport.DayOf(start, chicago), Kind: rapport.FollowUpCall, Owes: rapport.OwesMe}); err != nil {
				t.Fatal(err)
			}
			// Putting them on Today from a prospect list is refused, and
			// leaves no promise behind.
			before, _ := f.db.FollowUps(ctx, rapport.Actor{Org: f.org.ID}, store.FollowUpFilter{PersonID: p.ID})
			wantCode(t, f.db.AddToToday(ctx, rapport.Member(f.org, f.agent), p.ID, "Picked"), rapport.EINVALID)
			after, _ := f.db.FollowUps(ctx, rapport.Actor{Org: f.org.ID}, store.FollowUpFilter{PersonID: p.ID})
			if len(after) != len(before) {
				t.Errorf("%s: AddToToday left a follow-up", p.Name())
			}
		}
		today, err := f.db.Today(ctx, rapport.Member(f.org, f.agent), start)
		if err != nil {
			t.Fatal(err)
		}
		onToday := map[int64]bool{}
		for _, e := range today {
			onToday[e.Person.ID] = true
		}
		if !onToday[callable.ID] || onToday[marked.ID] || onToday[asked.ID] || onToday[imported.ID] {
			t.Errorf("Today = %v; want Callable only of these", onToday)
		}

		// An outbound call without confirmation: refused, nothing saved.
		convs := func(id int64) []rapport.Conversation {
			t.Helper()
			cs, _, err := f.db.Conversations(ctx, rapport.Actor{Org: f.org.ID}, store.ConversationFilter{PersonID: id})
			if err != nil {
				t.Fatal(err)
			}
			return cs
		}
		in := &store.LogInput{Conversation: call(rapport.OutcomeLive), Loc: chicago,
			Facts:    []rapport.Fact{{Type: rapport.FactPassion, Text: "Sailing"}},
			FollowUp: &rapport.FollowUp{DueOn: rapport.DayOf(start, chicago).AddDays(7), Note: "Call back"}}
		in.Conversation.PersonID = marked.ID
		_, err = f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), in)
		wantCode(t, err, rapport.EINVALID)
		if e := err.(*rapport.Error); e.Fields["confirm_dnc"] == "" {
			t.Errorf("refusal names no confirm_dnc field: %v", e)
		}
		facts, _ := f.db.Facts(ctx, rapport.Actor{Org: f.org.ID}, marked.ID)
		fus, _ := f.db.FollowUps(ctx, rapport.Actor{Org: f.org.ID}, store.FollowUpFilter{PersonID: marked.ID})
		if len(convs(marked.ID)) != 0 || len(facts) != 0 || len(fus) != 1 {
			t.Fatalf("a refused call saved something: %d facts, %d follow-ups", len(facts), len(fus))
		}
		// Confirmed: kept, and marked as confirmed.
		in.ConfirmDoNotCall = true
		res, err := f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), in)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Conversation.DNCConfirmed {
			t.Error("the confirmed call is not marked confirmed")
		}
		if c, err := f.db.Conversation(ctx, rapport.Actor{Org: f.org.ID}, res.Conversation.ID); err != nil || !c.DNCConfirmed {
			t.Errorf("stored conversation: %+v, %v", c, err)
		}
		// They stay marked do not call.
		if got, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, marked.ID); !got.DoNotCall {
			t.Error("a confirmed call cleared do not call")
		}
		// Inbound calls, texts, emails and meetings need no confirmation,
		// and are not marked.
		for _, c := range []rapport.Conversation{
			{Channel: rapport.ChannelCall, Direction: rapport.DirectionInbound, Outcome: rapport.OutcomeLive},
			{Channel: rapport.ChannelText, Direction: rapport.DirectionOutbound},
			{Channel: rapport.ChannelEmail, Direction: rapport.DirectionOutbound},
			{Channel: rapport.ChannelMeeting, Direction: rapport.DirectionOutbound},
		} {
			res := f.log(t, asked.ID, store.LogInput{Conversation: c})
			if res.Conversation.DNCConfirmed {
				t.Errorf("%s %s marked confirmed", c.Direction, c.Channel)
			}
		}
		// An unconfirmed call to the imported one is refused too, and a
		// confirmation means nothing for someone who may be called.
		_, err = f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &store.LogInput{Conversation: rapport.Conversation{PersonID: imported.ID,
			Channel: rapport.ChannelCall, Outcome: rapport.OutcomeNoAnswer}})
		wantCode(t, err, rapport.EINVALID)
		res, err = f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &store.LogInput{ConfirmDoNotCall: true,
			Conversation: rapport.Conversation{PersonID: callable.ID, Channel: rapport.ChannelCall, Outcome: rapport.OutcomeNoAnswer}})
		if err != nil || res.Conversation.DNCConfirmed {
			t.Errorf("call to someone callable: %+v, %v", res, err)
		}
	})
}
