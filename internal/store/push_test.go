package store_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestVAPIDKeys: the first call makes the pair and keeps it; later calls,
// and servers starting at the same moment, get that same pair; it is in
// no backup or export.
func TestVAPIDKeys(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		var mu sync.Mutex
		made := 0
		pair := func(i int) func() (string, string, error) {
			return func() (string, string, error) {
				mu.Lock()
				made++
				mu.Unlock()
				return fmt.Sprintf("public-%d", i), fmt.Sprintf("private-secret-%d", i), nil
			}
		}
		var wg sync.WaitGroup
		got := make([][2]string, 8)
		for i := range got {
			wg.Go(func() {
				pub, priv, err := f.db.VAPIDKeys(ctx, pair(i))
				if err != nil {
					t.Error(err)
				}
				got[i] = [2]string{pub, priv}
			})
		}
		wg.Wait()
		if made == 0 {
			t.Fatal("no pair was made")
		}
		first := got[0]
		if !strings.HasPrefix(first[0], "public-") || strings.TrimPrefix(first[0], "public-") != strings.TrimPrefix(first[1], "private-secret-") {
			t.Fatalf("kept pair %v is not one pair", first)
		}
		for i, g := range got {
			if g != first {
				t.Errorf("server %d got %v, server 0 %v", i, g, first)
			}
		}
		made = 0
		pub, priv, err := f.db.VAPIDKeys(ctx, pair(99))
		if err != nil || [2]string{pub, priv} != first || made != 0 {
			t.Errorf("later call: %s %s %v, made %d", pub, priv, err, made)
		}

		var backup, export bytes.Buffer
		if _, err := f.db.Backup(ctx, &backup); err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(&backup)
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		if _, err := f.db.ExportOrg(ctx, f.org.Slug, &export); err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{"backup": plain, "export": export.Bytes()} {
			if bytes.Contains(b, []byte("private-secret")) || bytes.Contains(b, []byte("server_keys")) {
				t.Errorf("the %s holds the VAPID keys", name)
			}
		}
	})
}

func device(endpoint string) *store.PushSubscription {
	return &store.PushSubscription{Endpoint: endpoint, P256dh: "key-" + endpoint, Auth: "auth-" + endpoint,
		UserAgent: "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile"}
}

// endpoints lists the devices' endpoints, or says what failed.
func endpoints(ss []store.PushSubscription, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	var out []string
	for _, s := range ss {
		out = append(out, s.Endpoint)
	}
	return strings.Join(out, " ")
}

// TestPushSubscriptions: each user keeps their own devices; a browser
// subscribing again keeps its record, and one signed in as someone else
// moves to them; no one sees or removes another's; the sender's notes
// (delivered, failed, gone) land on the device whoever it is for.
func TestPushSubscriptions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		agent, owner := rapport.Member(f.org, f.agent), rapport.Member(f.org, f.owner)
		other := newFixture(t, f.db, f.clock, "other")
		stranger := rapport.Member(other.org, other.owner)

		phone := device("https://push.example.com/phone")
		if err := f.db.SavePushSubscription(ctx, agent, phone); err != nil {
			t.Fatal(err)
		}
		if phone.ID == 0 || phone.OrgID != f.org.ID || phone.UserID != f.agent.ID || !phone.CreatedAt.Equal(f.clock.Now()) {
			t.Fatalf("saved %+v", phone)
		}
		if err := f.db.SavePushSubscription(ctx, owner, device("https://push.example.com/laptop")); err != nil {
			t.Fatal(err)
		}
		if got := endpoints(f.db.PushSubscriptions(ctx, agent)); got != phone.Endpoint {
			t.Errorf("agent's devices: %s", got)
		}
		if got := endpoints(f.db.PushSubscriptions(ctx, owner)); got != "https://push.example.com/laptop" {
			t.Errorf("owner's devices: %s", got)
		}
		for _, who := range []rapport.Actor{stranger, {Org: other.org.ID, User: f.agent.ID}} {
			if got := endpoints(f.db.PushSubscriptions(ctx, who)); got != "" {
				t.Errorf("%+v sees %s", who, got)
			}
		}
		if got := endpoints(f.db.PushSubscriptionsFor(ctx, f.org.ID, f.agent.ID)); got != phone.Endpoint {
			t.Errorf("for the sender: %s", got)
		}
		if got := endpoints(f.db.PushSubscriptionsFor(ctx, other.org.ID, f.agent.ID)); got != "" {
			t.Errorf("for the sender, in another organisation: %s", got)
		}

		// Delivered, then failing: counted; delivered again: reset.
		f.clock.Advance(time.Hour)
		if err := f.db.PushDelivered(ctx, phone.Endpoint); err != nil {
			t.Fatal(err)
		}
		for want := 1; want <= 2; want++ {
			if n, err := f.db.PushFailed(ctx, phone.Endpoint); err != nil || n != want {
				t.Fatalf("failures = %d, %v; want %d", n, err, want)
			}
		}
		if n, err := f.db.PushFailed(ctx, "https://push.example.com/unknown"); err != nil || n != 0 {
			t.Errorf("unknown endpoint failed: %d, %v", n, err)
		}
		ss, _ := f.db.PushSubscriptions(ctx, agent)
		if !ss[0].LastOKAt.Equal(f.clock.Now()) || ss[0].Failures != 2 {
			t.Errorf("after the sends: %+v", ss[0])
		}

		// The browser subscribes again, with new keys: the same device,
		// its history kept, its failures forgotten.
		f.clock.Advance(time.Hour)
		again := device(phone.Endpoint)
		again.P256dh, again.Auth = "new-key", "new-auth"
		if err := f.db.SavePushSubscription(ctx, agent, again); err != nil {
			t.Fatal(err)
		}
		if again.ID != phone.ID || !again.CreatedAt.Equal(phone.CreatedAt) || again.LastOKAt.IsZero() || again.Failures != 0 ||
			again.P256dh != "new-key" || again.Auth != "new-auth" {
			t.Errorf("subscribed again: %+v", again)
		}

		// The owner signs in on the agent's phone and turns alerts on: the
		// phone is now theirs, a new device.
		moved := device(phone.Endpoint)
		if err := f.db.SavePushSubscription(ctx, owner, moved); err != nil {
			t.Fatal(err)
		}
		if moved.UserID != f.owner.ID || !moved.CreatedAt.Equal(f.clock.Now()) || !moved.LastOKAt.IsZero() {
			t.Errorf("moved: %+v", moved)
		}
		if got := endpoints(f.db.PushSubscriptions(ctx, agent)); got != "" {
			t.Errorf("the agent still has %s", got)
		}
		if got := endpoints(f.db.PushSubscriptions(ctx, owner)); got != phone.Endpoint+" https://push.example.com/laptop" {
			t.Errorf("owner's devices: %s", got)
		}

		// No one removes another's device.
		for _, who := range []rapport.Actor{agent, stranger, {Org: f.org.ID}} {
			if err := f.db.DeletePushSubscription(ctx, who, phone.Endpoint); rapport.ErrorCode(err) != rapport.ENOTFOUND {
				t.Errorf("%+v removed the owner's phone: %v", who, err)
			}
		}
		if err := f.db.DeletePushSubscription(ctx, owner, phone.Endpoint); err != nil {
			t.Fatal(err)
		}
		if err := f.db.DeletePushSubscription(ctx, owner, phone.Endpoint); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("removed twice: %v", err)
		}

		// A push service says the laptop's subscription is gone.
		if err := f.db.ForgetPushEndpoint(ctx, "https://push.example.com/laptop"); err != nil {
			t.Fatal(err)
		}
		if err := f.db.ForgetPushEndpoint(ctx, "https://push.example.com/laptop"); err != nil {
			t.Errorf("forgetting what is not kept: %v", err)
		}
		if got := endpoints(f.db.PushSubscriptions(ctx, owner)); got != "" {
			t.Errorf("after forgetting: %s", got)
		}

		// What cannot be saved.
		if err := f.db.SavePushSubscription(ctx, rapport.Actor{Org: f.org.ID}, device("https://push.example.com/x")); rapport.ErrorCode(err) != rapport.EFORBIDDEN {
			t.Errorf("saved for no user: %v", err)
		}
		if err := f.db.SavePushSubscription(ctx, agent, &store.PushSubscription{Endpoint: " ", P256dh: "k", Auth: "a"}); rapport.ErrorCode(err) != rapport.EINVALID {
			t.Errorf("saved without an endpoint: %v", err)
		}
		if err := f.db.SavePushSubscription(ctx, rapport.Actor{Org: other.org.ID, User: f.agent.ID}, device("https://push.example.com/x")); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("saved for a user of another organisation: %v", err)
		}

		// A user keeps their newest MaxPushDevices devices.
		for i := range store.MaxPushDevices + 2 {
			f.clock.Advance(time.Minute)
			if err := f.db.SavePushSubscription(ctx, agent, device(fmt.Sprintf("https://push.example.com/d%02d", i))); err != nil {
				t.Fatal(err)
			}
		}
		ss, _ = f.db.PushSubscriptions(ctx, agent)
		if len(ss) != store.MaxPushDevices || ss[0].Endpoint != "https://push.example.com/d21" || ss[len(ss)-1].Endpoint != "https://push.example.com/d02" {
			t.Errorf("%d devices, %s … %s", len(ss), ss[0].Endpoint, ss[len(ss)-1].Endpoint)
		}
	})
}

// TestPushSubscriptionsEnd: signing out everywhere and being disabled end
// a user's alerts, and only theirs.
func TestPushSubscriptionsEnd(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		agent, owner := rapport.Member(f.org, f.agent), rapport.Member(f.org, f.owner)
		for i, who := range []rapport.Actor{agent, agent, owner} {
			if err := f.db.SavePushSubscription(ctx, who, device(fmt.Sprint("https://push.example.com/", i))); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.db.DeleteUserSessions(ctx, agent, f.agent.ID); err != nil {
			t.Fatal(err)
		}
		if got := endpoints(f.db.PushSubscriptions(ctx, agent)); got != "" {
			t.Errorf("signed out everywhere, still has %s", got)
		}
		if got := endpoints(f.db.PushSubscriptions(ctx, owner)); got != "https://push.example.com/2" {
			t.Errorf("the owner's devices: %s", got)
		}
		if err := f.db.SavePushSubscription(ctx, agent, device("https://push.example.com/3")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.db.DisableUser(ctx, rapport.Actor{Org: f.org.ID}, f.agent.ID, f.owner.ID); err != nil {
			t.Fatal(err)
		}
		if got := endpoints(f.db.PushSubscriptionsFor(ctx, f.org.ID, f.agent.ID)); got != "" {
			t.Errorf("disabled, still has %s", got)
		}
		if err := f.db.SavePushSubscription(ctx, agent, device("https://push.example.com/4")); rapport.ErrorCode(err) != rapport.ECONFLICT {
			t.Errorf("a disabled user turned alerts on: %v", err)
		}
		if got := endpoints(f.db.PushSubscriptions(ctx, owner)); got != "https://push.example.com/2" {
			t.Errorf("the owner's devices: %s", got)
		}
	})
}
