package coordinator

import (
	"context"
	"sync"
)

// enqueue adds an event for the event goroutine; it never blocks.
func (n *Node) enqueue(name string, fn func(ctx context.Context)) {
	n.events.push(event{name: name, fn: fn})
}

// runEvents processes events one at a time, in order.
func (n *Node) runEvents() {
	close(n.events.running)
	for {
		ev, ok := n.events.pop(n.ctx)
		if !ok {
			n.resign("stopped")
			return
		}
		n.log.WithField("event", ev.name).Debug("processing controller event")
		ev.fn(n.ctx)
	}
}

type event struct {
	name string
	fn   func(ctx context.Context)
}

// eventQueue is an unbounded FIFO: producers (watch callbacks, session
// events, senders) must never block or drop.
type eventQueue struct {
	running chan struct{} // closed when the consumer starts
	ready   chan struct{}
	done    chan struct{}
	once    sync.Once
	mu      struct {
		sync.Mutex
		q []event
	}
}

func newEventQueue() *eventQueue {
	return &eventQueue{running: make(chan struct{}), ready: make(chan struct{}, 1), done: make(chan struct{})}
}

func (q *eventQueue) push(ev event) {
	q.mu.Lock()
	q.mu.q = append(q.mu.q, ev)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *eventQueue) pop(ctx context.Context) (event, bool) {
	for {
		q.mu.Lock()
		if len(q.mu.q) > 0 {
			ev := q.mu.q[0]
			q.mu.q[0] = event{}
			q.mu.q = q.mu.q[1:]
			q.mu.Unlock()
			return ev, true
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-q.done:
			return event{}, false
		case <-ctx.Done():
			return event{}, false
		}
	}
}

func (q *eventQueue) close() { q.once.Do(func() { close(q.done) }) }
