package storage

import (
	"errors"
	"testing"
	"time"
)

// fillLog appends n batches of 5 records (offsets 5i..5i+4) across small segments.
func fillLog(t *testing.T, l *Log, n int, ts func(i int) int64) {
	t.Helper()
	now := time.Now()
	for i := range n {
		b := makeBatch(batchSpec{records: 5, valueSize: 100, firstTs: ts(i), keys: []string{"a", "b", "c", "d", "e"}})
		if _, err := l.Append(b, int32(i/4), now); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name    string
		to      int64
		wantLEO int64
	}{
		{"beyond end is a no-op", 500, 100},
		{"batch boundary", 50, 50},
		{"inside a batch drops the batch", 52, 50},
		{"segment boundary", 35, 35},
		{"to zero", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig()
			cfg.SegmentBytes = 2000
			fs := NewMemFS()
			l := openTestLog(t, fs, "/d/t-0", cfg, true)
			defer l.Close()
			fillLog(t, l, 20, func(int) int64 { return time.Now().UnixMilli() })
			l.SetHighWatermark(100)
			if err := l.Truncate(tc.to); err != nil {
				t.Fatal(err)
			}
			if l.LogEndOffset() != tc.wantLEO {
				t.Fatalf("LEO %d, want %d", l.LogEndOffset(), tc.wantLEO)
			}
			if l.HighWatermark() > tc.wantLEO {
				t.Fatalf("HW %d above LEO", l.HighWatermark())
			}
			if e, off := l.EndOffsetForEpoch(100); e != -1 || off != -1 {
				t.Fatalf("EndOffsetForEpoch(100) = %d %d", e, off)
			}
			if latest, ok := l.LatestEpoch(); ok {
				if _, end := l.EndOffsetForEpoch(latest); end != tc.wantLEO {
					t.Fatalf("latest epoch ends at %d, want LEO %d", end, tc.wantLEO)
				}
			}
			hs := readAll(t, l, 0)
			if int64(len(hs))*5 != tc.wantLEO {
				t.Fatalf("%d batches remain", len(hs))
			}
			// New appends continue at the new end.
			res, err := l.Append(produce(1, 1, 1), 9, time.Now())
			if err != nil || res.FirstOffset != tc.wantLEO {
				t.Fatalf("append after truncate: %+v %v", res, err)
			}
		})
	}
}

func TestTruncateFullyAndDeleteRecords(t *testing.T) {
	cfg := smallConfig()
	cfg.SegmentBytes = 2000
	l := openTestLog(t, NewMemFS(), "/d/t-0", cfg, true)
	defer l.Close()
	fillLog(t, l, 20, func(int) int64 { return time.Now().UnixMilli() })
	l.SetHighWatermark(60)
	if _, err := l.DeleteRecordsBefore(70); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("DeleteRecordsBefore above HW: %v", err)
	}
	start, err := l.DeleteRecordsBefore(42)
	if err != nil || start != 42 || l.LogStartOffset() != 42 {
		t.Fatalf("DeleteRecordsBefore(42) = %d %v", start, err)
	}
	if _, err := l.Read(41, -1, 1000, true); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("read below log start: %v", err)
	}
	before := l.NumSegments()
	n, err := l.DeleteOldSegments(time.Now())
	if err != nil || n == 0 || l.NumSegments() != before-n {
		t.Fatalf("DeleteOldSegments removed %d (%v)", n, err)
	}
	if first := l.segments()[0].base; first > 42 {
		t.Fatalf("first segment %d starts above log start", first)
	}
	if err := l.TruncateFully(500); err != nil {
		t.Fatal(err)
	}
	if l.LogStartOffset() != 500 || l.LogEndOffset() != 500 || l.NumSegments() != 1 {
		t.Fatalf("after TruncateFully: start %d end %d segs %d", l.LogStartOffset(), l.LogEndOffset(), l.NumSegments())
	}
	if _, ok := l.LatestEpoch(); ok {
		t.Fatal("epoch cache not cleared")
	}
	res, err := l.Append(produce(2, 1, 1), 3, time.Now())
	if err != nil || res.FirstOffset != 500 {
		t.Fatalf("append: %+v %v", res, err)
	}
}

func TestRetention(t *testing.T) {
	now := time.UnixMilli(10_000_000)
	tests := []struct {
		name      string
		cfg       func(*LogConfig)
		hw        int64
		wantStart int64 // log start offset after retention
	}{
		{"time, all expired, HW at end", func(c *LogConfig) { c.RetentionMs = 1000 }, 100, 100},
		{"time, bounded by HW", func(c *LogConfig) { c.RetentionMs = 1000 }, 40, -1},
		{"time, nothing expired", func(c *LogConfig) { c.RetentionMs = 1 << 40 }, 100, 0},
		{"size", func(c *LogConfig) { c.RetentionBytes = 5000 }, 100, -2},
		{"compact only ignores time", func(c *LogConfig) { c.RetentionMs = 1000; c.CleanupPolicy = "compact" }, 100, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig()
			cfg.SegmentBytes = 2000
			tc.cfg(&cfg)
			l := openTestLog(t, NewMemFS(), "/d/t-0", cfg, true)
			defer l.Close()
			fillLog(t, l, 20, func(i int) int64 { return int64(i) })
			l.SetHighWatermark(tc.hw)
			if _, err := l.DeleteOldSegments(now); err != nil {
				t.Fatal(err)
			}
			switch tc.wantStart {
			case -1: // everything below the HW segment boundary
				segs := l.segments()
				if segs[0].base > tc.hw || (len(segs) > 1 && segs[1].base <= tc.hw) {
					t.Fatalf("first segments %d, %d with HW %d", segs[0].base, segs[1].base, tc.hw)
				}
			case -2:
				// Kafka keeps at least retention.bytes: it deletes a segment only if the rest still reach it.
				if l.Size() < 5000 || l.Size()-l.segments()[0].size.Load() >= 5000 {
					t.Fatalf("size %d after size retention of 5000", l.Size())
				}
			default:
				if l.LogStartOffset() != tc.wantStart {
					t.Fatalf("log start %d, want %d", l.LogStartOffset(), tc.wantStart)
				}
			}
			if l.NumSegments() == 0 || l.LogEndOffset() != 100 {
				t.Fatalf("segments %d LEO %d", l.NumSegments(), l.LogEndOffset())
			}
			if _, err := l.Append(makeBatch(batchSpec{records: 1, keys: []string{"k"}}), 0, now); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFollowerAppend(t *testing.T) {
	l := openTestLog(t, NewMemFS(), "/d/t-0", smallConfig(), true)
	defer l.Close()
	b1 := makeBatch(batchSpec{base: 0, records: 3, valueSize: 5, epoch: 2})
	b2 := makeBatch(batchSpec{base: 3, records: 2, valueSize: 5, epoch: 4})
	res, err := l.AppendAsFollower(append(append([]byte(nil), b1...), b2...))
	if err != nil || res.FirstOffset != 0 || res.LastOffset != 4 || l.LogEndOffset() != 5 {
		t.Fatalf("%+v %v", res, err)
	}
	if e, off := l.EndOffsetForEpoch(2); e != 2 || off != 3 {
		t.Fatalf("EndOffsetForEpoch(2) = %d %d", e, off)
	}
	if _, err := l.AppendAsFollower(b2); !errors.Is(err, ErrOffsetOutOfRange) {
		t.Fatalf("append below LEO: %v", err)
	}
	gap := makeBatch(batchSpec{base: 10, records: 1, valueSize: 5, epoch: 4})
	if _, err := l.AppendAsFollower(gap); err != nil || l.LogEndOffset() != 11 {
		t.Fatalf("gap append: %v LEO %d", err, l.LogEndOffset())
	}
	r, _ := l.Read(7, -1, 1000, false)
	b, _ := r.AppendTo(nil)
	r.Release()
	if h, err := validateBatch(b); err != nil || h.BaseOffset != 10 {
		t.Fatalf("read in gap: %v %d", err, h.BaseOffset)
	}
}
