package broker

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// acceptLoop accepts connections on one listener until Close. A temporary
// accept error (EMFILE, ...) backs off like net/http; any other error ends
// the loop and is reported through Err unless the broker is closing.
func (s *Server) acceptLoop(l Listener, ln net.Listener) {
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
		c := s.newConn(nc, l)
		if !s.addConn(c) {
			_ = nc.Close()
			return
		}
		c.start()
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

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mu.conns, c)
}
