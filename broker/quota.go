package broker

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
)

// connQuotas is Kafka 2.4's SocketServer.ConnectionQuotas: it counts open
// connections per client address, per listener and for the whole broker.
//
//   - A connection from an address that already has
//     max.connections.per.ip (or its override) connections is refused:
//     inc returns a *tooManyConnectionsError and the acceptor closes it.
//   - While the listener has listener.name.<l>.max.connections, or the
//     broker max.connections, the acceptor waits in inc until one closes;
//     the TCP backlog holds the clients meanwhile.
//   - The inter-broker listener is protected when there is more than one
//     listener: it never waits for the broker-wide limit, and when its
//     connections push the total over the limit, the other listeners close
//     their least recently active connection (exceeded reports when).
//
// It does no I/O: the acceptor and the connections call it.
type connQuotas struct {
	perIP       int32
	overrides   map[netip.Addr]int32
	brokerMax   int32
	listenerMax map[string]int32
	protected   string // "" when no listener is protected

	mu struct {
		sync.Mutex
		byIP       map[netip.Addr]int32
		byListener map[string]int32
		total      int32
		// freed is closed and replaced whenever a connection is counted
		// out, waking every acceptor waiting for a slot.
		freed chan struct{}
	}
}

// tooManyConnectionsError is Kafka's TooManyConnectionsException.
type tooManyConnectionsError struct {
	ip  netip.Addr
	max int32
}

func (e *tooManyConnectionsError) Error() string {
	return fmt.Sprintf("broker: too many connections from %s (maximum = %d)", javaAddr(e.ip), e.max)
}

// javaAddr renders an address as Java's InetAddress.toString does for an
// address without a host name ("/127.0.0.1"), which Kafka's log lines show.
func javaAddr(ip netip.Addr) string { return "/" + ip.Unmap().String() }

// newConnQuotas builds the quotas of a broker with these listeners; every
// listener is counted, as Kafka's acceptors each register their listener.
func newConnQuotas(cfg SocketConfig, listeners []Listener, interBroker string) *connQuotas {
	q := &connQuotas{
		perIP:       cfg.MaxConnectionsPerIP,
		overrides:   make(map[netip.Addr]int32, len(cfg.MaxConnectionsPerIPOverrides)),
		brokerMax:   cfg.MaxConnections,
		listenerMax: make(map[string]int32, len(cfg.ListenerMaxConnections)),
	}
	for ip, n := range cfg.MaxConnectionsPerIPOverrides {
		q.overrides[ip.Unmap()] = n
	}
	for l, n := range cfg.ListenerMaxConnections {
		q.listenerMax[l] = n
	}
	if len(listeners) > 1 {
		q.protected = interBroker
	}
	q.mu.byIP = make(map[netip.Addr]int32)
	q.mu.byListener = make(map[string]int32, len(listeners))
	for _, l := range listeners {
		q.mu.byListener[l.Name] = 0
	}
	q.mu.freed = make(chan struct{})
	return q
}

// inc counts a new connection on listener from ip. It first waits, until
// ctx is done, for the listener and the broker to have a free slot; then it
// refuses the connection if ip is at its limit. A refused connection is not
// counted: the caller just closes it. A nil error means the caller must
// call dec once the connection closes.
func (q *connQuotas) inc(ctx context.Context, listener string, ip netip.Addr) error {
	ip = ip.Unmap()
	for {
		q.mu.Lock()
		if q.slotAvailableLocked(listener) {
			break
		}
		freed := q.mu.freed
		q.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return fmt.Errorf("broker: waiting for a connection slot on %s: %w", listener, ctx.Err())
		}
	}
	defer q.mu.Unlock()
	limit := q.perIP
	if n, ok := q.overrides[ip]; ok {
		limit = n
	}
	if q.mu.byIP[ip] >= limit {
		return &tooManyConnectionsError{ip: ip, max: limit}
	}
	q.mu.byIP[ip]++
	q.mu.byListener[listener]++
	q.mu.total++
	return nil
}

// dec counts out a connection that inc counted in.
func (q *connQuotas) dec(listener string, ip netip.Addr) {
	ip = ip.Unmap()
	q.mu.Lock()
	defer q.mu.Unlock()
	if n := q.mu.byIP[ip]; n <= 1 {
		delete(q.mu.byIP, ip)
	} else {
		q.mu.byIP[ip] = n - 1
	}
	if q.mu.byListener[listener] > 0 {
		q.mu.byListener[listener]--
	}
	if q.mu.total > 0 {
		q.mu.total--
	}
	close(q.mu.freed)
	q.mu.freed = make(chan struct{})
}

// slotAvailableLocked is Kafka's connectionSlotAvailable.
func (q *connQuotas) slotAvailableLocked(listener string) bool {
	if n, ok := q.listenerMax[listener]; ok && q.mu.byListener[listener] >= n {
		return false
	}
	if listener == q.protected {
		return true
	}
	return q.mu.total < q.brokerMax
}

// exceeded is Kafka's maxConnectionsExceeded: the protected listener's
// connections have pushed the total over max.connections, and listener,
// which is not protected, should close one of its connections.
func (q *connQuotas) exceeded(listener string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.mu.total > q.brokerMax && listener != q.protected
}

// count returns how many connections ip has open.
func (q *connQuotas) count(ip netip.Addr) int32 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.mu.byIP[ip.Unmap()]
}

// total returns how many connections the broker has open.
func (q *connQuotas) total() int32 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.mu.total
}
