//go:build linux

package bench

import (
	"os/exec"
	"syscall"
)

// dieWithBench has the kernel kill cmd's process when the bench's own
// process ends, however it ends (a bench killed with SIGKILL or by its
// terminal would otherwise leave its servers and haproxy running, holding
// their ports). The signal is tied to the thread that starts the process,
// which the Go runtime keeps for as long as the bench runs (it ends only
// threads locked to a goroutine that exits, and the bench locks none).
func dieWithBench(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
