package rapport_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestAssessResponses runs the practice rules over responses written for
// this test: each row says which rules should pass (A: acknowledges
// first, N: no arguing, O: open question, S: short) and a word the
// feedback must quote when a rule fails.
func TestAssessResponses(t *testing.T) {
	long := "I understand completely and I really do hear everything you are saying to me about the market and your family and the timing, and I think there is a lot we could look at together over the coming weeks. What would you like to see first?"
	for _, c := range []struct {
		response string
		pass     string // letters of the rules that pass
		quote    string // the feedback on a failed rule quotes this
	}{
		{"That makes sense; moving is a big decision. What would make the timing feel right?", "ANOS", ""},
		{"It sounds like you're happy there. What do you like most about it?", "ANOS", ""},
		{"I hear you. Tell me about the last house you really loved.", "ANOS", ""},
		{"I can see why you'd wait. So, out of curiosity, how are you thinking about next spring?", "ANOS", ""},
		// Argues.
		{"I understand, but prices won't come down. What's your budget?", "AOS", "but"},
		{"That makes sense. Actually, rates are about to rise. What do you think?", "AOS", "actually"},
		{"I hear you; however, waiting costs money. How much would you lose?", "AOS", "however"},
		{"Fair enough. You should really buy now. What's stopping you?", "AOS", "you should"},
		// No acknowledgement first.
		{"Rates will drop soon enough. What would you do then?", "NOS", ""},
		{"What's your budget? I understand it's hard.", "NOS", ""},
		// Closed question.
		{"That makes sense. Would you like to see some listings?", "ANS", "Would"},
		{"I understand. Are you free on Tuesday?", "ANS", "Are"},
		{"Of course. Let me send you some listings.", "ANS", ""},
		// Too long.
		{long, "ANO", ""},
		// Everything wrong.
		{"You're wrong, the market is fine, and honestly you need to act fast because everyone else is buying and you will regret it later when prices are even higher than they are today, trust me on this one. Okay?", "S", "you're wrong"},
		{"", "N", ""},
		// "but" inside another word is not arguing; "though" inside "thought" neither.
		{"I hear you; I thought the same about my butcher shop. What would you miss most?", "ANOS", ""},
	} {
		f := rapport.Assess(c.response)
		var got strings.Builder
		for _, ch := range f.Checks {
			if ch.Passed {
				got.WriteByte(map[string]byte{rapport.CheckAcknowledge: 'A', rapport.CheckNoArguing: 'N', rapport.CheckOpen: 'O', rapport.CheckShort: 'S'}[ch.Key])
			}
			if ch.Message == "" {
				t.Errorf("%q: %s has no message", c.response, ch.Key)
			}
		}
		if got.String() != c.pass {
			t.Errorf("%q: passes %q, want %q\n%+v", c.response, got.String(), c.pass, f.Checks)
		}
		if c.quote != "" {
			found := false
			for _, ch := range f.Checks {
				if !ch.Passed && strings.Contains(ch.Message, c.quote) {
					found = true
				}
			}
			if !found {
				t.Errorf("%q: no failed rule quotes %q: %+v", c.response, c.quote, f.Checks)
			}
		}
		if f.Score() != len(c.pass) || f.Good() != (len(c.pass) == 4) {
			t.Errorf("%q: score %d", c.response, f.Score())
		}
	}
}

// TestDefaultPlaybook: every default response passes every rule (our
// exemplars practise what the drills teach), each audience has a guide
// covering every group and objections.
func TestDefaultPlaybook(t *testing.T) {
	p := rapport.MergePlaybook(nil)
	for _, a := range []rapport.Audience{rapport.AudienceClients, rapport.AudienceRecruits} {
		groups := p.Guide(a, nil)
		if len(groups) != len(rapport.UncoversAll) {
			t.Errorf("%s guide has %d groups", a, len(groups))
		}
		if len(p.Objections(a)) < 5 {
			t.Errorf("%s has %d objections", a, len(p.Objections(a)))
		}
		for _, o := range p.Objections(a) {
			if o.Why == "" {
				t.Errorf("%s has no note on why", o.Key)
			}
			for _, r := range o.Responses {
				if f := rapport.Assess(r); !f.Good() {
					t.Errorf("default response to %s fails its own rules: %q\n%+v", o.Key, r, f.Checks)
				}
			}
		}
	}
	// Known fact types go last; curiosity is never "known".
	g := p.Guide(rapport.AudienceRecruits, map[rapport.FactType]bool{rapport.FactPassion: true, rapport.FactMotivation: true})
	if g[0].Uncovers != rapport.UncoversInterest || !g[len(g)-2].Known || g[len(g)-2].Uncovers != rapport.UncoversPassion ||
		g[len(g)-1].Uncovers != rapport.UncoversMotivation || g[len(g)-3].Known {
		var order []string
		for _, x := range g {
			order = append(order, string(x.Uncovers))
		}
		t.Errorf("guide order = %v", order)
	}
	if rapport.UncoversCuriosity.FactType() != rapport.FactMotivation || rapport.UncoversFear.FactType() != rapport.FactFear {
		t.Error("fact types of answers")
	}
}

// TestMergePlaybook: an organisation's edit replaces the default in
// place, its own entries follow, retired entries leave the lists.
func TestMergePlaybook(t *testing.T) {
	edited := rapport.Entry{Kind: rapport.EntryObjection, Key: "happy-here", Audience: rapport.AudienceRecruits, Text: "I'm happy here, thanks.",
		Responses: []string{"Glad to hear it. What makes it work so well?"}}
	own := rapport.Entry{Kind: rapport.EntryObjection, Key: "custom-commute", Audience: rapport.AudienceRecruits, Text: "Your office is too far.",
		Responses: []string{"That makes sense; time in the car is time lost. How long is your drive now?"}}
	retired := rapport.Entry{Kind: rapport.EntryObjection, Key: "no-time", Audience: rapport.AudienceRecruits, Text: "I don't have time to talk.",
		Responses: []string{"x"}, Retired: true}
	p := rapport.MergePlaybook([]rapport.Entry{own, edited, retired})
	objs := p.Objections(rapport.AudienceRecruits)
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "retire-here,happy-here,whats-your-split,too-much-hassle,broker-takes-care,custom-commute" {
		t.Errorf("objections = %v", keys)
	}
	if e, _ := p.Find(rapport.EntryObjection, "happy-here"); !e.Edited || e.Text != "I'm happy here, thanks." {
		t.Errorf("edited = %+v", e)
	}
	if e, _ := p.Find(rapport.EntryObjection, "custom-commute"); !e.Custom {
		t.Errorf("own = %+v", e)
	}
	if e, ok := p.Find(rapport.EntryObjection, "no-time"); !ok || !e.Retired {
		t.Errorf("retired = %+v", e)
	}
	// The defaults themselves are untouched.
	if d := rapport.MergePlaybook(nil); len(d.Objections(rapport.AudienceRecruits)) != 6 {
		t.Error("defaults changed by a merge")
	}
	bad := rapport.Entry{Kind: rapport.EntryObjection, Key: "Bad Key!", Audience: "everyone", Text: ""}
	bad.Normalize()
	if err := bad.Validate(); rapport.ErrorCode(err) != rapport.EINVALID || len(err.(*rapport.Error).Fields) != 4 {
		t.Errorf("bad entry: %v", err)
	}
}

func TestPracticeStreak(t *testing.T) {
	now := at(chicago, 2026, 11, 23, 20, 0)
	day := func(d, h int) time.Time { return at(chicago, 2026, 11, d, h, 0) }
	if n := rapport.PracticeStreak(now, chicago, []time.Time{day(23, 9), day(22, 23), day(21, 8), day(19, 8)}); n != 3 {
		t.Errorf("streak = %d, want 3", n)
	}
	// Not yet today: yesterday's streak still stands.
	if n := rapport.PracticeStreak(now, chicago, []time.Time{day(22, 9), day(21, 9)}); n != 2 {
		t.Errorf("streak without today = %d, want 2", n)
	}
	// 23:30 in Chicago on the 20th is the 21st in UTC: days are the user's.
	if n := rapport.PracticeStreak(now, chicago, []time.Time{day(23, 1), day(22, 1), day(20, 23)}); n != 2 {
		t.Errorf("streak across the zone = %d, want 2", n)
	}
}

// TestEssentialsFromThePlaybook: the questions suggested for unknown
// essentials are the organisation's first live question for each.
func TestEssentialsFromThePlaybook(t *testing.T) {
	edited := rapport.Entry{Kind: rapport.EntryQuestion, Key: "r-passion-business", Audience: rapport.AudienceRecruits,
		Uncovers: rapport.UncoversPassion, Text: "What gets you up in the morning?"}
	p := rapport.MergePlaybook([]rapport.Entry{edited})
	qs := p.Essentials(rapport.KindRecruit, []rapport.Fact{{Type: rapport.FactFear, Text: "Losing clients"}})
	if len(qs) != 2 || qs[0].Type != rapport.FactPassion || qs[0].Text != "What gets you up in the morning?" ||
		qs[1].Type != rapport.FactMotivation || qs[1].Text != "Where do you want your business to be in five years?" {
		t.Errorf("essentials = %+v", qs)
	}
}

func TestWorkplaceAndDistinctFacts(t *testing.T) {
	for _, c := range []struct{ b, o, want string }{
		{"Windy City Homes", "Windy City Homes - Lakeview", "Windy City Homes - Lakeview"},
		{"Summit Realty", "Lincoln Park", "Summit Realty, Lincoln Park"},
		{"Summit Realty", "", "Summit Realty"},
		{"", "Lakeside Homes", "Lakeside Homes"},
	} {
		p := rapport.Person{Brokerage: c.b, Office: c.o}
		if got := p.Workplace(); got != c.want {
			t.Errorf("%q + %q = %q, want %q", c.b, c.o, got, c.want)
		}
	}
	fs := rapport.Distinct([]rapport.Fact{{Type: rapport.FactFear, Text: "Stairs"}, {Type: rapport.FactFear, Text: "stairs "},
		{Type: rapport.FactPassion, Text: "Stairs"}})
	if len(fs) != 2 {
		t.Errorf("distinct = %+v", fs)
	}
}
