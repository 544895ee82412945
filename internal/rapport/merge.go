package rapport

import (
	"fmt"
	"strconv"
	"strings"
)

// MergeConflicts lists what an incoming record says that MergeInto would
// not take because the person already has something else there (another
// name, address, birthday…): the values an import or event keeps with
// the person rather than lose. Both must be normalised; call it before
// MergeInto.
func MergeConflicts(p, in *Person) []KeptValue {
	var out []KeptValue
	differs := func(name, have, got string) {
		if have != "" && got != "" && !strings.EqualFold(have, got) {
			out = append(out, KeptValue{Name: name, Value: got, Why: AlreadyHad(have)})
		}
	}
	if !shortFor(p.FirstName, in.FirstName) {
		differs("First name", p.FirstName, in.FirstName)
	}
	differs("Last name", p.LastName, in.LastName)
	if p.Street != "" || p.City != "" || p.PostalCode != "" {
		differs("Address", p.Address(), in.Address())
	}
	differs("Source", p.Source, in.Source)
	differs("Time zone", p.TZ, in.TZ)
	if p.Notes != "" && in.Notes != "" && !strings.Contains(p.Notes, in.Notes) {
		out = append(out, KeptValue{Name: "Notes", Value: in.Notes, Why: "other notes"})
	}
	differs("Brokerage", p.Brokerage, in.Brokerage)
	differs("Office", p.Office, in.Office)
	differs("MLS id", p.MLSID, in.MLSID)
	if !p.Birthday.IsZero() && !in.Birthday.IsZero() && p.Birthday != in.Birthday {
		out = append(out, KeptValue{Name: "Birthday", Value: in.Birthday.String(), Why: AlreadyHad(p.Birthday.String())})
	}
	if !p.HomeAnniversary.IsZero() && !in.HomeAnniversary.IsZero() && p.HomeAnniversary != in.HomeAnniversary {
		out = append(out, KeptValue{Name: "Home anniversary", Value: in.HomeAnniversary.String(), Why: AlreadyHad(p.HomeAnniversary.String())})
	}
	if p.LicenceYear != 0 && in.LicenceYear != 0 && p.LicenceYear != in.LicenceYear {
		out = append(out, KeptValue{Name: "Licence year", Value: strconv.Itoa(in.LicenceYear), Why: AlreadyHad(strconv.Itoa(p.LicenceYear))})
	}
	if p.CadenceDays != 0 && in.CadenceDays != 0 && p.CadenceDays != in.CadenceDays {
		out = append(out, KeptValue{Name: "Keep in touch (days)", Value: strconv.Itoa(in.CadenceDays), Why: AlreadyHad(strconv.Itoa(p.CadenceDays))})
	}
	// Numbers and addresses beyond what a person may hold.
	phones, emails := len(p.Phones), len(p.Emails)
	for _, ph := range in.Phones {
		if !hasPhone(p.Phones, ph.Number) {
			if phones++; phones > MaxPhones {
				out = append(out, KeptValue{Name: "Phone", Value: ph.Number, Why: fmt.Sprintf("no room: a person keeps %d numbers", MaxPhones)})
			}
		}
	}
	for _, e := range in.Emails {
		if !hasEmail(p.Emails, e.Address) {
			if emails++; emails > MaxEmails {
				out = append(out, KeptValue{Name: "Email", Value: e.Address, Why: fmt.Sprintf("no room: a person keeps %d addresses", MaxEmails)})
			}
		}
	}
	return out
}

// shortFor reports whether one first name is the other's initial or
// short form ("J.", "Jon" for "Jonathan", "John" for "Johnny"): nothing
// worth keeping apart.
func shortFor(a, b string) bool {
	a, b = strings.ToLower(strings.TrimSuffix(a, ".")), strings.ToLower(strings.TrimSuffix(b, "."))
	if len(a) > len(b) {
		a, b = b, a
	}
	return a != "" && strings.HasPrefix(b, a) && (len(a) == 1 || len(a) >= 3)
}

// MergeInto folds what an incoming record knows about a person into the
// existing person without overwriting anything: blank fields are filled,
// new phones, emails and tags are added, and everything already known
// stays as it was. It reports whether anything changed. Both must be
// normalised.
func MergeInto(p, in *Person) bool {
	changed := false
	fill := func(dst *string, src string) {
		if *dst == "" && src != "" {
			*dst = src
			changed = true
		}
	}
	fill(&p.FirstName, in.FirstName)
	fill(&p.LastName, in.LastName)
	fill(&p.Source, in.Source)
	fill(&p.TZ, in.TZ)
	if p.Street == "" && p.City == "" && p.PostalCode == "" {
		fill(&p.Street, in.Street)
		fill(&p.City, in.City)
		fill(&p.State, in.State)
		fill(&p.PostalCode, in.PostalCode)
		fill(&p.Country, in.Country)
	}
	fill(&p.Notes, in.Notes)
	fill(&p.Brokerage, in.Brokerage)
	fill(&p.MLSID, in.MLSID)
	fill(&p.Office, in.Office)
	if p.Birthday.IsZero() && !in.Birthday.IsZero() {
		p.Birthday, changed = in.Birthday, true
	}
	if p.HomeAnniversary.IsZero() && !in.HomeAnniversary.IsZero() {
		p.HomeAnniversary, changed = in.HomeAnniversary, true
	}
	if p.LicenceYear == 0 && in.LicenceYear != 0 {
		p.LicenceYear, changed = in.LicenceYear, true
	}
	if p.Units12m == 0 && p.Volume12m == 0 && (in.Units12m != 0 || in.Volume12m != 0) {
		p.Units12m, p.Volume12m, changed = in.Units12m, in.Volume12m, true
	}
	if p.CompanyID == 0 && in.CompanyID != 0 {
		p.CompanyID, changed = in.CompanyID, true
	}
	if p.ListUnits12m == 0 && p.SellUnits12m == 0 && (in.ListUnits12m != 0 || in.SellUnits12m != 0) {
		p.ListUnits12m, p.SellUnits12m, changed = in.ListUnits12m, in.SellUnits12m, true
	}
	if p.CadenceDays == 0 && in.CadenceDays != 0 {
		p.CadenceDays, changed = in.CadenceDays, true
	}
	if p.ReferredByID == 0 && in.ReferredByID != 0 && in.ReferredByID != p.ID {
		p.ReferredByID, changed = in.ReferredByID, true
	}
	if in.DoNotCall && !p.DoNotCall {
		// Do-not-call is the one flag that only ever tightens.
		p.DoNotCall, changed = true, true
	}
	for _, ph := range in.Phones {
		if !hasPhone(p.Phones, ph.Number) && len(p.Phones) < MaxPhones {
			p.Phones = append(p.Phones, Phone{Number: ph.Number, Label: ph.Label})
			changed = true
		}
	}
	for _, e := range in.Emails {
		if !hasEmail(p.Emails, e.Address) && len(p.Emails) < MaxEmails {
			p.Emails = append(p.Emails, Email{Address: e.Address, Label: e.Label})
			changed = true
		}
	}
	// Tags are one tag whatever their case; the spelling already kept wins.
	if tags := NormalizeTags(append(append([]string{}, p.Tags...), in.Tags...)); len(tags) != len(p.Tags) {
		p.Tags, changed = tags, true
	}
	return changed
}

func hasPhone(ps []Phone, n string) bool {
	for _, p := range ps {
		if p.Number == n {
			return true
		}
	}
	return false
}

func hasEmail(es []Email, a string) bool {
	for _, e := range es {
		if e.Address == a {
			return true
		}
	}
	return false
}

// SharedPhoneLabel reports whether a phone with this label is likely shared
// by many people — an office's main line, a fax — and so says nothing
// about who a record is: such numbers are kept but never used to match.
func SharedPhoneLabel(label string) bool {
	switch label {
	case "work", "office", "business", "main", "fax", "company":
		return true
	}
	return false
}
