//go:build !linux

package harness

import "syscall"

// childAttr puts the child in its own process group. Outside Linux there is no
// parent-death signal: a crashed test may leave children behind. A non-zero
// uid runs the child as that user and group.
func childAttr(uid uint32) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true}
	if uid != 0 {
		a.Credential = &syscall.Credential{Uid: uid, Gid: uid}
	}
	return a
}
