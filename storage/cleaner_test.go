package storage

import (
	"fmt"
	"github.com/samsa-broker/samsa/internal/compress"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// records returns offset -> (key, tombstone) for every record in the log.
func logRecords(t *testing.T, l *Log) map[int64]recordView {
	t.Helper()
	out := map[int64]recordView{}
	for _, s := range l.segments() {
		err := scanBatches(s, func(b []byte, h batchHeader) error {
			if _, err := validateBatch(b); err != nil {
				return err
			}
			return forEachRecord(b, func(r recordView) bool {
				r.Key = append([]byte(nil), r.Key...)
				r.Raw = nil
				out[r.Offset] = r
				return true
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestCompaction(t *testing.T) {
	fs := NewMemFS()
	cfg := smallConfig()
	cfg.CleanupPolicy = "compact"
	cfg.SegmentBytes = 1200
	cfg.DeleteRetentionMs = 0
	l := openTestLog(t, fs, "/d/t-0", cfg, true)
	defer l.Close()
	now := time.Now()
	latest := map[string]int64{}
	tomb := map[string]bool{}
	for i := range 60 {
		key := fmt.Sprintf("k%d", i%7)
		b := makeBatch(batchSpec{records: 1, valueSize: 40, keys: []string{key}, firstTs: now.UnixMilli(), nullValue: i%13 == 12})
		res, err := l.Append(b, 0, now)
		if err != nil {
			t.Fatal(err)
		}
		latest[key] = res.FirstOffset
		tomb[key] = i%13 == 12
	}
	l.SetHighWatermark(l.LogEndOffset())
	leo := l.LogEndOffset()
	activeBase := l.active().base
	next, err := l.Clean(0, now)
	if err != nil {
		t.Fatal(err)
	}
	if next != activeBase {
		t.Fatalf("cleaner checkpoint %d, want active base %d", next, activeBase)
	}
	recs := logRecords(t, l)
	for off, r := range recs {
		if off >= activeBase {
			continue
		}
		if latest[string(r.Key)] != off {
			// the latest write of this key may sit in the active segment
			if latest[string(r.Key)] < activeBase {
				t.Errorf("offset %d key %s survived, latest is %d", off, r.Key, latest[string(r.Key)])
			}
			continue
		}
	}
	for k, off := range latest {
		if _, ok := recs[off]; !ok {
			t.Errorf("latest record of %s at %d was removed (tombstone %v)", k, off, tomb[k])
		}
	}
	if l.LogEndOffset() != leo {
		t.Fatalf("LEO changed to %d", l.LogEndOffset())
	}
	// Reads still work from any offset, including offsets that were cleaned away.
	readAll(t, l, 0)
	r, err := l.Read(1, -1, 1<<20, false)
	if err != nil {
		t.Fatal(err)
	}
	r.Release()
	// Nothing new is dirty: a second pass does nothing.
	if n, _ := l.Clean(next, now); n != next {
		t.Fatalf("second clean moved checkpoint to %d", n)
	}
}

func TestCompactionRespectsPolicyAndHW(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		hw     int64
		ratio  float64
		want   bool // cleaned
	}{
		{"delete policy", "delete", 1 << 40, 0.5, false},
		{"compact", "compact", 1 << 40, 0.5, true},
		{"compact,delete", "compact,delete", 1 << 40, 0.5, true},
		{"hw at zero", "compact", 0, 0.5, false},
		{"ratio not reached", "compact", 1 << 40, 1.01, false},
		{"ratio not reached but overdue", "compact", 1 << 40, -1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig()
			cfg.CleanupPolicy = tc.policy
			cfg.SegmentBytes = 1000
			cfg.MinCleanableDirtyRatio = tc.ratio
			if tc.ratio < 0 { // max.compaction.lag.ms forces cleaning
				cfg.MinCleanableDirtyRatio = 1.01
				cfg.MaxCompactionLagMs = 1000
			}
			l := openTestLog(t, NewMemFS(), "/d/t-0", cfg, true)
			defer l.Close()
			for i := range 30 {
				b := makeBatch(batchSpec{records: 1, valueSize: 40, keys: []string{fmt.Sprint(i % 3)}, firstTs: time.Now().UnixMilli() - 5000})
				l.Append(b, 0, time.Now())
			}
			l.SetHighWatermark(min(tc.hw, l.LogEndOffset()))
			before := len(logRecords(t, l))
			if _, err := l.Clean(0, time.Now()); err != nil {
				t.Fatal(err)
			}
			after := len(logRecords(t, l))
			if (after < before) != tc.want {
				t.Fatalf("records %d -> %d, cleaned want %v", before, after, tc.want)
			}
		})
	}
}

// TestSwapCompletedOnOpen: a crash after the cleaned file became .swap and the old segment
// was renamed .deleted must finish the swap on open.
func TestSwapCompletedOnOpen(t *testing.T) {
	fs := NewMemFS()
	cfg := smallConfig()
	cfg.SegmentBytes = 1000
	l := openTestLog(t, fs, "/d/t-0", cfg, true)
	for range 20 {
		l.Append(produce(1, 40, 1), 0, time.Now())
	}
	l.Flush()
	s := l.segments()[0]
	first := makeBatch(batchSpec{base: 0, records: 1, valueSize: 40})
	l.Close()
	f, _ := fs.OpenFile(s.path(logSuffix)+swapSuffix, os.O_RDWR|os.O_CREATE, 0o644)
	f.WriteAt(first, 0) // the "cleaned" segment keeps only offset 0
	fs.Rename(s.path(logSuffix), s.path(logSuffix)+deletedSuffix)
	l2 := openTestLog(t, fs, "/d/t-0", cfg, true)
	defer l2.Close()
	if got := l2.segments()[0].size.Load(); got != int64(len(first)) {
		t.Fatalf("first segment size %d, want swapped-in %d", got, len(first))
	}
	if _, err := fs.Stat(s.path(logSuffix) + swapSuffix); err == nil {
		t.Fatal("swap file left behind")
	}
}

func TestManagerCleaner(t *testing.T) {
	fs := NewMemFS()
	cfg := managerConfig("/a")
	cfg.FS = fs
	m := openManager(t, cfg)
	lc := smallConfig()
	lc.CleanupPolicy = "compact"
	lc.SegmentBytes = 1000
	l, _ := m.GetOrCreate(TopicPartition{"c", 0}, lc)
	for i := range 40 {
		l.Append(makeBatch(batchSpec{records: 1, valueSize: 30, keys: []string{fmt.Sprint(i % 2)}}), 0, time.Now())
	}
	l.SetHighWatermark(l.LogEndOffset())
	if n := m.RunCleaner(time.Now()); n != 1 {
		t.Fatalf("RunCleaner cleaned %d logs", n)
	}
	data, ok, _ := readFile(fs, "/a/cleaner-offset-checkpoint")
	ck, err := parseOffsetCheckpoint(data)
	if !ok || err != nil || ck[TopicPartition{"c", 0}] != l.active().base {
		t.Fatalf("cleaner checkpoint %q %v", data, err)
	}
	m.Close()
	m2 := openManager(t, cfg)
	defer m2.Close()
	if got := m2.cleaner.get(TopicPartition{"c", 0}); got != ck[TopicPartition{"c", 0}] {
		t.Fatalf("cleaner checkpoint not reloaded: %d", got)
	}
}

func TestCompactionCompressed(t *testing.T) {
	for _, codec := range []compress.Codec{compress.Gzip, compress.Snappy, compress.LZ4, compress.Zstd} {
		t.Run(codec.String(), func(t *testing.T) {
			cfg := smallConfig()
			cfg.CleanupPolicy = "compact"
			cfg.SegmentBytes = 300
			l := openTestLog(t, NewMemFS(), "/d/t-0", cfg, true)
			defer l.Close()
			b := makeBatch(batchSpec{records: 4, valueSize: 100, keys: []string{"a", "b", "a", "c"}, codec: codec})
			if _, err := l.Append(b, 0, time.Now()); err != nil {
				t.Fatal(err)
			}
			for range 2 { // rolls: the first segment becomes inactive
				if _, err := l.Append(makeBatch(batchSpec{records: 1, valueSize: 200, keys: []string{"z"}}), 0, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			l.SetHighWatermark(l.LogEndOffset())
			if _, err := l.Clean(0, time.Now()); err != nil {
				t.Fatal(err)
			}
			recs := logRecords(t, l)
			if _, ok := recs[0]; ok {
				t.Fatal("offset 0 (overwritten key a) survived")
			}
			for _, off := range []int64{1, 2, 3} {
				if _, ok := recs[off]; !ok {
					t.Fatalf("offset %d lost", off)
				}
			}
			var attrs int16
			scanBatches(l.segments()[0], func(_ []byte, h batchHeader) error { attrs = h.Attributes; return nil })
			if compress.Codec(attrs&attrCompressionMask) != codec {
				t.Fatalf("codec %d after cleaning", attrs&attrCompressionMask)
			}
		})
	}
}

// TestSwapRefusedAfterTruncation: a segment truncated while it was being cleaned keeps its
// truncated contents; the stale cleaned file is dropped.
func TestSwapRefusedAfterTruncation(t *testing.T) {
	fs := NewMemFS()
	cfg := smallConfig()
	cfg.SegmentBytes = 1000
	l := openTestLog(t, fs, "/d/t-0", cfg, true)
	defer l.Close()
	for i := range 20 {
		l.Append(makeBatch(batchSpec{records: 1, valueSize: 100, keys: []string{fmt.Sprint(i)}}), 0, time.Now())
	}
	s := l.segments()[0]
	gen := s.truncations.Load()
	cleaned := s.path(logSuffix) + cleanedSuffix
	f, _ := fs.OpenFile(cleaned, os.O_RDWR|os.O_CREATE, 0o644)
	f.WriteAt(makeBatch(batchSpec{records: 1, valueSize: 1, keys: []string{"x"}}), 0)
	s.truncations.Add(1) // as Truncate would
	if n, _, err := l.swapSegment(s, cleaned, gen); n != 0 || err != nil {
		t.Fatalf("swapped a truncated segment: %d %v", n, err)
	}
	if _, err := fs.Stat(cleaned); err == nil {
		t.Fatal("stale cleaned file left behind")
	}
	if l.segments()[0] != s {
		t.Fatal("segment replaced")
	}
}

// TestCleanerIOErrorTakesDirOffline: a write error while cleaning takes the
// log's dir offline (LogCleaner.cleanLog on IOException), as any other
// failed I/O on its files does, and is announced on DirFailures; the log
// keeps its data.
func TestCleanerIOErrorTakesDirOffline(t *testing.T) {
	mfs := NewMemFS()
	var broken atomic.Bool
	mfs.SetFault(func(op Op, name string, n int) (int, error) {
		if broken.Load() && op == OpWrite && strings.HasSuffix(name, cleanedSuffix) {
			return 0, syscall.ENOSPC
		}
		return n, nil
	})
	cfg := managerConfig("/a")
	cfg.FS = mfs
	m := openManager(t, cfg)
	defer m.Close()
	lc := smallConfig()
	lc.CleanupPolicy = "compact"
	lc.SegmentBytes = 1000
	l, err := m.GetOrCreate(TopicPartition{"c", 0}, lc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		if _, err := l.Append(makeBatch(batchSpec{records: 1, valueSize: 30, keys: []string{fmt.Sprint(i % 2)}}), 0, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	l.SetHighWatermark(l.LogEndOffset())
	broken.Store(true)
	if n := m.RunCleaner(time.Now()); n != 0 {
		t.Fatalf("RunCleaner cleaned %d logs with an unwritable disk", n)
	}
	if m.IsDirOnline("/a") {
		t.Fatal("/a is online after the cleaner's write failed")
	}
	select {
	case d := <-m.DirFailures():
		if d != "/a" {
			t.Fatalf("DirFailures announced %q", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the failed dir was never announced")
	}
}
