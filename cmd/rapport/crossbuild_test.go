package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestBuildsOnOtherSystems type-checks every package, tests included, for
// Windows, where Rapport's code behind build constraints differs most
// (signals, file locks, free disk space, memory maps: the files for
// "unix" are left out). That code is otherwise never compiled where the
// tests run: a Windows build once broke unnoticed when the load bench
// began using SIGUSR1. (About two minutes on a fresh machine, most of it
// compiling the SQLite driver for Windows; darwin and freebsd share the
// unix files and took as long each, so they are not checked here.)
func TestBuildsOnOtherSystems(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the whole module once per system")
	}
	// go test puts its own toolchain's bin first in the PATH.
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build with")
	}
	for _, sys := range [][2]string{{"windows", "amd64"}} {
		if sys[0] == runtime.GOOS {
			continue
		}
		t.Run(sys[0], func(t *testing.T) {
			cmd := exec.Command(gotool, "vet", "./...")
			cmd.Dir = filepath.Join("..", "..")
			cmd.Env = append(os.Environ(), "GOOS="+sys[0], "GOARCH="+sys[1], "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go vet ./... for %s/%s: %v\n%s", sys[0], sys[1], err, out)
			}
		})
	}
}
