package inbound_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/inbound"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var ctx = context.Background()

// send delivers a message with the standard library's SMTP client, an
// implementation independent of the server's.
func send(addr, from string, to []string, msg string) error {
	return smtp.SendMail(addr, nil, from, to, []byte(strings.ReplaceAll(msg, "\n", "\r\n")))
}

func code(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

func TestEmailOntoTheTimeline(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		org := &rapport.Org{Name: "Acme", Slug: "acme", Region: "US", TZ: "America/Chicago"}
		owner := &rapport.User{Email: "owner@acme.test", Name: "Olive", Role: rapport.RoleOwner, PasswordHash: "x"}
		if err := db.CreateOrg(ctx, org, owner); err != nil {
			t.Fatal(err)
		}
		agent := &rapport.User{OrgID: org.ID, Email: "alex@acme.test", Name: "Alex", Role: rapport.RoleAgent, PasswordHash: "x"}
		if err := db.CreateUser(ctx, rapport.Actor{Org: org.ID}, agent); err != nil {
			t.Fatal(err)
		}
		act := rapport.Member(org, agent)
		dana := &rapport.Person{FirstName: "Dana", LastName: "Whit", Kind: rapport.KindClient, OwnerID: agent.ID,
			Emails: []rapport.Email{{Address: "dana@example.com"}}}
		if err := db.CreatePerson(ctx, act, dana); err != nil {
			t.Fatal(err)
		}
		token, err := db.InboundAddress(ctx, act)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := db.InboundAddress(ctx, act); again != token {
			t.Fatalf("the address changed: %s, %s", token, again)
		}
		srv := (&inbound.Server{DB: db, Domain: "in.acme.test", Log: slog.New(slog.DiscardHandler)}).New("")
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		addr, mine := ln.Addr().String(), token+"@in.acme.test"

		// Dana writes; the agent forwards it (or Dana is BCC'd): inbound.
		if err := send(addr, "dana@example.com", []string{mine}, `From: Dana Whit <Dana@Example.com>
To: Alex <alex@acme.test>
Subject: =?UTF-8?Q?Offer_on_Wilson_=E2=80=94_thoughts=3F?=
Date: Tue, 24 Nov 2026 09:15:00 -0600
Message-ID: <m1@example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

We'd go to 450 if the inspection is clean. Caf=C3=A9 Thursday?
--b1
Content-Type: text/html; charset=utf-8

<p>We'd go to 450</p>
--b1--
`); err != nil {
			t.Fatalf("send: %v", err)
		}
		// The agent BCCs their own reply: outbound.
		if err := send(addr, "alex@acme.test", []string{mine}, `From: Alex <alex@acme.test>
To: dana@example.com
Subject: Re: Offer on Wilson
Message-ID: <m2@acme.test>

Thursday at 10 works.
`); err != nil {
			t.Fatalf("send: %v", err)
		}
		cs, _, err := db.Conversations(ctx, act, store.ConversationFilter{PersonID: dana.ID})
		if err != nil || len(cs) != 2 {
			t.Fatalf("Dana's conversations = %+v, %v", cs, err)
		}
		var in, out *rapport.Conversation
		for i := range cs {
			if cs[i].Direction == rapport.DirectionInbound {
				in = &cs[i]
			} else {
				out = &cs[i]
			}
		}
		if in == nil || out == nil || in.Channel != rapport.ChannelEmail || !strings.Contains(in.Notes, "Subject: Offer on Wilson — thoughts?") ||
			!strings.Contains(in.Notes, "Café Thursday?") || in.OccurredAt.UTC().Hour() != 15 || !strings.Contains(out.Notes, "Thursday at 10 works.") {
			t.Errorf("conversations: in %+v out %+v", in, out)
		}

		// The same message again is kept once.
		send(addr, "dana@example.com", []string{mine}, "From: dana@example.com\nMessage-ID: <m1@example.com>\nSubject: again\n\nx\n")
		if cs, _, _ = db.Conversations(ctx, act, store.ConversationFilter{PersonID: dana.ID}); len(cs) != 2 {
			t.Errorf("a repeated message logged again: %d", len(cs))
		}

		// Someone unknown: waits in the inbox, to be assigned or let go.
		for _, id := range []string{"m3", "m4"} {
			if err := send(addr, "stranger@example.org", []string{mine}, "From: Sam Stranger <stranger@example.org>\nMessage-ID: <"+id+"@example.org>\nSubject: Hello "+id+"\n\nWho is this?\n"); err != nil {
				t.Fatal(err)
			}
		}
		box, err := db.Inbox(ctx, act, 10)
		if err != nil || len(box) != 2 || box[0].FromName != "Sam Stranger" {
			t.Fatalf("inbox = %+v, %v", box, err)
		}
		if err := db.AssignEmail(ctx, act, box[0].ID, "dana@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := db.DismissEmail(ctx, act, box[1].ID); err != nil {
			t.Fatal(err)
		}
		if box, _ = db.Inbox(ctx, act, 10); len(box) != 0 {
			t.Errorf("inbox after assigning and dismissing: %+v", box)
		}
		// Another user's messages are not the owner's to assign.
		if err := db.AssignEmail(ctx, rapport.Member(org, owner), 1, "dana@example.com"); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Errorf("the owner assigned the agent's message: %v", err)
		}

		// Never a relay; unknown addresses and oversized messages refused.
		if err := send(addr, "spammer@example.net", []string{"victim@gmail.com"}, "Subject: hi\n\nx\n"); code(err) != 550 {
			t.Errorf("relay attempt: %v", err)
		}
		if err := send(addr, "spammer@example.net", []string{"in-nosuchtoken@in.acme.test"}, "Subject: hi\n\nx\n"); code(err) != 550 {
			t.Errorf("unknown address: %v", err)
		}
		big := "From: dana@example.com\nSubject: big\n\n" + strings.Repeat(strings.Repeat("x", 99)+"\n", inbound.MaxMessageBytes/100+10)
		if err := send(addr, "dana@example.com", []string{mine}, big); code(err) != 552 {
			t.Errorf("oversized message: %v", err)
		}
	})
}
