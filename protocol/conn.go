package protocol

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxResponseBytes bounds a response frame read by the client side. Fetch
// responses are bounded by fetch.max.bytes (50 MiB by default) and the
// replica fetcher's replica.fetch.response.max.bytes (10 MiB); 1 GiB leaves
// room for any configuration while refusing a garbage size prefix.
const maxResponseBytes = 1 << 30

// ErrConnClosed is returned by RoundTrip on a connection that was closed
// (by Close, or after an earlier I/O error).
var ErrConnClosed = errors.New("protocol: connection closed")

// ErrCorrelation is returned when a response carries a correlation id other
// than the request's: the stream is out of step and the connection is closed.
var ErrCorrelation = errors.New("protocol: response correlation id mismatch")

// Conn is one client connection to a broker carrying one request at a time.
// Requests are sent at the version already set on them (no ApiVersions
// negotiation). Any I/O or framing error closes the connection; every later
// RoundTrip fails with ErrConnClosed.
type Conn struct {
	addr     string
	clientID string
	nc       net.Conn

	mu struct {
		sync.Mutex
		correlationID int32
		broken        error // why the connection was closed; nil while usable
		buf           []byte
	}
}

// Dial connects to addr ("host:port"). ctx bounds the dial.
func Dial(ctx context.Context, addr, clientID string) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("protocol: dialing %s: %w", addr, err)
	}
	return newConn(addr, clientID, nc), nil
}

func newConn(addr, clientID string, nc net.Conn) *Conn {
	return &Conn{addr: addr, clientID: clientID, nc: nc}
}

// Addr returns the address the connection was dialled to.
func (c *Conn) Addr() string { return c.addr }

// Close closes the connection. A RoundTrip in progress fails.
func (c *Conn) Close() error {
	err := c.nc.Close()
	// The lock is taken after closing the socket so an in-flight RoundTrip
	// (which holds it) is interrupted rather than waited for.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.broken == nil {
		c.mu.broken = ErrConnClosed
	}
	return err
}

// Broken reports whether the connection has been closed.
func (c *Conn) Broken() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.broken != nil
}

// RoundTrip writes req and reads its response. The ctx deadline and
// cancellation apply to the socket through deadlines; if they interrupt the
// exchange the connection is closed, since the stream is then out of step.
// A Produce request with acks=0 has no response: RoundTrip returns (nil, nil)
// once it is written.
func (c *Conn) RoundTrip(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.broken != nil {
		if errors.Is(c.mu.broken, ErrConnClosed) {
			return nil, fmt.Errorf("protocol: %s: %w", c.addr, ErrConnClosed)
		}
		return nil, fmt.Errorf("protocol: %s: %w after: %w", c.addr, ErrConnClosed, c.mu.broken)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp, err := c.roundTripLocked(ctx, req)
	if err != nil {
		c.mu.broken = err
		_ = c.nc.Close()
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return nil, fmt.Errorf("protocol: %s: %s v%d: %w", c.addr, kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	return resp, nil
}

// roundTripLocked does the exchange. REQUIRES: c.mu held.
func (c *Conn) roundTripLocked(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	deadline, _ := ctx.Deadline() // zero when none: no deadline
	if err := c.nc.SetDeadline(deadline); err != nil {
		return nil, err
	}
	// Cancellation without a deadline interrupts blocked I/O by moving the
	// deadline into the past.
	interrupted := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		_ = c.nc.SetDeadline(time.Unix(1, 0))
		close(interrupted)
	})
	defer func() {
		if !stop() {
			// The interrupt has started: wait for it so its past
			// deadline cannot land on the next exchange.
			<-interrupted
		}
	}()

	c.mu.correlationID++
	id := c.mu.correlationID
	c.mu.buf = appendRequest(c.mu.buf[:0], c.clientID, id, req)
	if _, err := c.nc.Write(c.mu.buf); err != nil {
		return nil, err
	}
	if p, ok := req.(*kmsg.ProduceRequest); ok && p.Acks == 0 {
		return nil, nil
	}
	frame, err := ReadFrame(c.nc, maxResponseBytes)
	if err != nil {
		return nil, err
	}
	return parseResponse(frame, id, req)
}

// appendRequest appends a size-prefixed request: header v0 for
// ControlledShutdown v0, v2 for flexible versions, v1 otherwise.
func appendRequest(dst []byte, clientID string, correlationID int32, req kmsg.Request) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = kbin.AppendInt16(dst, req.Key())
	dst = kbin.AppendInt16(dst, req.GetVersion())
	dst = kbin.AppendInt32(dst, correlationID)
	if req.Key() != keyControlledShutdown || req.GetVersion() != 0 {
		// Non-compact even in header v2, so brokers of any version can
		// read the client id of a request they do not support.
		dst = kbin.AppendString(dst, clientID)
		if req.IsFlexible() {
			dst = append(dst, 0) // no tagged fields
		}
	}
	dst = req.AppendTo(dst)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// parseResponse checks the response header and decodes the body at the
// request's version.
func parseResponse(frame []byte, correlationID int32, req kmsg.Request) (kmsg.Response, error) {
	r := kbin.Reader{Src: frame}
	got := r.Int32()
	if err := r.Complete(); err != nil {
		return nil, fmt.Errorf("%w: response of %d bytes has no header", ErrMalformed, len(frame))
	}
	if got != correlationID {
		return nil, fmt.Errorf("%w: got %d, want %d", ErrCorrelation, got, correlationID)
	}
	if responseHeaderFlexible(req.Key(), req.IsFlexible()) {
		kmsg.SkipTags(&r)
		if err := r.Complete(); err != nil {
			return nil, fmt.Errorf("%w: response header tags: %w", ErrMalformed, err)
		}
	}
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(r.Src); err != nil {
		return nil, fmt.Errorf("%w: response body of %d bytes: %w", ErrMalformed, len(r.Src), err)
	}
	return resp, nil
}
