package rapport

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"iter"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// The practical-empathy playbook: conversation guides (open questions by
// what they uncover), objections with responses that acknowledge the
// feeling before opening a conversation, and the rules that give a
// practice response its feedback. The defaults are data, embedded here;
// organisations override, add and retire entries in the database.

// Uncovers is what an open question brings out.
type Uncovers string

const (
	UncoversPassion    Uncovers = "passion"
	UncoversInterest   Uncovers = "interest"
	UncoversFear       Uncovers = "fear"
	UncoversMotivation Uncovers = "motivation"
	UncoversCuriosity  Uncovers = "curiosity"
)

// UncoversAll lists them in the order guides show them.
var UncoversAll = []Uncovers{UncoversPassion, UncoversInterest, UncoversFear, UncoversMotivation, UncoversCuriosity}

// FactType is the kind of fact an answer to such a question becomes:
// curiosity ("what made you curious about…") tells why they are looking
// now, a motivation.
func (u Uncovers) FactType() FactType {
	switch u {
	case UncoversPassion:
		return FactPassion
	case UncoversInterest:
		return FactInterest
	case UncoversFear:
		return FactFear
	}
	return FactMotivation
}

// Label names the group for people.
func (u Uncovers) Label() string {
	switch u {
	case UncoversPassion:
		return "Passions"
	case UncoversInterest:
		return "Interests"
	case UncoversFear:
		return "Fears"
	case UncoversMotivation:
		return "Motivation"
	case UncoversCuriosity:
		return "Curiosity"
	}
	return string(u)
}

// Audience is who a guide or an objection is for.
type Audience string

const (
	AudienceClients  Audience = "clients"
	AudienceRecruits Audience = "recruits"
)

// AudienceFor is the audience of a person of kind k.
func AudienceFor(k Kind) Audience {
	if k == KindRecruit {
		return AudienceRecruits
	}
	return AudienceClients
}

// EntryKind says whether a playbook entry is a question or an objection.
type EntryKind string

const (
	EntryQuestion  EntryKind = "question"
	EntryObjection EntryKind = "objection"
)

// Entry is one question or objection of the playbook. Defaults come with
// Rapport; an organisation's entry with the same key replaces the
// default, and its own keys add to them.
type Entry struct {
	Kind     EntryKind `json:"kind"`
	Key      string    `json:"key"`
	Audience Audience  `json:"audience"`
	// Text is the question, or the objection as people say it.
	Text string `json:"text"`
	// Uncovers is a question's group.
	Uncovers Uncovers `json:"uncovers,omitempty"`
	// Responses and Why are an objection's answers and a note on why
	// they work.
	Responses []string `json:"responses,omitempty"`
	Why       string   `json:"why,omitempty"`
	// Custom is true for an organisation's own entry (no default behind
	// it); Edited for a default the organisation changed.
	Custom  bool      `json:"custom,omitempty"`
	Edited  bool      `json:"edited,omitempty"`
	Retired bool      `json:"retired,omitempty"`
	Updated time.Time `json:"-"`
}

var keyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,59}$`)

// reservedKeys are path words of the pages and API routes beside entries.
var reservedKeys = []string{"assign", "guide", "new", "retire", "restore", "reset"}

// Normalize trims an entry's text.
func (e *Entry) Normalize() {
	e.Key = strings.TrimSpace(strings.ToLower(e.Key))
	e.Text = strings.Join(strings.Fields(e.Text), " ")
	e.Why = strings.TrimSpace(e.Why)
	var rs []string
	for _, r := range e.Responses {
		if r = strings.Join(strings.Fields(r), " "); r != "" {
			rs = append(rs, r)
		}
	}
	e.Responses = rs
	switch e.Kind {
	case EntryObjection:
		e.Uncovers = ""
	case EntryQuestion:
		e.Responses, e.Why = nil, ""
	}
}

// SameContent reports whether two entries say the same things.
func (e *Entry) SameContent(o *Entry) bool {
	return e.Kind == o.Kind && e.Key == o.Key && e.Audience == o.Audience && e.Text == o.Text && e.Uncovers == o.Uncovers &&
		e.Why == o.Why && slices.Equal(e.Responses, o.Responses)
}

// Validate checks a normalised entry.
func (e *Entry) Validate() error {
	fe := FieldErrors{}
	if e.Kind != EntryQuestion && e.Kind != EntryObjection {
		fe.Add("kind", "Choose a question or an objection.")
	}
	if !keyRE.MatchString(e.Key) {
		fe.Add("key", "Use lower-case letters, digits, - and _ (up to 60).")
	} else if slices.Contains(reservedKeys, e.Key) {
		fe.Add("key", "That word is kept for Rapport's own pages; choose another key.")
	}
	if e.Audience != AudienceClients && e.Audience != AudienceRecruits {
		fe.Add("audience", "Choose clients or recruits.")
	}
	switch {
	case e.Text == "":
		fe.Add("text", "Write the "+string(e.Kind)+".")
	case len(e.Text) > 300:
		fe.Add("text", "Keep it under 300 characters.")
	}
	switch e.Kind {
	case EntryQuestion:
		if !slices.Contains(UncoversAll, e.Uncovers) {
			fe.Add("uncovers", "Choose what the question uncovers.")
		}
	case EntryObjection:
		if len(e.Responses) == 0 {
			fe.Add("responses", "Write at least one response.")
		}
		for _, r := range e.Responses {
			if len(r) > 600 {
				fe.Add("responses", "Keep each response under 600 characters.")
				break
			}
		}
		if len(e.Why) > 1000 {
			fe.Add("why", "Keep the note under 1,000 characters.")
		}
	}
	return fe.Err()
}

// Playbook is an organisation's questions and objections, defaults with
// its changes applied, in order.
type Playbook struct {
	Entries []Entry
}

// Questions are the guide's live questions for an audience.
func (p *Playbook) Questions(a Audience) []Entry { return p.pick(EntryQuestion, a) }

// Objections are the live objections for an audience.
func (p *Playbook) Objections(a Audience) []Entry { return p.pick(EntryObjection, a) }

func (p *Playbook) pick(k EntryKind, a Audience) []Entry {
	var out []Entry
	for e := range p.live(k, a) {
		out = append(out, *e)
	}
	return out
}

// live yields the live entries of kind k for audience a, in order, in
// place (what pick copies).
func (p *Playbook) live(k EntryKind, a Audience) iter.Seq[*Entry] {
	return func(yield func(*Entry) bool) {
		for i := range p.Entries {
			if e := &p.Entries[i]; e.Kind == k && e.Audience == a && !e.Retired && !yield(e) {
				return
			}
		}
	}
}

// Find returns the entry of kind with key, retired or not.
func (p *Playbook) Find(k EntryKind, key string) (Entry, bool) {
	for _, e := range p.Entries {
		if e.Kind == k && e.Key == key {
			return e, true
		}
	}
	return Entry{}, false
}

// Guide groups an audience's questions by what they uncover, putting the
// groups whose fact types are still unknown first (known: the fact types
// already on record for the person).
func (p *Playbook) Guide(a Audience, known map[FactType]bool) []GuideGroup {
	var groups []GuideGroup
	questions := p.Questions(a)
	for _, u := range UncoversAll {
		g := GuideGroup{Uncovers: u, Known: known[u.FactType()] && u != UncoversCuriosity}
		for _, q := range questions {
			if q.Uncovers == u {
				g.Questions = append(g.Questions, q)
			}
		}
		if len(g.Questions) > 0 {
			groups = append(groups, g)
		}
	}
	slices.SortStableFunc(groups, func(x, y GuideGroup) int {
		switch {
		case x.Known == y.Known:
			return 0
		case !x.Known:
			return -1
		}
		return 1
	})
	return groups
}

// Essentials suggests, for each essential fact type not yet known about
// a person of kind k, the first of the playbook's questions that uncovers
// it (the built-in question when the organisation retired them all).
func (p *Playbook) Essentials(k Kind, facts []Fact) []Question {
	qs := UnknownEssentials(k, facts)
	for i := range qs {
		// Read in place, not copied by Questions: Today asks this for
		// every person on it.
		for e := range p.live(EntryQuestion, AudienceFor(k)) {
			if string(e.Uncovers) == string(qs[i].Type) {
				qs[i].Text = e.Text
				break
			}
		}
	}
	return qs
}

// GuideGroup is a guide's questions that uncover one thing, and whether
// it is already known about the person.
type GuideGroup struct {
	Uncovers  Uncovers
	Known     bool
	Questions []Entry
}

//go:embed playbook_defaults.json
var defaultsJSON []byte

// DefaultEntries are the playbook Rapport comes with.
var DefaultEntries = mustDefaults()

func mustDefaults() []Entry {
	var es []Entry
	if err := json.Unmarshal(defaultsJSON, &es); err != nil {
		panic(fmt.Sprintf("playbook defaults: %v", err))
	}
	seen := map[string]bool{}
	for i := range es {
		es[i].Normalize()
		if err := es[i].Validate(); err != nil {
			panic(fmt.Sprintf("playbook default %q: %v", es[i].Key, ErrorMessage(err)))
		}
		k := string(es[i].Kind) + "/" + es[i].Key
		if seen[k] {
			panic("playbook default repeated: " + k)
		}
		seen[k] = true
	}
	return es
}

// MergePlaybook applies an organisation's entries to the defaults: an
// entry with a default's key replaces it in place, others follow.
func MergePlaybook(org []Entry) *Playbook {
	p := &Playbook{Entries: make([]Entry, 0, len(DefaultEntries)+len(org))}
	over := map[string]Entry{}
	for _, e := range org {
		over[string(e.Kind)+"/"+e.Key] = e
	}
	for _, d := range DefaultEntries {
		k := string(d.Kind) + "/" + d.Key
		if e, ok := over[k]; ok {
			// A retired default is kept as a copy: edited only when it
			// also says something else.
			e.Edited, e.Custom = !e.SameContent(&d), false
			p.Entries = append(p.Entries, e)
			delete(over, k)
			continue
		}
		p.Entries = append(p.Entries, d)
	}
	for _, e := range org {
		if _, ok := over[string(e.Kind)+"/"+e.Key]; ok {
			e.Custom, e.Edited = true, false
			p.Entries = append(p.Entries, e)
		}
	}
	return p
}

// Practice feedback.

// Check is one rule applied to a practice response.
type Check struct {
	Key     string
	Name    string
	Passed  bool
	Message string
}

// Feedback is what a practice response gets: each rule's verdict.
type Feedback struct {
	Checks []Check
	Words  int
}

// Score is how many rules passed.
func (f Feedback) Score() int {
	n := 0
	for _, c := range f.Checks {
		if c.Passed {
			n++
		}
	}
	return n
}

// Good reports whether every rule passed.
func (f Feedback) Good() bool { return f.Score() == len(f.Checks) }

// Check keys.
const (
	CheckAcknowledge = "acknowledge"
	CheckNoArguing   = "no_arguing"
	CheckOpen        = "open_question"
	CheckShort       = "short"
)

// MaxDrillWords and MaxDrillSentences are how short a response stays.
const (
	MaxDrillWords     = 45
	MaxDrillSentences = 3
)

// acknowledgements open a response by naming the feeling or the
// perspective.
var acknowledgements = []string{
	"i understand", "i hear you", "i hear that", "that makes sense", "makes sense", "it sounds like", "sounds like",
	"i can see why", "i can see how", "i can imagine", "i get it", "i get that", "fair enough", "that's fair", "that is fair",
	"understandable", "of course", "i appreciate", "thank you for", "thanks for", "i'd feel the same", "i would feel the same",
	"no wonder", "i respect", "that's a big", "that is a big", "it's hard", "it is hard", "that's hard", "that must",
	"you've worked hard", "you have worked hard", "you've built", "you have built", "it's natural", "it is natural",
	"i don't blame you", "that's completely", "that's a real", "totally fair", "good for you", "that's great",
	"i'm glad", "i am glad", "glad to hear", "fair question", "good question",
}

// arguing are words that push back instead of listening.
var arguing = []string{
	"but", "however", "actually", "although", "though", "the truth is", "in fact", "you're wrong", "you are wrong",
	"that's not true", "that is not true", "not true", "you should", "you need to", "you have to", "trust me",
	"to be honest", "honestly", "let me explain", "the reality is", "the problem is", "yes, but",
}

// openStarts begin an open question; closedStarts one answered yes or no.
var (
	openStarts   = []string{"what", "how", "which", "where", "when", "who", "why", "tell me", "walk me through", "help me understand", "describe", "share", "what's", "how's"}
	closedStarts = []string{"do", "does", "did", "are", "is", "was", "were", "would", "will", "can", "could", "have", "has", "should", "shall", "may", "might", "isn't", "don't", "wouldn't", "aren't", "won't", "couldn't"}
	leadIns      = []string{"so", "and", "then", "now", "if you don't mind", "out of curiosity", "just curious", "can i ask", "may i ask", "i'm curious"}
	sentenceRE   = regexp.MustCompile(`[^.!?]+[.!?]*`)
)

// Assess gives a practice response its feedback: does it acknowledge the
// feeling before anything else, does it avoid arguing (and "but"), does
// it ask an open question, and does it stay short.
func Assess(response string) Feedback {
	text := strings.Join(strings.Fields(response), " ")
	lower := strings.ToLower(strings.ReplaceAll(text, "’", "'"))
	var sentences []string
	for _, s := range sentenceRE.FindAllString(lower, -1) {
		if s = strings.TrimSpace(s); strings.IndexFunc(s, unicode.IsLetter) >= 0 {
			sentences = append(sentences, s)
		}
	}
	f := Feedback{Words: len(strings.Fields(text))}

	ack := Check{Key: CheckAcknowledge, Name: "Acknowledges the feeling first"}
	switch {
	case len(sentences) == 0:
		ack.Message = "Write what you would say."
	case containsAny(sentences[0], acknowledgements) != "":
		ack.Passed = true
		ack.Message = fmt.Sprintf("You open with “%s”: they hear that you listened.", containsAny(sentences[0], acknowledgements))
	default:
		ack.Message = "Open by naming their feeling or their view (“That makes sense…”, “It sounds like…”) before anything else."
	}

	arg := Check{Key: CheckNoArguing, Name: "Doesn't argue"}
	if w := earliestPhrase(lower, arguing); w != "" {
		arg.Message = fmt.Sprintf("“%s” pushes back and undoes the acknowledgement; leave it out and let the question do the work.", w)
	} else {
		arg.Passed = true
		arg.Message = "No “but”, no correcting them."
	}

	open := Check{Key: CheckOpen, Name: "Asks an open question"}
	closedAt := ""
	for _, s := range sentences {
		s = trimLeadIns(s)
		starts := startsWithAny(s, openStarts)
		if starts != "" && (strings.HasSuffix(s, "?") || starts == "tell me" || starts == "walk me through" || starts == "help me understand") {
			open.Passed = true
			break
		}
		if strings.HasSuffix(s, "?") && closedAt == "" {
			closedAt = startsWithAny(s, closedStarts)
			if closedAt == "" {
				closedAt = "?"
			}
		}
	}
	switch {
	case open.Passed:
		open.Message = "Your question invites a story, not a yes or no."
	case closedAt != "" && closedAt != "?":
		open.Message = fmt.Sprintf("A question starting “%s…” can be answered yes or no; ask “what” or “how” instead.", capitalize(closedAt))
	default:
		open.Message = "End with an open question (“What would need to be true…?”, “How did you…?”) so they keep talking."
	}

	short := Check{Key: CheckShort, Name: "Stays short"}
	if f.Words <= MaxDrillWords && len(sentences) <= MaxDrillSentences && f.Words > 0 {
		short.Passed = true
		short.Message = fmt.Sprintf("%d words: short enough to say in one breath.", f.Words)
	} else {
		short.Message = fmt.Sprintf("%d words in %d sentences; keep it under %d words and %d sentences, so they do the talking.",
			f.Words, len(sentences), MaxDrillWords, MaxDrillSentences)
	}
	f.Checks = []Check{ack, arg, open, short}
	return f
}

func containsAny(s string, phrases []string) string {
	for _, p := range phrases {
		if i := strings.Index(s, p); i >= 0 && wordBoundary(s, i, len(p)) {
			return p
		}
	}
	return ""
}

// earliestPhrase finds the earliest of phrases in s as whole words.
func earliestPhrase(s string, phrases []string) string {
	best, at := "", len(s)+1
	for _, p := range phrases {
		for i := 0; ; {
			j := strings.Index(s[i:], p)
			if j < 0 {
				break
			}
			j += i
			if wordBoundary(s, j, len(p)) {
				if j < at {
					best, at = p, j
				}
				break
			}
			i = j + 1
		}
	}
	return best
}

func wordBoundary(s string, i, n int) bool {
	isWord := func(r byte) bool { return r == '\'' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' }
	return (i == 0 || !isWord(s[i-1])) && (i+n >= len(s) || !isWord(s[i+n]))
}

func startsWithAny(s string, starts []string) string {
	for _, p := range starts {
		if strings.HasPrefix(s, p) && wordBoundary(s, 0, len(p)) {
			return p
		}
	}
	return ""
}

func trimLeadIns(s string) string {
	for changed := true; changed; {
		changed = false
		for _, l := range leadIns {
			if strings.HasPrefix(s, l) && wordBoundary(s, 0, len(l)) {
				s = strings.TrimLeft(s[len(l):], " ,:—-")
				changed = true
			}
		}
	}
	return s
}

// PracticeStreak counts the consecutive days, ending today or yesterday,
// on which the user practised at least once (days in loc).
func PracticeStreak(now time.Time, loc *time.Location, practised []time.Time) int {
	days := map[Day]bool{}
	for _, t := range practised {
		if !t.After(now) {
			days[DayOf(t, loc)] = true
		}
	}
	d := DayOf(now, loc)
	if !days[d] {
		d = d.AddDays(-1)
	}
	n := 0
	for days[d] {
		n++
		d = d.AddDays(-1)
	}
	return n
}
