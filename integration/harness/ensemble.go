package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ZooKeeperJars is where Debian's zookeeper package puts ZooKeeper's jars; the
// environment variable ZOOKEEPER_JARS overrides it.
const ZooKeeperJars = "/usr/share/java"

// zkJars are the jars a ZooKeeper 3.8 server needs, relative to the jar directory.
func zkJars() []string {
	return []string{"zookeeper.jar", "zookeeper-jute.jar", "netty-all.jar", "slf4j-api.jar", "slf4j-simple.jar"}
}

// leaderTimeout bounds the wait for an elected leader. A three-node ensemble
// usually elects one in under ten seconds; a loaded two-core machine can take
// several times that.
const leaderTimeout = 2 * time.Minute

// Ensemble is a running ZooKeeper ensemble of real QuorumPeerMain JVMs.
type Ensemble struct {
	dir   string
	nodes []*zkNode
}

type zkNode struct {
	id         int // myid, 1-based
	host       string
	clientPort int
	dir        string // holds zoo.cfg, data/ and zookeeper.log
	mu         sync.Mutex
	proc       *process // nil before the first start
	stopped    bool     // stopped on purpose by Kill or Stop
	uid        uint32   // run as this uid when not 0
	env        []string // added to the test's environment
}

func (n *zkNode) clientAddr() string {
	return net.JoinHostPort(n.host, strconv.Itoa(n.clientPort))
}
func (n *zkNode) logPath() string { return filepath.Join(n.dir, "zookeeper.log") }

// StartEnsemble starts an n-node ensemble for one test, waits for a leader and
// stops it when the test ends. When the test fails, the tail of each node's
// log is printed.
func StartEnsemble(t testing.TB, n int) *Ensemble {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), leaderTimeout)
	defer cancel()
	e, err := NewEnsemble(ctx, t.TempDir(), n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i := range e.nodes {
				t.Logf("ZooKeeper node %d (%s), last lines of its log:\n%s", i, e.nodes[i].clientAddr(), e.LogTail(i, 15))
			}
		}
		e.Close()
	})
	return e
}

// RunWithEnsemble is TestMain's body for a package that shares one ensemble
// among its tests: it starts an n-node ensemble, stores it in *ensemble, runs
// the tests and stops the ensemble. It returns the exit code for os.Exit.
func RunWithEnsemble(m *testing.M, n int, ensemble **Ensemble) int {
	dir, err := os.MkdirTemp("", "samsa-zk-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), leaderTimeout)
	e, err := NewEnsemble(ctx, dir, n)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer e.Close()
	*ensemble = e
	return m.Run()
}

// EnsembleOpts describes an ensemble for StartEnsembleOpts and
// NewEnsembleOpts. Only Nodes is required.
type EnsembleOpts struct {
	// Nodes is the number of nodes, 1 to 9.
	Nodes int
	// UIDs, when set, holds one uid per node: a node with a non-zero uid
	// runs as that user and group (the test must run as root) and its
	// directory belongs to that uid, so iptables' owner match can tell its
	// packets apart. Missing or 0 entries run as the test's own user.
	UIDs []uint32
	// Env, when set, holds per node further environment entries
	// ("KEY=value"), such as an LD_PRELOAD of libfaketime.
	Env [][]string
}

// StartEnsembleOpts is StartEnsemble with options.
func StartEnsembleOpts(t testing.TB, o EnsembleOpts) *Ensemble {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), leaderTimeout)
	defer cancel()
	e, err := NewEnsembleOpts(ctx, t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i := range e.nodes {
				t.Logf("ZooKeeper node %d (%s), last lines of its log:\n%s", i, e.nodes[i].clientAddr(), e.LogTail(i, 15))
			}
		}
		e.Close()
	})
	return e
}

// NewEnsemble starts an n-node ensemble (1 to 9 nodes) with its files under
// dir and waits until it has a leader. Close stops it.
func NewEnsemble(ctx context.Context, dir string, n int) (*Ensemble, error) {
	return NewEnsembleOpts(ctx, dir, EnsembleOpts{Nodes: n})
}

// NewEnsembleOpts is NewEnsemble with options.
func NewEnsembleOpts(ctx context.Context, dir string, o EnsembleOpts) (*Ensemble, error) {
	n := o.Nodes
	if n < 1 || n > 9 {
		return nil, fmt.Errorf("harness: an ensemble has 1 to 9 nodes, not %d", n)
	}
	jars, err := zooKeeperClasspath()
	if err != nil {
		return nil, err
	}
	e := &Ensemble{dir: dir}
	var servers []string
	for i := range n {
		host := ensembleHost(i)
		ports, err := freePorts(host, 3)
		if err != nil {
			return nil, err
		}
		node := &zkNode{id: i + 1, host: host, clientPort: ports[0], dir: filepath.Join(dir, fmt.Sprintf("zk%d", i+1))}
		if i < len(o.UIDs) {
			node.uid = o.UIDs[i]
		}
		if i < len(o.Env) {
			node.env = o.Env[i]
		}
		e.nodes = append(e.nodes, node)
		servers = append(servers, fmt.Sprintf("server.%d=%s:%d:%d", i+1, host, ports[1], ports[2]))
	}
	for _, node := range e.nodes {
		if err := node.writeConfig(servers); err != nil {
			return nil, err
		}
		if node.uid != 0 {
			if err := giveTo(node.dir, node.uid); err != nil {
				return nil, err
			}
		}
	}
	for _, node := range e.nodes {
		if err := node.start(jars); err != nil {
			e.Close()
			return nil, err
		}
	}
	if err := e.WaitLeader(ctx); err != nil {
		e.Close()
		var logs strings.Builder
		for i, node := range e.nodes {
			fmt.Fprintf(&logs, "\n--- node %d (%s), %s:\n%s", i, node.clientAddr(), node.logPath(), e.LogTail(i, 10))
		}
		return nil, fmt.Errorf("%w%s", err, logs.String())
	}
	return e, nil
}

// zooKeeperClasspath checks that ZooKeeper is installed and returns the classpath.
func zooKeeperClasspath() ([]string, error) {
	dir := os.Getenv("ZOOKEEPER_JARS")
	if dir == "" {
		dir = ZooKeeperJars
	}
	var cp []string
	for _, jar := range zkJars() {
		p := filepath.Join(dir, jar)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("harness: ZooKeeper is not installed (%w); install it with `apt-get install -y zookeeper` (or `make deps`), or set ZOOKEEPER_JARS", err)
		}
		cp = append(cp, p)
	}
	return cp, nil
}

// writeConfig writes the node's zoo.cfg and myid. Ticks are short so that
// session expiry tests run quickly (minimum session timeout = 2 ticks); the
// admin server is off because its fixed port 8080 would clash.
func (n *zkNode) writeConfig(servers []string) error {
	data := filepath.Join(n.dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	lines := []string{
		"tickTime=1000",
		"initLimit=10",
		"syncLimit=5",
		"dataDir=" + data,
		"clientPort=" + strconv.Itoa(n.clientPort),
		"clientPortAddress=" + n.host,
		"maxClientCnxns=0",
		"admin.enableServer=false",
		"4lw.commands.whitelist=*",
	}
	if len(servers) > 1 {
		lines = append(lines, servers...)
	}
	cfg := strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(n.dir, "zoo.cfg"), []byte(cfg), 0o644); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	if err := os.WriteFile(filepath.Join(data, "myid"), []byte(strconv.Itoa(n.id)+"\n"), 0o644); err != nil {
		return fmt.Errorf("harness: %w", err)
	}
	return nil
}

func (n *zkNode) start(jars []string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc != nil && !n.proc.exited() {
		return nil
	}
	argv := []string{
		"java", "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Djava.net.preferIPv4Stack=true",
		"-Dzookeeper.admin.enableServer=false",
		"-cp", strings.Join(append([]string{n.dir}, jars...), string(os.PathListSeparator)),
		"org.apache.zookeeper.server.quorum.QuorumPeerMain",
		filepath.Join(n.dir, "zoo.cfg"),
	}
	p, err := startProcess(argv, append(os.Environ(), n.env...), n.dir, n.logPath(), n.uid)
	if err != nil {
		return err
	}
	n.proc = p
	n.stopped = false
	return nil
}

// halt marks the node stopped on purpose and returns its running process, if any.
func (n *zkNode) halt() *process {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stopped = true
	if n.proc == nil || n.proc.exited() {
		return nil
	}
	return n.proc
}

func (n *zkNode) running() *process {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc == nil || n.proc.exited() {
		return nil
	}
	return n.proc
}

// Connect returns the ensemble's connect string, host:port,host:port,...
// Append Chroot(t) to give a test its own subtree.
func (e *Ensemble) Connect() string {
	return strings.Join(e.Servers(), ",")
}

// Host returns node i's IP address, where it listens for clients and peers.
func (e *Ensemble) Host(i int) string { return e.nodes[i].host }

// UID returns the uid node i runs as, 0 for the test's own.
func (e *Ensemble) UID(i int) uint32 { return e.nodes[i].uid }

// Servers returns each node's client address, node 0 first.
func (e *Ensemble) Servers() []string {
	var s []string
	for _, n := range e.nodes {
		s = append(s, n.clientAddr())
	}
	return s
}

// Kill sends SIGKILL to node i (0-based) and waits for it to die.
func (e *Ensemble) Kill(i int) {
	if p := e.nodes[i].halt(); p != nil {
		p.kill()
	}
}

// Stop stops node i with SIGTERM, killing it if it has not exited in 30 s.
func (e *Ensemble) Stop(i int) {
	if p := e.nodes[i].halt(); p != nil {
		p.stop(30 * time.Second)
	}
}

// Signal sends sig to node i (SIGSTOP and SIGCONT freeze and thaw it).
func (e *Ensemble) Signal(i int, sig syscall.Signal) error {
	if p := e.nodes[i].running(); p != nil {
		return p.signal(sig)
	}
	return fmt.Errorf("harness: ZooKeeper node %d is not running", i)
}

// Start starts node i again on its kept data, after Kill or Stop, and waits
// until it serves as leader or follower.
func (e *Ensemble) Start(ctx context.Context, i int) error {
	jars, err := zooKeeperClasspath()
	if err != nil {
		return err
	}
	if err := e.nodes[i].start(jars); err != nil {
		return err
	}
	return e.waitNode(ctx, i)
}

// Mode asks node i for its mode with the srvr four-letter word: "leader",
// "follower", "standalone", or an error when it does not serve.
func (e *Ensemble) Mode(ctx context.Context, i int) (string, error) {
	return FourLetterMode(ctx, e.nodes[i].clientAddr())
}

// WaitLeader waits until one running node is the leader and every running
// node serves (as leader, follower or standalone).
func (e *Ensemble) WaitLeader(ctx context.Context) error {
	for {
		leaders, serving, running := 0, 0, 0
		var lastErr error
		for i, n := range e.nodes {
			p := n.running()
			if p == nil {
				continue
			}
			running++
			mode, err := e.Mode(ctx, i)
			switch {
			case err != nil:
				lastErr = err
			case mode == "leader" || mode == "standalone":
				leaders++
				serving++
			case mode == "follower":
				serving++
			}
		}
		if running == 0 {
			return errors.New("harness: no ZooKeeper node is running")
		}
		if leaders == 1 && serving == running {
			return nil
		}
		if err := e.checkAlive(); err != nil {
			return err
		}
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("harness: no ZooKeeper leader among %s (last error: %v): %w", e.Connect(), lastErr, err)
		}
	}
}

func (e *Ensemble) waitNode(ctx context.Context, i int) error {
	for {
		mode, err := e.Mode(ctx, i)
		if err == nil && mode != "" {
			return nil
		}
		if e.nodes[i].running() == nil {
			return fmt.Errorf("harness: ZooKeeper node %d exited; log:\n%s", i, e.LogTail(i, 30))
		}
		if err := sleepCtx(ctx, 200*time.Millisecond); err != nil {
			return fmt.Errorf("harness: ZooKeeper node %d does not serve: %w", i, err)
		}
	}
}

// checkAlive fails fast when a node that was never stopped on purpose died
// during startup (a taken port, a missing jar).
func (e *Ensemble) checkAlive() error {
	for i, n := range e.nodes {
		n.mu.Lock()
		p, stopped := n.proc, n.stopped
		n.mu.Unlock()
		if p != nil && !stopped && p.exited() {
			return fmt.Errorf("harness: ZooKeeper node %d (%s) exited; last lines of %s:\n%s", i, n.clientAddr(), n.logPath(), e.LogTail(i, 30))
		}
	}
	return nil
}

// LogTail returns the last lines of node i's log.
func (e *Ensemble) LogTail(i, lines int) string { return tailFile(e.nodes[i].logPath(), lines) }

// Close kills every node. The data stays in the directory given to NewEnsemble.
func (e *Ensemble) Close() {
	for _, n := range e.nodes {
		if p := n.halt(); p != nil {
			p.kill()
		}
	}
}

// FourLetterMode sends ZooKeeper's srvr command to addr and returns the
// "Mode:" it reports. The connection is bounded by ctx and by 5 seconds.
func FourLetterMode(ctx context.Context, addr string) (string, error) {
	out, err := FourLetterWord(ctx, addr, "srvr")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(out, "\n") {
		if mode, ok := strings.CutPrefix(line, "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
	}
	return "", fmt.Errorf("harness: %s does not serve: %q", addr, strings.TrimSpace(out))
}

// FourLetterWord sends one of ZooKeeper's four-letter commands and returns the answer.
func FourLetterWord(ctx context.Context, addr, word string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("harness: %s: %w", word, err)
	}
	defer conn.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	if _, err := io.WriteString(conn, word); err != nil {
		return "", fmt.Errorf("harness: %s: %w", word, err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		return "", fmt.Errorf("harness: %s: %w", word, err)
	}
	return string(b), nil
}

// Chroot returns a chroot path unique to this test, such as
// "/TestCreate_replicated-3f9a1c2e", to append to a connect string.
func Chroot(t testing.TB) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	// Subtest names hold '/', which would make nested znodes.
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, t.Name())
	if len(name) > 80 {
		name = name[:80]
	}
	return "/" + name + "-" + hex.EncodeToString(b[:])
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
