// Package calendar writes a user's calendar feed as iCalendar (RFC 5545):
// their promises and meetings, their call blocks, and their people's
// birthdays and home anniversaries, for a phone's or a computer's
// calendar to subscribe to.
package calendar

import (
	"fmt"
	"io"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// Write writes c as an iCalendar feed. Timed events are in UTC, all-day
// ones are dates; every event's UID is stable (what it is and its id at
// this server), so that a calendar updates it in place, and SEQUENCE
// grows when it changes (a promise kept or cancelled). baseURL makes
// links back to Rapport.
func Write(w io.Writer, c *store.Calendar, baseURL string, now time.Time) error {
	cal := ics.NewCalendarFor("Rapport")
	cal.SetMethod(ics.MethodPublish)
	name := "Rapport"
	if c.User.Name != "" {
		name = "Rapport · " + c.User.Name
	}
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetXWRCalDesc("Promises, meetings, call blocks and the birthdays of your people, from Rapport (" + c.Org.Name + ").")
	cal.SetRefreshInterval("PT15M")
	cal.SetXPublishedTTL("PT15M")
	host := hostOf(baseURL)
	loc := c.User.Location(c.Org)
	stamp := now.UTC()

	for _, p := range c.Promises {
		e := cal.AddEvent(fmt.Sprintf("followup-%d@%s", p.ID, host))
		e.SetDtStampTime(stamp)
		e.SetCreatedTime(p.CreatedAt)
		seq, status := 0, ics.ObjectStatusConfirmed
		summary := p.Label() + ": " + p.Person.Name()
		switch p.Status {
		case rapport.FollowUpDone:
			seq, summary = 1, "✓ "+summary
			e.SetModifiedAt(p.DoneAt)
		case rapport.FollowUpCancelled:
			seq, status = 1, ics.ObjectStatusCancelled
			e.SetModifiedAt(p.CancelledAt)
		}
		e.SetSequence(seq)
		e.SetStatus(status)
		e.SetSummary(clean(summary))
		day := p.DueOn.Start(loc)
		if at, ok := rapport.ParseClock(p.DueTime); ok {
			start := time.Date(day.Year(), day.Month(), day.Day(), at/60, at%60, 0, 0, loc)
			length := 15 * time.Minute
			if p.Kind == rapport.FollowUpMeeting {
				length = time.Hour
			}
			e.SetStartAt(start)
			e.SetEndAt(start.Add(length))
		} else {
			e.SetAllDayStartAt(day)
			e.SetAllDayEndAt(day.AddDate(0, 0, 1))
			e.SetTimeTransparency(ics.TransparencyTransparent)
		}
		link := fmt.Sprintf("%s/people/%d", baseURL, p.Person.ID)
		e.SetURL(link)
		e.SetDescription(clean(describe(&p, link)))
		if len(p.Person.Phones) > 0 {
			e.SetLocation("tel:" + p.Person.Phones[0].Number)
		}
	}

	for _, b := range c.Blocks {
		writeBlock(cal, b, host, loc, now, stamp)
	}

	for _, p := range c.People {
		for _, a := range []struct {
			kind, label string
			when        rapport.Anniversary
		}{{"birthday", "Birthday", p.Birthday}, {"home", "Home anniversary", p.HomeAnniversary}} {
			if a.when.IsZero() {
				continue
			}
			e := cal.AddEvent(fmt.Sprintf("%s-%d@%s", a.kind, p.ID, host))
			e.SetDtStampTime(stamp)
			e.SetSummary(clean(a.label + ": " + p.Name()))
			// The first occurrence: this year's (a 29 February falls on
			// the 28th in other years, as people celebrate it).
			year := now.In(loc).Year()
			if a.when.Year > 0 {
				year = a.when.Year
			}
			day := a.when.Day
			if a.when.Month == time.February && day == 29 && !leap(year) {
				day = 28
			}
			first := time.Date(year, a.when.Month, day, 0, 0, 0, 0, time.UTC)
			e.SetAllDayStartAt(first)
			e.SetAllDayEndAt(first.AddDate(0, 0, 1))
			e.AddRrule("FREQ=YEARLY")
			e.SetTimeTransparency(ics.TransparencyTransparent)
			e.SetURL(fmt.Sprintf("%s/people/%d", baseURL, p.ID))
			e.SetDescription(clean("A reason to call " + p.Name() + "."))
		}
	}
	return cal.SerializeTo(w)
}

// writeBlock writes a weekly call block as recurring events in UTC: one
// series for each stretch of weeks with the same UTC offset, so that a
// 9:00 block stays at 9:00 across a daylight-saving change, from four
// weeks ago to a year ahead.
func writeBlock(cal *ics.Calendar, b rapport.CallBlock, host string, loc *time.Location, now, stamp time.Time) {
	week := rapport.WeekStart(now, loc).AddDate(0, 0, -28)
	type run struct {
		first rapport.BlockTime
		count int
	}
	var runs []run
	for i := 0; i < 56; i++ {
		bt := b.On(week.AddDate(0, 0, 7*i), loc)
		if n := len(runs); n > 0 {
			last := runs[n-1]
			if bt.Start.UTC().Sub(last.first.Start.UTC()) == time.Duration(7*24*last.count)*time.Hour {
				runs[n-1].count++
				continue
			}
		}
		runs = append(runs, run{first: bt, count: 1})
	}
	for _, r := range runs {
		e := cal.AddEvent(fmt.Sprintf("block-%d-%s@%s", b.ID, r.first.Start.UTC().Format("20060102"), host))
		e.SetDtStampTime(stamp)
		e.SetSummary("Call block")
		e.SetDescription("Time set aside for calls. Open Today and start calling.")
		e.SetStartAt(r.first.Start)
		e.SetEndAt(r.first.End)
		e.AddRrule(fmt.Sprintf("FREQ=WEEKLY;COUNT=%d", r.count))
	}
}

// describe is a promise's context: what was promised, how to reach them,
// and what matters to them.
func describe(p *store.CalendarPromise, link string) string {
	var b strings.Builder
	if p.Note != "" {
		b.WriteString(p.Note + "\n\n")
	}
	for _, ph := range p.Person.Phones {
		fmt.Fprintf(&b, "Call: %s%s\n", ph.Number, label(ph.Label))
	}
	if p.Card != nil {
		for _, g := range p.Card.Facts {
			for _, f := range g.Facts {
				fmt.Fprintf(&b, "%s: %s\n", g.Type.Label(), f.Text)
			}
		}
	}
	b.WriteString("\n" + link)
	return strings.TrimSpace(b.String())
}

// clean keeps text a property value can carry: lines end in \n (which
// the writer escapes), never a bare carriage return.
func clean(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func label(l string) string {
	if l == "" {
		return ""
	}
	return " (" + l + ")"
}

func hostOf(baseURL string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(baseURL, "https://"), "http://")
	if i := strings.IndexAny(h, "/:"); i >= 0 {
		h = h[:i]
	}
	if h == "" {
		return "rapport"
	}
	return h
}
