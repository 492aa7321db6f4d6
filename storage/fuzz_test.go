package storage

import (
	"os"
	"testing"
	"time"
)

func FuzzBatchHeader(f *testing.F) {
	f.Add(produce(3, 10, 1))
	f.Add(append(produce(1, 0, 1), produce(2, 5, 2)...))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 49})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseBatchHeader(b)
		if err == nil && h.size() < batchHeaderSize {
			t.Fatalf("accepted header with size %d", h.size())
		}
		_, _ = validateBatch(b)
		_ = splitBatches(b, func(batch []byte, h batchHeader) error {
			if int64(len(batch)) != h.size() {
				t.Fatalf("split gave %d bytes for a %d-byte batch", len(batch), h.size())
			}
			return forEachRecord(batch, func(recordView) bool { return true })
		})
	})
}

func FuzzIndexLoad(f *testing.F) {
	f.Add([]byte{}, true)
	f.Add([]byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 9}, true)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1}, false)
	f.Fuzz(func(t *testing.T, data []byte, offsetIdx bool) {
		fs := NewMemFS()
		fs.MkdirAll("/d", 0o755)
		fl, _ := fs.OpenFile("/d/x", os.O_RDWR|os.O_CREATE, 0o644)
		fl.WriteAt(data, 0)
		size := offsetIndexEntrySize
		if !offsetIdx {
			size = timeIndexEntrySize
		}
		ix, err := openIndexFile(fs, "/d/x", 100, size, 4096)
		if err != nil {
			t.Fatal(err)
		}
		defer ix.release()
		if offsetIdx {
			x := offsetIndex{ix}
			if x.sanityCheck() == nil {
				for _, target := range []int64{0, 100, 150, 1 << 40} {
					if o, p := x.lookup(target); o > target && o != 100 || p < 0 && x.count() == 0 {
						t.Fatalf("lookup(%d) = %d %d", target, o, p)
					}
				}
			}
			x.truncateTo(120)
		} else {
			x := timeIndex{ix}
			_ = x.sanityCheck()
			x.lookup(5)
			x.truncateTo(120)
		}
	})
}

func FuzzCheckpoint(f *testing.F) {
	f.Add([]byte("0\n2\nmy-topic 0 1534\nmy-topic 1 0\n"))
	f.Add([]byte("0\n1\n0 0\n"))
	f.Add([]byte("#\n#Thu Mar 12 10:00:00 UTC 2020\ncluster.id=abc\nversion=0\nbroker.id=1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := parseOffsetCheckpoint(b); err == nil {
			m2, err := parseOffsetCheckpoint(formatOffsetCheckpoint(m))
			if err != nil || len(m2) != len(m) {
				t.Fatalf("offset checkpoint round trip: %v", err)
			}
		}
		if e, err := parseEpochCheckpoint(b); err == nil {
			if e2, err := parseEpochCheckpoint(formatEpochCheckpoint(e)); err != nil || len(e2) != len(e) {
				t.Fatalf("epoch checkpoint round trip: %v", err)
			}
		}
		if m, err := parseMeta(b); err == nil {
			m2, err := parseMeta(formatMeta(m, time.Unix(0, 0)))
			if err != nil || m2 != m {
				t.Fatalf("meta round trip: %+v vs %+v (%v)", m, m2, err)
			}
		}
	})
}

// FuzzRecovery writes valid batches followed by arbitrary bytes as a segment and recovers
// it: opening must succeed and leave a log of whole valid batches.
func FuzzRecovery(f *testing.F) {
	f.Add([]byte{}, uint8(2))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 1, 0}, uint8(1))
	f.Add(produce(2, 3, 1), uint8(0))
	f.Fuzz(func(t *testing.T, tail []byte, valid uint8) {
		fs := NewMemFS()
		fs.MkdirAll("/d/t-0", 0o755)
		fl, _ := fs.OpenFile("/d/t-0/00000000000000000000.log", os.O_RDWR|os.O_CREATE, 0o644)
		var data []byte
		for i := range int(valid % 4) {
			data = append(data, makeBatch(batchSpec{base: int64(2 * i), records: 2, valueSize: 3})...)
		}
		data = append(data, tail...)
		fl.WriteAt(data, 0)
		l, err := openLog(logParams{fs: fs, dir: "/d/t-0", tp: TopicPartition{"t", 0}, cfg: smallConfig(), log: discardLogger(), now: time.Unix(0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		if l.LogEndOffset() < int64(2*(valid%4)) {
			t.Fatalf("lost valid batches: LEO %d", l.LogEndOffset())
		}
		var total int64
		for _, h := range readAll(t, l, 0) {
			total += h.size()
		}
		if total != l.Size() {
			t.Fatalf("log size %d, batches %d", l.Size(), total)
		}
	})
}
