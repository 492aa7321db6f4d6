package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/samsa-broker/samsa/internal/compress"
)

// cleanStats reports one compaction pass.
type cleanStats struct {
	firstDirty, endOffset int64 // the dirty range cleaned: [firstDirty, endOffset)
	segments              int   // segments rewritten
	bytesRead, bytesOut   int64
	ratio                 float64
}

// throttleFunc is called with the bytes just processed; it may sleep (cleaner I/O limit).
type throttleFunc func(n int64)

// cleanableRange follows LogCleanerManager: the dirty section starts at the cleaner
// checkpoint (at least the log start) and ends before the active segment, the high
// watermark, and any segment younger than min.compaction.lag.ms.
func (l *Log) cleanableRange(firstDirty int64, now time.Time) (segs []*segment, dirtyFrom, end int, ratio float64) {
	cfg := l.Config()
	segs = l.segments()
	firstDirty = max(firstDirty, l.logStart.Load())
	uncleanable := min(segs[len(segs)-1].base, l.hw.Load())
	for _, s := range segs {
		if cfg.MinCompactionLagMs > 0 && s.largestTimestamp() > now.UnixMilli()-cfg.MinCompactionLagMs {
			uncleanable = min(uncleanable, s.base)
			break
		}
	}
	var clean, dirty int64
	dirtyFrom, end = -1, 0
	for i := 0; i+1 < len(segs); i++ {
		segEnd := segs[i+1].base
		if segEnd > uncleanable {
			break
		}
		if segEnd <= firstDirty {
			clean += segs[i].size.Load()
		} else {
			if dirtyFrom < 0 {
				dirtyFrom = i
			}
			dirty += segs[i].size.Load()
		}
		end = i + 1
	}
	if dirtyFrom < 0 || dirty == 0 {
		return segs, -1, 0, 0
	}
	return segs, dirtyFrom, end, float64(dirty) / float64(clean+dirty)
}

// Clean compacts the log once if cleanup.policy includes compact and the dirty ratio is at
// least min.cleanable.dirty.ratio: for every key only the record with the highest offset
// survives, tombstones older than delete.retention.ms are dropped, offsets are preserved.
// firstDirty is the cleaner checkpoint; the returned stats' endOffset is the next one.
func (l *Log) Clean(firstDirty int64, now time.Time) (int64, error) {
	st, err := l.clean(firstDirty, now, nil)
	if err != nil || st.segments < 0 {
		return firstDirty, err
	}
	return st.endOffset, nil
}

func (l *Log) clean(firstDirty int64, now time.Time, throttle throttleFunc) (cleanStats, error) {
	cfg := l.Config()
	st := cleanStats{firstDirty: firstDirty, endOffset: firstDirty, segments: -1}
	if !cfg.compactPolicy() {
		return st, nil
	}
	segs, dirtyFrom, end, ratio := l.cleanableRange(firstDirty, now)
	st.ratio = ratio
	if dirtyFrom < 0 || (ratio < cfg.MinCleanableDirtyRatio && !overdue(segs[dirtyFrom], cfg, now)) {
		return st, nil
	}
	work := segs[:end]
	for i, s := range work {
		if !s.acquire() {
			for _, r := range work[:i] {
				r.release()
			}
			return st, nil // the list changed under us; try next time
		}
	}
	defer func() {
		for _, s := range work {
			s.release()
		}
	}()
	st.endOffset = segs[end].base
	// Latest offset of every key in the dirty section.
	latest := map[string]int64{}
	for _, s := range work[dirtyFrom:] {
		err := scanBatches(s, func(b []byte, h batchHeader) error {
			st.bytesRead += int64(len(b))
			if h.Attributes&attrControl != 0 {
				return nil
			}
			return forEachRecord(b, func(r recordView) bool {
				if r.Key != nil {
					latest[string(r.Key)] = r.Offset
				}
				return true
			})
		})
		if err != nil {
			return st, err
		}
		if throttle != nil {
			throttle(s.size.Load())
		}
	}
	// Tombstones survive in segments modified after the last clean segment's time minus
	// delete.retention.ms (LogCleaner.deleteHorizonMs).
	var horizon int64
	if dirtyFrom > 0 {
		horizon = work[dirtyFrom-1].lastModified() - cfg.DeleteRetentionMs
	}
	st.segments = 0
	for _, s := range work {
		retainDeletes := s.lastModified() > horizon
		n, out, err := l.cleanSegment(s, latest, retainDeletes)
		st.bytesOut += out
		if err != nil {
			return st, err
		}
		st.segments += n
		if throttle != nil {
			throttle(s.size.Load())
		}
	}
	l.log.Infof("Cleaned %s: offsets [%d, %d), %d segment(s) rewritten, dirty ratio %.2f", l.tp, firstDirty, st.endOffset, st.segments, ratio)
	return st, nil
}

// overdue reports whether the first dirty segment waited longer than max.compaction.lag.ms,
// which makes the log cleanable whatever its dirty ratio (KIP-354).
func overdue(s *segment, cfg LogConfig, now time.Time) bool {
	if cfg.MaxCompactionLagMs <= 0 || cfg.MaxCompactionLagMs == maxInt64 {
		return false
	}
	hdr := make([]byte, batchHeaderSize)
	h, st, _ := readHeaderAt(s.log, 0, s.size.Load(), hdr)
	return st == headerOK && h.MaxTimestamp >= 0 && h.MaxTimestamp < now.UnixMilli()-cfg.MaxCompactionLagMs
}

func (s *segment) lastModified() int64 {
	if fi, err := s.fs.Stat(s.path(logSuffix)); err == nil {
		return fi.ModTime.UnixMilli()
	}
	return s.created.UnixMilli()
}

// scanBatches calls fn with every whole batch of the segment.
func scanBatches(s *segment, fn func(b []byte, h batchHeader) error) error {
	end := s.size.Load()
	hdr := make([]byte, batchHeaderSize)
	var buf []byte
	for pos := int64(0); ; {
		h, st, err := readHeaderAt(s.log, pos, end, hdr)
		if err != nil {
			return err
		}
		if st != headerOK {
			return nil
		}
		if int64(cap(buf)) < h.size() {
			buf = make([]byte, h.size())
		}
		b := buf[:h.size()]
		if _, err := s.log.ReadAt(b, pos); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("storage: read %s: %w", s.path(logSuffix), err)
		}
		if err := fn(b, h); err != nil {
			return err
		}
		pos += h.size()
	}
}

// cleanSegment writes the retained records of s to <base>.log.cleaned and, if anything was
// dropped, swaps it in: .cleaned -> .swap, old files -> .deleted, .swap -> .log. A crash at
// any step is finished on the next open (recovery.go: completeSwaps). Returns 1 if swapped.
func (l *Log) cleanSegment(s *segment, latest map[string]int64, retainDeletes bool) (int, int64, error) {
	cleanedPath := s.path(logSuffix) + cleanedSuffix
	gen := s.truncations.Load()
	f, err := l.fs.OpenFile(cleanedPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return 0, 0, fmt.Errorf("storage: create %s: %w", cleanedPath, err)
	}
	var out int64
	dropped := false
	var scratch []byte
	err = scanBatches(s, func(b []byte, h batchHeader) error {
		nb, changed, err := filterBatch(b, h, latest, retainDeletes, scratch[:0])
		if err != nil {
			return err
		}
		scratch = nb
		if changed {
			dropped = true
		}
		if len(nb) == 0 {
			return nil
		}
		if _, err := f.WriteAt(nb, out); err != nil {
			return fmt.Errorf("storage: write %s: %w", cleanedPath, err)
		}
		out += int64(len(nb))
		return nil
	})
	if err == nil && dropped {
		err = f.Sync()
	}
	f.Close()
	if err == nil && dropped {
		// Keep the segment's age for retention and the tombstone horizon, as Kafka does.
		err = l.fs.Chtimes(cleanedPath, time.UnixMilli(s.lastModified()))
	}
	if err != nil || !dropped {
		_ = l.fs.Remove(cleanedPath)
		return 0, out, err
	}
	return l.swapSegment(s, cleanedPath, gen)
}

// swapSegment replaces s by the cleaned file, under the log lock.
func (l *Log) swapSegment(s *segment, cleanedPath string, gen int64) (int, int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	segs := l.segments()
	idx := -1
	for i, c := range segs {
		if c == s {
			idx = i
		}
	}
	if l.mu.closed || idx < 0 || idx == len(segs)-1 || s.truncations.Load() != gen {
		_ = l.fs.Remove(cleanedPath) // truncated, deleted or reactivated meanwhile
		return 0, 0, nil
	}
	swapPath := s.path(logSuffix) + swapSuffix
	if err := l.fs.Rename(cleanedPath, swapPath); err != nil {
		return 0, 0, fmt.Errorf("storage: rename %s: %w", cleanedPath, err)
	}
	if err := s.renameSuffix(deletedSuffix); err != nil {
		return 0, 0, err
	}
	if err := l.fs.Rename(swapPath, s.path(logSuffix)); err != nil {
		return 0, 0, fmt.Errorf("storage: rename %s: %w", swapPath, err)
	}
	cfg := l.Config()
	ns, err := openSegment(l.fs, l.dir, s.base, cfg, false, time.Now())
	if err != nil {
		return 0, 0, err
	}
	if _, err := l.recoverSegment(ns, cfg); err != nil {
		ns.release()
		return 0, 0, err
	}
	next := append([]*segment(nil), segs...)
	next[idx] = ns
	l.publish(next)
	s.release()
	l.scheduleDelete([]*segment{s})
	return 1, ns.size.Load(), nil
}

// filterBatch returns the batch with only the retained records: all of it unchanged when
// nothing is dropped, nothing when nothing is kept, else a new batch with the same base
// offset, last offset delta, first timestamp and producer fields, the kept records' bytes
// as they were (their deltas stay valid) and a recomputed max timestamp and CRC.
func filterBatch(b []byte, h batchHeader, latest map[string]int64, retainDeletes bool, dst []byte) ([]byte, bool, error) {
	if h.Attributes&attrControl != 0 {
		return append(dst, b...), false, nil
	}
	var kept [][]byte
	maxTs := int64(noTimestamp)
	total := 0
	err := forEachRecord(b, func(r recordView) bool {
		total++
		if r.Key != nil {
			if off, ok := latest[string(r.Key)]; ok && r.Offset < off {
				return true // a later record has this key
			}
		}
		if r.ValueNull && !retainDeletes {
			return true // tombstone past delete.retention.ms
		}
		kept = append(kept, r.Raw)
		maxTs = max(maxTs, r.Timestamp)
		return true
	})
	if err != nil {
		return nil, false, err
	}
	if len(kept) == total {
		return append(dst, b...), false, nil
	}
	if len(kept) == 0 {
		return dst[:0], true, nil
	}
	var body []byte
	for _, r := range kept {
		body = append(body, r...)
	}
	if codec := compress.Codec(h.Attributes & attrCompressionMask); codec != compress.None {
		if body, err = compress.Compress(codec, nil, body); err != nil {
			return nil, false, fmt.Errorf("storage: recompress batch %d: %w", h.BaseOffset, err)
		}
	}
	out := append(dst[:0], b[:batchHeaderSize]...)
	out = append(out, body...)
	binary.BigEndian.PutUint32(out[offLength:], uint32(len(out)-batchLogOverhead))
	if h.Attributes&attrTimestampLogAppend == 0 {
		binary.BigEndian.PutUint64(out[offMaxTimestamp:], uint64(maxTs))
	}
	binary.BigEndian.PutUint32(out[offRecordCount:], uint32(len(kept)))
	binary.BigEndian.PutUint32(out[offCRC:], batchCRC(out))
	return out, true, nil
}
