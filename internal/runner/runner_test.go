package runner_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/runner"
)

// TestRunner: jobs run with the runner's context, failures and panics are
// logged without stopping the others, periodic jobs repeat, progress is
// reported, and Stop ends every job and waits for it.
func TestRunner(t *testing.T) {
	var logs bytes.Buffer
	r := runner.New(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)))
	var ticks atomic.Int64
	r.Every("tick", 5*time.Millisecond, func(ctx context.Context) error { ticks.Add(1); return nil })
	r.Go("fails", func(ctx context.Context) error { return errors.New("boom") })
	r.Go("panics", func(ctx context.Context) error { panic("oops") })
	stopped := make(chan struct{})
	r.Go("waits", func(ctx context.Context) error {
		r.SetProgress("import:1", 42)
		<-ctx.Done()
		close(stopped)
		return ctx.Err()
	})
	time.Sleep(50 * time.Millisecond)
	if n, ok := r.Progress("import:1"); !ok || n != 42 {
		t.Errorf("progress = %d, %v", n, ok)
	}
	if !r.Stop(context.Background()) {
		t.Fatal("stop did not wait for every job")
	}
	select {
	case <-stopped:
	default:
		t.Error("a job did not see the runner stop")
	}
	if ticks.Load() < 3 {
		t.Errorf("%d ticks", ticks.Load())
	}
	for _, want := range []string{"job=fails", "boom", "job=panics", "oops"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
	if strings.Contains(logs.String(), "job=waits") {
		t.Errorf("a job that ended with the runner was logged as failed:\n%s", logs.String())
	}
}

// TestStopGivesUp: Stop waits no longer than its context.
func TestStopGivesUp(t *testing.T) {
	r := runner.New(context.Background(), nil)
	release := make(chan struct{})
	r.Go("stuck", func(ctx context.Context) error { <-release; return nil })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if r.Stop(ctx) {
		t.Error("stop said a stuck job ended")
	}
	close(release)
}
