package storage

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

func TestFilenamePrefix(t *testing.T) {
	tests := []struct {
		off  int64
		want string
	}{
		{0, "00000000000000000000"},
		{42, "00000000000000000042"},
		{9223372036854775807, "09223372036854775807"},
	}
	for _, tc := range tests {
		if got := filenamePrefix(tc.off); got != tc.want {
			t.Errorf("filenamePrefix(%d) = %s, want %s", tc.off, got, tc.want)
		}
		if got, ok := parseFilenameOffset(tc.want + ".log"); !ok || got != tc.off {
			t.Errorf("parseFilenameOffset(%s) = %d %v", tc.want, got, ok)
		}
	}
	for _, bad := range []string{"123.log", "0000000000000000000x.log", "leader-epoch-checkpoint"} {
		if _, ok := parseFilenameOffset(bad); ok {
			t.Errorf("parseFilenameOffset(%q) accepted", bad)
		}
	}
}

// TestRollOnDisk checks the real file layout: names, preallocated active indexes, trimmed
// inactive ones, and that a clean reopen reads everything back.
func TestRollOnDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	cfg := smallConfig()
	cfg.SegmentBytes = 4000
	cfg.IndexIntervalBytes = 100
	l := openTestLog(t, osFS{}, dir, cfg, true)
	now := time.Now()
	for range 40 {
		if _, err := l.Append(produce(3, 100, now.UnixMilli()), 0, now); err != nil {
			t.Fatal(err)
		}
	}
	if l.NumSegments() < 3 {
		t.Fatalf("only %d segments", l.NumSegments())
	}
	segs := l.segments()
	for i, s := range segs {
		for _, suf := range []string{logSuffix, indexSuffix, timeIndexSuffix} {
			fi, err := os.Stat(s.path(suf))
			if err != nil {
				t.Fatalf("segment %d: %v", s.base, err)
			}
			if suf == logSuffix || i == len(segs)-1 {
				continue
			}
			want := int64(s.offIdx.count()) * offsetIndexEntrySize
			if suf == timeIndexSuffix {
				want = int64(s.timeIdx.count()) * timeIndexEntrySize
			}
			if fi.Size() != want || want == 0 {
				t.Errorf("segment %d %s: size %d, want trimmed %d", s.base, suf, fi.Size(), want)
			}
		}
	}
	if fi, _ := os.Stat(segs[len(segs)-1].path(indexSuffix)); fi.Size() != 4096 {
		t.Errorf("active index size %d, want preallocated 4096", fi.Size())
	}
	leo := l.LogEndOffset()
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(segs[len(segs)-1].path(timeIndexSuffix)); fi.Size()%timeIndexEntrySize != 0 || fi.Size() == 4092 {
		t.Errorf("closed active time index size %d not trimmed", fi.Size())
	}
	names, _ := os.ReadDir(dir)
	var logs []string
	for _, n := range names {
		if filepath.Ext(n.Name()) == ".log" {
			logs = append(logs, n.Name())
		}
	}
	if !sort.StringsAreSorted(logs) || logs[0] != "00000000000000000000.log" {
		t.Errorf("log files %v", logs)
	}
	l2 := openTestLog(t, osFS{}, dir, cfg, true)
	defer l2.Close()
	if l2.LogEndOffset() != leo {
		t.Fatalf("reopened LEO %d, want %d", l2.LogEndOffset(), leo)
	}
	hs := readAll(t, l2, 0)
	if len(hs) != 40 {
		t.Fatalf("read %d batches after reopen", len(hs))
	}
	for i := int64(0); i < leo; i += 7 {
		r, err := l2.Read(i, -1, 1, true)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := r.AppendTo(nil)
		r.Release()
		h, err := validateBatch(b)
		if err != nil || h.BaseOffset > i || h.lastOffset() < i {
			t.Fatalf("Read(%d) gave batch %d..%d err %v", i, h.BaseOffset, h.lastOffset(), err)
		}
	}
}

func TestOffsetForTimestamp(t *testing.T) {
	cfg := smallConfig()
	cfg.SegmentBytes = 3000
	cfg.IndexIntervalBytes = 1
	l := openTestLog(t, NewMemFS(), "/d/t-0", cfg, true)
	defer l.Close()
	now := time.Now()
	// batch i holds records with timestamps 1000*i + 0,10,20,30
	for i := range 20 {
		b := makeBatch(batchSpec{records: 4, valueSize: 50, firstTs: int64(1000 * (i + 1)), tsStep: 10, epoch: -1})
		if _, err := l.Append(b, 0, now); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		ts       int64
		wantOff  int64
		wantTs   int64
		wantFind bool
	}{
		{0, 0, 1000, true},
		{1000, 0, 1000, true},
		{1015, 2, 1020, true},
		{1031, 4, 2000, true},
		{5010, 17, 5010, true},
		{20030, 79, 20030, true},
		{20031, -1, -1, false},
		{-2, 0, -1, true},
		{-1, 80, -1, true},
	}
	for _, tc := range tests {
		off, ts, ok, err := l.OffsetForTimestamp(tc.ts)
		if err != nil || off != tc.wantOff || ts != tc.wantTs || ok != tc.wantFind {
			t.Errorf("OffsetForTimestamp(%d) = %d %d %v %v, want %d %d %v", tc.ts, off, ts, ok, err, tc.wantOff, tc.wantTs, tc.wantFind)
		}
	}
}
