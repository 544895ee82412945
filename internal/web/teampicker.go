package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// teamSelectMax is the largest team whose pickers (an owner, who is to
// practise) are a <select> of everyone. A larger team — a brokerage of
// hundreds of agents — types a name or an email instead, with suggestions
// as it types (the page's script fills a <datalist> from /team/suggest):
// a list of 2,000 names is no way to find one on a phone, and it was
// 100 KB of every page that offered it.
var teamSelectMax = 60

// teamField is a form field that chooses someone on the team: its name,
// and the choices that are no one on the team, as value and label pairs
// ("", "Anyone", "me", "Me"), the first what an empty field means. Pages
// draw one (teamPicker, by its key in teamFields) and handlers read it
// (pickTeam) from the same definition.
type teamField struct {
	Name   string
	Blanks []string
}

var (
	ownerFilterField = teamField{"owner", []string{"", "Anyone", "me", "Me"}}
	ownerField       = teamField{"owner", []string{"none", "No one"}}
	importOwnerField = teamField{"owner", []string{"0", "No one"}}
	drillUserField   = teamField{"user", []string{"", "Choose…"}}
	successorField   = teamField{"hand_to", []string{""}}
)

// teamFields are the team fields by the key templates name them with.
var teamFields = map[string]teamField{
	"owner filter": ownerFilterField, "owner": ownerField, "import owner": importOwnerField,
	"drill user": drillUserField, "successor": successorField,
}

// teamPicker writes the control of teamFields[field]: id is the control's,
// selected the field's value (a user's id, one of the blanks, or what was
// typed), errID the id of the field's error message when it has one.
func teamPicker(users []rapport.User, id, field, selected, errID string) (template.HTML, error) {
	tf, ok := teamFields[field]
	if !ok {
		return "", fmt.Errorf("no team field %q", field)
	}
	name, blanks := tf.Name, tf.Blanks
	var b strings.Builder
	attrs := func() {
		b.WriteString(`id="`)
		escapeHTML(&b, id)
		b.WriteString(`" name="`)
		escapeHTML(&b, name)
		b.WriteString(`"`)
		if errID != "" {
			b.WriteString(` aria-invalid="true" aria-describedby="`)
			escapeHTML(&b, errID)
			b.WriteString(`"`)
		}
	}
	if len(users) <= teamSelectMax {
		b.Grow(48*len(users) + 128)
		b.WriteString(`<select `)
		attrs()
		b.WriteString(`>`)
		for i := 0; i+1 < len(blanks); i += 2 {
			b.WriteString(`<option value="`)
			escapeHTML(&b, blanks[i])
			b.WriteString(`"`)
			if blanks[i] == selected {
				b.WriteString(" selected")
			}
			b.WriteString(">")
			escapeHTML(&b, blanks[i+1])
			b.WriteString("</option>")
		}
		writeUserOptions(&b, users, selected)
		b.WriteString("</select>")
		return template.HTML(b.String()), nil
	}
	text, labels := selected, []string{}
	for i := 0; i+1 < len(blanks); i += 2 {
		if i == 0 && selected == blanks[i] {
			text = ""
		} else if selected == blanks[i] {
			text = blanks[i+1]
		}
		labels = append(labels, blanks[i+1])
	}
	if n, err := strconv.ParseInt(selected, 10, 64); err == nil {
		for i := range users {
			if users[i].ID == n {
				text = teamLabel(&users[i])
			}
		}
	}
	list := id + "-team"
	b.WriteString(`<input `)
	attrs()
	b.WriteString(` type="text" value="`)
	escapeHTML(&b, text)
	b.WriteString(`" list="`)
	escapeHTML(&b, list)
	b.WriteString(`" data-suggest="/team/suggest" autocomplete="off" placeholder="Type a name or email">`)
	b.WriteString(`<datalist id="`)
	escapeHTML(&b, list)
	b.WriteString(`">`)
	for _, l := range labels[min(1, len(labels)):] {
		b.WriteString(`<option value="`)
		escapeHTML(&b, l)
		b.WriteString(`">`)
	}
	b.WriteString("</datalist>")
	return template.HTML(b.String()), nil
}

// teamLabel is how a typed team picker names a user: their name and, to
// tell namesakes apart, their email.
func teamLabel(u *rapport.User) string {
	if u.Name == "" {
		return u.Email
	}
	return u.Name + " <" + u.Email + ">"
}

// resolveTeam reads what a team picker sent (see teamPicker): a user's
// id; one of the blanks, by value or label; an email, alone or as
// teamLabel writes it; or a name, or the start of each of its words, that
// fits exactly one of users (folded as search folds: "zoe obrien" is Zoë
// O'Brien). problem says what is wrong when it is none
// of these.
func resolveTeam(users []rapport.User, raw string, blanks ...string) (value, problem string) {
	t := strings.Join(strings.Fields(raw), " ")
	if t == "" && len(blanks) > 0 {
		return blanks[0], ""
	}
	for i := 0; i+1 < len(blanks); i += 2 {
		if t == blanks[i] || strings.EqualFold(t, blanks[i+1]) {
			return blanks[i], ""
		}
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(t, "#"), 10, 64); err == nil && n > 0 {
		return strconv.FormatInt(n, 10), ""
	}
	if i, j := strings.LastIndexByte(t, '<'), strings.LastIndexByte(t, '>'); i >= 0 && j > i {
		t = strings.TrimSpace(t[i+1 : j])
	}
	if strings.Contains(t, "@") {
		for i := range users {
			if strings.EqualFold(users[i].Email, t) {
				return strconv.FormatInt(users[i].ID, 10), ""
			}
		}
		return "", "No one on the team has the email " + strconv.Quote(t) + "."
	}
	var exact, started []*rapport.User
	words := strings.Fields(rapport.Fold(t))
	for i := range users {
		u := &users[i]
		name := strings.Fields(rapport.Fold(u.Name))
		if strings.Join(name, " ") == strings.Join(words, " ") {
			exact = append(exact, u)
		}
		if startsWords(name, words) {
			started = append(started, u)
		}
	}
	found := exact
	if len(found) == 0 {
		found = started
	}
	switch len(found) {
	case 0:
		return "", "No one on the team is called " + strconv.Quote(t) + "."
	case 1:
		return strconv.FormatInt(found[0].ID, 10), ""
	}
	var some []string
	for _, u := range found[:min(len(found), 3)] {
		some = append(some, teamLabel(u))
	}
	return "", strconv.Itoa(len(found)) + " people on the team are called " + strconv.Quote(t) + " (" + strings.Join(some, ", ") +
		"): type more of the name, or the email."
}

// startsWords reports whether each word typed starts a word of the name,
// a different one each, in order.
func startsWords(name, typed []string) bool {
	i := 0
	for _, w := range typed {
		for i < len(name) && !strings.HasPrefix(name[i], w) {
			i++
		}
		if i == len(name) {
			return false
		}
		i++
	}
	return len(typed) > 0
}

// pickTeam resolves a team field of f (see resolveTeam): the form then
// holds the choice's value, or the field has an error and keeps what was
// typed.
func pickTeam(f *form, users []rapport.User, tf teamField) {
	if _, sent := f.Values[tf.Name]; !sent {
		return
	}
	v, problem := resolveTeam(users, f.Values.Get(tf.Name), tf.Blanks...)
	if problem != "" {
		f.addErr(tf.Name, problem)
		return
	}
	f.Values.Set(tf.Name, v)
}

// pickOwner resolves the owner field of a person's form.
func (s *Server) pickOwner(ctx context.Context, a *account, f *form) error {
	team, err := s.db.Roster(ctx, a.actor)
	if err != nil {
		return err
	}
	pickTeam(f, team.Active, ownerField)
	return nil
}

// teamSuggest lists the team's active users whose name or email starts
// with what was typed (a word of the name, for a name), for a typed team
// picker's suggestions.
func (s *Server) teamSuggest(w http.ResponseWriter, r *http.Request, a *account) error {
	q := strings.ToLower(strings.Join(strings.Fields(r.URL.Query().Get("q")), " "))
	type option struct {
		Label string `json:"label"`
	}
	out := []option{}
	if q != "" {
		team, err := s.db.Roster(r.Context(), a.actor)
		if err != nil {
			return err
		}
		typed := strings.Fields(rapport.Fold(q))
		for i := range team.Active {
			u := &team.Active[i]
			if strings.HasPrefix(strings.ToLower(u.Email), q) || startsWords(team.ActiveWords[i], typed) {
				out = append(out, option{Label: teamLabel(u)})
				if len(out) == 12 {
					break
				}
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(out)
}
