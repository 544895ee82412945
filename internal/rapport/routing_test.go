package rapport

import (
	"testing"
	"time"
)

func TestRoute(t *testing.T) {
	rules := []RoutingRule{
		{ID: 1, Source: "Zillow", UserIDs: "7,8"},
		{ID: 2, Source: "Open house", UserIDs: "9"},
	}
	agents := []int64{7, 8, 10}
	// Zillow leads alternate between 7 and 8.
	var got []int64
	for i := 0; i < 4; i++ {
		u, r, next := Route(rules, " zillow ", agents, agents, 0)
		if r == nil || r.ID != 1 {
			t.Fatalf("rule = %v", r)
		}
		rules[0].NextIndex = next
		got = append(got, u)
	}
	if got[0] != 7 || got[1] != 8 || got[2] != 7 || got[3] != 8 {
		t.Errorf("zillow turns = %v", got)
	}
	// A rule whose only user left falls through to the default.
	u, r, _ := Route(rules, "Open house", agents, agents, 0)
	if r != nil || u != 7 {
		t.Errorf("open house with user 9 gone: user %d rule %v", u, r)
	}
	// Default round robin among agents.
	next := 0
	got = nil
	for i := 0; i < 4; i++ {
		var u int64
		u, _, next = Route(rules, "Website", agents, agents, next)
		got = append(got, u)
	}
	if got[0] != 7 || got[1] != 8 || got[2] != 10 || got[3] != 7 {
		t.Errorf("default turns = %v", got)
	}
	if u, _, _ := Route(nil, "x", nil, nil, 0); u != 0 {
		t.Errorf("no agents: %d", u)
	}
}

func TestMergeNeverOverwrites(t *testing.T) {
	p := &Person{ID: 1, FirstName: "Maria", Source: "Zillow", Phones: []Phone{{Number: "+13125550142", Label: "mobile"}},
		Emails: []Email{{Address: "maria@example.com"}}, Tags: []string{"buyer"}}
	in := &Person{FirstName: "Mary", LastName: "Lopez", Source: "Realtor.com", City: "Chicago",
		Phones: []Phone{{Number: "+13125550142", Label: "home"}, {Number: "+13125550199"}},
		Emails: []Email{{Address: "maria@example.com"}, {Address: "m.lopez@work.example"}}, Tags: []string{"seller", "buyer"}, DoNotCall: true}
	if !MergeInto(p, in) {
		t.Fatal("nothing merged")
	}
	if p.FirstName != "Maria" || p.LastName != "Lopez" || p.Source != "Zillow" || p.City != "Chicago" || !p.DoNotCall {
		t.Errorf("fields = %+v", p)
	}
	if len(p.Phones) != 2 || p.Phones[0].Label != "mobile" || len(p.Emails) != 2 || len(p.Tags) != 2 {
		t.Errorf("lists = %+v %+v %+v", p.Phones, p.Emails, p.Tags)
	}
	if MergeInto(p, in) {
		t.Error("merging the same record twice changed something")
	}
}

func TestSpeedToLead(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	mk := func(owner int64, src string, mins int) LeadTiming {
		lt := LeadTiming{OwnerID: owner, Source: src, ArrivedAt: at}
		if mins >= 0 {
			lt.FirstAt = at.Add(time.Duration(mins) * time.Minute)
		}
		return lt
	}
	var ts []LeadTiming
	for _, m := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 100} {
		ts = append(ts, mk(7, "Zillow", m))
	}
	ts = append(ts, mk(8, "Website", 30), mk(8, "Website", -1))
	r := SpeedToLead(ts)
	if r.All.Leads != 12 || r.All.Attempted != 11 {
		t.Fatalf("all = %+v", r.All)
	}
	z := r.BySource[0]
	if z.Key != "Zillow" || z.Median != 5*time.Minute || z.P90 != 9*time.Minute {
		t.Errorf("zillow = %+v", z)
	}
	w := r.ByOwner[1]
	if w.OwnerID != 8 || w.Leads != 2 || w.Attempted != 1 || w.Median != 30*time.Minute || w.P90 != 30*time.Minute {
		t.Errorf("owner 8 = %+v", w)
	}
	for d, want := range map[time.Duration]string{45 * time.Second: "45 s", 4 * time.Minute: "4 min", 125 * time.Minute: "2 h 5 min", 72 * time.Hour: "3 days"} {
		if got := Human(d); got != want {
			t.Errorf("Human(%v) = %q, want %q", d, got, want)
		}
	}
}
