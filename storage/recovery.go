package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
)

// logParams is what the manager knows when it opens a partition directory.
type logParams struct {
	fs            FS
	dir           string
	tp            TopicPartition
	cfg           LogConfig
	recoveryPoint int64 // from recovery-point-offset-checkpoint (0 if absent)
	logStart      int64 // from log-start-offset-checkpoint (0 if absent)
	hw            int64 // from replication-offset-checkpoint (0 if absent)
	cleanShutdown bool
	log           *logrus.Entry
	now           time.Time
	home          *logDir // nil outside a Manager
}

// openLog loads a partition directory (creating it if needed) and, after an unclean
// shutdown, recovers it from the recovery point: Log.loadSegments and Log.recoverLog.
// Corrupt data is never an error here, only I/O failures are.
func openLog(p logParams) (*Log, error) {
	if p.log == nil {
		p.log = discardLogger()
	}
	l := &Log{tp: p.tp, dir: p.dir, fs: p.fs, log: p.log, home: p.home}
	cfg := p.cfg
	l.cfg.Store(&cfg)
	if err := p.fs.MkdirAll(p.dir, 0o755); err != nil {
		return nil, fmt.Errorf("storage: create %s: %w", p.dir, err)
	}
	epochs, err := loadEpochCache(p.fs, filepath.Join(p.dir, leaderEpochCheckpointFile), p.log)
	if err != nil {
		return nil, err
	}
	l.epochs = epochs
	l.loadTruncated = map[int64]int64{}
	segs, err := l.loadSegments(p)
	defer func() { l.loadTruncated = nil }()
	if err != nil {
		for _, s := range segs {
			s.release()
		}
		return nil, err
	}
	l.publish(segs)
	if err := l.finishLoad(p); err != nil {
		l.closeSegments()
		return nil, err
	}
	return l, nil
}

func (l *Log) closeSegments() {
	for _, s := range l.segments() {
		s.release()
	}
}

// loadSegments opens every segment, cleaning leftovers and rebuilding bad indexes.
func (l *Log) loadSegments(p logParams) ([]*segment, error) {
	if err := l.completeSwaps(p); err != nil {
		return nil, err
	}
	ents, err := p.fs.ReadDir(p.dir)
	if err != nil {
		return nil, fmt.Errorf("storage: list %s: %w", p.dir, err)
	}
	bases := map[int64]bool{}
	var names []string
	for _, e := range ents {
		if e.IsDir {
			continue
		}
		name := e.Name
		full := filepath.Join(p.dir, name)
		switch {
		case strings.HasSuffix(name, deletedSuffix), strings.HasSuffix(name, cleanedSuffix),
			strings.HasSuffix(name, ".tmp"):
			if err := p.fs.Remove(full); err != nil {
				return nil, fmt.Errorf("storage: remove leftover %s: %w", full, err)
			}
		default:
			if base, ok := parseFilenameOffset(name); ok && strings.HasSuffix(name, logSuffix) && len(name) == offsetNameWidth+len(logSuffix) {
				bases[base] = true
			}
			names = append(names, name)
		}
	}
	for _, name := range names { // orphaned indexes
		base, ok := parseFilenameOffset(name)
		if !ok || bases[base] {
			continue
		}
		if strings.HasSuffix(name, indexSuffix) || strings.HasSuffix(name, timeIndexSuffix) || strings.HasSuffix(name, txnIndexSuffix) {
			l.log.Warnf("Found an orphaned index file %s, with no corresponding log file", filepath.Join(p.dir, name))
			if err := p.fs.Remove(filepath.Join(p.dir, name)); err != nil {
				return nil, fmt.Errorf("storage: remove orphan index: %w", err)
			}
		}
	}
	sorted := make([]int64, 0, len(bases))
	for b := range bases {
		sorted = append(sorted, b)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	segs := make([]*segment, 0, len(sorted))
	for _, base := range sorted {
		_, e1 := p.fs.Stat(filepath.Join(p.dir, filenamePrefix(base)+indexSuffix))
		_, e2 := p.fs.Stat(filepath.Join(p.dir, filenamePrefix(base)+timeIndexSuffix))
		s, err := openSegment(p.fs, p.dir, base, p.cfg, false, p.now)
		if err != nil {
			return segs, err
		}
		segs = append(segs, s)
		reason := ""
		switch {
		case e1 != nil:
			reason = "missing offset index"
		case e2 != nil:
			reason = "missing time index"
		default:
			if err := s.offIdx.sanityCheck(); err != nil {
				reason = err.Error()
			} else if err := s.timeIdx.sanityCheck(); err != nil {
				reason = err.Error()
			}
		}
		if reason != "" {
			l.log.Warnf("Rebuilding index files of segment %d of %s: %s", base, l.tp, reason)
			n, err := l.recoverSegment(s, p.cfg)
			if err != nil {
				return segs, err
			}
			l.loadTruncated[s.base] = n
		}
	}
	return segs, nil
}

// completeSwaps finishes a compaction interrupted after its output became a ".log.swap":
// the swap replaces the segment with the same base offset (this cleaner replaces segments
// one for one) and its indexes are rebuilt. Swapped index files are dropped.
func (l *Log) completeSwaps(p logParams) error {
	ents, err := p.fs.ReadDir(p.dir)
	if err != nil {
		return fmt.Errorf("storage: list %s: %w", p.dir, err)
	}
	for _, e := range ents {
		if e.IsDir || !strings.HasSuffix(e.Name, swapSuffix) {
			continue
		}
		full := filepath.Join(p.dir, e.Name)
		if !strings.HasSuffix(e.Name, logSuffix+swapSuffix) {
			if err := p.fs.Remove(full); err != nil {
				return fmt.Errorf("storage: remove %s: %w", full, err)
			}
			continue
		}
		final := strings.TrimSuffix(full, swapSuffix)
		stem := strings.TrimSuffix(final, logSuffix)
		l.log.Infof("Completing swap of %s", final)
		for _, suf := range []string{indexSuffix, timeIndexSuffix, txnIndexSuffix} {
			if err := p.fs.Remove(stem + suf); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("storage: remove %s: %w", stem+suf, err)
			}
		}
		if err := p.fs.Rename(full, final); err != nil {
			return fmt.Errorf("storage: rename %s: %w", full, err)
		}
	}
	return nil
}

// finishLoad runs recovery and settles offsets (the tail of Log.loadSegments and the Log
// constructor).
func (l *Log) finishLoad(p logParams) error {
	segs := l.segments()
	if !p.cleanShutdown && len(segs) > 0 {
		if err := l.recoverLog(p); err != nil {
			return err
		}
		segs = l.segments()
	}
	if len(segs) > 0 {
		leo, err := segs[len(segs)-1].readNextOffset()
		if err != nil {
			return err
		}
		if leo < p.logStart {
			l.log.Warnf("Deleting all segments of %s because log end offset %d is below log start offset %d", l.tp, leo, p.logStart)
			l.publish(nil)
			if err := l.removeSegmentsLocked(segs); err != nil {
				return err
			}
			segs = nil
		}
	}
	if len(segs) == 0 {
		s, err := openSegment(p.fs, p.dir, p.logStart, p.cfg, true, p.now)
		if err != nil {
			return err
		}
		segs = []*segment{s}
		l.publish(segs)
	}
	active := segs[len(segs)-1]
	if err := active.activate(p.cfg); err != nil {
		return err
	}
	active.rollJitterMs = randomJitter(p.cfg)
	leo, err := active.readNextOffset()
	if err != nil {
		return err
	}
	l.leo.Store(leo)
	l.recoveryPoint.Store(leo) // everything below was either recovered or cleanly closed
	logStart := max(p.logStart, segs[0].base)
	l.logStart.Store(logStart)
	l.hw.Store(min(max(p.hw, logStart), leo))
	l.lastFlushMs.Store(p.now.UnixMilli())
	if err := l.epochs.truncateFromEnd(leo); err != nil {
		return err
	}
	if err := l.epochs.truncateFromStart(logStart); err != nil {
		return err
	}
	return l.reloadProducersLocked()
}

// recoverLog rescans every segment from the one holding the recovery point. The first
// segment with invalid bytes is truncated there and every later segment is deleted.
func (l *Log) recoverLog(p logParams) error {
	segs := l.segments()
	start := floorSegment(segs, p.recoveryPoint)
	for i := start; i < len(segs); i++ {
		s := segs[i]
		l.log.Infof("Recovering unflushed segment %d of %s", s.base, l.tp)
		truncated, err := l.recoverSegment(s, p.cfg)
		truncated += l.loadTruncated[s.base] // cut already while rebuilding a bad index
		if errors.Is(err, errInvalidOffset) {
			l.log.Warnf("Found invalid offset during recovery of %s. Deleting the corrupt segment and creating an empty one with starting offset %d", l.tp, s.base)
			truncated = s.size.Load()
			if terr := s.log.Truncate(0); terr != nil {
				return fmt.Errorf("storage: truncate %s: %w", s.path(logSuffix), terr)
			}
			s.size.Store(0)
			s.offIdx.truncateTo(s.base)
			s.timeIdx.truncateTo(s.base)
			s.maxTs.Store(noTimestamp)
			err = nil
		}
		if err != nil {
			return err
		}
		if truncated > 0 {
			next, _ := s.readNextOffset()
			later := segs[i+1:]
			l.log.Warnf("Corruption found in segment %d of %s, truncated %d bytes to offset %d; deleting %d later segment(s)",
				s.base, l.tp, truncated, next, len(later))
			l.publish(append([]*segment(nil), segs[:i+1]...))
			return l.removeSegmentsLocked(later)
		}
	}
	return nil
}

// recoverSegment rebuilds a segment's indexes from its batches and truncates it at the
// first batch that is torn or invalid (LogSegment.recover). Returns the bytes cut off.
func (l *Log) recoverSegment(s *segment, cfg LogConfig) (int64, error) {
	s.offIdx.truncateTo(s.base)
	s.timeIdx.truncateTo(s.base)
	if err := s.activate(cfg); err != nil {
		return 0, err
	}
	s.maxTs.Store(noTimestamp)
	s.offsetOfMaxTs.Store(s.base)
	end, err := s.log.Size()
	if err != nil {
		return 0, fmt.Errorf("storage: stat %s: %w", s.path(logSuffix), err)
	}
	var (
		valid, lastIndexed int64
		prevLast           = s.base - 1
		hdr                = make([]byte, batchHeaderSize)
		buf                []byte
		invalid            error
	)
	for {
		h, st, err := readHeaderAt(s.log, valid, end, hdr)
		if st == headerCorrupt && !errors.Is(err, ErrCorruptBatch) {
			return 0, err // an I/O error, not bad data
		}
		if st != headerOK {
			invalid = err
			break
		}
		size := h.size()
		if int64(cap(buf)) < size {
			buf = make([]byte, size)
		}
		b := buf[:size]
		if _, err := s.log.ReadAt(b, valid); err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("storage: read %s: %w", s.path(logSuffix), err)
		}
		if _, err := validateBatch(b); err != nil {
			invalid = err
			break
		}
		if h.BaseOffset <= prevLast {
			invalid = fmt.Errorf("%w: offset %d after %d", ErrCorruptBatch, h.BaseOffset, prevLast)
			break
		}
		if !s.canConvertToRelativeOffset(h.lastOffset()) || h.BaseOffset < s.base {
			// Kafka empties the whole segment here (InvalidOffsetException); cutting at this
			// batch keeps the valid batches before it.
			invalid = fmt.Errorf("%w: offsets %d..%d do not fit segment %d", ErrCorruptBatch, h.BaseOffset, h.lastOffset(), s.base)
			break
		}
		if h.MaxTimestamp > s.maxTs.Load() {
			s.offsetOfMaxTs.Store(h.lastOffset())
			s.maxTs.Store(h.MaxTimestamp)
		}
		if valid-lastIndexed > int64(cfg.IndexIntervalBytes) {
			if err := s.offIdx.append(h.lastOffset(), valid); err != nil {
				return 0, err
			}
			_ = s.timeIdx.maybeAppend(s.maxTs.Load(), s.offsetOfMaxTs.Load(), false)
			lastIndexed = valid
		}
		valid += size
		prevLast = h.lastOffset()
		if h.LeaderEpoch >= 0 {
			if e, ok := l.epochs.latest(); !ok || h.LeaderEpoch > e {
				if err := l.epochs.assign(h.LeaderEpoch, h.BaseOffset); err != nil {
					return 0, err
				}
			}
		}
	}
	truncated := end - valid
	if truncated > 0 {
		if invalid == nil {
			invalid = errors.New("incomplete batch at the end (torn write)")
		}
		l.log.Warnf("Truncating %d invalid bytes at byte offset %d of log segment %s during recovery: %v", truncated, valid, s.path(logSuffix), invalid)
		if err := s.log.Truncate(valid); err != nil {
			return 0, fmt.Errorf("storage: truncate %s: %w", s.path(logSuffix), err)
		}
	}
	s.size.Store(valid)
	s.bytesSinceIndex = valid - lastIndexed
	_ = s.timeIdx.maybeAppend(s.maxTs.Load(), s.offsetOfMaxTs.Load(), true)
	if err := s.offIdx.trimToValidSize(); err != nil {
		return 0, err
	}
	if err := s.timeIdx.trimToValidSize(); err != nil {
		return 0, err
	}
	return truncated, nil
}

func discardLogger() *logrus.Entry {
	lg := logrus.New()
	lg.SetOutput(io.Discard)
	return logrus.NewEntry(lg)
}
