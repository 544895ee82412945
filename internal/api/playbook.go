package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// entryJSON is a playbook entry as the API shows it: a question with what
// it uncovers and the fact type an answer becomes, or an objection with
// its responses and why they work.
type entryJSON struct {
	Kind      rapport.EntryKind `json:"kind"`
	Key       string            `json:"key"`
	Audience  rapport.Audience  `json:"audience"`
	Text      string            `json:"text"`
	Uncovers  rapport.Uncovers  `json:"uncovers,omitempty"`
	FactType  rapport.FactType  `json:"factType,omitempty"`
	Responses []string          `json:"responses,omitempty"`
	Why       *string           `json:"why,omitempty"`
	Custom    bool              `json:"custom"`
	Edited    bool              `json:"edited"`
	Retired   bool              `json:"retired"`
}

func toEntry(e *rapport.Entry) entryJSON {
	out := entryJSON{Kind: e.Kind, Key: e.Key, Audience: e.Audience, Text: e.Text, Custom: e.Custom, Edited: e.Edited, Retired: e.Retired}
	switch e.Kind {
	case rapport.EntryQuestion:
		out.Uncovers, out.FactType = e.Uncovers, e.Uncovers.FactType()
	case rapport.EntryObjection:
		why := e.Why
		out.Responses, out.Why = e.Responses, &why
		if out.Responses == nil {
			out.Responses = []string{}
		}
	}
	return out
}

func toEntries(es []rapport.Entry) []entryJSON {
	out := make([]entryJSON, len(es))
	for i := range es {
		out[i] = toEntry(&es[i])
	}
	return out
}

// errNotEditor answers an agent who tries to change the playbook.

// queryChoice reads an optional query parameter that must be one of
// choices; empty is "".
func queryChoice(q url.Values, name string, choices ...string) (string, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return "", nil
	}
	for _, c := range choices {
		if v == c {
			return v, nil
		}
	}
	msg := "Use " + strings.Join(choices, " or ") + "."
	return "", &rapport.Error{Code: rapport.EINVALID, Message: msg + " for " + name, Fields: map[string]string{name: msg}}
}

// listPlaybook lists the organisation's playbook in order (defaults with
// its edits in place, its own entries after them), live entries only
// unless retired=true.
func (s *Server) listPlaybook(w http.ResponseWriter, r *http.Request, a *account) error {
	q := r.URL.Query()
	audience, err := queryChoice(q, "audience", string(rapport.AudienceClients), string(rapport.AudienceRecruits))
	if err != nil {
		return err
	}
	kind, err := queryChoice(q, "kind", string(rapport.EntryQuestion), string(rapport.EntryObjection))
	if err != nil {
		return err
	}
	retired, err := queryChoice(q, "retired", "true", "false")
	if err != nil {
		return err
	}
	pb, err := s.db.Playbook(r.Context(), a.actor)
	if err != nil {
		return err
	}
	items := []entryJSON{}
	for i := range pb.Entries {
		e := &pb.Entries[i]
		if (audience != "" && string(e.Audience) != audience) || (kind != "" && string(e.Kind) != kind) || (e.Retired && retired != "true") {
			continue
		}
		items = append(items, toEntry(e))
	}
	writeJSON(w, http.StatusOK, newList(items, ""))
	return nil
}

// guideJSON is the conversation guide for one person.
type guideJSON struct {
	PersonID int64            `json:"personId"`
	Audience rapport.Audience `json:"audience"`
	// Groups come with what is still unknown about the person first.
	Groups     []guideGroupJSON `json:"groups"`
	Objections []entryJSON      `json:"objections"`
}

type guideGroupJSON struct {
	Uncovers  rapport.Uncovers `json:"uncovers"`
	Label     string           `json:"label"`
	FactType  rapport.FactType `json:"factType"`
	Known     bool             `json:"known"`
	Questions []entryJSON      `json:"questions"`
}

// playbookGuide is the guide for ?person=ID: the questions for their
// audience grouped by what they uncover, the fact types not yet on record
// first, and the objections they may raise.
func (s *Server) playbookGuide(w http.ResponseWriter, r *http.Request, a *account) error {
	pid, err := queryID(r.URL.Query().Get("person"), "person")
	if err != nil {
		return err
	}
	if pid == 0 {
		return &rapport.Error{Code: rapport.EINVALID, Message: "Say whose guide it is.", Fields: map[string]string{"person": "Required."}}
	}
	ctx := r.Context()
	p, err := s.db.Person(ctx, a.actor, pid)
	if err != nil {
		return err
	}
	facts, err := s.db.Facts(ctx, a.actor, pid)
	if err != nil {
		return err
	}
	known := map[rapport.FactType]bool{}
	for _, f := range facts {
		known[f.Type] = true
	}
	pb, err := s.db.Playbook(ctx, a.actor)
	if err != nil {
		return err
	}
	aud := rapport.AudienceFor(p.Kind)
	out := guideJSON{PersonID: p.ID, Audience: aud, Groups: []guideGroupJSON{}, Objections: toEntries(pb.Objections(aud))}
	for _, g := range pb.Guide(aud, known) {
		out.Groups = append(out.Groups, guideGroupJSON{Uncovers: g.Uncovers, Label: g.Uncovers.Label(), FactType: g.Uncovers.FactType(),
			Known: g.Known, Questions: toEntries(g.Questions)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// entryInput is the organisation's version of an entry. Uncovers is a
// question's; responses and why an objection's.
type entryInput struct {
	Audience  rapport.Audience `json:"audience"`
	Text      string           `json:"text"`
	Uncovers  rapport.Uncovers `json:"uncovers"`
	Responses []string         `json:"responses"`
	Why       string           `json:"why"`
}

func (in *entryInput) entry(kind rapport.EntryKind, key string) *rapport.Entry {
	e := &rapport.Entry{Kind: kind, Key: key, Audience: in.Audience, Text: in.Text, Uncovers: in.Uncovers}
	if kind == rapport.EntryObjection {
		e.Responses, e.Why = in.Responses, in.Why
	}
	return e
}

// pathEntryKind reads {kind}; anything but question or objection names
// nothing.
func pathEntryKind(r *http.Request) (rapport.EntryKind, error) {
	switch k := rapport.EntryKind(r.PathValue("kind")); k {
	case rapport.EntryQuestion, rapport.EntryObjection:
		return k, nil
	}
	return "", rapport.NotFound("playbook entry")
}

// pathEntry reads {kind} and {key} and finds the entry in the
// organisation's playbook, retired or not.
func (s *Server) pathEntry(r *http.Request, a *account) (rapport.Entry, error) {
	kind, err := pathEntryKind(r)
	if err != nil {
		return rapport.Entry{}, err
	}
	pb, err := s.db.Playbook(r.Context(), a.actor)
	if err != nil {
		return rapport.Entry{}, err
	}
	e, ok := pb.Find(kind, entryKey(r))
	if !ok {
		return rapport.Entry{}, rapport.NotFound("playbook entry")
	}
	return e, nil
}

// entryKey is {key} as entries keep it (rapport.Entry.Normalize).
func entryKey(r *http.Request) string { return strings.ToLower(strings.TrimSpace(r.PathValue("key"))) }

// getEntry is one entry of the organisation's playbook, retired or not.
func (s *Server) getEntry(w http.ResponseWriter, r *http.Request, a *account) error {
	e, err := s.pathEntry(r, a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toEntry(&e))
	return nil
}

// savedEntry answers with the entry as the playbook now has it.
func (s *Server) savedEntry(w http.ResponseWriter, r *http.Request, a *account, kind rapport.EntryKind, key string, status int) error {
	pb, err := s.db.Playbook(r.Context(), a.actor)
	if err != nil {
		return err
	}
	e, ok := pb.Find(kind, key)
	if !ok {
		return rapport.NotFound("playbook entry")
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", Prefix+"/playbook/"+string(kind)+"/"+key)
	}
	writeJSON(w, status, toEntry(&e))
	return nil
}

// putEntry saves the organisation's version of an entry: an edit of a
// default, a change to its own entry, or (201) a new entry with that key.
// Audience and uncovers left out keep the entry's current ones, and a
// retired entry stays retired.
func (s *Server) putEntry(w http.ResponseWriter, r *http.Request, a *account) error {
	kind, err := pathEntryKind(r)
	if err != nil {
		return err
	}
	var in entryInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	pb, err := s.db.Playbook(r.Context(), a.actor)
	if err != nil {
		return err
	}
	key := entryKey(r)
	e := in.entry(kind, key)
	cur, exists := pb.Find(kind, key)
	if exists {
		if e.Audience == "" {
			e.Audience = cur.Audience
		}
		if e.Uncovers == "" && kind == rapport.EntryQuestion {
			e.Uncovers = cur.Uncovers
		}
		e.Retired = cur.Retired
	}
	if err := s.db.SavePlaybookEntry(r.Context(), a.actor, e); err != nil {
		return err
	}
	status := http.StatusOK
	if !exists {
		status = http.StatusCreated
	}
	return s.savedEntry(w, r, a, kind, e.Key, status)
}

// createEntry adds an organisation's own entry, its key made from its
// text.
func (s *Server) createEntry(w http.ResponseWriter, r *http.Request, a *account) error {
	kind, err := pathEntryKind(r)
	if err != nil {
		return err
	}
	var in entryInput
	if err := decode(w, r, &in, false); err != nil {
		return err
	}
	e := in.entry(kind, "")
	if err := s.db.SavePlaybookEntry(r.Context(), a.actor, e); err != nil {
		return err
	}
	return s.savedEntry(w, r, a, kind, e.Key, http.StatusCreated)
}

func (s *Server) retireEntry(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.setRetired(w, r, a, true)
}

func (s *Server) restoreEntry(w http.ResponseWriter, r *http.Request, a *account) error {
	return s.setRetired(w, r, a, false)
}

// setRetired retires or restores an entry. An entry already so is left
// as it is: restoring a live default would otherwise save a copy of it.
func (s *Server) setRetired(w http.ResponseWriter, r *http.Request, a *account, retired bool) error {
	e, err := s.pathEntry(r, a)
	if err != nil {
		return err
	}
	if err := s.db.RetirePlaybookEntry(r.Context(), a.actor, e.Kind, e.Key, retired); err != nil {
		return err
	}
	return s.savedEntry(w, r, a, e.Kind, e.Key, http.StatusOK)
}

// resetEntry drops the organisation's edit of a default, or deletes its
// own entry, or brings back a retired default. A default it never
// changed is already as reset.
func (s *Server) resetEntry(w http.ResponseWriter, r *http.Request, a *account) error {
	e, err := s.pathEntry(r, a)
	if err != nil {
		return err
	}
	// A default the organisation never changed is already as reset.
	if err := s.db.ResetPlaybookEntry(r.Context(), a.actor, e.Kind, e.Key); err != nil && rapport.ErrorCode(err) != rapport.ENOTFOUND {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
