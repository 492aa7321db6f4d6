package broker

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"reflect"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

var rcCodecs = []compress.Codec{compress.None, compress.Gzip, compress.Snappy, compress.LZ4, compress.Zstd}

// rcRecord is a record with its absolute timestamp, for comparisons.
type rcRecord struct {
	ts         int64
	key, value []byte
	headers    []protocol.RecordHeader
}

// rcInput is a produced batch whose first timestamp is not its first
// record's, with a record older than the first, odd record attributes, a
// null key, an empty (not null) value, a null value and headers with a
// null value, so that every rebasing and null rule is exercised.
func rcInput() (protocol.BatchHeader, []protocol.Record, []rcRecord) {
	const base = 1_700_000_000_000
	recs := []protocol.Record{
		{Attributes: 0, TimestampDelta: 5, OffsetDelta: 0, Key: []byte("k0"), Value: bytes.Repeat([]byte("v"), 300)},
		{Attributes: 1, TimestampDelta: -20, OffsetDelta: 1, Key: nil, Value: []byte{},
			Headers: []protocol.RecordHeader{{Key: "h1", Value: []byte("x")}, {Key: "h2", Value: nil}}},
		{Attributes: 0, TimestampDelta: 40, OffsetDelta: 2, Key: []byte("k2"), Value: nil},
	}
	want := make([]rcRecord, len(recs))
	for i, r := range recs {
		want[i] = rcRecord{ts: base + r.TimestampDelta, key: r.Key, value: r.Value, headers: r.Headers}
	}
	h := protocol.BatchHeader{
		PartitionLeaderEpoch: -1,
		Attributes:           transactionalAttr,
		LastOffsetDelta:      int32(len(recs)) - 1,
		FirstTimestamp:       base,
		MaxTimestamp:         base + 40,
		ProducerID:           4242,
		ProducerEpoch:        7,
		BaseSequence:         99,
		NumRecords:           int32(len(recs)),
	}
	return h, recs, want
}

func rcBatch(t testing.TB, h protocol.BatchHeader, recs []protocol.Record, c compress.Codec) []byte {
	t.Helper()
	b, err := protocol.AppendBatch(nil, h, recs, c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rcReadBack decodes the single batch of b with absolute timestamps.
func rcReadBack(t *testing.T, b []byte) (protocol.BatchHeader, []rcRecord, []protocol.Record) {
	t.Helper()
	hs, err := protocol.ValidateProduceBatches(b, 8)
	if err != nil {
		t.Fatalf("converted batch does not validate: %v", err)
	}
	h := hs[0]
	var out []rcRecord
	var raw []protocol.Record
	if err := protocol.ForEachRecord(b, func(r protocol.Record) error {
		out = append(out, rcRecord{ts: h.FirstTimestamp + r.TimestampDelta, key: r.Key, value: r.Value, headers: r.Headers})
		raw = append(raw, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return h, out, raw
}

func rcSameBytes(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func rcSameRecords(a, b []rcRecord) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d records, want %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.ts != y.ts || !rcSameBytes(x.key, y.key) || !rcSameBytes(x.value, y.value) || len(x.headers) != len(y.headers) {
			return fmt.Errorf("record %d: got ts=%d key=%q value=%q (nil %v) headers=%d, want ts=%d key=%q value=%q (nil %v) headers=%d",
				i, x.ts, x.key, x.value, x.value == nil, len(x.headers), y.ts, y.key, y.value, y.value == nil, len(y.headers))
		}
		for j := range x.headers {
			if x.headers[j].Key != y.headers[j].Key || !rcSameBytes(x.headers[j].Value, y.headers[j].Value) {
				return fmt.Errorf("record %d header %d: got %+v, want %+v", i, j, x.headers[j], y.headers[j])
			}
		}
	}
	return nil
}

func TestRecompressEveryCodecPair(t *testing.T) {
	targets := []string{"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}
	for _, src := range rcCodecs {
		for _, ct := range targets {
			t.Run(src.String()+"_to_"+ct, func(t *testing.T) {
				h, recs, want := rcInput()
				in := rcBatch(t, h, recs, src)
				orig := bytes.Clone(in)
				hs, err := protocol.ValidateProduceBatches(in, 8)
				if err != nil {
					t.Fatal(err)
				}
				rc := recompression{tp: storage.TopicPartition{Topic: "t", Partition: 0}, compressionType: ct, maxMessageBytes: 1 << 20}
				out, err := rc.apply(in, hs)
				if err != nil {
					t.Fatal(err)
				}
				wantCodec, _ := targetCodec(ct, src)
				if !bytes.Equal(in, orig) {
					t.Fatal("the produced bytes were modified")
				}
				if wantCodec == src {
					if &out[0] != &in[0] || len(out) != len(in) {
						t.Fatal("same codec: want the produced bytes back without a copy")
					}
					return
				}
				got, gotRecs, raw := rcReadBack(t, out)
				if got.Compression() != wantCodec {
					t.Fatalf("codec %s, want %s", got.Compression(), wantCodec)
				}
				checks := []struct {
					name      string
					got, want int64
				}{
					{"producer id", got.ProducerID, h.ProducerID},
					{"producer epoch", int64(got.ProducerEpoch), int64(h.ProducerEpoch)},
					{"base sequence", int64(got.BaseSequence), int64(h.BaseSequence)},
					{"transactional", rcBool(got.Transactional()), 1},
					{"log append time", rcBool(got.LogAppendTime()), 0},
					{"records", int64(got.NumRecords), int64(len(recs))},
					{"last offset delta", int64(got.LastOffsetDelta), int64(len(recs) - 1)},
					{"base offset", got.BaseOffset, 0},
					{"first timestamp", got.FirstTimestamp, want[0].ts},
					{"max timestamp", got.MaxTimestamp, want[2].ts},
				}
				for _, c := range checks {
					if c.got != c.want {
						t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
					}
				}
				if err := rcSameRecords(gotRecs, want); err != nil {
					t.Error(err)
				}
				for i, r := range raw {
					if r.Attributes != 0 || r.OffsetDelta != int32(i) {
						t.Errorf("record %d: attributes %d offset delta %d, want 0 and %d", i, r.Attributes, r.OffsetDelta, i)
					}
				}
			})
		}
	}
}

func rcBool(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func TestTargetCodec(t *testing.T) {
	tests := []struct {
		value  string
		source compress.Codec
		want   compress.Codec
		ok     bool
	}{
		{"producer", compress.Snappy, compress.Snappy, true},
		{"producer", compress.None, compress.None, true},
		{"uncompressed", compress.Zstd, compress.None, true},
		{"gzip", compress.None, compress.Gzip, true},
		{"snappy", compress.Gzip, compress.Snappy, true},
		{"lz4", compress.Gzip, compress.LZ4, true},
		{"zstd", compress.LZ4, compress.Zstd, true},
		{"GZIP", compress.None, compress.Gzip, true},
		{"none", compress.LZ4, compress.LZ4, false}, // the producer's name, not a topic value
		{"brotli", compress.Gzip, compress.Gzip, false},
		{"", compress.None, compress.None, false},
	}
	for _, tt := range tests {
		got, ok := targetCodec(tt.value, tt.source)
		if got != tt.want || ok != tt.ok {
			t.Errorf("targetCodec(%q, %s) = %s, %v; want %s, %v", tt.value, tt.source, got, ok, tt.want, tt.ok)
		}
	}
}

// rcWithCRC rewrites the attributes of batch and fixes its CRC, to build
// batches that pass the CRC check but break another rule.
func rcWithCRC(batch []byte, mutate func([]byte)) []byte {
	b := bytes.Clone(batch)
	mutate(b)
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

func TestRecompressErrors(t *testing.T) {
	h, recs, _ := rcInput()
	big := protocol.Record{Value: bytes.Repeat([]byte{'a'}, 64<<10)}
	bh := protocol.BatchHeader{PartitionLeaderEpoch: -1, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: 1, FirstTimestamp: 1, MaxTimestamp: 1}
	gzBig := rcBatch(t, bh, []protocol.Record{big}, compress.Gzip)

	gapped := append([]protocol.Record(nil), recs...)
	gapped[2].OffsetDelta = 5
	gappedBatch := rcBatch(t, h, gapped, compress.None)

	// A batch that says gzip but holds plain records.
	garbage := rcWithCRC(rcBatch(t, h, recs, compress.None), func(b []byte) {
		binary.BigEndian.PutUint16(b[21:], binary.BigEndian.Uint16(b[21:])|uint16(compress.Gzip))
	})

	tests := []struct {
		name     string
		records  []byte
		ct       string
		max      int32
		wantCode *kerr.Error
		wantErr  error
	}{
		{name: "decompressed batch above max.message.bytes", records: gzBig, ct: "uncompressed", max: int32(len(gzBig)) + 100,
			wantCode: kerr.MessageTooLarge},
		{name: "same batch kept compressed fits", records: gzBig, ct: "producer", max: int32(len(gzBig))},
		{name: "recompressed batch fits", records: gzBig, ct: "zstd", max: 4096},
		{name: "inner offsets with a gap", records: gappedBatch, ct: "lz4", max: 1 << 20, wantErr: protocol.ErrInvalidRecord},
		{name: "inner offsets not checked without conversion", records: gappedBatch, ct: "producer", max: 1 << 20},
		{name: "undecodable compressed records", records: garbage, ct: "snappy", max: 1 << 20, wantErr: protocol.ErrCorruptMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hd, err := protocol.ParseBatchHeader(tt.records)
			if err != nil {
				t.Fatal(err)
			}
			rc := recompression{tp: storage.TopicPartition{Topic: "t", Partition: 3}, compressionType: tt.ct, maxMessageBytes: tt.max}
			_, err = rc.apply(tt.records, []protocol.BatchHeader{hd})
			switch {
			case tt.wantCode == nil && tt.wantErr == nil:
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
			case tt.wantCode != nil:
				if errorFor(err) != tt.wantCode {
					t.Fatalf("error %v maps to %v, want %v", err, errorFor(err), tt.wantCode)
				}
			default:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
			}
		})
	}
}

func TestRecompressTruncatedInput(t *testing.T) {
	h, recs, _ := rcInput()
	b := rcBatch(t, h, recs, compress.Gzip)
	hd, err := protocol.ParseBatchHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	rc := recompression{compressionType: "lz4", maxMessageBytes: 1 << 20}
	for _, cut := range []int{1, 10, len(b) - 61} {
		if _, err := rc.apply(b[:len(b)-cut], []protocol.BatchHeader{hd}); !errors.Is(err, protocol.ErrCorruptMessage) {
			t.Errorf("cut %d bytes: error %v, want corrupt message", cut, err)
		}
	}
}

func TestRecompressMessageTooLargeText(t *testing.T) {
	bh := protocol.BatchHeader{PartitionLeaderEpoch: -1, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: 1}
	recs := []protocol.Record{{Value: bytes.Repeat([]byte{'z'}, 1000)}}
	in := rcBatch(t, bh, recs, compress.Zstd)
	plain := rcBatch(t, bh, recs, compress.None)
	hd, _ := protocol.ParseBatchHeader(in)
	rc := recompression{tp: storage.TopicPartition{Topic: "topic", Partition: 2}, compressionType: "uncompressed", maxMessageBytes: 500}
	_, err := rc.apply(in, []protocol.BatchHeader{hd})
	want := fmt.Sprintf("Message batch size is %d bytes in append topartition topic-2 which exceeds the maximum configured size of 500.", len(plain))
	if err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

// TestProduceAppliesBrokerCompressionType produces through a running
// server whose compression.type is set broker-wide, and reads back what the
// log stored.
func TestProduceAppliesBrokerCompressionType(t *testing.T) {
	tests := []struct {
		compressionType string
		produced        compress.Codec
		stored          compress.Codec
	}{
		{"producer", compress.Snappy, compress.Snappy},
		{"gzip", compress.None, compress.Gzip},
		{"lz4", compress.Zstd, compress.LZ4},
		{"uncompressed", compress.Gzip, compress.None},
	}
	for _, tt := range tests {
		t.Run(tt.compressionType, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Topics.CompressionType = tt.compressionType })
			c := h.dial()
			h.hostTopic(c, "t", 1)
			bh, recs, want := rcInput()
			bh.Attributes = 0 // transactional produces are refused
			for i := range 2 {
				bh.BaseSequence = int32(3 * i) // a new idempotent producer starts at 0
				in := rcBatch(t, bh, recs, tt.produced)
				if rp := produce(t, c, "t", 0, 1, in); rp.ErrorCode != 0 || rp.BaseOffset != int64(3*i) {
					t.Fatalf("produce %d: error %d base offset %d", i, rp.ErrorCode, rp.BaseOffset)
				}
			}
			// A retry of the last batch is a duplicate once converted too:
			// answered with its first offsets, not stored again.
			if rp := produce(t, c, "t", 0, 1, rcBatch(t, bh, recs, tt.produced)); rp.ErrorCode != 0 || rp.BaseOffset != 3 {
				t.Fatalf("retried produce: error %d base offset %d, want 0 and 3", rp.ErrorCode, rp.BaseOffset)
			}
			log := h.logs.fake(tpOf("t", 0))
			log.mu.Lock()
			stored := append([][]byte(nil), log.batches...)
			log.mu.Unlock()
			if len(stored) != 2 {
				t.Fatalf("%d batches stored, want 2", len(stored))
			}
			for i, b := range stored {
				hd, err := protocol.ParseBatchHeader(b)
				if err != nil {
					t.Fatal(err)
				}
				if hd.Compression() != tt.stored || hd.BaseOffset != int64(3*i) {
					t.Errorf("batch %d: codec %s base offset %d, want %s and %d", i, hd.Compression(), hd.BaseOffset, tt.stored, 3*i)
				}
				if hd.ProducerID != bh.ProducerID || hd.ProducerEpoch != bh.ProducerEpoch || hd.BaseSequence != int32(3*i) {
					t.Errorf("batch %d: producer %d epoch %d sequence %d, want %d, %d, %d", i, hd.ProducerID, hd.ProducerEpoch, hd.BaseSequence,
						bh.ProducerID, bh.ProducerEpoch, 3*i)
				}
				var got []rcRecord
				if err := protocol.ForEachRecord(b, func(r protocol.Record) error {
					got = append(got, rcRecord{ts: hd.FirstTimestamp + r.TimestampDelta, key: r.Key, value: r.Value, headers: r.Headers})
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if err := rcSameRecords(got, want); err != nil {
					t.Errorf("batch %d: %v", i, err)
				}
			}
		})
	}
}

// topicCompressionWired reports whether a topic's compression.type travels
// with its log config (storage.LogConfig.CompressionType). Until it does,
// compressionTypeOf knows only the broker-wide value and the topic-level
// tests skip.
func topicCompressionWired() bool {
	_, ok := reflect.TypeOf(storage.LogConfig{}).FieldByName("CompressionType")
	return ok
}

// storedCodecs lists the codec of every batch the fake log holds.
func storedCodecs(t *testing.T, l *fakeLog) []compress.Codec {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []compress.Codec
	for _, b := range l.batches {
		hd, err := protocol.ParseBatchHeader(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, hd.Compression())
	}
	return out
}

// TestProduceAppliesTopicCompressionType: a topic's override wins over the
// broker's value, and a changed config applies to the next produce.
func TestProduceAppliesTopicCompressionType(t *testing.T) {
	if !topicCompressionWired() {
		t.Skip("topic-level compression.type is not carried by storage.LogConfig yet")
	}
	h := newHarness(t, func(c *Config) { c.Topics.CompressionType = "gzip" })
	h.admin.mu.Lock()
	h.admin.configs["t"] = map[string]string{"compression.type": "zstd"}
	h.admin.mu.Unlock()
	c := h.dial()
	h.hostTopic(c, "t", 1)
	steps := []struct {
		override string // "" removes it: the broker's gzip applies
		produced compress.Codec
		stored   compress.Codec
	}{
		{"zstd", compress.None, compress.Zstd},
		{"uncompressed", compress.Gzip, compress.None},
		{"producer", compress.LZ4, compress.LZ4},
		{"", compress.Snappy, compress.Gzip},
	}
	bh, recs, _ := rcInput()
	bh.Attributes = 0
	var want []compress.Codec
	for i, st := range steps {
		h.admin.mu.Lock()
		h.admin.configs["t"] = map[string]string{}
		if st.override != "" {
			h.admin.configs["t"]["compression.type"] = st.override
		}
		h.admin.mu.Unlock()
		// What a config change notification does to a hosted partition.
		p, ok := h.s.parts.get(tpOf("t", 0))
		if !ok {
			t.Fatal("partition t-0 not hosted")
		}
		p.log.SetConfig(h.s.topicSettings(context.Background(), "t").Log)
		bh.BaseSequence = int32(3 * i)
		if rp := produce(t, c, "t", 0, 1, rcBatch(t, bh, recs, st.produced)); rp.ErrorCode != 0 {
			t.Fatalf("step %d: produce error %d", i, rp.ErrorCode)
		}
		want = append(want, st.stored)
	}
	if got := storedCodecs(t, h.logs.fake(tpOf("t", 0))); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stored codecs %v, want %v", got, want)
	}
}

// TestRecompressWithRealStorageLogAppendTime converts a batch for a
// LogAppendTime topic on real storage: the log then stamps the rebuilt
// batch (attribute and max timestamp) while the records keep their own
// timestamps, as Kafka's MemoryRecordsBuilder does with LOG_APPEND_TIME.
func TestRecompressWithRealStorageLogAppendTime(t *testing.T) {
	m := openTestManager(t, t.TempDir())
	h, stop := startRealConfig(t, m, func(c *Config) {
		c.Topics.CompressionType = "zstd"
		c.Log.MessageTimestampType = "LogAppendTime"
	})
	defer stop()
	c := h.dial()
	h.hostTopic(c, "t", 1)
	bh, recs, want := rcInput()
	bh.Attributes, bh.BaseSequence = 0, 0 // not transactional, a new producer's first batch
	rp := produce(t, c, "t", 0, 1, rcBatch(t, bh, recs, compress.Gzip))
	if rp.ErrorCode != 0 || rp.BaseOffset != 0 || rp.LogAppendTime <= 0 {
		t.Fatalf("produce: error %d base offset %d log append time %d", rp.ErrorCode, rp.BaseOffset, rp.LogAppendTime)
	}
	fp := fetch(t, c, fetchRequest("t", 0, 0, -1, 0, 1))
	if fp.ErrorCode != 0 {
		t.Fatalf("fetch: error %d", fp.ErrorCode)
	}
	got, gotRecs, _ := rcReadBack(t, fp.RecordBatches)
	checks := []struct {
		name      string
		got, want int64
	}{
		{"codec", int64(got.Compression()), int64(compress.Zstd)},
		{"log append time attribute", rcBool(got.LogAppendTime()), 1},
		{"max timestamp", got.MaxTimestamp, rp.LogAppendTime},
		{"first timestamp", got.FirstTimestamp, want[0].ts},
		{"producer id", got.ProducerID, bh.ProducerID},
		{"base sequence", int64(got.BaseSequence), 0},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %d, want %d", ck.name, ck.got, ck.want)
		}
	}
	if err := rcSameRecords(gotRecs, want); err != nil {
		t.Error(err)
	}
}

// TestProduceToFollowerNotConverted: as in Kafka, only the leader
// converts, so a follower answers NOT_LEADER_FOR_PARTITION even for a batch
// whose conversion would fail.
func TestProduceToFollowerNotConverted(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Topics.CompressionType = "gzip" })
	c := h.dial()
	h.updateMetadata(c, map[string]map[int32][]int32{"t": {0: {2, 1}}}, 0, 2)
	if resp := h.leaderAndISR(c, "t", map[int32][]int32{0: {2, 1}}, 0); resp.Partitions[0].ErrorCode != 0 {
		t.Fatalf("LeaderAndIsr: error %d", resp.Partitions[0].ErrorCode)
	}
	bh, recs, _ := rcInput()
	bh.Attributes, bh.BaseSequence = 0, 0
	recs[2].OffsetDelta = 7 // INVALID_RECORD once converted
	if code := produceCode(t, c, "t", 0, 1, rcBatch(t, bh, recs, compress.None)); code != kerr.NotLeaderForPartition.Code {
		t.Fatalf("produce to a follower: error %d, want NOT_LEADER_FOR_PARTITION", code)
	}
}
