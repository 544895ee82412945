package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/httpx"
	"github.com/rapport-crm/rapport/internal/phone"
	"github.com/rapport-crm/rapport/internal/rapport"
)

// maxFormBytes bounds a form body; nothing a person types comes close.
const maxFormBytes = 1 << 20

var errTooLarge = rapport.Errorf(rapport.ETOOLARGE, "That form was too large to accept (over %d KB). Nothing was saved.", maxFormBytes>>10)

// form is what the user submitted and what was wrong with it, so that a
// form can be shown again exactly as typed with a message by each field.
type form struct {
	Values url.Values
	Errors map[string]string
	// rows maps, for repeated fields whose blank rows are skipped, the index
	// of each item kept to the form row it came from, so that an error about
	// "phone.1" lands on the row the user typed it in.
	rows map[string][]int
}

func newForm(v url.Values) *form {
	if v == nil {
		v = url.Values{}
	}
	return &form{Values: v, Errors: map[string]string{}, rows: map[string][]int{}}
}

// keep records that the next item of a repeated field came from row.
func (f *form) keep(prefix string, row int) { f.rows[prefix] = append(f.rows[prefix], row) }

// rowField turns an item's field name ("fact.0.text") into its form row's.
func (f *form) rowField(field string) string {
	prefix, rest, ok := strings.Cut(field, ".")
	rows := f.rows[prefix]
	if !ok || rows == nil {
		return field
	}
	idx, tail, _ := strings.Cut(rest, ".")
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= len(rows) {
		return field
	}
	out := prefix + "." + strconv.Itoa(rows[i])
	if tail != "" {
		out += "." + tail
	}
	return out
}

// parseForm reads a posted form, refusing bodies over maxFormBytes.
func parseForm(w http.ResponseWriter, r *http.Request) (*form, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errTooLarge
		}
		return nil, rapport.Errorf(rapport.EINVALID, "The form could not be read.")
	}
	if field, problem := httpx.ValuesProblem(r.PostForm); field != "" {
		return nil, &rapport.Error{Code: rapport.EINVALID, Message: "The form's " + field + " field: " + problem,
			Fields: map[string]string{field: problem}}
	}
	return newForm(r.PostForm), nil
}

// Get returns a submitted value, trimmed.
func (f *form) Get(name string) string { return strings.TrimSpace(f.Values.Get(name)) }

// List returns every value submitted for name.
func (f *form) List(name string) []string { return f.Values[name] }

// At returns the i-th value of a repeated field, or "".
func (f *form) At(name string, i int) string {
	if vs := f.Values[name]; i < len(vs) {
		return strings.TrimSpace(vs[i])
	}
	return ""
}

// AtOr returns the i-th value of a repeated field, or def when absent.
func (f *form) AtOr(name string, i int, def string) string {
	if v := f.At(name, i); v != "" {
		return v
	}
	return def
}

// Err returns the message for a field, or "".
func (f *form) Err(name string) string { return f.Errors[name] }

// Checked reports whether a checkbox was ticked.
func (f *form) Checked(name string) bool {
	v := f.Get(name)
	return v == "on" || v == "1" || v == "true" || v == "yes"
}

// Is reports whether field has value, for selected options and radios.
func (f *form) Is(name, value string) bool { return f.Get(name) == value }

// Valid reports whether no field has an error.
func (f *form) Valid() bool { return len(f.Errors) == 0 }

// addErr records a message for a field unless it already has one.
func (f *form) addErr(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// absorb takes the field errors of an EINVALID error into the form and
// reports whether it did; other errors are left to the caller.
func (f *form) absorb(err error) bool {
	var e *rapport.Error
	if !errors.As(err, &e) || e.Code != rapport.EINVALID && e.Code != rapport.ECONFLICT || len(e.Fields) == 0 {
		return false
	}
	for k, v := range e.Fields {
		f.addErr(f.rowField(k), v)
	}
	return true
}

// int reads a whole number field; empty is zero.
func (f *form) int(name, msg string) int {
	v := strings.ReplaceAll(f.Get(name), ",", "")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.addErr(name, msg)
	}
	return n
}

// money reads a dollar amount such as "$1,250,000" or "1.25M".
func (f *form) money(name string) int64 {
	v := strings.ToUpper(strings.NewReplacer(",", "", "$", "", " ", "").Replace(f.Get(name)))
	if v == "" {
		return 0
	}
	mult := 1.0
	switch {
	case strings.HasSuffix(v, "M"):
		mult, v = 1e6, strings.TrimSuffix(v, "M")
	case strings.HasSuffix(v, "K"):
		mult, v = 1e3, strings.TrimSuffix(v, "K")
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || x < 0 {
		f.addErr(name, "Use a dollar amount such as 12,500,000 or 12.5M.")
		return 0
	}
	return int64(x * mult)
}

// id reads a numeric id from a path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// personFromForm reads the person form. Phones are normalised with the
// organisation's region; every problem lands on its field.
func personFromForm(f *form, org *rapport.Org) *rapport.Person {
	p := &rapport.Person{
		FirstName: f.Get("first_name"), LastName: f.Get("last_name"),
		Kind: rapport.Kind(f.Get("kind")), Source: f.Get("source"), TZ: f.Get("tz"),
		Street: f.Get("street"), City: f.Get("city"), State: f.Get("state"), PostalCode: f.Get("postal_code"), Country: f.Get("country"),
		Notes: f.Values.Get("notes"), DoNotCall: f.Checked("do_not_call"),
		Brokerage: f.Get("brokerage"), Office: f.Get("office"), MLSID: f.Get("mls_id"),
		Tags: rapport.ParseTags(f.Get("tags")),
	}
	if v := f.Get("company"); v != "" && v != "none" {
		p.CompanyID = int64(f.int("company", "Choose a brokerage or office from the list."))
	}
	if v, err := strconv.ParseInt(f.Get("version"), 10, 64); err == nil && v > 0 {
		p.Version = v
	}
	p.StageID = int64(f.int("stage", "Choose a stage from the list."))
	if f.Get("owner") != "none" {
		p.OwnerID = int64(f.int("owner", "Choose an owner from the list."))
	}
	p.CadenceDays = f.int("cadence_days", "Use a whole number of days, such as 30.")
	p.LicenceYear = f.int("licence_year", "Use a year such as 2012.")
	p.Units12m = f.int("units_12m", "Use a whole number of transactions.")
	p.Volume12m = f.money("volume_12m")
	var err error
	if p.Birthday, err = rapport.ParseAnniversary(f.Get("birthday")); err != nil {
		f.addErr("birthday", err.Error())
	}
	if p.HomeAnniversary, err = rapport.ParseAnniversary(f.Get("home_anniversary")); err != nil {
		f.addErr("home_anniversary", err.Error())
	}
	labels := f.List("phone_label")
	for i, raw := range f.List("phone") {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		n, err := phone.Normalize(raw, org.Region)
		if err != nil {
			f.addErr("phone."+strconv.Itoa(i), err.Error())
			continue
		}
		ph := rapport.Phone{Number: n}
		if i < len(labels) {
			ph.Label = labels[i]
		}
		p.Phones = append(p.Phones, ph)
		f.keep("phone", i)
	}
	elabels := f.List("email_label")
	for i, raw := range f.List("email") {
		if strings.TrimSpace(raw) == "" {
			continue
		}
		addr, err := rapport.NormalizeEmail(raw)
		if err != nil {
			f.addErr("email."+strconv.Itoa(i), err.Error())
			continue
		}
		e := rapport.Email{Address: addr}
		if i < len(elabels) {
			e.Label = elabels[i]
		}
		p.Emails = append(p.Emails, e)
		f.keep("email", i)
	}
	return p
}

// personForm fills a form's values from a person, for editing.
func personForm(p *rapport.Person) *form {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	num := func(k string, n int64) {
		if n != 0 {
			v.Set(k, strconv.FormatInt(n, 10))
		}
	}
	v.Set("version", strconv.FormatInt(p.Version, 10))
	set("first_name", p.FirstName)
	set("last_name", p.LastName)
	set("kind", string(p.Kind))
	num("stage", p.StageID)
	num("owner", p.OwnerID)
	set("source", p.Source)
	set("tz", p.TZ)
	set("street", p.Street)
	set("city", p.City)
	set("state", p.State)
	set("postal_code", p.PostalCode)
	set("country", p.Country)
	set("notes", p.Notes)
	if p.DoNotCall {
		v.Set("do_not_call", "on")
	}
	set("brokerage", p.Brokerage)
	set("office", p.Office)
	set("mls_id", p.MLSID)
	num("company", p.CompanyID)
	num("licence_year", int64(p.LicenceYear))
	num("units_12m", int64(p.Units12m))
	num("volume_12m", p.Volume12m)
	num("cadence_days", int64(p.CadenceDays))
	set("birthday", p.Birthday.String())
	set("home_anniversary", p.HomeAnniversary.String())
	set("tags", strings.Join(p.Tags, ", "))
	if p.ReferredBy != nil {
		v.Set("referred_by", "#"+strconv.FormatInt(p.ReferredBy.ID, 10)+" "+p.ReferredBy.Name)
	}
	for _, ph := range p.Phones {
		v.Add("phone", ph.Number)
		v.Add("phone_label", ph.Label)
	}
	for _, e := range p.Emails {
		v.Add("email", e.Address)
		v.Add("email_label", e.Label)
	}
	return newForm(v)
}

// Has reports whether the form sent the field at all.
func (f *form) Has(name string) bool { _, ok := f.Values[name]; return ok }
