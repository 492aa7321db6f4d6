package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

// kafkaSnapshotEntries is testdata/kafka-2.4.1-producer.snapshot, the file
// 00000000000000000045.snapshot that Kafka 2.4.1 wrote at shutdown after 40 single-record
// batches from producer 0 (written by Samsa) and 5 from producer 1000 (written by Kafka).
var kafkaSnapshotEntries = []ProducerSnapshotEntry{
	{ProducerID: 0, ProducerEpoch: 0, LastSequence: 39, LastOffset: 39, OffsetDelta: 0, Timestamp: 1795607141624, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1},
	{ProducerID: 1000, ProducerEpoch: 0, LastSequence: 4, LastOffset: 44, OffsetDelta: 0, Timestamp: 1795607149111, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1},
}

func TestProducerSnapshotGolden(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "kafka-2.4.1-producer.snapshot"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeProducerSnapshot(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, kafkaSnapshotEntries) {
		t.Fatalf("decoded %+v\nwant    %+v", got, kafkaSnapshotEntries)
	}
	if enc := EncodeProducerSnapshot(got); !bytes.Equal(enc, raw) {
		t.Fatalf("re-encoded\n%x\nKafka's\n%x", enc, raw)
	}
}

func TestProducerSnapshotDecodeErrors(t *testing.T) {
	good := EncodeProducerSnapshot(kafkaSnapshotEntries)
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short header", good[:9]},
		{"unknown version", func() []byte { b := slices.Clone(good); b[1] = 2; return b }()},
		{"CRC mismatch", func() []byte { b := slices.Clone(good); b[20] ^= 1; return b }()},
		{"truncated array", withCRC(slices.Clone(good[:len(good)-1]))},
		{"negative count", withCRC(func() []byte { b := slices.Clone(good); binary.BigEndian.PutUint32(b[6:], 0xffffffff); return b }())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeProducerSnapshot(tt.b); !errors.Is(err, ErrCorruptProducerSnapshot) {
				t.Fatalf("error %v, want ErrCorruptProducerSnapshot", err)
			}
		})
	}
	if got, err := DecodeProducerSnapshot(EncodeProducerSnapshot(nil)); err != nil || len(got) != 0 {
		t.Fatalf("empty snapshot: %v %v", got, err)
	}
}

// withCRC recomputes the CRC of a hand-edited snapshot, so that only the edit is wrong.
func withCRC(b []byte) []byte {
	binary.BigEndian.PutUint32(b[2:], crc32.Checksum(b[producerSnapshotCRCStart:], castagnoli))
	return b
}

func FuzzProducerSnapshot(f *testing.F) {
	f.Add(EncodeProducerSnapshot(kafkaSnapshotEntries))
	f.Add(EncodeProducerSnapshot(nil))
	f.Add([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := DecodeProducerSnapshot(b)
		if err != nil {
			return
		}
		again, err := DecodeProducerSnapshot(EncodeProducerSnapshot(entries))
		if err != nil || !reflect.DeepEqual(again, entries) {
			t.Fatalf("round trip of %+v: %+v, %v", entries, again, err)
		}
	})
}

// idempotentBatch is a stored batch (absolute base offset) of n records from a producer.
func idempotentBatch(base int64, n int, pid int64, epoch int16, seq int32, ts int64) []byte {
	b := makeBatch(batchSpec{base: base, records: n, valueSize: 10, firstTs: ts, epoch: 0})
	binary.BigEndian.PutUint64(b[offProducerID:], uint64(pid))
	binary.BigEndian.PutUint16(b[offProducerEpoch:], uint16(epoch))
	binary.BigEndian.PutUint32(b[offBaseSequence:], uint32(seq))
	fixCRC(b)
	return b
}

// snapshotLog is a log whose segments rolls every two 2-record batches.
func snapshotLog(t *testing.T, fsys FS, clean bool) *Log {
	t.Helper()
	cfg := smallConfig()
	cfg.SegmentBytes = 200
	return openTestLog(t, fsys, "/d/t-0", cfg, clean)
}

// appendProducer appends n 2-record batches of producer 7 as a follower would, with
// timestamps of now, so that no reload finds them expired.
func appendProducer(t *testing.T, l *Log, n int) {
	t.Helper()
	now := time.Now().UnixMilli()
	for range n {
		off := l.LogEndOffset()
		if _, err := l.AppendAsFollower(idempotentBatch(off, 2, 7, 0, int32(off), now+off)); err != nil {
			t.Fatal(err)
		}
	}
}

func lastBatch(t *testing.T, l *Log) ProducerBatch {
	t.Helper()
	ps := l.Producers()
	if len(ps) != 1 || len(ps[0].Batches) == 0 {
		t.Fatalf("producers %+v, want one with batches", ps)
	}
	return ps[0].Batches[len(ps[0].Batches)-1]
}

func snapshotList(t *testing.T, l *Log) []int64 {
	t.Helper()
	offs, err := snapshotFiles(l.fs, l.dir)
	if err != nil {
		t.Fatal(err)
	}
	return offs
}

// TestLogProducerSnapshots follows the snapshot files through a log's life: rolls and
// close write them, a reopen loads the newest instead of scanning, a corrupt one is
// skipped, truncation and a raised log start delete the ones out of range.
func TestLogProducerSnapshots(t *testing.T) {
	fsys := NewMemFS()
	l := snapshotLog(t, fsys, false)
	appendProducer(t, l, 6)
	rolls := snapshotList(t, l)
	if len(rolls) < 2 || rolls[0] == 0 {
		t.Fatalf("snapshots after rolls at %v, want one per roll", rolls)
	}
	if got := lastBatch(t, l); got.LastOffset != 11 || got.LastSeq != 11 || got.FirstSeq() != 10 || got.FirstOffset() != 10 {
		t.Fatalf("last batch %+v", got)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if offs := snapshotList(t, l); offs[len(offs)-1] != 12 {
		t.Fatalf("snapshots after close %v, want one at the log end 12", offs)
	}

	// A reopen takes the state from the snapshot at 12 and reads no batch: a snapshot
	// that says something else wins over the log.
	forged := EncodeProducerSnapshot([]ProducerSnapshotEntry{{ProducerID: 9, ProducerEpoch: 3, LastSequence: 50, LastOffset: 11, OffsetDelta: 1, Timestamp: time.Now().UnixMilli(), CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1}})
	if err := writeSnapshotFile(fsys, "/d/t-0", 12, forged); err != nil {
		t.Fatal(err)
	}
	l = snapshotLog(t, fsys, true)
	if ps := l.Producers(); len(ps) != 1 || ps[0].ProducerID != 9 || ps[0].Epoch != 3 || ps[0].Batches[0].FirstSeq() != 49 {
		t.Fatalf("producers after reopen %+v, want the snapshot's", ps)
	}
	l.Close()

	// A corrupt newest snapshot is deleted; the older one plus the tail give the state.
	if err := writeSnapshotFile(fsys, "/d/t-0", 12, []byte("garbage")); err != nil {
		t.Fatal(err)
	}
	l = snapshotLog(t, fsys, true)
	if got := lastBatch(t, l); got.LastOffset != 11 || got.LastSeq != 11 {
		t.Fatalf("last batch after a corrupt snapshot %+v", got)
	}
	if ps := l.Producers(); len(ps[0].Batches) < 2 {
		t.Fatalf("replay after the older snapshot remembered %d batches, want the tail's", len(ps[0].Batches))
	}

	// Truncation drops the snapshots above the new end and rolls the state back.
	if err := l.Truncate(7); err != nil {
		t.Fatal(err)
	}
	if got := lastBatch(t, l); got.LastOffset != 5 || got.LastSeq != 5 {
		t.Fatalf("last batch after truncating to 7: %+v", got)
	}
	for _, off := range snapshotList(t, l) {
		if off > l.LogEndOffset() {
			t.Fatalf("snapshot at %d above the log end %d after truncation", off, l.LogEndOffset())
		}
	}

	// A raised log start deletes the snapshots below it.
	appendProducer(t, l, 4)
	l.SetHighWatermark(l.LogEndOffset())
	start := l.LogEndOffset() - 2
	if _, err := l.DeleteRecordsBefore(start); err != nil {
		t.Fatal(err)
	}
	for _, off := range snapshotList(t, l) {
		if off < start {
			t.Fatalf("snapshot at %d below the log start %d", off, start)
		}
	}

	// Truncating fully deletes them all.
	if err := l.TruncateFully(100); err != nil {
		t.Fatal(err)
	}
	if offs := snapshotList(t, l); len(offs) != 0 || len(l.Producers()) != 0 {
		t.Fatalf("after a full truncation: snapshots %v, producers %+v", offs, l.Producers())
	}
	l.Close()
}

// TestProducerStateRules checks how batches change a producer's state (ProducerAppendInfo
// for replicated batches).
func TestProducerStateRules(t *testing.T) {
	type in struct {
		base  int64
		n     int
		epoch int16
		seq   int32
		attrs int16
	}
	tests := []struct {
		name    string
		batches []in
		want    ProducerState
	}{
		{"window of five", []in{{0, 1, 0, 0, 0}, {1, 1, 0, 1, 0}, {2, 1, 0, 2, 0}, {3, 1, 0, 3, 0}, {4, 1, 0, 4, 0}, {5, 2, 0, 5, 0}},
			ProducerState{ProducerID: 7, Epoch: 0, CoordinatorEpoch: -1, LastTimestamp: 5, CurrentTxnFirstOffset: -1, Batches: []ProducerBatch{
				{1, 1, 0, 1}, {2, 2, 0, 2}, {3, 3, 0, 3}, {4, 4, 0, 4}, {6, 6, 1, 5}}}},
		{"new epoch forgets the batches", []in{{0, 2, 0, 0, 0}, {2, 1, 1, 0, 0}},
			ProducerState{ProducerID: 7, Epoch: 1, CoordinatorEpoch: -1, LastTimestamp: 2, CurrentTxnFirstOffset: -1, Batches: []ProducerBatch{{0, 2, 0, 2}}}},
		{"older epoch ignored", []in{{0, 1, 2, 0, 0}, {1, 1, 1, 0, 0}},
			ProducerState{ProducerID: 7, Epoch: 2, CoordinatorEpoch: -1, LastTimestamp: 0, CurrentTxnFirstOffset: -1, Batches: []ProducerBatch{{0, 0, 0, 0}}}},
		{"sequence wraps", []in{{0, 3, 0, 2147483646, 0}},
			ProducerState{ProducerID: 7, Epoch: 0, CoordinatorEpoch: -1, LastTimestamp: 0, CurrentTxnFirstOffset: -1, Batches: []ProducerBatch{{0, 2, 2, 0}}}},
		{"transaction opened and closed", []in{{0, 1, 0, 0, attrTransactional}, {1, 1, 0, 1, attrTransactional}},
			ProducerState{ProducerID: 7, Epoch: 0, CoordinatorEpoch: -1, LastTimestamp: 1, CurrentTxnFirstOffset: 0, Batches: []ProducerBatch{{0, 0, 0, 0}, {1, 1, 0, 1}}}},
		{"marker ends it", []in{{0, 1, 0, 0, attrTransactional}, {1, 1, 0, -1, attrTransactional | attrControl}},
			ProducerState{ProducerID: 7, Epoch: 0, CoordinatorEpoch: -1, LastTimestamp: 1, CurrentTxnFirstOffset: -1, Batches: []ProducerBatch{{0, 0, 0, 0}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps producerStates
			for _, b := range tt.batches {
				raw := idempotentBatch(b.base, b.n, 7, b.epoch, b.seq, b.base)
				binary.BigEndian.PutUint16(raw[offAttributes:], uint16(b.attrs))
				h, err := parseBatchHeader(raw)
				if err != nil {
					t.Fatal(err)
				}
				ps.apply(raw, h)
			}
			got := *ps.m[7]
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("state %+v\nwant  %+v", got, tt.want)
			}
		})
	}
}

func TestProducerBatchFirstSeq(t *testing.T) {
	tests := []struct {
		b           ProducerBatch
		seq         int32
		firstOffset int64
	}{
		{ProducerBatch{LastSeq: 6, LastOffset: 16, OffsetDelta: 1}, 5, 15},
		{ProducerBatch{LastSeq: 0, LastOffset: 2, OffsetDelta: 2}, 2147483646, 0},
		{ProducerBatch{LastSeq: 2147483647, LastOffset: 9, OffsetDelta: 0}, 2147483647, 9},
	}
	for _, tt := range tests {
		if got := tt.b.FirstSeq(); got != tt.seq || tt.b.FirstOffset() != tt.firstOffset {
			t.Errorf("%+v: first sequence %d offset %d, want %d %d", tt.b, got, tt.b.FirstOffset(), tt.seq, tt.firstOffset)
		}
	}
}
