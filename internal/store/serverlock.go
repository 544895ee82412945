package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrServerRunning is the error Open returns, with Options.Exclusive, when
// another process already serves the SQLite file.
var ErrServerRunning = errors.New("another rapport server is using this SQLite database")

// serverLock is an advisory lock on a file beside a SQLite database,
// held by the one server that serves it.
//
// Two servers on one SQLite file would each keep their own rate limits,
// caches and background work, and each would take the other's running
// imports for interrupted. A lock on a file of its own (rather than on
// the database, whose locks are SQLite's) is released by the kernel
// whenever the process ends, a kill -9 included, so a crash never leaves
// a stale lock behind to be cleared by hand. The file is left in place:
// removing it would let a third server lock a new file while the second
// still holds the old one.
type serverLock struct {
	f *os.File
}

// lockPath is the lock file of the SQLite database at path.
func lockPath(path string) string { return path + ".lock" }

// lockServer takes the server lock of the SQLite file at path, or says
// which process holds it.
func lockServer(path string) (*serverLock, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	// Two spellings of one file (a symbolic link, a relative path) must
	// meet at one lock.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	} else if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	name := lockPath(abs)
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("SQLite database %s: cannot create its lock file: %w (the directory must be writable: SQLite keeps its -wal and -shm files there too)", abs, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("SQLite database %s: lock %s: %w", abs, name, err)
	}
	if held {
		b, _ := os.ReadFile(name)
		f.Close()
		who := "another process"
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			who = "process " + strconv.Itoa(pid)
		}
		return nil, fmt.Errorf("%w: %s is already served by %s (it holds %s). One SQLite file takes one server: stop the other one, "+
			"or run several servers on one PostgreSQL database (RAPPORT_DB=postgres://...)", ErrServerRunning, abs, who, name)
	}
	// Who holds it, for the message a second server prints.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &serverLock{f: f}, nil
}

// release gives the lock back.
func (l *serverLock) release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	unlock(f)
	return f.Close()
}
