// Package inbound receives email for users' private addresses over SMTP
// and hands each message to the store, which puts it on a person's
// timeline or in the user's inbox. It accepts mail for its own domain's
// known addresses only: it is never a relay.
package inbound

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Limits of what is accepted.
const (
	// MaxMessageBytes bounds one message (a forwarded thread with a
	// signature image fits; attachments are not kept).
	MaxMessageBytes = 2 << 20
	// MaxRecipients bounds one message's recipients.
	MaxRecipients = 20
	// PerMinute bounds the messages one client address sends a minute.
	PerMinute = 60
)

// Server is the SMTP receiver.
type Server struct {
	DB *store.DB
	// Domain is the domain of the private addresses (token@Domain).
	Domain string
	Log    *slog.Logger

	mu    sync.Mutex
	rates map[string]*window
}

type window struct {
	start time.Time
	n     int
}

// New builds the go-smtp server for s, listening on addr.
func (s *Server) New(addr string) *smtp.Server {
	srv := smtp.NewServer(s)
	srv.Addr = addr
	srv.Domain = s.Domain
	srv.MaxMessageBytes = MaxMessageBytes
	srv.MaxRecipients = MaxRecipients
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxLineLength = 4000
	return srv
}

// NewSession starts a conversation with a client.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	host, _, _ := net.SplitHostPort(c.Conn().RemoteAddr().String())
	return &session{s: s, client: host}, nil
}

// allow counts a message from client, false past PerMinute.
func (s *Server) allow(client string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rates == nil {
		s.rates = map[string]*window{}
	}
	now := time.Now()
	w := s.rates[client]
	if w == nil || now.Sub(w.start) > time.Minute {
		if len(s.rates) > 10000 {
			clear(s.rates)
		}
		w = &window{start: now}
		s.rates[client] = w
	}
	w.n++
	return w.n <= PerMinute
}

var (
	errRelay = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying not permitted: this server takes mail for its own addresses only"}
	errNoOne = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such address here"}
	errRate  = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many messages; try again later"}
)

type session struct {
	s      *Server
	client string
	from   string
	to     []recipient
}

type recipient struct {
	org  *rapport.Org
	user *rapport.User
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.s.allow(ss.client) {
		return errRate
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	local, domain, ok := strings.Cut(strings.Trim(strings.TrimSpace(to), "<>"), "@")
	if !ok || !strings.EqualFold(domain, ss.s.Domain) {
		return errRelay
	}
	org, u, err := ss.s.DB.InboundUser(context.Background(), local)
	if rapport.ErrorCode(err) == rapport.ENOTFOUND {
		return errNoOne
	} else if err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	for _, r := range ss.to {
		if r.user.ID == u.ID {
			return nil
		}
	}
	ss.to = append(ss.to, recipient{org, u})
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	e, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Not a message we can read: " + err.Error()}
	}
	for _, rc := range ss.to {
		one := *e
		if err := ss.s.DB.ReceiveEmail(context.Background(), rapport.Member(rc.org, rc.user), &one); err != nil {
			ss.s.Log.Error("inbound email", "err", err, "user", rc.user.ID)
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
		}
	}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// Parse reads a message's headers and its plain text (the text/plain part
// of a multipart message; HTML only, its text without tags).
func Parse(raw []byte) (*store.InboundEmail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	h := msg.Header
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil {
		return nil, errors.New("no From address")
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(h.Get("Subject"))
	e := &store.InboundEmail{FromAddr: strings.ToLower(from.Address), FromName: from.Name, Subject: subject,
		MessageID: strings.Trim(strings.TrimSpace(h.Get("Message-Id")), "<>")}
	var to []string
	for _, field := range []string{"To", "Cc"} {
		if list, err := h.AddressList(field); err == nil {
			for _, a := range list {
				to = append(to, strings.ToLower(a.Address))
			}
		}
	}
	e.ToAddrs = strings.Join(to, ",")
	if d, err := h.Date(); err == nil {
		e.OccurredAt = d
	}
	e.Body = strings.TrimSpace(text(h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), msg.Body, 0))
	return e, nil
}

// text finds the plain text of a body.
func text(contentType, encoding string, body io.Reader, depth int) string {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	body = decode(encoding, body)
	switch {
	case strings.HasPrefix(mt, "multipart/") && depth < 5:
		mr := multipart.NewReader(body, params["boundary"])
		var html string
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") {
				continue
			}
			t := text(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1)
			if pt == "text/html" {
				html = t
				continue
			}
			if t != "" {
				return t
			}
		}
		return html
	case mt == "text/plain":
		b, _ := io.ReadAll(io.LimitReader(body, MaxMessageBytes))
		return string(b)
	case mt == "text/html":
		b, _ := io.ReadAll(io.LimitReader(body, MaxMessageBytes))
		return stripTags(string(b))
	}
	return ""
}

func decode(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, r)
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// stripTags keeps an HTML body's text, roughly: good enough for notes.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
			b.WriteByte(' ')
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
