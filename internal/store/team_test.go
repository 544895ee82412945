package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// member adds a user to the fixture's organisation.
func (f *fixture) member(t *testing.T, name string, role rapport.Role) *rapport.User {
	t.Helper()
	u := &rapport.User{OrgID: f.org.ID, Email: strings.ToLower(strings.Fields(name)[0]) + "@" + f.org.Slug + ".test", Name: name, Role: role,
		PasswordHash: "x"}
	if err := f.db.CreateUser(ctx, rapport.Actor{Org: u.OrgID}, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// session signs u in, returning the session's id.
func (f *fixture) session(t *testing.T, u *rapport.User) string {
	t.Helper()
	_, id := auth.NewToken()
	now := f.clock.Now().UTC()
	if err := f.db.CreateSession(ctx, &store.Session{ID: id, OrgID: u.OrgID, UserID: u.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return id
}

// apiKey makes a key for u, returning its hash.
func (f *fixture) apiKey(t *testing.T, u *rapport.User, name string) *store.APIKey {
	t.Helper()
	_, prefix, hash := auth.NewAPIKey()
	k := &store.APIKey{OrgID: u.OrgID, UserID: u.ID, Name: name, Prefix: prefix, Hash: hash}
	if err := f.db.CreateAPIKey(ctx, rapport.Actor{Org: k.OrgID, User: u.ID}, k); err != nil {
		t.Fatal(err)
	}
	return k
}

func lastAudit(t *testing.T, f *fixture) store.AuditEntry {
	t.Helper()
	log, err := f.db.AuditLog(ctx, rapport.Actor{Org: f.org.ID}, 0, 1)
	if err != nil || len(log) == 0 {
		t.Fatalf("audit log: %v %v", log, err)
	}
	return log[0]
}

// TestDisableUser: disabling someone hands their people, open follow-ups,
// routing rules and call blocks to the colleague chosen, ends their
// sessions and keys at once, and leaves history with their name; the
// rules on who may, to whom, and the last owner hold.
func TestDisableUser(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		alex := f.agent
		bea := f.member(t, "Bea Successor", rapport.RoleAgent)
		mia := f.member(t, "Mia Manager", rapport.RoleManager)
		other := newFixture(t, f.db, f.clock, "other")

		ann := f.person(t, rapport.Person{FirstName: "Ann", Emails: []rapport.Email{{Address: "ann@x.test"}}})
		old := f.person(t, rapport.Person{FirstName: "Old", LastName: "Client"})
		if err := f.db.ArchivePerson(ctx, rapport.Actor{Org: f.org.ID}, old.ID, true); err != nil {
			t.Fatal(err)
		}
		res := f.log(t, ann.ID, store.LogInput{Conversation: call(rapport.OutcomeLive), Facts: []rapport.Fact{{Type: rapport.FactPassion, Text: "Sailing"}},
			FollowUp: &rapport.FollowUp{DueOn: "2026-11-30", Note: "Coffee"}})
		done := &rapport.FollowUp{PersonID: ann.ID, DueOn: "2026-11-24", Note: "Done already"}
		if err := f.db.CreateFollowUp(ctx, rapport.Member(f.org, alex), done); err != nil {
			t.Fatal(err)
		}
		if err := f.db.CloseFollowUp(ctx, rapport.Actor{Org: f.org.ID}, done.ID, rapport.FollowUpDone); err != nil {
			t.Fatal(err)
		}
		shared := &rapport.RoutingRule{OrgID: f.org.ID, Source: "Zillow", UserIDs: rapport.FormatIDs([]int64{alex.ID, bea.ID})}
		solo := &rapport.RoutingRule{OrgID: f.org.ID, Source: "Realtor.com", UserIDs: rapport.FormatIDs([]int64{alex.ID})}
		for _, r := range []*rapport.RoutingRule{shared, solo} {
			if err := f.db.CreateRoutingRule(ctx, rapport.Actor{Org: r.OrgID}, r); err != nil {
				t.Fatal(err)
			}
		}
		for _, b := range []rapport.CallBlock{{UserID: alex.ID, Weekday: time.Tuesday, Start: 17 * 60, End: 19 * 60},
			{UserID: alex.ID, Weekday: time.Wednesday, Start: 9 * 60, End: 10 * 60},
			{UserID: bea.ID, Weekday: time.Tuesday, Start: 18 * 60, End: 20 * 60}} {
			if err := f.db.AddCallBlock(ctx, rapport.Actor{Org: f.org.ID}, &b); err != nil {
				t.Fatal(err)
			}
		}
		s1, s2 := f.session(t, alex), f.session(t, alex)
		beaSession := f.session(t, bea)
		key := f.apiKey(t, alex, "Zapier")

		// Who may, and to whom.
		_, err := f.db.DisableUser(ctx, rapport.Member(f.org, f.owner), alex.ID, 0)
		wantCode(t, err, rapport.EINVALID)
		if msg := err.(*rapport.Error).Fields["hand_to"]; !strings.Contains(msg, "2 people, 1 open follow-up, 2 routing rules") {
			t.Errorf("no successor: %q", msg)
		}
		for name, to := range map[string]int64{"themselves": alex.ID, "another organisation's": other.owner.ID, "no one": 999999} {
			if _, err := f.db.DisableUser(ctx, rapport.Member(f.org, f.owner), alex.ID, to); rapport.ErrorCode(err) != rapport.EINVALID {
				t.Errorf("handing to %s: %v", name, err)
			}
		}
		_, err = f.db.DisableUser(ctx, rapport.Member(f.org, bea), alex.ID, bea.ID)
		wantCode(t, err, rapport.EFORBIDDEN)
		_, err = f.db.DisableUser(ctx, rapport.Member(f.org, mia), f.owner.ID, bea.ID)
		wantCode(t, err, rapport.EFORBIDDEN)
		_, err = f.db.DisableUser(ctx, rapport.Member(f.org, f.owner), f.owner.ID, bea.ID)
		wantCode(t, err, rapport.ECONFLICT)
		_, err = f.db.DisableUser(ctx, rapport.Member(other.org, other.owner), alex.ID, other.agent.ID)
		wantCode(t, err, rapport.ENOTFOUND)
		if u, _ := f.db.User(ctx, rapport.Actor{Org: f.org.ID}, alex.ID); !u.Active() {
			t.Fatal("a refused disabling disabled them")
		}

		// A manager disables an agent.
		h, err := f.db.DisableUser(ctx, rapport.Member(f.org, mia), alex.ID, bea.ID)
		if err != nil {
			t.Fatal(err)
		}
		if h.People != 2 || h.FollowUps != 1 || h.Rules != 2 || h.Blocks != 1 || h.BlocksKept != 1 || h.Sessions != 2 || h.Keys != 1 || h.To.ID != bea.ID {
			t.Errorf("handover = %+v", h)
		}
		u, _ := f.db.User(ctx, rapport.Actor{Org: f.org.ID}, alex.ID)
		if u.Active() || !u.DisabledAt.Equal(f.clock.Now()) {
			t.Errorf("disabled at %v", u.DisabledAt)
		}
		for _, id := range []int64{ann.ID, old.ID} {
			if p, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, id); p.OwnerID != bea.ID {
				t.Errorf("%s still owned by %d", p.Name(), p.OwnerID)
			}
		}
		if p, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, old.ID); !p.Archived() {
			t.Error("the archived person was restored")
		}
		open, _ := f.db.FollowUps(ctx, rapport.Actor{Org: f.org.ID}, store.FollowUpFilter{PersonID: ann.ID})
		if len(open) != 1 || open[0].UserID != bea.ID || open[0].Note != "Coffee" {
			t.Errorf("open follow-ups: %+v", open)
		}
		var doneOwner int64
		if err := f.db.RawScan(ctx, &doneOwner, "SELECT user_id FROM follow_ups WHERE id = ?", done.ID); err != nil || doneOwner != alex.ID {
			t.Errorf("a done follow-up changed hands: %d %v", doneOwner, err)
		}
		rules, _ := f.db.RoutingRules(ctx, rapport.Actor{Org: f.org.ID})
		for _, r := range rules {
			if r.UserIDs != rapport.FormatIDs([]int64{bea.ID}) {
				t.Errorf("rule %s sends to %s", r.Source, r.UserIDs)
			}
		}
		if bs, _ := f.db.CallBlocks(ctx, rapport.Actor{Org: f.org.ID}, bea.ID); len(bs) != 2 {
			t.Errorf("Bea has %d call blocks", len(bs))
		}
		if bs, _ := f.db.CallBlocks(ctx, rapport.Actor{Org: f.org.ID}, alex.ID); len(bs) != 1 || bs[0].Weekday != time.Tuesday {
			t.Errorf("Alex kept %+v", bs)
		}
		for _, id := range []string{s1, s2} {
			if _, _, _, err := f.db.SessionUser(ctx, id); rapport.ErrorCode(err) != rapport.ENOTFOUND {
				t.Errorf("a session of theirs lives on: %v", err)
			}
		}
		if _, _, _, err := f.db.SessionUser(ctx, beaSession); err != nil {
			t.Errorf("the successor's session ended: %v", err)
		}
		if _, _, _, err := f.db.APIKeyUser(ctx, key.Hash); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("their key still works: %v", err)
		}
		// History keeps their name.
		if c, _ := f.db.Conversation(ctx, rapport.Actor{Org: f.org.ID}, res.Conversation.ID); c.UserID != alex.ID {
			t.Errorf("the conversation is now %d's", c.UserID)
		}
		e := lastAudit(t, f)
		if e.Action != store.AuditDisable || e.EntityID != alex.ID || e.UserName != "Mia Manager" ||
			!strings.Contains(e.Summary, "2 people, 1 open follow-up, 2 routing rules, 1 call block handed to Bea Successor") ||
			!strings.Contains(e.Summary, "2 sessions ended, 1 API key revoked") {
			t.Errorf("audit: %+v", e)
		}
		// New leads go to active people only; a disabled user owns no new
		// person and gets no key.
		for i, src := range []string{"Realtor.com", "Zillow", "Website", "Website", "Website"} {
			r, err := f.db.RecordEvent(ctx, rapport.Member(f.org, f.owner), event("lead"+itoa64(int64(i)), "Registration", src,
				rapport.Person{FirstName: "Lead", LastName: itoa64(int64(i)), Emails: []rapport.Email{{Address: "lead" + itoa64(int64(i)) + "@x.test"}}}))
			if err != nil || r.Person.OwnerID == alex.ID {
				t.Errorf("lead from %s went to the disabled user: %v", src, err)
			}
		}
		if err := f.db.CreatePerson(ctx, rapport.Member(f.org, f.owner), &rapport.Person{FirstName: "New", Kind: rapport.KindLead, OwnerID: alex.ID}); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("a new person owned by the disabled user: %v", err)
		}
		if err := f.db.CreateAPIKey(ctx, rapport.Actor{Org: f.org.ID}, &store.APIKey{OrgID: f.org.ID, UserID: alex.ID, Prefix: "rk_x", Hash: "h-x"}); rapport.ErrorCode(err) != rapport.ECONFLICT {
			t.Errorf("a key for the disabled user: %v", err)
		}
		if _, err := f.db.AssignDrills(ctx, rapport.Member(f.org, f.owner), alex.ID, []string{"just-looking"}, ""); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("drills for the disabled user: %v", err)
		}
		_, err = f.db.DisableUser(ctx, rapport.Member(f.org, f.owner), alex.ID, bea.ID)
		wantCode(t, err, rapport.ECONFLICT)

		// Re-enabled, they sign in again and get no people back.
		_, err = f.db.EnableUser(ctx, rapport.Member(f.org, bea), alex.ID)
		wantCode(t, err, rapport.EFORBIDDEN)
		if _, err := f.db.EnableUser(ctx, rapport.Member(f.org, f.owner), alex.ID); err != nil {
			t.Fatal(err)
		}
		if u, _ := f.db.User(ctx, rapport.Actor{Org: f.org.ID}, alex.ID); !u.Active() {
			t.Error("still disabled")
		}
		if p, _ := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, ann.ID); p.OwnerID != bea.ID {
			t.Error("their people came back")
		}
		if e := lastAudit(t, f); e.Action != store.AuditEnable || e.UserName != "Olive Owner" {
			t.Errorf("audit: %+v", e)
		}
		_, err = f.db.EnableUser(ctx, rapport.Member(f.org, f.owner), alex.ID)
		wantCode(t, err, rapport.ECONFLICT)

		// Someone who holds nothing needs no successor.
		if _, err := f.db.DisableUser(ctx, rapport.Member(f.org, f.owner), alex.ID, 0); err != nil {
			t.Errorf("disabling someone who holds nothing: %v", err)
		}
	})
}

// TestLastOwner: the organisation always keeps an active owner, even at
// the command line (no acting user).
func TestLastOwner(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		_, err := f.db.DisableUser(ctx, rapport.Actor{Org: f.org.ID}, f.owner.ID, f.agent.ID)
		wantCode(t, err, rapport.ECONFLICT)
		_, err = f.db.SetUserRole(ctx, rapport.Actor{Org: f.org.ID}, f.owner.ID, rapport.RoleManager)
		wantCode(t, err, rapport.ECONFLICT)
		second := f.member(t, "Sam Second", rapport.RoleManager)
		second, err = f.db.SetUserRole(ctx, rapport.Member(f.org, f.owner), second.ID, rapport.RoleOwner)
		if err != nil {
			t.Fatal(err)
		}
		// Now either may go, but not both.
		if _, err := f.db.DisableUser(ctx, rapport.Actor{Org: f.org.ID}, f.owner.ID, second.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.db.DisableUser(ctx, rapport.Actor{Org: f.org.ID}, second.ID, f.agent.ID)
		wantCode(t, err, rapport.ECONFLICT)
		_, err = f.db.SetUserRole(ctx, rapport.Member(f.org, second), second.ID, rapport.RoleAgent)
		wantCode(t, err, rapport.ECONFLICT)
		// A disabled owner does not count, and may be demoted.
		if _, err := f.db.SetUserRole(ctx, rapport.Member(f.org, second), f.owner.ID, rapport.RoleAgent); err != nil {
			t.Fatal(err)
		}
		if e := lastAudit(t, f); e.Action != store.AuditRole || !strings.HasSuffix(e.Summary, "owner → agent") || e.UserName != "Sam Second" {
			t.Errorf("audit: %+v", e)
		}
	})
}

// TestSetUserRole: only owners change roles, and the change reaches the
// user's next request through their session.
func TestSetUserRole(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		mia := f.member(t, "Mia Manager", rapport.RoleManager)
		sess := f.session(t, f.agent)
		for _, by := range []*rapport.User{mia, f.agent} {
			_, err := f.db.SetUserRole(ctx, rapport.Member(f.org, by), f.agent.ID, rapport.RoleManager)
			wantCode(t, err, rapport.EFORBIDDEN)
		}
		_, err := f.db.SetUserRole(ctx, rapport.Member(f.org, f.owner), f.agent.ID, "boss")
		wantCode(t, err, rapport.EINVALID)
		other := newFixture(t, f.db, f.clock, "other")
		_, err = f.db.SetUserRole(ctx, rapport.Member(other.org, other.owner), f.agent.ID, rapport.RoleOwner)
		wantCode(t, err, rapport.ENOTFOUND)
		u, err := f.db.SetUserRole(ctx, rapport.Member(f.org, f.owner), f.agent.ID, rapport.RoleManager)
		if err != nil || u.Role != rapport.RoleManager {
			t.Fatalf("%+v %v", u, err)
		}
		if _, u, _, _ := f.db.SessionUser(ctx, sess); u.Role != rapport.RoleManager {
			t.Errorf("their session says %s", u.Role)
		}
		before := lastAudit(t, f)
		if before.Action != store.AuditRole || !strings.Contains(before.Summary, "agent → manager") {
			t.Errorf("audit: %+v", before)
		}
		// The same role again changes nothing and logs nothing.
		if _, err := f.db.SetUserRole(ctx, rapport.Member(f.org, f.owner), f.agent.ID, rapport.RoleManager); err != nil {
			t.Fatal(err)
		}
		if lastAudit(t, f).ID != before.ID {
			t.Error("a change to the same role was logged")
		}
	})
}

// TestPasswordReset: a one-time link, an hour long, kept only as a hash;
// using it sets the password, ends every session and uses it up; unknown,
// used, replaced and expired links are refused alike.
func TestPasswordReset(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		mia := f.member(t, "Mia Manager", rapport.RoleManager)
		// Who may make one.
		for name, c := range map[string]struct {
			by   *rapport.User
			for_ int64
			code string
		}{
			"an agent":              {f.agent, mia.ID, rapport.EFORBIDDEN},
			"a manager, for owners": {mia, f.owner.ID, rapport.EFORBIDDEN},
			"an owner, for oneself": {f.owner, f.owner.ID, rapport.ECONFLICT},
		} {
			if _, err := f.db.CreatePasswordReset(ctx, rapport.Member(f.org, c.by), c.for_); rapport.ErrorCode(err) != c.code {
				t.Errorf("%s: %v, want %s", name, err, c.code)
			}
		}
		first, err := f.db.CreatePasswordReset(ctx, rapport.Member(f.org, mia), f.agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		if first.ExpiresAt != f.clock.Now().Add(time.Hour).UTC() || first.User.ID != f.agent.ID || !strings.HasPrefix(first.Path(), "/reset/") {
			t.Errorf("link = %+v", first)
		}
		if e := lastAudit(t, f); e.Action != store.AuditResetLink || e.UserName != "Mia Manager" || strings.Contains(e.Summary, first.Token) {
			t.Errorf("audit: %+v", e)
		}
		var stored []string
		if err := f.db.RawScan(ctx, &stored, "SELECT token_hash FROM password_resets"); err != nil || len(stored) != 1 ||
			stored[0] != auth.HashToken(first.Token) {
			t.Errorf("stored %v %v", stored, err)
		}
		if u, err := f.db.PasswordResetUser(ctx, first.Token); err != nil || u.ID != f.agent.ID {
			t.Fatalf("%+v %v", u, err)
		}
		// A newer link replaces it.
		link, err := f.db.CreatePasswordReset(ctx, rapport.Member(f.org, f.owner), f.agent.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.PasswordResetUser(ctx, first.Token); err != store.ErrResetLink {
			t.Errorf("the replaced link: %v", err)
		}
		if _, err := f.db.PasswordResetUser(ctx, "no-such-token"); err != store.ErrResetLink {
			t.Errorf("an unknown link: %v", err)
		}
		s1, s2 := f.session(t, f.agent), f.session(t, f.agent)
		u, err := f.db.ResetPassword(ctx, link.Token, "new-hash")
		if err != nil || u.ID != f.agent.ID {
			t.Fatalf("%+v %v", u, err)
		}
		if got, _ := f.db.User(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID); got.PasswordHash != "new-hash" {
			t.Error("password unchanged")
		}
		for _, s := range []string{s1, s2} {
			if _, _, _, err := f.db.SessionUser(ctx, s); rapport.ErrorCode(err) != rapport.ENOTFOUND {
				t.Error("a session survived the reset")
			}
		}
		if e := lastAudit(t, f); e.Action != store.AuditResetPassword || e.UserName != "Alex Agent" || !strings.Contains(e.Summary, "2 sessions ended") {
			t.Errorf("audit: %+v", e)
		}
		if _, err := f.db.ResetPassword(ctx, link.Token, "again"); err != store.ErrResetLink {
			t.Errorf("a used link: %v", err)
		}
		// An hour later it has expired.
		late, _ := f.db.IssuePasswordReset(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID)
		f.clock.Advance(time.Hour + time.Second)
		if _, err := f.db.ResetPassword(ctx, late.Token, "late"); err != store.ErrResetLink {
			t.Errorf("an expired link: %v", err)
		}
		// Disabling someone ends their links; a disabled user gets none.
		pending, _ := f.db.IssuePasswordReset(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID)
		if _, err := f.db.DisableUser(ctx, rapport.Member(f.org, f.owner), f.agent.ID, f.owner.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.PasswordResetUser(ctx, pending.Token); err != store.ErrResetLink {
			t.Errorf("a disabled user's link: %v", err)
		}
		_, err = f.db.CreatePasswordReset(ctx, rapport.Member(f.org, f.owner), f.agent.ID)
		wantCode(t, err, rapport.ECONFLICT)
	})
}

// TestTeamKeys: key creation and revocation are audited; owners and
// managers see and revoke every key of the organisation, agents only
// their own.
func TestTeamKeys(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		mia := f.member(t, "Mia Manager", rapport.RoleManager)
		mine := f.apiKey(t, f.agent, "Zillow")
		if e := lastAudit(t, f); e.Action != store.AuditCreate || e.Entity != "API key" || e.EntityID != mine.ID ||
			e.Summary != `"Zillow" (`+mine.Prefix+`…)` || e.UserName != "Alex Agent" {
			t.Errorf("audit: %+v", e)
		}
		// Made for someone else (by the operator, or an owner), it says for whom.
		theirs := &store.APIKey{OrgID: f.org.ID, UserID: f.owner.ID, Name: "Feed", Prefix: "rk_owner", Hash: "hash-owner"}
		if err := f.db.CreateAPIKey(ctx, rapport.Actor{Org: theirs.OrgID}, theirs); err != nil {
			t.Fatal(err)
		}
		if e := lastAudit(t, f); !strings.HasSuffix(e.Summary, "for Olive Owner") || e.UserName != "" {
			t.Errorf("audit: %+v", e)
		}
		other := newFixture(t, f.db, f.clock, "other")
		f.apiKey(t, &rapport.User{ID: other.agent.ID, OrgID: other.org.ID}, "Elsewhere")

		all, err := f.db.OrgAPIKeys(ctx, rapport.Actor{Org: f.org.ID})
		if err != nil || len(all) != 2 || all[0].UserName != "Olive Owner" || all[1].UserName != "Alex Agent" || !all[1].UserActive {
			t.Fatalf("team keys: %+v %v", all, err)
		}
		_, err = f.db.RevokeKey(ctx, rapport.Member(f.org, f.agent), theirs.ID)
		wantCode(t, err, rapport.ENOTFOUND)
		_, err = f.db.RevokeKey(ctx, rapport.Member(other.org, other.owner), mine.ID)
		wantCode(t, err, rapport.ENOTFOUND)
		if _, err := f.db.APIKey(ctx, rapport.Member(f.org, f.agent), theirs.ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("an agent reads another's key: %v", err)
		}
		k, err := f.db.RevokeKey(ctx, rapport.Member(f.org, mia), mine.ID)
		if err != nil || k.RevokedAt.IsZero() {
			t.Fatalf("%+v %v", k, err)
		}
		if e := lastAudit(t, f); e.Action != store.AuditRevoke || e.UserName != "Mia Manager" || e.Summary != `revoked Alex Agent's key "Zillow" (`+mine.Prefix+`…)` {
			t.Errorf("audit: %+v", e)
		}
		// Again: nothing more happens.
		if _, err := f.db.RevokeKey(ctx, rapport.Member(f.org, mia), mine.ID); err != nil {
			t.Fatal(err)
		}
		if e := lastAudit(t, f); e.Action != store.AuditRevoke || e.EntityID != mine.ID {
			t.Errorf("audit: %+v", e)
		}
		own := f.apiKey(t, f.agent, "")
		if _, err := f.db.RevokeKey(ctx, rapport.Member(f.org, f.agent), own.ID); err != nil {
			t.Fatal(err)
		}
		if e := lastAudit(t, f); e.Summary != "revoked" || e.UserName != "Alex Agent" {
			t.Errorf("audit: %+v", e)
		}
	})
}
