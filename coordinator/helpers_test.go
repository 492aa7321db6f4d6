package coordinator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/coordinator/zktest"
	"github.com/sirupsen/logrus"
)

func TestMain(m *testing.M) {
	code := zktest.Run(m)
	if code == 0 {
		if err := checkLeaks(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// checkLeaks fails when goroutines of this package outlive the tests
// (every test closes its nodes and sessions in cleanups).
func checkLeaks() error {
	var stacks string
	for range 100 {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		leaked := false
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "samsa/coordinator.") && !strings.Contains(g, "checkLeaks") && !strings.Contains(g, "TestMain") {
				leaked = true
			}
		}
		if !leaked {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("leaked goroutines:\n%s", stacks)
}

const testSessionTimeout = 4 * time.Second // ZooKeeper's minimum with tickTime=2000

func testLog(t testing.TB) *logrus.Entry {
	l := logrus.New()
	w := &testWriter{t: t}
	// Registered before the cleanups that close sessions, so it runs after
	// them: a ZooKeeper client goroutine that logs once the test is over
	// is dropped instead of panicking the test binary.
	t.Cleanup(func() { w.done.Store(true) })
	l.Out = w
	l.Level = logrus.DebugLevel
	if testing.Verbose() {
		return logrus.NewEntry(l)
	}
	l.Level = logrus.WarnLevel
	return logrus.NewEntry(l)
}

type testWriter struct {
	t    testing.TB
	done atomic.Bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	if !w.done.Load() {
		w.t.Log(string(p))
	}
	return len(p), nil
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dialZK connects to the test's chroot and closes the session at the end.
func dialZK(t testing.TB, srv *zktest.Server, opts ...DialOption) *ZK {
	t.Helper()
	z, err := Dial(testCtx(t), srv.Connect, testSessionTimeout, testLog(t), opts...)
	if err != nil {
		t.Fatalf("dial %s: %v", srv.Connect, err)
	}
	t.Cleanup(z.Close)
	return z
}

// cutter is a dialer whose connections can be cut and refused, to make the
// server expire a session.
type cutter struct {
	mu      sync.Mutex
	blocked bool
	conns   []net.Conn
}

func (c *cutter) dial(network, addr string, timeout time.Duration) (net.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blocked {
		return nil, errors.New("cutter: blocked")
	}
	conn, err := net.DialTimeout(network, addr, timeout)
	if err == nil {
		c.conns = append(c.conns, conn)
	}
	return conn, err
}

func (c *cutter) cut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.blocked = true
	for _, conn := range c.conns {
		conn.Close()
	}
	c.conns = nil
}

func (c *cutter) restore() {
	c.mu.Lock()
	c.blocked = false
	c.mu.Unlock()
}

// expire cuts the session's connection until the server has expired it,
// then lets the client reconnect (it gets a new session).
func (c *cutter) expire(t testing.TB) {
	t.Helper()
	c.cut()
	// Wait well past the session timeout; this is a wait for the server's
	// expiry, not an assertion on timing.
	time.Sleep(testSessionTimeout + 3*time.Second)
	c.restore()
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
