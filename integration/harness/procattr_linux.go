package harness

import "syscall"

// childAttr puts the child in its own process group (a ^C on the test does
// not hit it twice) and asks the kernel to kill it when the test process dies.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
