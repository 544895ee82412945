package importer

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
