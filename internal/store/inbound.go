package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// Inbound email statuses.
const (
	InboundLogged    = "logged"
	InboundWaiting   = "waiting"
	InboundDismissed = "dismissed"
)

// InboundEmail is a message that came to a user's private address.
type InboundEmail struct {
	bun.BaseModel  `bun:"table:inbound_emails"`
	ID             int64             `bun:"id,pk,autoincrement"`
	OrgID          int64             `bun:"org_id"`
	UserID         int64             `bun:"user_id"`
	MessageID      string            `bun:"message_id"`
	FromAddr       string            `bun:"from_addr"`
	FromName       string            `bun:"from_name"`
	ToAddrs        string            `bun:"to_addrs"` // comma-separated, To and Cc
	Subject        string            `bun:"subject"`
	Body           string            `bun:"body"`
	Direction      rapport.Direction `bun:"direction"`
	OccurredAt     time.Time         `bun:"occurred_at"`
	ReceivedAt     time.Time         `bun:"received_at"`
	Status         string            `bun:"status"`
	PersonID       int64             `bun:"person_id,nullzero"`
	ConversationID int64             `bun:"conversation_id,nullzero"`
}

// Others are the addresses on the other side: the sender of a message
// that came in, the recipients of one the user sent.
func (e *InboundEmail) Others() []string {
	if e.Direction == rapport.DirectionInbound {
		return []string{e.FromAddr}
	}
	var out []string
	for _, a := range strings.Split(e.ToAddrs, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// maxInboundBody bounds what of a message's text the timeline keeps.
const maxInboundBody = 8000

// InboundAddress returns the actor's private address token (the local
// part of the address they BCC or forward to), making it the first time.
func (db *DB) InboundAddress(ctx context.Context, act rapport.Actor) (string, error) {
	if act.User == 0 {
		return "", rapport.Errorf(rapport.EINVALID, "An inbound address is a user's own.")
	}
	var token string
	err := db.tx(ctx, func(tx bun.Tx) error {
		err := tx.NewSelect().Table("inbound_addresses").Column("token").Where("org_id = ? AND user_id = ?", act.Org, act.User).Scan(ctx, &token)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		token = "in-" + newAlertToken()[:24]
		if _, err = tx.NewRaw("INSERT INTO inbound_addresses (token, org_id, user_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
			token, act.Org, act.User, db.now().UTC()).Exec(ctx); err != nil {
			return err
		}
		// Another request may have made it first: theirs stands.
		return tx.NewSelect().Table("inbound_addresses").Column("token").Where("org_id = ? AND user_id = ?", act.Org, act.User).Scan(ctx, &token)
	})
	return token, err
}

// InboundUser finds the active user whose private address has token.
func (db *DB) InboundUser(ctx context.Context, token string) (*rapport.Org, *rapport.User, error) {
	var row struct {
		OrgID  int64 `bun:"org_id"`
		UserID int64 `bun:"user_id"`
	}
	if err := db.ro.NewSelect().Table("inbound_addresses").Column("org_id", "user_id").Where("token = ?", strings.ToLower(token)).Scan(ctx, &row); err != nil {
		return nil, nil, notFound(err, "address")
	}
	org, u, err := db.member(ctx, rapport.Actor{Org: row.OrgID, User: row.UserID})
	if err != nil {
		return nil, nil, err
	}
	if !u.Active() {
		return nil, nil, rapport.NotFound("address")
	}
	return org, u, nil
}

// ReceiveEmail keeps a message that came to the actor's address: one of
// their own (From is them) goes out to its recipients, any other comes in
// from its sender. When the other side is a person the actor sees (by an
// email address of theirs), it becomes an email conversation on that
// person's timeline; otherwise it waits in the actor's inbox. The same
// message twice (its Message-ID) is kept once.
func (db *DB) ReceiveEmail(ctx context.Context, act rapport.Actor, e *InboundEmail) error {
	org, u, err := db.member(ctx, act)
	if err != nil {
		return err
	}
	e.OrgID, e.UserID, e.ReceivedAt, e.Status = org.ID, u.ID, db.now().UTC(), InboundWaiting
	e.Direction = rapport.DirectionInbound
	if strings.EqualFold(strings.TrimSpace(e.FromAddr), u.Email) {
		e.Direction = rapport.DirectionOutbound
	}
	if e.OccurredAt.IsZero() || e.OccurredAt.After(e.ReceivedAt) {
		e.OccurredAt = e.ReceivedAt
	}
	e.OccurredAt = e.OccurredAt.UTC()
	e.Subject = cutText(strings.ToValidUTF8(e.Subject, ""), 300)
	e.Body = cutText(strings.ToValidUTF8(e.Body, ""), maxInboundBody)
	if e.MessageID == "" {
		e.MessageID = e.FromAddr + "|" + e.OccurredAt.Format(time.RFC3339Nano) + "|" + e.Subject
	}
	if len(e.MessageID) > 200 {
		// An index takes a bounded key: a long id is kept by its hash.
		sum := sha256.Sum256([]byte(e.MessageID))
		e.MessageID = "sha256:" + hex.EncodeToString(sum[:])
	}
	var dup bool
	if dup, err = db.ro.NewSelect().Table("inbound_emails").Where("org_id = ? AND user_id = ? AND message_id = ?", org.ID, u.ID, e.MessageID).Exists(ctx); err != nil || dup {
		return err
	}
	personID, err := db.emailOwner(ctx, act, e.Others())
	if err != nil {
		return err
	}
	if _, err := db.rw.NewInsert().Model(e).On("CONFLICT (org_id, user_id, message_id) DO NOTHING").Returning("id").Exec(ctx); err != nil {
		return err
	}
	if personID == 0 || e.ID == 0 {
		return nil
	}
	return db.logInbound(ctx, act, e, personID)
}

// emailOwner finds the person, one the actor sees, with one of addrs.
func (db *DB) emailOwner(ctx context.Context, act rapport.Actor, addrs []string) (int64, error) {
	var norm []string
	for _, a := range addrs {
		if n, err := rapport.NormalizeEmail(a); err == nil {
			norm = append(norm, n)
		}
	}
	if len(norm) == 0 {
		return 0, nil
	}
	q := db.ro.NewSelect().Table("people").Column("id").
		Where("org_id = ? AND archived_at IS NULL AND id IN (SELECT person_id FROM emails WHERE org_id = ? AND address IN (?))", act.Org, act.Org, bun.List(norm)).
		OrderExpr("id").Limit(1)
	if act.Only != 0 {
		q.Where("owner_id = ?", act.Only)
	}
	var ids []int64
	if err := q.Scan(ctx, &ids); err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}

// logInbound puts a kept message on a person's timeline.
func (db *DB) logInbound(ctx context.Context, act rapport.Actor, e *InboundEmail, personID int64) error {
	notes := e.Body
	if e.Subject != "" {
		notes = "Subject: " + e.Subject + "\n\n" + e.Body
	}
	res, err := db.LogConversation(ctx, act, &LogInput{Conversation: rapport.Conversation{PersonID: personID, Channel: rapport.ChannelEmail,
		Direction: e.Direction, OccurredAt: e.OccurredAt, Notes: cutText(notes, 19000)}})
	if err != nil {
		return err
	}
	_, err = db.rw.NewUpdate().Table("inbound_emails").Set("status = ?", InboundLogged).Set("person_id = ?", personID).
		Set("conversation_id = ?", res.Conversation.ID).Where("org_id = ? AND id = ?", e.OrgID, e.ID).Exec(ctx)
	e.Status, e.PersonID, e.ConversationID = InboundLogged, personID, res.Conversation.ID
	return err
}

// Inbox lists the actor's messages that matched no one, newest first.
func (db *DB) Inbox(ctx context.Context, act rapport.Actor, limit int) ([]InboundEmail, error) {
	var es []InboundEmail
	err := db.ro.NewSelect().Model(&es).Where("org_id = ? AND user_id = ? AND status = ?", act.Org, act.User, InboundWaiting).
		OrderExpr("received_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	return es, err
}

// AssignEmail puts a waiting message of the actor's on the timeline of a
// person they see, named by id or by one of their email addresses.
func (db *DB) AssignEmail(ctx context.Context, act rapport.Actor, id int64, who string) error {
	e := new(InboundEmail)
	if err := db.ro.NewSelect().Model(e).Where("org_id = ? AND user_id = ? AND id = ?", act.Org, act.User, id).Scan(ctx); err != nil {
		return notFound(err, "message")
	}
	if e.Status != InboundWaiting {
		return rapport.Errorf(rapport.ECONFLICT, "This message is already %s.", e.Status)
	}
	who = strings.TrimSpace(who)
	personID, err := strconv.ParseInt(who, 10, 64)
	if err != nil {
		if personID, err = db.emailOwner(ctx, act, []string{who}); err != nil {
			return err
		}
		if personID == 0 {
			return invalidField("person", fmt.Sprintf("None of your people has the address %q.", who))
		}
	} else if err := db.CheckVisible(ctx, act, personID); err != nil {
		return err
	}
	if err := db.takeWaiting(ctx, e); err != nil {
		return err
	}
	if err := db.logInbound(ctx, act, e, personID); err != nil {
		db.putBackWaiting(ctx, e)
		return err
	}
	return nil
}

// takeWaiting marks a waiting message taken, so that a second click or a
// retry finds it taken (a conflict) rather than logging it twice.
func (db *DB) takeWaiting(ctx context.Context, e *InboundEmail) error {
	res, err := db.rw.NewUpdate().Table("inbound_emails").Set("status = ?", InboundLogged).
		Where("org_id = ? AND id = ? AND status = ?", e.OrgID, e.ID, InboundWaiting).Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rapport.Errorf(rapport.ECONFLICT, "This message was just put on a timeline.")
	}
	return nil
}

// putBackWaiting undoes takeWaiting when what followed failed.
func (db *DB) putBackWaiting(ctx context.Context, e *InboundEmail) {
	db.rw.NewUpdate().Table("inbound_emails").Set("status = ?", InboundWaiting).
		Where("org_id = ? AND id = ? AND conversation_id IS NULL", e.OrgID, e.ID).Exec(context.WithoutCancel(ctx))
}

// DismissEmail lets a waiting message of the actor's go.
func (db *DB) DismissEmail(ctx context.Context, act rapport.Actor, id int64) error {
	return db.tx(ctx, func(tx bun.Tx) error {
		res, err := tx.NewUpdate().Table("inbound_emails").Set("status = ?", InboundDismissed).Set("body = ''").
			Where("org_id = ? AND user_id = ? AND id = ? AND status = ?", act.Org, act.User, id, InboundWaiting).Exec(ctx)
		if err := affected(res, err, "message"); err != nil {
			return err
		}
		return db.audit(ctx, tx, act.Org, act.User, AuditDelete, "inbound email", id, "let go from the inbox")
	})
}

// EmailToNewPerson makes the other side of a waiting message of the
// actor's a new lead of theirs (named as the message names them) and
// puts the message on their timeline.
func (db *DB) EmailToNewPerson(ctx context.Context, act rapport.Actor, id int64) (*rapport.Person, error) {
	e := new(InboundEmail)
	if err := db.ro.NewSelect().Model(e).Where("org_id = ? AND user_id = ? AND id = ?", act.Org, act.User, id).Scan(ctx); err != nil {
		return nil, notFound(err, "message")
	}
	if e.Status != InboundWaiting {
		return nil, rapport.Errorf(rapport.ECONFLICT, "This message is already %s.", e.Status)
	}
	others := e.Others()
	if len(others) == 0 {
		return nil, rapport.Errorf(rapport.EINVALID, "The message names no one to add.")
	}
	p := &rapport.Person{Kind: rapport.KindLead, OwnerID: act.User, Source: "Email", Emails: []rapport.Email{{Address: others[0]}}}
	name := strings.TrimSpace(e.FromName)
	if e.Direction == rapport.DirectionOutbound || name == "" || strings.Contains(name, "@") {
		name = strings.Split(others[0], "@")[0]
	}
	p.FirstName, p.LastName, _ = strings.Cut(name, " ")
	if err := db.takeWaiting(ctx, e); err != nil {
		return nil, err
	}
	if err := db.CreatePerson(ctx, act, p); err != nil {
		db.putBackWaiting(ctx, e)
		return nil, err
	}
	// The person exists now: a failure to log leaves them, with the
	// message back in the inbox to put on their timeline.
	if err := db.logInbound(ctx, act, e, p.ID); err != nil {
		db.putBackWaiting(ctx, e)
		return p, err
	}
	return p, nil
}
