// Package runner runs a server's background work — an import a user
// started, the sweeps that keep the database tidy — with one lifecycle:
// everything it runs gets the runner's context, is logged when it fails or
// panics, and is waited for when the server stops. What a job has done so
// far can be reported (an import's rows), for the pages that show it.
//
// Jobs run in this process. Work that several servers share (the outbox
// to come) will take its rows from the database under a lease and run
// here the same way.
package runner

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Runner runs background work until Stop.
type Runner struct {
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// progress is how far running jobs have got, by key.
	progress sync.Map
}

// New returns a runner. Its jobs end at Stop, not when ctx ends: a server
// stops its runner after it has finished the requests in flight, which may
// start jobs; ctx gives its values only.
func New(ctx context.Context, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	return &Runner{log: log, ctx: ctx, cancel: cancel}
}

// Go runs fn once, in the background.
func (r *Runner) Go(name string, fn func(ctx context.Context) error) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.run(name, fn)
	}()
}

// Every runs fn now and then every interval until the runner stops; a
// run that fails is logged and the next one comes as planned.
func (r *Runner) Every(name string, interval time.Duration, fn func(ctx context.Context) error) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			r.run(name, fn)
			select {
			case <-r.ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (r *Runner) run(name string, fn func(ctx context.Context) error) {
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("background job panicked", "job", name, "panic", fmt.Sprint(v))
		}
	}()
	if err := fn(r.ctx); err != nil && r.ctx.Err() == nil {
		r.log.Warn("background job failed", "job", name, "err", err)
	}
}

// SetProgress records how far the job with key has got.
func (r *Runner) SetProgress(key string, n int) { r.progress.Store(key, n) }

// Progress says how far the job with key has got, and whether it runs.
func (r *Runner) Progress(key string) (int, bool) {
	v, ok := r.progress.Load(key)
	if !ok {
		return 0, false
	}
	return v.(int), true
}

// Done forgets the progress of the job with key.
func (r *Runner) Done(key string) { r.progress.Delete(key) }

// Stop tells every job to end and waits for them, until ctx ends; it
// reports whether all of them did.
func (r *Runner) Stop(ctx context.Context) bool {
	r.cancel()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}
