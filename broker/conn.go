package broker

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/protocol"
)

// closeReason says why a connection was closed; it is logged and kept for
// tests.
type closeReason int32

const (
	reasonNone               closeReason = iota
	reasonClientEOF                      // the client closed
	reasonIdle                           // connections.max.idle.ms passed without a request
	reasonFrameTooLarge                  // size prefix above socket.request.max.bytes (or negative)
	reasonMalformed                      // header or body that does not decode
	reasonUnknownKey                     // an API key we do not serve
	reasonUnsupportedVersion             // a version outside our table
	reasonHandlerError                   // a handler returned a Go error
	reasonReadError                      // any other read failure
	reasonWriteError                     // writing a response failed or timed out
	reasonShutdown                       // the broker is closing
	reasonMaxConnections                 // least recently active when max.connections was exceeded
)

func (r closeReason) String() string {
	switch r {
	case reasonNone:
		return "none"
	case reasonClientEOF:
		return "client closed"
	case reasonIdle:
		return "idle for connections.max.idle.ms"
	case reasonFrameTooLarge:
		return "request larger than socket.request.max.bytes"
	case reasonMalformed:
		return "malformed request"
	case reasonUnknownKey:
		return "unknown API key"
	case reasonUnsupportedVersion:
		return "unsupported API version"
	case reasonHandlerError:
		return "request handling failed"
	case reasonReadError:
		return "read error"
	case reasonWriteError:
		return "write error"
	case reasonShutdown:
		return "broker shutting down"
	case reasonMaxConnections:
		return "max.connections exceeded; closing the least recently active connection"
	}
	return fmt.Sprintf("closeReason(%d)", int32(r))
}

// conn is one client connection. Its read loop reads a request, handles it
// and queues the encoded response before it reads the next one, so
// requests are handled one at a time and answered in order (Kafka mutes a
// channel the same way). Its write loop writes queued responses, coalescing
// what is queued into one writev.
type conn struct {
	s        *Server
	nc       net.Conn
	listener Listener
	id       string     // local-remote-n, like Kafka's connection ids
	clientID string     // of the request being handled (read loop only)
	ip       netip.Addr // as counted by the connection quotas

	// lastActive is when a request was last read or a response written,
	// in Unix nanoseconds: the least recently active connection is the one
	// closed when max.connections is exceeded.
	lastActive atomic.Int64

	ctx    context.Context
	cancel context.CancelFunc
	out    chan *outFrame

	reason    atomic.Int32
	closeOnce sync.Once
	done      chan struct{} // closed when the connection is closed
}

func (s *Server) newConn(nc net.Conn, l Listener) *conn {
	ctx, cancel := context.WithCancel(s.ctx)
	c := &conn{
		s:        s,
		nc:       nc,
		listener: l,
		id:       fmt.Sprintf("%s-%s-%d", nc.LocalAddr(), nc.RemoteAddr(), s.nextConnID.Add(1)),
		ctx:      ctx,
		cancel:   cancel,
		out:      make(chan *outFrame, s.cfg.Socket.MaxQueuedResponses),
		done:     make(chan struct{}),
	}
	c.lastActive.Store(time.Now().UnixNano())
	return c
}

// start runs the two loops; if the broker is closing, the connection is
// closed instead.
func (c *conn) start() {
	if !c.s.goAttach(c.writeLoop) {
		c.close(reasonShutdown, nil)
		return
	}
	if !c.s.goAttach(c.readLoop) {
		c.close(reasonShutdown, nil)
	}
}

// close closes the connection once, recording why. err, if any, is logged.
func (c *conn) close(reason closeReason, err error) {
	c.closeOnce.Do(func() {
		c.reason.Store(int32(reason))
		c.cancel()
		_ = c.nc.Close()
		close(c.done)
		c.s.removeConn(c)
		switch reason {
		case reasonClientEOF, reasonShutdown, reasonIdle, reasonMaxConnections:
			c.s.socketLog.Debugf("Closing connection %s: %s", c.id, reason)
		default:
			if err != nil {
				c.s.socketLog.Infof("Closing connection %s: %s: %v", c.id, reason, err)
			} else {
				c.s.socketLog.Infof("Closing connection %s: %s", c.id, reason)
			}
		}
	})
}

// closeReason returns why the connection was closed (reasonNone if open).
func (c *conn) closeReason() closeReason { return closeReason(c.reason.Load()) }

func (c *conn) readLoop() {
	maxBytes := c.s.cfg.Socket.RequestMaxBytes
	idle := c.s.cfg.Socket.ConnectionsMaxIdle
	for {
		_ = c.nc.SetReadDeadline(time.Now().Add(idle))
		frame, err := readFrame(c.nc, maxBytes)
		if err != nil {
			c.close(readFailure(err), err)
			return
		}
		c.lastActive.Store(time.Now().UnixNano())
		resp, reason, err := c.handleFrame(frame)
		if reason != reasonNone {
			c.close(reason, err)
			return
		}
		if resp == nil {
			continue
		}
		select {
		case c.out <- resp:
		case <-c.done:
			resp.release()
			return
		}
		// A frame queued while the connection closed may have missed the
		// write loop's final drain.
		select {
		case <-c.done:
			c.drainOut()
			return
		default:
		}
	}
}

// drainOut releases every queued frame; used once the connection is closed.
func (c *conn) drainOut() {
	for {
		select {
		case f := <-c.out:
			f.release()
		default:
			return
		}
	}
}

// initialFrameBuffer is what a request's buffer starts at; it doubles as
// bytes arrive.
const initialFrameBuffer = 4 << 10

// readFrame reads one size-prefixed request frame. Like protocol.ReadFrame
// it checks the size against socket.request.max.bytes before allocating,
// but its buffer grows only with the bytes that actually arrived (doubling,
// so at most twice what was received plus 4 KiB): a flood of connections
// that each declare a large request and then send a few bytes costs a few
// KiB apiece, not the declared size nor protocol.ReadFrame's 1 MiB chunk.
func readFrame(r io.Reader, maxBytes int32) ([]byte, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("broker: reading frame size: %w", err)
	}
	size := int(int32(binary.BigEndian.Uint32(prefix[:])))
	if size < 0 || size > int(maxBytes) {
		// protocol's error names the size and recognises a misdirected
		// HTTP or TLS client from the same four bytes.
		return protocol.ReadFrame(bytes.NewReader(prefix[:]), maxBytes)
	}
	frame := make([]byte, 0, min(size, initialFrameBuffer))
	for len(frame) < size {
		if len(frame) == cap(frame) {
			frame = slices.Grow(frame, min(size-len(frame), cap(frame)))
		}
		n, err := r.Read(frame[len(frame):min(cap(frame), size)])
		frame = frame[:len(frame)+n]
		if err != nil && len(frame) < size {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("broker: reading %d-byte frame after %d bytes: %w", size, len(frame), err)
		}
	}
	return frame, nil
}

// readFailure classifies an error of ReadFrame.
func readFailure(err error) closeReason {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return reasonClientEOF
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return reasonIdle
	case errors.Is(err, protocol.ErrFrameTooLarge):
		return reasonFrameTooLarge
	case errors.Is(err, io.ErrUnexpectedEOF):
		return reasonClientEOF
	}
	return reasonReadError
}

// handleFrame parses and handles one request and returns the encoded
// response (nil for none), or why the connection must close.
func (c *conn) handleFrame(frame []byte) (*outFrame, closeReason, error) {
	// An ApiVersions request newer than ours is answered without parsing
	// its body, which may have fields we do not know (Kafka's
	// RequestContext.parseRequest does the same).
	if len(frame) >= 8 && int16(binary.BigEndian.Uint16(frame)) == apiVersionsKey {
		a, _ := c.s.apis.lookup(apiVersionsKey)
		if v := int16(binary.BigEndian.Uint16(frame[2:])); v > a.max {
			hdr := protocol.RequestHeader{Key: apiVersionsKey, Version: v, CorrelationID: int32(binary.BigEndian.Uint32(frame[4:]))}
			return c.unsupportedApiVersions(hdr), reasonNone, nil
		}
	}
	hdr, req, err := protocol.ParseRequest(frame)
	if err != nil {
		switch {
		case errors.Is(err, protocol.ErrUnsupportedVersion) && hdr.Key == apiVersionsKey:
			// A client newer than us: answer v0 so it can retry with a
			// version we know (KIP-511; Kafka does the same).
			return c.unsupportedApiVersions(hdr), reasonNone, nil
		case errors.Is(err, protocol.ErrUnknownKey):
			return nil, reasonUnknownKey, fmt.Errorf("api key %d: %w", hdr.Key, err)
		case errors.Is(err, protocol.ErrUnsupportedVersion):
			return nil, reasonUnsupportedVersion, fmt.Errorf("api key %d version %d: %w", hdr.Key, hdr.Version, err)
		}
		return nil, reasonMalformed, err
	}
	a, ok := c.s.apis.lookup(hdr.Key)
	if !ok {
		return nil, reasonUnknownKey, fmt.Errorf("api key %d (%s) is not served", hdr.Key, kmsg.NameForKey(hdr.Key))
	}
	if hdr.Version < a.min || hdr.Version > a.max {
		if hdr.Key == apiVersionsKey {
			return c.unsupportedApiVersions(hdr), reasonNone, nil
		}
		return nil, reasonUnsupportedVersion, fmt.Errorf("%s version %d is outside %d-%d", kmsg.NameForKey(hdr.Key), hdr.Version, a.min, a.max)
	}
	c.clientID = ""
	if hdr.ClientID != nil {
		c.clientID = *hdr.ClientID
	}
	resp, err := a.handle(c.ctx, c, req)
	if err != nil {
		return nil, reasonHandlerError, fmt.Errorf("%s v%d: %w", kmsg.NameForKey(hdr.Key), hdr.Version, err)
	}
	if resp == nil {
		return nil, reasonNone, nil
	}
	if sf, ok := resp.(*streamedFetch); ok {
		return sf.frame(hdr), reasonNone, nil
	}
	return bytesFrame(protocol.AppendResponse(nil, hdr, resp)), reasonNone, nil
}

// unsupportedApiVersions is the v0 answer to an ApiVersions request of a
// version we do not know: UNSUPPORTED_VERSION and our table.
func (c *conn) unsupportedApiVersions(hdr protocol.RequestHeader) *outFrame {
	resp := c.s.apis.versionsResponse()
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	hdr.Version = 0
	hdr.Flexible = false
	return bytesFrame(protocol.AppendResponse(nil, hdr, resp))
}

// writeLoop writes responses in queue order; everything already queued
// goes out together (one writev for the plain bytes).
func (c *conn) writeLoop() {
	defer c.drainOut()
	var frames []*outFrame
	for {
		select {
		case <-c.done:
			return
		case f := <-c.out:
			frames = append(frames[:0], f)
		drain:
			for {
				select {
				case f := <-c.out:
					frames = append(frames, f)
				default:
					break drain
				}
			}
			_ = c.nc.SetWriteDeadline(time.Now().Add(c.s.cfg.RequestTimeout))
			if err := writeFrames(c.nc, frames); err != nil {
				c.close(reasonWriteError, err)
				return
			}
			c.lastActive.Store(time.Now().UnixNano())
		}
	}
}

// clientAddr is the remote address, for logs.
func (c *conn) clientAddr() string { return c.nc.RemoteAddr().String() }

// deadline returns when a request with timeoutMs must be answered.
func (c *conn) deadline(timeoutMs int32) time.Time {
	return time.Now().Add(time.Duration(max(timeoutMs, 0)) * time.Millisecond)
}
