package rapport

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Day is a calendar date without a time or a zone, written YYYY-MM-DD. Its
// string order is its chronological order, so it is stored and compared as
// text in both databases.
type Day string

const dayLayout = "2006-01-02"

// DayOf returns the calendar date of t in loc.
func DayOf(t time.Time, loc *time.Location) Day {
	return Day(t.In(loc).Format(dayLayout))
}

// ParseDay parses YYYY-MM-DD.
func ParseDay(s string) (Day, error) {
	s = strings.TrimSpace(s)
	if _, err := time.Parse(dayLayout, s); err != nil {
		return "", fmt.Errorf("%q is not a date (use YYYY-MM-DD)", s)
	}
	return Day(s), nil
}

func (d Day) String() string { return string(d) }

// IsZero reports whether d is unset.
func (d Day) IsZero() bool { return d == "" }

func (d Day) parts() (int, time.Month, int) {
	t, err := time.Parse(dayLayout, string(d))
	if err != nil {
		return 1, 1, 1
	}
	return t.Year(), t.Month(), t.Day()
}

// Start returns midnight at the start of d in loc.
func (d Day) Start(loc *time.Location) time.Time {
	y, m, dd := d.parts()
	return time.Date(y, m, dd, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days after d (before, when n is negative).
func (d Day) AddDays(n int) Day {
	y, m, dd := d.parts()
	return Day(time.Date(y, m, dd+n, 12, 0, 0, 0, time.UTC).Format(dayLayout))
}

// AddMonths returns the same day of the month n months later, clamped to the
// month's last day: a month after 31 January is 28 (or 29) February, not
// 3 March.
func (d Day) AddMonths(n int) Day {
	y, m, dd := d.parts()
	first := time.Date(y, m+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	last := daysIn(first.Year(), first.Month())
	if dd > last {
		dd = last
	}
	return Day(time.Date(first.Year(), first.Month(), dd, 12, 0, 0, 0, time.UTC).Format(dayLayout))
}

// DaysUntil returns the number of calendar days from d to other.
func (d Day) DaysUntil(other Day) int {
	a, _ := time.Parse(dayLayout, string(d))
	b, _ := time.Parse(dayLayout, string(other))
	return int(b.Sub(a).Hours() / 24)
}

// Weekday returns the day of the week of d.
func (d Day) Weekday() time.Weekday {
	t, _ := time.Parse(dayLayout, string(d))
	return t.Weekday()
}

// Format renders d with a time layout, for display.
func (d Day) Format(layout string) string {
	t, err := time.Parse(dayLayout, string(d))
	if err != nil {
		return string(d)
	}
	return t.Format(layout)
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// Anniversary is a recurring date such as a birthday or the day a client
// bought their home. The year may be unknown (zero).
type Anniversary struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseAnniversary accepts YYYY-MM-DD, MM-DD and --MM-DD (the vCard form
// for a date without a year). An empty string is the zero Anniversary.
func ParseAnniversary(s string) (Anniversary, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Anniversary{}, nil
	}
	bad := fmt.Errorf("%q is not a date (use YYYY-MM-DD, or MM-DD when the year is unknown)", s)
	s = strings.TrimPrefix(s, "--")
	parts := strings.Split(s, "-")
	var a Anniversary
	switch len(parts) {
	case 3:
		y, err := strconv.Atoi(parts[0])
		if err != nil || len(parts[0]) != 4 {
			return Anniversary{}, bad
		}
		a.Year = y
		parts = parts[1:]
	case 2:
	default:
		return Anniversary{}, bad
	}
	m, err1 := strconv.Atoi(parts[0])
	d, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || m < 1 || m > 12 || d < 1 {
		return Anniversary{}, bad
	}
	a.Month, a.Day = time.Month(m), d
	limit := 29 // 29 February is a valid date when the year is unknown
	if m != 2 {
		limit = daysIn(2001, time.Month(m))
	} else if a.Year != 0 {
		limit = daysIn(a.Year, time.February)
	}
	if d > limit {
		return Anniversary{}, bad
	}
	if a.Year != 0 && (a.Year < 1900 || a.Year > 2200) {
		return Anniversary{}, bad
	}
	return a, nil
}

// IsZero reports whether the anniversary is unset.
func (a Anniversary) IsZero() bool { return a.Month == 0 }

// MonthDay returns "MM-DD", the form stored for "whose birthday is today?".
func (a Anniversary) MonthDay() string {
	if a.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d-%02d", int(a.Month), a.Day)
}

func (a Anniversary) String() string {
	switch {
	case a.IsZero():
		return ""
	case a.Year == 0:
		return a.MonthDay()
	default:
		return fmt.Sprintf("%04d-%s", a.Year, a.MonthDay())
	}
}

// Display renders the anniversary for people: "23 Nov 1984" or "23 Nov".
func (a Anniversary) Display() string {
	if a.IsZero() {
		return ""
	}
	s := fmt.Sprintf("%d %s", a.Day, a.Month.String()[:3])
	if a.Year != 0 {
		s += fmt.Sprintf(" %d", a.Year)
	}
	return s
}

// MonthDaysFor returns the stored month-day keys that fall on day: in years
// that are not leap years, 29 February anniversaries are kept on 28 February.
func MonthDaysFor(day Day) []string {
	y, m, d := day.parts()
	md := fmt.Sprintf("%02d-%02d", int(m), d)
	if m == time.February && d == 28 && daysIn(y, time.February) == 28 {
		return []string{md, "02-29"}
	}
	return []string{md}
}

// YearsOn returns how many years the anniversary marks on day, or 0 when its
// year is unknown.
func (a Anniversary) YearsOn(day Day) int {
	if a.Year == 0 {
		return 0
	}
	y, _, _ := day.parts()
	return y - a.Year
}
