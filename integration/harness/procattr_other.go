//go:build !linux

package harness

import "syscall"

// childAttr puts the child in its own process group. Outside Linux there is no
// parent-death signal: a crashed test may leave children behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
