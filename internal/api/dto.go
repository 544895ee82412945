package api

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// Optional is a JSON field that may be absent, null, or a value, so that a
// PATCH can tell "leave it" from "clear it".
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON records that the field was present.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

type stageJSON struct {
	ID       int64  `json:"id"`
	Key      string `json:"key"`
	Name     string `json:"name"`
	Pipeline string `json:"pipeline,omitempty"`
}

type phoneJSON struct {
	ID     int64  `json:"id,omitempty"`
	Number string `json:"number"`
	Label  string `json:"label,omitempty"`
	Bad    bool   `json:"bad,omitempty"`
}

type emailJSON struct {
	ID      int64  `json:"id,omitempty"`
	Address string `json:"address"`
	Label   string `json:"label,omitempty"`
}

type addressJSON struct {
	Street     string `json:"street"`
	City       string `json:"city"`
	State      string `json:"state"`
	PostalCode string `json:"postalCode"`
	Country    string `json:"country"`
}

type recruitJSON struct {
	Brokerage   string `json:"brokerage"`
	Office      string `json:"office"`
	LicenceYear int    `json:"licenceYear"`
	Units12m    int    `json:"units12m"`
	Volume12m   int64  `json:"volume12m"`
}

// recruitInput is the recruiting profile to set: in a PATCH, the fields
// it names change and the rest stay.
type recruitInput struct {
	Brokerage   Optional[string] `json:"brokerage"`
	Office      Optional[string] `json:"office"`
	LicenceYear Optional[int]    `json:"licenceYear"`
	Units12m    Optional[int]    `json:"units12m"`
	Volume12m   Optional[int64]  `json:"volume12m"`
}

type activityJSON struct {
	FirstAttemptAt *time.Time `json:"firstAttemptAt"`
	LastAttemptAt  *time.Time `json:"lastAttemptAt"`
	LastLiveAt     *time.Time `json:"lastLiveAt"`
	LastTouchAt    *time.Time `json:"lastTouchAt"`
	ArrivedAt      *time.Time `json:"arrivedAt"`
}

// personJSON is a person as the API shows them.
type personJSON struct {
	ID              int64        `json:"id"`
	FirstName       string       `json:"firstName"`
	LastName        string       `json:"lastName"`
	Name            string       `json:"name"`
	Kind            rapport.Kind `json:"kind"`
	Stage           *stageJSON   `json:"stage"`
	Source          string       `json:"source"`
	MLSID           string       `json:"mlsId"`
	OwnerID         *int64       `json:"ownerId"`
	ReferredByID    *int64       `json:"referredById"`
	DoNotCall       bool         `json:"doNotCall"`
	TimeZone        string       `json:"timeZone"`
	Phones          []phoneJSON  `json:"phones"`
	Emails          []emailJSON  `json:"emails"`
	Address         addressJSON  `json:"address"`
	Notes           string       `json:"notes"`
	Tags            []string     `json:"tags"`
	Birthday        *string      `json:"birthday"`
	HomeAnniversary *string      `json:"homeAnniversary"`
	CadenceDays     int          `json:"cadenceDays"`
	Recruit         *recruitJSON `json:"recruit"`
	Activity        activityJSON `json:"activity"`
	Version         int64        `json:"version"`
	CreatedAt       time.Time    `json:"createdAt"`
	UpdatedAt       time.Time    `json:"updatedAt"`
	ArchivedAt      *time.Time   `json:"archivedAt"`
	// Imported is set on a single person's answer (see recordJSON).
	Imported []recordJSON `json:"imported,omitempty"`
}

// recordJSON is an input a person came from, kept as imported.
type recordJSON struct {
	Kind       string              `json:"kind"`
	Origin     string              `json:"origin"`
	Line       int                 `json:"line,omitempty"`
	ImportedAt time.Time           `json:"importedAt"`
	Kept       []rapport.KeptValue `json:"kept"`
	Original   string              `json:"original"`
	Fields     []fieldJSON         `json:"fields,omitempty"`
}

type fieldJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func toRecords(rs []rapport.InputRecord) []recordJSON {
	out := make([]recordJSON, len(rs))
	for i, r := range rs {
		out[i] = recordJSON{Kind: r.Kind, Origin: r.Origin, Line: r.Line, ImportedAt: r.CreatedAt.UTC(), Kept: r.Kept, Original: r.Original}
		for _, f := range r.Fields() {
			out[i].Fields = append(out[i].Fields, fieldJSON{f.Name, f.Value})
		}
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func annPtr(a rapport.Anniversary) *string {
	if a.IsZero() {
		return nil
	}
	s := a.String()
	return &s
}

func stageOf(st *rapport.Stage) *stageJSON {
	if st == nil {
		return nil
	}
	return &stageJSON{ID: st.ID, Key: st.Key, Name: st.Name}
}

func toPerson(p *rapport.Person, stages map[int64]*rapport.Stage) personJSON {
	out := personJSON{
		ID: p.ID, FirstName: p.FirstName, LastName: p.LastName, Name: p.Name(), Kind: p.Kind, Source: p.Source, MLSID: p.MLSID,
		OwnerID: idPtr(p.OwnerID), ReferredByID: idPtr(p.ReferredByID), DoNotCall: p.DoNotCall, TimeZone: p.TZ,
		Address: addressJSON{p.Street, p.City, p.State, p.PostalCode, p.Country}, Notes: p.Notes, Tags: p.Tags,
		Birthday: annPtr(p.Birthday), HomeAnniversary: annPtr(p.HomeAnniversary), CadenceDays: p.CadenceDays,
		Activity: activityJSON{timePtr(p.FirstAttemptAt), timePtr(p.LastAttemptAt), timePtr(p.LastLiveAt), timePtr(p.LastTouchAt), timePtr(p.ArrivedAt)},
		Version:  p.Version, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(), ArchivedAt: timePtr(p.ArchivedAt),
		Phones: []phoneJSON{}, Emails: []emailJSON{},
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	st := p.Stage
	if st == nil && stages != nil {
		st = stages[p.StageID]
	}
	out.Stage = stageOf(st)
	for _, ph := range p.Phones {
		out.Phones = append(out.Phones, phoneJSON{ID: ph.ID, Number: ph.Number, Label: ph.Label, Bad: ph.Bad})
	}
	for _, e := range p.Emails {
		out.Emails = append(out.Emails, emailJSON{ID: e.ID, Address: e.Address, Label: e.Label})
	}
	if p.Kind == rapport.KindRecruit || p.Brokerage != "" || p.Office != "" || p.LicenceYear != 0 || p.Units12m != 0 || p.Volume12m != 0 {
		out.Recruit = &recruitJSON{p.Brokerage, p.Office, p.LicenceYear, p.Units12m, p.Volume12m}
	}
	return out
}

// personInput is a person to create, or the fields of one to change.
type personInput struct {
	FirstName       Optional[string]       `json:"firstName"`
	LastName        Optional[string]       `json:"lastName"`
	Kind            Optional[rapport.Kind] `json:"kind"`
	StageID         Optional[int64]        `json:"stageId"`
	Source          Optional[string]       `json:"source"`
	MLSID           Optional[string]       `json:"mlsId"`
	OwnerID         Optional[int64]        `json:"ownerId"`
	ReferredByID    Optional[int64]        `json:"referredById"`
	DoNotCall       Optional[bool]         `json:"doNotCall"`
	TimeZone        Optional[string]       `json:"timeZone"`
	Phones          Optional[[]phoneJSON]  `json:"phones"`
	Emails          Optional[[]emailJSON]  `json:"emails"`
	Address         Optional[addressJSON]  `json:"address"`
	Notes           Optional[string]       `json:"notes"`
	Tags            Optional[[]string]     `json:"tags"`
	Birthday        Optional[string]       `json:"birthday"`
	HomeAnniversary Optional[string]       `json:"homeAnniversary"`
	CadenceDays     Optional[int]          `json:"cadenceDays"`
	Recruit         Optional[recruitInput] `json:"recruit"`
	Version         Optional[int64]        `json:"version"`
}

// applyTo sets the fields present in the input on p, normalising phones
// with the organisation's region; problems are collected per field.
func (in *personInput) applyTo(p *rapport.Person, region string) error {
	fe := rapport.FieldErrors{}
	str := func(o Optional[string], dst *string) {
		if o.Set {
			*dst = o.Value
		}
	}
	id := func(o Optional[int64], dst *int64) {
		if o.Set {
			*dst = 0
			if !o.Null {
				*dst = o.Value
			}
		}
	}
	str(in.FirstName, &p.FirstName)
	str(in.LastName, &p.LastName)
	if in.Kind.Set {
		p.Kind = in.Kind.Value
	}
	id(in.StageID, &p.StageID)
	str(in.Source, &p.Source)
	if in.MLSID.Set {
		p.MLSID = strings.TrimSpace(in.MLSID.Value)
		if len(p.MLSID) > 64 {
			fe.Add("mls_id", "Keep the MLS id under 64 characters.")
		}
	}
	id(in.OwnerID, &p.OwnerID)
	id(in.ReferredByID, &p.ReferredByID)
	if in.DoNotCall.Set {
		p.DoNotCall = in.DoNotCall.Value
	}
	str(in.TimeZone, &p.TZ)
	str(in.Notes, &p.Notes)
	if in.CadenceDays.Set {
		p.CadenceDays = in.CadenceDays.Value
	}
	if in.Tags.Set {
		p.Tags = in.Tags.Value
	}
	if in.Address.Set {
		a := in.Address.Value
		p.Street, p.City, p.State, p.PostalCode, p.Country = a.Street, a.City, a.State, a.PostalCode, a.Country
	}
	if in.Recruit.Set {
		// null clears the profile; an object changes the fields it names.
		r := in.Recruit.Value
		if in.Recruit.Null {
			p.Brokerage, p.Office, p.LicenceYear, p.Units12m, p.Volume12m = "", "", 0, 0, 0
		}
		str(r.Brokerage, &p.Brokerage)
		str(r.Office, &p.Office)
		if r.LicenceYear.Set {
			p.LicenceYear = r.LicenceYear.Value
		}
		if r.Units12m.Set {
			p.Units12m = r.Units12m.Value
		}
		if r.Volume12m.Set {
			p.Volume12m = r.Volume12m.Value
		}
	}
	ann := func(o Optional[string], dst *rapport.Anniversary, field string) {
		if !o.Set {
			return
		}
		a, err := rapport.ParseAnniversary(o.Value)
		if err != nil {
			fe.Add(field, err.Error())
			return
		}
		*dst = a
	}
	ann(in.Birthday, &p.Birthday, "birthday")
	ann(in.HomeAnniversary, &p.HomeAnniversary, "home_anniversary")
	if in.Phones.Set {
		bad := map[string]bool{}
		for _, old := range p.Phones {
			bad[old.Number] = old.Bad
		}
		p.Phones = nil
		for i, ph := range in.Phones.Value {
			n, err := phone.Normalize(ph.Number, region)
			if err != nil {
				fe.Add("phone."+strconv.Itoa(i), err.Error())
				continue
			}
			p.Phones = append(p.Phones, rapport.Phone{Number: n, Label: ph.Label, Bad: bad[n]})
		}
	}
	if in.Emails.Set {
		p.Emails = nil
		for i, e := range in.Emails.Value {
			a, err := rapport.NormalizeEmail(e.Address)
			if err != nil {
				fe.Add("email."+strconv.Itoa(i), rapport.ErrorMessage(err))
				continue
			}
			p.Emails = append(p.Emails, rapport.Email{Address: a, Label: e.Label})
		}
	}
	if in.Version.Set && !in.Version.Null {
		p.Version = in.Version.Value
	} else {
		p.Version = 0
	}
	return fe.Err()
}

// queryInt reads a whole-number query parameter; empty is def.
func queryInt(v, name string, def int) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, &rapport.Error{Code: rapport.EINVALID, Message: "Use a whole number for " + name + ".", Fields: map[string]string{name: "Not a whole number."}}
	}
	return n, nil
}

// queryID reads an id query parameter; empty is 0.
func queryID(v, name string) (int64, error) {
	n, err := queryInt(v, name, 0)
	return int64(n), err
}

// queryTime reads an RFC 3339 time (or a YYYY-MM-DD day in loc).
func queryTime(v, name string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := rapport.ParseDay(v); err == nil {
		return d.Start(loc), nil
	}
	return time.Time{}, &rapport.Error{Code: rapport.EINVALID, Message: "Use an RFC 3339 time or a YYYY-MM-DD date for " + name + ".",
		Fields: map[string]string{name: "Not a time."}}
}
