package rapport

import "testing"

func TestDuePicks(t *testing.T) {
	today := Day("2026-01-31")
	for pick, want := range map[string]Day{
		"tomorrow": "2026-02-01", "2d": "2026-02-02", "1w": "2026-02-07", "2w": "2026-02-14", "1m": "2026-02-28",
	} {
		got, err := DueFromPick(pick, today, "")
		if err != nil || got != want {
			t.Errorf("%s: got %s, %v; want %s", pick, got, err, want)
		}
	}
	if got, err := DueFromPick("date", today, "2026-05-01"); err != nil || got != "2026-05-01" {
		t.Errorf("date: %s %v", got, err)
	}
	for _, bad := range []struct{ pick, date string }{{"date", ""}, {"date", "05/01/2026"}, {"soon", ""}} {
		if _, err := DueFromPick(bad.pick, today, bad.date); ErrorCode(err) != EINVALID {
			t.Errorf("%v: err = %v, want invalid", bad, err)
		}
	}
}

func TestParseAnniversary(t *testing.T) {
	for in, want := range map[string]string{"1984-11-23": "1984-11-23", "11-23": "11-23", "--02-29": "02-29", "": ""} {
		a, err := ParseAnniversary(in)
		if err != nil || a.String() != want {
			t.Errorf("%q: got %q, %v; want %q", in, a.String(), err, want)
		}
	}
	for _, bad := range []string{"1983-02-29", "13-01", "2024-04-31", "abc", "84-11-23", "1800-01-01"} {
		if _, err := ParseAnniversary(bad); err == nil {
			t.Errorf("%q: expected an error", bad)
		}
	}
}

func TestAdvanceStage(t *testing.T) {
	call := func(o Outcome) *Conversation {
		return &Conversation{Channel: ChannelCall, Direction: DirectionOutbound, Outcome: o}
	}
	cases := []struct {
		kind    PipelineKind
		from    string
		c       *Conversation
		to      string
		changed bool
	}{
		{PipelineClients, StageNewLead, call(OutcomeNoAnswer), StageAttempting, true},
		{PipelineClients, StageNewLead, call(OutcomeLive), StageConversation, true},
		{PipelineClients, StageAttempting, call(OutcomeAppointment), StageAppointment, true},
		{PipelineClients, StageAppointment, call(OutcomeLive), StageAppointment, false},
		{PipelineClients, StageNurture, call(OutcomeLive), StageNurture, false},
		{PipelineClients, StageNewLead, call(OutcomeBadNumber), StageNewLead, false},
		{PipelineRecruiting, StageProspect, call(OutcomeVoicemail), StageContacted, true},
		{PipelineRecruiting, StageContacted, &Conversation{Channel: ChannelMeeting}, StageMeeting, true},
		{PipelineRecruiting, StageOffer, call(OutcomeLive), StageOffer, false},
	}
	for _, tc := range cases {
		got, changed := AdvanceStage(tc.kind, tc.from, tc.c)
		if got != tc.to || changed != tc.changed {
			t.Errorf("%s %s + %s/%s: got %s %v, want %s %v", tc.kind, tc.from, tc.c.Channel, tc.c.Outcome, got, changed, tc.to, tc.changed)
		}
	}
}
