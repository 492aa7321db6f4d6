package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"reflect"
	"testing"

	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var allCodecs = []compress.Codec{compress.None, compress.Gzip, compress.Snappy, compress.LZ4, compress.Zstd}

func testRecords() []Record {
	return []Record{
		{TimestampDelta: 0, OffsetDelta: 0, Key: []byte("k1"), Value: []byte("v1")},
		{TimestampDelta: 5, OffsetDelta: 1, Key: nil, Value: []byte("null key")},
		{TimestampDelta: 9, OffsetDelta: 2, Key: []byte{}, Value: nil, Headers: []RecordHeader{
			{Key: "h1", Value: []byte("x")}, {Key: "h2", Value: nil}, {Key: "", Value: []byte{}},
		}},
	}
}

// produceHeader is a valid non-idempotent produce header for n records.
func produceHeader(n int) BatchHeader {
	return BatchHeader{
		PartitionLeaderEpoch: -1, LastOffsetDelta: int32(n - 1), NumRecords: int32(n),
		FirstTimestamp: 1_700_000_000_000, MaxTimestamp: 1_700_000_000_009,
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1,
	}
}

func mustBatch(t testing.TB, h BatchHeader, recs []Record, c compress.Codec) []byte {
	t.Helper()
	b, err := AppendBatch(nil, h, recs, c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kmsgBatch encodes the same batch with kmsg's generated types.
func kmsgBatch(h BatchHeader, recs []Record) []byte {
	var records []byte
	for _, r := range recs {
		kr := kmsg.Record{Attributes: r.Attributes, TimestampDelta64: r.TimestampDelta, OffsetDelta: r.OffsetDelta, Key: r.Key, Value: r.Value}
		for _, hd := range r.Headers {
			kr.Headers = append(kr.Headers, kmsg.Header{Key: hd.Key, Value: hd.Value})
		}
		kr.Length = int32(len(kr.AppendTo(nil)) - 1) // everything after a 1-byte zero length
		records = kr.AppendTo(records)
	}
	kb := kmsg.RecordBatch{
		FirstOffset: h.BaseOffset, PartitionLeaderEpoch: h.PartitionLeaderEpoch, Magic: 2,
		Attributes: h.Attributes, LastOffsetDelta: h.LastOffsetDelta,
		FirstTimestamp: h.FirstTimestamp, MaxTimestamp: h.MaxTimestamp,
		ProducerID: h.ProducerID, ProducerEpoch: h.ProducerEpoch, FirstSequence: h.BaseSequence,
		NumRecords: h.NumRecords, Records: records,
	}
	kb.Length = int32(len(kb.AppendTo(nil)) - 12)
	b := kb.AppendTo(nil)
	kb.CRC = int32(crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return kb.AppendTo(nil)
}

// TestAppendBatchMatchesKmsg checks our encoder against kmsg's byte for byte.
func TestAppendBatchMatchesKmsg(t *testing.T) {
	h := produceHeader(3)
	h.ProducerID, h.ProducerEpoch, h.BaseSequence = 42, 1, 7
	h.Attributes = attrTransactional
	got := mustBatch(t, h, testRecords(), compress.None)
	want := kmsgBatch(h, testRecords())
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
}

// goldenBatch is one record (key "k", value "v", timestamp delta 0) in an
// uncompressed batch at base offset 0, leader epoch 0, first and max
// timestamp 1000 ms, no producer id. The CRC is spliced in by the test,
// which also pins its value.
const goldenBatch = "0000000000000000" + // base offset
	"0000003a" + // batch length 58: 49 of header, 9 of record
	"00000000" + // partition leader epoch
	"02" + // magic
	"%s" + // crc, checked below
	"0000" + // attributes
	"00000000" + // last offset delta
	"00000000000003e8" + // first timestamp
	"00000000000003e8" + // max timestamp
	"ffffffffffffffff" + // producer id
	"ffff" + // producer epoch
	"ffffffff" + // base sequence
	"00000001" + // record count
	"10" + // record length 8 (zig-zag)
	"00" + // attributes
	"00" + // timestamp delta
	"00" + // offset delta
	"02" + "6b" + // key length 1, "k"
	"02" + "76" + // value length 1, "v"
	"00" // header count

func TestGoldenBatch(t *testing.T) {
	h := BatchHeader{
		LastOffsetDelta: 0, FirstTimestamp: 1000, MaxTimestamp: 1000,
		ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, NumRecords: 1,
	}
	got := mustBatch(t, h, []Record{{Key: []byte("k"), Value: []byte("v")}}, compress.None)
	crc := crc32.Checksum(got[21:], crc32.MakeTable(crc32.Castagnoli))
	want, err := hex.DecodeString(sprintfHex(goldenBatch, crc))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got  %x\nwant %x", got, want)
	}
	// Pin the CRC itself so a change to the checksum routine is caught.
	const wantCRC = 0x716a6189
	if crc != wantCRC {
		t.Fatalf("crc %#x, want %#x", crc, wantCRC)
	}
	parsed, err := ParseBatchHeader(got)
	if err != nil {
		t.Fatal(err)
	}
	wantHdr := h
	wantHdr.Length, wantHdr.Magic, wantHdr.CRC = 58, 2, crc
	if parsed != wantHdr {
		t.Fatalf("parsed %+v\nwant   %+v", parsed, wantHdr)
	}
	if _, err := ValidateProduceBatches(got, 8); err != nil {
		t.Fatalf("golden batch invalid: %v", err)
	}
}

func sprintfHex(format string, crc uint32) string {
	return string(bytes.Replace([]byte(format), []byte("%s"), []byte(hex.EncodeToString(binary.BigEndian.AppendUint32(nil, crc))), 1))
}

func TestForEachRecordRoundTrip(t *testing.T) {
	for _, c := range allCodecs {
		t.Run(c.String(), func(t *testing.T) {
			want := testRecords()
			h := produceHeader(len(want))
			b := mustBatch(t, h, want, c)
			parsed, err := ParseBatchHeader(b)
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Compression() != c || parsed.Size() != len(b) {
				t.Fatalf("codec %v size %d; want %v %d", parsed.Compression(), parsed.Size(), c, len(b))
			}
			var got []Record
			if err := ForEachRecord(b, func(r Record) error { got = append(got, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %+v\nwant %+v", got, want)
			}
			// kmsg decodes what we wrote, too.
			var kb kmsg.RecordBatch
			if err := kb.ReadFrom(b); err != nil || kb.NumRecords != 3 || uint32(kb.CRC) != parsed.CRC {
				t.Fatalf("kmsg read: %v %+v", err, kb)
			}
		})
	}
}

func TestForEachRecordStops(t *testing.T) {
	b := mustBatch(t, produceHeader(3), testRecords(), compress.None)
	stop := errors.New("stop")
	n := 0
	err := ForEachRecord(b, func(Record) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d records", err, n)
	}
}

func TestBatchHeaderAttributes(t *testing.T) {
	tests := []struct {
		attrs                          int16
		codec                          compress.Codec
		logAppend, transactional, ctrl bool
	}{
		{attrs: 0, codec: compress.None},
		{attrs: 0x04, codec: compress.Zstd},
		{attrs: 0x0b, codec: compress.LZ4, logAppend: true},
		{attrs: 0x12, codec: compress.Snappy, transactional: true},
		{attrs: 0x31, codec: compress.Gzip, transactional: true, ctrl: true},
	}
	for _, tt := range tests {
		h := BatchHeader{Attributes: tt.attrs}
		if h.Compression() != tt.codec || h.LogAppendTime() != tt.logAppend || h.Transactional() != tt.transactional || h.Control() != tt.ctrl {
			t.Errorf("attributes %#x: %v %v %v %v", tt.attrs, h.Compression(), h.LogAppendTime(), h.Transactional(), h.Control())
		}
	}
}
