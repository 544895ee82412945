package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// logFromForm reads the conversation form shared by the call session and
// the log page: the conversation, the facts learned and the next step.
func logFromForm(f *form, a *account, personID int64, now time.Time) *store.LogInput {
	c := rapport.Conversation{
		PersonID:    personID,
		Channel:     rapport.Channel(or(f.Get("channel"), string(rapport.ChannelCall))),
		Direction:   rapport.Direction(or(f.Get("direction"), string(rapport.DirectionOutbound))),
		Outcome:     rapport.Outcome(f.Get("outcome")),
		Temperature: rapport.Temperature(f.Get("temperature")),
		Notes:       f.Values.Get("notes"),
		NextStep:    f.Get("next_step"),
	}
	c.DurationSeconds = 60 * f.int("duration", "Use a whole number of minutes.")
	if v := f.Get("occurred_at"); v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, a.loc)
		if err != nil {
			f.addErr("occurred_at", "Use a date and time such as 2026-11-23T14:30.")
		} else {
			c.OccurredAt = t
		}
	}
	// Written offline and sent later: it happened queued_for seconds ago
	// (counted on the phone's own clock, so a wrong clock does not
	// matter), unless the form says when.
	if c.OccurredAt.IsZero() {
		if secs := f.int("queued_for", "Use a whole number of seconds."); secs > 0 && secs <= maxQueuedFor {
			c.OccurredAt = now.Add(-time.Duration(secs) * time.Second)
		}
	}
	c.IdempotencyKey = f.Get("idempotency_key")
	in := &store.LogInput{Conversation: c, Loc: a.loc, ConfirmDoNotCall: f.Checked("confirm_dnc"), Seen: seenFromForm(f)}
	if id, err := strconv.ParseInt(f.Get("phone_id"), 10, 64); err == nil {
		in.PhoneID = id
	}
	types, dates := f.List("fact_type"), f.List("fact_date")
	for i, text := range f.List("fact_text") {
		if strings.TrimSpace(text) == "" || i >= len(types) {
			continue
		}
		fact := rapport.Fact{Type: rapport.FactType(types[i]), Text: text}
		if i < len(dates) && strings.TrimSpace(dates[i]) != "" {
			fact.OnDate, fact.RemindDays = rapport.Day(strings.TrimSpace(dates[i])), rapport.DefaultRemindDays
		}
		in.Facts = append(in.Facts, fact)
		f.keep("fact", i)
	}
	in.FollowUp = followUpFromForm(f, "", a, now)
	return in
}

// maxQueuedFor is the longest a log may wait on a phone and still be
// dated by its wait (30 days); older ones are logged as of now.
const maxQueuedFor = 30 * 24 * 3600

// seenFromForm reads what the form knew of its person when it was shown
// (hidden fields seen_version, seen_owner and seen_at), or nil.
func seenFromForm(f *form) *rapport.Seen {
	v, err1 := strconv.ParseInt(f.Get("seen_version"), 10, 64)
	at, err2 := time.Parse(time.RFC3339Nano, f.Get("seen_at"))
	if err1 != nil || err2 != nil || v <= 0 {
		return nil
	}
	owner, _ := strconv.ParseInt(f.Get("seen_owner"), 10, 64)
	return &rapport.Seen{Version: v, OwnerID: owner, At: at}
}

// followUpFromForm reads a next step (fields named prefix+"due",
// prefix+"due_date" and so on), or returns nil when no due pick was made.
// Parse problems land on "followup.due".
func followUpFromForm(f *form, prefix string, a *account, now time.Time) *rapport.FollowUp {
	pick := f.Get(prefix + "due")
	if pick == "" || pick == "none" {
		return nil
	}
	fu := &rapport.FollowUp{
		Kind: rapport.FollowUpKind(f.Get(prefix + "fu_kind")), Owes: rapport.Owes(f.Get(prefix + "fu_owes")),
		Note: f.Get(prefix + "fu_note"), DueTime: f.Get(prefix + "fu_time"),
	}
	due, err := rapport.DueFromPick(pick, rapport.DayOf(now, a.loc), f.Get(prefix+"due_date"))
	if err != nil {
		f.addErr("followup.due", rapport.ErrorMessage(err))
	}
	fu.DueOn = due
	return fu
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// logOptions are the choices the conversation forms offer.
type logOptions struct {
	Channels      []rapport.Channel
	Outcomes      []rapport.Outcome
	Temperatures  []rapport.Temperature
	FactTypes     []rapport.FactType
	DuePicks      []rapport.DuePick
	FollowUpKinds []rapport.FollowUpKind
	FactRows      []int
	// FactDefaults are the types the blank fact rows start with: what we
	// most want to learn.
	FactDefaults []string
}

var options = logOptions{
	Channels: rapport.Channels, Outcomes: rapport.Outcomes, Temperatures: rapport.Temperatures,
	FactTypes: rapport.FactTypes, DuePicks: rapport.DuePicks, FollowUpKinds: rapport.FollowUpKinds,
	FactRows: []int{0, 1, 2}, FactDefaults: []string{"passion", "fear", "motivation"},
}

type logPage struct {
	Base
	Person *rapport.Person
	Form   *form
	Opt    logOptions
	Guide  *convGuide
}

func (s *Server) renderLog(w http.ResponseWriter, r *http.Request, a *account, p *rapport.Person, f *form, status int) error {
	g, err := s.guideFor(r.Context(), a, p)
	if err != nil {
		return err
	}
	s.render(w, r, status, "log", &logPage{Base: s.withFlash(w, r, a, "Log a conversation with "+p.Name(), "people"), Person: p, Form: f, Opt: options, Guide: g})
	return nil
}

func (s *Server) logForm(w http.ResponseWriter, r *http.Request, a *account) error {
	p, err := s.personFromPath(r, a)
	if err != nil {
		return err
	}
	f := newForm(nil)
	f.Values.Set("channel", string(rapport.ChannelCall))
	f.Values.Set("direction", string(rapport.DirectionOutbound))
	// A call that is logged here afterwards was most likely a talk: the
	// form starts on an outcome that saves, and on the number when there
	// is only one.
	f.Values.Set("outcome", string(rapport.OutcomeLive))
	if phones := p.CallablePhones(); len(phones) == 1 {
		f.Values.Set("phone_id", strconv.FormatInt(phones[0].ID, 10))
	}
	f.Values.Set("occurred_at", s.now().In(a.loc).Format("2006-01-02T15:04"))
	return s.renderLog(w, r, a, p, f, http.StatusOK)
}

func (s *Server) logCreate(w http.ResponseWriter, r *http.Request, a *account) error {
	p, err := s.personFromPath(r, a)
	if err != nil {
		return err
	}
	f, err := parseForm(w, r)
	if err != nil {
		return err
	}
	res, err := s.logPosted(r, a, p, f)
	if queued(r) {
		return s.queuedAnswer(w, r, p, f, res, err)
	}
	if err != nil {
		return err
	}
	if res != nil {
		s.flash(w, r, loggedMessage(p, res))
		return redirect(w, r, afterLog(res, personURL(p.ID)))
	}
	return s.renderLog(w, r, a, p, f, http.StatusUnprocessableEntity)
}

// afterLog is where logging goes next: after a live conversation, the
// short reflection (which then goes on to next); otherwise next.
func afterLog(res *store.LogResult, next string) string {
	if !res.Conversation.Live {
		return next
	}
	return reflectURL(res.Conversation.ID, next)
}

// logPosted logs the conversation a form describes. When the input needs
// correcting it returns nil, with every problem on the form.
func (s *Server) logPosted(r *http.Request, a *account, p *rapport.Person, f *form) (*store.LogResult, error) {
	// A form written while signed in as someone else (a phone's queue,
	// sent after another user signed in) is not theirs to send.
	if as := f.Get("as_user"); as != "" && as != userTag(a) {
		return nil, errOtherUser
	}
	pb, err := s.db.Playbook(r.Context(), a.actor)
	if err != nil {
		return nil, err
	}
	in := logFromForm(f, a, p.ID, s.now())
	facts, objection := guideFacts(f, pb, p)
	in.Facts = append(in.Facts, facts...)
	in.Conversation.Objection = objection
	f.absorb(in.Check(s.now()))
	if !f.Valid() {
		return nil, nil
	}
	res, err := s.db.LogConversation(r.Context(), a.actor, in)
	if err != nil && f.absorb(err) {
		return nil, nil
	}
	return res, err
}

// loggedMessage says what logging did, in a line.
func loggedMessage(p *rapport.Person, res *store.LogResult) string {
	c := res.Conversation
	what := c.Channel.Label()
	if c.Outcome != rapport.OutcomeNone {
		what = c.Outcome.Label()
	}
	msg := "Logged " + lowerFirst(what) + " with " + p.Name() + "."
	if res.Replayed {
		msg = "Already logged: " + lowerFirst(what) + " with " + p.Name() + "."
	}
	if res.NewStage != nil {
		msg += " Now in " + res.NewStage.Name + "."
	}
	if n := len(res.Kept); n > 0 {
		msg += " Promise kept."
	}
	if c.Outcome == rapport.OutcomeDoNotCall {
		msg += " Marked do not call."
	}
	if len(res.Changes) > 0 {
		msg += " Meanwhile: " + changesText(res.Changes)
	}
	return msg
}

func changesText(cs []rapport.PersonChange) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Text)
	}
	return strings.Join(parts, " ")
}

// userTag names the signed-in user for a form ("org.user"): a log queued
// on a phone is sent only as the user who wrote it.
func userTag(a *account) string {
	return strconv.FormatInt(a.org.ID, 10) + "." + strconv.FormatInt(a.user.ID, 10)
}

var errOtherUser = &rapport.Error{Code: rapport.ECONFLICT,
	Message: "This was written while someone else was signed in on this phone. Sign in as them to send it."}

// queued reports whether a request is a phone's queue sending a log
// written offline: it asks for JSON, to be told what happened.
func queued(r *http.Request) bool {
	return r.Header.Get("Accept") == "application/json"
}

// queuedLog is the answer to a queued log.
type queuedLog struct {
	// Status is "logged", "replayed" (the key had logged it already) or
	// "refused" (nothing was logged; the log stays on the phone).
	Status         string            `json:"status"`
	ConversationID int64             `json:"conversationId,omitempty"`
	Message        string            `json:"message"`
	Errors         map[string]string `json:"errors,omitempty"`
	// Changes are what others did to the person while the log waited.
	Changes []string `json:"changes"`
}

// queuedAnswer answers a queued log with JSON: 200 when logged (or found
// logged already), the error's status with its message otherwise.
func (s *Server) queuedAnswer(w http.ResponseWriter, r *http.Request, p *rapport.Person, f *form, res *store.LogResult, err error) error {
	out := queuedLog{Status: "refused", Changes: []string{}}
	status := http.StatusOK
	switch {
	case err != nil:
		status = httpx.Status(rapport.ErrorCode(err))
		if status == http.StatusInternalServerError {
			return err
		}
		out.Message = rapport.ErrorMessage(err)
	case res == nil:
		status = http.StatusUnprocessableEntity
		out.Errors = f.Errors
		out.Message = "Not saved: " + strings.Join(formProblems(f), " ")
	default:
		out.Status, out.ConversationID, out.Message = "logged", res.Conversation.ID, loggedMessage(p, res)
		if res.Replayed {
			out.Status = "replayed"
		}
		for _, c := range res.Changes {
			out.Changes = append(out.Changes, c.Text)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(out)
}

// formProblems lists a form's errors, in field order, for a line of text.
func formProblems(f *form) []string {
	keys := make([]string, 0, len(f.Errors))
	for k := range f.Errors {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, f.Errors[k])
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

// conversationShow finds a conversation on its person's timeline.
func (s *Server) conversationShow(w http.ResponseWriter, r *http.Request, a *account) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.db.Conversation(r.Context(), a.actor, id)
	if err != nil {
		return err
	}
	return redirect(w, r, personURL(c.PersonID)+"#conversation-"+strconv.FormatInt(c.ID, 10))
}
