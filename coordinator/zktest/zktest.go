package zktest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is one test's view of the shared ZooKeeper server.
type Server struct {
	// Addr is host:port of the server.
	Addr string
	// Chroot is this test's private chroot, e.g. "/t-3f2a9c01".
	Chroot string
	// Connect is Addr followed by Chroot: a Kafka zookeeper.connect string.
	Connect string

	proc *process
}

// process is the running JVM.
type process struct {
	addr string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// shared holds the one server of this test binary. It is package state by
// necessity: the point is to share one JVM between all tests of a package.
var shared struct {
	mu   sync.Mutex
	proc *process
	err  error
}

// Main runs the tests, stops the shared server and exits.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run runs the tests and stops the shared server; it returns m.Run's code,
// for a TestMain that checks more before exiting.
func Run(m *testing.M) int {
	code := m.Run()
	shared.mu.Lock()
	if shared.proc != nil {
		shared.proc.stop()
		shared.proc = nil
	}
	shared.mu.Unlock()
	return code
}

// Start returns the shared server (starting it on first use) with a fresh
// chroot for the calling test. It fails the test when ZooKeeper cannot run.
func Start(t testing.TB) *Server {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.proc == nil && shared.err == nil {
		shared.proc, shared.err = startProcess()
	}
	if shared.err != nil {
		t.Fatalf("%v", shared.err)
	}
	select {
	case <-shared.proc.done:
		t.Fatalf("zktest: the ZooKeeper server exited; see %s", filepath.Join(shared.proc.dir, "zookeeper.log"))
	default:
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("zktest: random chroot: %v", err)
	}
	chroot := "/t-" + hex.EncodeToString(b[:])
	return &Server{Addr: shared.proc.addr, Chroot: chroot, Connect: shared.proc.addr + chroot, proc: shared.proc}
}

// Logs returns the server's log output, for diagnosing a failed test.
func (s *Server) Logs() string {
	b, _ := os.ReadFile(filepath.Join(s.proc.dir, "zookeeper.log"))
	return string(b)
}

// jarGroups lists, per needed library, the jar file names that provide it,
// in order of preference. Debian installs unversioned symlinks; versioned
// names and other layouts are accepted as well.
var jarGroups = []struct {
	required bool
	names    []string
}{
	{true, []string{"zookeeper.jar", "zookeeper-3.8.0.jar", "zookeeper-server.jar"}},
	{true, []string{"zookeeper-jute.jar", "zookeeper-jute-3.8.0.jar"}},
	{false, []string{"netty-all.jar"}},
	{false, []string{"netty-handler.jar"}},
	{false, []string{"netty-transport.jar"}},
	{false, []string{"netty-common.jar"}},
	{false, []string{"netty-buffer.jar"}},
	{false, []string{"netty-codec.jar"}},
	{false, []string{"netty-resolver.jar"}},
	{false, []string{"netty-transport-native-epoll.jar"}},
	{false, []string{"netty-transport-native-unix-common.jar"}},
	{true, []string{"slf4j-api.jar", "slf4j-api-1.7.32.jar"}},
	{false, []string{"slf4j-simple.jar", "slf4j-nop.jar", "slf4j-log4j12.jar"}},
	{false, []string{"metrics-core.jar"}},
	{false, []string{"snappy-java.jar"}},
	{false, []string{"commons-cli.jar"}},
	{false, []string{"audience-annotations.jar"}},
}

var jarDirs = []string{"/usr/share/java", "/usr/share/zookeeper", "/usr/share/zookeeper/lib", "/usr/lib/zookeeper/lib"}

const installHint = "install Debian's zookeeper package (apt-get install zookeeper), which provides Java and the ZooKeeper 3.8 jars"

func classpath() ([]string, error) {
	var cp []string
	for _, g := range jarGroups {
		found := ""
	search:
		for _, dir := range jarDirs {
			for _, n := range g.names {
				p := filepath.Join(dir, n)
				if _, err := os.Stat(p); err == nil {
					found = p
					break search
				}
			}
		}
		if found == "" {
			if g.required {
				return nil, fmt.Errorf("zktest: none of %v found in %v: %s", g.names, jarDirs, installHint)
			}
			continue
		}
		cp = append(cp, found)
	}
	return cp, nil
}

func startProcess() (*process, error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("zktest: java not found in PATH: %s", installHint)
	}
	jars, err := classpath()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		p, err := tryStart(java, jars)
		if err == nil {
			return p, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func pickAddr() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(21))
	if err != nil {
		return "", err
	}
	host := "127.0.0." + strconv.Itoa(40+int(n.Int64()))
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close()
	return addr, nil
}

func tryStart(java string, jars []string) (*process, error) {
	addr, err := pickAddr()
	if err != nil {
		return nil, fmt.Errorf("zktest: pick address: %w", err)
	}
	host, port, _ := net.SplitHostPort(addr)
	dir, err := os.MkdirTemp("", "zktest-")
	if err != nil {
		return nil, fmt.Errorf("zktest: %w", err)
	}
	cfg := strings.Join([]string{
		"tickTime=2000",
		"dataDir=" + filepath.Join(dir, "data"),
		"clientPort=" + port,
		"clientPortAddress=" + host,
		"admin.enableServer=false",
		"4lw.commands.whitelist=*",
		"maxClientCnxns=0",
		// Tests create and drop many small chroots; keep the server from
		// snapshotting constantly.
		"snapCount=100000",
		"",
	}, "\n")
	cfgPath := filepath.Join(dir, "zoo.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, fmt.Errorf("zktest: %w", err)
	}
	logf, err := os.Create(filepath.Join(dir, "zookeeper.log"))
	if err != nil {
		return nil, fmt.Errorf("zktest: %w", err)
	}
	cp := append([]string{dir}, jars...)
	cmd := exec.Command(java,
		"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
		"-Dzookeeper.admin.enableServer=false",
		"-cp", strings.Join(cp, ":"),
		"org.apache.zookeeper.server.ZooKeeperServerMain", cfgPath)
	cmd.Stdout = logf
	cmd.Stderr = logf
	// The JVM must not outlive the test binary, even if it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("zktest: start java: %w", err)
	}
	p := &process{addr: addr, dir: dir, cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			log, _ := os.ReadFile(filepath.Join(dir, "zookeeper.log"))
			return nil, fmt.Errorf("zktest: ZooKeeper exited at startup (%s); log:\n%s", cmd.ProcessState, tail(string(log), 3000))
		default:
		}
		if fourLetter(addr, "ruok") == "imok" {
			return p, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("zktest: ZooKeeper at %s did not answer ruok within 60s", addr)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// fourLetter sends a ZooKeeper four-letter command and returns the answer.
func fourLetter(addr, cmd string) string {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(cmd)); err != nil {
		return ""
	}
	var sb strings.Builder
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		sb.WriteString(line)
		if err != nil {
			break
		}
	}
	return strings.TrimSpace(sb.String())
}

func (p *process) stop() {
	if p.cmd.Process != nil {
		p.cmd.Process.Kill()
	}
	<-p.done
	os.RemoveAll(p.dir)
}
