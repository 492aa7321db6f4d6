package broker

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/sirupsen/logrus"
)

// acceptLoop accepts connections on one listener until Close. A temporary
// accept error (EMFILE, ...) backs off like net/http; any other error ends
// the loop and is reported through Err unless the broker is closing.
//
// Each accepted connection is counted by the connection quotas first, as
// Kafka's Acceptor does: the loop waits there while max.connections (or the
// listener's own limit) is reached, and closes at once a connection from an
// address that already has max.connections.per.ip.
func (s *Server) acceptLoop(l Listener, ln net.Listener) {
	quotas := s.quotas
	acceptLog := s.socketLog.WithFields(logrus.Fields{"prefix": "", "logger": "kafka.network.Acceptor"})
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosing() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.socketLog.Warnf("accept on %s: %v; retrying in %v", l.Name, err, backoff)
				select {
				case <-time.After(backoff):
					continue
				case <-s.ctx.Done():
					return
				}
			}
			s.socketLog.Errorf("listener %s stopped accepting: %v", l.Name, err)
			s.fail(fmt.Errorf("broker: listener %s: %w", l.Name, err))
			return
		}
		backoff = 0
		ip := remoteIP(nc)
		if err := quotas.inc(s.ctx, l.Name, ip); err != nil {
			_ = nc.Close()
			var tooMany *tooManyConnectionsError
			if !errors.As(err, &tooMany) {
				return // the broker is closing
			}
			acceptLog.Infof("Rejected connection from %s, address already has the configured maximum of %d connections.", javaAddr(tooMany.ip), tooMany.max)
			continue
		}
		c := s.newConn(nc, l)
		c.ip = ip
		if !s.addConn(c) {
			quotas.dec(l.Name, ip)
			_ = nc.Close()
			return
		}
		c.start()
		s.closeExcessConnections(quotas)
	}
}

// remoteIP is the client's address as the quotas count it; the zero Addr
// for a connection that is not TCP (tests over pipes).
func remoteIP(nc net.Conn) netip.Addr {
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

// closeExcessConnections is Kafka's Processor.closeExcessConnections: when
// connections of the protected inter-broker listener have pushed the total
// over max.connections, the least recently active connections of the other
// listeners are closed until the total is back within it.
func (s *Server) closeExcessConnections(quotas *connQuotas) {
	for {
		var victim *conn
		s.mu.Lock()
		for c := range s.mu.conns {
			if !quotas.exceeded(c.listener.Name) {
				continue
			}
			if victim == nil || c.lastActive.Load() < victim.lastActive.Load() {
				victim = c
			}
		}
		s.mu.Unlock()
		if victim == nil {
			return
		}
		victim.close(reasonMaxConnections, nil)
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.closing
}

// addConn registers c; false once Close has begun.
func (s *Server) addConn(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closing {
		return false
	}
	s.mu.conns[c] = struct{}{}
	return true
}

// removeConn forgets c and counts it out of the quotas, once.
func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	_, ok := s.mu.conns[c]
	delete(s.mu.conns, c)
	s.mu.Unlock()
	if ok {
		s.quotas.dec(c.listener.Name, c.ip)
	}
}
