package broker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

var convertNow = time.UnixMilli(1_700_000_000_000)

func legacyMsgs(magic int8, n int) []protocol.LegacyMessage {
	out := make([]protocol.LegacyMessage, n)
	for i := range out {
		out[i] = protocol.LegacyMessage{Offset: int64(i), Magic: magic, Timestamp: -1, Key: []byte{'k', byte('0' + i)}, Value: []byte{'v', byte('0' + i)}}
		if magic == 1 {
			out[i].Timestamp = convertNow.UnixMilli() - int64(10*(n-i))
		}
	}
	return out
}

func plainSet(msgs []protocol.LegacyMessage) []byte {
	var b []byte
	for _, m := range msgs {
		b = protocol.AppendLegacyMessage(b, m)
	}
	return b
}

func wrapperSet(t *testing.T, magic int8, codec compress.Codec, msgs []protocol.LegacyMessage) []byte {
	t.Helper()
	b, err := protocol.AppendLegacyWrapper(nil, magic, int64(len(msgs)-1), -1, 0, codec, msgs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func convertTestConfig() storage.LogConfig {
	cfg := storage.DefaultLogConfig()
	cfg.CompressionType = "producer"
	return cfg
}

func TestUpConvert(t *testing.T) {
	corrupt := plainSet(legacyMsgs(1, 2))
	corrupt[len(corrupt)-1] ^= 0xff
	mixed := append(plainSet(legacyMsgs(0, 1)), plainSet(legacyMsgs(1, 1))...)
	twoWrappers := append(wrapperSet(t, 1, compress.Gzip, legacyMsgs(1, 1)), wrapperSet(t, 1, compress.Gzip, legacyMsgs(1, 1))...)
	gaps := legacyMsgs(1, 2)
	gaps[1].Offset = 5
	lat := legacyMsgs(1, 1)
	lat[0].Attributes = 0x08
	old := legacyMsgs(1, 1)
	old[0].Timestamp = 1
	noKey := legacyMsgs(0, 1)
	noKey[0].Key = nil
	strict := convertTestConfig()
	strict.MessageTimestampDifferenceMaxMs = 1000
	small := convertTestConfig()
	small.MaxMessageBytes = 30
	compacted := convertTestConfig()
	compacted.CleanupPolicy = "compact"
	snappyTopic := convertTestConfig()
	snappyTopic.CompressionType = "snappy"
	tests := []struct {
		name  string
		cfg   storage.LogConfig
		set   []byte
		codec compress.Codec
		want  []protocol.LegacyMessage
		err   *kerr.Error
	}{
		{"magic 0 plain", convertTestConfig(), plainSet(legacyMsgs(0, 3)), compress.None, legacyMsgs(0, 3), nil},
		{"magic 1 plain", convertTestConfig(), plainSet(legacyMsgs(1, 2)), compress.None, legacyMsgs(1, 2), nil},
		{"magic 1 gzip wrapper", convertTestConfig(), wrapperSet(t, 1, compress.Gzip, legacyMsgs(1, 3)), compress.Gzip, legacyMsgs(1, 3), nil},
		{"magic 0 lz4 wrapper", convertTestConfig(), wrapperSet(t, 0, compress.LZ4, legacyMsgs(0, 2)), compress.LZ4, legacyMsgs(0, 2), nil},
		{"topic codec applies", snappyTopic, plainSet(legacyMsgs(1, 2)), compress.Snappy, legacyMsgs(1, 2), nil},
		{"crc", convertTestConfig(), corrupt, 0, nil, kerr.CorruptMessage},
		{"mixed magic", convertTestConfig(), mixed, 0, nil, kerr.InvalidRecord},
		{"two wrappers", convertTestConfig(), twoWrappers, 0, nil, kerr.InvalidRecord},
		{"inner offsets not incremental", convertTestConfig(), wrapperSet(t, 1, compress.Gzip, gaps), 0, nil, kerr.InvalidRecord},
		{"log append time from a producer", convertTestConfig(), plainSet(lat), 0, nil, kerr.InvalidTimestamp},
		{"timestamp out of range", strict, plainSet(old), 0, nil, kerr.InvalidTimestamp},
		{"too large", small, plainSet(legacyMsgs(1, 1)), 0, nil, kerr.MessageTooLarge},
		{"compacted without key", compacted, plainSet(noKey), 0, nil, kerr.InvalidRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := upConversion{tp: storage.TopicPartition{Topic: "t", Partition: 0}, cfg: tt.cfg, now: convertNow}
			got, err := u.convert(tt.set)
			if tt.err != nil {
				if err == nil || errorFor(err) != tt.err {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			hs, err := protocol.ValidateProduceBatches(got, 2)
			if err != nil {
				t.Fatalf("converted batch invalid: %v", err)
			}
			if len(hs) != 1 || hs[0].Compression() != tt.codec || hs[0].ProducerID != -1 {
				t.Fatalf("headers %+v, want one %s batch without producer id", hs, tt.codec)
			}
			i := 0
			err = protocol.ForEachRecord(got, func(r protocol.Record) error {
				w := tt.want[i]
				if ts := hs[0].FirstTimestamp + r.TimestampDelta; ts != w.Timestamp || r.OffsetDelta != int32(i) || !bytes.Equal(r.Key, w.Key) || !bytes.Equal(r.Value, w.Value) {
					t.Errorf("record %d = %+v (ts %d), want %+v", i, r, ts, w)
				}
				i++
				return nil
			})
			if err != nil || i != len(tt.want) {
				t.Fatalf("%d records, err %v", i, err)
			}
		})
	}
}

func TestUpConvertEmpty(t *testing.T) {
	u := upConversion{cfg: convertTestConfig(), now: convertNow}
	full := plainSet(legacyMsgs(1, 1))
	for _, set := range [][]byte{nil, full[:len(full)-1]} {
		if got, err := u.convert(set); got != nil || err != nil {
			t.Errorf("convert(%d bytes) = %d bytes, %v; want nothing", len(set), len(got), err)
		}
	}
}

// storedBatch builds a magic 2 batch at base with n records.
func storedBatch(t *testing.T, base int64, n int, codec compress.Codec, attrs int16) []byte {
	t.Helper()
	recs := make([]protocol.Record, n)
	for i := range recs {
		recs[i] = protocol.Record{TimestampDelta: int64(i), OffsetDelta: int32(i), Key: []byte{'k'}, Value: []byte{byte('a' + i)},
			Headers: []protocol.RecordHeader{{Key: "h", Value: []byte("lost")}}}
	}
	h := protocol.BatchHeader{BaseOffset: base, Attributes: attrs, LastOffsetDelta: int32(n - 1), FirstTimestamp: 1000, MaxTimestamp: 1000 + int64(n-1),
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: int32(n)}
	if attrs&0x08 != 0 {
		h.MaxTimestamp = 5000
	}
	b, err := protocol.AppendBatch(nil, h, recs, codec)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// flatten reads a converted message set back as (offset, timestamp, value).
func flatten(t *testing.T, set []byte) (offsets, stamps []int64, values string) {
	t.Helper()
	es, err := protocol.ParseLegacyEntries(set)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if !e.Valid() {
			t.Fatalf("entry at %d has a bad CRC", e.Offset)
		}
		if e.Compression() == compress.None {
			offsets, stamps, values = append(offsets, e.Offset), append(stamps, e.Timestamp), values+string(e.Value)
			continue
		}
		inner, err := e.Inner(1 << 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range inner {
			offsets, stamps, values = append(offsets, m.Offset), append(stamps, m.Timestamp), values+string(m.Value)
		}
	}
	return offsets, stamps, values
}

func TestDownConvert(t *testing.T) {
	tests := []struct {
		name        string
		stored      []byte
		magic       int8
		firstOffset int64
		offsets     []int64
		stamps      []int64
		values      string
	}{
		{"magic 1 plain", storedBatch(t, 10, 3, compress.None, 0), 1, 10, []int64{10, 11, 12}, []int64{1000, 1001, 1002}, "abc"},
		{"magic 0 plain", storedBatch(t, 10, 3, compress.None, 0), 0, 10, []int64{10, 11, 12}, []int64{-1, -1, -1}, "abc"},
		{"plain records before the fetch offset dropped", storedBatch(t, 10, 3, compress.None, 0), 1, 11, []int64{11, 12}, []int64{1001, 1002}, "bc"},
		{"compressed batches keep every record", storedBatch(t, 10, 3, compress.Gzip, 0), 1, 11, []int64{10, 11, 12}, []int64{1000, 1001, 1002}, "abc"},
		{"magic 0 snappy", storedBatch(t, 10, 2, compress.Snappy, 0), 0, 10, []int64{10, 11}, []int64{-1, -1}, "ab"},
		{"magic 0 lz4", storedBatch(t, 7, 2, compress.LZ4, 0), 0, 7, []int64{7, 8}, []int64{-1, -1}, "ab"},
		{"log append time", storedBatch(t, 0, 2, compress.None, 0x08), 1, 0, []int64{0, 1}, []int64{5000, 5000}, "ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := downConvert(tt.stored, tt.magic, tt.firstOffset)
			if err != nil {
				t.Fatal(err)
			}
			offsets, stamps, values := flatten(t, got)
			if values != tt.values || len(offsets) != len(tt.offsets) {
				t.Fatalf("offsets %v values %q, want %v %q", offsets, values, tt.offsets, tt.values)
			}
			for i := range offsets {
				if offsets[i] != tt.offsets[i] || stamps[i] != tt.stamps[i] {
					t.Errorf("message %d: offset %d ts %d, want %d %d", i, offsets[i], stamps[i], tt.offsets[i], tt.stamps[i])
				}
			}
		})
	}
}

func TestDownConvertSizing(t *testing.T) {
	one := storedBatch(t, 0, 1, compress.None, 0)
	converted, err := downConvertBatches([][]byte{one}, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	control := storedBatch(t, 0, 1, compress.None, 0x20)
	binary.BigEndian.PutUint32(control[17:], 0) // CRCs are not checked here
	many := append(append(append([]byte(nil), storedBatch(t, 0, 10, compress.None, 0)...), storedBatch(t, 10, 10, compress.None, 0)...), storedBatch(t, 20, 10, compress.None, 0)...)
	tests := []struct {
		name   string
		stored []byte
		size   int
		prefix []byte
	}{
		// One small batch converts smaller than it is stored: padded.
		{"one batch", one, max(len(one), len(converted)), append(append([]byte(nil), converted...), 0xff)},
		// Only control batches: Kafka's 12-byte overflow stub.
		{"nothing converts", control, 12, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 61}},
		// Several batches: cut at the stored size.
		{"cut", many, len(many), nil},
		// Only the start of a batch: sent as it is.
		{"no whole batch", one[:30], 30, one[:30]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := downConvert(tt.stored, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.size || !bytes.HasPrefix(got, tt.prefix) {
				t.Fatalf("got %d bytes %x, want %d starting %x", len(got), got[:min(len(got), 16)], tt.size, tt.prefix)
			}
		})
	}
}

func TestDownConvertOverflowPadding(t *testing.T) {
	got := appendOverflow(nil, 100)
	want := make([]byte, 100)
	binary.BigEndian.PutUint64(want, ^uint64(0))
	binary.BigEndian.PutUint32(want[8:], 101)
	if !bytes.Equal(got, want) {
		t.Fatalf("overflow = %x, want %x", got, want)
	}
	if got := appendOverflow(nil, 5); !bytes.Equal(got, []byte{0xff, 0xff, 0xff, 0xff, 0xff}) {
		t.Fatalf("short overflow = %x", got)
	}
}

func TestDownConvertZstd(t *testing.T) {
	if _, err := downConvert(storedBatch(t, 0, 1, compress.Zstd, 0), 1, 0); !errors.Is(err, errDownConvertZstd) {
		t.Fatalf("err = %v, want errDownConvertZstd", err)
	}
}

// TestUpDownRoundTrip: a magic 1 message set produced uncompressed and
// fetched back from offset 0 comes back byte for byte.
func TestUpDownRoundTrip(t *testing.T) {
	set := plainSet(legacyMsgs(1, 4))
	u := upConversion{cfg: convertTestConfig(), now: convertNow}
	stored, err := u.convert(set)
	if err != nil {
		t.Fatal(err)
	}
	back, err := downConvert(stored, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, set) {
		t.Fatalf("round trip:\n got %x\nwant %x", back, set)
	}
}

// FuzzUpConvert: produced partition data is untrusted; conversion must
// either refuse it or build a batch that validates.
func FuzzUpConvert(f *testing.F) {
	f.Add(plainSet(legacyMsgs(1, 2)))
	f.Add(plainSet(legacyMsgs(0, 1)))
	w, _ := protocol.AppendLegacyWrapper(nil, 1, 1, -1, 0, compress.Gzip, legacyMsgs(1, 2))
	f.Add(w)
	u := upConversion{tp: storage.TopicPartition{Topic: "t"}, cfg: convertTestConfig(), now: convertNow}
	f.Fuzz(func(t *testing.T, set []byte) {
		got, err := u.convert(set)
		if err != nil || got == nil {
			return
		}
		if _, err := protocol.ValidateProduceBatches(got, 2); err != nil {
			t.Fatalf("converted batch does not validate: %v", err)
		}
	})
}
