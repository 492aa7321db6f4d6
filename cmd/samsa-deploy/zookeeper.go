package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// quorumPeerMain is the class that runs one ZooKeeper ensemble member.
const quorumPeerMain = "org.apache.zookeeper.server.quorum.QuorumPeerMain"

// zkJars are the jars of Debian's zookeeper package a 3.8 server needs.
func zkJars() []string {
	return []string{"zookeeper.jar", "zookeeper-jute.jar", "netty-all.jar", "slf4j-api.jar", "slf4j-simple.jar"}
}

// zkClasspath is the node's conf dir (ZooKeeper looks for its logging
// configuration there) followed by the ZooKeeper jars.
func zkClasspath(confDir string) (string, error) {
	dir := os.Getenv("ZOOKEEPER_JARS")
	if dir == "" {
		dir = "/usr/share/java"
	}
	cp := []string{confDir}
	for _, jar := range zkJars() {
		p := filepath.Join(dir, jar)
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ZooKeeper is not installed (%w): run `make deps` or `apt-get install -y zookeeper`, or set ZOOKEEPER_JARS", err)
		}
		cp = append(cp, p)
	}
	return strings.Join(cp, ":"), nil
}

func zkMatcher(n node) matcher { return containsAll(quorumPeerMain, n.zooCfgPath()) }

func zkStart(ctx context.Context, o options) error {
	nodes, err := loadNodes(o)
	if err != nil {
		return err
	}
	for _, n := range nodes {
		if _, err := os.Stat(n.zooCfgPath()); err != nil {
			return fmt.Errorf("%s: %w (run samsa-deploy render first)", n.Name, err)
		}
		pid, err := livePid(n.zkPidPath(), zkMatcher(n))
		if err != nil {
			return err
		}
		if pid != 0 {
			fmt.Fprintf(o.stdout, "%s: ZooKeeper already running (pid %d)\n", n.Name, pid)
			continue
		}
		cp, err := zkClasspath(n.configDir())
		if err != nil {
			return err
		}
		argv := []string{"java", "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
			"-Djava.net.preferIPv4Stack=true", "-cp", cp, quorumPeerMain, n.zooCfgPath()}
		pid, err = startDetached(argv, nil, n.zkLogPath())
		if err != nil {
			return fmt.Errorf("%s: %w", n.Name, err)
		}
		if err := writePid(n.zkPidPath(), pid); err != nil {
			return err
		}
		fmt.Fprintf(o.stdout, "%s: ZooKeeper started on %s (pid %d, log %s)\n", n.Name, n.zkClient, pid, n.zkLogPath())
	}
	return nil
}

// startDetached starts argv in its own session with its output appended to
// logPath, and leaves it running when this tool exits.
func startDetached(argv, env []string, logPath string) (int, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return 0, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logFile.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", argv[0], err)
	}
	pid := cmd.Process.Pid
	return pid, cmd.Process.Release()
}

func zkStop(ctx context.Context, o options) error {
	nodes, err := loadNodes(o)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range nodes {
		pid, err := livePid(n.zkPidPath(), zkMatcher(n))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if pid == 0 {
			continue
		}
		killed, err := terminate(ctx, pid, 30*time.Second)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		os.Remove(n.zkPidPath())
		if killed {
			fmt.Fprintf(o.stdout, "%s: ZooKeeper (pid %d) did not stop on SIGTERM and was killed\n", n.Name, pid)
		} else {
			fmt.Fprintf(o.stdout, "%s: ZooKeeper stopped (pid %d)\n", n.Name, pid)
		}
	}
	return errors.Join(errs...)
}

func zkStatus(ctx context.Context, o options) error {
	nodes, err := loadNodes(o)
	if err != nil {
		return err
	}
	serving := 0
	for _, n := range nodes {
		mode, err := zkMode(ctx, n.zkClient)
		if err != nil {
			fmt.Fprintf(o.stdout, "%s %s: not serving (%v)\n", n.Name, n.zkClient, err)
			continue
		}
		serving++
		fmt.Fprintf(o.stdout, "%s %s: Mode: %s\n", n.Name, n.zkClient, mode)
	}
	if serving < len(nodes) {
		return fmt.Errorf("%d of %d ZooKeeper nodes serve", serving, len(nodes))
	}
	return nil
}

// waitEnsemble waits until every node serves and one of them leads.
func waitEnsemble(ctx context.Context, o options, nodes []node) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	last := ""
	for {
		leaders, serving := 0, 0
		var notes []string
		for _, n := range nodes {
			mode, err := zkMode(ctx, n.zkClient)
			switch {
			case err != nil:
				notes = append(notes, fmt.Sprintf("%s: %v", n.Name, err))
			case mode == "leader" || mode == "standalone":
				leaders++
				serving++
			default:
				serving++
			}
		}
		if leaders == 1 && serving == len(nodes) {
			fmt.Fprintf(o.stdout, "ZooKeeper: %d nodes serve, one leads\n", serving)
			return nil
		}
		for _, n := range nodes {
			if pid, _ := readPid(n.zkPidPath()); pid != 0 && !alive(pid) {
				return fmt.Errorf("%s: ZooKeeper (pid %d) exited; last lines of %s:\n%s", n.Name, pid, n.zkLogPath(), tail(n.zkLogPath(), 20))
			}
		}
		last = strings.Join(notes, "; ")
		if err := sleep(ctx, 500*time.Millisecond); err != nil {
			return fmt.Errorf("no ZooKeeper leader after %v (%s): %w", o.timeout, last, err)
		}
	}
}

// zkMode asks a ZooKeeper server for its mode with the srvr four-letter word,
// which ZooKeeper allows by default.
func zkMode(ctx context.Context, addr string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := io.WriteString(conn, "srvr"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		return "", err
	}
	return parseMode(string(b))
}

// parseMode finds "Mode: <mode>" in a srvr answer.
func parseMode(srvr string) (string, error) {
	for _, line := range strings.Split(srvr, "\n") {
		if mode, ok := strings.CutPrefix(line, "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
	}
	if s := strings.TrimSpace(srvr); s != "" {
		return "", errors.New(s)
	}
	return "", errors.New("no answer to srvr")
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// tail returns the last n lines of a log file (read from its last 64 KiB).
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	defer f.Close()
	const window = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		_, _ = f.Seek(st.Size()-window, io.SeekStart)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
