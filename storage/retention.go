package storage

import (
	"time"
)

// DeleteOldSegments applies retention (time and size, when cleanup.policy includes delete)
// and the log start offset, and returns how many segments went. Only segments wholly below
// the high watermark are eligible; the active one only when it is not empty (after a roll).
func (l *Log) DeleteOldSegments(now time.Time) (int, error) {
	cfg := l.Config()
	total := 0
	if cfg.deletePolicy() {
		if cfg.RetentionMs >= 0 {
			nowMs := now.UnixMilli()
			n, err := l.deleteSegmentsWhile("retention time", now, func(s *segment, _ *segment, _ *int64) bool {
				return nowMs-s.largestTimestamp() > cfg.RetentionMs
			})
			total += n
			if err != nil {
				return total, err
			}
		}
		if cfg.RetentionBytes >= 0 {
			n, err := l.deleteSegmentsWhile("retention size", now, func(s *segment, _ *segment, diff *int64) bool {
				if *diff-s.size.Load() >= 0 {
					*diff -= s.size.Load()
					return true
				}
				return false
			})
			total += n
			if err != nil {
				return total, err
			}
		}
	}
	n, err := l.deleteSegmentsWhile("log start offset", now, func(_ *segment, next *segment, _ *int64) bool {
		return next != nil && next.base <= l.logStart.Load()
	})
	return total + n, err
}

// deleteSegmentsWhile removes leading segments while pred holds (Log.deletableSegments and
// Log.deleteSegments).
func (l *Log) deleteSegmentsWhile(reason string, now time.Time, pred func(s, next *segment, diff *int64) bool) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed || l.checkOnline() != nil {
		return 0, nil
	}
	cfg := l.Config()
	segs := l.segments()
	diff := l.Size() - cfg.RetentionBytes
	if reason != "retention size" {
		diff = 0
	} else if diff <= 0 {
		return 0, nil
	}
	hw := l.hw.Load()
	leo := l.leo.Load()
	n := 0
	for i, s := range segs {
		var next *segment
		upper := leo
		if i+1 < len(segs) {
			next, upper = segs[i+1], segs[i+1].base
		}
		lastAndEmpty := next == nil && s.size.Load() == 0
		if hw < upper || lastAndEmpty || !pred(s, next, &diff) {
			break
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	if n == len(segs) {
		// A log always keeps one segment: roll so the deleted ones are all inactive.
		if _, err := l.rollLocked(leo, now); err != nil {
			return 0, err
		}
		segs = l.segments()
	}
	doomed := append([]*segment(nil), segs[:n]...)
	l.publish(append([]*segment(nil), segs[n:]...))
	if first := segs[n].base; first > l.logStart.Load() {
		l.logStart.Store(first)
		if err := l.epochs.truncateFromStart(first); err != nil {
			l.log.WithError(err).Warn("Error writing leader epoch checkpoint")
		}
		l.truncateProducerHeadLocked(first)
	}
	l.log.Infof("Deleting %d segment(s) of %s due to %s breach; log start offset is now %d", n, l.tp, reason, l.logStart.Load())
	return n, l.removeSegmentsLocked(doomed)
}
