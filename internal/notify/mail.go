// Package notify delivers the outbox's messages: email through an SMTP
// server (or the log), push through the devices users have turned alerts
// on for. What to send and when is decided where the cause happens, in the
// store; this package only renders and delivers.
package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Email is one message to one person.
type Email struct {
	To, ToName string
	Subject    string
	Text, HTML string
	// MessageID is derived from the outbox's key, so that a message sent
	// twice (a server stopped between sending and saying so) is one
	// message to a mail client that removes duplicates.
	MessageID string
	// Unsubscribe is the one-click unsubscribe link (RFC 8058), if any.
	Unsubscribe string
	// Secret marks a message whose text is a key (a reset link): it is
	// never written to a log.
	Secret bool
}

// Mailer sends email.
type Mailer interface {
	Send(ctx context.Context, e *Email) error
	// String describes it for the log, without secrets.
	String() string
}

// Permanent marks a send error that retrying cannot cure (the server
// refused the address for good).
type Permanent struct{ Err error }

func (p *Permanent) Error() string { return p.Err.Error() }
func (p *Permanent) Unwrap() error { return p.Err }

// ParseMailer reads --smtp-url: "log:" writes messages to the log;
// "smtp://user:pass@host:587?from=…" sends with STARTTLS (required),
// "smtps://…:465" over TLS. Query: from (required for SMTP; "Name
// <addr>" allowed), tls=opportunistic to accept a server without STARTTLS
// (a relay on localhost).
func ParseMailer(raw string, log *slog.Logger) (Mailer, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || raw == "log:" || raw == "log" {
		return &LogMailer{Log: log}, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: not a URL")
	}
	if u.Scheme != "smtp" && u.Scheme != "smtps" {
		return nil, fmt.Errorf("--smtp-url: use smtp://, smtps:// or log: (got %q)", u.Scheme)
	}
	q := u.Query()
	from := q.Get("from")
	if from == "" {
		return nil, errors.New("--smtp-url: add ?from=rapport@your-domain (the sender's address)")
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: from=%q is not an email address", from)
	}
	if u.Hostname() == "" {
		return nil, errors.New("--smtp-url: name the SMTP server's host")
	}
	m := &SMTPMailer{Host: u.Hostname(), From: addr, TLS: u.Scheme == "smtps", Opportunistic: q.Get("tls") == "opportunistic"}
	m.Port = 587
	if m.TLS {
		m.Port = 465
	}
	if p := u.Port(); p != "" {
		if m.Port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("--smtp-url: port %q is not a number", p)
		}
	}
	if u.User != nil {
		m.Username = u.User.Username()
		m.Password, _ = u.User.Password()
	}
	return m, nil
}

// LogMailer writes each message to the log instead of sending it: the
// demo's mailer, and a server's until it is given an SMTP server.
type LogMailer struct{ Log *slog.Logger }

func (l *LogMailer) Send(_ context.Context, e *Email) error {
	if e.Secret {
		// A reset link in a log is a key to the account for anyone who
		// reads it: it goes nowhere, and says so.
		l.Log.Warn("email not sent: no --smtp-url, and its one-time link is not written to the log", "to", e.To, "subject", e.Subject)
		return nil
	}
	l.Log.Info("email (not sent: no --smtp-url)", "to", e.To, "subject", e.Subject, "text", e.Text)
	return nil
}

func (l *LogMailer) String() string { return "the log" }

// SMTPMailer sends through an SMTP server.
type SMTPMailer struct {
	Host               string
	Port               int
	Username, Password string
	From               *mail.Address
	// TLS: implicit TLS (smtps); otherwise STARTTLS, required unless
	// Opportunistic.
	TLS, Opportunistic bool
	// TLSConfig overrides the TLS settings (tests trust their own CA).
	TLSConfig *tls.Config
	Timeout   time.Duration
}

func (m *SMTPMailer) String() string {
	return fmt.Sprintf("smtp server %s:%d", m.Host, m.Port)
}

func (m *SMTPMailer) Send(ctx context.Context, e *Email) error {
	msg := gomail.NewMsg()
	msg.FromMailAddress(m.From)
	if err := msg.AddToFormat(e.ToName, e.To); err != nil {
		return &Permanent{fmt.Errorf("recipient %q: %w", e.To, err)}
	}
	msg.Subject(e.Subject)
	msg.SetDate()
	if e.MessageID != "" {
		msg.SetMessageIDWithValue(e.MessageID)
	} else {
		msg.SetMessageID()
	}
	if e.Unsubscribe != "" {
		msg.SetGenHeader("List-Unsubscribe", "<"+e.Unsubscribe+">")
		msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, e.HTML)
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(m.Port), gomail.WithTimeout(timeout)}
	tlsConf := m.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
	}
	opts = append(opts, gomail.WithTLSConfig(tlsConf))
	switch {
	case m.TLS:
		opts = append(opts, gomail.WithSSL())
	case m.Opportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(m.Username), gomail.WithPassword(m.Password))
	}
	c, err := gomail.NewClient(m.Host, opts...)
	if err != nil {
		return err
	}
	err = c.DialAndSendWithContext(ctx, msg)
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		return &Permanent{err}
	}
	return err
}
