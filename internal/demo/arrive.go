package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rapport-crm/rapport/internal/rapport"
	"github.com/rapport-crm/rapport/internal/store"
)

// arrivals are the leads the demo's lead source sends while it runs.
var arrivals = []struct{ first, last, source, message string }{
	{"Priya", "Natarajan", "Zillow", "Is the 3-bed on Wilson still available? We'd like to see it this weekend."},
	{"Marcus", "Bell", "Realtor.com", "Relocating for work in March; what's the market like near the lake?"},
	{"Elena", "Sokolova", "Website", "Thinking about selling our condo. What would it list for?"},
	{"Tom", "Reyes", "Facebook ad", "Saw your open house post. First-time buyer, pre-approved."},
}

// ArriveLead posts one new lead to the demo brokerage as its lead source
// would: routed to an agent, who is alerted (the demo's email goes to the
// log) and sees it appear on an open Today.
func ArriveLead(ctx context.Context, db *store.DB, now time.Time) (*rapport.Person, error) {
	org, err := db.OrgBySlug(ctx, OrgSlug)
	if err != nil {
		return nil, err
	}
	a := arrivals[rand.N(len(arrivals))]
	phone := fmt.Sprintf("+1312555%04d", rand.N(10000))
	res, err := db.RecordEvent(ctx, rapport.Actor{Org: org.ID}, &store.EventInput{
		Event:  rapport.Event{DedupeKey: fmt.Sprintf("demo-%d", now.UnixNano()), Type: "Inquiry", Source: a.source, Message: a.message},
		Person: rapport.Person{FirstName: a.first, LastName: a.last, Phones: []rapport.Phone{{Number: phone}}, Source: a.source}})
	if err != nil {
		return nil, err
	}
	return res.Person, nil
}
