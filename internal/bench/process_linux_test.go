//go:build linux

package bench

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A process the bench starts ends with the bench, even when the bench is
// killed outright: the test binary is run again as a "bench" that starts
// a long sleep the way it starts servers, then is killed.
func TestStartedProcessesDieWithTheBench(t *testing.T) {
	if os.Getenv("RAPPORT_TEST_DIE_WITH_BENCH") == "1" {
		p, err := startProcess("sleeper", "", exec.Command("sleep", "300"))
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("pid", p.cmd.Process.Pid)
		time.Sleep(5 * time.Minute)
		return
	}
	bench := exec.Command(os.Args[0], "-test.run", "^TestStartedProcessesDieWithTheBench$")
	bench.Env = append(os.Environ(), "RAPPORT_TEST_DIE_WITH_BENCH=1")
	out, err := bench.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "pid ") {
		bench.Process.Kill()
		t.Fatalf("the bench said %q (%v)", line, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
	if !alive(pid) {
		t.Fatalf("sleeper %d not running", pid)
	}
	bench.Process.Kill()
	bench.Wait()
	for deadline := time.Now().Add(10 * time.Second); alive(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			exec.Command("kill", "-9", strconv.Itoa(pid)).Run()
			t.Fatalf("sleeper %d outlived the bench", pid)
		}
	}
}

// alive reports whether pid is a running process (a zombie waiting for
// whoever inherited it to reap it has ended).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z'
}
