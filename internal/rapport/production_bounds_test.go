package rapport

import (
	"math"
	"testing"
	"time"
)

func TestProductionBounds(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name  string
		valid func(float64) bool
		ok    []float64
		bad   []float64
	}{
		{"units", ValidUnits12m, []float64{0, 1, 42.5, 100_000}, []float64{-1, 100_000.5, nan, inf}},
		{"volume", ValidVolume12m, []float64{0, 18_450_000, 1e13}, []float64{-0.5, 1e13 + 1, 1e19, nan, inf}},
		{"rank", ValidRank, []float64{1, 2, 1_000_000}, []float64{0, 0.5, -1, 1_000_001, nan}},
	} {
		for _, v := range c.ok {
			if !c.valid(v) {
				t.Errorf("%s %v refused", c.name, v)
			}
		}
		for _, v := range c.bad {
			if c.valid(v) {
				t.Errorf("%s %v taken", c.name, v)
			}
		}
	}
	for y, want := range map[int]bool{1949: false, 1950: true, 2026: true, 2027: true, 2028: false, 0: false} {
		if ValidLicenceYear(y, now) != want {
			t.Errorf("licence year %d: %v", y, !want)
		}
	}
}
