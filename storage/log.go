package storage

import (
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// Log is one partition's log: an ordered list of segments in one directory.
//
// Appends, rolls, truncation and retention hold mu. Readers never take mu: they load the
// published segment list and log end offset atomically and read files with pread, so a fetch
// never waits for an append. A segment's files stay open while any ReadResult holds it.
type Log struct {
	tp     TopicPartition
	dir    string
	fs     FS
	log    *logrus.Entry
	cfg    atomic.Pointer[LogConfig]
	epochs *epochCache

	mu struct {
		sync.Mutex
		closed bool
	}
	producers     producerStates             // guarded by mu
	closed        atomic.Bool                // mirrors mu.closed for lock-free readers
	segs          atomic.Pointer[[]*segment] // sorted by base offset; never empty while open
	leo           atomic.Int64
	logStart      atomic.Int64
	hw            atomic.Int64
	recoveryPoint atomic.Int64 // everything below is fsynced
	lastFlushMs   atomic.Int64

	flushMu sync.Mutex     // serialises flushes so concurrent requests share one fsync
	bg      sync.WaitGroup // async flushes

	delMu     sync.Mutex
	delTimers map[*time.Timer]struct{}

	loadTruncated map[int64]int64 // only while opening: bytes cut per segment base

	hdrPool sync.Pool // *[batchHeaderSize]byte scratch for reads, so a fetch allocates nothing

	home *logDir // the log dir holding this log, told of I/O errors; nil outside a Manager
}

// TopicPartition returns the partition this log holds.
func (l *Log) TopicPartition() TopicPartition { return l.tp }

// Dir returns the partition directory.
func (l *Log) Dir() string { return l.dir }

// Config returns the log's current configuration.
func (l *Log) Config() LogConfig { return *l.cfg.Load() }

// SetConfig replaces the configuration; new values apply from the next append or roll.
func (l *Log) SetConfig(c LogConfig) { l.cfg.Store(&c) }

// LogStartOffset returns the first offset a read may ask for.
func (l *Log) LogStartOffset() int64 { return l.logStart.Load() }

// LogEndOffset returns the offset the next appended record gets.
func (l *Log) LogEndOffset() int64 { return l.leo.Load() }

// SetHighWatermark tells retention how far segments may be deleted.
func (l *Log) SetHighWatermark(hw int64) { l.hw.Store(hw) }

// HighWatermark returns the last value given to SetHighWatermark (or the checkpointed one).
func (l *Log) HighWatermark() int64 { return l.hw.Load() }

// RecoveryPoint returns the offset below which the log is known to be on disk.
func (l *Log) RecoveryPoint() int64 { return l.recoveryPoint.Load() }

// Size returns the total bytes of all segments.
func (l *Log) Size() int64 {
	var n int64
	for _, s := range *l.segs.Load() {
		n += s.size.Load()
	}
	return n
}

// NumSegments returns how many segments the log has.
func (l *Log) NumSegments() int { return len(*l.segs.Load()) }

func (l *Log) segments() []*segment { return *l.segs.Load() }

// publish installs a new segment list. REQUIRES: l.mu.
func (l *Log) publish(segs []*segment) { l.segs.Store(&segs) }

func (l *Log) active() *segment {
	s := l.segments()
	return s[len(s)-1]
}

// floorSegment returns the index of the last segment with base <= offset (0 if none).
func floorSegment(segs []*segment, offset int64) int {
	i := sort.Search(len(segs), func(i int) bool { return segs[i].base > offset })
	return max(i-1, 0)
}

// AssignLeaderEpoch records that epoch starts at startOffset (a new leader calls it with
// its log end offset).
func (l *Log) AssignLeaderEpoch(epoch int32, startOffset int64) error {
	return l.failIO("writing the leader epoch checkpoint of", l.epochs.assign(epoch, startOffset))
}

// EndOffsetForEpoch answers OffsetForLeaderEpoch: (-1, -1) when the epoch is unknown.
func (l *Log) EndOffsetForEpoch(epoch int32) (int32, int64) {
	return l.epochs.endOffsetFor(epoch, l.leo.Load())
}

// LatestEpoch returns the newest leader epoch in the cache.
func (l *Log) LatestEpoch() (int32, bool) { return l.epochs.latest() }

// Flush fsyncs everything up to the log end offset.
func (l *Log) Flush() error { return l.flushTo(l.leo.Load()) }

// flushTo fsyncs the segments holding [recoveryPoint, offset) and advances the recovery
// point. Callers that arrive while a flush runs wait for it and then usually find their
// offset already covered: that is the grouped fsync.
func (l *Log) flushTo(offset int64) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	if err := l.checkOnline(); err != nil {
		return err
	}
	rp := l.recoveryPoint.Load()
	if offset <= rp {
		return nil
	}
	segs := l.segments()
	for i, s := range segs {
		if s.base >= offset || (i+1 < len(segs) && segs[i+1].base <= rp) {
			continue
		}
		if !s.acquire() {
			continue // deleted meanwhile; nothing left to make durable
		}
		err := s.flush()
		s.release()
		if err != nil {
			return l.failIO("flushing log for", err)
		}
	}
	for {
		cur := l.recoveryPoint.Load()
		if offset <= cur || l.recoveryPoint.CompareAndSwap(cur, offset) {
			break
		}
	}
	l.lastFlushMs.Store(time.Now().UnixMilli())
	return nil
}

// flushAsync flushes below offset in the background (after a roll, as Kafka does).
// REQUIRES: l.mu (so that Close cannot run between the check and bg.Add).
func (l *Log) flushAsync(offset int64) {
	l.bg.Add(1)
	go func() {
		defer l.bg.Done()
		if err := l.flushTo(offset); err != nil {
			l.log.WithError(err).Errorf("Error flushing %s up to offset %d", l.tp, offset)
		}
	}()
}

// scheduleDelete removes the ".deleted" files of segs after file.delete.delay.ms.
// The segments must already be out of the list and renamed.
func (l *Log) scheduleDelete(segs []*segment) {
	if len(segs) == 0 {
		return
	}
	del := func() {
		for _, s := range segs {
			if err := s.removeSuffixed(deletedSuffix); err != nil {
				l.log.WithError(err).Warnf("Error deleting segment %d of %s", s.base, l.tp)
			}
		}
	}
	delay := time.Duration(l.Config().FileDeleteDelayMs) * time.Millisecond
	if delay <= 0 {
		del()
		return
	}
	l.delMu.Lock()
	defer l.delMu.Unlock()
	if l.delTimers == nil {
		l.delTimers = map[*time.Timer]struct{}{}
	}
	var t *time.Timer
	t = time.AfterFunc(delay, func() {
		l.delMu.Lock()
		_, live := l.delTimers[t]
		delete(l.delTimers, t)
		l.delMu.Unlock()
		if live {
			del()
		}
	})
	l.delTimers[t] = struct{}{}
}

// removeSegmentsLocked takes segs out of service: rename to .deleted, drop the list's
// reference, delete later. REQUIRES: l.mu, and segs already removed from the published list.
func (l *Log) removeSegmentsLocked(segs []*segment) error {
	var first error
	for _, s := range segs {
		if err := s.renameSuffix(deletedSuffix); err != nil && first == nil {
			first = err
		}
		s.release()
	}
	l.scheduleDelete(segs)
	return first
}

// Close trims indexes and closes files; pending deletes are left to the next open.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return nil
	}
	l.mu.closed = true
	l.closed.Store(true)
	l.mu.Unlock()
	l.bg.Wait()
	l.delMu.Lock()
	for t := range l.delTimers {
		t.Stop()
	}
	l.delTimers = nil
	l.delMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	// Kafka snapshots the producer state at the log end on close, so that the next open
	// replays nothing.
	first := l.takeProducerSnapshotLocked()
	for _, s := range l.segments() {
		if err := s.onBecomeInactive(); err != nil && first == nil {
			first = err
		}
		s.release()
	}
	return first
}

// randomJitter follows LogConfig.randomSegmentJitter.
func randomJitter(c LogConfig) int64 {
	if c.SegmentJitterMs <= 0 {
		return 0
	}
	return rand.Int64N(min(c.SegmentJitterMs, c.SegmentMs))
}

// rollLocked starts a new active segment at max(expectedNext, LEO). The new segment is
// created before the old one is retired, so a failed create leaves the log as it was.
// REQUIRES: l.mu.
func (l *Log) rollLocked(expectedNext int64, now time.Time) (*segment, error) {
	segs := l.segments()
	old := segs[len(segs)-1]
	newBase := max(expectedNext, l.leo.Load())
	if old.base == newBase && old.size.Load() == 0 {
		return old, nil
	}
	if old.base >= newBase {
		return nil, fmt.Errorf("storage: %s: cannot roll to offset %d, active segment starts at %d", l.tp, newBase, old.base)
	}
	// The snapshot's offset is the new segment's base, so recovering this segment can
	// start from it (Log.roll).
	l.producers.mapEnd = newBase
	if err := l.takeProducerSnapshotLocked(); err != nil {
		return nil, fmt.Errorf("storage: %s: roll: %w", l.tp, err)
	}
	cfg := l.Config()
	s, err := openSegment(l.fs, l.dir, newBase, cfg, true, now)
	if err != nil {
		return nil, fmt.Errorf("storage: %s: roll: %w", l.tp, err)
	}
	s.rollJitterMs = randomJitter(cfg)
	if err := old.onBecomeInactive(); err != nil {
		l.log.WithError(err).Warnf("Error trimming indexes of segment %d of %s", old.base, l.tp)
	}
	next := make([]*segment, len(segs), len(segs)+1)
	copy(next, segs)
	l.publish(append(next, s))
	l.log.Infof("Rolled new log segment at offset %d", newBase)
	l.flushAsync(newBase)
	return s, nil
}

func (l *Log) segmentPath(base int64, suffix string) string {
	return filepath.Join(l.dir, filenamePrefix(base)+suffix)
}

var _ io.Closer = (*Log)(nil)
