package integration

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/integration/harness"
)

// rawConn is a bare TCP connection to a broker from a chosen loopback
// source address, for tests of what the broker does with connections
// rather than with requests.
type rawConn struct {
	t    *testing.T
	nc   net.Conn
	r    *bufio.Reader
	corr int32
}

// dialFrom connects to addr from source (a loopback address such as
// 127.0.0.51), so that per-address limits can be told apart.
func dialFrom(t *testing.T, source, addr string) *rawConn {
	t.Helper()
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, source, err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// sendApiVersions writes an ApiVersions v0 request and returns its
// correlation id.
func (c *rawConn) sendApiVersions() int32 {
	c.t.Helper()
	c.corr++
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(0)
	f := kmsg.NewRequestFormatter(kmsg.FormatterClientID("connections-test"))
	if _, err := c.nc.Write(f.AppendRequest(nil, req, c.corr)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	return c.corr
}

// readAnswer reads one response frame within d and checks its correlation
// id; an error means none came (closed, or nothing within d).
func (c *rawConn) readAnswer(corr int32, d time.Duration) error {
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
	var sz [4]byte
	if _, err := io.ReadFull(c.r, sz[:]); err != nil {
		return err
	}
	body := make([]byte, binary.BigEndian.Uint32(sz[:]))
	if _, err := io.ReadFull(c.r, body); err != nil {
		return err
	}
	if got := int32(binary.BigEndian.Uint32(body)); got != corr {
		return fmt.Errorf("correlation id %d, want %d", got, corr)
	}
	return nil
}

// served asserts the connection answers an ApiVersions request.
func (c *rawConn) served() {
	c.t.Helper()
	if err := c.readAnswer(c.sendApiVersions(), 30*time.Second); err != nil {
		c.t.Fatalf("connection from %s not served: %v", c.nc.LocalAddr(), err)
	}
}

// closedByBroker asserts the broker closes the connection (EOF or reset).
func (c *rawConn) closedByBroker(within time.Duration) error {
	_ = c.nc.SetReadDeadline(time.Now().Add(within))
	_, err := c.r.ReadByte()
	var ne net.Error
	switch {
	case err == nil:
		return errors.New("the broker sent a byte instead of closing")
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("still open after %v", within)
	}
	return nil
}

// TestConnectionQuotasPerIP: max.connections.per.ip and its overrides, as
// Kafka 2.4: the connection over the limit is closed at once with an INFO
// line naming the address, the others keep working, and a close makes room.
func TestConnectionQuotasPerIP(t *testing.T) {
	forEachBroker(t, func(t *testing.T, start startFunc) {
		zk := ensemble.Connect() + harness.Chroot(t)
		b := start(t, harness.BrokerOpts{ID: 1, ZK: zk, Props: map[string]string{
			"max.connections.per.ip":           "3",
			"max.connections.per.ip.overrides": "127.0.0.52:5,localhost:50",
		}})
		harness.WaitCluster(t, zk, 1)
		perIPScenario(t, b)
	})
}

// startFunc starts a broker: Samsa's or Apache Kafka's.
type startFunc func(testing.TB, harness.BrokerOpts) *harness.Broker

// forEachBroker runs f against Samsa's broker and, when its jars are
// cached, Apache Kafka 2.4.1's, so both must behave as the test says.
func forEachBroker(t *testing.T, f func(*testing.T, startFunc)) {
	t.Run("samsa", func(t *testing.T) { f(t, harness.StartBroker) })
	t.Run("kafka", func(t *testing.T) {
		if _, err := harness.KafkaLibs(); err != nil {
			t.Skip(err)
		}
		f(t, harness.StartKafkaBroker)
	})
}

func perIPScenario(t *testing.T, b *harness.Broker) {
	tests := []struct {
		source string
		limit  int
	}{
		{"127.0.0.51", 3}, // the default
		{"127.0.0.52", 5}, // an override by address
		{"127.0.0.53", 3},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			var conns []*rawConn
			for range tt.limit {
				c := dialFrom(t, tt.source, b.Addr())
				c.served()
				conns = append(conns, c)
			}
			over := dialFrom(t, tt.source, b.Addr())
			if err := over.closedByBroker(30 * time.Second); err != nil {
				t.Fatalf("connection %d from %s: %v", tt.limit+1, tt.source, err)
			}
			want := fmt.Sprintf("INFO Rejected connection from /%s, address already has the configured maximum of %d connections. (kafka.network.Acceptor)", tt.source, tt.limit)
			eventually(t, 10*time.Second, "the rejection is logged", func() error {
				if !strings.Contains(b.LogTail(400), want) {
					return fmt.Errorf("no line %q", want)
				}
				return nil
			})
			for _, c := range conns {
				c.served()
			}
			// Closing one frees its slot once the broker has seen the close.
			_ = conns[0].nc.Close()
			eventually(t, 30*time.Second, "a new connection is served after one closed", func() error {
				c := dialFrom(t, tt.source, b.Addr())
				defer c.nc.Close()
				return c.readAnswer(c.sendApiVersions(), 5*time.Second)
			})
		})
	}
}

// TestConnectionQuotasMaxConnections: over max.connections the broker
// stops accepting (the client waits in the backlog) until a connection
// closes, as Kafka 2.4's acceptor does.
func TestConnectionQuotasMaxConnections(t *testing.T) {
	forEachBroker(t, maxConnectionsScenario)
}

func maxConnectionsScenario(t *testing.T, start startFunc) {
	const limit = 6
	zk := ensemble.Connect() + harness.Chroot(t)
	b := start(t, harness.BrokerOpts{ID: 1, ZK: zk, Props: map[string]string{
		"max.connections": strconv.Itoa(limit),
	}})
	harness.WaitCluster(t, zk, 1)
	// The broker's own controller connection counts too, so find how many
	// are served before one waits.
	var served []*rawConn
	var waiting *rawConn
	var waitingCorr int32
	for i := 0; i <= limit; i++ {
		c := dialFrom(t, "127.0.0.54", b.Addr())
		corr := c.sendApiVersions()
		if err := c.readAnswer(corr, 3*time.Second); err != nil {
			waiting, waitingCorr = c, corr
			break
		}
		served = append(served, c)
	}
	if waiting == nil {
		t.Fatalf("%d connections were all served with max.connections=%d", limit+1, limit)
	}
	if len(served) == 0 {
		t.Fatal("no connection was served")
	}
	t.Logf("%d connections served before one waited (max.connections=%d)", len(served), limit)
	// A connection that is not even accepted cannot be refused per address:
	// the one waiting is answered as soon as a slot frees.
	_ = served[0].nc.Close()
	if err := waiting.readAnswer(waitingCorr, 30*time.Second); err != nil {
		t.Fatalf("the waiting connection was not served after a slot freed: %v", err)
	}
}

// floodKind is one way a connection can hold the broker's resources
// without ever completing a request.
type floodKind struct {
	name  string
	bytes []byte // written once after connecting
}

func floodKinds() []floodKind {
	declared := func(n uint32, sent int) []byte {
		b := binary.BigEndian.AppendUint32(nil, n)
		return append(b, make([]byte, sent)...)
	}
	return []floodKind{
		{"idle", nil},
		{"half a size prefix", []byte{0, 0}},
		{"largest allowed request declared, 100 bytes sent", declared(104857600, 100)},
		{"1 MiB declared, a header's worth sent", declared(1<<20, 10)},
		{"16 KiB declared, half sent", declared(16<<10, 8<<10)},
	}
}

// brokerProc reads a broker process's resident set and open descriptors.
type brokerProc struct {
	t   *testing.T
	pid int
}

func (p brokerProc) rssMiB() float64 {
	p.t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.pid))
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	p.t.Fatalf("no VmRSS for pid %d", p.pid)
	return 0
}

func (p brokerProc) fds() int {
	p.t.Helper()
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.pid))
	if err != nil {
		p.t.Fatal(err)
	}
	return len(es)
}

// TestConnectionFlood opens hundreds of connections that never finish a
// request (idle, half a size prefix, a huge declared size with a few bytes
// sent) while a producer and a consumer keep working. The well-behaved
// client must see every record, the broker's memory must not grow with the
// declared sizes, and connections.max.idle.ms must close every flooding
// connection, giving back their descriptors.
func TestConnectionFlood(t *testing.T) {
	const perKind = 80 // connections of each kind, 400 in all
	zk := ensemble.Connect() + harness.Chroot(t)
	b := harness.StartBroker(t, harness.BrokerOpts{ID: 1, ZK: zk, Props: map[string]string{
		"connections.max.idle.ms": "8000",
	}})
	harness.WaitCluster(t, zk, 1)
	proc := brokerProc{t: t, pid: pidOf(t, b.PropertiesPath())}

	const topic = "flood"
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if resp, err := kadm.NewClient(cl).CreateTopic(ctx, 3, 1, nil, topic); err != nil || resp.Err != nil {
		t.Fatalf("create topic: %v %v", err, resp.Err)
	}
	w := startWellBehaved(t, b.Addr(), topic)
	w.waitProduced(30)
	rssBefore, fdsBefore := proc.rssMiB(), proc.fds()

	var flood []*rawConn
	for i, k := range floodKinds() {
		// One source address per kind, so that no per-address limit (the
		// default is unlimited) hides anything.
		source := fmt.Sprintf("127.0.0.%d", 61+i)
		for range perKind {
			c := dialFrom(t, source, b.Addr())
			if len(k.bytes) > 0 {
				if _, err := c.nc.Write(k.bytes); err != nil {
					t.Fatalf("%s: write: %v", k.name, err)
				}
			}
			flood = append(flood, c)
		}
	}
	// Over socket.request.max.bytes: closed at once, before any allocation.
	tooBig := dialFrom(t, "127.0.0.69", b.Addr())
	if _, err := tooBig.nc.Write(binary.BigEndian.AppendUint32(nil, 104857601)); err != nil {
		t.Fatal(err)
	}
	if err := tooBig.closedByBroker(30 * time.Second); err != nil {
		t.Errorf("a request over socket.request.max.bytes: %v", err)
	}

	// The well-behaved client keeps working while every flooding
	// connection is open.
	w.waitProduced(producedTotal(w) + 30)
	eventually(t, 30*time.Second, "the broker holds every flooding connection", func() error {
		if n := proc.fds(); n < fdsBefore+len(flood) {
			return fmt.Errorf("%d descriptors, want at least %d", n, fdsBefore+len(flood))
		}
		return nil
	})
	rssDuring := proc.rssMiB()

	// connections.max.idle.ms closes every one of them.
	for i, c := range flood {
		if err := c.closedByBroker(time.Minute); err != nil {
			t.Fatalf("flooding connection %d (%s): %v", i, floodKinds()[i/perKind].name, err)
		}
	}
	eventually(t, 30*time.Second, "the broker gives back the flooding connections' descriptors", func() error {
		if n := proc.fds(); n > fdsBefore+10 {
			return fmt.Errorf("%d descriptors, %d before the flood", n, fdsBefore)
		}
		return nil
	})
	w.waitProduced(producedTotal(w) + 30)
	rssAfter := proc.rssMiB()
	w.check()

	t.Logf("broker RSS: %.1f MiB before the flood, %.1f MiB with %d flooding connections open, %.1f MiB after they were closed (descriptors %d before, %d after)",
		rssBefore, rssDuring, len(flood), rssAfter, fdsBefore, proc.fds())
	// The declared sizes add up to over 8 GiB: the broker must hold only
	// what was sent, a few KiB per connection.
	if grew := rssDuring - rssBefore; grew > 64 {
		t.Errorf("RSS grew by %.1f MiB with %d flooding connections open", grew, len(flood))
	}
}

// producedTotal is how many records the well-behaved producer has written.
func producedTotal(w *wellBehaved) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, vs := range w.produced {
		n += len(vs)
	}
	return n
}
