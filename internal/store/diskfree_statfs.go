//go:build linux || darwin || freebsd

package store

import (
	"path/filepath"
	"syscall"
)

// freeBytes is the space an unprivileged writer has left on the disk
// holding path.
func freeBytes(path string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
		return 0, false
	}
	return uint64(st.Bavail) * uint64(st.Bsize), true
}
