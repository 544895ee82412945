package store

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rapport-crm/rapport/internal/rapport"
)

// TestPutInOrder: people put in the order of their ids, in place, when
// some ids have no one (filtered out) and whatever order they came in.
func TestPutInOrder(t *testing.T) {
	ids := []int64{7, 3, 9, 1, 4, 8}
	for _, came := range [][]int64{{1, 3, 4, 7, 8, 9}, {9, 8, 7, 4, 3, 1}, {4, 9, 1}, {3}, {}, {8, 7, 3, 1}} {
		people := make([]rapport.Person, len(came))
		for i, id := range came {
			people[i] = rapport.Person{ID: id, FirstName: strconv.FormatInt(id, 10)}
		}
		putInOrder(people, ids)
		var got []int64
		for _, p := range people {
			if p.FirstName != strconv.FormatInt(p.ID, 10) {
				t.Errorf("person %d came apart: %+v", p.ID, p)
			}
			got = append(got, p.ID)
		}
		var want []int64
		for _, id := range ids {
			if slices.Contains(came, id) {
				want = append(want, id)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v in the order of %v: %v, want %v", came, ids, got, want)
		}
	}
}

// TestStartsAWord: a token starts a word of the document where the
// document with a space put first holds it with a space put first (what
// hasWordsStarting asked before it stopped copying the document).
func TestStartsAWord(t *testing.T) {
	docs := []string{"", "ana ruiz", "ana  ruiz 312", " lead", "anaruiz", "x ana", "bananas ana", "a", "ruiz-ana"}
	tokens := []string{"", "a", "an", "ana", "ruiz", "iz", "312", "lead", "x", "ana ruiz", " ", "-ana", "s"}
	for _, doc := range docs {
		for _, tok := range tokens {
			want := strings.Contains(" "+doc, " "+tok)
			if got := startsAWord(doc, tok); got != want {
				t.Errorf("startsAWord(%q, %q) = %v, want %v", doc, tok, got, want)
			}
		}
	}
}
