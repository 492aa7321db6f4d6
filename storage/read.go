package storage

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// ReadResult holds whole batches as a region of one segment file. It keeps the file open
// until Release, which must be called exactly once (also for an empty result).
type ReadResult struct {
	seg  *segment
	pos  int64
	size int32
}

// Size is the number of bytes in the result.
func (r ReadResult) Size() int32 { return r.size }

// Release lets the segment's files be closed.
func (r ReadResult) Release() {
	if r.seg != nil {
		r.seg.release()
	}
}

// AppendTo appends the bytes to dst (pread).
func (r ReadResult) AppendTo(dst []byte) ([]byte, error) {
	if r.size == 0 {
		return dst, nil
	}
	n := len(dst)
	if cap(dst)-n < int(r.size) {
		grown := make([]byte, n, n+int(r.size))
		copy(grown, dst)
		dst = grown
	}
	dst = dst[:n+int(r.size)]
	if _, err := r.seg.log.ReadAt(dst[n:], r.pos); err != nil {
		return dst[:n], fmt.Errorf("storage: read %s at %d: %w", r.seg.path(logSuffix), r.pos, err)
	}
	return dst, nil
}

// WriteTo writes the bytes to w: with sendfile(2) when w is a *net.TCPConn and the segment
// is an OS file, else through a buffer.
func (r ReadResult) WriteTo(w io.Writer) (int64, error) {
	if r.size == 0 {
		return 0, nil
	}
	if tc, ok := w.(*net.TCPConn); ok {
		if of, ok := r.seg.log.(*osFile); ok {
			return sendFile(tc, of.f, r.pos, int64(r.size))
		}
	}
	buf := make([]byte, min(int(r.size), 256<<10))
	var written int64
	for written < int64(r.size) {
		n := min(int64(len(buf)), int64(r.size)-written)
		m, err := r.seg.log.ReadAt(buf[:n], r.pos+written)
		if int64(m) < n {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return written, fmt.Errorf("storage: read %s: %w", r.seg.path(logSuffix), err)
		}
		k, err := w.Write(buf[:n])
		written += int64(k)
		if err != nil {
			return written, err
		}
	}
	return written, nil
}

// sendFile copies n bytes at off of src to the socket without passing through user space.
// The file offset is explicit, so concurrent readers of the same file do not interfere.
func sendFile(dst *net.TCPConn, src *os.File, off, n int64) (int64, error) {
	dconn, err := dst.SyscallConn()
	if err != nil {
		return 0, err
	}
	sconn, err := src.SyscallConn()
	if err != nil {
		return 0, err
	}
	var written int64
	var opErr error
	cerr := sconn.Control(func(sfd uintptr) {
		werr := dconn.Write(func(dfd uintptr) bool {
			for written < n {
				o := off + written
				m, err := unix.Sendfile(int(dfd), int(sfd), &o, int(min(n-written, 1<<30)))
				if m > 0 {
					written += int64(m)
				}
				switch {
				case errors.Is(err, syscall.EAGAIN):
					return false // wait until the socket is writable
				case errors.Is(err, syscall.EINTR):
					continue
				case err != nil:
					opErr = os.NewSyscallError("sendfile", err)
					return true
				case m == 0:
					opErr = io.ErrUnexpectedEOF // the file was truncated under us
					return true
				}
			}
			return true
		})
		if werr != nil && opErr == nil {
			opErr = werr
		}
	})
	if cerr != nil && opErr == nil {
		opErr = cerr
	}
	return written, opErr
}

// Read returns whole batches starting with the batch that contains offset: only batches
// whose last offset is below maxOffset (no bound when maxOffset < 0), at most maxBytes
// unless minOneBatch and the first batch alone is larger. Reading at the log end offset
// gives an empty result; outside [log start, log end] it is ErrOffsetOutOfRange. Batches
// come from one segment, as in Kafka.
func (l *Log) Read(offset, maxOffset int64, maxBytes int32, minOneBatch bool) (ReadResult, error) {
	hdr, _ := l.hdrPool.Get().(*[batchHeaderSize]byte)
	if hdr == nil {
		hdr = new([batchHeaderSize]byte)
	}
	defer l.hdrPool.Put(hdr)
	for {
		if err := l.checkOnline(); err != nil {
			return ReadResult{}, err
		}
		if l.closed.Load() {
			return ReadResult{}, fmt.Errorf("storage: %s: %w", l.tp, ErrClosed)
		}
		leo := l.leo.Load()
		start := l.logStart.Load()
		if offset == leo {
			return ReadResult{}, nil
		}
		if offset < start || offset > leo {
			return ReadResult{}, fmt.Errorf("storage: %s: %w: offset %d, log start %d, log end %d", l.tp, ErrOffsetOutOfRange, offset, start, leo)
		}
		// Never return batches above the log end offset we saw: a concurrent append publishes
		// the segment size before the log end offset.
		bound := leo
		if maxOffset >= 0 && maxOffset < bound {
			bound = maxOffset
		}
		segs := l.segments()
		retry := false
		for i := floorSegment(segs, offset); i < len(segs); i++ {
			s := segs[i]
			if !s.acquire() {
				retry = true // deleted since we loaded the list
				break
			}
			pos, n, found, err := s.read(offset, bound, maxBytes, minOneBatch, hdr[:])
			if err != nil {
				s.release()
				return ReadResult{}, l.failIO("reading from", fmt.Errorf("storage: %s: %w", l.tp, err))
			}
			if found && n > 0 {
				return ReadResult{seg: s, pos: pos, size: int32(n)}, nil
			}
			s.release()
			if found {
				return ReadResult{}, nil
			}
		}
		if !retry {
			return ReadResult{}, nil
		}
	}
}

// OffsetForTimestamp returns the first offset whose record timestamp is >= ts, and that
// timestamp (ListOffsets). ts -2 and -1 mean the log start and end offsets.
func (l *Log) OffsetForTimestamp(ts int64) (offset, timestamp int64, found bool, err error) {
	switch ts {
	case -2:
		return l.logStart.Load(), -1, true, nil
	case -1:
		return l.leo.Load(), -1, true, nil
	}
	if err := l.checkOnline(); err != nil {
		return -1, -1, false, err
	}
	startOff := l.logStart.Load()
	for _, s := range l.segments() {
		if s.largestTimestamp() < ts || !s.acquire() {
			continue
		}
		o, t, ok, err := s.findOffsetByTimestamp(ts, startOff)
		s.release()
		if err != nil || ok {
			return o, t, ok, l.failIO("searching by timestamp in", err)
		}
	}
	return -1, -1, false, nil
}

// findOffsetByTimestamp: time index, then offset index, then a scan of batches and, in the
// first batch whose max timestamp reaches ts, of its records.
func (s *segment) findOffsetByTimestamp(ts, startOff int64) (int64, int64, bool, error) {
	_, tsOff := s.timeIdx.lookup(ts)
	_, pos := s.offIdx.lookup(max(tsOff, startOff))
	end := s.size.Load()
	hdr := make([]byte, batchHeaderSize)
	var buf []byte
	for {
		h, st, err := readHeaderAt(s.log, pos, end, hdr)
		if err != nil {
			return 0, 0, false, err
		}
		if st != headerOK {
			return 0, 0, false, nil
		}
		if h.MaxTimestamp >= ts && h.lastOffset() >= startOff {
			if int64(cap(buf)) < h.size() {
				buf = make([]byte, h.size())
			}
			b := buf[:h.size()]
			if _, err := s.log.ReadAt(b, pos); err != nil {
				return 0, 0, false, fmt.Errorf("storage: read %s: %w", s.path(logSuffix), err)
			}
			var off, t int64 = -1, -1
			err := forEachRecord(b, func(r recordView) bool {
				if r.Timestamp >= ts && r.Offset >= startOff {
					off, t = r.Offset, r.Timestamp
					return false
				}
				return true
			})
			if err != nil {
				return 0, 0, false, err
			}
			if off >= 0 {
				return off, t, true, nil
			}
		}
		pos += h.size()
	}
}
