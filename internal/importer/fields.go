package importer

import (
	"regexp"
	"strconv"
	"strings"
)

// Field is a Rapport field a column can hold.
type Field string

// The fields a column maps to. Phone and email columns repeat; so do
// street lines, notes and tags, which are joined.
const (
	Ignore       Field = ""
	FirstName    Field = "first_name"
	LastName     Field = "last_name"
	MiddleName   Field = "middle_name"
	NameSuffix   Field = "name_suffix"
	FullName     Field = "full_name"
	Nickname     Field = "nickname"
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
	Anniversary  Field = "anniversary"
	Spouse       Field = "spouse"
	SpouseInfo   Field = "spouse_contact"
	Children     Field = "children"
	JobTitle     Field = "job_title"
	Hobby        Field = "interest"
	ReferredBy   Field = "referred_by"
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
	// Relation and Event hold a name or a date whose meaning a paired
	// label column gives (Google's "Relation 1 - Label": "Spouse").
	Relation      Field = "relation"
	RelationLabel Field = "relation_label"
	Event         Field = "event"
	EventLabel    Field = "event_label"
)

// Fields lists the fields a user can map a column to, in menu order.
var Fields = []Field{FirstName, LastName, MiddleName, NameSuffix, FullName, Nickname, EmailF, PhoneF, Street, City, State,
	PostalCode, Country, FullAddress, Source, Tags, Notes, KindF, StageF, OwnerF, Birthday, HomeDate, Anniversary, Spouse,
	SpouseInfo, Children, JobTitle, Hobby, ReferredBy, Brokerage, Office, LicenceYear, Units12m, Volume12m, MLSID, DoNotCall,
	TimeZone, CadenceDays, ListUnits, SellUnits, OfficeMLSID, Rank}

// Label names a field for people.
func (f Field) Label() string {
	switch f {
	case Ignore:
		return "(keep as imported)"
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
	case Anniversary:
		return "wedding anniversary"
	case SpouseInfo:
		return "spouse's email or phone"
	case Hobby:
		return "interest or hobby"
	case DoNotCall:
		return "do not call"
	}
	return strings.ReplaceAll(string(f), "_", " ")
}

// Help says what a field does with a value, for rapport import --fields.
func (f Field) Help() string {
	switch f {
	case FullName:
		return `split into first and last ("Lopez, Maria", "Dr. Maria de la Cruz")`
	case Nickname:
		return `a preference fact: "Goes by …"`
	case EmailF, PhoneF:
		return "repeatable; several in one cell are split on ; or :::"
	case Street, Notes, Tags:
		return "repeatable; joined"
	case FullAddress:
		return `"123 Main St, Chicago, IL 60614", used when no street or city column`
	case Anniversary:
		return "a family fact"
	case Spouse, Children:
		return "a family fact"
	case SpouseInfo:
		return "goes with the spouse in their family fact, never the person's own email or phone"
	case JobTitle:
		return "an other fact"
	case Hobby:
		return "an interest fact"
	case ReferredBy:
		return "linked to the person of that name, when there is exactly one"
	case DoNotCall:
		return "yes/no, DNC, opted out, unsubscribed… sets do-not-call"
	case KindF:
		return "lead, client, sphere or recruit"
	case OwnerF:
		return "a user's email or name"
	}
	return ""
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
	// Noise is a value of the column that says nothing (Outlook writes
	// "Normal" in every row's Sensitivity); "*" for any value, for a
	// column that only restates others (Outlook's E-mail Display Name).
	Noise string
	// Group ranks the address a column belongs to (Outlook's home,
	// business and other addresses; Google's Address 1, 2…): the person's
	// address is the first group with anything in it, and the others are
	// kept as imported.
	Group int
}

// Mapping says what each column of a file holds.
type Mapping struct {
	Preset  string
	Columns []Column
}

// pairRE reads numbered, labelled columns: Google's "Phone 2 - Label",
// "E-mail 1 - Value", "Relation 1 - Value"; Outlook's "E-mail 2 Address";
// CRM exports' "Phone 1", "Email 2 Type".
var pairRE = regexp.MustCompile(`^(e-?mail|phone|address|organization|website|relation|event|custom field|im) ?(\d+)(?: -)?(?: (type|value|label|formatted|street|city|region|state|postal code|zip|zip code|country|name|title|department|po box|extended address|address|number))?$`)

// synonyms maps a normalised header to a field when no preset claims it.
var synonyms = map[string]Field{
	"first": FirstName, "first name": FirstName, "firstname": FirstName, "given name": FirstName, "fname": FirstName, "forename": FirstName,
	"last": LastName, "last name": LastName, "lastname": LastName, "surname": LastName, "family name": LastName, "lname": LastName,
	"middle": MiddleName, "middle name": MiddleName, "suffix": NameSuffix, "name suffix": NameSuffix,
	"name": FullName, "full name": FullName, "fullname": FullName, "contact": FullName, "contact name": FullName, "display name": FullName,
	"client": FullName, "lead name": FullName, "agent": FullName, "agent name": FullName,
	"nickname": Nickname, "nick name": Nickname, "goes by": Nickname, "preferred name": Nickname,
	"email": EmailF, "e-mail": EmailF, "email address": EmailF, "e-mail address": EmailF, "emails": EmailF, "primary email": EmailF,
	"work email": EmailF, "home email": EmailF, "personal email": EmailF, "other email": EmailF,
	"phone": PhoneF, "phone number": PhoneF, "telephone": PhoneF, "tel": PhoneF, "mobile": PhoneF, "cell": PhoneF, "cell phone": PhoneF,
	"mobile phone": PhoneF, "home phone": PhoneF, "work phone": PhoneF, "office phone": PhoneF, "business phone": PhoneF,
	"primary phone": PhoneF, "phones": PhoneF, "other phone": PhoneF, "direct phone": PhoneF,
	"street": Street, "address 1": Street, "address line 1": Street, "address line 2": Street, "address 2": Street, "street address": Street,
	"mailing address": Street, "mailing street": Street, "mailing street address": Street, "primary address": Street, "home street": Street,
	// Outlook's German field names (Excel in a German locale).
	"vorname": FirstName, "nachname": LastName, "weitere vornamen": MiddleName, "e-mail-adresse": EmailF, "e-mail 2: adresse": EmailF,
	"mobiltelefon": PhoneF, "telefon privat": PhoneF, "telefon geschäftlich": PhoneF, "straße privat": Street, "ort privat": City,
	"postleitzahl privat": PostalCode, "bundesland/kanton privat": State, "land/region privat": Country, "geburtstag": Birthday,
	"notizen": Notes, "firma": Brokerage, "position": JobTitle, "kategorien": Tags, "jahrestag": Anniversary, "partner": Spouse,
	"address": FullAddress, "full address": FullAddress, "property address": FullAddress,
	"city": City, "town": City, "mailing city": City, "primary city": City, "home city": City,
	"state": State, "province": State, "region": State, "st": State, "mailing state": State, "primary state": State, "state/province": State,
	"zip": PostalCode, "zip code": PostalCode, "zipcode": PostalCode, "postal code": PostalCode, "postcode": PostalCode,
	"zip/postal code": PostalCode, "mailing zip": PostalCode, "mailing zip code": PostalCode, "primary zip": PostalCode, "home postal code": PostalCode,
	"country": Country, "mailing country": Country, "home country": Country, "country/region": Country,
	"source": Source, "lead source": Source, "origin": Source, "lead origin": Source,
	"tags": Tags, "tag": Tags, "labels": Tags, "groups": Tags, "categories": Tags, "hashtag": Tags, "hashtags": Tags, "lead tags": Tags,
	"notes": Notes, "note": Notes, "comments": Notes, "description": Notes, "background": Notes, "agent notes": Notes, "insight": Notes,
	"insights": Notes, "add to import note": Notes, "import note": Notes, "lead notes": Notes,
	"kind": KindF, "type": KindF, "contact type": KindF, "category": KindF, "lead type": KindF,
	"stage": StageF, "status": StageF, "pipeline stage": StageF, "lead status": StageF, "pipeline": StageF,
	"owner": OwnerF, "assigned to": OwnerF, "agent email": OwnerF, "assigned agent": OwnerF, "owner email": OwnerF, "assigned user": OwnerF,
	"agent assigned": OwnerF, "lead owner": OwnerF, "contact owner": OwnerF, "assigned to agent": OwnerF,
	"birthday": Birthday, "birth date": Birthday, "birthdate": Birthday, "date of birth": Birthday, "dob": Birthday,
	"home anniversary": HomeDate, "closing date": HomeDate, "close date": HomeDate, "purchase date": HomeDate, "home purchase date": HomeDate,
	"anniversary": Anniversary, "wedding anniversary": Anniversary,
	"spouse": Spouse, "spouse name": Spouse, "spouse's name": Spouse, "partner name": Spouse,
	"children": Children, "kids": Children, "children's names": Children,
	"job title": JobTitle, "title": JobTitle, "occupation": JobTitle, "profession": JobTitle,
	"organization title": JobTitle,
	"hobby":              Hobby, "hobbies": Hobby, "interests": Hobby,
	"referred by": ReferredBy, "referral": ReferredBy, "referrer": ReferredBy, "referred by name": ReferredBy,
	"brokerage": Brokerage, "company": Brokerage, "organization": Brokerage, "organization name": Brokerage,
	"office name": Office, "office": Office,
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
	h = strings.NewReplacer("_", " ", ".", " ", "#", " ", "(", " ", ")", " ", ":", " ").Replace(h)
	return strings.Join(strings.Fields(h), " ")
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
			c.Noise = p.noise[n]
			if g, ok := p.groups[n]; ok {
				c.Field, c.Group = g.field, g.group
				m.Columns = append(m.Columns, c)
				continue
			}
			if f, ok := p.exact[n]; ok {
				c.Field = f
				c.Label = labelFor(n)
				m.Columns = append(m.Columns, c)
				continue
			}
		}
		if pairColumn(&c, n) {
			m.Columns = append(m.Columns, c)
			continue
		}
		c.Field, c.Label = guessField(n)
		m.Columns = append(m.Columns, c)
	}
	m.settle()
	return m
}

// settle decides what a header's columns mean together. "Address" next
// to City, State or Zip columns is the street line, not a whole address.
// An "Agent" column is the person's name in an agent roster, but the
// agent they are assigned to where another column names the person.
func (m *Mapping) settle() {
	if !m.Mapped(Street) && (m.Mapped(City) || m.Mapped(PostalCode)) {
		for i := range m.Columns {
			if m.Columns[i].Field == FullAddress {
				m.Columns[i].Field = Street
			}
		}
	}
	names := 0
	for _, c := range m.Columns {
		if c.Field == FirstName || c.Field == LastName || c.Field == FullName {
			names++
		}
	}
	for i := range m.Columns {
		c := &m.Columns[i]
		if c.Field == FullName && names > 1 && strings.Contains(normHeader(c.Name), "agent") {
			c.Field = OwnerF
		}
	}
}

// pairColumn maps a numbered column ("Phone 2 - Label", "E-mail 1 -
// Value", "Address 1 - City", "Relation 1 - Value") and reports whether
// the header was one.
func pairColumn(c *Column, n string) bool {
	mm := pairRE.FindStringSubmatch(n)
	if mm == nil {
		return false
	}
	kind, num, part := mm[1], mm[2], mm[3]
	c.Pair = kind + num
	label := part == "type" || part == "label"
	switch {
	case kind == "email" || kind == "e-mail":
		c.Field = map[bool]Field{true: EmailType, false: EmailF}[label]
		if part != "" && !label && part != "value" && part != "address" {
			c.Field = Ignore
		}
	case kind == "phone":
		c.Field = map[bool]Field{true: PhoneType, false: PhoneF}[label]
		if part != "" && !label && part != "value" && part != "number" {
			c.Field = Ignore
		}
	case kind == "address":
		if part == "" {
			c.Field = Street // "Address 2": the street's second line
			return true
		}
		// The first address that has anything is the person's; the others
		// are kept as imported.
		c.Group, _ = strconv.Atoi(num)
		c.Field = map[string]Field{"street": Street, "city": City, "region": State, "state": State, "postal code": PostalCode,
			"zip": PostalCode, "zip code": PostalCode, "country": Country, "formatted": FullAddress, "po box": Street,
			"extended address": Street, "value": FullAddress}[part]
	case kind == "organization" && num == "1":
		c.Field = map[string]Field{"name": Brokerage, "title": JobTitle}[part]
	case kind == "relation":
		c.Field = map[bool]Field{true: RelationLabel, false: Relation}[label]
	case kind == "event":
		c.Field = map[bool]Field{true: EventLabel, false: Event}[label]
	}
	return true
}

// guessField maps a header no preset or pattern names, by its words:
// "Valid Cell Phone" and "Phone DNC Status" are not phone numbers, and
// "Spouse Email" is not the person's email.
func guessField(n string) (Field, string) {
	if f, ok := synonyms[n]; ok {
		return f, labelFor(n)
	}
	words := strings.FieldsFunc(n, func(r rune) bool { return r == ' ' || r == '/' || r == '-' || r == '\'' })
	has := func(ws ...string) bool {
		for _, w := range words {
			for _, x := range ws {
				if w == x {
					return true
				}
			}
		}
		return false
	}
	phoneWord := has("phone", "phones", "mobile", "cell", "telephone", "tel", "cellphone")
	emailWord := strings.Contains(n, "email") || strings.Contains(n, "e-mail")
	// "Unsubscribed" alone is a mailing list's word; with a phone word
	// it is about calls and texts.
	channel := phoneWord || has("call", "calls", "calling", "text", "texts", "sms")
	optOut := has("optout", "opted") || strings.Contains(n, "opt out") || strings.Contains(n, "opt-out") ||
		(has("unsubscribed", "unsubscribe") && channel)
	switch {
	case has("fax", "pager", "telex", "isdn", "tty", "assistant", "assistants", "manager", "managers"):
		return Ignore, ""
	case has("spouse", "spouses", "partner", "partners", "wife", "husband"):
		if phoneWord || emailWord {
			return SpouseInfo, ""
		}
		if has("name", "first", "last") {
			return Spouse, ""
		}
		return Ignore, ""
	case has("dnc") || strings.Contains(n, "do not call") || strings.Contains(n, "do not text") ||
		strings.Contains(n, "do not contact") || (optOut && !emailWord):
		return DoNotCall, ""
	case has("phonetic", "yomi", "status", "valid", "verified", "invalid", "type", "label", "count", "date", "ext", "extension",
		"cc", "bcc", "bounced", "country", "code", "subscribed", "unsubscribed", "unsubscribe", "consent", "opt") || optOut:
		return Ignore, ""
	case phoneWord:
		return PhoneF, labelFor(n)
	case emailWord:
		return EmailF, labelFor(n)
	}
	return Ignore, ""
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

// FieldNamed returns the field a name (as --map and the API write it)
// stands for: its own name or its label.
func FieldNamed(name string) (Field, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "", "ignore", "keep", "(keep as imported)", "-":
		return Ignore, true
	}
	for _, f := range Fields {
		if string(f) == n || f.Label() == n || strings.ReplaceAll(string(f), "_", " ") == n {
			return f, true
		}
	}
	return Ignore, false
}

// conflictFields name, as the store's merges do, the fields whose values
// a merge may keep as imported rather than apply.
var conflictFields = map[Field]string{FirstName: "First name", LastName: "Last name", FullName: "First name", Street: "Address",
	FullAddress: "Address", Source: "Source", TimeZone: "Time zone", Notes: "Notes", Brokerage: "Brokerage", Office: "Office",
	MLSID: "MLS id", Birthday: "Birthday", HomeDate: "Home anniversary", LicenceYear: "Licence year",
	CadenceDays: "Keep in touch (days)", OwnerF: "Owner", StageF: "Stage"}

// conflictColumns names the file's column for each field a merge may keep
// (the first column of each).
func (m Mapping) conflictColumns() map[string]string {
	out := map[string]string{}
	for _, c := range m.Columns {
		if name, ok := conflictFields[c.Field]; ok && out[name] == "" {
			out[name] = c.Name
		}
	}
	return out
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
