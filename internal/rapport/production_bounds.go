package rapport

import "time"

// The bounds of an agent's production figures. Figures come in several
// ways (a spreadsheet's cells, the production API's JSON, a person's
// form), each reading its numbers as it must and wording its own
// message; all of them hold the figures to these bounds, so that a value
// one way takes is never refused by another.
const (
	// MaxUnits12m is more transactions than any agent closes in a year:
	// a larger figure is a misread column (a volume, a ZIP code).
	MaxUnits12m = 100_000
	// MaxVolume12m, ten trillion, is far above any agent's year and far
	// inside an int64, so that a misread figure is refused rather than
	// wrapped round into a negative one.
	MaxVolume12m = 1e13
	// MaxRank is more agents than any MLS's ranking lists.
	MaxRank = 1_000_000
	// MinLicenceYear is older than any licence still in use.
	MinLicenceYear = 1950
)

// ValidUnits12m reports whether n can be an agent's transactions (units,
// or those of one side) in 12 months.
func ValidUnits12m(n float64) bool { return n >= 0 && n <= MaxUnits12m }

// ValidVolume12m reports whether v can be an agent's volume in 12 months.
func ValidVolume12m(v float64) bool { return v >= 0 && v <= MaxVolume12m }

// ValidRank reports whether n can be a place in a production ranking:
// the first is 1.
func ValidRank(n float64) bool { return n >= 1 && n <= MaxRank }

// ValidLicenceYear reports whether y can be the year an agent was
// licensed, as of now (up to a year ahead).
func ValidLicenceYear(y int, now time.Time) bool {
	return y >= MinLicenceYear && y <= now.Year()+1
}
