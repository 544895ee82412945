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

// Preset is a known file layout with its defaults.
type Preset struct {
	Name  string
	Label string
	// Kind is what the people of such a file are, unless a column says.
	Kind string
	// Signature columns identify the layout.
	Signature []string
	// Doc says where the layout is documented, for the README and
	// rapport import --fields.
	Doc   string
	exact map[string]Field
	// noise are column values that say nothing (see Column.Noise).
	noise map[string]string
	// groups maps address columns to their field and group.
	groups map[string]grouped
}

type grouped struct {
	field Field
	group int
}

// outlookAddresses are Outlook's home (first), business and other
// addresses.
var outlookAddresses = func() map[string]grouped {
	m := map[string]grouped{}
	for g, prefix := range []string{"home", "business", "other"} {
		for suffix, f := range map[string]Field{"street": Street, "street 2": Street, "street 3": Street, "city": City, "state": State,
			"postal code": PostalCode, "country/region": Country, "country": Country, "address po box": Street} {
			m[prefix+" "+suffix] = grouped{f, g + 1}
		}
	}
	return m
}()

// pairRE reads numbered, labelled columns: Google's "Phone 2 - Label",
// "E-mail 1 - Value", "Relation 1 - Value"; Outlook's "E-mail 2 Address";
// CRM exports' "Phone 1", "Email 2 Type".
var pairRE = regexp.MustCompile(`^(e-?mail|phone|address|organization|website|relation|event|custom field|im) ?(\d+)(?: -)?(?: (type|value|label|formatted|street|city|region|state|postal code|zip|zip code|country|name|title|department|po box|extended address|address|number))?$`)

// Presets are the layouts Rapport knows by name.
var Presets = []Preset{
	{Name: "google", Label: "Google Contacts", Kind: "sphere",
		Doc: "Google Contacts → Export → Google CSV (and its pre-2023 layout with Given Name/Family Name/Group Membership)",
		Signature: []string{"given name", "family name", "e-mail 1 - value", "phone 1 - value", "group membership", "labels", "organization name",
			"file as", "phonetic first name", "e-mail 1 - label", "phone 1 - label", "name prefix", "e-mail 1 - type", "phone 1 - type"},
		exact: map[string]Field{"name": FullName, "given name": FirstName, "family name": LastName, "additional name": MiddleName,
			"first name": FirstName, "last name": LastName, "middle name": MiddleName, "name suffix": NameSuffix, "nickname": Nickname,
			"birthday": Birthday, "notes": Notes, "group membership": Tags, "labels": Tags, "organization name": Brokerage,
			"organization title": JobTitle, "occupation": JobTitle, "hobby": Hobby},
		noise: map[string]string{"file as": "*", "initials": "*", "sensitivity": "Normal", "priority": "Normal", "gender": "Unspecified"}},
	{Name: "outlook", Label: "Outlook", Kind: "sphere",
		Doc:       "Outlook → Export to a file → Comma Separated Values (the 92-column layout Outlook for Windows and Outlook.com write)",
		Signature: []string{"e-mail address", "e-mail 2 address", "mobile phone", "home phone", "business phone", "home street", "categories", "e-mail display name", "business fax", "home country/region"},
		groups:    outlookAddresses,
		exact: map[string]Field{"first name": FirstName, "middle name": MiddleName, "last name": LastName, "suffix": NameSuffix,
			"e-mail address": EmailF, "e-mail 2 address": EmailF, "e-mail 3 address": EmailF, "mobile phone": PhoneF, "home phone": PhoneF,
			"home phone 2": PhoneF, "business phone": PhoneF, "business phone 2": PhoneF, "other phone": PhoneF, "primary phone": PhoneF,
			"car phone": PhoneF, "company main phone": PhoneF, "home street": Street, "home street 2": Street, "home street 3": Street,
			"home city": City, "home state": State, "home postal code": PostalCode, "home country/region": Country, "home country": Country,
			"birthday": Birthday, "anniversary": Anniversary, "notes": Notes, "categories": Tags, "company": Brokerage,
			"job title": JobTitle, "spouse": Spouse, "children": Children, "referred by": ReferredBy, "hobby": Hobby,
			// Numbers that are not the person's own line are kept as
			// imported.
			"business fax": Ignore, "home fax": Ignore, "other fax": Ignore, "pager": Ignore,
			"assistant's phone": Ignore, "callback": Ignore, "isdn": Ignore, "radio phone": Ignore, "tty/tdd phone": Ignore, "telex": Ignore,
			"e-mail type": Ignore, "e-mail 2 type": Ignore, "e-mail 3 type": Ignore, "e-mail display name": Ignore,
			"e-mail 2 display name": Ignore, "e-mail 3 display name": Ignore, "title": Ignore},
		noise: map[string]string{"e-mail type": "*", "e-mail 2 type": "*", "e-mail 3 type": "*", "e-mail display name": "*",
			"e-mail 2 display name": "*", "e-mail 3 display name": "*", "initials": "*", "sensitivity": "Normal", "priority": "Normal",
			"private": "False", "gender": "Unspecified"}},
	{Name: "linkedin", Label: "LinkedIn connections", Kind: "sphere",
		Doc:       "LinkedIn → Settings → Get a copy of your data → Connections (Connections.csv, with a Notes: block above the header)",
		Signature: []string{"url", "position", "connected on"},
		exact: map[string]Field{"first name": FirstName, "last name": LastName, "email address": EmailF, "company": Brokerage,
			"position": JobTitle, "url": Ignore, "connected on": Ignore}},
	{Name: "outlook_de", Label: "Outlook (German)", Kind: "sphere",
		Doc:       "Outlook's CSV export in a German locale (Vorname, Nachname, E-Mail-Adresse, Mobiltelefon, Straße privat…), often semicolon-separated",
		Signature: []string{"vorname", "nachname", "e-mail-adresse", "mobiltelefon", "telefon privat", "straße privat", "ort privat", "postleitzahl privat"}},
	{Name: "follow_up_boss", Label: "Follow Up Boss", Kind: "lead",
		Doc:       "Follow Up Boss people export (Email N / Email N Type, Phone N / Phone N Type, Address 1 …, Background)",
		Signature: []string{"email 1 type", "phone 1 type", "address 1 street", "address 1 zip", "background", "lead source", "assigned to", "stage", "email 1", "phone 1"}},
	{Name: "kvcore", Label: "kvCORE", Kind: "lead",
		Doc:       "kvCORE contact import/export (Primary Address/City/State/Zip, Agent Notes, Hashtag, Spouse Email)",
		Signature: []string{"second email", "spouse email", "cell phone 1", "cell phone 2", "primary address", "primary city", "primary state", "primary zip", "agent notes", "referrer", "hashtag"}},
	{Name: "lofty", Label: "Lofty (Chime)", Kind: "lead",
		Doc:       "Lofty lead import (Mailing Street Address/City/State/Zip Code, Phone DNC Status, Insight)",
		Signature: []string{"phone dnc status", "mailing street address", "mailing city", "mailing state", "mailing zip code", "insight"}},
	{Name: "cinc", Label: "CINC", Kind: "lead",
		Doc:       "CINC lead import (CC Email, Valid Cell Phone, Zip/Postal Code, Insight, Agent Assigned, Pipeline)",
		Signature: []string{"cc email", "valid cell phone", "zip/postal code", "agent assigned", "listing agent", "partner", "pipeline", "insight"},
		exact:     map[string]Field{"listing agent": Ignore, "partner": Spouse}},
	{Name: "sierra", Label: "Sierra Interactive", Kind: "lead",
		Doc:       "Sierra Interactive lead import (Full Name, Secondary Email/Phone, Assigned Agent, Short Summary, Add to Import Note)",
		Signature: []string{"full name", "secondary email", "secondary phone", "assigned agent", "short summary", "add to import note", "lead source"},
		exact:     map[string]Field{"short summary": Notes, "secondary email": EmailF, "secondary phone": PhoneF}},
	{Name: "boomtown", Label: "BoomTown", Kind: "lead",
		Doc:       "BoomTown lead export (layout inferred: Agent, Status, Do Not Call, Email Opt Out, Registered)",
		Signature: []string{"do not call", "email opt out", "registered", "agent"}},
	{Name: "real_geeks", Label: "Real Geeks", Kind: "lead",
		Doc:       "Real Geeks lead manager export (layout inferred: Name, Role, Agent, Status, Address, Created)",
		Signature: []string{"role", "agent", "created"},
		exact:     map[string]Field{"role": KindF}},
	{Name: "liondesk", Label: "LionDesk", Kind: "lead",
		Doc:       "LionDesk contact export (layout inferred: Secondary Email, Office Phone, Address 1/2, Hotness, Unsubscribed)",
		Signature: []string{"secondary email", "office phone", "hotness", "unsubscribed"},
		exact:     map[string]Field{"secondary email": EmailF}},
	{Name: "wise_agent", Label: "Wise Agent", Kind: "lead",
		Doc:       "Wise Agent contact export (layout inferred: Categories, Rank, Spouse First/Last Name, Spouse Email/Phone, Do Not Call)",
		Signature: []string{"rank", "spouse first name", "spouse last name", "spouse phone"},
		exact:     map[string]Field{"rank": Ignore}},
	{Name: "rapport", Label: "Rapport's own export", Kind: "lead",
		Doc:       "the People → Export CSV download of Rapport itself: reads back to the same people",
		Signature: []string{"more emails", "more phones", "phone 1 label", "kept as imported", "home anniversary", "cadence days"},
		exact: map[string]Field{"more emails": EmailF, "more phones": PhoneF, "kept as imported": Ignore, "created": Ignore,
			"cadence days": CadenceDays, "units": Units12m, "volume": Volume12m}},
	{Name: "crm", Label: "Generic CRM export", Kind: "lead",
		Doc:       "a CRM's contact export with one column per field (Rapport's own export reads back this way)",
		Signature: []string{"source", "stage", "tags", "assigned to", "lead source", "owner", "status"},
		exact:     map[string]Field{}},
	{Name: "reso", Label: "RESO Member roster", Kind: "recruit",
		Doc:       "RESO Data Dictionary Member resource, as MLS roster exports name its fields",
		Signature: []string{"membermlsid", "memberfirstname", "memberlastname", "memberemail", "membermobilephone", "officename", "officemlsid"},
		exact: map[string]Field{"membermlsid": MLSID, "memberfirstname": FirstName, "memberlastname": LastName, "membermiddlename": MiddleName,
			"memberfullname": FullName, "memberemail": EmailF, "membermobilephone": PhoneF, "memberofficephone": PhoneF,
			"memberdirectphone": PhoneF, "memberhomephone": PhoneF, "memberpreferredphone": PhoneF, "memberstatelicense": LicenceState,
			"officemlsid": OfficeMLSID, "officename": Office, "memberaddress1": Street, "membercity": City, "memberstateorprovince": State,
			"memberpostalcode": PostalCode, "membercountry": Country, "memberkey": Ignore, "memberstatus": Ignore,
			"memberdesignation": Ignore, "membernickname": Nickname, "officekey": Ignore, "memberaor": Ignore, "memberfax": Ignore}},
	{Name: "production", Label: "MLS production ranking report", Kind: "recruit",
		Doc:       "an MLS or broker-metrics production ranking (rank, agent, office, sides, volume for 12 months)",
		Signature: []string{"rank", "agent", "agent name", "total volume", "total units", "list units", "sell units", "average price", "mls id", "agent id", "office"},
		exact: map[string]Field{"rank": Rank, "agent": FullName, "agent name": FullName, "mls id": MLSID, "agent id": MLSID, "agent mls id": MLSID,
			"office": Office, "office name": Office, "brokerage": Brokerage, "list units": ListUnits, "list sides": ListUnits,
			"sell units": SellUnits, "sell sides": SellUnits, "buy units": SellUnits, "total units": Units12m, "total sides": Units12m,
			"total transactions": Units12m, "total volume": Volume12m, "volume": Volume12m, "average price": Ignore,
			"avg price": Ignore, "list volume": Ignore, "sell volume": Ignore},
		noise: map[string]string{"average price": "*", "avg price": "*", "list volume": "*", "sell volume": "*"}},
}

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

// DetectMapping chooses the preset whose signature the header matches
// best (or none), then maps every column: by the preset's own names, by
// synonyms, and by shape ("Phone 2 - Value", "Home Phone").
func DetectMapping(header []string) Mapping {
	return MapWithPreset(header, DetectPreset(header))
}

// DetectPreset names the preset whose signature the header matches best,
// or "" when none matches at least two of its columns.
func DetectPreset(header []string) string {
	norm := make(map[string]bool, len(header))
	for _, h := range header {
		norm[normHeader(h)] = true
	}
	best, bestScore, bestShare := "", 1, 0.0
	for _, p := range Presets {
		score := 0
		for _, sig := range p.Signature {
			if norm[sig] {
				score++
			}
		}
		// The most columns of its signature, and at equal counts the
		// larger share of them (a short, distinctive signature wins).
		share := float64(score) / float64(len(p.Signature))
		if score > bestScore || score == bestScore && score > 1 && share > bestShare {
			best, bestScore, bestShare = p.Name, score, share
		}
	}
	return best
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

// PresetNames are the presets' names, in order.
func PresetNames() []string {
	out := make([]string, len(Presets))
	for i, p := range Presets {
		out[i] = p.Name
	}
	return out
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
