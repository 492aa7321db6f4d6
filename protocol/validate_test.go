package protocol

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/samsa-broker/samsa/internal/compress"
)

// rawBatch builds a batch around hand-made records bytes, with correct
// length and CRC.
func rawBatch(h BatchHeader, records []byte) []byte {
	h.Magic = 2
	b := append(appendHeader(nil, h), records...)
	return fixBatch(b)
}

// fixBatch recomputes length and CRC after a test has edited a batch.
func fixBatch(b []byte) []byte {
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-logOverhead))
	binary.BigEndian.PutUint32(b[crcOffset:], batchCRC(b))
	return b
}

// recrc recomputes only the CRC.
func recrc(b []byte) []byte {
	binary.BigEndian.PutUint32(b[crcOffset:], batchCRC(b))
	return b
}

func TestValidateProduceBatches(t *testing.T) {
	recs := testRecords()
	valid := func(t *testing.T, c compress.Codec) []byte { return mustBatch(t, produceHeader(len(recs)), recs, c) }
	withHeader := func(t *testing.T, edit func(*BatchHeader)) []byte {
		h := produceHeader(len(recs))
		edit(&h)
		return mustBatch(t, h, recs, compress.None)
	}
	oneRecord := appendRecord(nil, Record{Value: []byte("x")})
	tests := []struct {
		name    string
		version int16
		batch   func(t *testing.T) []byte
		wantErr error // nil: valid
	}{
		{name: "uncompressed", version: 8, batch: func(t *testing.T) []byte { return valid(t, compress.None) }},
		{name: "gzip", version: 3, batch: func(t *testing.T) []byte { return valid(t, compress.Gzip) }},
		{name: "snappy", version: 8, batch: func(t *testing.T) []byte { return valid(t, compress.Snappy) }},
		{name: "lz4", version: 8, batch: func(t *testing.T) []byte { return valid(t, compress.LZ4) }},
		{name: "zstd v7", version: 7, batch: func(t *testing.T) []byte { return valid(t, compress.Zstd) }},
		{name: "old produce version magic 2", version: 2, batch: func(t *testing.T) []byte { return valid(t, compress.None) }},
		{name: "idempotent", version: 8, batch: func(t *testing.T) []byte {
			return withHeader(t, func(h *BatchHeader) { h.ProducerID, h.ProducerEpoch, h.BaseSequence = 9, 0, 0 })
		}},
		{name: "transactional", version: 8, batch: func(t *testing.T) []byte {
			return withHeader(t, func(h *BatchHeader) { h.ProducerID, h.BaseSequence, h.Attributes = 9, 0, attrTransactional })
		}},
		{name: "zstd v6", version: 6, wantErr: ErrUnsupportedCompression, batch: func(t *testing.T) []byte { return valid(t, compress.Zstd) }},
		{name: "empty", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte { return nil }},
		{name: "magic 1 old version", version: 2, wantErr: ErrUnsupportedForMessageFormat, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			b[magicOffset] = 1
			return b
		}},
		{name: "magic 0 old version", version: 0, wantErr: ErrUnsupportedForMessageFormat, batch: func(t *testing.T) []byte {
			// A v0 message: offset, size, crc, magic 0, attributes, key, value.
			return []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 14, 1, 2, 3, 4, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
		}},
		{name: "magic 1 at v3", version: 3, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			b[magicOffset] = 1
			return b
		}},
		{name: "magic 3", version: 8, wantErr: ErrCorruptMessage, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			b[magicOffset] = 3
			return b
		}},
		{name: "crc mismatch", version: 8, wantErr: ErrCorruptMessage, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			b[len(b)-1] ^= 1
			return b
		}},
		{name: "crc field damaged", version: 8, wantErr: ErrCorruptMessage, batch: func(t *testing.T) []byte {
			b := valid(t, compress.Gzip)
			b[crcOffset] ^= 0x80
			return b
		}},
		{name: "base offset not zero", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			return withHeader(t, func(h *BatchHeader) { h.BaseOffset = 100 })
		}},
		{name: "length below header", version: 8, wantErr: ErrCorruptMessage, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			binary.BigEndian.PutUint32(b[8:], minBatchLength-1)
			return b
		}},
		{name: "negative length", version: 8, wantErr: ErrCorruptMessage, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			binary.BigEndian.PutUint32(b[8:], 0xffffff00)
			return b
		}},
		{name: "length past end", version: 8, wantErr: ErrCorruptMessage, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			return b[:len(b)-1]
		}},
		{name: "header cut short", version: 8, wantErr: ErrCorruptMessage, batch: func(t *testing.T) []byte {
			return valid(t, compress.None)[:40]
		}},
		{name: "two batches", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			return append(b, b...)
		}},
		{name: "two batches old version", version: 2, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			return append(b, b...)
		}},
		{name: "trailing bytes", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			return append(valid(t, compress.None), 0, 0, 0)
		}},
		{name: "count disagrees with offsets", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			return withHeader(t, func(h *BatchHeader) { h.LastOffsetDelta = 5 })
		}},
		{name: "zero count", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			return rawBatch(BatchHeader{LastOffsetDelta: -1, NumRecords: 0, ProducerID: -1, BaseSequence: -1}, nil)
		}},
		{name: "declared more records than present", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			return withHeader(t, func(h *BatchHeader) { h.NumRecords, h.LastOffsetDelta = 4, 3 })
		}},
		{name: "declared fewer records than present", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			return withHeader(t, func(h *BatchHeader) { h.NumRecords, h.LastOffsetDelta = 2, 1 })
		}},
		{name: "compressed count mismatch", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			h := produceHeader(len(recs))
			h.NumRecords, h.LastOffsetDelta = 2, 1
			return mustBatch(t, h, recs, compress.LZ4)
		}},
		{name: "control batch", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			return withHeader(t, func(h *BatchHeader) { h.Attributes = attrControl })
		}},
		{name: "producer id without sequence", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			return withHeader(t, func(h *BatchHeader) { h.ProducerID, h.BaseSequence = 9, -1 })
		}},
		{name: "unknown codec", version: 8, wantErr: ErrCorruptMessage, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None)
			b[attributesOffset+1] |= 6
			return recrc(b)
		}},
		{name: "garbage compressed records", version: 8, wantErr: ErrCorruptMessage, batch: func(t *testing.T) []byte {
			b := valid(t, compress.None) // raw records, attributes claim gzip
			b[attributesOffset+1] |= byte(compress.Gzip)
			return recrc(b)
		}},
		{name: "record longer than batch", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			rec := append([]byte{}, oneRecord...)
			rec[0] = 0x7e // length 63
			return rawBatch(produceHeader(1), rec)
		}},
		{name: "record with spare byte", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			rec := append([]byte{}, oneRecord...)
			rec[0] += 2 // one more byte of body
			rec = append(rec, 0)
			return rawBatch(produceHeader(1), rec)
		}},
		{name: "negative header key length", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			// attributes, ts, offset, null key, null value, 1 header, key length -1
			body := []byte{0, 0, 0, 1, 1, 2, 1}
			return rawBatch(produceHeader(1), append([]byte{byte(len(body) * 2)}, body...))
		}},
		{name: "huge header count", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			body := []byte{0, 0, 0, 1, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f}
			return rawBatch(produceHeader(1), append([]byte{byte(len(body) * 2)}, body...))
		}},
		{name: "overlong varint", version: 8, wantErr: ErrInvalidRecord, batch: func(t *testing.T) []byte {
			body := []byte{0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 1, 1, 0}
			return rawBatch(produceHeader(1), append([]byte{byte(len(body) * 2)}, body...))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdrs, err := ValidateProduceBatches(tt.batch(t), tt.version)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if len(hdrs) != 1 || hdrs[0].NumRecords != int32(len(recs)) {
					t.Fatalf("headers %+v", hdrs)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestValidateDistinctClasses makes sure no error matches two classes, which
// would make the broker's table lookup order-dependent.
func TestValidateDistinctClasses(t *testing.T) {
	classes := []error{ErrCorruptMessage, ErrInvalidRecord, ErrUnsupportedCompression, ErrUnsupportedForMessageFormat}
	b := mustBatch(t, produceHeader(3), testRecords(), compress.None)
	b[magicOffset] = 1
	for _, v := range []int16{2, 8} {
		_, err := ValidateProduceBatches(b, v)
		n := 0
		for _, c := range classes {
			if errors.Is(err, c) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("v%d: %v matches %d classes", v, err, n)
		}
	}
}

func FuzzValidateProduceBatches(f *testing.F) {
	for _, c := range allCodecs {
		f.Add(mustBatch(f, produceHeader(3), testRecords(), c), int16(8))
	}
	f.Add(rawBatch(produceHeader(1), appendRecord(nil, Record{Value: []byte("x")})), int16(3))
	f.Fuzz(func(t *testing.T, records []byte, version int16) {
		hdrs, err := ValidateProduceBatches(records, version)
		if err != nil {
			return
		}
		// Whatever validates must iterate to exactly its declared count.
		n := int32(0)
		if err := ForEachRecord(records, func(Record) error { n++; return nil }); err != nil {
			t.Fatalf("valid batch does not iterate: %v", err)
		}
		if len(hdrs) != 1 || n != hdrs[0].NumRecords {
			t.Fatalf("%d records, headers %+v", n, hdrs)
		}
	})
}

func FuzzParseBatchHeader(f *testing.F) {
	f.Add(mustBatch(f, produceHeader(3), testRecords(), compress.None))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseBatchHeader(b)
		if err != nil {
			return
		}
		if h.Magic != 2 || h.Length < minBatchLength || len(b) < batchHeaderLen {
			t.Fatalf("accepted header %+v from %d bytes", h, len(b))
		}
		if got := appendHeader(nil, h); string(got) != string(b[:batchHeaderLen]) {
			t.Fatal("header does not re-encode to its bytes")
		}
	})
}

func FuzzForEachRecord(f *testing.F) {
	for _, c := range allCodecs {
		f.Add(mustBatch(f, produceHeader(3), testRecords(), c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var recs []Record
		err := ForEachRecord(b, func(r Record) error { recs = append(recs, r); return nil })
		if err != nil {
			return
		}
		h, _ := ParseBatchHeader(b)
		if int32(len(recs)) != h.NumRecords {
			t.Fatalf("%d records, header says %d", len(recs), h.NumRecords)
		}
		// Re-encoding what was read must read back the same.
		again := mustBatch(t, h, recs, compress.None)
		n := 0
		if err := ForEachRecord(again, func(Record) error { n++; return nil }); err != nil || n != len(recs) {
			t.Fatalf("re-encoded batch: %d records, %v", n, err)
		}
	})
}

func BenchmarkValidateProduceBatches(b *testing.B) {
	recs := make([]Record, 1000)
	for i := range recs {
		recs[i] = Record{OffsetDelta: int32(i), Value: make([]byte, 100), Headers: []RecordHeader{{Key: "h", Value: []byte("v")}}}
	}
	for _, c := range allCodecs {
		batch := mustBatch(b, produceHeader(len(recs)), recs, c)
		b.Run(c.String(), func(b *testing.B) {
			b.SetBytes(int64(len(batch)))
			for b.Loop() {
				if _, err := ValidateProduceBatches(batch, 8); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
