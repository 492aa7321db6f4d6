package storage

import (
	"errors"
	"testing"
	"time"
)

func TestAppendAssignsOffsets(t *testing.T) {
	fs := NewMemFS()
	l := openTestLog(t, fs, "/d/t-0", smallConfig(), true)
	defer l.Close()
	now := time.UnixMilli(1_700_000_000_000)
	var want []int64
	for i, n := range []int{1, 5, 3, 10} {
		res, err := l.Append(produce(n, 10, now.UnixMilli()), 7, now)
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		want = append(want, res.FirstOffset)
		if res.LastOffset-res.FirstOffset+1 != int64(n) || res.LogEndOffset != res.LastOffset+1 {
			t.Fatalf("append %d: result %+v", i, res)
		}
	}
	hs := readAll(t, l, 0)
	if len(hs) != 4 {
		t.Fatalf("read %d batches, want 4", len(hs))
	}
	for i, h := range hs {
		if h.BaseOffset != want[i] || h.LeaderEpoch != 7 {
			t.Errorf("batch %d: base %d epoch %d, want %d 7", i, h.BaseOffset, h.LeaderEpoch, want[i])
		}
	}
	if e, ok := l.LatestEpoch(); !ok || e != 7 {
		t.Errorf("LatestEpoch = %d %v", e, ok)
	}
}

func TestAppendValidation(t *testing.T) {
	corruptCRC := produce(2, 5, 1)
	corruptCRC[len(corruptCRC)-1] ^= 1
	badMagic := produce(2, 5, 1)
	badMagic[16] = 1
	nonZeroBase := makeBatch(batchSpec{base: 5, records: 1, valueSize: 1, epoch: -1})
	control := makeBatch(batchSpec{records: 1, valueSize: 1, attrs: attrControl, epoch: -1})
	countMismatch := produce(3, 5, 1)
	countMismatch[60] = 9 // numRecords
	fixCRC(countMismatch)
	now := time.UnixMilli(1_700_000_000_000)
	oldTs := produce(1, 5, now.UnixMilli()-10_000)
	tests := []struct {
		name string
		set  []byte
		cfg  func(*LogConfig)
		want error
	}{
		{"bad crc", corruptCRC, nil, ErrCorruptBatch},
		{"bad magic", badMagic, nil, ErrCorruptBatch},
		{"truncated", produce(2, 5, 1)[:40], nil, ErrCorruptBatch},
		{"trailing bytes", append(produce(1, 5, 1), 1, 2, 3), nil, ErrCorruptBatch},
		{"non-zero base offset", nonZeroBase, nil, ErrCorruptBatch},
		{"control batch", control, nil, ErrCorruptBatch},
		{"count mismatch", countMismatch, nil, ErrCorruptBatch},
		{"too large", produce(10, 100, 1), func(c *LogConfig) { c.MaxMessageBytes = 500 }, ErrMessageTooLarge},
		{"set above segment.bytes", append(produce(5, 100, 1), produce(5, 100, 1)...), func(c *LogConfig) { c.SegmentBytes = 800 }, ErrRecordBatchTooLarge},
		{"timestamp too old", oldTs, func(c *LogConfig) { c.MessageTimestampDifferenceMaxMs = 1000 }, ErrInvalidTimestamp},
		{"compacted without key", produce(1, 5, 1), func(c *LogConfig) { c.CleanupPolicy = "compact" }, ErrCorruptBatch},
		{"timestamp ok", oldTs, func(c *LogConfig) { c.MessageTimestampDifferenceMaxMs = 100_000 }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := smallConfig()
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			l := openTestLog(t, NewMemFS(), "/d/t-0", cfg, true)
			defer l.Close()
			_, err := l.Append(tc.set, 0, now)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Append error = %v, want %v", err, tc.want)
			}
			if tc.want != nil && l.LogEndOffset() != 0 {
				t.Fatalf("rejected append moved LEO to %d", l.LogEndOffset())
			}
		})
	}
}

func fixCRC(b []byte) {
	h, _ := parseBatchHeader(b)
	bb := b[:h.size()]
	c := batchCRC(bb)
	bb[17], bb[18], bb[19], bb[20] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
}

func TestLogAppendTime(t *testing.T) {
	cfg := smallConfig()
	cfg.MessageTimestampType = "LogAppendTime"
	l := openTestLog(t, NewMemFS(), "/d/t-0", cfg, true)
	defer l.Close()
	now := time.UnixMilli(1_800_000_000_000)
	res, err := l.Append(produce(3, 5, 42), 0, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.LogAppendTime != now.UnixMilli() {
		t.Fatalf("LogAppendTime = %d", res.LogAppendTime)
	}
	r, err := l.Read(0, -1, 1<<20, true)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := r.AppendTo(nil)
	r.Release()
	h, err := validateBatch(b)
	if err != nil {
		t.Fatalf("stored batch invalid: %v", err)
	}
	if h.Attributes&attrTimestampLogAppend == 0 || h.MaxTimestamp != now.UnixMilli() {
		t.Fatalf("attributes %x maxTs %d", h.Attributes, h.MaxTimestamp)
	}
}

func TestReadBounds(t *testing.T) {
	l := openTestLog(t, NewMemFS(), "/d/t-0", smallConfig(), true)
	defer l.Close()
	now := time.Now()
	// batches: [0..4] [5..9] [10..14] [15..19], each about 5*(100+)+61 bytes
	for range 4 {
		if _, err := l.Append(produce(5, 100, now.UnixMilli()), 0, now); err != nil {
			t.Fatal(err)
		}
	}
	one := int32(l.Size() / 4)
	tests := []struct {
		name      string
		offset    int64
		maxOffset int64
		maxBytes  int32
		minOne    bool
		wantBases []int64
		wantErr   error
	}{
		{"from start", 0, -1, 1 << 20, false, []int64{0, 5, 10, 15}, nil},
		{"inside batch", 7, -1, 1 << 20, false, []int64{5, 10, 15}, nil},
		{"max offset bound", 0, 10, 1 << 20, false, []int64{0, 5}, nil},
		{"max offset mid batch", 0, 12, 1 << 20, false, []int64{0, 5}, nil},
		{"max offset excludes first", 3, 4, 1 << 20, false, nil, nil},
		{"max bytes", 0, -1, 2*one + 1, false, []int64{0, 5}, nil},
		{"too small no minOne", 0, -1, 10, false, nil, nil},
		{"too small minOne", 0, -1, 10, true, []int64{0}, nil},
		{"at LEO", 20, -1, 1 << 20, false, nil, nil},
		{"beyond LEO", 21, -1, 1 << 20, false, nil, ErrOffsetOutOfRange},
		{"negative", -1, -1, 1 << 20, false, nil, ErrOffsetOutOfRange},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := l.Read(tc.offset, tc.maxOffset, tc.maxBytes, tc.minOne)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			defer r.Release()
			b, err := r.AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			var bases []int64
			if err := splitBatches(b, func(_ []byte, h batchHeader) error { bases = append(bases, h.BaseOffset); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(bases) != len(tc.wantBases) {
				t.Fatalf("bases %v, want %v", bases, tc.wantBases)
			}
			for i := range bases {
				if bases[i] != tc.wantBases[i] {
					t.Fatalf("bases %v, want %v", bases, tc.wantBases)
				}
			}
			if int(r.Size()) != len(b) {
				t.Fatalf("Size %d, bytes %d", r.Size(), len(b))
			}
		})
	}
}
