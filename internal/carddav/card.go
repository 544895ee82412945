package carddav

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-vcard"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Cards are vCard 3.0 (RFC 2426), not 4.0: it is what phones' contacts
// apps read most widely (iOS and macOS write and expect 3.0; Android's
// DAVx⁵ reads both), and a card shows nothing 3.0 cannot say. go-vcard
// writes the properties in a fixed order, so that the same contact is
// the same bytes and its ETag (their hash) moves only when it changes.
const cardVersion = "3.0"

// cardMIME is a card's content type.
const cardMIME = "text/vcard; charset=utf-8"

// uidSpace is the name space of the cards' UIDs (a UUID of version 5,
// RFC 9562, from the organisation's and the person's ids): a person's UID
// is the same at every sync and on every phone, and says nothing more.
var uidSpace = [16]byte{0x6b, 0x3e, 0x0c, 0x51, 0x9a, 0x2f, 0x4d, 0x8e, 0xa1, 0x7c, 0x35, 0x02, 0xd4, 0x9b, 0x66, 0xe0}

// personUID is the person's card's UID.
func personUID(orgID, personID int64) string {
	h := sha1.New()
	h.Write(uidSpace[:])
	fmt.Fprintf(h, "%d/%d", orgID, personID)
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// cardOf is a contact's card, as a user in loc sees it at now (the year
// of the last conversation is said only when it is not this one).
func cardOf(c *store.Contact, loc *time.Location, now time.Time) vcard.Card {
	p := &c.Person
	card := vcard.Card{}
	card.SetValue(vcard.FieldVersion, cardVersion)
	card.SetValue(vcard.FieldProductID, "-//Rapport//Contacts//EN")
	card.SetValue(vcard.FieldUID, personUID(p.OrgID, p.ID))
	card.SetValue(vcard.FieldFormattedName, text(p.Name()))
	card.SetName(&vcard.Name{FamilyName: text(p.LastName), GivenName: text(p.FirstName)})
	if p.Brokerage != "" {
		card.SetValue(vcard.FieldOrganization, text(p.Brokerage))
	}
	item := 0
	// labelled adds a field, with the label of its own (Apple's
	// grouped X-ABLabel, which iOS, macOS and DAVx⁵ show) when no TYPE
	// says it.
	labelled := func(key, value string, types []string, label string) {
		f := &vcard.Field{Value: value, Params: vcard.Params{vcard.ParamType: types}}
		if label != "" {
			item++
			f.Group = fmt.Sprintf("item%d", item)
			card.Add("X-ABLabel", &vcard.Field{Group: f.Group, Value: text(label)})
		}
		card.Add(key, f)
	}
	// Numbers a call found wrong are left out: the card is for calling.
	for i, ph := range p.CallablePhones() {
		types, label := phoneTypes(ph.Label)
		if i == 0 {
			types = append(types, "pref")
		}
		labelled(vcard.FieldTelephone, ph.Number, types, label)
	}
	for i, e := range p.Emails {
		types, label := []string{"internet"}, ""
		switch l := strings.ToLower(e.Label); l {
		case "home", "work":
			types = append(types, l)
		case "", "other", "email":
		default:
			label = e.Label
		}
		if i == 0 {
			types = append(types, "pref")
		}
		labelled(vcard.FieldEmail, e.Address, types, label)
	}
	card.SetValue(vcard.FieldNote, text(storyLine(c, loc, now)))
	return card
}

// phoneTypes maps a phone's label to vCard 3.0 TYPE values, and gives back
// a label no type says.
func phoneTypes(label string) ([]string, string) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "mobile", "cell", "cellphone", "cell phone", "iphone":
		return []string{vcard.TypeCell, vcard.TypeVoice}, ""
	case "home":
		return []string{vcard.TypeHome, vcard.TypeVoice}, ""
	case "work", "office", "business":
		return []string{vcard.TypeWork, vcard.TypeVoice}, ""
	case "fax":
		return []string{vcard.TypeFax}, ""
	case "pager":
		return []string{vcard.TypePager}, ""
	case "", "other", "phone", "main":
		return []string{vcard.TypeVoice}, ""
	}
	return []string{vcard.TypeVoice}, label
}

// storyLine is the card's note: who they are to us, a fact or two of
// their story (passions first) and the last conversation — "Lead · Sails
// on Lake Michigan · called 3 Dec" — after "Do not call" when they are.
func storyLine(c *store.Contact, loc *time.Location, now time.Time) string {
	var parts []string
	if c.Person.DoNotCall {
		parts = append(parts, "Do not call")
	}
	parts = append(parts, c.Person.Kind.Label())
	for _, f := range c.Facts {
		parts = append(parts, strings.Join(strings.Fields(f.Text), " "))
	}
	if l := c.Last; l != nil {
		when := l.OccurredAt.In(loc)
		day := when.Format("2 Jan")
		if when.Year() != now.In(loc).Year() {
			day = when.Format("2 Jan 2006")
		}
		s := verb(l) + " " + day
		switch l.Outcome {
		case rapport.OutcomeNoAnswer, rapport.OutcomeVoicemail, rapport.OutcomeBadNumber:
			s += " (" + strings.ToLower(l.Outcome.Label()) + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " · ")
}

// verb says how the last conversation happened.
func verb(c *rapport.Conversation) string {
	switch c.Channel {
	case rapport.ChannelCall:
		if c.Direction == rapport.DirectionInbound {
			return "they called"
		}
		return "called"
	case rapport.ChannelText:
		return "texted"
	case rapport.ChannelEmail:
		return "emailed"
	case rapport.ChannelMeeting:
		return "met"
	case rapport.ChannelSocial:
		return "messaged"
	case rapport.ChannelEvent:
		return "saw at an event"
	}
	return "talked"
}

// text keeps a value within what vCard 3.0 text may hold as go-vcard
// writes it: go-vcard escapes backslashes, commas and line breaks but
// not semicolons, which 3.0 text must escape (and structured values use
// to separate their parts), so a semicolon becomes a comma.
func text(s string) string {
	return strings.NewReplacer(";", ",", "\r\n", "\n", "\r", "\n").Replace(s)
}

// encode writes a card as it is served.
func encode(card vcard.Card) []byte {
	var b bytes.Buffer
	if err := vcard.NewEncoder(&b).Encode(card); err != nil {
		// Only a card without VERSION fails, and cardOf always sets it.
		panic(err)
	}
	return b.Bytes()
}
