package coordinator

import (
	"context"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// sender is Kafka's RequestSendThread: one ordered queue per live broker.
// Each request is retried until it gets a response, the broker dies or the
// controller resigns (both cancel ctx). Responses are handed to a callback
// that only enqueues a controller event.
type sender struct {
	broker  int32
	t       Transport
	timeout time.Duration
	log     *logrus.Entry

	ctx    context.Context
	cancel context.CancelFunc
	ready  chan struct{}
	done   chan struct{}

	mu struct {
		sync.Mutex
		addr  string
		queue []sendItem
	}
}

type sendItem struct {
	req    kmsg.Request
	onResp func(kmsg.Response) // may be nil
}

func newSender(parent context.Context, broker int32, addr string, t Transport, timeout time.Duration, log *logrus.Entry) *sender {
	ctx, cancel := context.WithCancel(parent)
	s := &sender{broker: broker, t: t, timeout: timeout, log: log.WithField("target", broker),
		ctx: ctx, cancel: cancel, ready: make(chan struct{}, 1), done: make(chan struct{})}
	s.mu.addr = addr
	go s.run()
	return s
}

func (s *sender) setAddr(addr string) {
	s.mu.Lock()
	s.mu.addr = addr
	s.mu.Unlock()
}

func (s *sender) enqueue(req kmsg.Request, onResp func(kmsg.Response)) {
	s.mu.Lock()
	s.mu.queue = append(s.mu.queue, sendItem{req, onResp})
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// stop cancels pending requests and waits for the goroutine.
func (s *sender) stop() {
	s.cancel()
	<-s.done
}

func (s *sender) next() (sendItem, string, bool) {
	for {
		s.mu.Lock()
		if len(s.mu.queue) > 0 {
			it := s.mu.queue[0]
			s.mu.queue[0] = sendItem{}
			s.mu.queue = s.mu.queue[1:]
			addr := s.mu.addr
			s.mu.Unlock()
			return it, addr, true
		}
		s.mu.Unlock()
		select {
		case <-s.ready:
		case <-s.ctx.Done():
			return sendItem{}, "", false
		}
	}
}

func (s *sender) run() {
	defer close(s.done)
	for {
		it, addr, ok := s.next()
		if !ok {
			return
		}
		backoff := 100 * time.Millisecond
		for {
			ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
			resp, err := s.t.RoundTrip(ctx, addr, it.req)
			cancel()
			if err == nil {
				if it.onResp != nil {
					it.onResp(resp)
				}
				break
			}
			if s.ctx.Err() != nil {
				return
			}
			s.log.WithError(err).WithField("request", kmsg.NameForKey(it.req.Key())).Debug("control request failed; retrying")
			select {
			case <-time.After(backoff):
			case <-s.ctx.Done():
				return
			}
			if backoff < time.Second {
				backoff *= 2
			}
			s.mu.Lock()
			addr = s.mu.addr
			s.mu.Unlock()
		}
	}
}
