package rapport

import (
	"strings"
	"time"
)

// PipelineKind names one of an organisation's pipelines.
type PipelineKind string

const (
	PipelineClients    PipelineKind = "clients"
	PipelineRecruiting PipelineKind = "recruiting"
)

// Pipeline is an ordered list of stages a person moves through.
type Pipeline struct {
	ID       int64        `bun:"id,pk,autoincrement"`
	OrgID    int64        `bun:"org_id"`
	Kind     PipelineKind `bun:"kind"`
	Name     string       `bun:"name"`
	Position int          `bun:"position"`
	Stages   []Stage      `bun:"-"`
}

// Stage is one step of a pipeline. Key is stable across organisations and
// is what the rules refer to; Name is what people read.
type Stage struct {
	ID         int64  `bun:"id,pk,autoincrement"`
	OrgID      int64  `bun:"org_id"`
	PipelineID int64  `bun:"pipeline_id"`
	Key        string `bun:"key"`
	Name       string `bun:"name"`
	Position   int    `bun:"position"`
	// Closed stages end the pipeline (closed, joined): people in them are
	// no longer worked as leads.
	Closed bool `bun:"closed"`
}

// Stage keys of the default pipelines.
const (
	StageNewLead       = "new_lead"
	StageAttempting    = "attempting"
	StageConversation  = "conversation"
	StageAppointment   = "appointment"
	StageActive        = "active"
	StageUnderContract = "under_contract"
	StageClosed        = "closed"
	StageNurture       = "nurture"

	StageProspect  = "prospect"
	StageContacted = "contacted"
	StageMeeting   = "meeting"
	StageOffer     = "offer"
	StageJoined    = "joined"
	StageNotNow    = "not_now"
)

// DefaultPipelines are created with every organisation.
var DefaultPipelines = []Pipeline{
	{Kind: PipelineClients, Name: "Clients", Position: 1, Stages: []Stage{
		{Key: StageNewLead, Name: "New lead"},
		{Key: StageAttempting, Name: "Attempting"},
		{Key: StageConversation, Name: "Conversation"},
		{Key: StageAppointment, Name: "Appointment"},
		{Key: StageActive, Name: "Active"},
		{Key: StageUnderContract, Name: "Under contract"},
		{Key: StageClosed, Name: "Closed", Closed: true},
		{Key: StageNurture, Name: "Nurture"},
	}},
	{Kind: PipelineRecruiting, Name: "Recruiting", Position: 2, Stages: []Stage{
		{Key: StageProspect, Name: "Prospect"},
		{Key: StageContacted, Name: "Contacted"},
		{Key: StageConversation, Name: "Conversation"},
		{Key: StageMeeting, Name: "Meeting"},
		{Key: StageOffer, Name: "Offer"},
		{Key: StageJoined, Name: "Joined", Closed: true},
		{Key: StageNotNow, Name: "Not now"},
	}},
}

// PipelineFor returns the pipeline a person of kind k belongs in.
func PipelineFor(k Kind) PipelineKind {
	if k == KindRecruit {
		return PipelineRecruiting
	}
	return PipelineClients
}

// InitialStage returns the stage key a new person of kind k starts in, or ""
// for no stage (sphere: people we keep in touch with, not a deal).
func InitialStage(k Kind) string {
	switch k {
	case KindLead:
		return StageNewLead
	case KindClient:
		return StageActive
	case KindRecruit:
		return StageProspect
	}
	return ""
}

// advanceOrder lists, per pipeline, the early stages that logging a
// conversation moves a person out of, in order. Stages past the last one
// listed are set by people, never by a logged call.
var advanceOrder = map[PipelineKind][]string{
	PipelineClients:    {StageNewLead, StageAttempting, StageConversation, StageAppointment},
	PipelineRecruiting: {StageProspect, StageContacted, StageConversation, StageMeeting},
}

// AdvanceStage returns the stage key a person in stage current should move
// to after conversation c, and whether that is a move. A logged
// conversation only ever moves a person forward through the early stages
// (an attempt makes a new lead "attempting", a live conversation makes it
// "conversation", an appointment "appointment"); it never moves anyone back
// and never touches a stage a person chose by hand, such as nurture.
func AdvanceStage(kind PipelineKind, current string, c *Conversation) (string, bool) {
	order := advanceOrder[kind]
	pos := -1
	for i, k := range order {
		if k == current {
			pos = i
		}
	}
	if pos < 0 {
		return current, false
	}
	target := 0 // index into order
	switch {
	case c.Outcome == OutcomeAppointment || (c.Channel == ChannelMeeting && c.IsLive()):
		target = 3
	case c.IsLive():
		target = 2
	case c.Direction == DirectionOutbound && c.Outcome != OutcomeBadNumber && c.Outcome != OutcomeDoNotCall:
		target = 1
	case c.Direction == DirectionInbound:
		// They reached out: that is a conversation of sorts when it was
		// a text or an email they wrote, but not a missed inbound call.
		if c.Channel == ChannelText || c.Channel == ChannelEmail || c.Channel == ChannelSocial {
			target = 2
		}
	}
	if target <= pos {
		return current, false
	}
	return order[target], true
}

// StageChange is a move of a person between stages, kept for the timeline.
type StageChange struct {
	ID             int64     `bun:"id,pk,autoincrement"`
	OrgID          int64     `bun:"org_id"`
	PersonID       int64     `bun:"person_id"`
	UserID         int64     `bun:"user_id,nullzero"`
	FromStageID    int64     `bun:"from_stage_id,nullzero"`
	ToStageID      int64     `bun:"to_stage_id,nullzero"`
	ConversationID int64     `bun:"conversation_id,nullzero"`
	Reason         string    `bun:"reason"`
	At             time.Time `bun:"at"`
}

// StageAlias reads the stage names other CRMs export ("Past Client",
// "Hot Prospect", "Under Agreement") as a stage of Rapport's default
// pipelines, with the kind of person such a stage implies (a past client
// is a client, not a lead); "" when the name means nothing to us.
func StageAlias(name string) (key string, kind Kind) {
	switch n := strings.ToLower(strings.Join(strings.Fields(strings.NewReplacer("-", " ", "_", " ").Replace(name)), " ")); n {
	case "lead", "new", "new lead", "fresh", "unworked", "registered", "new inquiry":
		return StageNewLead, KindLead
	case "attempting", "attempted", "attempting contact", "contacting", "no contact", "not contacted":
		return StageAttempting, KindLead
	case "engaged", "contacted", "spoke", "talking", "qualified", "prospect", "hot prospect", "warm", "hot":
		return StageConversation, KindLead
	case "appointment", "appointment set", "appt set", "met", "showing":
		return StageAppointment, KindLead
	case "active", "active client", "active buyer", "active seller", "listing", "searching":
		return StageActive, KindClient
	case "under contract", "pending", "under agreement", "in escrow", "escrow":
		return StageUnderContract, KindClient
	case "closed", "past client", "sold", "closed won", "won", "settled":
		return StageClosed, KindClient
	case "nurture", "long term", "long term nurture", "cold", "watch", "drip", "not ready":
		return StageNurture, KindLead
	}
	return "", ""
}
