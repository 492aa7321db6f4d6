package broker

import (
	"context"
	"sync"
	"time"
)

// Purgatory: requests that must wait (acks=all produce until the high
// watermark passes their batch, fetch until min.bytes or max.wait, admin
// requests until the metadata cache shows their result) register a waiter
// in the waitList of everything that could complete them, then recheck
// their condition each time the waiter is signalled, until the deadline.
// A signal means only "something changed, look again", so a missed
// condition is never possible: waiters register before they check.

// waiter is one waiting request; its channel holds at most one pending
// signal, so signalling never blocks.
type waiter struct{ ch chan struct{} }

func newWaiter() *waiter { return &waiter{ch: make(chan struct{}, 1)} }

// waitList is the set of waiters of one thing (a partition, the metadata cache).
type waitList struct {
	mu  sync.Mutex
	set map[*waiter]struct{}
}

func (l *waitList) add(w *waiter) {
	l.mu.Lock()
	if l.set == nil {
		l.set = make(map[*waiter]struct{})
	}
	l.set[w] = struct{}{}
	l.mu.Unlock()
}

func (l *waitList) remove(w *waiter) {
	l.mu.Lock()
	delete(l.set, w)
	l.mu.Unlock()
}

// notify signals every waiter.
func (l *waitList) notify() {
	l.mu.Lock()
	for w := range l.set {
		select {
		case w.ch <- struct{}{}:
		default:
		}
	}
	l.mu.Unlock()
}

// waitUntil registers on lists, then calls done until it reports true, the
// deadline passes or ctx ends; it returns done's last answer.
func waitUntil(ctx context.Context, deadline time.Time, lists []*waitList, done func() bool) bool {
	w := newWaiter()
	for _, l := range lists {
		l.add(w)
	}
	defer func() {
		for _, l := range lists {
			l.remove(w)
		}
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		if done() {
			return true
		}
		select {
		case <-w.ch:
		case <-timer.C:
			return done()
		case <-ctx.Done():
			return done()
		}
	}
}
