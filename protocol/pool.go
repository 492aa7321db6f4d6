package protocol

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxConnsPerAddr bounds the connections a Pool opens to one address. A
// second connection is dialled only while the others are busy, so
// sequential callers (the controller's channel to one broker) use one.
const maxConnsPerAddr = 4

// ErrPoolClosed is returned by RoundTrip after Close.
var ErrPoolClosed = errors.New("protocol: pool closed")

// Pool is a set of client connections keyed by "host:port". Each connection
// carries one request at a time; a broken connection is dropped and the next
// request dials a fresh one. Requests are sent at the version already set on
// them (req.SetVersion); there is no ApiVersions negotiation. A failed
// request is not retried: the caller decides, since only it knows whether the
// request is idempotent.
type Pool struct {
	clientID    string
	dialTimeout time.Duration
	log         *logrus.Entry

	mu struct {
		sync.Mutex
		closed bool
		addrs  map[string]*addrConns
	}
}

// addrConns are the connections to one address.
type addrConns struct {
	idle  chan *Conn    // connections ready for a request
	slots chan struct{} // one token per open (or opening) connection

	mu struct {
		sync.Mutex
		open map[*Conn]struct{} // every open connection, for Close
	}
}

// NewPool returns an empty pool. dialTimeout bounds each dial (0 = only the
// request's ctx bounds it); log may be nil.
func NewPool(clientID string, dialTimeout time.Duration, log *logrus.Entry) *Pool {
	if log == nil {
		discard := logrus.New()
		discard.SetOutput(io.Discard)
		log = logrus.NewEntry(discard)
	}
	p := &Pool{clientID: clientID, dialTimeout: dialTimeout, log: log}
	p.mu.addrs = make(map[string]*addrConns)
	return p
}

// RoundTrip sends req to addr on an idle connection, dialling one if all are
// busy (up to a small limit, then waiting for one to free up). Errors from
// the exchange close that connection and are returned.
func (p *Pool) RoundTrip(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, error) {
	a, err := p.addrConns(addr)
	if err != nil {
		return nil, err
	}
	c, err := p.acquire(ctx, addr, a)
	if err != nil {
		return nil, err
	}
	resp, err := c.RoundTrip(ctx, req)
	p.release(a, c)
	if err != nil {
		p.log.WithError(err).WithField("addr", addr).Debug("request failed; connection closed")
	}
	return resp, err
}

func (p *Pool) addrConns(addr string) (*addrConns, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.closed {
		return nil, ErrPoolClosed
	}
	a := p.mu.addrs[addr]
	if a == nil {
		a = &addrConns{
			idle:  make(chan *Conn, maxConnsPerAddr),
			slots: make(chan struct{}, maxConnsPerAddr),
		}
		a.mu.open = make(map[*Conn]struct{})
		p.mu.addrs[addr] = a
	}
	return a, nil
}

// acquire returns an idle connection, or dials one if a slot is free, or
// waits for either.
func (p *Pool) acquire(ctx context.Context, addr string, a *addrConns) (*Conn, error) {
	for {
		select {
		case c := <-a.idle:
			if c.Broken() {
				p.drop(a, c)
				continue
			}
			return c, nil
		default:
		}
		select {
		case c := <-a.idle:
			if c.Broken() {
				p.drop(a, c)
				continue
			}
			return c, nil
		case a.slots <- struct{}{}:
			return p.dial(ctx, addr, a)
		case <-ctx.Done():
			return nil, fmt.Errorf("protocol: waiting for a connection to %s: %w", addr, ctx.Err())
		}
	}
}

// dial opens a connection in a slot already taken.
func (p *Pool) dial(ctx context.Context, addr string, a *addrConns) (*Conn, error) {
	dctx := ctx
	if p.dialTimeout > 0 {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(ctx, p.dialTimeout)
		defer cancel()
	}
	c, err := Dial(dctx, addr, p.clientID)
	if err != nil {
		<-a.slots
		return nil, err
	}
	p.mu.Lock()
	closed := p.mu.closed
	p.mu.Unlock()
	a.mu.Lock()
	a.mu.open[c] = struct{}{}
	a.mu.Unlock()
	if closed {
		p.drop(a, c)
		return nil, ErrPoolClosed
	}
	p.log.WithField("addr", addr).Debug("connected")
	return c, nil
}

// release returns a healthy connection to the idle set, or drops it.
func (p *Pool) release(a *addrConns, c *Conn) {
	p.mu.Lock()
	closed := p.mu.closed
	p.mu.Unlock()
	if closed || c.Broken() {
		p.drop(a, c)
		return
	}
	a.idle <- c // never blocks: at most maxConnsPerAddr connections exist
}

// drop closes c and frees its slot.
func (p *Pool) drop(a *addrConns, c *Conn) {
	_ = c.Close()
	a.mu.Lock()
	_, ok := a.mu.open[c]
	delete(a.mu.open, c)
	a.mu.Unlock()
	if ok {
		<-a.slots
	}
}

// Close closes every connection, including those in use (their requests
// fail), and makes later RoundTrips fail with ErrPoolClosed.
func (p *Pool) Close() error {
	p.mu.Lock()
	p.mu.closed = true
	addrs := p.mu.addrs
	p.mu.addrs = make(map[string]*addrConns)
	p.mu.Unlock()
	for _, a := range addrs {
		a.mu.Lock()
		for c := range a.mu.open {
			_ = c.Close()
		}
		a.mu.Unlock()
	}
	return nil
}
