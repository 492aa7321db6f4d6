package broker

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/protocol"
)

// rawFrame builds a request frame with an arbitrary key and version.
func rawFrame(key, version int16, body []byte) []byte {
	var b []byte
	b = kbin.AppendInt16(b, key)
	b = kbin.AppendInt16(b, version)
	b = kbin.AppendInt32(b, 7)
	b = kbin.AppendNullableString(b, kmsg.StringPtr("test"))
	b = append(b, body...)
	out := binary.BigEndian.AppendUint32(nil, uint32(len(b)))
	return append(out, b...)
}

// TestGarbageClosesOnlyThatConnection feeds bad input on fresh connections
// while one healthy connection keeps working between each.
func TestGarbageClosesOnlyThatConnection(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Socket.RequestMaxBytes = 1 << 20 })
	good := h.dial()
	tests := []struct {
		name  string
		bytes []byte
	}{
		{"http request", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"huge length prefix", []byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3}},
		{"negative length prefix", []byte{0xff, 0xff, 0xff, 0xf0, 1, 2, 3}},
		{"random bytes in a frame", append([]byte{0, 0, 0, 12}, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5)},
		{"unknown key", rawFrame(1000, 0, nil)},
		{"key kmsg knows but we do not serve", rawFrame(17, 1, nil)},
		{"produce version below our minimum", rawFrame(0, 2, nil)},
		{"metadata version above our maximum", rawFrame(3, 10, nil)},
		{"truncated body", rawFrame(3, 1, []byte{0, 0, 0, 5})},
		{"header cut short", []byte{0, 0, 0, 3, 0, 3, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := h.dial()
			if _, err := bad.nc.Write(tt.bytes); err != nil {
				t.Fatalf("write: %v", err)
			}
			bad.expectClosed()
			resp := good.do(kmsg.NewPtrApiVersionsRequest(), 3).(*kmsg.ApiVersionsResponse)
			if resp.ErrorCode != 0 || len(resp.ApiKeys) == 0 {
				t.Fatalf("healthy connection: error %d, %d keys", resp.ErrorCode, len(resp.ApiKeys))
			}
		})
	}
}

// TestApiVersionsTooNew: Kafka answers v0 with UNSUPPORTED_VERSION and the
// table, and keeps the connection.
func TestApiVersionsTooNew(t *testing.T) {
	h := newHarness(t, nil)
	for _, v := range []int16{4, 100} {
		t.Run(fmt.Sprint("v", v), func(t *testing.T) {
			c := h.dial()
			if _, err := c.nc.Write(rawFrame(18, v, []byte{0, 0, 0})); err != nil {
				t.Fatal(err)
			}
			req := kmsg.NewPtrApiVersionsRequest()
			req.SetVersion(0)
			resp, err := c.read(req, 7)
			if err != nil {
				t.Fatal(err)
			}
			av := resp.(*kmsg.ApiVersionsResponse)
			if av.ErrorCode != kerr.UnsupportedVersion.Code {
				t.Fatalf("error code %d, want %d", av.ErrorCode, kerr.UnsupportedVersion.Code)
			}
			if !hasKey(av, 18, 0, 3) {
				t.Fatalf("table lacks ApiVersions 0-3: %+v", av.ApiKeys)
			}
			// The connection stays usable.
			ok := c.do(kmsg.NewPtrApiVersionsRequest(), 3).(*kmsg.ApiVersionsResponse)
			if ok.ErrorCode != 0 {
				t.Fatalf("retry at v3: error %d", ok.ErrorCode)
			}
		})
	}
}

func hasKey(r *kmsg.ApiVersionsResponse, key, min, max int16) bool {
	for _, k := range r.ApiKeys {
		if k.ApiKey == key {
			return k.MinVersion == min && k.MaxVersion == max
		}
	}
	return false
}

// TestPipelinedRequestsAnsweredInOrder sends several requests before
// reading any answer.
func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial()
	var reqs []kmsg.Request
	var corrs []int32
	for i := 0; i < 20; i++ {
		var req kmsg.Request
		if i%2 == 0 {
			req = kmsg.NewPtrApiVersionsRequest()
			req.SetVersion(3)
		} else {
			req = kmsg.NewPtrMetadataRequest()
			req.SetVersion(int16(i % 10))
		}
		reqs = append(reqs, req)
		corrs = append(corrs, c.send(req))
	}
	for i, req := range reqs {
		if _, err := c.read(req, corrs[i]); err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
	}
}

func TestReadFailureClassification(t *testing.T) {
	tests := []struct {
		err  error
		want closeReason
	}{
		{io.EOF, reasonClientEOF},
		{io.ErrUnexpectedEOF, reasonClientEOF},
		{fmt.Errorf("x: %w", protocol.ErrFrameTooLarge), reasonFrameTooLarge},
		{os.ErrDeadlineExceeded, reasonIdle},
		{net.ErrClosed, reasonClientEOF},
		{errors.New("other"), reasonReadError},
	}
	for _, tt := range tests {
		if got := readFailure(tt.err); got != tt.want {
			t.Errorf("readFailure(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestIdleConnectionClosed(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Socket.ConnectionsMaxIdle = 50 * 1e6 })
	c := h.dial()
	c.expectClosed()
}

// trickle is a reader that returns its bytes a few at a time, as a slow
// client's socket does.
type trickle struct {
	b    []byte
	step int
}

func (r *trickle) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.step)], r.b)
	r.b = r.b[n:]
	return n, nil
}

func TestReadFrame(t *testing.T) {
	sized := func(n int, fill byte) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(n))
		for range n {
			b = append(b, fill)
		}
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		step    int
		max     int32
		want    int   // body length on success
		wantErr error // nil = success
	}{
		{"empty body", sized(0, 0), 1, 100, 0, nil},
		{"small body in one read", sized(10, 'x'), 100, 100, 10, nil},
		{"body a byte at a time", sized(300, 'y'), 1, 1000, 300, nil},
		{"body bigger than the first buffer", sized(3*initialFrameBuffer+5, 'z'), 1000, 1 << 20, 3*initialFrameBuffer + 5, nil},
		{"exactly max", sized(64, 'm'), 7, 64, 64, nil},
		{"one above max", sized(65, 'm'), 7, 64, 0, protocol.ErrFrameTooLarge},
		{"negative size", []byte{0xff, 0xff, 0xff, 0xff, 1}, 4, 64, 0, protocol.ErrFrameTooLarge},
		{"huge declared size", []byte{0x7f, 0xff, 0xff, 0xff}, 4, 1 << 20, 0, protocol.ErrFrameTooLarge},
		{"nothing", nil, 1, 64, 0, io.EOF},
		{"prefix cut short", []byte{0, 0}, 1, 64, 0, io.ErrUnexpectedEOF},
		{"body cut short", sized(100, 'c')[:50], 3, 1000, 0, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readFrame(&trickle{b: tt.in, step: tt.step}, tt.max)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if len(got) != tt.want || (tt.want > 0 && got[tt.want-1] != tt.in[len(tt.in)-1]) {
				t.Fatalf("got %d bytes, want %d", len(got), tt.want)
			}
		})
	}
}

// TestReadFrameGrowsWithArrivals: a client that declares the largest
// allowed request and sends a few bytes gets a small buffer, not the
// declared size.
func TestReadFrameGrowsWithArrivals(t *testing.T) {
	const declared = 100 << 20
	in := binary.BigEndian.AppendUint32(nil, declared)
	in = append(in, make([]byte, 10000)...)
	r := &capturingReader{r: &trickle{b: in, step: 1000}}
	_, err := readFrame(r, declared)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want unexpected EOF", err)
	}
	// 10000 bytes arrived: the buffer may have doubled past them once.
	if r.maxBuf > 2*10000+initialFrameBuffer {
		t.Fatalf("read into a %d-byte buffer after 10000 bytes arrived", r.maxBuf)
	}
}

// capturingReader records the largest buffer it was asked to fill.
type capturingReader struct {
	r      io.Reader
	maxBuf int
}

func (c *capturingReader) Read(p []byte) (int, error) {
	c.maxBuf = max(c.maxBuf, len(p))
	return c.r.Read(p)
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 1, 2, 3}, 2)
	f.Add([]byte{0x7f, 0xff, 0xff, 0xff, 1}, 1)
	f.Add([]byte{0, 0, 0x20, 0, 1}, 5)
	f.Fuzz(func(t *testing.T, in []byte, step int) {
		step = max(1, step%64+1)
		got, err := readFrame(&trickle{b: in, step: step}, 1<<16)
		if err != nil {
			return
		}
		size := binary.BigEndian.Uint32(in)
		if uint32(len(got)) != size || string(got) != string(in[4:4+size]) {
			t.Fatalf("read %d bytes, declared %d", len(got), size)
		}
	})
}

// TestMaxConnectionsPerIPOverTCP: the connection over the limit is closed
// at once, the others keep working, and a close makes room again.
func TestMaxConnectionsPerIPOverTCP(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Socket.MaxConnectionsPerIP = 2 })
	first, second := h.dial(), h.dial()
	for _, c := range []*client{first, second} {
		c.do(kmsg.NewPtrApiVersionsRequest(), 3)
	}
	third := h.dial()
	third.expectClosed()
	second.do(kmsg.NewPtrApiVersionsRequest(), 3)

	_ = first.nc.Close()
	// The broker counts first out once its read loop sees the close; a new
	// connection is admitted from then on.
	eventuallyServed(t, h)
}

// eventuallyServed dials until a connection is answered: the broker frees
// a closed connection's slot asynchronously.
func eventuallyServed(t *testing.T, h *harness) {
	t.Helper()
	for i := 0; i < 200; i++ {
		nc, err := net.DialTimeout("tcp", h.addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		c := &client{t: t, nc: nc, r: bufio.NewReader(nc), f: kmsg.NewRequestFormatter(kmsg.FormatterClientID("test"))}
		req := kmsg.NewPtrApiVersionsRequest()
		req.SetVersion(3)
		corr := c.send(req)
		if _, err := c.read(req, corr); err == nil {
			_ = nc.Close()
			return
		}
		_ = nc.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no connection was served after the limit freed up")
}

// TestMaxConnectionsWaitsForASlot: over max.connections the acceptor waits
// (the client's request stays unanswered) until a connection closes.
func TestMaxConnectionsWaitsForASlot(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Socket.MaxConnections = 1 })
	first := h.dial()
	first.do(kmsg.NewPtrApiVersionsRequest(), 3)

	waiting := h.dial()
	req := kmsg.NewPtrApiVersionsRequest()
	req.SetVersion(3)
	corr := waiting.send(req)
	if got := h.s.quotas.total(); got != 1 {
		t.Fatalf("total = %d while the second waits, want 1", got)
	}
	_ = first.nc.Close()
	if _, err := waiting.read(req, corr); err != nil {
		t.Fatalf("the waiting connection was not served after a slot freed: %v", err)
	}
}

// TestProtectedListenerShedsLeastRecentlyActive: connections of the
// inter-broker listener (protected when there are two listeners) never
// wait for max.connections; when they push the total over it, the least
// recently active connection of the other listener is closed.
func TestProtectedListenerShedsLeastRecentlyActive(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Listeners = []Listener{
			{Name: "EXTERNAL", Host: "127.0.0.1", SecurityProtocol: "PLAINTEXT"},
			{Name: "INTERNAL", Host: "127.0.0.1", SecurityProtocol: "PLAINTEXT"},
		}
		c.InterBrokerListener = "INTERNAL"
		c.Socket.MaxConnections = 2
	})
	internal := h.s.Addrs()[1].String()
	dialTo := func(addr string) *client {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { _ = nc.Close() })
		return &client{t: t, nc: nc, r: bufio.NewReader(nc), f: kmsg.NewRequestFormatter(kmsg.FormatterClientID("test"))}
	}
	older, newer := h.dial(), h.dial()
	older.do(kmsg.NewPtrApiVersionsRequest(), 3)
	newer.do(kmsg.NewPtrApiVersionsRequest(), 3)
	// newer is now the more recently active of the two.
	newer.do(kmsg.NewPtrApiVersionsRequest(), 3)

	broker := dialTo(internal)
	broker.do(kmsg.NewPtrApiVersionsRequest(), 3)
	older.expectClosed()
	newer.do(kmsg.NewPtrApiVersionsRequest(), 3)
	broker.do(kmsg.NewPtrApiVersionsRequest(), 3)
	if got := h.s.quotas.total(); got != 2 {
		t.Fatalf("total = %d, want 2", got)
	}
}
