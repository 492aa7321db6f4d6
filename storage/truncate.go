package storage

import (
	"fmt"
	"time"
)

// Truncate removes everything from offset on (a follower diverged from its leader). The
// batch containing offset goes too, so the new log end is at a batch boundary <= offset.
func (l *Log) Truncate(offset int64) (err error) {
	if offset < 0 {
		return fmt.Errorf("storage: %s: cannot truncate to negative offset %d", l.tp, offset)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkOnline(); err != nil {
		return err
	}
	if l.mu.closed {
		return fmt.Errorf("storage: %s: %w", l.tp, ErrClosed)
	}
	defer func() { err = l.failIO("truncating", err) }()
	if offset >= l.leo.Load() {
		return nil
	}
	l.log.Infof("Truncating to offset %d", offset)
	segs := l.segments()
	if segs[0].base > offset {
		return l.truncateFullyLocked(offset)
	}
	keep := floorSegment(segs, offset)
	for keep > 0 && segs[keep].base > offset {
		keep--
	}
	later := segs[keep+1:]
	l.publish(append([]*segment(nil), segs[:keep+1]...))
	if err := l.removeSegmentsLocked(later); err != nil {
		return err
	}
	s := segs[keep]
	if _, err := s.truncateTo(offset, l.Config(), time.Now()); err != nil {
		return fmt.Errorf("storage: %s: %w", l.tp, err)
	}
	leo, err := s.readNextOffset()
	if err != nil {
		return err
	}
	l.leo.Store(leo)
	if l.recoveryPoint.Load() > leo {
		l.recoveryPoint.Store(leo)
	}
	if l.logStart.Load() > leo {
		l.logStart.Store(leo)
	}
	if l.hw.Load() > leo {
		l.hw.Store(leo)
	}
	if err := l.epochs.truncateFromEnd(leo); err != nil {
		return err
	}
	return l.reloadProducersLocked()
}

// TruncateFully deletes every segment and restarts the log empty at newStart (a follower
// whose log is entirely below the leader's log start).
func (l *Log) TruncateFully(newStart int64) error {
	if newStart < 0 {
		return fmt.Errorf("storage: %s: cannot restart at negative offset %d", l.tp, newStart)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkOnline(); err != nil {
		return err
	}
	if l.mu.closed {
		return fmt.Errorf("storage: %s: %w", l.tp, ErrClosed)
	}
	return l.failIO("truncating", l.truncateFullyLocked(newStart))
}

// REQUIRES: l.mu.
func (l *Log) truncateFullyLocked(newStart int64) error {
	l.log.Infof("Truncating fully and starting at offset %d", newStart)
	old := l.segments()
	// Rename first so the new segment may reuse a base offset file name.
	for _, s := range old {
		if err := s.renameSuffix(deletedSuffix); err != nil {
			return fmt.Errorf("storage: %s: %w", l.tp, err)
		}
	}
	cfg := l.Config()
	s, err := openSegment(l.fs, l.dir, newStart, cfg, true, time.Now())
	if err != nil {
		return fmt.Errorf("storage: %s: %w", l.tp, err)
	}
	s.rollJitterMs = randomJitter(cfg)
	l.publish([]*segment{s})
	for _, o := range old {
		o.release()
	}
	l.scheduleDelete(old)
	l.leo.Store(newStart)
	l.logStart.Store(newStart)
	l.hw.Store(newStart)
	if l.recoveryPoint.Load() > newStart {
		l.recoveryPoint.Store(newStart)
	}
	l.producers.reset(newStart)
	if err := deleteSnapshotsWhere(l.fs, l.dir, func(int64) bool { return true }); err != nil {
		return fmt.Errorf("storage: %s: %w", l.tp, err)
	}
	return l.epochs.clear()
}

// DeleteRecordsBefore raises the log start offset to offset (DeleteRecords). Segments
// entirely below it are removed by the next retention pass. offset must not be above the
// high watermark.
func (l *Log) DeleteRecordsBefore(offset int64) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.checkOnline(); err != nil {
		return l.logStart.Load(), err
	}
	if l.mu.closed {
		return 0, fmt.Errorf("storage: %s: %w", l.tp, ErrClosed)
	}
	if offset < 0 || offset > l.hw.Load() {
		return l.logStart.Load(), fmt.Errorf("storage: %s: %w: cannot move log start to %d, high watermark is %d", l.tp, ErrOffsetOutOfRange, offset, l.hw.Load())
	}
	if offset > l.logStart.Load() {
		l.logStart.Store(offset)
		if err := l.epochs.truncateFromStart(offset); err != nil {
			return offset, l.failIO("deleting records of", err)
		}
		l.truncateProducerHeadLocked(offset)
	}
	return l.logStart.Load(), nil
}
