package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/samsa-broker/samsa/internal/compress"
)

// Record is one record of a magic 2 batch. Key, Value and header values are
// nil when null. Slices returned by ForEachRecord alias the batch (or its
// decompressed copy) and stay valid as long as the batch does.
type Record struct {
	Attributes     int8
	TimestampDelta int64 // from the batch's FirstTimestamp
	OffsetDelta    int32 // from the batch's BaseOffset
	Key, Value     []byte
	Headers        []RecordHeader
}

// RecordHeader is one record header; Value is nil when null.
type RecordHeader struct {
	Key   string
	Value []byte
}

// ForEachRecord calls fn for each record of one magic 2 batch (the batch's
// bytes from its base offset on), decompressing as needed with
// compress.DefaultLimit as the bound. It checks the record structure and
// that the batch holds exactly NumRecords records, but not the CRC (see
// ValidateProduceBatches). An error from fn stops the walk and is returned
// as is.
func ForEachRecord(batch []byte, fn func(Record) error) error {
	h, err := ParseBatchHeader(batch)
	if err != nil {
		return err
	}
	if len(batch) < h.Size() {
		return fmt.Errorf("%w: batch of %d bytes truncated to %d", ErrCorruptMessage, h.Size(), len(batch))
	}
	data, err := batchRecords(h, batch[:h.Size()], compress.DefaultLimit)
	if err != nil {
		return err
	}
	return walkRecords(data, h.NumRecords, true, fn)
}

// batchRecords returns the records section of batch, decompressed.
func batchRecords(h BatchHeader, batch []byte, limit int) ([]byte, error) {
	data := batch[batchHeaderLen:]
	codec := h.Compression()
	if codec == compress.None {
		return data, nil
	}
	if !codec.Valid() {
		return nil, fmt.Errorf("%w: unknown compression codec %d", ErrCorruptMessage, codec)
	}
	out, err := compress.DecompressLimit(codec, data, limit)
	if err != nil {
		return nil, fmt.Errorf("%w: decompressing records: %w", ErrCorruptMessage, err)
	}
	return out, nil
}

// errRecordEOF marks a record cut short.
var errRecordEOF = errors.New("premature end of record")

// walkRecords decodes count records from data, which must hold exactly
// those records, the way Kafka's DefaultRecordBatch iterator does. Without
// keep, records are checked but their headers are not collected, which
// spares validation an allocation per header.
func walkRecords(data []byte, count int32, keep bool, fn func(Record) error) error {
	if count < 0 {
		return fmt.Errorf("%w: invalid record count %d", ErrInvalidRecord, count)
	}
	var i int32
	for ; i < count; i++ {
		if len(data) == 0 {
			return fmt.Errorf("%w: batch declares %d records but holds %d", ErrInvalidRecord, count, i)
		}
		size, n := readVarint(data)
		if n <= 0 || size < 0 || int(size) > len(data)-n {
			return fmt.Errorf("%w: record %d: invalid record size", ErrInvalidRecord, i)
		}
		rec, err := parseRecord(data[n:n+int(size)], keep)
		if err != nil {
			return fmt.Errorf("%w: record %d: %w", ErrInvalidRecord, i, err)
		}
		data = data[n+int(size):]
		if err := fn(rec); err != nil {
			return err
		}
	}
	if len(data) != 0 {
		return fmt.Errorf("%w: %d bytes remain after the %d declared records", ErrInvalidRecord, len(data), count)
	}
	return nil
}

// recordReader reads a record body, remembering the first failure.
type recordReader struct {
	b   []byte
	err error
}

func (r *recordReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *recordReader) int8() int8 {
	if len(r.b) < 1 {
		r.fail(errRecordEOF)
		return 0
	}
	v := int8(r.b[0])
	r.b = r.b[1:]
	return v
}

func (r *recordReader) varint() int32 {
	v, n := readVarint(r.b)
	if n <= 0 {
		r.fail(errRecordEOF)
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recordReader) varlong() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail(errRecordEOF)
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes reads varint-length bytes; a negative length is null when nullable.
func (r *recordReader) bytes(what string, nullable bool) []byte {
	l := r.varint()
	switch {
	case r.err != nil:
		return nil
	case l < 0 && nullable:
		return nil
	case l < 0:
		r.fail(fmt.Errorf("negative %s length %d", what, l))
		return nil
	case int(l) > len(r.b):
		r.fail(errRecordEOF)
		return nil
	}
	v := r.b[:l:l]
	r.b = r.b[l:]
	return v
}

func parseRecord(body []byte, keep bool) (Record, error) {
	r := recordReader{b: body}
	var rec Record
	rec.Attributes = r.int8()
	rec.TimestampDelta = r.varlong()
	rec.OffsetDelta = r.varint()
	rec.Key = r.bytes("key", true)
	rec.Value = r.bytes("value", true)
	headers := r.varint()
	if r.err == nil && (headers < 0 || int(headers) > len(r.b)) {
		// Each header takes at least two bytes, so the count is bounded
		// by what remains before anything is allocated.
		r.fail(fmt.Errorf("invalid header count %d", headers))
	}
	if r.err == nil && headers > 0 {
		if keep {
			rec.Headers = make([]RecordHeader, 0, headers)
		}
		for range headers {
			key := r.bytes("header key", false)
			value := r.bytes("header value", true)
			if r.err != nil {
				break
			}
			if keep {
				rec.Headers = append(rec.Headers, RecordHeader{Key: string(key), Value: value})
			}
		}
	}
	if r.err != nil {
		return Record{}, r.err
	}
	if len(r.b) != 0 {
		return Record{}, fmt.Errorf("%d bytes left over in the record body", len(r.b))
	}
	return rec, nil
}

// readVarint reads a zig-zag varint that must fit an int32 in at most five
// bytes, as Kafka's ByteUtils.readVarint requires.
func readVarint(b []byte) (int32, int) {
	v, n := binary.Varint(b[:min(len(b), binary.MaxVarintLen32)])
	if n <= 0 || v < -1<<31 || v > 1<<31-1 {
		return 0, -1
	}
	return int32(v), n
}

// AppendBatch appends a magic 2 batch holding records, compressed with codec,
// and returns it. It computes Length, CRC and the codec bits of Attributes
// and writes Magic 2; every other field of h (NumRecords, LastOffsetDelta,
// timestamps, producer fields) is written as given, so callers can build
// batches that break rules on purpose. A valid produce batch has
// BaseOffset 0, NumRecords len(records) and LastOffsetDelta len(records)-1.
func AppendBatch(dst []byte, h BatchHeader, records []Record, codec compress.Codec) ([]byte, error) {
	var body []byte
	for _, rec := range records {
		body = appendRecord(body, rec)
	}
	start := len(dst)
	h.Magic = 2
	h.CRC = 0
	h.Attributes = h.Attributes&^attrCodecMask | int16(codec)&attrCodecMask
	dst = appendHeader(dst, h)
	var err error
	if dst, err = compress.Compress(codec, dst, body); err != nil {
		return dst[:start], fmt.Errorf("protocol: building batch: %w", err)
	}
	batch := dst[start:]
	binary.BigEndian.PutUint32(batch[8:], uint32(len(batch)-logOverhead))
	binary.BigEndian.PutUint32(batch[crcOffset:], batchCRC(batch))
	return dst, nil
}

// appendRecord appends one record with its varint length prefix.
func appendRecord(dst []byte, rec Record) []byte {
	body := make([]byte, 0, 16+len(rec.Key)+len(rec.Value))
	body = append(body, byte(rec.Attributes))
	body = binary.AppendVarint(body, rec.TimestampDelta)
	body = binary.AppendVarint(body, int64(rec.OffsetDelta))
	body = appendNullableBytes(body, rec.Key)
	body = appendNullableBytes(body, rec.Value)
	body = binary.AppendVarint(body, int64(len(rec.Headers)))
	for _, hd := range rec.Headers {
		body = binary.AppendVarint(body, int64(len(hd.Key)))
		body = append(body, hd.Key...)
		body = appendNullableBytes(body, hd.Value)
	}
	dst = binary.AppendVarint(dst, int64(len(body)))
	return append(dst, body...)
}

func appendNullableBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}
