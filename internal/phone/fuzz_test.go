package phone

import (
	"strings"
	"testing"
)

// FuzzNormalize checks, for any text, that normalising never panics, that
// what it returns is E.164 and normalises to itself, and that the fast
// North American path agrees with the full library.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"(312) 555-0142", "312.555.0142", "+1 312 555 0142", "+44 20 7946 0958", "020 7946 0958",
		"555-01", "call me", "+", "", "1-800-FLOWERS", "(312) 555-0142 x12", "+33 1 42 68 53 00", "００１", "+1 (312) 555-0142"} {
		f.Add(s, "US")
		f.Add(s, "GB")
	}
	n := map[string]*Normalizer{"US": NewNormalizer("US"), "GB": NewNormalizer("GB")}
	f.Fuzz(func(t *testing.T, raw, region string) {
		if region != "US" && region != "GB" {
			region = "US"
		}
		got, err := Normalize(raw, region)
		fast, ferr := n[region].Normalize(raw)
		if (err == nil) != (ferr == nil) || got != fast {
			t.Fatalf("Normalize(%q, %s) = %q, %v; the fast path says %q, %v", raw, region, got, err, fast, ferr)
		}
		if err != nil {
			return
		}
		if len(got) < 3 || got[0] != '+' || strings.Trim(got[1:], "0123456789") != "" {
			t.Fatalf("Normalize(%q) = %q, not E.164", raw, got)
		}
		if again, err := Normalize(got, region); err != nil || again != got {
			t.Fatalf("Normalize(%q) = %q, %v; want it unchanged", got, again, err)
		}
	})
}
