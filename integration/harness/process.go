package harness

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one child process whose output is appended to a log file.
// Restarting a component starts a new process on the same log file, so the
// file tells the component's whole story.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}

	mu  sync.Mutex
	err error // the result of Wait, valid once done is closed
}

// startProcess starts argv with its standard output and error appended to
// logPath, as uid when uid is not 0. The child is killed if the test
// process dies, so a crashed or timed-out test does not leave JVMs and
// brokers behind.
func startProcess(argv, env []string, dir, logPath string, uid uint32) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("harness: %w", err)
	}
	fmt.Fprintf(logFile, "=== %s harness: starting %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(argv, " "))

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = childAttr(uid)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("harness: start %s: %w", argv[0], err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(logFile, "=== %s harness: %s exited: %v\n", time.Now().Format(time.RFC3339Nano), argv[0], exitText(err))
		logFile.Close()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// signal sends sig to the process; a process that has already exited is not an error.
func (p *process) signal(sig syscall.Signal) error {
	if p.exited() {
		return nil
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("harness: signal %v to pid %d: %w", sig, p.cmd.Process.Pid, err)
	}
	return nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to timeout for the process to exit and returns Wait's error.
func (p *process) wait(timeout time.Duration) (exitErr error, timedOut bool) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.err, false
	case <-timer.C:
		return nil, true
	}
}

// exitErr waits for the exit and returns Wait's error.
func (p *process) exitErr() error {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// kill sends SIGKILL and waits for the exit.
func (p *process) kill() {
	_ = p.signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM, waits up to timeout, then kills. It reports whether
// the process had to be killed.
func (p *process) stop(timeout time.Duration) (exitErr error, killed bool) {
	_ = p.signal(syscall.SIGTERM)
	if err, timedOut := p.wait(timeout); !timedOut {
		return err, false
	}
	p.kill()
	err, _ := p.wait(time.Second)
	return err, true
}

// tailFile returns the last n lines of the file at path (or a note why it cannot).
func tailFile(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(%v)", err)
	}
	defer f.Close()
	// Lines can be long (stack traces): read at most the last 256 KiB.
	const window = 256 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		if _, err := f.Seek(st.Size()-window, io.SeekStart); err != nil {
			return fmt.Sprintf("(%v)", err)
		}
	}
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), window)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
