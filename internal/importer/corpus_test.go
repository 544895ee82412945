package importer_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/rapport-crm/rapport/internal/importer"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// corpusDir holds files that reproduce real exports (see its README).
const corpusDir = "../../testdata/intake"

// expectation is a corpus file's sidecar: what a correct import makes of
// the file (the keys are described in the corpus README).
type expectation struct {
	Layout     string `json:"layout"`
	Rows       int    `json:"rows"`
	Cards      int    `json:"cards"`
	HeaderLine int    `json:"headerLine"`
	People     []struct {
		Lines          []int    `json:"lines"`
		First          string   `json:"first"`
		Middle         string   `json:"middle"`
		Last           string   `json:"last"`
		Emails         []string `json:"emails"`
		Phones         []string `json:"phones"`
		DoNotCall      *bool    `json:"doNotCall"`
		Kind           string   `json:"kind"`
		Stage          string   `json:"stage"`
		Source         string   `json:"source"`
		Owner          string   `json:"owner"`
		Street         *string  `json:"street"`
		City           *string  `json:"city"`
		State          *string  `json:"state"`
		PostalCode     *string  `json:"postalCode"`
		Country        *string  `json:"country"`
		Birthday       string   `json:"birthday"`
		Tags           []string `json:"tags"`
		NotesContain   []string `json:"notesContain"`
		Facts          []string `json:"facts"`
		KeptAsImported []string `json:"keptAsImported"`
	} `json:"people"`
	NotPeople    []notPerson `json:"notPeople"`
	SharedPhones []struct {
		Phone  string   `json:"phone"`
		People []string `json:"people"`
	} `json:"sharedPhones"`
	ReportProblems []struct {
		Line   int    `json:"line"`
		Column string `json:"column"`
	} `json:"reportProblems"`
}

// notPerson is a record that must not become a person: a name, or a
// line and a name.
type notPerson struct {
	Line int    `json:"line"`
	Name string `json:"name"`
}

func (n *notPerson) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		// "line 8: Northbrook Title Co. (organization only…)"
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if rest, ok := strings.CutPrefix(s, "line "); ok {
			num, name, _ := strings.Cut(rest, ": ")
			n.Line, _ = strconv.Atoi(num)
			s = name
		}
		n.Name, _, _ = strings.Cut(s, " (")
		return nil
	}
	type plain notPerson
	return json.Unmarshal(b, (*plain)(n))
}

// TestCorpus imports every file of the corpus, on each database, and
// checks the people it makes against the file's sidecar: names, emails,
// phones, do-not-call, address, dates, tags, notes, facts, what is kept
// as imported, who must not be a person, and what the report names. And
// then that nothing was lost: every value of every row is in a field, a
// fact, a kept value or the report.
func TestCorpus(t *testing.T) {
	var files []string
	for _, dir := range []string{"csv", "vcard"} {
		matches, err := filepath.Glob(filepath.Join(corpusDir, dir, "*"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			if !strings.HasSuffix(m, ".expect.json") {
				files = append(files, m)
			}
		}
	}
	if len(files) < 25 {
		t.Fatalf("only %d corpus files", len(files))
	}
	each(t, func(t *testing.T, f *fixture) {
		for i, file := range files {
			t.Run(filepath.Base(file), func(t *testing.T) {
				checkCorpusFile(t, f, i, file)
			})
		}
	})
}

func checkCorpusFile(t *testing.T, base *fixture, n int, file string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var want expectation
	sidecar, err := os.ReadFile(file + ".expect.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(sidecar, &want); err != nil {
		t.Fatalf("sidecar: %v", err)
	}
	// A fresh organisation for each file, with the users its rows name.
	f := &fixture{db: base.db, org: &rapport.Org{Name: "Corpus", Slug: fmt.Sprintf("corpus-%d", n), Region: "US", TZ: "America/Chicago"}}
	f.owner = &rapport.User{Email: fmt.Sprintf("owner%d@corpus.test", n), Name: "Olive Owner", Role: rapport.RoleOwner, PasswordHash: "x"}
	if err := f.db.CreateOrg(ctx, f.org, f.owner); err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"Carla Mendes", "Devon Price"} {
		u := &rapport.User{OrgID: f.org.ID, Email: fmt.Sprintf("agent%d-%d@corpus.test", n, i), Name: name, Role: rapport.RoleAgent, PasswordHash: "x"}
		if err := f.db.CreateUser(ctx, rapport.Actor{Org: u.OrgID}, u); err != nil {
			t.Fatal(err)
		}
	}
	opts := importer.Options{Region: "US", Now: now, OwnerID: f.owner.ID, Origin: filepath.Base(file)}
	var rep *importer.Report
	if importer.LooksLikeVCard(raw) {
		rep, err = importer.ImportVCards(ctx, f.db, f.org.ID, f.owner.ID, bytes.NewReader(raw), opts)
	} else {
		rep, err = importer.Import(ctx, f.db, f.org.ID, f.owner.ID, bytes.NewReader(raw), opts)
	}
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	layout := map[string]string{"google_legacy": "google", "google_outlook_csv": "outlook", "generic": "",
		"vcard21": "vcard", "vcard21_android": "vcard", "vcard30": "vcard", "vcard40": "vcard", "apple": "vcard", "google_vcard": "vcard",
		"outlook_vcard": "vcard"}
	wantPreset, aliased := layout[want.Layout]
	if !aliased {
		wantPreset = want.Layout
	}
	if rep.Preset != wantPreset && !(wantPreset == "" && rep.Preset == "crm") {
		t.Errorf("read as %q, want %q", rep.Preset, wantPreset)
	}
	if records := max(want.Rows, want.Cards); records != 0 && rep.Rows != records {
		t.Errorf("%d rows read, want %d (report %+v)", rep.Rows, records, rep)
	}
	page, err := f.db.ListPeople(ctx, rapport.Actor{Org: f.org.ID}, store.PeopleFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var people []rapport.Person
	for _, p := range page.People {
		full, err := f.db.Person(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		people = append(people, *full)
	}
	if len(people) != len(want.People) {
		var names []string
		for _, p := range people {
			names = append(names, p.Name())
		}
		t.Errorf("%d people %q, want %d", len(people), names, len(want.People))
	}
	users, _ := f.db.Users(ctx, rapport.Actor{Org: f.org.ID})
	csv := readCorpusCSV(t, raw)
	// Nothing lost: every value of every row is somewhere, or named in the
	// report.
	var all strings.Builder
	for i := range people {
		facts, _ := f.db.Facts(ctx, rapport.Actor{Org: f.org.ID}, people[i].ID)
		records, _ := f.db.Records(ctx, rapport.Actor{Org: f.org.ID}, people[i].ID)
		all.WriteString(haystack(&people[i], facts, records))
		all.WriteString(fold(ownerName(users, people[i].OwnerID)) + " | ")
	}
	reported := map[string]bool{}
	for _, e := range rep.Errors {
		reported[fmt.Sprint(e.Line, "|", e.Column)] = true
		reported[fmt.Sprint(e.Line, "|")] = true
	}
	for _, rec := range csv.records {
		if reported[fmt.Sprint(rec.Line, "|")] {
			continue // a row the report names: skipped, or with a problem
		}
		for _, col := range csv.mapping.Columns {
			v := strings.TrimSpace(cellAt(rec.Fields, col.Index))
			if v == "" || col.Noise == "*" || strings.EqualFold(v, col.Noise) || reported[fmt.Sprint(rec.Line, "|", col.Name)] {
				continue
			}
			if !findable(v, all.String()) {
				t.Errorf("line %d, %s: %q is nowhere (not in a field, a fact, a kept value or the report)", rec.Line, col.Name, v)
			}
		}
	}
	for _, w := range want.People {
		first := w.First
		if w.Middle != "" {
			first += " " + w.Middle
		}
		label := strings.TrimSpace(first + " " + w.Last)
		var p *rapport.Person
		for i := range people {
			if people[i].FirstName == first && people[i].LastName == w.Last {
				p = &people[i]
			}
		}
		if p == nil {
			for i := range people {
				for _, e := range people[i].Emails {
					if len(w.Emails) > 0 && e.Address == strings.ToLower(w.Emails[0]) {
						p = &people[i]
					}
				}
			}
			if p != nil {
				t.Errorf("%s: named %q %q", label, p.FirstName, p.LastName)
			} else {
				t.Errorf("%s (line %v): not imported", label, w.Lines)
				continue
			}
		}
		var emails, phones []string
		for _, e := range p.Emails {
			emails = append(emails, e.Address)
		}
		for _, ph := range p.Phones {
			phones = append(phones, ph.Number)
		}
		lower := make([]string, len(w.Emails))
		for i, e := range w.Emails {
			lower[i] = strings.ToLower(e)
		}
		if w.Emails != nil && !slices.Equal(emails, lower) && !(len(emails) == 0 && len(lower) == 0) {
			t.Errorf("%s: emails %q, want %q", label, emails, lower)
		}
		if w.Phones != nil && !slices.Equal(phones, w.Phones) && !(len(phones) == 0 && len(w.Phones) == 0) {
			t.Errorf("%s: phones %q, want %q", label, phones, w.Phones)
		}
		if w.DoNotCall != nil && p.DoNotCall != *w.DoNotCall {
			t.Errorf("%s: do not call %v, want %v", label, p.DoNotCall, *w.DoNotCall)
		}
		if w.Kind != "" && string(p.Kind) != w.Kind {
			t.Errorf("%s: kind %s, want %s", label, p.Kind, w.Kind)
		}
		if w.Stage != "" && (p.Stage == nil || !strings.EqualFold(p.Stage.Name, w.Stage)) {
			t.Errorf("%s: stage %+v, want %s", label, p.Stage, w.Stage)
		}
		if w.Source != "" && p.Source != w.Source {
			t.Errorf("%s: source %q, want %q", label, p.Source, w.Source)
		}
		if w.Owner != "" {
			if owner := ownerName(users, p.OwnerID); owner != w.Owner {
				t.Errorf("%s: owner %q, want %q", label, owner, w.Owner)
			}
		}
		for _, c := range []struct {
			name      string
			got, want *string
		}{{"street", &p.Street, w.Street}, {"city", &p.City, w.City}, {"state", &p.State, w.State},
			{"postal code", &p.PostalCode, w.PostalCode}, {"country", &p.Country, w.Country}} {
			if c.want != nil && *c.got != *c.want {
				t.Errorf("%s: %s %q, want %q", label, c.name, *c.got, *c.want)
			}
		}
		if w.Birthday != "" {
			b := p.Birthday.String()
			if p.Birthday.Year == 0 && b != "" {
				b = "--" + b
			}
			if b != w.Birthday {
				t.Errorf("%s: birthday %q, want %q", label, b, w.Birthday)
			}
		}
		if w.Tags != nil {
			got := strings.Join(p.Tags, "|")
			exp := rapport.NormalizeTags(w.Tags)
			if got != strings.Join(exp, "|") {
				t.Errorf("%s: tags %q, want %q", label, p.Tags, w.Tags)
			}
		}
		for _, s := range w.NotesContain {
			if !strings.Contains(p.Notes, s) {
				t.Errorf("%s: notes %q lack %q", label, p.Notes, s)
			}
		}
		facts, err := f.db.Facts(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var have []string
		for _, fa := range facts {
			have = append(have, string(fa.Type)+": "+fa.Text)
		}
		for _, fa := range w.Facts {
			if !slices.Contains(have, fa) {
				t.Errorf("%s: facts %q lack %q", label, have, fa)
			}
		}
		records, err := f.db.Records(ctx, rapport.Actor{Org: f.org.ID}, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		hay := haystack(p, facts, records)
		for _, k := range w.KeptAsImported {
			value := ""
			if len(w.Lines) > 0 {
				value = csv.value(w.Lines[0], k)
			}
			hay := hay + fold(ownerName(users, p.OwnerID))
			if !keptSomewhere(hay, records, k, value) {
				var kept []rapport.KeptValue
				for _, r := range records {
					kept = append(kept, r.Kept...)
				}
				t.Errorf("%s: %s %q is not kept (kept: %+v)", label, k, value, kept)
			}
		}
	}
	for _, np := range want.NotPeople {
		for _, p := range people {
			if np.Name == "" {
				continue
			}
			became := strings.EqualFold(p.Name(), np.Name)
			for _, e := range p.Emails {
				became = became || strings.EqualFold(e.Address, np.Name)
			}
			if became {
				t.Errorf("%q (line %d) became a person", np.Name, np.Line)
			}
		}
	}
	for _, sp := range want.SharedPhones {
		holders := 0
		for _, p := range people {
			for _, ph := range p.Phones {
				if ph.Number == sp.Phone {
					holders++
				}
			}
		}
		if holders < len(sp.People) {
			t.Errorf("phone %s held by %d people, want %d (%q)", sp.Phone, holders, len(sp.People), sp.People)
		}
	}
	for _, rp := range want.ReportProblems {
		found := false
		for _, e := range rep.Errors {
			// A problem of the whole row or card names no column.
			found = found || e.Line == rp.Line && (rp.Column == "" || e.Column == "" || e.Column == rp.Column || strings.HasPrefix(e.Column, rp.Column))
		}
		if !found {
			t.Errorf("the report does not name line %d %s: %+v", rp.Line, rp.Column, rep.Errors)
		}
	}
}

func ownerName(users []rapport.User, id int64) string {
	for _, u := range users {
		if u.ID == id {
			return u.Name
		}
	}
	return ""
}

// corpusCSV is a corpus CSV file read as the importer reads it.
type corpusCSV struct {
	mapping importer.Mapping
	records []importer.Record
	// cards are a vCard file's cards, decoded, by the line they start on.
	cards map[int]string
}

func readCorpusCSV(t *testing.T, raw []byte) *corpusCSV {
	c := &corpusCSV{cards: map[int]string{}}
	if importer.LooksLikeVCard(raw) {
		rows, err := importer.ParseVCards(bytes.NewReader(raw), "US", "", now)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			c.cards[r.Line] = r.Original
		}
		return c
	}
	rd, err := importer.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c.mapping = importer.DetectMapping(rd.Header)
	for {
		rec, err := rd.Next()
		if err != nil {
			break
		}
		c.records = append(c.records, rec)
	}
	return c
}

// value is what the row starting on line holds in the named column, or
// the card the named property.
func (c *corpusCSV) value(line int, name string) string {
	if card, ok := c.cards[line]; ok {
		prop := strings.ToUpper(strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '(' })[0])
		_, qualifier, _ := strings.Cut(strings.TrimSuffix(name, ")"), "(")
		for _, l := range strings.Split(card, "\n") {
			if !strings.Contains(l, qualifier) {
				continue
			}
			head, value, _ := strings.Cut(l, ":")
			if prop == "X-ANDROID-CUSTOM" {
				// vnd.android.cursor.item/nickname;Teo;1;…: the data.
				if parts := strings.Split(value, ";"); len(parts) > 1 {
					value = parts[1]
				}
			}
			h := strings.ToUpper(head)
			if h == prop || strings.HasPrefix(h, prop+";") || strings.HasSuffix(strings.SplitN(h, ";", 2)[0], "."+prop) ||
				strings.HasPrefix(h, prop) && strings.Contains(prop, ".") {
				return strings.ReplaceAll(value, `\n`, "\n")
			}
		}
		return ""
	}
	for _, rec := range c.records {
		if rec.Line != line {
			continue
		}
		for _, col := range c.mapping.Columns {
			if col.Name == name {
				return cellAt(rec.Fields, col.Index)
			}
		}
	}
	return ""
}

func cellAt(fields []string, i int) string {
	if i < len(fields) {
		return fields[i]
	}
	return ""
}

// keptSomewhere reports whether the person keeps what name (a column or a
// vCard property) held: among the values kept as imported, or, where
// Rapport found a field for it after all, in the person's fields or facts.
func keptSomewhere(hay string, records []rapport.InputRecord, name, value string) bool {
	prop := strings.ToUpper(name)
	if i := strings.IndexAny(prop, ";: ("); i >= 0 {
		prop = prop[:i]
	}
	if i := strings.LastIndexByte(prop, '.'); i >= 0 {
		prop = prop[i+1:]
	}
	for _, r := range records {
		for _, k := range r.Kept {
			if strings.EqualFold(k.Name, name) || strings.ToUpper(k.Name) == prop {
				return true
			}
		}
	}
	return value != "" && findable(value, hay)
}

// haystack is everything a person's page shows of them, folded for
// findable.
func haystack(p *rapport.Person, facts []rapport.Fact, records []rapport.InputRecord) string {
	var b strings.Builder
	add := func(ss ...string) {
		for _, s := range ss {
			b.WriteString(fold(s))
			b.WriteString(" | ")
		}
	}
	add(p.FirstName+" "+p.LastName, p.Street, p.City, p.State, p.PostalCode, p.Country, p.Source, p.Notes, p.Brokerage, p.Office,
		p.MLSID, p.TZ, string(p.Kind), p.Birthday.String(), p.HomeAnniversary.String())
	if p.DoNotCall {
		add("do not call yes true dnc")
	}
	if p.Stage != nil {
		add(p.Stage.Name)
	}
	for _, e := range p.Emails {
		add(e.Address, e.Label)
	}
	for _, ph := range p.Phones {
		add(ph.Number, phone.Display(ph.Number, "US"), ph.Label)
	}
	add(p.Tags...)
	for _, f := range facts {
		add(f.Text)
	}
	for _, r := range records {
		for _, k := range r.Kept {
			add(k.Value)
		}
	}
	return b.String()
}

var dateLayouts = []string{"1/2/2006", "01/02/2006", "1/2/06", "2006-01-02", "02.01.2006", "2.1.2006", "Jan 2, 2006", "January 2, 2006",
	"02 Jan 2006", "2 Jan 2006", "20060102", "--0102", "--01-02", "1604-01-02"}

// findable reports whether a value of the input shows in hay, as Rapport
// would have written it: folded, a phone by its digits, a date in the
// forms Rapport writes, a list by each of its items.
func findable(v string, hay string) bool {
	f := fold(v)
	if f == "" || strings.Contains(hay, f) || strings.Trim(v, "0/-. ") == "" {
		return true // (Outlook's 0/0/00 is no date)
	}
	switch f {
	case "mycontacts", "my contacts", "starred":
		return true // Google's system groups, which are not tags
	}
	if d := digits(v); len(d) >= 7 && len(d) <= 15 && strings.Contains(digits(hay), d[max(0, len(d)-10):]) {
		return true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, strings.TrimSpace(v)); err == nil {
			a := rapport.Anniversary{Year: t.Year(), Month: t.Month(), Day: t.Day()}
			if strings.HasPrefix(l, "--") || strings.HasPrefix(l, "1604") {
				a.Year = 0
			}
			if strings.Contains(hay, fold(a.String())) || strings.Contains(hay, fold(a.Display())) {
				return true
			}
		}
	}
	for _, sep := range []string{":::", ";", "|", ","} {
		if parts := strings.Split(v, sep); len(parts) > 1 {
			all := true
			for _, part := range parts {
				all = all && findable(part, hay)
			}
			if all {
				return true
			}
		}
	}
	return false
}

func fold(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}
