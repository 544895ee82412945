package importer

import (
	"regexp"
	"strings"
)

// Field is a Rapport field a column can hold.
type Field string

// The fields a column maps to. Phone and email columns repeat.
const (
	Ignore       Field = ""
	FirstName    Field = "first_name"
	LastName     Field = "last_name"
	MiddleName   Field = "middle_name"
	FullName     Field = "full_name"
	EmailF       Field = "email"
	PhoneF       Field = "phone"
	Street       Field = "street"
	City         Field = "city"
	State        Field = "state"
	PostalCode   Field = "postal_code"
	Country      Field = "country"
	FullAddress  Field = "address"
	Source       Field = "source"
	Tags         Field = "tags"
	Notes        Field = "notes"
	KindF        Field = "kind"
	StageF       Field = "stage"
	OwnerF       Field = "owner"
	Birthday     Field = "birthday"
	HomeDate     Field = "home_anniversary"
	Brokerage    Field = "brokerage"
	Office       Field = "office"
	LicenceYear  Field = "licence_year"
	Units12m     Field = "units_12m"
	Volume12m    Field = "volume_12m"
	MLSID        Field = "mls_id"
	DoNotCall    Field = "do_not_call"
	TimeZone     Field = "tz"
	CadenceDays  Field = "cadence_days"
	PhoneType    Field = "phone_type"
	EmailType    Field = "email_type"
	ListUnits    Field = "list_units"
	SellUnits    Field = "sell_units"
	LicenceState Field = "licence"
	OfficeMLSID  Field = "office_mls_id"
	Rank         Field = "rank"
)

// Fields lists the fields a user can map a column to, in menu order.
var Fields = []Field{FirstName, LastName, MiddleName, FullName, EmailF, PhoneF, Street, City, State, PostalCode, Country,
	FullAddress, Source, Tags, Notes, KindF, StageF, OwnerF, Birthday, HomeDate, Brokerage, Office, LicenceYear, Units12m,
	Volume12m, MLSID, DoNotCall, TimeZone, CadenceDays, ListUnits, SellUnits, OfficeMLSID, Rank}

// Label names a field for people.
func (f Field) Label() string {
	if f == Ignore {
		return "(ignore)"
	}
	s := strings.ReplaceAll(string(f), "_", " ")
	switch f {
	case Units12m:
		return "units (12 months)"
	case Volume12m:
		return "volume (12 months)"
	case MLSID:
		return "MLS id"
	case OfficeMLSID:
		return "office MLS id"
	case Rank:
		return "rank (production report)"
	case TimeZone:
		return "time zone"
	}
	return s
}

// Column is what one column of a file holds.
type Column struct {
	Index int
	Name  string
	Field Field
	// Label is the phone or email label a column implies ("mobile" for
	// "Mobile Phone").
	Label string
	// Pair links "Phone 1 - Type" to "Phone 1 - Value": columns with the
	// same Pair key go together.
	Pair string
}

// Mapping says what each column of a file holds.
type Mapping struct {
	Preset  string
	Columns []Column
}

// Preset is a known file layout with its defaults.
type Preset struct {
	Name  string
	Label string
	// Kind is what the people of such a file are, unless a column says.
	Kind string
	// Signature columns identify the layout.
	Signature []string
	exact     map[string]Field
}

var pairRE = regexp.MustCompile(`^(e-?mail|phone|address|organization|website) (\d+) - (type|value|label|formatted|street|city|region|postal code|country|name)$`)

// Presets are the layouts Rapport knows by name.
var Presets = []Preset{
	{Name: "google", Label: "Google Contacts", Kind: "sphere",
		Signature: []string{"given name", "family name", "e-mail 1 - value", "phone 1 - value", "group membership", "first name", "last name", "labels"},
		exact: map[string]Field{"name": FullName, "given name": FirstName, "family name": LastName, "additional name": MiddleName,
			"first name": FirstName, "last name": LastName, "middle name": MiddleName, "birthday": Birthday, "notes": Notes,
			"group membership": Tags, "labels": Tags, "organization 1 - name": Brokerage, "organization name": Brokerage}},
	{Name: "outlook", Label: "Outlook", Kind: "sphere",
		Signature: []string{"e-mail address", "e-mail 2 address", "mobile phone", "home phone", "business phone", "home street", "categories"},
		exact: map[string]Field{"first name": FirstName, "middle name": MiddleName, "last name": LastName, "e-mail address": EmailF,
			"e-mail 2 address": EmailF, "e-mail 3 address": EmailF, "mobile phone": PhoneF, "home phone": PhoneF, "home phone 2": PhoneF,
			"business phone": PhoneF, "business phone 2": PhoneF, "other phone": PhoneF, "primary phone": PhoneF, "car phone": PhoneF,
			"home street": Street, "home city": City, "home state": State, "home postal code": PostalCode, "home country/region": Country,
			"birthday": Birthday, "anniversary": Ignore, "notes": Notes, "categories": Tags, "company": Brokerage}},
	{Name: "crm", Label: "Generic CRM export", Kind: "lead",
		Signature: []string{"first name", "last name", "email", "phone", "source", "stage", "tags", "assigned to", "lead source"},
		exact:     map[string]Field{}},
	{Name: "reso", Label: "RESO Member roster", Kind: "recruit",
		Signature: []string{"membermlsid", "memberfirstname", "memberlastname", "memberemail", "membermobilephone", "officename", "officemlsid"},
		exact: map[string]Field{"membermlsid": MLSID, "memberfirstname": FirstName, "memberlastname": LastName, "membermiddlename": MiddleName,
			"memberfullname": FullName, "memberemail": EmailF, "membermobilephone": PhoneF, "memberofficephone": PhoneF,
			"memberdirectphone": PhoneF, "memberhomephone": PhoneF, "memberpreferredphone": PhoneF, "memberstatelicense": LicenceState,
			"officemlsid": OfficeMLSID, "officename": Office, "memberaddress1": Street, "membercity": City, "memberstateorprovince": State,
			"memberpostalcode": PostalCode, "membercountry": Country, "memberkey": Ignore, "memberstatus": Ignore,
			"memberdesignation": Ignore, "membernickname": Ignore, "officekey": Ignore, "memberaor": Ignore}},
	{Name: "production", Label: "MLS production ranking report", Kind: "recruit",
		Signature: []string{"rank", "agent", "agent name", "total volume", "total units", "list units", "sell units", "average price", "mls id", "agent id", "office"},
		exact: map[string]Field{"rank": Rank, "agent": FullName, "agent name": FullName, "mls id": MLSID, "agent id": MLSID, "agent mls id": MLSID,
			"office": Office, "office name": Office, "brokerage": Brokerage, "list units": ListUnits, "list sides": ListUnits,
			"sell units": SellUnits, "sell sides": SellUnits, "buy units": SellUnits, "total units": Units12m, "total sides": Units12m,
			"total transactions": Units12m, "total volume": Volume12m, "volume": Volume12m, "average price": Ignore,
			"avg price": Ignore, "list volume": Ignore, "sell volume": Ignore}},
}

// synonyms maps a normalised header to a field when no preset claims it.
var synonyms = map[string]Field{
	"first": FirstName, "first name": FirstName, "firstname": FirstName, "given name": FirstName, "fname": FirstName, "forename": FirstName,
	"last": LastName, "last name": LastName, "lastname": LastName, "surname": LastName, "family name": LastName, "lname": LastName,
	"middle": MiddleName, "middle name": MiddleName,
	"name": FullName, "full name": FullName, "fullname": FullName, "contact": FullName, "contact name": FullName, "display name": FullName, "client": FullName, "lead name": FullName, "agent": FullName, "agent name": FullName,
	"email": EmailF, "e-mail": EmailF, "email address": EmailF, "e-mail address": EmailF, "emails": EmailF, "primary email": EmailF, "work email": EmailF, "home email": EmailF, "personal email": EmailF, "other email": EmailF,
	"phone": PhoneF, "phone number": PhoneF, "telephone": PhoneF, "tel": PhoneF, "mobile": PhoneF, "cell": PhoneF, "cell phone": PhoneF, "mobile phone": PhoneF,
	"home phone": PhoneF, "work phone": PhoneF, "office phone": PhoneF, "business phone": PhoneF, "primary phone": PhoneF, "phones": PhoneF, "other phone": PhoneF, "direct phone": PhoneF,
	"street": Street, "address 1": Street, "address line 1": Street, "street address": Street, "mailing address": Street,
	"address": FullAddress, "full address": FullAddress, "property address": FullAddress,
	"city": City, "town": City, "state": State, "province": State, "region": State, "st": State,
	"zip": PostalCode, "zip code": PostalCode, "zipcode": PostalCode, "postal code": PostalCode, "postcode": PostalCode,
	"country": Country,
	"source":  Source, "lead source": Source, "origin": Source,
	"tags": Tags, "tag": Tags, "labels": Tags, "groups": Tags, "categories": Tags,
	"notes": Notes, "note": Notes, "comments": Notes, "description": Notes, "background": Notes,
	"kind": KindF, "type": KindF, "contact type": KindF, "category": KindF,
	"stage": StageF, "status": StageF, "pipeline stage": StageF, "lead status": StageF,
	"owner": OwnerF, "assigned to": OwnerF, "agent email": OwnerF, "assigned agent": OwnerF, "owner email": OwnerF,
	"birthday": Birthday, "birth date": Birthday, "birthdate": Birthday, "date of birth": Birthday, "dob": Birthday,
	"home anniversary": HomeDate, "closing date": HomeDate, "close date": HomeDate, "purchase date": HomeDate, "home purchase date": HomeDate,
	"brokerage": Brokerage, "company": Brokerage, "organization": Brokerage, "office name": Office, "office": Office,
	"licensed": LicenceYear, "licence year": LicenceYear, "license year": LicenceYear, "year licensed": LicenceYear,
	"units": Units12m, "12 month units": Units12m, "total units": Units12m, "transactions": Units12m,
	"volume": Volume12m, "12 month volume": Volume12m, "total volume": Volume12m, "production": Volume12m,
	"mls id": MLSID, "mlsid": MLSID, "agent id": MLSID, "member mls id": MLSID, "office mls id": OfficeMLSID, "office id": OfficeMLSID,
	"do not call": DoNotCall, "dnc": DoNotCall, "do not contact": DoNotCall,
	"time zone": TimeZone, "timezone": TimeZone, "tz": TimeZone,
	"cadence": CadenceDays, "keep in touch days": CadenceDays, "contact frequency days": CadenceDays,
}

// labelWords give phone and email columns their label.
var labelWords = []string{"mobile", "cell", "home", "work", "business", "office", "direct", "personal", "other", "fax", "main", "car", "preferred"}

func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.NewReplacer("_", " ", ".", " ", "#", " ", "(", " ", ")", " ").Replace(h)
	return strings.Join(strings.Fields(h), " ")
}

// DetectMapping chooses the preset whose signature the header matches
// best (or none), then maps every column: by the preset's own names, by
// synonyms, and by shape ("Phone 2 - Value", "Home Phone").
func DetectMapping(header []string) Mapping {
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = normHeader(h)
	}
	var best *Preset
	bestScore := 0
	for i := range Presets {
		p := &Presets[i]
		score := 0
		for _, sig := range p.Signature {
			for _, h := range norm {
				if h == sig {
					score++
				}
			}
		}
		if score > bestScore {
			best, bestScore = p, score
		}
	}
	if bestScore < 2 {
		best = nil
	}
	name := ""
	if best != nil {
		name = best.Name
	}
	return MapWithPreset(header, name)
}

// MapWithPreset maps the columns of header as the named preset would ("" or
// "auto" for no preset).
func MapWithPreset(header []string, preset string) Mapping {
	m := Mapping{Preset: preset}
	p := PresetNamed(preset)
	for i, h := range header {
		n := normHeader(h)
		c := Column{Index: i, Name: h}
		if p != nil {
			if f, ok := p.exact[n]; ok {
				c.Field = f
				c.Label = labelFor(n)
				m.Columns = append(m.Columns, c)
				continue
			}
		}
		if mm := pairRE.FindStringSubmatch(n); mm != nil {
			kind, num, part := mm[1], mm[2], mm[3]
			c.Pair = kind + num
			switch {
			case strings.HasPrefix(kind, "e"):
				c.Field = map[bool]Field{true: EmailType, false: EmailF}[part == "type" || part == "label"]
			case kind == "phone":
				c.Field = map[bool]Field{true: PhoneType, false: PhoneF}[part == "type" || part == "label"]
			case kind == "address":
				c.Field = map[string]Field{"street": Street, "city": City, "region": State, "postal code": PostalCode, "country": Country,
					"formatted": Ignore}[part]
				if num != "1" {
					c.Field = Ignore
				}
			case kind == "organization" && part == "name" && num == "1":
				c.Field = Brokerage
			}
			m.Columns = append(m.Columns, c)
			continue
		}
		if f, ok := synonyms[n]; ok {
			c.Field = f
			c.Label = labelFor(n)
		} else if strings.Contains(n, "phone") || strings.Contains(n, "mobile") || strings.HasPrefix(n, "cell") {
			c.Field, c.Label = PhoneF, labelFor(n)
		} else if strings.Contains(n, "email") || strings.Contains(n, "e-mail") {
			c.Field, c.Label = EmailF, labelFor(n)
		}
		m.Columns = append(m.Columns, c)
	}
	return m
}

func labelFor(n string) string {
	for _, w := range labelWords {
		if strings.Contains(n, w) {
			if w == "cell" {
				return "mobile"
			}
			if w == "business" || w == "office" || w == "direct" {
				return "work"
			}
			return w
		}
	}
	return ""
}

// PresetNamed returns the preset with the given name, or nil.
func PresetNamed(name string) *Preset {
	for i := range Presets {
		if Presets[i].Name == name {
			return &Presets[i]
		}
	}
	return nil
}

// Mapped reports whether any column holds field f.
func (m Mapping) Mapped(f Field) bool {
	for _, c := range m.Columns {
		if c.Field == f {
			return true
		}
	}
	return false
}
