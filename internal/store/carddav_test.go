package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// testCard writes what a card would show, plainly.
func testCard(c *store.Contact) []byte {
	var b strings.Builder
	p := &c.Person
	fmt.Fprintf(&b, "%s|%s|dnc=%v|", p.Name(), p.Kind, p.DoNotCall)
	for _, ph := range p.Phones {
		b.WriteString(ph.Number + ":" + ph.Label + ",")
	}
	for _, e := range p.Emails {
		b.WriteString(e.Address + ",")
	}
	for _, f := range c.Facts {
		b.WriteString("|" + string(f.Type) + "=" + f.Text)
	}
	if c.Last != nil {
		fmt.Fprintf(&b, "|last=%s %s", c.Last.Channel, c.Last.OccurredAt.UTC().Format(time.RFC3339))
	}
	return []byte(b.String())
}

// bookOf syncs the user's book and returns it with its cards by person.
func bookOf(t *testing.T, f *fixture, act rapport.Actor) (*store.AddressBook, map[int64]string) {
	t.Helper()
	b, err := f.db.SyncAddressBook(ctx, act, testCard)
	if err != nil {
		t.Fatal(err)
	}
	cards := map[int64]string{}
	for _, c := range b.Cards {
		cards[c.PersonID] = string(c.Data)
	}
	return b, cards
}

// changed lists what changed in the user's book after seq, as "+id" for a
// card that came or changed and "-id" for one that left.
func changed(t *testing.T, f *fixture, act rapport.Actor, b *store.AddressBook, since int64) []string {
	t.Helper()
	cs, err := f.db.AddressBookChanges(ctx, act, b.Tag, since, since, b.Seq)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		sign := "+"
		if c.Removed {
			sign = "-"
		}
		out = append(out, fmt.Sprintf("%s%d", sign, c.PersonID))
	}
	return out
}

func ids(ps ...*rapport.Person) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprint(p.ID))
	}
	return out
}

func plus(ps ...*rapport.Person) []string {
	var out []string
	for _, id := range ids(ps...) {
		out = append(out, "+"+id)
	}
	return out
}

// TestAddressBookSync: a user's book holds the people they may see and
// nothing else, and each sync after the first names exactly the cards
// that changed, came or left — whatever made them — with a token that
// moves only then.
func TestAddressBookSync(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.org.Visibility = rapport.VisibilityOwn
		if err := f.db.UpdateOrg(ctx, rapport.Actor{Org: f.org.ID}, f.org); err != nil {
			t.Fatal(err)
		}
		colleague := &rapport.User{OrgID: f.org.ID, Email: "colleague@acme.test", Name: "Cleo", Role: rapport.RoleAgent, PasswordHash: "x"}
		if err := f.db.CreateUser(ctx, rapport.Actor{Org: f.org.ID}, colleague); err != nil {
			t.Fatal(err)
		}
		other := newFixture(t, f.db, f.clock, "other")
		agent := rapport.Member(f.org, f.agent)
		dana := f.person(t, rapport.Person{FirstName: "Dana", LastName: "Whit", Phones: []rapport.Phone{{Number: "+13125550142", Label: "mobile"}}})
		ben := f.person(t, rapport.Person{FirstName: "Ben", LastName: "Ito"})
		secret := f.person(t, rapport.Person{FirstName: "Zelda", LastName: "Private", OwnerID: colleague.ID})
		foreign := other.person(t, rapport.Person{FirstName: "Otto", LastName: "Elsewhere"})
		gone := f.person(t, rapport.Person{FirstName: "Gone", LastName: "Before"})
		if err := f.db.ArchivePerson(ctx, agent, gone.ID, true); err != nil {
			t.Fatal(err)
		}

		b1, cards := bookOf(t, f, agent)
		if len(cards) != 2 || cards[dana.ID] == "" || cards[ben.ID] == "" {
			t.Fatalf("first sync holds %v, want Dana and Ben only", cards)
		}
		if got := changed(t, f, agent, b1, 0); !slices.Equal(got, plus(dana, ben)) {
			t.Errorf("changes from the start = %v", got)
		}
		for _, p := range []*rapport.Person{secret, foreign, gone} {
			if cs, err := f.db.Contacts(ctx, agent, []int64{p.ID}); err != nil || len(cs) != 0 {
				t.Errorf("%s's contact is found by the agent: %v %v", p.Name(), cs, err)
			}
		}

		// Nothing changed: the same token, nothing after it.
		b2, _ := bookOf(t, f, agent)
		if b2.Tag != b1.Tag || b2.Seq != b1.Seq || len(changed(t, f, agent, b2, b1.Seq)) != 0 {
			t.Fatalf("an unchanged book moved on: %+v → %+v", b1, b2)
		}

		// step makes a change, and checks the next sync names exactly what.
		last := b2
		step := func(what string, change func(), want ...string) map[int64]string {
			t.Helper()
			change()
			b, cards := bookOf(t, f, agent)
			got := changed(t, f, agent, b, last.Seq)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) || (len(want) > 0) != (b.Seq > last.Seq) {
				t.Errorf("%s: changes %v (seq %d → %d), want %v", what, got, last.Seq, b.Seq, want)
			}
			last = b
			return cards
		}
		p, err := f.db.Person(ctx, agent, dana.ID)
		if err != nil {
			t.Fatal(err)
		}
		cards = step("a phone added", func() {
			p.Phones = append(p.Phones, rapport.Phone{Number: "+13125550199", Label: "work"})
			if err := f.db.UpdatePerson(ctx, agent, p); err != nil {
				t.Fatal(err)
			}
		}, plus(dana)...)
		if !strings.Contains(cards[dana.ID], "+13125550199:work") {
			t.Errorf("Dana's card lacks her new phone: %s", cards[dana.ID])
		}
		cards = step("a fact learned", func() {
			if err := f.db.AddFact(ctx, agent, &rapport.Fact{PersonID: ben.ID, Type: rapport.FactPassion, Text: "Loves sailing"}); err != nil {
				t.Fatal(err)
			}
		}, plus(ben)...)
		if !strings.Contains(cards[ben.ID], "passion=Loves sailing") {
			t.Errorf("Ben's card lacks his passion: %s", cards[ben.ID])
		}
		cards = step("a conversation logged", func() { f.log(t, ben.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)}) }, plus(ben)...)
		if !strings.Contains(cards[ben.ID], "last=call") {
			t.Errorf("Ben's card lacks the call: %s", cards[ben.ID])
		}
		step("someone else's person edited", func() {
			s, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, secret.ID)
			s.FirstName = "Zora"
			if err := f.db.UpdatePerson(ctx, rapport.Actor{Org: f.org.ID}, s); err != nil {
				t.Fatal(err)
			}
		})
		step("archived", func() {
			if err := f.db.ArchivePerson(ctx, agent, ben.ID, true); err != nil {
				t.Fatal(err)
			}
		}, "-"+ids(ben)[0])
		step("restored", func() {
			if err := f.db.ArchivePerson(ctx, agent, ben.ID, false); err != nil {
				t.Fatal(err)
			}
		}, plus(ben)...)
		twin := f.person(t, rapport.Person{FirstName: "Dana", LastName: "Whitt", Emails: []rapport.Email{{Address: "dana@whit.test", Label: "home"}}})
		step("merged", func() {
			if _, err := f.db.MergePeople(ctx, agent, dana.ID, twin.ID); err != nil {
				t.Fatal(err)
			}
		}, plus(dana)...) // the twin came and went between syncs: never told of
		step("given to a colleague", func() {
			p, _ := f.db.Person(ctx, agent, ben.ID)
			p.OwnerID = colleague.ID
			if err := f.db.UpdatePerson(ctx, rapport.Actor{Org: f.org.ID}, p); err != nil {
				t.Fatal(err)
			}
		}, "-"+ids(ben)[0])
		mine := rapport.Member(f.org, colleague)
		if _, theirs := bookOf(t, f, mine); theirs[ben.ID] == "" || theirs[secret.ID] == "" || theirs[dana.ID] != "" {
			t.Errorf("the colleague's book: %v", theirs)
		}
		f.org.Visibility = rapport.VisibilityAll
		if err := f.db.UpdateOrg(ctx, rapport.Actor{Org: f.org.ID}, f.org); err != nil {
			t.Fatal(err)
		}
		agent = rapport.Member(f.org, f.agent)
		cards = step("everyone's people shown", func() {}, plus(ben, secret)...)
		if cards[foreign.ID] != "" || cards[gone.ID] != "" {
			t.Errorf("another organisation's or an archived person is in the book: %v", cards)
		}

		// Tokens this book cannot answer for.
		for _, tok := range []struct {
			tag  string
			seq  int64
			what string
		}{{"nope", 1, "another book's"}, {last.Tag, last.Seq + 1, "one ahead"}} {
			if _, err := f.db.AddressBookChanges(ctx, agent, tok.tag, tok.seq, tok.seq, last.Seq); !errors.Is(err, store.ErrSyncToken) {
				t.Errorf("%s token: %v", tok.what, err)
			}
		}
		// Removals are remembered for CardTombstoneTTL; a token from before
		// one that is forgotten is too old.
		before := last
		step("archived again", func() {
			if err := f.db.ArchivePerson(ctx, agent, ben.ID, true); err != nil {
				t.Fatal(err)
			}
		}, "-"+ids(ben)[0])
		f.clock.Advance(store.CardTombstoneTTL + time.Hour)
		step("a change months later", func() {
			if err := f.db.AddFact(ctx, agent, &rapport.Fact{PersonID: dana.ID, Type: rapport.FactFear, Text: "Rates"}); err != nil {
				t.Fatal(err)
			}
		}, plus(dana)...)
		if _, err := f.db.AddressBookChanges(ctx, agent, last.Tag, before.Seq, before.Seq, last.Seq); !errors.Is(err, store.ErrSyncToken) {
			t.Errorf("a token from before a forgotten removal: %v", err)
		}
		// From the start: every card there is, none that left.
		all, err := f.db.AddressBookChanges(ctx, agent, "", 0, 0, last.Seq)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, c := range all {
			if c.Removed {
				t.Errorf("a first sync is told of a removal: %+v", c)
			}
			got = append(got, c.PersonID)
		}
		slices.Sort(got)
		if want := []int64{dana.ID, secret.ID}; !slices.Equal(got, want) {
			t.Errorf("from the start: %v, want %v", got, want)
		}
	})
}

// TestContactFacts: a card's facts are a couple, passions first, newest
// first, without repeats; its last conversation is the latest.
func TestContactFacts(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		agent := rapport.Member(f.org, f.agent)
		p := f.person(t, rapport.Person{FirstName: "Dana", LastName: "Whit", DoNotCall: true})
		for _, fact := range []rapport.Fact{{Type: rapport.FactFear, Text: "Rates"}, {Type: rapport.FactPassion, Text: "Sailing"},
			{Type: rapport.FactInterest, Text: "Cubs"}, {Type: rapport.FactPassion, Text: "sailing"}} {
			fact.PersonID = p.ID
			if err := f.db.AddFact(ctx, agent, &fact); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(time.Minute)
		}
		f.log(t, p.ID, store.LogInput{Conversation: rapport.Conversation{Channel: rapport.ChannelText, Direction: rapport.DirectionOutbound}})
		f.clock.Advance(time.Hour)
		// They called back (they are do not call: only they may).
		f.log(t, p.ID, store.LogInput{Conversation: rapport.Conversation{Channel: rapport.ChannelCall, Direction: rapport.DirectionInbound, Outcome: rapport.OutcomeLive}})
		cs, err := f.db.Contacts(ctx, agent, []int64{p.ID})
		if err != nil || len(cs) != 1 {
			t.Fatalf("contacts: %v %v", cs, err)
		}
		c := cs[0]
		var facts []string
		for _, fa := range c.Facts {
			facts = append(facts, fa.Text)
		}
		if !slices.Equal(facts, []string{"sailing", "Cubs"}) {
			t.Errorf("facts = %v, want the newest passion then the interest", facts)
		}
		if c.Last == nil || c.Last.Channel != rapport.ChannelCall || c.Last.Outcome != rapport.OutcomeLive || !c.Person.DoNotCall {
			t.Errorf("last = %+v, do not call %v", c.Last, c.Person.DoNotCall)
		}
	})
}
