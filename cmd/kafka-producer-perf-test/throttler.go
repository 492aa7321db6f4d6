package main

import (
	"context"
	"time"
)

// throttler is ThroughputThrottler: a target of records per second, where a
// negative target disables it and zero blocks forever (Java waits on a
// monitor nobody notifies).
type throttler struct {
	target int64
	start  time.Time
}

// wait sleeps, if sent records are ahead of the target rate, until they no
// longer are or ctx ends.
func (t throttler) wait(ctx context.Context, sent int64, now time.Time) {
	if t.target < 0 {
		return
	}
	if t.target == 0 {
		<-ctx.Done()
		return
	}
	due := t.start.Add(time.Duration(float64(sent) / float64(t.target) * float64(time.Second)))
	if d := due.Sub(now); d > 0 {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
		case <-ctx.Done():
		}
	}
}
