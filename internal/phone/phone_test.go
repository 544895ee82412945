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
	for range 2 { // worked out, then remembered
		if got := Display("+13125550142", "US"); got != "(312) 555-0142" {
			t.Errorf("national = %q", got)
		}
		if got := Display("+442079460958", "US"); got != "+44 20 7946 0958" {
			t.Errorf("international = %q", got)
		}
		if got := Display("+442079460958", "GB"); got != "020 7946 0958" {
			t.Errorf("national elsewhere = %q", got)
		}
	}
	if !ValidRegion("us") || ValidRegion("ZZ") {
		t.Error("ValidRegion")
	}
}

func TestNormalizerAgreesWithTheLibrary(t *testing.T) {
	nz := NewNormalizer("US")
	inputs := []string{"(312) 555-0142", "312.555.0142", "+1 312 555 0142", "1-312-555-0142", "3125550142", "+13125550142",
		"(555) 555-0142", "(312) 155-0142", "911", "+44 20 7946 0958", "020 7946 0958", "312-555-0142 x12", "call me",
		"(416) 555-0199", "+1 (800) 555-0199", "(212) 555 0142", "12345678901", "212/555/0142"}
	for i := 0; i < 2; i++ { // the second round answers from the cache
		for _, in := range inputs {
			want, wantErr := Normalize(in, "US")
			got, gotErr := nz.Normalize(in)
			if got != want || (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
				t.Errorf("%q: fast %q %v, library %q %v", in, got, gotErr, want, wantErr)
			}
		}
	}
	gb := NewNormalizer("GB")
	if got, err := gb.Normalize("020 7946 0958"); err != nil || got != "+442079460958" {
		t.Errorf("GB: %q %v", got, err)
	}
	if got, err := gb.Normalize("+1 312 555 0142"); err != nil || got != "+13125550142" {
		t.Errorf("GB, NANP number: %q %v", got, err)
	}
}

func BenchmarkNormalize(b *testing.B) {
	nums := make([]string, 1000)
	for i := range nums {
		nums[i] = "(312) 555-" + string(rune('0'+i%10)) + "142"
	}
	b.Run("library", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			Normalize(nums[i%len(nums)], "US")
		}
	})
	b.Run("normalizer", func(b *testing.B) {
		nz := NewNormalizer("US")
		for i := 0; b.Loop(); i++ {
			nz.Normalize(nums[i%len(nums)])
		}
	})
}
