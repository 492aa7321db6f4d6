package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Index entry sizes (part of the on-disk format; never change).
const (
	offsetIndexEntrySize = 8  // int32 relative offset, int32 file position
	timeIndexEntrySize   = 12 // int64 timestamp, int32 relative offset
)

// errInvalidOffset mirrors Kafka's InvalidOffsetException: an index append out of order.
var errInvalidOffset = errors.New("storage: index offset out of order")

// errIndexWrite: an index entry could not be written (its file system is
// full or failing); unlike a full or out-of-order index it is an I/O error,
// and takes the log dir offline.
var errIndexWrite = errors.New("storage: index write failed")

// errCorruptIndex mirrors Kafka's CorruptIndexException: the index must be rebuilt.
var errCorruptIndex = errors.New("storage: corrupt index")

// indexFile is the shared machinery of .index and .timeindex: a preallocated file, mapped
// read-only when it is an OS file (entries are written with pwrite) and held in a byte slice
// otherwise. Appends happen under the log's lock; readers use only the first entries.Load()
// entries and never lock. The mapping always spans the largest length the file may take, so
// shrinking the file (trim) never invalidates what a concurrent reader may touch; the mapping
// is released with the segment.
type indexFile struct {
	f          File
	path       string
	entrySize  int
	baseOffset int64
	buf        []byte
	mapped     bool
	entries    atomic.Int32
	maxEntries atomic.Int32 // capacity at the current file length

	mu      sync.Mutex // serialises writers of buf with heap-mode flushes
	fileLen int64
	scratch [timeIndexEntrySize]byte // put's entry on its way to pwrite, under mu
}

func roundDown(n int64, m int) int64 { return n - n%int64(m) }

// openIndexFile opens or creates an index. maxIndexSize is segment.index.bytes. An existing
// file's bytes are all taken as entries (Kafka's rule), so files must be trimmed on close.
func openIndexFile(fs FS, path string, baseOffset int64, entrySize int, maxIndexSize int32) (*indexFile, error) {
	_, statErr := fs.Stat(path)
	newlyCreated := statErr != nil
	f, err := fs.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("storage: open index: %w", err)
	}
	maxLen := roundDown(int64(maxIndexSize), entrySize)
	if newlyCreated {
		if err := f.Truncate(maxLen); err != nil {
			f.Close()
			return nil, fmt.Errorf("storage: preallocate index %s: %w", path, err)
		}
	}
	fileLen, err := f.Size()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("storage: stat index %s: %w", path, err)
	}
	ix := &indexFile{f: f, path: path, entrySize: entrySize, baseOffset: baseOffset, fileLen: fileLen}
	mapLen := max(maxLen, roundDown(fileLen, entrySize))
	if mapLen == 0 {
		mapLen = int64(entrySize) // keep buf non-empty; nothing beyond fileLen is touched
	}
	if of, ok := f.(*osFile); ok {
		b, err := unix.Mmap(int(of.f.Fd()), 0, int(mapLen), unix.PROT_READ, unix.MAP_SHARED)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("storage: mmap index %s: %w", path, err)
		}
		ix.buf, ix.mapped = b, true
	} else {
		ix.buf = make([]byte, mapLen)
		if n := min(fileLen, mapLen); n > 0 {
			if _, err := f.ReadAt(ix.buf[:n], 0); err != nil {
				f.Close()
				return nil, fmt.Errorf("storage: read index %s: %w", path, err)
			}
		}
	}
	if !newlyCreated {
		ix.entries.Store(int32(roundDown(min(fileLen, mapLen), entrySize) / int64(entrySize)))
	}
	ix.maxEntries.Store(int32(min(roundDown(fileLen, entrySize), mapLen) / int64(entrySize)))
	return ix, nil
}

func (ix *indexFile) count() int32 { return ix.entries.Load() }

// resize sets the file length (rounded down to whole entries, capped by the mapping).
// REQUIRES: log lock.
func (ix *indexFile) resize(n int64) error {
	n = min(roundDown(n, ix.entrySize), int64(len(ix.buf)))
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.mapped && n < ix.fileLen {
		if _, err := ix.f.WriteAt(ix.buf[:min(n, int64(ix.count())*int64(ix.entrySize))], 0); err != nil {
			return fmt.Errorf("storage: write index %s: %w", ix.path, err)
		}
	}
	if err := ix.f.Truncate(n); err != nil {
		return fmt.Errorf("storage: resize index %s: %w", ix.path, err)
	}
	ix.fileLen = n
	ix.maxEntries.Store(int32(n / int64(ix.entrySize)))
	if c := ix.count(); c > ix.maxEntries.Load() {
		ix.entries.Store(ix.maxEntries.Load())
	}
	return nil
}

// trimToValidSize shrinks the file to its entries (Kafka: on roll and close).
func (ix *indexFile) trimToValidSize() error {
	return ix.resize(int64(ix.count()) * int64(ix.entrySize))
}

// put writes entry slot n and publishes it. REQUIRES: log lock.
//
// A mapped index is written with pwrite, not through the mapping: a store
// into a shared file mapping takes a page fault whenever the kernel has
// write-protected the page again for dirty tracking (the file system's
// page_mkwrite), which on ext4 cost about three times the CPU of the
// system call per entry (docs/benchmarks.md, "index writes"). The page
// cache is one, so readers of the mapping see the entry once pwrite
// returns. A full or failing file system is an error from pwrite (ENOSPC,
// EIO), never a SIGBUS, and the entry is not published.
func (ix *indexFile) put(n int32, fill func(b []byte)) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	off := int(n) * ix.entrySize
	if !ix.mapped {
		fill(ix.buf[off : off+ix.entrySize])
		ix.entries.Store(n + 1)
		return nil
	}
	b := ix.scratch[:ix.entrySize]
	fill(b)
	if _, err := ix.f.WriteAt(b, int64(off)); err != nil {
		return fmt.Errorf("%w: %s: %w", errIndexWrite, ix.path, err)
	}
	ix.entries.Store(n + 1)
	return nil
}

func (ix *indexFile) flush() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// A mapped index is written with pwrite, so fsync covers it; the
	// mapping itself is read-only.
	if n := int64(ix.count()) * int64(ix.entrySize); !ix.mapped && n > 0 {
		if _, err := ix.f.WriteAt(ix.buf[:min(n, ix.fileLen)], 0); err != nil {
			return fmt.Errorf("storage: write index %s: %w", ix.path, err)
		}
	}
	if err := ix.f.Sync(); err != nil {
		return fmt.Errorf("storage: fsync index %s: %w", ix.path, err)
	}
	return nil
}

// release unmaps and closes. Only when no reader can touch the index any more.
func (ix *indexFile) release() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.mapped {
		_ = unix.Munmap(ix.buf)
		ix.mapped = false
	} else if n := min(int64(ix.count())*int64(ix.entrySize), ix.fileLen); n > 0 {
		_, _ = ix.f.WriteAt(ix.buf[:n], 0)
	}
	ix.buf = nil
	return ix.f.Close()
}

// offsetIndex maps offsets to .log positions.
type offsetIndex struct{ *indexFile }

func (x offsetIndex) entry(i int32) (offset int64, pos int32) {
	b := x.buf[int(i)*offsetIndexEntrySize:]
	return x.baseOffset + int64(int32(binary.BigEndian.Uint32(b))), int32(binary.BigEndian.Uint32(b[4:]))
}

func (x offsetIndex) lastOffset() int64 {
	n := x.count()
	if n == 0 {
		return x.baseOffset
	}
	o, _ := x.entry(n - 1)
	return o
}

func (x offsetIndex) isFull() bool { return x.count() >= x.maxEntries.Load() }

// append adds (offset, pos). REQUIRES: log lock.
func (x offsetIndex) append(offset int64, pos int64) error {
	n := x.count()
	if n > 0 && offset <= x.lastOffset() {
		return fmt.Errorf("%w: offset %d after %d in %s", errInvalidOffset, offset, x.lastOffset(), x.path)
	}
	if n >= x.maxEntries.Load() {
		return fmt.Errorf("storage: offset index %s is full", x.path)
	}
	return x.put(n, func(b []byte) {
		binary.BigEndian.PutUint32(b, uint32(offset-x.baseOffset))
		binary.BigEndian.PutUint32(b[4:], uint32(pos))
	})
}

// lookup returns the largest entry with offset <= target, or (base, 0).
func (x offsetIndex) lookup(target int64) (int64, int64) {
	n := x.count()
	i := sort.Search(int(n), func(i int) bool { o, _ := x.entry(int32(i)); return o > target })
	if i == 0 {
		return x.baseOffset, 0
	}
	o, p := x.entry(int32(i - 1))
	return o, int64(p)
}

// truncateTo keeps the entries below offset. REQUIRES: log lock.
func (x offsetIndex) truncateTo(offset int64) {
	n := x.count()
	i := sort.Search(int(n), func(i int) bool { o, _ := x.entry(int32(i)); return o >= offset })
	x.entries.Store(int32(i))
}

func (x offsetIndex) sanityCheck() error {
	if n := x.count(); n != 0 && x.lastOffset() < x.baseOffset {
		return fmt.Errorf("%w: %s has last offset %d below base %d", errCorruptIndex, x.path, x.lastOffset(), x.baseOffset)
	}
	if x.fileLen%offsetIndexEntrySize != 0 {
		return fmt.Errorf("%w: %s length %d is not a multiple of %d", errCorruptIndex, x.path, x.fileLen, offsetIndexEntrySize)
	}
	for i := int32(1); i < x.count(); i++ { // offsets must increase or lookups go wrong
		a, _ := x.entry(i - 1)
		b, _ := x.entry(i)
		if b <= a {
			return fmt.Errorf("%w: %s entry %d offset %d not above %d", errCorruptIndex, x.path, i, b, a)
		}
	}
	return nil
}

// timeIndex maps timestamps to offsets.
type timeIndex struct{ *indexFile }

func (x timeIndex) entry(i int32) (ts int64, offset int64) {
	b := x.buf[int(i)*timeIndexEntrySize:]
	return int64(binary.BigEndian.Uint64(b)), x.baseOffset + int64(int32(binary.BigEndian.Uint32(b[8:])))
}

func (x timeIndex) lastEntry() (int64, int64) {
	n := x.count()
	if n == 0 {
		return noTimestamp, x.baseOffset
	}
	return x.entry(n - 1)
}

// isFull keeps the last slot for the entry written on roll, as Kafka's TimeIndex does.
func (x timeIndex) isFull() bool { return x.count() >= x.maxEntries.Load()-1 }

// maybeAppend adds (ts, offset) when ts is above the last entry. REQUIRES: log lock.
func (x timeIndex) maybeAppend(ts, offset int64, skipFullCheck bool) error {
	n := x.count()
	if n >= x.maxEntries.Load() || (!skipFullCheck && x.isFull()) {
		if skipFullCheck {
			return nil
		}
		return fmt.Errorf("storage: time index %s is full", x.path)
	}
	lastTs, lastOff := x.lastEntry()
	if n != 0 && offset < lastOff {
		return fmt.Errorf("%w: time index %s offset %d below %d", errInvalidOffset, x.path, offset, lastOff)
	}
	if ts <= lastTs {
		return nil
	}
	return x.put(n, func(b []byte) {
		binary.BigEndian.PutUint64(b, uint64(ts))
		binary.BigEndian.PutUint32(b[8:], uint32(offset-x.baseOffset))
	})
}

// lookup returns the largest entry with timestamp <= target, or (-1, base).
func (x timeIndex) lookup(target int64) (int64, int64) {
	n := x.count()
	i := sort.Search(int(n), func(i int) bool { t, _ := x.entry(int32(i)); return t > target })
	if i == 0 {
		return noTimestamp, x.baseOffset
	}
	return x.entry(int32(i - 1))
}

// truncateTo keeps the entries whose offset is below offset. REQUIRES: log lock.
func (x timeIndex) truncateTo(offset int64) {
	n := x.count()
	i := sort.Search(int(n), func(i int) bool { _, o := x.entry(int32(i)); return o >= offset })
	x.entries.Store(int32(i))
}

func (x timeIndex) sanityCheck() error {
	n := x.count()
	if n != 0 {
		first, _ := x.entry(0)
		lastTs, lastOff := x.entry(n - 1)
		if lastTs < first {
			return fmt.Errorf("%w: %s last timestamp %d below first %d", errCorruptIndex, x.path, lastTs, first)
		}
		if lastOff < x.baseOffset {
			return fmt.Errorf("%w: %s last offset %d below base %d", errCorruptIndex, x.path, lastOff, x.baseOffset)
		}
	}
	if x.fileLen%timeIndexEntrySize != 0 {
		return fmt.Errorf("%w: %s length %d is not a multiple of %d", errCorruptIndex, x.path, x.fileLen, timeIndexEntrySize)
	}
	return nil
}
