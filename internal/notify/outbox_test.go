package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/rapport-crm/rapport/internal/auth"
	"github.com/rapport-crm/rapport/internal/notify"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

var ctx = context.Background()

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

type world struct {
	db     *store.DB
	org    *rapport.Org
	owner  *rapport.User
	agent  *rapport.User
	smtp   *smtpServer
	outbox *notify.Outbox
}

func setup(t *testing.T, db *store.DB) *world {
	t.Helper()
	w := &world{db: db, smtp: startSMTP(t)}
	w.org = &rapport.Org{Name: "Acme Realty", Slug: "acme", Region: "US", TZ: "America/Chicago"}
	w.owner = &rapport.User{Email: "owner@acme.test", Name: "Olive Owner", Role: rapport.RoleOwner, PasswordHash: "x"}
	if err := db.CreateOrg(ctx, w.org, w.owner); err != nil {
		t.Fatal(err)
	}
	w.agent = &rapport.User{OrgID: w.org.ID, Email: "alex@acme.test", Name: "Alex Agent", Role: rapport.RoleAgent, PasswordHash: "x"}
	if err := db.CreateUser(ctx, rapport.Actor{Org: w.org.ID}, w.agent); err != nil {
		t.Fatal(err)
	}
	mailer, err := notify.ParseMailer("smtp://rapport:s3cret%20pass@"+w.smtp.addr+"?from=Rapport+%3Crapport@acme.test%3E", slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	mailer.(*notify.SMTPMailer).TLSConfig = &tls.Config{RootCAs: w.smtp.ca, ServerName: "127.0.0.1"}
	w.outbox = &notify.Outbox{DB: db, Mail: mailer, BaseURL: "https://crm.acme.test", Log: slog.New(slog.DiscardHandler)}
	return w
}

// parts returns the text and HTML of a multipart/alternative message.
func parts(t *testing.T, r received) (text, html string) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(r.msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("content type %q: %v", r.msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(bytes.NewReader(r.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(decoded(p))
		switch ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	return text, html
}

func decoded(p *multipart.Part) io.Reader {
	// multipart.Part decodes quoted-printable itself; base64 is ours.
	if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
		return base64Reader(p)
	}
	return p
}

func TestNewLeadEmailArrivesOnceWithLinks(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		res, err := db.RecordEvent(ctx, rapport.Member(w.org, w.owner), &store.EventInput{
			Event:  rapport.Event{DedupeKey: "zillow-1", Type: "Inquiry", Source: "Zillow"},
			Person: rapport.Person{FirstName: "Dana", LastName: "Whitfield", Phones: []rapport.Phone{{Number: "+13125550142"}}}})
		if err != nil || res.Person.OwnerID != w.agent.ID {
			t.Fatalf("event: %+v %v", res, err)
		}
		for range 3 {
			if _, err := w.outbox.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		got := w.smtp.got()
		if len(got) != 1 {
			t.Fatalf("the SMTP server got %d messages, want 1", len(got))
		}
		m := got[0]
		if !m.tls || len(m.to) != 1 || m.to[0] != "alex@acme.test" || m.from != "rapport@acme.test" {
			t.Errorf("envelope: tls %v from %q to %v", m.tls, m.from, m.to)
		}
		subj, _ := new(mime.WordDecoder).DecodeHeader(m.msg.Header.Get("Subject"))
		if !strings.Contains(subj, "Dana Whitfield") {
			t.Errorf("subject %q", subj)
		}
		unsub := strings.Trim(m.msg.Header.Get("List-Unsubscribe"), "<>")
		if !regexp.MustCompile(`^https://crm\.acme\.test/unsubscribe/[0-9a-f]{48}/new_lead$`).MatchString(unsub) ||
			m.msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("RFC 8058 headers: %q / %q", m.msg.Header.Get("List-Unsubscribe"), m.msg.Header.Get("List-Unsubscribe-Post"))
		}
		text, html := parts(t, m)
		link := "https://crm.acme.test/people/" + itoa(res.Person.ID)
		if !strings.Contains(text, link) || !strings.Contains(text, "+13125550142") || !strings.Contains(text, unsub) {
			t.Errorf("text part:\n%s", text)
		}
		if !strings.Contains(html, `href="`+link+`"`) || !strings.Contains(html, "Dana Whitfield") {
			t.Errorf("html part:\n%s", html)
		}
		// The push twin is skipped (no push on this server), not retried.
		all, _ := db.Outbox(ctx, rapport.Member(w.org, w.owner), "", 10)
		for _, msg := range all {
			if msg.Channel == rapport.AlertPush && msg.Status != store.OutboxSkipped {
				t.Errorf("push message %+v", msg)
			}
			if msg.Channel == rapport.AlertEmail && msg.Status != store.OutboxSent {
				t.Errorf("email message %+v", msg)
			}
		}
	})
}

func TestPasswordResetEmailLinkWorks(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		if err := db.ForgotPassword(ctx, "ALEX@acme.test"); err != nil {
			t.Fatal(err)
		}
		// Asking again at once, or for an address nobody has, sends nothing more.
		if err := db.ForgotPassword(ctx, "alex@acme.test"); err != nil {
			t.Fatal(err)
		}
		if err := db.ForgotPassword(ctx, "nobody@acme.test"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.outbox.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		got := w.smtp.got()
		if len(got) != 1 || got[0].msg.Header.Get("List-Unsubscribe") != "" {
			t.Fatalf("reset emails: %d (a reset has no unsubscribe link)", len(got))
		}
		text, _ := parts(t, got[0])
		token := regexp.MustCompile(`https://crm\.acme\.test/reset/([A-Za-z0-9_-]+)`).FindStringSubmatch(text)
		if token == nil {
			t.Fatalf("no reset link in:\n%s", text)
		}
		hash, _ := auth.HashPassword("a new long password")
		if u, err := db.ResetPassword(ctx, token[1], hash); err != nil || u.ID != w.agent.ID {
			t.Fatalf("reset with the emailed link: %v", err)
		}
		// The outbox forgot the token once it was sent.
		all, _ := db.Outbox(ctx, rapport.Member(w.org, w.owner), store.OutboxSent, 10)
		if len(all) != 1 {
			t.Fatalf("sent = %+v", all)
		}
	})
}

func TestRefusedEmailRetriesThenDies(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, db *store.DB) {
		w := setup(t, db)
		w.smtp.refuse = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		if _, err := db.EmailPasswordReset(ctx, rapport.Member(w.org, w.owner), w.agent.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.outbox.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		owner := rapport.Member(w.org, w.owner)
		ms, _ := db.Outbox(ctx, owner, store.OutboxPending, 10)
		if len(ms) != 1 || !strings.Contains(ms[0].LastError, "451") || !ms[0].NotBefore.After(time.Now()) {
			t.Fatalf("after a temporary refusal: %+v", ms)
		}
		// A permanent refusal is dead at once, with its reason, for the owner to retry.
		w.smtp.refuse = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		if err := db.RetryMessage(ctx, owner, ms[0].ID); rapport.ErrorCode(err) != rapport.ENOTFOUND {
			t.Fatalf("retrying a pending message: %v", err)
		}
		if _, err := db.EmailPasswordReset(ctx, owner, w.agent.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.outbox.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		dead, _ := db.Outbox(ctx, owner, store.OutboxDead, 10)
		if all, _ := db.Outbox(ctx, owner, "", 10); len(dead) != 1 {
			t.Logf("all: %+v", all)
		}
		if len(dead) != 1 || !strings.Contains(dead[0].LastError, "550") {
			t.Fatalf("dead letters: %+v", dead)
		}
		w.smtp.refuse = nil
		if err := db.RetryMessage(ctx, owner, dead[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.outbox.DeliverDue(ctx); err != nil {
			t.Fatal(err)
		}
		if got := w.smtp.got(); len(got) != 1 {
			t.Fatalf("after the owner's retry the server got %d", len(got))
		}
	})
}

func TestParseMailer(t *testing.T) {
	for _, bad := range []string{"smtp://host:587", "ftp://x?from=a@b.c", "smtp://:25?from=a@b.c", "smtp://h:x?from=a@b.c", "smtp://h?from=nope"} {
		if _, err := notify.ParseMailer(bad, slog.Default()); err == nil {
			t.Errorf("ParseMailer(%q) took it", bad)
		}
	}
	m, err := notify.ParseMailer("smtps://u:p@mail.example.com?from=crm@example.com", slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	if s := m.(*notify.SMTPMailer); !s.TLS || s.Port != 465 || s.Username != "u" || strings.Contains(m.String(), "p@") {
		t.Errorf("smtps: %+v %s", s, m)
	}
	if m, _ := notify.ParseMailer("log:", slog.Default()); m.String() != "the log" {
		t.Errorf("log mailer: %s", m)
	}
	_ = mail.Address{}
}
