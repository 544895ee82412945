package store_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// conversationsOf counts a person's conversations, seen by the organisation.
func conversationsOf(t *testing.T, f *fixture, personID int64) []rapport.Conversation {
	t.Helper()
	cs, _, err := f.db.Conversations(ctx, rapport.Actor{Org: f.org.ID}, store.ConversationFilter{PersonID: personID})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestIdempotencyKeyLogsOnce: a log sent twice with one key (the phone's
// queue retrying after an answer it never got) is one conversation, with
// one set of facts; the second answer is the first conversation, marked
// replayed. Another organisation's identical key is its own.
func TestIdempotencyKeyLogsOnce(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Dana", LastName: "Whit"})
		in := func() store.LogInput {
			c := call(rapport.OutcomeLive)
			c.Notes, c.IdempotencyKey = "Talked about the lake house", "6f1c2a7e-0b4d-4d8e-9a51-3c2f0d9e8b11"
			return store.LogInput{Conversation: c, Facts: []rapport.Fact{{Type: rapport.FactPassion, Text: "Sailing"}}}
		}
		first := f.log(t, p.ID, in())
		if first.Replayed || first.NewStage == nil {
			t.Fatalf("first = %+v", first)
		}
		f.clock.Advance(time.Minute)
		again := f.log(t, p.ID, in())
		if !again.Replayed || again.Conversation.ID != first.Conversation.ID || again.NewStage == nil || again.NewStage.ID != first.NewStage.ID {
			t.Fatalf("again = %+v, want the first conversation replayed", again)
		}
		if cs := conversationsOf(t, f, p.ID); len(cs) != 1 || cs[0].IdempotencyKey != in().Conversation.IdempotencyKey {
			t.Fatalf("conversations = %+v", cs)
		}
		facts, err := f.db.Facts(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil || len(facts) != 1 {
			t.Fatalf("facts = %d, %v", len(facts), err)
		}

		// The same key for another person, or by another user, is refused.
		other := f.person(t, rapport.Person{FirstName: "Other"})
		bad := in()
		bad.Conversation.PersonID = other.ID
		_, err = f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &bad)
		wantCode(t, err, rapport.ECONFLICT)
		bad = in()
		bad.Conversation.PersonID = p.ID
		_, err = f.db.LogConversation(ctx, rapport.Member(f.org, f.owner), &bad)
		wantCode(t, err, rapport.ECONFLICT)
		// A damaged key is refused, naming the field.
		bad = in()
		bad.Conversation.PersonID, bad.Conversation.IdempotencyKey = p.ID, "short"
		_, err = f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &bad)
		if rapport.ErrorCode(err) != rapport.EINVALID || !strings.Contains(err.(*rapport.Error).Fields["idempotency_key"], "damaged") {
			t.Fatalf("damaged key: %v", err)
		}

		// Another organisation's identical key logs its own conversation.
		g := newFixture(t, f.db, f.clock, "globex")
		q := g.person(t, rapport.Person{FirstName: "Quinn"})
		theirs := g.log(t, q.ID, in())
		if theirs.Replayed || theirs.Conversation.ID == first.Conversation.ID {
			t.Fatalf("other org's log = %+v", theirs)
		}
		if cs := conversationsOf(t, g, q.ID); len(cs) != 1 {
			t.Fatalf("other org has %d conversations", len(cs))
		}
		if cs := conversationsOf(t, f, p.ID); len(cs) != 1 {
			t.Fatalf("first org now has %d conversations", len(cs))
		}
	})
}

// TestIdempotencyKeyConcurrent: requests racing with one key log one
// conversation, and every one of them answers with it.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Dana"})
		const n = 8
		var wg sync.WaitGroup
		ids := make([]int64, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				c := call(rapport.OutcomeNoAnswer)
				c.PersonID, c.IdempotencyKey = p.ID, "race-0000-key-1"
				res, err := f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &store.LogInput{Conversation: c, Loc: chicago})
				if err == nil {
					ids[i] = res.Conversation.ID
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("request %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("answers name conversations %v", ids)
			}
		}
		if cs := conversationsOf(t, f, p.ID); len(cs) != 1 {
			t.Fatalf("%d conversations logged, want 1", len(cs))
		}
	})
}

// TestOfflineLogConflicts holds the conflict rule (store.personChanges):
// what others did after the form was shown is told, the actor's own
// doings are not, and the log is saved either way.
func TestOfflineLogConflicts(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Dana", LastName: "Whit"})
		seenP, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		seen := &rapport.Seen{Version: seenP.Version, OwnerID: seenP.OwnerID, At: f.clock.Now()}
		withSeen := func(o rapport.Outcome, key string) store.LogInput {
			c := call(o)
			c.IdempotencyKey = key
			return store.LogInput{Conversation: c, Seen: seen}
		}

		// Unchanged: no conflict.
		f.clock.Advance(time.Minute)
		if res := f.log(t, p.ID, withSeen(rapport.OutcomeNoAnswer, "key-own-00001")); len(res.Changes) != 0 {
			t.Fatalf("unchanged person: changes %+v", res.Changes)
		}
		// The actor's own earlier log (the queue's first item) is no
		// conflict for the second, though the version moved on.
		f.clock.Advance(time.Minute)
		if res := f.log(t, p.ID, withSeen(rapport.OutcomeVoicemail, "key-own-00002")); len(res.Changes) != 0 {
			t.Fatalf("own earlier log: changes %+v", res.Changes)
		}

		// The owner moves Dana to Under contract and logs a call; the
		// queued log is still saved, and says so.
		f.clock.Advance(time.Minute)
		var contract int64
		ps, err := f.db.Pipelines(ctx, rapport.Actor{Org: f.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, pl := range ps {
			for _, s := range pl.Stages {
				if s.Key == rapport.StageUnderContract {
					contract = s.ID
				}
			}
		}
		owner := rapport.Member(f.org, f.owner)
		if err := f.db.SetStage(ctx, owner, p.ID, contract, "signed"); err != nil {
			t.Fatal(err)
		}
		c := call(rapport.OutcomeLive)
		c.PersonID = p.ID
		if _, err := f.db.LogConversation(ctx, owner, &store.LogInput{Conversation: c, Loc: chicago}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		res := f.log(t, p.ID, withSeen(rapport.OutcomeLive, "key-late-0001"))
		var texts []string
		for _, ch := range res.Changes {
			texts = append(texts, ch.Text)
		}
		want := []string{"Dana Whit was moved to Under contract by Olive Owner.", "Dana Whit had a conversation logged (live conversation) by Olive Owner."}
		if strings.Join(texts, "|") != strings.Join(want, "|") {
			t.Fatalf("changes = %q, want %q", texts, want)
		}
		if res.Conversation.ID == 0 || res.Replayed {
			t.Fatalf("the conflicting log was not saved: %+v", res)
		}
		// Sent again, the answer tells the same story (the changes before
		// it was first logged), and logs nothing more.
		f.clock.Advance(time.Minute)
		again := f.log(t, p.ID, withSeen(rapport.OutcomeLive, "key-late-0001"))
		if !again.Replayed || len(again.Changes) != 2 || again.Changes[0].Text != want[0] {
			t.Fatalf("replay = %+v", again)
		}
		if cs := conversationsOf(t, f, p.ID); len(cs) != 4 {
			t.Fatalf("%d conversations, want 4", len(cs))
		}

		// Archived and handed to the owner by the owner: both are told.
		fresh, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		seen = &rapport.Seen{Version: fresh.Version, OwnerID: fresh.OwnerID, At: f.clock.Now()}
		f.clock.Advance(time.Minute)
		if err := f.db.ArchivePerson(ctx, owner, p.ID, true); err != nil {
			t.Fatal(err)
		}
		archived, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		archived.OwnerID = f.owner.ID
		if err := f.db.UpdatePerson(ctx, owner, archived); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		res = f.log(t, p.ID, withSeen(rapport.OutcomeNoAnswer, "key-arch-0001"))
		texts = texts[:0]
		for _, ch := range res.Changes {
			texts = append(texts, ch.Kind+": "+ch.Text)
		}
		got := strings.Join(texts, "|")
		if !strings.Contains(got, "archived: Dana Whit was archived by Olive Owner.") || !strings.Contains(got, "owner: Dana Whit now belongs to Olive Owner.") || strings.Contains(got, "edited") {
			t.Fatalf("changes = %q", texts)
		}
	})
}
