package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// The people list reads only the columns its rows show (a brief page):
// each row, listed by name, by a search ranked or newest first, and by a
// tag, still shows the person's name, kind, stage, do-not-call badge,
// first number and email, owner and production.
func TestPeopleListRowsShowEverything(t *testing.T) {
	each(t, func(t *testing.T, h *harness) {
		a := h.org("acme")
		pipes, err := h.db.Pipelines(ctx, rapport.Actor{Org: a.org.ID})
		if err != nil {
			t.Fatal(err)
		}
		var stage rapport.Stage
		for _, p := range pipes {
			if p.Kind == rapport.PipelineRecruiting {
				stage = p.Stages[1]
			}
		}
		rosa := &rapport.Person{FirstName: "Rosa", LastName: "Quintero", Kind: rapport.KindRecruit, StageID: stage.ID, OwnerID: a.agent.ID,
			DoNotCall: true, Units12m: 23, Volume12m: 9_400_000, Source: "Referral", Tags: []string{"top-producer"},
			Phones: []rapport.Phone{{Number: "+13125550177", Label: "mobile"}, {Number: "+13125550178"}},
			Emails: []rapport.Email{{Address: "rosa@quintero.test"}, {Address: "second@quintero.test"}}}
		if err := h.db.CreatePerson(ctx, rapport.Member(a.org, a.owner), rosa); err != nil {
			t.Fatal(err)
		}
		c := h.signedIn(a.owner.Email)
		row := regexp.MustCompile(`(?s)<li>\s*<a class="person-link" href="/people/\d+">.*?</li>`)
		for _, path := range []string{"/people", "/people?q=rosa", "/people?q=quint", "/people?sort=-created&q=rosa", "/people?tag=top-producer"} {
			res := c.get(path)
			rows := row.FindAllString(res.body, -1)
			if len(rows) != 1 {
				t.Fatalf("%s: %d rows: %s", path, len(rows), res.body)
			}
			for _, want := range []string{">RQ<", ">Rosa Quintero<", "kind-recruit", ">" + stage.Name + "<", "Do not call",
				"(312) 555-0177", "rosa@quintero.test", "Agent acme", "23 units, " + rapport.Money(9_400_000)} {
				if !strings.Contains(rows[0], want) {
					t.Errorf("%s: row lacks %q: %s", path, want, rows[0])
				}
			}
		}
	})
}
