package phone

import "testing"

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ raw, region, want string }{
		{"(312) 555-0142", "US", "+13125550142"},
		{"312.555.0142", "US", "+13125550142"},
		{"+1 312 555 0142", "GB", "+13125550142"},
		{"1-312-555-0142", "US", "+13125550142"},
		{"020 7946 0958", "GB", "+442079460958"},
		{"(416) 555-0199", "CA", "+14165550199"},
	} {
		got, err := Normalize(tc.raw, tc.region)
		if err != nil || got != tc.want {
			t.Errorf("Normalize(%q, %s) = %q, %v; want %q", tc.raw, tc.region, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "12", "hello", "555-0142", "(312) 555-01423456"} {
		if got, err := Normalize(bad, "US"); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		}
	}
}

func TestDisplay(t *testing.T) {
	if got := Display("+13125550142", "US"); got != "(312) 555-0142" {
		t.Errorf("national = %q", got)
	}
	if got := Display("+442079460958", "US"); got != "+44 20 7946 0958" {
		t.Errorf("international = %q", got)
	}
	if !ValidRegion("us") || ValidRegion("ZZ") {
		t.Error("ValidRegion")
	}
}
