package rapport

import "testing"

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "",
		"  Zoë   Saldaña ":     "zoe saldana",
		"Seán O'Brien":         "sean obrien",
		"D’Angelo":             "dangelo",
		"Jean-Luc  Picard, Jr": "jean luc picard jr",
		"(312) 555-0142":       "312 555 0142",
		"ÅNGSTRÖM":             "angstrom",
		"--":                   "",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
