package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A pid file names a process this tool started. Before signalling it, the
// process's command line is checked against what was started, so a pid that
// the kernel reused for something else is never killed.

// readPid returns the pid in path, or 0 if there is no pid file.
func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("samsa-deploy: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("samsa-deploy: %s does not hold a pid: %q", path, b)
	}
	return pid, nil
}

func writePid(path string, pid int) error {
	if err := os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("samsa-deploy: %w", err)
	}
	return nil
}

// cmdline returns the process's arguments, or nil if it does not exist.
func cmdline(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(string(bytes.TrimRight(b, "\x00")), "\x00")
}

// matcher tells whether a command line is the process a pid file means.
type matcher func(args []string) bool

// containsAll matches command lines holding every one of the given words as
// a whole argument.
func containsAll(words ...string) matcher {
	return func(args []string) bool {
		for _, w := range words {
			found := false
			for _, a := range args {
				if a == w {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
}

// livePid returns the pid from path if that process still runs and matches;
// a stale pid file is removed.
func livePid(path string, match matcher) (int, error) {
	pid, err := readPid(path)
	if err != nil || pid == 0 {
		return 0, err
	}
	if args := cmdline(pid); args != nil && match(args) {
		return pid, nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("samsa-deploy: %w", err)
	}
	return 0, nil
}

// alive reports whether pid exists (and is not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		return b[i+2] != 'Z'
	}
	return true
}

// terminate sends SIGTERM to pid and waits up to grace for it to go, then
// sends SIGKILL. It reports whether the kill was needed.
func terminate(ctx context.Context, pid int, grace time.Duration) (killed bool, err error) {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if errors.Is(err, syscall.ESRCH) {
			return false, nil
		}
		return false, fmt.Errorf("samsa-deploy: SIGTERM to %d: %w", pid, err)
	}
	ctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for alive(pid) {
		select {
		case <-ctx.Done():
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				return true, fmt.Errorf("samsa-deploy: SIGKILL to %d: %w", pid, err)
			}
			return true, nil
		case <-tick.C:
		}
	}
	return false, nil
}
