package storage

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestCrashRecovery appends, flushes now and then, crashes at a random point (keeping a
// random part of the unsynced bytes, as a torn write would), reopens without a clean
// shutdown and checks that every batch below the last flushed offset is intact, that the log
// is a valid run of contiguous batches and that it ends on a batch boundary.
func TestCrashRecovery(t *testing.T) {
	lossy := 0
	for seed := uint64(0); seed < 60; seed++ {
		rng := rand.New(rand.NewPCG(seed, 99))
		fs := NewMemFS()
		cfg := smallConfig()
		cfg.SegmentBytes = 2000 + rng.Int64N(4000)
		cfg.IndexIntervalBytes = int32(rng.IntN(600))
		l := openTestLog(t, fs, "/d/t-0", cfg, false)
		written := map[int64][]byte{} // base offset -> batch bytes as stored
		var flushed int64
		now := time.Now()
		ops := 5 + rng.IntN(80)
		// Half of the runs die at a random file operation (write, sync, truncate, rename) as
		// if the machine stopped there: that operation and every later one fail.
		failAt := -1
		if seed%2 == 1 {
			failAt = rng.IntN(ops * 3)
		}
		var count atomic.Int64
		fs.SetFault(func(op Op, name string, n int) (int, error) {
			switch op {
			case OpWrite, OpSync, OpTruncate, OpRename:
				if failAt >= 0 && count.Add(1) > int64(failAt) {
					return n / 2, syscall.EIO // a short write; the hook may run on the flush goroutine
				}
			}
			return n, nil
		})
		for range ops {
			b := produce(1+rng.IntN(5), rng.IntN(200), now.UnixMilli())
			res, err := l.Append(b, 1, now)
			if err != nil {
				if failAt >= 0 {
					break
				}
				t.Fatalf("seed %d: append: %v", seed, err)
			}
			written[res.FirstOffset] = b
			if rng.IntN(8) == 0 {
				if err := l.Flush(); err != nil {
					if failAt >= 0 {
						break
					}
					t.Fatal(err)
				}
				flushed = l.LogEndOffset()
			}
		}
		l.bg.Wait()
		rp := l.RecoveryPoint()
		leoBefore := l.LogEndOffset()
		fs.Crash(rng)
		fs.SetFault(nil)
		l2, err := openLog(logParams{fs: fs, dir: "/d/t-0", tp: TopicPartition{"t", 0}, cfg: cfg, recoveryPoint: rp, log: testLogger(t), now: now})
		if err != nil {
			t.Fatalf("seed %d: reopen: %v", seed, err)
		}
		if l2.LogEndOffset() < flushed {
			t.Fatalf("seed %d: LEO %d below flushed %d", seed, l2.LogEndOffset(), flushed)
		}
		next := int64(0)
		var total int64
		for _, h := range readAll(t, l2, 0) {
			// Below the flushed offset the log is contiguous. Above it a gap is possible, as in
			// Kafka: a roll fsyncs the old segment in the background, so the tail of segment N
			// may be lost while segment N+1 survives.
			if h.BaseOffset != next && (h.BaseOffset < next || next < flushed) {
				t.Fatalf("seed %d: batch at %d, expected %d (flushed %d)", seed, h.BaseOffset, next, flushed)
			}
			r, err := l2.Read(h.BaseOffset, -1, 1, true)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := r.AppendTo(nil)
			r.Release()
			// A failed write may still have reached the disk whole; only acknowledged batches
			// are known.
			if h.BaseOffset < leoBefore && !bytes.Equal(got, written[h.BaseOffset]) {
				t.Fatalf("seed %d: batch %d differs from what was appended", seed, h.BaseOffset)
			}
			next = h.lastOffset() + 1
			total += h.size()
		}
		if next != l2.LogEndOffset() || total != l2.Size() {
			t.Fatalf("seed %d: batches end at %d/%d bytes, log says LEO %d size %d", seed, next, total, l2.LogEndOffset(), l2.Size())
		}
		if l2.LogEndOffset() < leoBefore {
			lossy++
		}
		// The log must accept appends after recovery.
		if _, err := l2.Append(produce(2, 10, now.UnixMilli()), 5, now); err != nil {
			t.Fatalf("seed %d: append after recovery: %v", seed, err)
		}
		l2.Close()
	}
	if lossy == 0 {
		t.Fatal("no seed lost unsynced data: the crash model is not exercised")
	}
}

// TestCorruptMiddleSegment flips a byte in an early segment: recovery from the start keeps
// the batches before it and deletes every later segment.
func TestCorruptMiddleSegment(t *testing.T) {
	fs := NewMemFS()
	cfg := smallConfig()
	cfg.SegmentBytes = 1500
	l := openTestLog(t, fs, "/d/t-0", cfg, true)
	now := time.Now()
	for range 30 {
		if _, err := l.Append(produce(2, 100, now.UnixMilli()), 0, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	segs := l.segments()
	if len(segs) < 4 {
		t.Fatalf("%d segments", len(segs))
	}
	victim := segs[1]
	l.Close()
	f, _ := fs.OpenFile(victim.path(logSuffix), 2, 0)
	f.WriteAt([]byte{0xff}, 100) // inside the first batch's records
	f.Sync()
	l2, err := openLog(logParams{fs: fs, dir: "/d/t-0", tp: TopicPartition{"t", 0}, cfg: cfg, recoveryPoint: 0, log: testLogger(t), now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if l2.LogEndOffset() != victim.base || l2.NumSegments() != 2 {
		t.Fatalf("LEO %d segments %d, want %d and 2", l2.LogEndOffset(), l2.NumSegments(), victim.base)
	}
	ents, _ := fs.ReadDir("/d/t-0")
	for _, e := range ents {
		if base, ok := parseFilenameOffset(e.Name); ok && base > victim.base {
			t.Errorf("later segment file %s survived", e.Name)
		}
	}
}

// TestRebuildMissingIndex deletes index files; a clean open rebuilds them.
func TestRebuildMissingIndex(t *testing.T) {
	fs := NewMemFS()
	cfg := smallConfig()
	cfg.SegmentBytes = 1500
	cfg.IndexIntervalBytes = 1
	l := openTestLog(t, fs, "/d/t-0", cfg, true)
	now := time.Now()
	for range 20 {
		l.Append(produce(2, 100, now.UnixMilli()), 0, now)
	}
	l.Flush()
	segs := l.segments()
	want := segs[0].offIdx.count()
	l.Close()
	fs.Remove(segs[0].path(indexSuffix))
	f, _ := fs.OpenFile(segs[1].path(timeIndexSuffix), 2, 0)
	f.Truncate(5) // not a multiple of 12: corrupt
	l2 := openTestLog(t, fs, "/d/t-0", cfg, true)
	defer l2.Close()
	if got := l2.segments()[0].offIdx.count(); got != want || got == 0 {
		t.Fatalf("rebuilt index has %d entries, want %d", got, want)
	}
	if len(readAll(t, l2, 0)) != 20 {
		t.Fatal("batches lost")
	}
}

// TestAppendFaults injects write errors: the append fails with the cause, nothing already
// written is lost, and the log works once the fault clears.
func TestAppendFaults(t *testing.T) {
	tests := []struct {
		name    string
		op      Op
		written int
		err     error
	}{
		{"enospc", OpWrite, 0, syscall.ENOSPC},
		{"short write", OpWrite, 30, syscall.ENOSPC},
		{"eio", OpWrite, 10, syscall.EIO},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := NewMemFS()
			l := openTestLog(t, fs, "/d/t-0", smallConfig(), true)
			defer l.Close()
			now := time.Now()
			for range 3 {
				if _, err := l.Append(produce(2, 50, now.UnixMilli()), 0, now); err != nil {
					t.Fatal(err)
				}
			}
			fs.SetFault(func(op Op, name string, n int) (int, error) {
				if op == tc.op && len(name) > 4 && name[len(name)-4:] == ".log" {
					return tc.written, tc.err
				}
				return n, nil
			})
			_, err := l.Append(produce(2, 50, now.UnixMilli()), 0, now)
			if !errors.Is(err, tc.err) {
				t.Fatalf("Append error %v, want %v", err, tc.err)
			}
			if l.LogEndOffset() != 6 {
				t.Fatalf("LEO moved to %d", l.LogEndOffset())
			}
			fs.SetFault(nil)
			if _, err := l.Append(produce(2, 50, now.UnixMilli()), 0, now); err != nil {
				t.Fatal(err)
			}
			if hs := readAll(t, l, 0); len(hs) != 4 || hs[3].BaseOffset != 6 {
				t.Fatalf("after fault: %d batches", len(hs))
			}
		})
	}
}

// TestFlushMessages: with flush.messages=N every N records are fsynced by the append itself,
// so a crash loses at most the records of the last N-1.
func TestFlushMessages(t *testing.T) {
	tests := []struct {
		name       string
		flushEvery int64
		wantMin    int64 // LEO after crash is at least this
	}{
		{"every record", 1, 60},
		{"every 10", 10, 50},
		{"never", maxInt64, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := NewMemFS()
			cfg := smallConfig()
			cfg.FlushMessages = tc.flushEvery
			l := openTestLog(t, fs, "/d/t-0", cfg, false)
			for range 20 {
				if _, err := l.Append(produce(3, 20, 1), 0, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			l.bg.Wait()
			rp := l.RecoveryPoint()
			fs.Crash(nil)
			l2, err := openLog(logParams{fs: fs, dir: "/d/t-0", tp: TopicPartition{"t", 0}, cfg: cfg, recoveryPoint: rp, log: testLogger(t), now: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			defer l2.Close()
			if l2.LogEndOffset() < tc.wantMin || (tc.flushEvery == maxInt64 && l2.LogEndOffset() != 0) {
				t.Fatalf("LEO after crash %d, want >= %d", l2.LogEndOffset(), tc.wantMin)
			}
		})
	}
}

func TestFlushDirtyByTime(t *testing.T) {
	fs := NewMemFS()
	cfg := managerConfig("/a")
	cfg.FS = fs
	m := openManager(t, cfg)
	defer m.Close()
	lc := smallConfig()
	lc.FlushMs = 1000
	l, _ := m.GetOrCreate(TopicPartition{"x", 0}, lc)
	l.Append(produce(3, 20, 1), 0, time.Now())
	m.FlushDirty(time.Now()) // not yet due
	if l.RecoveryPoint() != 0 {
		t.Fatalf("flushed early: recovery point %d", l.RecoveryPoint())
	}
	m.FlushDirty(time.Now().Add(2 * time.Second))
	if l.RecoveryPoint() != 3 {
		t.Fatalf("recovery point %d after flush.ms passed", l.RecoveryPoint())
	}
}

// TestFailedRoll: if creating the next segment fails, the append fails as a storage error,
// no half-made segment is left, and the log recovers once the fault clears.
func TestFailedRoll(t *testing.T) {
	fs := NewMemFS()
	cfg := smallConfig()
	cfg.SegmentBytes = 600
	l := openTestLog(t, fs, "/d/t-0", cfg, true)
	now := time.Now()
	l.Append(produce(2, 200, 1), 0, now)
	fs.SetFault(func(op Op, name string, n int) (int, error) {
		if op == OpTruncate && filepath.Ext(name) == ".timeindex" {
			return 0, syscall.ENOSPC
		}
		return n, nil
	})
	_, err := l.Append(produce(2, 200, 1), 0, now)
	if !errors.Is(err, ErrLogDirOffline) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("append during failed roll: %v", err)
	}
	if _, err := fs.Stat("/d/t-0/00000000000000000002.log"); err == nil {
		t.Fatal("half-created segment left behind")
	}
	fs.SetFault(nil)
	if _, err := l.Append(produce(2, 200, 1), 0, now); err != nil {
		t.Fatal(err)
	}
	l.Flush()
	l.Close()
	l2 := openTestLog(t, fs, "/d/t-0", cfg, true)
	defer l2.Close()
	if l2.LogEndOffset() != 4 || l2.NumSegments() != 2 {
		t.Fatalf("LEO %d segments %d", l2.LogEndOffset(), l2.NumSegments())
	}
}
