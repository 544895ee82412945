package demo

// Word lists for generated people. Names are common in the United States;
// places are around Chicago, where the demo brokerage works.

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Chris", "Karen",
	"Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Donald", "Ashley",
	"Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle", "Kenneth", "Carol",
	"Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca",
	"Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Dorothy", "Jacob", "Amy",
	"Maria", "José", "Priya", "Wei", "Aisha", "Mohammed", "Sofia", "Diego", "Hannah", "Noah",
	"Olivia", "Liam", "Emma", "Ava", "Mateo", "Chloe", "Lucas", "Grace", "Ethan", "Zoe",
	"Tamika", "DeShawn", "Keisha", "Andre", "Yolanda", "Marcus", "Ngozi", "Kwame", "Mei", "Hiroshi",
	"Fatima", "Omar", "Elena", "Dmitri", "Ingrid", "Lars", "Siobhan", "Declan", "Rosa", "Luis",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Kowalski", "Nowak", "O'Brien", "Murphy", "Sullivan", "Patel", "Shah", "Chen", "Wang", "Kim",
	"Okafor", "Mensah", "Haddad", "Nakamura", "Johansson", "Novak", "Rossi", "Bianchi", "Müller", "Núñez",
}

var streets = []string{
	"N Clark St", "W Armitage Ave", "N Halsted St", "W Belmont Ave", "N Damen Ave", "W Division St",
	"N Lincoln Ave", "W Fullerton Pkwy", "S Michigan Ave", "N Milwaukee Ave", "W Irving Park Rd",
	"N Sheridan Rd", "W Roscoe St", "S Prairie Ave", "N Western Ave", "Central St", "Chicago Ave",
}

var cities = []string{
	"Chicago", "Chicago", "Chicago", "Evanston", "Oak Park", "Skokie", "Naperville", "Wilmette",
	"Park Ridge", "Arlington Heights", "Schaumburg", "Oak Brook", "Glenview",
}

var zips = []string{"60614", "60657", "60622", "60647", "60610", "60201", "60302", "60076", "60540", "60091"}

var leadSources = []string{
	"Zillow", "Realtor.com", "Website", "Open house", "Facebook ad", "Google ads", "Sign call",
	"Past client referral", "Sphere referral", "Homes.com",
}

var clientTags = []string{"buyer", "seller", "first-time buyer", "investor", "relocation", "downsizing", "luxury", "condo", "pre-approved"}

var recruitTags = []string{"top producer", "team lead", "new agent", "luxury", "mentor", "unhappy with split"}

var brokerages = []string{
	"Summit Realty Group", "North Shore Properties", "Windy City Homes", "Prairie State Realty",
	"Lakeview Partners", "Heritage Real Estate", "Metro Chicago Brokers", "Keystone Living",
}

var offices = []string{"Lincoln Park", "Lakeview", "Evanston", "Oak Park", "Naperville", "Gold Coast", "Wicker Park", "Schaumburg"}

var clientFacts = map[string][]string{
	"passion": {
		"Sails on Lake Michigan every summer", "Runs the Chicago Marathon", "Restores vintage motorcycles",
		"Plays jazz piano at a club in Uptown", "Coaches her daughter's soccer team", "Bakes sourdough; wants a big kitchen",
		"Grows tomatoes and wants a real garden", "Cycles to work year-round",
	},
	"interest": {
		"Cubs season tickets", "Curious about solar panels", "Follows the restaurant scene in West Loop",
		"Wants to be near the lakefront trail", "Into mid-century modern furniture",
	},
	"fear": {
		"Worried about overpaying in a hot market", "Afraid of losing out on another offer",
		"Nervous about selling before buying", "Concerned about school ratings", "Worried rates will go up again",
		"Scared of a long commute",
	},
	"motivation": {
		"Baby due in March; needs a third bedroom", "New job downtown starting in January",
		"Lease ends June 30", "Kids have left; house feels too big", "Wants to be closer to aging parents",
		"Tired of paying rent",
	},
	"family": {
		"Two kids, 6 and 9", "Married to Sam, a nurse at Northwestern", "Has a golden retriever named Biscuit",
		"Mother lives with them", "Twins starting kindergarten next fall",
	},
	"life_stage": {"Newlyweds", "Empty nesters", "Retiring next year", "Starting a family", "Recently divorced"},
	"preference": {"Texts, never calls before 10am", "Prefers email for documents", "Best reached after 6pm", "Wants a garage"},
}

var recruitFacts = map[string][]string{
	"passion": {
		"Mentors new agents at her office", "Loves the negotiation part of the job", "Volunteers with Habitat for Humanity",
		"Builds his brand on Instagram", "Coaches high-school basketball",
	},
	"interest": {"Curious about our lead program", "Asked about our luxury division", "Wants to build a team"},
	"fear": {
		"Worried about losing her clients in a move", "Afraid of starting over with new systems",
		"Concerned about the cost of switching", "Does not want to let her manager down",
	},
	"motivation": {
		"Her managing broker just left", "Wants a better split to fund retirement", "Frustrated by lack of marketing support",
		"Office is being merged into another", "Wants to build a team and needs support",
	},
	"family":     {"Son just started college", "Husband is also an agent", "Caring for a parent"},
	"life_stage": {"Ten years from retirement", "In her first five years", "Peak production years"},
	"preference": {"Prefers coffee meetings in person", "Only takes calls between showings", "Text first"},
}

var callNotes = []string{
	"Talked about the spring market and what they can afford.",
	"Caught them between meetings; asked to call back next week.",
	"Went through the neighbourhoods they like and why.",
	"Shared recent sales on their street; they were surprised.",
	"Long talk about schools and commute.",
	"They are not ready yet but want to stay in touch.",
	"Discussed timing and the steps to get pre-approved.",
	"Walked through what selling first would look like.",
}

// Promises the other side makes at the end of a call.
var (
	clientPromises  = []string{"send pre-approval letter", "confirm their budget", "share the listing they liked"}
	recruitPromises = []string{"send me their list of agents", "send their production report", "check the notice period in their contract"}
)

var recruitNotes = []string{
	"Said she has no interest in changing brokerages before she retires; acknowledged it and asked what she loves about her office.",
	"Happy where he is; asked what would make next year even better.",
	"Asked about our split and support; set a coffee to talk it through.",
	"Her office just lost its managing broker; she is uneasy.",
	"Gave me the names of three agents I should call.",
}

// competitor is a brokerage the demo brokerage recruits from, with its
// offices as the MLS names them.
type competitor struct {
	name, website, market string
	offices               []office
}

type office struct {
	name, market, street, city, zip, mlsID string
}

// competitors are the brokerages whose agents the demo's hiring manager
// recruits. Office MLS ids are how production reports name the offices.
var competitors = []competitor{
	{"Summit Realty Group", "www.summitrealty.example", "Chicago City", []office{
		{"Summit Realty Group - Lincoln Park", "Chicago City", "2350 N Clark St", "Chicago", "60614", "14021"},
		{"Summit Realty Group - Wicker Park", "Chicago City", "1580 N Milwaukee Ave", "Chicago", "60622", "14022"},
		{"Summit Realty Group - Evanston", "Chicago North Shore", "1603 Orrington Ave", "Evanston", "60201", "14023"},
	}},
	{"North Shore Properties", "www.northshoreproperties.example", "Chicago North Shore", []office{
		{"North Shore Properties - Wilmette", "Chicago North Shore", "1150 Central Ave", "Wilmette", "60091", "22310"},
		{"North Shore Properties - Glenview", "Chicago North Shore", "1825 Glenview Rd", "Glenview", "60025", "22311"},
	}},
	{"Windy City Homes", "www.windycityhomes.example", "Chicago City", []office{
		{"Windy City Homes - Gold Coast", "Chicago City", "100 E Oak St", "Chicago", "60611", "30550"},
		{"Windy City Homes - Lakeview", "Chicago City", "3201 N Broadway", "Chicago", "60657", "30551"},
	}},
	{"Prairie State Realty", "www.prairiestaterealty.example", "Chicago West Suburbs", []office{
		{"Prairie State Realty - Oak Park", "Chicago West Suburbs", "1010 Lake St", "Oak Park", "60301", "41870"},
		{"Prairie State Realty - Naperville", "Chicago West Suburbs", "220 S Washington St", "Naperville", "60540", "41871"},
	}},
}
