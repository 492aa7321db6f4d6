package storage

import (
	"encoding/binary"
	"hash/crc32"
	"io"
	"testing"
	"time"

	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/sirupsen/logrus"
)

// batchSpec describes a v2 batch built by hand for tests.
type batchSpec struct {
	base      int64
	records   int
	valueSize int
	firstTs   int64
	tsStep    int64 // timestamp delta between records
	epoch     int32
	attrs     int16
	keys      []string // optional keys, one per record
	nullValue bool     // tombstones
	codec     compress.Codec
}

// makeBatch writes a valid magic-2 batch with a CRC-32C, uncompressed records.
func makeBatch(s batchSpec) []byte {
	var recs []byte
	maxTs := s.firstTs
	for i := 0; i < s.records; i++ {
		var r []byte
		r = append(r, 0) // attributes
		r = binary.AppendVarint(r, int64(i)*s.tsStep)
		r = binary.AppendVarint(r, int64(i))
		if i < len(s.keys) {
			r = binary.AppendVarint(r, int64(len(s.keys[i])))
			r = append(r, s.keys[i]...)
		} else {
			r = binary.AppendVarint(r, -1)
		}
		if s.nullValue {
			r = binary.AppendVarint(r, -1)
		} else {
			r = binary.AppendVarint(r, int64(s.valueSize))
			for j := 0; j < s.valueSize; j++ {
				r = append(r, byte('a'+(i+j)%26))
			}
		}
		r = binary.AppendVarint(r, 0) // headers
		recs = binary.AppendVarint(recs, int64(len(r)))
		recs = append(recs, r...)
		if ts := s.firstTs + int64(i)*s.tsStep; ts > maxTs {
			maxTs = ts
		}
	}
	if s.codec != compress.None {
		recs, _ = compress.Compress(s.codec, nil, recs)
		s.attrs |= int16(s.codec)
	}
	b := make([]byte, batchHeaderSize, batchHeaderSize+len(recs))
	binary.BigEndian.PutUint64(b[0:], uint64(s.base))
	binary.BigEndian.PutUint32(b[8:], uint32(batchHeaderSize-12+len(recs)))
	binary.BigEndian.PutUint32(b[12:], uint32(s.epoch))
	b[16] = 2
	binary.BigEndian.PutUint16(b[21:], uint16(s.attrs))
	binary.BigEndian.PutUint32(b[23:], uint32(s.records-1))
	binary.BigEndian.PutUint64(b[27:], uint64(s.firstTs))
	binary.BigEndian.PutUint64(b[35:], uint64(maxTs))
	binary.BigEndian.PutUint64(b[43:], ^uint64(0)) // producerId -1
	binary.BigEndian.PutUint16(b[51:], 0xffff)     // producerEpoch -1
	binary.BigEndian.PutUint32(b[53:], 0xffffffff) // baseSequence -1
	binary.BigEndian.PutUint32(b[57:], uint32(s.records))
	b = append(b, recs...)
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// produce builds a producer batch (base 0) of n records.
func produce(n, valueSize int, ts int64) []byte {
	return makeBatch(batchSpec{records: n, valueSize: valueSize, firstTs: ts, epoch: -1})
}

func testLogger(t testing.TB) *logrus.Entry {
	lg := logrus.New()
	lg.SetOutput(io.Discard)
	if testing.Verbose() {
		lg.SetOutput(testWriter{t})
	}
	return logrus.NewEntry(lg)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

func smallConfig() LogConfig {
	c := DefaultLogConfig()
	c.SegmentIndexBytes = 4096
	c.IndexIntervalBytes = 512
	c.FileDeleteDelayMs = 0
	return c
}

// openTestLog opens a log in a fresh MemFS (or fs if given).
func openTestLog(t testing.TB, fsys FS, dir string, cfg LogConfig, clean bool) *Log {
	t.Helper()
	l, err := openLog(logParams{fs: fsys, dir: dir, tp: TopicPartition{"t", 0}, cfg: cfg, cleanShutdown: clean, log: testLogger(t), now: time.Now()})
	if err != nil {
		t.Fatalf("openLog: %v", err)
	}
	return l
}

// readAll reads every batch header from offset to the end of the log.
func readAll(t testing.TB, l *Log, from int64) []batchHeader {
	t.Helper()
	var out []batchHeader
	for off := from; off < l.LogEndOffset(); {
		r, err := l.Read(off, -1, 1<<20, true)
		if err != nil {
			t.Fatalf("Read(%d): %v", off, err)
		}
		b, err := r.AppendTo(nil)
		r.Release()
		if err != nil {
			t.Fatalf("AppendTo: %v", err)
		}
		if len(b) == 0 {
			t.Fatalf("Read(%d) empty below LEO %d", off, l.LogEndOffset())
		}
		err = splitBatches(b, func(_ []byte, h batchHeader) error {
			out = append(out, h)
			off = h.lastOffset() + 1
			return nil
		})
		if err != nil {
			t.Fatalf("read back corrupt batch: %v", err)
		}
	}
	return out
}
