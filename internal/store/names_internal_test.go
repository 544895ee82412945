package store

import "testing"

func TestNamesCompatible(t *testing.T) {
	for _, c := range []struct {
		a, b [2]string
		want bool
	}{
		{[2]string{"John", "Smith"}, [2]string{"Mary", "Smith"}, false}, // spouses on one phone
		{[2]string{"John", "Smith"}, [2]string{"John", "Smith"}, true},
		{[2]string{"John", "Smith"}, [2]string{"J.", "Smith"}, true},
		{[2]string{"Robert", "Smith"}, [2]string{"Bob", "Smith"}, true},
		{[2]string{"Alexandra", "Kim"}, [2]string{"Alex", "Kim"}, true},
		{[2]string{"John", "Smith"}, [2]string{"John", ""}, true},
		{[2]string{"John", "Smith"}, [2]string{"", "Smith"}, true},
		{[2]string{"John", "Smith"}, [2]string{"", ""}, true},
		{[2]string{"John", "Smith"}, [2]string{"Smith", "John"}, true},
		{[2]string{"John", "Smith"}, [2]string{"John Smith", ""}, true},
		{[2]string{"Mary Smith", ""}, [2]string{"John Smith", ""}, false},
		{[2]string{"John", "Smith"}, [2]string{"John", "Jones"}, false},
		{[2]string{"John & Mary", "Smith"}, [2]string{"Mary", "Smith"}, true},
		{[2]string{"Renée", "Müller"}, [2]string{"Renee", "Muller"}, true},
		{[2]string{"Ana", "García-López"}, [2]string{"Ana", "Garcia"}, true}, // a double name, hyphenated or not
		{[2]string{"Ana", "Garcia Lopez"}, [2]string{"Ana", "Lopez"}, true},
		{[2]string{"Jo", "Smith"}, [2]string{"John", "Smith"}, false},
	} {
		if got := namesCompatible(foldName(c.a[0], c.a[1]), foldName(c.b[0], c.b[1])); got != c.want {
			t.Errorf("%q ~ %q = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := namesCompatible(foldName(c.b[0], c.b[1]), foldName(c.a[0], c.a[1])); got != c.want {
			t.Errorf("%q ~ %q = %v, want %v (reversed)", c.b, c.a, got, c.want)
		}
	}
}
