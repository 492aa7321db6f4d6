package harness

import "syscall"

// childAttr puts the child in its own process group (a ^C on the test does
// not hit it twice) and asks the kernel to kill it when the test process
// dies. A non-zero uid runs the child as that user and group, with no
// supplementary groups, so its packets can be told apart by iptables'
// owner match; Go sets the parent-death signal after changing the
// credentials, so it survives the change.
func childAttr(uid uint32) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if uid != 0 {
		a.Credential = &syscall.Credential{Uid: uid, Gid: uid}
	}
	return a
}
