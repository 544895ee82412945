package carddav

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-vcard"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// TestStoryLine: a card's note says who they are to us, a fact or two,
// and the last conversation, with its year only when it is not this one.
func TestStoryLine(t *testing.T) {
	loc, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, loc)
	conv := func(ch rapport.Channel, dir rapport.Direction, o rapport.Outcome, at time.Time) *rapport.Conversation {
		return &rapport.Conversation{Channel: ch, Direction: dir, Outcome: o, OccurredAt: at}
	}
	// 3 Dec 03:00 UTC is still 2 Dec in Chicago.
	late := time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		c    store.Contact
		want string
	}{
		{store.Contact{Person: rapport.Person{Kind: rapport.KindLead}}, "Lead"},
		{store.Contact{Person: rapport.Person{Kind: rapport.KindLead},
			Facts: []rapport.Fact{{Text: "Loves  sailing"}, {Text: "Two kids"}},
			Last:  conv(rapport.ChannelCall, rapport.DirectionOutbound, rapport.OutcomeLive, time.Date(2026, 12, 3, 15, 0, 0, 0, loc))},
			"Lead · Loves sailing · Two kids · called 3 Dec"},
		{store.Contact{Person: rapport.Person{Kind: rapport.KindClient, DoNotCall: true},
			Last: conv(rapport.ChannelCall, rapport.DirectionInbound, rapport.OutcomeLive, late)},
			"Do not call · Client · they called 2 Dec"},
		{store.Contact{Person: rapport.Person{Kind: rapport.KindRecruit},
			Last: conv(rapport.ChannelCall, rapport.DirectionOutbound, rapport.OutcomeVoicemail, time.Date(2025, 6, 1, 12, 0, 0, 0, loc))},
			"Recruit · called 1 Jun 2025 (voicemail)"},
		{store.Contact{Person: rapport.Person{Kind: rapport.KindSphere},
			Last: conv(rapport.ChannelMeeting, "", "", time.Date(2026, 1, 9, 12, 0, 0, 0, loc))}, "Sphere · met 9 Jan"},
	} {
		if got := storyLine(&tc.c, loc, now); got != tc.want {
			t.Errorf("storyLine = %q, want %q", got, tc.want)
		}
	}
}

// TestCardOf: labels become TYPE values (or Apple's labels), wrong numbers
// are left out, semicolons cannot end a value, the UID is a stable
// version 5 UUID, and the same contact is the same bytes.
func TestCardOf(t *testing.T) {
	c := &store.Contact{Person: rapport.Person{ID: 42, OrgID: 7, FirstName: "Dana", LastName: "Whit; Jr", Kind: rapport.KindLead,
		Phones: []rapport.Phone{{Number: "+13125550100", Label: "home"}, {Number: "+13125550101", Label: "mobile", Bad: true},
			{Number: "+13125550102", Label: "Boat"}, {Number: "+13125550103", Label: "fax"}},
		Emails: []rapport.Email{{Address: "dana@work.test", Label: "work"}, {Address: "dana@club.test", Label: "sailing club"}}}}
	card := cardOf(c, time.UTC, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	data := encode(card)
	if !bytes.Equal(data, encode(cardOf(c, time.UTC, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)))) {
		t.Error("the same contact is not the same bytes")
	}
	parsed, err := vcard.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatal(err)
	}
	var tels []string
	for _, f := range parsed[vcard.FieldTelephone] {
		tels = append(tels, f.Value+" "+strings.Join(f.Params.Types(), ","))
	}
	if want := []string{"+13125550100 home,voice,pref", "+13125550102 voice", "+13125550103 fax"}; !slices.Equal(tels, want) {
		t.Errorf("phones %v, want %v", tels, want)
	}
	var emails []string
	for _, f := range parsed[vcard.FieldEmail] {
		emails = append(emails, f.Value+" "+strings.Join(f.Params.Types(), ","))
	}
	if want := []string{"dana@work.test internet,work,pref", "dana@club.test internet"}; !slices.Equal(emails, want) {
		t.Errorf("emails %v, want %v", emails, want)
	}
	var labels []string
	for _, f := range parsed["X-ABLABEL"] {
		labels = append(labels, f.Group+"="+f.Value)
	}
	if want := []string{"item1=Boat", "item2=sailing club"}; !slices.Equal(labels, want) {
		t.Errorf("labels %v, want %v", labels, want)
	}
	if n := parsed.Value(vcard.FieldName); n != "Whit, Jr;Dana;;;" {
		t.Errorf("N = %q", n)
	}
	if uid := personUID(7, 42); uid != parsed.Value(vcard.FieldUID) || uid == personUID(7, 43) || uid == personUID(8, 42) ||
		uid[len("urn:uuid:")+14] != '5' {
		t.Errorf("UID %q", uid)
	}
}
