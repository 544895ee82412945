package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var (
	ctx     = context.Background()
	chicago = must(time.LoadLocation("America/Chicago"))
	// start is a Monday morning in Chicago.
	start = time.Date(2026, 11, 23, 9, 30, 0, 0, chicago)
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// fixture is an organisation with an owner and an agent.
type fixture struct {
	db    *store.DB
	clock *storetest.Clock
	org   *rapport.Org
	owner *rapport.User
	agent *rapport.User
}

func newFixture(t *testing.T, db *store.DB, clock *storetest.Clock, slug string) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: clock}
	f.org = &rapport.Org{Name: "Org " + slug, Slug: slug, Region: "US", TZ: "America/Chicago"}
	f.owner = &rapport.User{Email: "owner@" + slug + ".test", Name: "Olive Owner", Role: rapport.RoleOwner, PasswordHash: "x"}
	if err := db.CreateOrg(ctx, f.org, f.owner); err != nil {
		t.Fatalf("create org: %v", err)
	}
	f.agent = &rapport.User{OrgID: f.org.ID, Email: "agent@" + slug + ".test", Name: "Alex Agent", Role: rapport.RoleAgent, PasswordHash: "x"}
	if err := db.CreateUser(ctx, rapport.Actor{Org: f.agent.OrgID}, f.agent); err != nil {
		t.Fatalf("create agent: %v", err)
	}
	return f
}

func (f *fixture) person(t *testing.T, p rapport.Person) *rapport.Person {
	t.Helper()
	if p.Kind == "" {
		p.Kind = rapport.KindLead
	}
	if p.OwnerID == 0 {
		p.OwnerID = f.agent.ID
	}
	if err := f.db.CreatePerson(ctx, rapport.Member(f.org, f.agent), &p); err != nil {
		t.Fatalf("create person %s: %v", p.Name(), err)
	}
	return &p
}

func (f *fixture) log(t *testing.T, personID int64, in store.LogInput) *store.LogResult {
	t.Helper()
	in.Conversation.PersonID = personID
	in.Loc = chicago
	res, err := f.db.LogConversation(ctx, rapport.Member(f.org, f.agent), &in)
	if err != nil {
		t.Fatalf("log conversation: %v", err)
	}
	return res
}

func call(o rapport.Outcome) rapport.Conversation {
	return rapport.Conversation{Channel: rapport.ChannelCall, Direction: rapport.DirectionOutbound, Outcome: o}
}

func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	clock := storetest.NewClock(start)
	storetest.Each(t, clock.Now, func(t *testing.T, db *store.DB) {
		clock.Set(start)
		fn(t, newFixture(t, db, clock, "acme"))
	})
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if rapport.ErrorCode(err) != code {
		t.Fatalf("error = %v (%s), want code %s", err, rapport.ErrorCode(err), code)
	}
}

func TestOrganisationsAndUsers(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		pipes, err := f.db.Pipelines(ctx, rapport.Actor{Org: f.org.ID})
		if err != nil || len(pipes) != 2 || len(pipes[0].Stages) != 8 || len(pipes[1].Stages) != 7 {
			t.Fatalf("default pipelines = %+v, %v", pipes, err)
		}
		if pipes[0].Name != "Clients" || pipes[1].Stages[5].Key != rapport.StageJoined || !pipes[1].Stages[5].Closed {
			t.Errorf("pipelines not as designed: %+v", pipes)
		}
		dup := &rapport.Org{Name: "Again", Slug: "acme"}
		wantCode(t, f.db.CreateOrg(ctx, dup, nil), rapport.ECONFLICT)
		wantCode(t, f.db.CreateUser(ctx, rapport.Actor{Org: f.org.ID}, &rapport.User{OrgID: f.org.ID, Email: "AGENT@acme.test", Role: rapport.RoleAgent, PasswordHash: "x"}), rapport.ECONFLICT)
		wantCode(t, f.db.CreateFirstOrg(ctx, &rapport.Org{Name: "Second", Slug: "second"}, nil), rapport.ECONFLICT)
		u, err := f.db.MemberByEmail(ctx, rapport.Actor{Org: f.org.ID}, " Agent@ACME.test ")
		if err != nil || u.ID != f.agent.ID || u.WeeklyGoal != 25 || u.TodaySize != 10 {
			t.Fatalf("MemberByEmail = %+v, %v", u, err)
		}
		other := newFixture(t, f.db, f.clock, "other")
		// The same address in another organisation is another account,
		// and saying so to no one: adding it there works.
		twin := &rapport.User{OrgID: other.org.ID, Email: "agent@acme.test", Role: rapport.RoleAgent, PasswordHash: "y"}
		if err := f.db.CreateUser(ctx, rapport.Actor{Org: twin.OrgID}, twin); err != nil {
			t.Fatalf("the same address in another organisation: %v", err)
		}
		if us, err := f.db.UsersByEmail(ctx, "agent@acme.test"); err != nil || len(us) != 2 || us[0].ID != f.agent.ID {
			t.Fatalf("UsersByEmail = %+v, %v", us, err)
		}
		if _, err := f.db.MemberByEmail(ctx, rapport.Actor{Org: other.org.ID}, "agent@acme.test"); err != nil {
			t.Fatal(err)
		}
		_, err = f.db.User(ctx, rapport.Actor{Org: other.org.ID}, f.agent.ID)
		wantCode(t, err, rapport.ENOTFOUND)
		users, err := f.db.Users(ctx, rapport.Actor{Org: f.org.ID})
		if err != nil || len(users) != 2 {
			t.Fatalf("Users = %d, %v", len(users), err)
		}
		f.agent.WeeklyGoal, f.agent.TodaySize, f.agent.TZ = 30, 12, "America/New_York"
		if err := f.db.UpdateUserSettings(ctx, rapport.Actor{Org: f.agent.OrgID}, f.agent); err != nil {
			t.Fatal(err)
		}
		f.agent.TodaySize = 0
		wantCode(t, f.db.UpdateUserSettings(ctx, rapport.Actor{Org: f.agent.OrgID}, f.agent), rapport.EINVALID)
	})
}

func TestSessions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		now := f.clock.Now()
		for _, id := range []string{"s1", "s2"} {
			if err := f.db.CreateSession(ctx, &store.Session{ID: id, OrgID: f.org.ID, UserID: f.agent.ID,
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		s, u, o, err := f.db.SessionUser(ctx, "s1")
		if err != nil || u.ID != f.agent.ID || o.ID != f.org.ID {
			t.Fatalf("SessionUser = %v %v %v", u, o, err)
		}
		// The session, its user and its organisation whole, as read on
		// their own (one statement reads the three).
		if s.ID != "s1" || s.OrgID != f.org.ID || s.UserID != f.agent.ID || !s.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Errorf("session = %+v", s)
		}
		wantU, err := f.db.User(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID)
		if err != nil || !reflect.DeepEqual(u, wantU) {
			t.Errorf("session's user = %+v, want %+v (%v)", u, wantU, err)
		}
		wantO, err := f.db.Org(ctx, f.org.ID)
		if err != nil || !reflect.DeepEqual(o, wantO) {
			t.Errorf("session's organisation = %+v, want %+v (%v)", o, wantO, err)
		}
		other := newFixture(t, f.db, f.clock, "sessions-other")
		// A disabled user's session is no one's either.
		if err := f.db.CreateSession(ctx, &store.Session{ID: "s3", OrgID: other.org.ID, UserID: other.agent.ID,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.db.SessionUser(ctx, "s3"); err != nil {
			t.Fatal(err)
		}
		if err := f.db.DisableUserRaw(ctx, other.org.ID, other.agent.ID, now); err != nil {
			t.Fatal(err)
		}
		if _, u, _, err := f.db.SessionUser(ctx, "s3"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("a disabled user's session gave %v, %v", u, err)
		}
		if err := f.db.DeleteSession(ctx, "s3"); err != nil {
			t.Fatal(err)
		}
		if err := f.db.SetPassword(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID, "new", "s1"); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := f.db.SessionUser(ctx, "s2"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("other session survived a password change: %v", err)
		}
		f.clock.Advance(2 * time.Hour)
		if _, _, _, err := f.db.SessionUser(ctx, "s1"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("expired session still valid: %v", err)
		}
		if n, err := f.db.DeleteExpiredSessions(ctx); err != nil || n != 1 {
			t.Errorf("DeleteExpiredSessions = %d, %v", n, err)
		}
	})
}

func TestPersonLifecycle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		referrer := f.person(t, rapport.Person{FirstName: "Dana", LastName: "Reyes", Kind: rapport.KindSphere})
		p := f.person(t, rapport.Person{
			FirstName: " Maria ", LastName: "Núñez", Source: "Open house", ReferredByID: referrer.ID,
			Phones:   []rapport.Phone{{Number: "+13125550142", Label: "Mobile"}, {Number: "+13125550199"}},
			Emails:   []rapport.Email{{Address: "maria@example.com"}},
			Tags:     []string{"Buyer", "buyer", " first-time "},
			Birthday: rapport.Anniversary{Year: 1984, Month: 11, Day: 23}, CadenceDays: 30,
			Notes: "Moving from Denver for her new job.",
		})
		got, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.FirstName != "Maria" || got.Name() != "Maria Núñez" || len(got.Phones) != 2 || got.Phones[0].Label != "mobile" ||
			len(got.Emails) != 1 || fmt.Sprint(got.Tags) != "[Buyer first-time]" || got.Birthday.String() != "1984-11-23" {
			t.Fatalf("person = %+v", got)
		}
		if got.Stage == nil || got.Stage.Key != rapport.StageNewLead || got.Owner == nil || got.Owner.ID != f.agent.ID ||
			got.ReferredBy == nil || got.ReferredBy.Name != "Dana Reyes" {
			t.Fatalf("stage/owner/referrer = %+v %+v %+v", got.Stage, got.Owner, got.ReferredBy)
		}
		if want := start.Add(30 * 24 * time.Hour); !got.TouchDueAt.Equal(want) {
			t.Errorf("touch due = %v, want %v", got.TouchDueAt, want)
		}

		// Edit: becomes a client in the Active stage, loses a phone.
		pipes, _ := f.db.Pipelines(ctx, rapport.Actor{Org: f.org.ID})
		active := pipes[0].Stages[4]
		got.Kind, got.StageID, got.Phones = rapport.KindClient, active.ID, got.Phones[:1]
		if err := f.db.UpdatePerson(ctx, rapport.Member(f.org, f.owner), got); err != nil {
			t.Fatal(err)
		}
		again, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if again.Kind != rapport.KindClient || again.Stage.Key != rapport.StageActive || len(again.Phones) != 1 {
			t.Fatalf("after edit: %+v", again)
		}
		// A recruiting stage does not fit a client.
		again.StageID = pipes[1].Stages[0].ID
		err = f.db.UpdatePerson(ctx, rapport.Member(f.org, f.owner), again)
		wantCode(t, err, rapport.EINVALID)
		// Nor can someone refer themselves.
		again.StageID, again.ReferredByID = active.ID, again.ID
		wantCode(t, f.db.UpdatePerson(ctx, rapport.Member(f.org, f.owner), again), rapport.EINVALID)

		items, err := f.db.Timeline(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil || len(items) != 2 || items[0].Kind != store.TimelineStage || items[0].ToStage.Key != rapport.StageActive {
			t.Fatalf("timeline = %+v, %v", items, err)
		}

		if err := f.db.ArchivePerson(ctx, rapport.Actor{Org: f.org.ID}, p.ID, true); err != nil {
			t.Fatal(err)
		}
		page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.People) != 1 || page.People[0].ID != referrer.ID {
			t.Errorf("archived person still listed: %d people", len(page.People))
		}
		page, _ = f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Archived: true})
		if len(page.People) != 1 || page.People[0].ID != p.ID {
			t.Errorf("archived list = %d people", len(page.People))
		}
	})
}

func TestPersonValidationSavesNothing(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		bad := []rapport.Person{
			{Kind: rapport.KindLead},
			{FirstName: "A", Kind: "alien"},
			{FirstName: "A", Kind: rapport.KindLead, TZ: "Mars/Olympus"},
			{FirstName: "A", Kind: rapport.KindLead, Emails: []rapport.Email{{Address: "not-an-email"}}},
			{FirstName: "A", Kind: rapport.KindLead, OwnerID: 999999},
			{FirstName: "A", Kind: rapport.KindLead, ReferredByID: 999999},
			{FirstName: "A", Kind: rapport.KindLead, Phones: []rapport.Phone{{Number: "+13125550142"}, {Number: "+13125550142"}}},
		}
		for i, p := range bad {
			if err := f.db.CreatePerson(ctx, rapport.Member(f.org, f.agent), &p); rapport.ErrorCode(err) != rapport.EINVALID {
				t.Errorf("case %d: err = %v, want invalid", i, err)
			}
		}
		page, _ := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{})
		if len(page.People) != 0 {
			t.Errorf("%d people saved from invalid input", len(page.People))
		}
	})
}

func TestTenantIsolation(t *testing.T) {
	each(t, func(t *testing.T, a *fixture) {
		b := newFixture(t, a.db, a.clock, "bravo")
		p := a.person(t, rapport.Person{FirstName: "Secret", LastName: "Client", Phones: []rapport.Phone{{Number: "+13125550100"}}})
		res := a.log(t, p.ID, store.LogInput{Conversation: call(rapport.OutcomeLive),
			Facts:    []rapport.Fact{{Type: rapport.FactPassion, Text: "sailing"}},
			FollowUp: &rapport.FollowUp{DueOn: "2026-12-01"}})
		fus, _ := a.db.FollowUps(ctx, rapport.Actor{Org: a.org.ID}, store.FollowUpFilter{PersonID: p.ID})
		if len(fus) != 1 {
			t.Fatalf("follow-ups = %d", len(fus))
		}
		facts, _ := a.db.Facts(ctx, rapport.Actor{Org: a.org.ID}, p.ID)

		bOrg := b.org.ID
		_, err := a.db.Person(ctx, rapport.Actor{Org: bOrg}, p.ID)
		wantCode(t, err, rapport.ENOTFOUND)
		_, err = a.db.Conversation(ctx, rapport.Actor{Org: bOrg}, res.Conversation.ID)
		wantCode(t, err, rapport.ENOTFOUND)
		_, err = a.db.FollowUp(ctx, rapport.Actor{Org: bOrg}, fus[0].ID)
		wantCode(t, err, rapport.ENOTFOUND)
		wantCode(t, a.db.CloseFollowUp(ctx, rapport.Actor{Org: bOrg}, fus[0].ID, rapport.FollowUpDone), rapport.ENOTFOUND)
		_, err = a.db.Timeline(ctx, rapport.Actor{Org: bOrg}, p.ID)
		wantCode(t, err, rapport.ENOTFOUND)
		wantCode(t, a.db.ArchivePerson(ctx, rapport.Actor{Org: bOrg}, p.ID, true), rapport.ENOTFOUND)
		wantCode(t, a.db.DeleteFact(ctx, rapport.Actor{Org: bOrg}, p.ID, facts[0].ID), rapport.ENOTFOUND)
		wantCode(t, a.db.AddFact(ctx, rapport.Actor{Org: bOrg, User: b.agent.ID}, &rapport.Fact{PersonID: p.ID, Type: rapport.FactFear, Text: "x"}), rapport.ENOTFOUND)
		wantCode(t, a.db.CreateFollowUp(ctx, rapport.Actor{Org: bOrg, User: b.agent.ID}, &rapport.FollowUp{PersonID: p.ID, DueOn: "2026-12-01"}), rapport.ENOTFOUND)
		wantCode(t, a.db.SetStage(ctx, rapport.Actor{Org: bOrg, User: b.agent.ID}, p.ID, 1, ""), rapport.ENOTFOUND)
		_, err = a.db.LogConversation(ctx, rapport.Actor{Org: bOrg, User: b.agent.ID}, &store.LogInput{Conversation: rapport.Conversation{PersonID: p.ID, Channel: rapport.ChannelText}})
		wantCode(t, err, rapport.ENOTFOUND)
		upd := *p
		upd.FirstName = "Hijacked"
		wantCode(t, a.db.UpdatePerson(ctx, rapport.Actor{Org: bOrg, User: b.agent.ID}, &upd), rapport.ENOTFOUND)
		// Pointing at another organisation's people or users is refused.
		_, err = func() (any, error) {
			q := rapport.Person{FirstName: "Mole", Kind: rapport.KindLead, ReferredByID: p.ID}
			return nil, a.db.CreatePerson(ctx, rapport.Actor{Org: bOrg, User: b.agent.ID}, &q)
		}()
		wantCode(t, err, rapport.EINVALID)
		q := rapport.Person{FirstName: "Mole", Kind: rapport.KindLead, OwnerID: a.agent.ID}
		wantCode(t, a.db.CreatePerson(ctx, rapport.Actor{Org: bOrg, User: b.agent.ID}, &q), rapport.EINVALID)
		// Search and lists see only their own organisation.
		for _, query := range []string{"secret", "sailing", "3125550100", ""} {
			page, err := a.db.ListPeople(ctx, rapport.Actor{Org: bOrg}, store.PeopleFilter{Query: query})
			if err != nil || len(page.People) != 0 {
				t.Errorf("org B search %q found %d people (%v)", query, len(page.People), err)
			}
		}
		if got, _ := a.db.FollowUps(ctx, rapport.Actor{Org: bOrg}, store.FollowUpFilter{}); len(got) != 0 {
			t.Errorf("org B sees %d follow-ups", len(got))
		}
		if entries, _ := a.db.Today(ctx, rapport.Member(b.org, b.agent), a.clock.Now()); len(entries) != 0 {
			t.Errorf("org B Today has %d entries", len(entries))
		}
		// And A's data is intact.
		if again, err := a.db.Person(ctx, rapport.Actor{Org: a.org.ID}, p.ID); err != nil || again.FirstName != "Secret" || again.Archived() {
			t.Errorf("A's person changed: %+v %v", again, err)
		}
	})
}

func TestBulkCreateKeepsEachPersonsDetails(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		f.person(t, rapport.Person{FirstName: "Before"}) // ids do not start at 1
		var people []rapport.Person
		for i := 0; i < 1200; i++ {
			people = append(people, rapport.Person{FirstName: fmt.Sprintf("Bulk %04d", i), Kind: rapport.KindSphere,
				Phones: []rapport.Phone{{Number: fmt.Sprintf("+1312555%04d", i)}}, Tags: []string{fmt.Sprintf("t%d", i%7)}})
		}
		if err := f.db.BulkCreatePeople(ctx, rapport.Member(f.org, f.agent), people); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 499, 500, 1199} {
			got, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, people[i].ID)
			if err != nil || got.FirstName != fmt.Sprintf("Bulk %04d", i) || got.Phones[0].Number != fmt.Sprintf("+1312555%04d", i) ||
				got.Tags[0] != fmt.Sprintf("t%d", i%7) || got.Version != 1 {
				t.Fatalf("row %d came back as %+v (%v)", i, got, err)
			}
		}
		// One invalid row and nothing is written.
		bad := []rapport.Person{{FirstName: "Fine", Kind: rapport.KindLead}, {Kind: rapport.KindLead}}
		err := f.db.BulkCreatePeople(ctx, rapport.Member(f.org, f.agent), bad)
		if e, ok := err.(*rapport.Error); !ok || e.Fields["row.1.first_name"] == "" {
			t.Fatalf("err = %v", err)
		}
		page, _ := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Query: "fine"})
		if len(page.People) != 0 {
			t.Error("a rejected bulk insert wrote a row")
		}
	})
}
