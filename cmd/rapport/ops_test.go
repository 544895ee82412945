package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rapport-crm/rapport/internal/store"
	"github.com/rapport-crm/rapport/internal/store/storetest"
)

// TestSecretsStayOutOfOutput: serve's start-up lines (the configuration
// dump among them) and the error every command prints when the database
// cannot be reached name the database without its password, whether the
// URL carries it in its userinfo or in its query.
func TestSecretsStayOutOfOutput(t *testing.T) {
	const secret = "Qm4secretPW"
	for _, dsn := range []string{
		"postgres://rapport:" + secret + "@127.0.0.1:1/rapport?sslmode=disable&connect_timeout=2",
		"postgres://rapport@127.0.0.1:1/rapport?sslmode=disable&connect_timeout=2&password=" + secret,
		"postgres://rapport:" + secret + "@127.0.0.1:notaport/rapport?sslpassword=" + secret,
	} {
		for _, args := range [][]string{
			{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "debug"},
			{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "debug", "--log-format", "json"},
			{"migrate", "--db", dsn, "--log-level", "debug"},
			{"backup", "--db", dsn, "--out", t.TempDir() + "/b.json.gz"},
		} {
			code, out, errOut := runCmd(t, "", args...)
			if code != 1 {
				t.Errorf("%s: exit %d", args[0], code)
			}
			if strings.Contains(out+errOut, secret) {
				t.Errorf("%s with %s prints the password:\n%s%s", args[0], dsn, out, errOut)
			}
			if !strings.Contains(errOut, "127.0.0.1") {
				t.Errorf("%s: the error does not say which database: %s", args[0], errOut)
			}
		}
	}
}

// serveFor runs serve in this process until it exits or d passes (then it
// is stopped as by SIGTERM), and returns its exit status and output.
func serveFor(t *testing.T, d time.Duration, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var out, errb syncBuffer
	code := run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestSecondServerOnOneSQLiteFileIsRefused: with a server running on a
// SQLite file (a child process), a second rapport serve on the same file
// stops at once with a message naming the file, the process and
// PostgreSQL, without announcing itself; commands such as backup still
// run beside the server; once the first is killed (-9), a server starts.
func TestSecondServerOnOneSQLiteFileIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "one.db")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	first := child(t, "serve", "--db", db, "--addr", addr, "--log-level", "error")
	var ferr bytes.Buffer
	first.Stderr = &ferr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { first.Process.Kill(); first.Wait() }()
	up := false
	for deadline := time.Now().Add(20 * time.Second); !up && time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if res, err := http.Get("http://" + addr + "/healthz"); err == nil {
			res.Body.Close()
			up = res.StatusCode == http.StatusOK
		}
	}
	if !up {
		t.Fatalf("the first server did not start: %s", ferr.String())
	}

	start := time.Now()
	code, out, errOut := serveFor(t, 15*time.Second, "--db", db)
	if code != 1 || time.Since(start) > 10*time.Second {
		t.Fatalf("second server: exit %d after %s\n%s%s", code, time.Since(start), out, errOut)
	}
	abs, _ := filepath.EvalSymlinks(db)
	for _, want := range []string{abs, "already served by process", "PostgreSQL"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the refusal does not say %q: %s", want, errOut)
		}
	}
	if strings.Contains(out, "running") {
		t.Errorf("the refused server announced itself: %s", out)
	}
	if code, _, errOut := runCmd(t, "", "backup", "--db", db, "--out", filepath.Join(dir, "b.json.gz")); code != 0 {
		t.Errorf("backup beside the server: %d %s", code, errOut)
	}

	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	code, out, errOut = serveFor(t, 3*time.Second, "--db", db)
	if code != 0 || !strings.Contains(out, "running at") {
		t.Errorf("a server after the first was killed: %d %s %s", code, out, errOut)
	}
}

// TestServeRefusesADatabaseThatCannotWrite: serve checks that the
// database takes a write before it says it is running, and names the
// database when it does not: a SQLite file opened read-only, a file
// the server's user may not write, a PostgreSQL database that is
// read-only (as a standby is).
func TestServeRefusesADatabaseThatCannotWrite(t *testing.T) {
	want := func(t *testing.T, name string, code int, out, errOut string) {
		t.Helper()
		if code != 1 || strings.Contains(out, "running") {
			t.Errorf("exit %d, output %q", code, out)
		}
		if !strings.Contains(errOut, "cannot be written") || !strings.Contains(errOut, name) {
			t.Errorf("the error does not name %s as unwritable: %s", name, errOut)
		}
	}
	t.Run("sqlite mode=ro", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "ro.db")
		if code, _, errOut := runCmd(t, "", "migrate", "--db", db); code != 0 {
			t.Fatal(errOut)
		}
		code, out, errOut := serveFor(t, 15*time.Second, "--db", "file:"+db+"?mode=ro")
		want(t, db, code, out, errOut)
	})
	t.Run("sqlite read-only file", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("running as root, whom a file's mode does not stop from writing; the mode=ro case covers the check")
		}
		db := filepath.Join(t.TempDir(), "ro.db")
		if code, _, errOut := runCmd(t, "", "migrate", "--db", db); code != 0 {
			t.Fatal(errOut)
		}
		if err := os.Chmod(db, 0o444); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := serveFor(t, 15*time.Second, "--db", db)
		want(t, db, code, out, errOut)
	})
	t.Run("postgres read-only", func(t *testing.T) {
		if os.Getenv(storetest.PostgresEnv) == "" {
			t.Skipf("set %s to run PostgreSQL tests", storetest.PostgresEnv)
		}
		s := storetest.OpenPostgres(t, nil)
		dsn := storetest.ReadOnlyDSN(t, s)
		u, _ := url.Parse(dsn)
		code, out, errOut := serveFor(t, 15*time.Second, "--db", dsn)
		want(t, u.Host, code, out, errOut)
		if pw, ok := u.User.Password(); ok && strings.Contains(errOut, u.User.Username()+":"+pw+"@") {
			t.Errorf("the error shows the password: %s", errOut)
		}
		if s.Dialect() != store.Postgres {
			t.Fatal(s.Dialect())
		}
	})
}
