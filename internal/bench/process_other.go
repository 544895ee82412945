//go:build !linux

package bench

import "os/exec"

// dieWithBench does nothing where the kernel cannot tie a child's life to
// its parent's: a bench killed outright leaves its servers to be stopped
// by hand.
func dieWithBench(*exec.Cmd) {}
