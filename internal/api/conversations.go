package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

type conversationJSON struct {
	ID              int64               `json:"id"`
	PersonID        int64               `json:"personId"`
	UserID          *int64              `json:"userId"`
	Channel         rapport.Channel     `json:"channel"`
	Direction       rapport.Direction   `json:"direction"`
	Outcome         rapport.Outcome     `json:"outcome"`
	Live            bool                `json:"live"`
	DurationSeconds int                 `json:"durationSeconds"`
	Notes           string              `json:"notes"`
	Temperature     rapport.Temperature `json:"temperature"`
	NextStep        string              `json:"nextStep"`
	// Objection is the playbook key of the objection that came up.
	Objection *string `json:"objection"`
	// DoNotCallConfirmed marks an outbound call to someone marked do not
	// call, logged with the user's confirmation that it was wanted.
	DoNotCallConfirmed bool      `json:"doNotCallConfirmed"`
	OccurredAt         time.Time `json:"occurredAt"`
	CreatedAt          time.Time `json:"createdAt"`
}

func toConversation(c *rapport.Conversation) conversationJSON {
	return conversationJSON{ID: c.ID, PersonID: c.PersonID, UserID: idPtr(c.UserID), Channel: c.Channel, Direction: c.Direction,
		Outcome: c.Outcome, Live: c.Live, DurationSeconds: c.DurationSeconds, Notes: c.Notes, Temperature: c.Temperature,
		NextStep: c.NextStep, Objection: keyPtr(c.Objection), DoNotCallConfirmed: c.DNCConfirmed, OccurredAt: c.OccurredAt.UTC(),
		CreatedAt: c.CreatedAt.UTC()}
}

func keyPtr(k string) *string {
	if k == "" {
		return nil
	}
	return &k
}

// followUpInput is a follow-up to create, alone or as a conversation's
// next step. Due is a date (dueOn) or a quick pick (due: tomorrow, 2d, 1w,
// 2w, 1m) counted from the user's today.
type followUpInput struct {
	PersonID int64                `json:"personId,omitempty"`
	DueOn    string               `json:"dueOn"`
	Due      string               `json:"due"`
	DueTime  string               `json:"dueTime"`
	Kind     rapport.FollowUpKind `json:"kind"`
	Owes     rapport.Owes         `json:"owes"`
	Note     string               `json:"note"`
	UserID   int64                `json:"userId"`
}

func (in *followUpInput) build(a *account, now time.Time) (*rapport.FollowUp, error) {
	f := &rapport.FollowUp{PersonID: in.PersonID, Kind: in.Kind, Owes: in.Owes, Note: in.Note, DueTime: in.DueTime, UserID: in.UserID}
	pick := in.Due
	if in.DueOn != "" {
		pick = "date"
	}
	due, err := rapport.DueFromPick(pick, rapport.DayOf(now, a.loc), in.DueOn)
	if err != nil {
		return nil, &rapport.Error{Code: rapport.EINVALID, Message: rapport.ErrorMessage(err), Fields: map[string]string{"due": rapport.ErrorMessage(err)}}
	}
	f.DueOn = due
	return f, nil
}

type conversationInput struct {
	PersonID        int64               `json:"personId"`
	Channel         rapport.Channel     `json:"channel"`
	Direction       rapport.Direction   `json:"direction"`
	Outcome         rapport.Outcome     `json:"outcome"`
	DurationSeconds int                 `json:"durationSeconds"`
	Notes           string              `json:"notes"`
	Temperature     rapport.Temperature `json:"temperature"`
	NextStep        string              `json:"nextStep"`
	Objection       string              `json:"objection"`
	OccurredAt      *time.Time          `json:"occurredAt"`
	PhoneID         int64               `json:"phoneId"`
	Facts           []factInput         `json:"facts"`
	FollowUp        *followUpInput      `json:"followUp"`
	// ConfirmDoNotCall is required to log an outbound call to someone
	// marked do not call: they called, or asked to be called.
	ConfirmDoNotCall bool `json:"confirmDoNotCall"`
	// Seen is what the client knew of the person when the log was
	// written, so that the answer can tell what others did since.
	Seen *seenInput `json:"seen"`
}

type seenInput struct {
	Version int64     `json:"version"`
	OwnerID int64     `json:"ownerId"`
	At      time.Time `json:"at"`
}

// logged is the answer to logging a conversation: it and what it changed.
type logged struct {
	Conversation conversationJSON `json:"conversation"`
	Facts        []factJSON       `json:"facts"`
	FollowUp     *followUpJSON    `json:"followUp"`
	KeptFollowUp []int64          `json:"keptFollowUpIds"`
	Stage        *stageJSON       `json:"stage"`
	// Replayed: the Idempotency-Key had logged this conversation before;
	// nothing was logged again.
	Replayed bool `json:"replayed"`
	// Changes are what others did to the person after in.Seen.
	Changes []rapport.PersonChange `json:"changes"`
}

func (s *Server) createConversation(w http.ResponseWriter, r *http.Request, a *account) error {
	var in conversationInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	if in.PersonID == 0 {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Say who the conversation was with.", Fields: map[string]string{"personId": "Required."}}
	}
	if err := s.db.CheckVisible(r.Context(), a.actor, in.PersonID); err != nil {
		return err
	}
	li := &store.LogInput{Loc: a.loc, PhoneID: in.PhoneID, ConfirmDoNotCall: in.ConfirmDoNotCall, Conversation: rapport.Conversation{PersonID: in.PersonID,
		Channel: in.Channel, Direction: in.Direction, Outcome: in.Outcome, DurationSeconds: in.DurationSeconds,
		Notes: in.Notes, Temperature: in.Temperature, NextStep: in.NextStep, Objection: strings.TrimSpace(in.Objection)}}
	if in.OccurredAt != nil {
		li.Conversation.OccurredAt = *in.OccurredAt
	}
	for _, f := range in.Facts {
		li.Facts = append(li.Facts, f.fact())
	}
	li.Conversation.IdempotencyKey = r.Header.Get("Idempotency-Key")
	if in.Seen != nil {
		li.Seen = &rapport.Seen{Version: in.Seen.Version, OwnerID: in.Seen.OwnerID, At: in.Seen.At}
	}
	if in.FollowUp != nil {
		fu, err := in.FollowUp.build(a, s.now())
		if err != nil {
			return prefixFields(err, "followup.")
		}
		li.FollowUp = fu
	}
	res, err := s.db.LogConversation(r.Context(), a.actor, li)
	if err != nil {
		return err
	}
	out := logged{Conversation: toConversation(res.Conversation), Facts: []factJSON{}, KeptFollowUp: res.Kept, Stage: stageOf(res.NewStage),
		Replayed: res.Replayed, Changes: res.Changes}
	if out.Changes == nil {
		out.Changes = []rapport.PersonChange{}
	}
	if out.KeptFollowUp == nil {
		out.KeptFollowUp = []int64{}
	}
	facts, err := s.db.Facts(r.Context(), a.actor, in.PersonID)
	if err != nil {
		return err
	}
	for i := range facts {
		if facts[i].ConversationID == res.Conversation.ID {
			out.Facts = append(out.Facts, toFact(&facts[i]))
		}
	}
	if res.Replayed {
		li.FollowUp = res.FollowUp
	}
	if li.FollowUp != nil {
		fj := toFollowUp(li.FollowUp)
		out.FollowUp = &fj
	}
	w.Header().Set("Location", Prefix+"/conversations/"+strconv.FormatInt(res.Conversation.ID, 10))
	status := http.StatusCreated
	if res.Replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, out)
	return nil
}

// prefixFields renames an error's fields under a prefix.
func prefixFields(err error, prefix string) error {
	e, ok := err.(*rapport.Error)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	fields := map[string]string{}
	for k, v := range e.Fields {
		fields[prefix+k] = v
	}
	return &rapport.Error{Code: e.Code, Message: e.Message, Fields: fields}
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.db.Conversation(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toConversation(c))
	return nil
}

func (s *Server) listConversations(w http.ResponseWriter, r *http.Request, a *account) error {
	q := r.URL.Query()
	f := store.ConversationFilter{Cursor: q.Get("cursor")}
	var err error
	if f.PersonID, err = queryID(q.Get("personId"), "personId"); err != nil {
		return err
	}
	if f.UserID, err = queryID(q.Get("userId"), "userId"); err != nil {
		return err
	}
	if f.Limit, err = queryInt(q.Get("limit"), "limit", 50); err != nil {
		return err
	}
	if f.Since, err = queryTime(q.Get("since"), "since", a.loc); err != nil {
		return err
	}
	if f.Until, err = queryTime(q.Get("until"), "until", a.loc); err != nil {
		return err
	}
	cs, next, err := s.db.Conversations(r.Context(), a.actor, f)
	if err != nil {
		return err
	}
	items := make([]conversationJSON, len(cs))
	for i := range cs {
		items[i] = toConversation(&cs[i])
	}
	writeJSON(w, http.StatusOK, newList(items, next))
	return nil
}
