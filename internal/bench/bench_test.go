package bench

import (
	"context"
	"testing"
)

func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole benchmark at a small size")
	}
	res, err := Run(context.Background(), Options{People: 3000, Requests: 1000, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if res.ImportRowsPerS <= 0 || res.RawRowsPerS <= 0 || res.SearchP99 <= 0 || res.TodayP99 <= 0 || res.PersonP99 <= 0 ||
		res.APIListP99 <= 0 || res.PeakRSSMB <= 0 {
		t.Fatalf("result = %+v", res)
	}
}
