//go:build unix

package bench

import "syscall"

// proxyStop asks haproxy to finish the requests it is forwarding, log
// them and stop.
var proxyStop = syscall.SIGUSR1
