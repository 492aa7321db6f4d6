package storage

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"
)

// File name suffixes (part of the on-disk format; never change).
const (
	logSuffix       = ".log"
	indexSuffix     = ".index"
	timeIndexSuffix = ".timeindex"
	txnIndexSuffix  = ".txnindex"
	snapshotSuffix  = ".snapshot"
	deletedSuffix   = ".deleted"
	cleanedSuffix   = ".cleaned"
	swapSuffix      = ".swap"
	offsetNameWidth = 20 // base offset, zero-padded decimal
)

// filenamePrefix is Kafka's filenamePrefixFromOffset.
func filenamePrefix(offset int64) string {
	s := strconv.FormatInt(offset, 10)
	if len(s) >= offsetNameWidth {
		return s
	}
	b := make([]byte, offsetNameWidth)
	for i := range b[:offsetNameWidth-len(s)] {
		b[i] = '0'
	}
	copy(b[offsetNameWidth-len(s):], s)
	return string(b)
}

// parseFilenameOffset reads the base offset of a segment file name like 000...42.log.
func parseFilenameOffset(name string) (int64, bool) {
	i := 0
	for i < len(name) && name[i] >= '0' && name[i] <= '9' {
		i++
	}
	if i != offsetNameWidth || (i < len(name) && name[i] != '.') {
		return 0, false
	}
	v, err := strconv.ParseInt(name[:i], 10, 64)
	return v, err == nil
}

// segment is one .log file with its two indexes. size, the indexes' entry counts and the
// max-timestamp fields are published atomically so readers need no lock; everything else
// changes only under the owning log's lock.
type segment struct {
	fs      FS
	dir     string
	base    int64
	log     File
	offIdx  offsetIndex
	timeIdx timeIndex

	size          atomic.Int64
	maxTs         atomic.Int64 // largest batch maxTimestamp, -1 if none
	offsetOfMaxTs atomic.Int64
	refs          atomic.Int32 // 1 for the log's list + one per ReadResult
	truncations   atomic.Int64 // bumped by truncateTo; the cleaner swaps only an unchanged segment

	// REQUIRES: log lock.
	bytesSinceIndex int64
	rollingTs       int64 // maxTimestamp of the first batch; noTimestamp if unknown
	created         time.Time
	rollJitterMs    int64
}

func (s *segment) path(suffix string) string {
	return filepath.Join(s.dir, filenamePrefix(s.base)+suffix)
}

// openSegment opens (create=false) or creates a segment. A created segment starts empty
// with fresh preallocated indexes and, with preallocate=true, a .log file already
// segment.bytes long (Kafka's FileRecords.open with preallocate: setLength, a sparse file on
// Linux). Its logical size is what was appended: reads never reach the zero tail, a roll or
// close trims it, and recovery after a crash cuts it at the first invalid batch as it does
// any torn tail. An existing file is taken at its full length, as Kafka does.
func openSegment(fsys FS, dir string, base int64, cfg LogConfig, create bool, now time.Time) (_ *segment, err error) {
	s := &segment{fs: fsys, dir: dir, base: base, rollingTs: noTimestamp, created: now}
	s.maxTs.Store(noTimestamp)
	s.offsetOfMaxTs.Store(base)
	s.refs.Store(1)
	flag := os.O_RDWR
	if create {
		flag |= os.O_CREATE | os.O_TRUNC
		for _, suf := range []string{indexSuffix, timeIndexSuffix} {
			if err := fsys.Remove(s.path(suf)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("storage: remove stale %s: %w", s.path(suf), err)
			}
		}
	}
	f, err := fsys.OpenFile(s.path(logSuffix), flag, 0o644)
	if err != nil {
		return nil, fmt.Errorf("storage: open segment: %w", err)
	}
	if create {
		// A half-created segment must not outlive a failed roll: an empty last segment
		// would fix the log end offset at its base on the next open.
		defer func() {
			if err != nil {
				for _, suf := range []string{logSuffix, indexSuffix, timeIndexSuffix} {
					_ = fsys.Remove(s.path(suf))
				}
			}
		}()
	}
	s.log = f
	size, err := f.Size()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("storage: stat %s: %w", s.path(logSuffix), err)
	}
	s.size.Store(size)
	if create && cfg.Preallocate && cfg.SegmentBytes > 0 {
		if err := f.Truncate(cfg.SegmentBytes); err != nil {
			f.Close()
			return nil, fmt.Errorf("storage: preallocate %s: %w", s.path(logSuffix), err)
		}
	}
	oi, err := openIndexFile(fsys, s.path(indexSuffix), base, offsetIndexEntrySize, cfg.SegmentIndexBytes)
	if err != nil {
		f.Close()
		return nil, err
	}
	ti, err := openIndexFile(fsys, s.path(timeIndexSuffix), base, timeIndexEntrySize, cfg.SegmentIndexBytes)
	if err != nil {
		oi.release()
		f.Close()
		return nil, err
	}
	s.offIdx, s.timeIdx = offsetIndex{oi}, timeIndex{ti}
	if ts, off := s.timeIdx.lastEntry(); ts >= 0 {
		s.maxTs.Store(ts)
		s.offsetOfMaxTs.Store(off)
	}
	return s, nil
}

// acquire takes a reader reference; false if the segment is already released.
func (s *segment) acquire() bool {
	for {
		n := s.refs.Load()
		if n <= 0 {
			return false
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference and frees the files with the last one.
func (s *segment) release() {
	if s.refs.Add(-1) == 0 {
		s.offIdx.release()
		s.timeIdx.release()
		s.log.Close()
	}
}

func (s *segment) canConvertToRelativeOffset(offset int64) bool {
	d := offset - s.base
	return d >= 0 && d <= math.MaxInt32
}

// append writes a validated set of batches at the end. On a failed write the partial bytes
// are cut off (best effort) and size is unchanged, so the log still ends on a batch boundary.
// REQUIRES: log lock.
func (s *segment) append(b []byte, largestOffset, largestTs, offsetOfMaxTs int64, indexInterval int32) error {
	pos := s.size.Load()
	if !s.canConvertToRelativeOffset(largestOffset) {
		return fmt.Errorf("storage: offset %d does not fit segment %d", largestOffset, s.base)
	}
	if n, err := s.log.WriteAt(b, pos); err != nil {
		if n > 0 {
			_ = s.log.Truncate(pos)
		}
		return fmt.Errorf("storage: append %d bytes to %s: %w", len(b), s.path(logSuffix), err)
	}
	if pos == 0 {
		s.rollingTs = largestTs
	}
	s.size.Store(pos + int64(len(b)))
	if largestTs > s.maxTs.Load() {
		s.offsetOfMaxTs.Store(offsetOfMaxTs)
		s.maxTs.Store(largestTs)
	}
	if s.bytesSinceIndex > int64(indexInterval) {
		// A missing entry only lengthens a scan and roll keeps the indexes
		// from filling, so a full index is no error; a failed write is.
		errOff := s.offIdx.append(largestOffset, pos)
		errTime := s.timeIdx.maybeAppend(s.maxTs.Load(), s.offsetOfMaxTs.Load(), false)
		s.bytesSinceIndex = 0
		for _, err := range []error{errOff, errTime} {
			if errors.Is(err, errIndexWrite) {
				return err
			}
		}
	}
	s.bytesSinceIndex += int64(len(b))
	return nil
}

// headerStatus is what readHeaderAt found.
type headerStatus int

const (
	headerOK      headerStatus = iota
	headerEnd                  // no complete batch at pos (end of data or torn tail)
	headerCorrupt              // a size that cannot be right
)

// readHeaderAt reads the batch header at pos, given the data ends at end. buf must hold
// batchHeaderSize bytes.
func readHeaderAt(f File, pos, end int64, buf []byte) (batchHeader, headerStatus, error) {
	avail := end - pos
	if avail < headerSizeUpToMagic {
		return batchHeader{}, headerEnd, nil
	}
	n := int(min(avail, batchHeaderSize))
	if _, err := f.ReadAt(buf[:n], pos); err != nil && !(errors.Is(err, io.EOF)) {
		return batchHeader{}, headerCorrupt, fmt.Errorf("storage: read batch header at %d: %w", pos, err)
	}
	length := int64(int32(uint32(buf[offLength])<<24 | uint32(buf[offLength+1])<<16 | uint32(buf[offLength+2])<<8 | uint32(buf[offLength+3])))
	if length < 14 { // Kafka's minimum record overhead
		return batchHeader{}, headerCorrupt, fmt.Errorf("%w: batch size %d at position %d below the minimum 14", ErrCorruptBatch, length, pos)
	}
	if pos+batchLogOverhead+length > end {
		return batchHeader{}, headerEnd, nil
	}
	h, err := parseBatchHeader(buf[:n])
	if err != nil {
		return h, headerCorrupt, fmt.Errorf("%w (position %d)", err, pos)
	}
	return h, headerOK, nil
}

// find returns the position and header of the first batch at or after startPos whose last
// offset is >= target, scanning from the index. ok is false if there is none.
func (s *segment) find(target int64, startPos, end int64, buf []byte) (int64, batchHeader, bool, error) {
	_, pos := s.offIdx.lookup(target)
	pos = max(pos, startPos)
	for {
		h, st, err := readHeaderAt(s.log, pos, end, buf)
		switch {
		case err != nil:
			return 0, h, false, err
		case st != headerOK:
			return 0, h, false, nil
		case h.lastOffset() >= target:
			return pos, h, true, nil
		}
		pos += h.size()
	}
}

// read returns the region of whole batches from the batch containing offset: batches whose
// last offset is below maxOffset (if maxOffset >= 0), within maxBytes unless minOne and it
// is the first. found is false if the segment holds nothing at or after offset.
func (s *segment) read(offset, maxOffset int64, maxBytes int32, minOne bool, buf []byte) (pos, n int64, found bool, err error) {
	end := s.size.Load()
	start, h, ok, err := s.find(offset, 0, end, buf)
	if err != nil || !ok {
		return 0, 0, false, err
	}
	p := start
	for {
		if maxOffset >= 0 && h.lastOffset() >= maxOffset {
			break
		}
		if n+h.size() > int64(maxBytes) && !(minOne && n == 0) {
			break
		}
		n += h.size()
		p += h.size()
		var st headerStatus
		h, st, err = readHeaderAt(s.log, p, end, buf)
		if err != nil || st != headerOK {
			break
		}
	}
	return start, n, true, nil
}

// readNextOffset is the offset after the last batch (base if empty).
func (s *segment) readNextOffset() (int64, error) {
	buf := make([]byte, batchHeaderSize)
	end := s.size.Load()
	_, pos := s.offIdx.lookup(math.MaxInt64)
	next := s.base
	for {
		h, st, err := readHeaderAt(s.log, pos, end, buf)
		if err != nil {
			return 0, err
		}
		if st != headerOK {
			return next, nil
		}
		next = h.lastOffset() + 1
		pos += h.size()
	}
}

// timeWaitedForRoll follows LogSegment.timeWaitedForRoll.
func (s *segment) timeWaitedForRoll(nowMs, maxTsInMessages int64) int64 {
	if s.rollingTs == noTimestamp && s.size.Load() > 0 {
		buf := make([]byte, batchHeaderSize)
		if h, st, _ := readHeaderAt(s.log, 0, s.size.Load(), buf); st == headerOK {
			s.rollingTs = h.MaxTimestamp
		}
	}
	if s.rollingTs >= 0 {
		return maxTsInMessages - s.rollingTs
	}
	return nowMs - s.created.UnixMilli()
}

// shouldRoll follows LogSegment.shouldRoll. REQUIRES: log lock.
func (s *segment) shouldRoll(cfg LogConfig, setSize int64, maxTs, lastOffset int64, now time.Time) bool {
	size := s.size.Load()
	reachedRollMs := s.timeWaitedForRoll(now.UnixMilli(), maxTs) > cfg.SegmentMs-s.rollJitterMs
	return size > cfg.SegmentBytes-setSize ||
		(size > 0 && reachedRollMs) ||
		s.offIdx.isFull() || s.timeIdx.isFull() ||
		!s.canConvertToRelativeOffset(lastOffset)
}

// onBecomeInactive writes the final time index entry and trims the indexes and the log
// (Kafka does the same on roll and close) so that a reopened file holds exactly its entries.
func (s *segment) onBecomeInactive() error {
	_ = s.timeIdx.maybeAppend(s.maxTs.Load(), s.offsetOfMaxTs.Load(), true)
	if err := s.offIdx.trimToValidSize(); err != nil {
		return err
	}
	if err := s.timeIdx.trimToValidSize(); err != nil {
		return err
	}
	return s.trimLog()
}

// trimLog cuts a preallocated .log file back to the bytes appended (FileRecords.trim). It
// checks the file rather than the config: preallocate may have changed since the roll.
func (s *segment) trimLog() error {
	n, err := s.log.Size()
	if err != nil {
		return fmt.Errorf("storage: stat %s: %w", s.path(logSuffix), err)
	}
	if size := s.size.Load(); n > size {
		if err := s.log.Truncate(size); err != nil {
			return fmt.Errorf("storage: trim %s: %w", s.path(logSuffix), err)
		}
	}
	return nil
}

// activate resizes the indexes back to their maximum (a loaded or truncated active segment).
func (s *segment) activate(cfg LogConfig) error {
	if err := s.offIdx.resize(int64(cfg.SegmentIndexBytes)); err != nil {
		return err
	}
	return s.timeIdx.resize(int64(cfg.SegmentIndexBytes))
}

func (s *segment) flush() error {
	if err := s.log.Sync(); err != nil {
		return fmt.Errorf("storage: fsync %s: %w", s.path(logSuffix), err)
	}
	if err := s.offIdx.flush(); err != nil {
		return err
	}
	return s.timeIdx.flush()
}

// largestTimestamp is the retention clock: max batch timestamp, else the file's mtime.
func (s *segment) largestTimestamp() int64 {
	if ts := s.maxTs.Load(); ts >= 0 {
		return ts
	}
	if fi, err := s.fs.Stat(s.path(logSuffix)); err == nil {
		return fi.ModTime.UnixMilli()
	}
	return s.created.UnixMilli()
}

// truncateTo removes every batch whose last offset is >= offset... precisely, everything
// from the batch containing offset on. Returns the bytes removed. REQUIRES: log lock.
func (s *segment) truncateTo(offset int64, cfg LogConfig, now time.Time) (int64, error) {
	buf := make([]byte, batchHeaderSize)
	end := s.size.Load()
	pos, _, ok, err := s.find(offset, 0, end, buf)
	if err != nil {
		return 0, err
	}
	s.truncations.Add(1)
	s.offIdx.truncateTo(offset)
	s.timeIdx.truncateTo(offset)
	if err := s.activate(cfg); err != nil {
		return 0, err
	}
	if !ok {
		pos = end
	}
	if pos < end {
		if err := s.log.Truncate(pos); err != nil {
			return 0, fmt.Errorf("storage: truncate %s: %w", s.path(logSuffix), err)
		}
		s.size.Store(pos)
	}
	if pos == 0 {
		s.created = now
		s.rollingTs = noTimestamp
	}
	s.bytesSinceIndex = 0
	if err := s.reloadMaxTimestamp(buf); err != nil {
		return 0, err
	}
	return end - pos, nil
}

// reloadMaxTimestamp recomputes the max timestamp from the time index and the batches after
// the last offset index entry (LogSegment.loadLargestTimestamp).
func (s *segment) reloadMaxTimestamp(buf []byte) error {
	ts, off := s.timeIdx.lastEntry()
	_, pos := s.offIdx.lookup(math.MaxInt64)
	end := s.size.Load()
	for {
		h, st, err := readHeaderAt(s.log, pos, end, buf)
		if err != nil {
			return err
		}
		if st != headerOK {
			break
		}
		if h.MaxTimestamp > ts {
			ts, off = h.MaxTimestamp, h.lastOffset()
		}
		pos += h.size()
	}
	s.maxTs.Store(ts)
	s.offsetOfMaxTs.Store(off)
	return nil
}

// renameSuffix appends suffix (".deleted") to the segment's files; missing files are fine.
func (s *segment) renameSuffix(suffix string) error {
	for _, suf := range []string{logSuffix, indexSuffix, timeIndexSuffix, txnIndexSuffix} {
		p := s.path(suf)
		if err := s.fs.Rename(p, p+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("storage: rename %s: %w", p, err)
		}
	}
	return nil
}

// removeSuffixed deletes the segment's files that carry suffix.
func (s *segment) removeSuffixed(suffix string) error {
	var first error
	for _, suf := range []string{logSuffix, indexSuffix, timeIndexSuffix, txnIndexSuffix} {
		if err := s.fs.Remove(s.path(suf) + suffix); err != nil && !errors.Is(err, os.ErrNotExist) && first == nil {
			first = err
		}
	}
	return first
}
