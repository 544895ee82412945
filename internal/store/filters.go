package store

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// ParsePeopleFilter reads a people filter from a query, as the people
// list, its exports, the API and saved lists write it: q, kind, stage,
// owner ("me" is me), tag, archived, unknown (a fact type), min_units,
// quiet_days, sort, cursor, limit. What cannot be read is left out of the
// filter and named in the error (field by field), so that a page may
// show the rest and an API call may refuse it.
func ParsePeopleFilter(q url.Values, me int64) (PeopleFilter, error) {
	fe := rapport.FieldErrors{}
	f := PeopleFilter{Query: strings.TrimSpace(q.Get("q")), Tag: q.Get("tag"), Sort: q.Get("sort"), Cursor: q.Get("cursor"),
		Archived: q.Get("archived") == "1" || q.Get("archived") == "true"}
	if k := rapport.Kind(q.Get("kind")); k != "" {
		if k.Valid() {
			f.Kind = k
		} else {
			fe.Add("kind", "Use lead, client, sphere or recruit.")
		}
	}
	if t := rapport.FactType(q.Get("unknown")); t != "" {
		if t.Valid() {
			f.Unknown = t
		} else {
			fe.Add("unknown", "Use a kind of fact: passion, fear, motivation, …")
		}
	}
	id := func(name string) int64 {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return 0
		}
		if name == "owner" && v == "me" {
			return me
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			fe.Add(name, "Use an id (a whole number).")
			return 0
		}
		return n
	}
	f.StageID, f.OwnerID = id("stage"), id("owner")
	num := func(name string, max int) int {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > max {
			fe.Add(name, "Use a whole number from 0 to "+strconv.Itoa(max)+".")
			return 0
		}
		return n
	}
	f.MinUnits, f.QuietDays = num("min_units", 100000), num("quiet_days", 3650)
	if v := q.Get("limit"); v != "" {
		f.Limit = num("limit", 200)
	}
	return f, fe.Err()
}

// filterQuery is the part of a query that selects people (not which page,
// not how many): what a saved list keeps.
func filterQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"q", "kind", "stage", "owner", "tag", "archived", "unknown", "min_units", "quiet_days", "sort"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out
}
