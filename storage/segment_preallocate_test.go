package storage

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"
)

// logFileSize is the on-disk length of a segment's .log file.
func logFileSize(t *testing.T, fsys FS, s *segment) int64 {
	t.Helper()
	fi, err := fsys.Stat(s.path(logSuffix))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size
}

// TestPreallocate: with preallocate=true a new segment's file is segment.bytes long from
// the start, reads see only what was appended, and a roll or close trims the file to its
// batches, so a clean reopen finds the log as written. Without it files grow as written.
func TestPreallocate(t *testing.T) {
	const segBytes = 4000
	for _, prealloc := range []bool{true, false} {
		t.Run(map[bool]string{true: "preallocate", false: "grow"}[prealloc], func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "t-0")
			cfg := smallConfig()
			cfg.SegmentBytes = segBytes
			cfg.Preallocate = prealloc
			l := openTestLog(t, osFS{}, dir, cfg, true)
			wantActive := int64(0)
			if prealloc {
				wantActive = segBytes
			}
			if got := logFileSize(t, osFS{}, l.active()); got != wantActive || l.Size() != 0 {
				t.Fatalf("new log: file %d bytes, size %d; want %d and 0", got, l.Size(), wantActive)
			}
			now := time.Now()
			var written [][]byte
			for range 30 {
				b := produce(3, 100, now.UnixMilli())
				res, err := l.Append(b, 0, now)
				if err != nil {
					t.Fatal(err)
				}
				r, err := l.Read(res.FirstOffset, -1, 1<<20, true)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := r.AppendTo(nil)
				r.Release()
				written = append(written, got)
			}
			segs := l.segments()
			if len(segs) < 3 {
				t.Fatalf("only %d segments", len(segs))
			}
			for i, s := range segs {
				want := s.size.Load()
				if i == len(segs)-1 && prealloc {
					want = segBytes
				}
				if got := logFileSize(t, osFS{}, s); got != want {
					t.Errorf("segment %d (%d of %d): file %d bytes, want %d", s.base, i+1, len(segs), got, want)
				}
			}
			var total int64
			for _, h := range readAll(t, l, 0) {
				total += h.size()
			}
			if total != l.Size() {
				t.Fatalf("batches hold %d bytes, log size %d", total, l.Size())
			}
			leo := l.LogEndOffset()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			l = openTestLog(t, osFS{}, dir, cfg, true)
			defer l.Close()
			if got := logFileSize(t, osFS{}, l.active()); got != l.active().size.Load() {
				t.Errorf("active file after a clean close: %d bytes, want its %d bytes of batches", got, l.active().size.Load())
			}
			if l.LogEndOffset() != leo {
				t.Fatalf("LEO after reopen %d, want %d", l.LogEndOffset(), leo)
			}
			hs := readAll(t, l, 0)
			if len(hs) != len(written) {
				t.Fatalf("%d batches after reopen, want %d", len(hs), len(written))
			}
			for i, h := range hs {
				r, err := l.Read(h.BaseOffset, -1, 1, true)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := r.AppendTo(nil)
				r.Release()
				if !bytes.Equal(got, written[i]) {
					t.Fatalf("batch %d at offset %d differs from what was appended", i, h.BaseOffset)
				}
			}
		})
	}
}

// TestPreallocatedCrashRecovery: a preallocated active segment left untrimmed by a crash
// has a zero-filled tail; recovery cuts it at the first invalid batch, as Kafka's does,
// and the log takes appends again.
func TestPreallocatedCrashRecovery(t *testing.T) {
	tests := []struct {
		name    string
		batches int
		flush   bool
	}{
		{"flushed, zero tail on disk", 5, true},
		{"nothing flushed", 5, false},
		{"empty segment", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := NewMemFS()
			cfg := smallConfig()
			cfg.SegmentBytes = 8000
			cfg.Preallocate = true
			l := openTestLog(t, fs, "/d/t-0", cfg, false)
			now := time.Now()
			for range tt.batches {
				if _, err := l.Append(produce(2, 50, now.UnixMilli()), 0, now); err != nil {
					t.Fatal(err)
				}
			}
			var flushed int64
			if tt.flush {
				if err := l.Flush(); err != nil {
					t.Fatal(err)
				}
				flushed = l.LogEndOffset()
				// The sync wrote the preallocated zeros too: the crash keeps them.
				if got := logFileSize(t, fs, l.active()); got != cfg.SegmentBytes {
					t.Fatalf("flushed active file %d bytes, want %d", got, cfg.SegmentBytes)
				}
			}
			l.bg.Wait()
			fs.Crash(nil)
			l2, err := openLog(logParams{fs: fs, dir: "/d/t-0", tp: TopicPartition{"t", 0}, cfg: cfg, log: testLogger(t), now: now})
			if err != nil {
				t.Fatal(err)
			}
			defer l2.Close()
			if l2.LogEndOffset() != flushed {
				t.Fatalf("LEO after recovery %d, want the flushed %d", l2.LogEndOffset(), flushed)
			}
			if got, want := logFileSize(t, fs, l2.active()), l2.active().size.Load(); got != want {
				t.Fatalf("recovered active file %d bytes, size %d", got, want)
			}
			var total int64
			for _, h := range readAll(t, l2, 0) {
				total += h.size()
			}
			if total != l2.Size() {
				t.Fatalf("batches hold %d bytes, log size %d", total, l2.Size())
			}
			if _, err := l2.Append(produce(2, 10, now.UnixMilli()), 1, now); err != nil {
				t.Fatalf("append after recovery: %v", err)
			}
			if got := len(readAll(t, l2, 0)); got != tt.batches*btoi(tt.flush)+1 {
				t.Fatalf("%d batches after recovery and one append, want %d", got, tt.batches*btoi(tt.flush)+1)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestCleanerBackoff: log.cleaner.backoff.ms sets the cleaner's pause; zero keeps Kafka's
// 15 s, and with a short pause the background cleaner compacts without RunCleaner.
func TestCleanerBackoff(t *testing.T) {
	for _, tt := range []struct {
		set, want time.Duration
	}{
		{0, 15 * time.Second},
		{time.Millisecond, time.Millisecond},
		{time.Minute, time.Minute},
	} {
		m := &Manager{cfg: ManagerConfig{CleanerBackoff: tt.set}}
		if got := m.cleanerBackoff(); got != tt.want {
			t.Errorf("CleanerBackoff %v: pause %v, want %v", tt.set, got, tt.want)
		}
	}

	fs := NewMemFS()
	cfg := managerConfig("/a")
	cfg.FS = fs
	cfg.CleanerEnable = true
	cfg.CleanerBackoff = time.Millisecond
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
		if _, err := l.Append(makeBatch(batchSpec{records: 1, valueSize: 30, keys: []string{string(rune('a' + i%2))}}), 0, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	l.SetHighWatermark(l.LogEndOffset())
	// Far longer than a 1 ms pause needs, far shorter than the 15 s default.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok, _ := readFile(fs, "/a/cleaner-offset-checkpoint"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background cleaner did not run within 10 s with a 1 ms backoff")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
