package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestPlaybookPerOrganisation: one organisation edits a default, adds its
// own objection and retires another; the other organisation keeps the
// defaults. Resetting brings the default back.
func TestPlaybookPerOrganisation(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		other := newFixture(t, f.db, f.clock, "other")
		edit := rapport.Entry{Kind: rapport.EntryObjection, Key: "happy-here", Audience: rapport.AudienceRecruits, Text: "We're a family here.",
			Responses: []string{"That makes sense; a team that feels like family is rare. What makes it feel that way?"}, Why: "Family is loyalty."}
		if err := f.db.SavePlaybookEntry(ctx, rapport.Member(f.org, f.owner), &edit); err != nil {
			t.Fatal(err)
		}
		own := rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceClients, Text: "Your commission is too high!",
			Responses: []string{"I hear you; it's a lot of money. What would you want to see for it?"}}
		if err := f.db.SavePlaybookEntry(ctx, rapport.Member(f.org, f.owner), &own); err != nil {
			t.Fatal(err)
		}
		if own.Key != "own-your-commission-is-too-high" {
			t.Errorf("own key = %q", own.Key)
		}
		if err := f.db.RetirePlaybookEntry(ctx, rapport.Member(f.org, f.owner), rapport.EntryObjection, "no-time", true); err != nil {
			t.Fatal(err)
		}
		bad := rapport.Entry{Kind: rapport.EntryObjection, Key: "x", Audience: rapport.AudienceClients, Text: "Nope"}
		if err := f.db.SavePlaybookEntry(ctx, rapport.Member(f.org, f.owner), &bad); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("an objection without responses: %v", err)
		}

		mine, err := f.db.Playbook(ctx, rapport.Actor{Org: f.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := f.db.Playbook(ctx, rapport.Actor{Org: other.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		if e, _ := mine.Find(rapport.EntryObjection, "happy-here"); e.Text != "We're a family here." || !e.Edited {
			t.Errorf("my happy-here = %+v", e)
		}
		if e, _ := theirs.Find(rapport.EntryObjection, "happy-here"); e.Text != "I'm happy where I am." || e.Edited {
			t.Errorf("their happy-here = %+v", e)
		}
		if _, ok := theirs.Find(rapport.EntryObjection, own.Key); ok {
			t.Error("the other organisation sees my own objection")
		}
		if len(mine.Objections(rapport.AudienceRecruits)) != 5 || len(theirs.Objections(rapport.AudienceRecruits)) != 6 {
			t.Errorf("recruit objections: mine %d, theirs %d", len(mine.Objections(rapport.AudienceRecruits)), len(theirs.Objections(rapport.AudienceRecruits)))
		}
		// A retired objection cannot be recorded; the other organisation
		// can still record it.
		p := f.person(t, rapport.Person{FirstName: "Rae", Kind: rapport.KindRecruit})
		c := call(rapport.OutcomeLive)
		c.Objection = "no-time"
		in := store.LogInput{Conversation: c, Loc: chicago}
		in.Conversation.PersonID = p.ID
		if _, err := f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &in); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("logging a retired objection: %v", err)
		}
		if err := f.db.ResetPlaybookEntry(ctx, rapport.Actor{Org: f.org.ID}, rapport.EntryObjection, "no-time"); err != nil {
			t.Fatal(err)
		}
		if err := f.db.ResetPlaybookEntry(ctx, rapport.Actor{Org: other.org.ID}, rapport.EntryObjection, "happy-here"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("resetting another organisation's edit: %v", err)
		}
		if mine, _ = f.db.Playbook(ctx, rapport.Actor{Org: f.org.ID}); len(mine.Objections(rapport.AudienceRecruits)) != 6 {
			t.Error("reset did not bring no-time back")
		}
		// A new entry whose text makes a key already used gets its own.
		again := rapport.Entry{Kind: rapport.EntryObjection, Audience: rapport.AudienceRecruits, Text: "your commission is too high",
			Responses: []string{"I hear you. What would make it worth it?"}}
		if err := f.db.SavePlaybookEntry(ctx, rapport.Member(f.org, f.owner), &again); err != nil || again.Key != "own-your-commission-is-too-high-2" {
			t.Errorf("second key = %q (%v)", again.Key, err)
		}
		// Retiring and restoring a default leaves it a default, not an edit.
		if err := f.db.RetirePlaybookEntry(ctx, rapport.Member(f.org, f.owner), rapport.EntryObjection, "just-looking", true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.db.Practise(ctx, rapport.Member(f.org, f.agent), "just-looking", "I hear you. What caught your eye?"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("practising a retired objection: %v", err)
		}
		if err := f.db.RetirePlaybookEntry(ctx, rapport.Member(f.org, f.owner), rapport.EntryObjection, "just-looking", false); err != nil {
			t.Fatal(err)
		}
		if mine, _ = f.db.Playbook(ctx, rapport.Actor{Org: f.org.ID}); func() bool { e, _ := mine.Find(rapport.EntryObjection, "just-looking"); return e.Edited || e.Retired }() {
			t.Error("a restored default is marked edited or retired")
		}
		// An objection for recruits is not recorded on a client's call.
		client := f.person(t, rapport.Person{FirstName: "Cleo", Kind: rapport.KindClient})
		cc := call(rapport.OutcomeLive)
		cc.Objection, cc.PersonID = "happy-here", client.ID
		if _, err := f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &store.LogInput{Conversation: cc, Loc: chicago}); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("a recruits' objection on a client's call: %v", err)
		}
	})
}

// TestObjectionStatistics: objections recorded on conversations are
// counted per objection with how those conversations ended, for the
// review.
func TestObjectionStatistics(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		p := f.person(t, rapport.Person{FirstName: "Rae", Kind: rapport.KindRecruit})
		q := f.person(t, rapport.Person{FirstName: "Sol", Kind: rapport.KindRecruit})
		logObj := func(pid int64, key string, o rapport.Outcome, next bool) {
			t.Helper()
			c := call(o)
			c.Objection = key
			in := store.LogInput{Conversation: c}
			if next {
				in.FollowUp = &rapport.FollowUp{DueOn: rapport.DayOf(f.clock.Now(), chicago).AddDays(14), Note: "Coffee"}
			}
			f.log(t, pid, in)
			f.clock.Advance(time.Minute)
		}
		logObj(p.ID, "happy-here", rapport.OutcomeLive, true)
		logObj(q.ID, "happy-here", rapport.OutcomeLive, false)
		logObj(q.ID, "happy-here", rapport.OutcomeDoNotCall, false)
		logObj(p.ID, "whats-your-split", rapport.OutcomeAppointment, true)
		f.log(t, p.ID, store.LogInput{Conversation: call(rapport.OutcomeLive)}) // no objection
		stats, err := f.db.ObjectionStats(ctx, rapport.Actor{Org: f.org.ID}, []int64{f.agent.ID}, start.Add(-time.Hour), f.clock.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(stats) != 2 {
			t.Fatalf("stats = %+v", stats)
		}
		h, s := stats[0], stats[1]
		if h.Key != "happy-here" || h.Text != "I'm happy where I am." || h.N != 3 || h.Live != 2 || h.NextStep != 1 || h.DoNotCall != 1 {
			t.Errorf("happy-here = %+v", h)
		}
		if s.Key != "whats-your-split" || s.N != 1 || s.Appointment != 1 || s.NextStep != 1 || s.Live != 1 {
			t.Errorf("split = %+v", s)
		}
		if none, _ := f.db.ObjectionStats(ctx, rapport.Actor{Org: f.org.ID}, []int64{f.owner.ID}, start.Add(-time.Hour), f.clock.Now()); len(none) != 0 {
			t.Errorf("the owner's stats = %+v", none)
		}
	})
}

// TestDrills: responses are assessed and kept, the streak counts days,
// managers assign drill sets of live objections.
func TestDrills(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		if _, _, err := f.db.Practise(ctx, rapport.Member(f.org, f.agent), "happy-here", "  "); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("an empty response: %v", err)
		}
		if _, _, err := f.db.Practise(ctx, rapport.Member(f.org, f.agent), "no-such", "Hi"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("an unknown objection: %v", err)
		}
		a, fb, err := f.db.Practise(ctx, rapport.Member(f.org, f.agent), "happy-here", "I understand, but we pay more. Want to switch?")
		if err != nil {
			t.Fatal(err)
		}
		if a.Score != 2 || fb.Good() || a.Passed != "acknowledge,short" {
			t.Errorf("attempt = %+v", a)
		}
		f.clock.Advance(24 * time.Hour)
		if _, fb, _ = f.db.Practise(ctx, rapport.Member(f.org, f.agent), "happy-here", "It sounds like you've found a good fit. What do you like most about it?"); !fb.Good() {
			t.Errorf("a good response: %+v", fb.Checks)
		}
		hist, _ := f.db.DrillHistory(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID, 10)
		if len(hist) != 2 || hist[0].Score != 4 {
			t.Errorf("history = %+v", hist)
		}
		days, _ := f.db.PracticeDays(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID)
		if n := rapport.PracticeStreak(f.clock.Now(), chicago, days); n != 2 {
			t.Errorf("streak = %d", n)
		}
		if _, err := f.db.AssignDrills(ctx, rapport.Member(f.org, f.owner), f.agent.ID, []string{"happy-here", "nope"}, ""); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("assigning an unknown objection: %v", err)
		}
		other := newFixture(t, f.db, f.clock, "other")
		if _, err := f.db.AssignDrills(ctx, rapport.Member(f.org, f.owner), other.agent.ID, []string{"happy-here"}, ""); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("assigning to another organisation's user: %v", err)
		}
		if _, err := f.db.AssignDrills(ctx, rapport.Member(f.org, f.owner), f.agent.ID, []string{"happy-here", "whats-your-split"}, "Before Friday"); err != nil {
			t.Fatal(err)
		}
		as, _ := f.db.DrillAssignments(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID)
		if len(as) != 1 || strings.Join(as[0].Keys(), ",") != "happy-here,whats-your-split" || as[0].Note != "Before Friday" {
			t.Errorf("assignments = %+v", as)
		}
	})
}
