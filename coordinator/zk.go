package coordinator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/sirupsen/logrus"
)

// ZK is a ZooKeeper session with the conveniences go-zookeeper lacks:
// methods that take a context, a chroot (Kafka's "host:port/chroot" connect
// string), typed session events that are never dropped, and errors that
// match this package's sentinels with errors.Is.
//
// Paths given to and returned by ZK are relative to the chroot.
type ZK struct {
	conn   *zk.Conn
	chroot string // "" or "/kafka"; no trailing slash
	log    *logrus.Entry

	closeOnce sync.Once
	closed    chan struct{}

	mu struct {
		sync.Mutex
		subs    []*SessionWatcher
		expired bool // an expiry happened since the last connected event
	}
}

// SessionState is the state carried by a SessionEvent.
type SessionState int

const (
	// SessionConnected: the client has a session (new or resumed).
	SessionConnected SessionState = iota + 1
	// SessionDisconnected: the TCP connection dropped; the session may still
	// be alive and ephemeral znodes with it.
	SessionDisconnected
	// SessionExpired: the server dropped the session: its ephemeral znodes and
	// watches are gone. The client reconnects with a new session next.
	SessionExpired
)

func (s SessionState) String() string {
	switch s {
	case SessionConnected:
		return "connected"
	case SessionDisconnected:
		return "disconnected"
	case SessionExpired:
		return "expired"
	}
	return fmt.Sprintf("SessionState(%d)", int(s))
}

// SessionEvent is a change of the session's state.
type SessionEvent struct {
	State SessionState
	// NewSession is set on SessionConnected when an expiry came before it:
	// whatever was tied to the old session (ephemeral znodes, watches) must be
	// recreated.
	NewSession bool
}

// DialOption adjusts Dial; meant for test harnesses.
type DialOption func(*dialOptions)

type dialOptions struct {
	dialer func(network, address string, timeout time.Duration) (net.Conn, error)
}

// WithDialer replaces the TCP dialer, e.g. with one that can cut the
// connection to make the server expire the session.
func WithDialer(d func(network, address string, timeout time.Duration) (net.Conn, error)) DialOption {
	return func(o *dialOptions) { o.dialer = d }
}

// ParseConnect splits a Kafka zookeeper.connect string
// "h1:2181,h2:2181/chroot" into servers and chroot ("" when none).
func ParseConnect(connect string) (servers []string, chroot string, err error) {
	hosts := connect
	if i := strings.IndexByte(connect, '/'); i >= 0 {
		hosts, chroot = connect[:i], connect[i:]
		chroot = strings.TrimRight(chroot, "/")
		if chroot != "" {
			if err := validatePath(chroot); err != nil {
				return nil, "", fmt.Errorf("coordinator: zookeeper connect %q: chroot: %w", connect, err)
			}
		}
	}
	for _, h := range strings.Split(hosts, ",") {
		h = strings.TrimSpace(h)
		if h != "" {
			servers = append(servers, h)
		}
	}
	if len(servers) == 0 {
		return nil, "", fmt.Errorf("coordinator: zookeeper connect %q names no server", connect)
	}
	return servers, chroot, nil
}

func validatePath(p string) error {
	if p == "" || p[0] != '/' {
		return fmt.Errorf("path %q must start with /", p)
	}
	if p != "/" && strings.HasSuffix(p, "/") {
		return fmt.Errorf("path %q must not end with /", p)
	}
	if strings.Contains(p, "//") {
		return fmt.Errorf("path %q has an empty segment", p)
	}
	return nil
}

// Dial connects to ZooKeeper and waits for a session. With a chroot in
// connect, it first creates the chroot path (persistent, like Kafka's
// KafkaServer.initZkClient) and then works below it.
func Dial(ctx context.Context, connect string, sessionTimeout time.Duration, log *logrus.Entry, opts ...DialOption) (*ZK, error) {
	servers, chroot, err := ParseConnect(connect)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = discardLogger()
	}
	var o dialOptions
	for _, opt := range opts {
		opt(&o)
	}
	z := &ZK{log: log, closed: make(chan struct{})}
	first := make(chan struct{})
	var firstOnce sync.Once
	zkOpts := sliceOf(
		zk.WithLogger(zkLogger{log}),
		zk.WithLogInfo(false),
		zk.WithEventCallback(func(ev zk.Event) {
			if ev.Type != zk.EventSession {
				return
			}
			if ev.State == zk.StateHasSession {
				firstOnce.Do(func() { close(first) })
			}
			z.sessionEvent(ev.State)
		}),
	)
	if o.dialer != nil {
		zkOpts = append(zkOpts, zk.WithDialer(o.dialer))
	}
	conn, _, err := zk.Connect(servers, sessionTimeout, zkOpts...)
	if err != nil {
		return nil, fmt.Errorf("coordinator: connect to zookeeper %q: %w", connect, err)
	}
	z.conn = conn
	select {
	case <-first:
	case <-ctx.Done():
		z.Close()
		return nil, fmt.Errorf("coordinator: connect to zookeeper %q: no session: %w", connect, ctx.Err())
	}
	if chroot != "" {
		if _, err := z.CreateRecursive(ctx, chroot, nil, ModePersistent); err != nil && !errors.Is(err, ErrNodeExists) {
			z.Close()
			return nil, fmt.Errorf("coordinator: create chroot %s: %w", chroot, err)
		}
		z.chroot = chroot
	}
	log.WithField("chroot", chroot).Debug("zookeeper session established")
	return z, nil
}

// sliceOf builds a slice of go-zookeeper's options, whose type is unexported.
func sliceOf[T any](xs ...T) []T { return xs }

// Chroot returns the chroot this session works under ("" for none).
func (z *ZK) Chroot() string { return z.chroot }

// SessionID returns the current session id (0 while there is none).
func (z *ZK) SessionID() int64 { return z.conn.SessionID() }

// Close ends the session: the server deletes its ephemeral znodes at once.
func (z *ZK) Close() {
	z.closeOnce.Do(func() {
		close(z.closed)
		z.conn.Close()
		z.mu.Lock()
		subs := z.mu.subs
		z.mu.subs = nil
		z.mu.Unlock()
		for _, s := range subs {
			s.close()
		}
	})
}

// sessionEvent runs on go-zookeeper's goroutines and must not block.
func (z *ZK) sessionEvent(st zk.State) {
	var ev SessionEvent
	z.mu.Lock()
	switch st {
	case zk.StateHasSession:
		ev = SessionEvent{State: SessionConnected, NewSession: z.mu.expired}
		z.mu.expired = false
	case zk.StateDisconnected:
		ev = SessionEvent{State: SessionDisconnected}
	case zk.StateExpired:
		ev = SessionEvent{State: SessionExpired}
		z.mu.expired = true
	default:
		z.mu.Unlock()
		return
	}
	subs := append([]*SessionWatcher(nil), z.mu.subs...)
	z.mu.Unlock()
	z.log.WithField("state", ev.State).Debug("zookeeper session event")
	for _, s := range subs {
		s.push(ev)
	}
}

// Subscribe returns a watcher that receives every later session event, in
// order, with no loss (the queue is unbounded; events are rare).
func (z *ZK) Subscribe() *SessionWatcher {
	s := &SessionWatcher{ready: make(chan struct{}, 1), done: make(chan struct{})}
	z.mu.Lock()
	select {
	case <-z.closed:
		s.close()
	default:
		z.mu.subs = append(z.mu.subs, s)
	}
	z.mu.Unlock()
	return s
}

func (z *ZK) unsubscribe(s *SessionWatcher) {
	z.mu.Lock()
	for i, x := range z.mu.subs {
		if x == s {
			z.mu.subs = append(z.mu.subs[:i], z.mu.subs[i+1:]...)
			break
		}
	}
	z.mu.Unlock()
}

// SessionWatcher is an unbounded, ordered queue of session events.
type SessionWatcher struct {
	ready     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	mu        struct {
		sync.Mutex
		q []SessionEvent
	}
}

func (s *SessionWatcher) push(ev SessionEvent) {
	s.mu.Lock()
	s.mu.q = append(s.mu.q, ev)
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

func (s *SessionWatcher) close() { s.closeOnce.Do(func() { close(s.done) }) }

// Next returns the next event, blocking until there is one, ctx ends or the
// ZK is closed (ErrClosed).
func (s *SessionWatcher) Next(ctx context.Context) (SessionEvent, error) {
	for {
		s.mu.Lock()
		if len(s.mu.q) > 0 {
			ev := s.mu.q[0]
			s.mu.q = s.mu.q[1:]
			s.mu.Unlock()
			return ev, nil
		}
		s.mu.Unlock()
		select {
		case <-s.ready:
		case <-s.done:
			return SessionEvent{}, ErrClosed
		case <-ctx.Done():
			return SessionEvent{}, ctx.Err()
		}
	}
}

// zkLogger routes go-zookeeper's log lines to logrus at debug level (it
// logs every reconnect attempt; the session events carry what matters).
type zkLogger struct{ log *logrus.Entry }

func (l zkLogger) Printf(format string, args ...any) {
	l.log.WithField("component", "zk-client").Debugf(format, args...)
}

func discardLogger() *logrus.Entry {
	l := logrus.New()
	l.Out = discard{}
	l.Level = logrus.PanicLevel
	return logrus.NewEntry(l)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
