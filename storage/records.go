package storage

import (
	"encoding/binary"
	"fmt"

	"github.com/samsa-broker/samsa/internal/compress"
)

// recordView is the part of a record the log needs (timestamp search, compaction).
type recordView struct {
	Offset    int64
	Timestamp int64
	Key       []byte // nil when null
	ValueNull bool
	Raw       []byte // the whole record, length prefix included
}

// forEachRecord decodes the records of one whole v2 batch, decompressing if needed, and
// calls fn until it returns false.
func forEachRecord(batch []byte, fn func(r recordView) bool) error {
	h, err := parseBatchHeader(batch)
	if err != nil {
		return err
	}
	body := batch[batchHeaderSize:]
	if codec := compress.Codec(h.Attributes & attrCompressionMask); codec != compress.None {
		body, err = compress.Decompress(codec, body)
		if err != nil {
			return fmt.Errorf("%w: batch at offset %d: %v", ErrCorruptBatch, h.BaseOffset, err)
		}
	}
	logAppend := h.Attributes&attrTimestampLogAppend != 0
	for i := int32(0); i < h.NumRecords; i++ {
		length, n := binary.Varint(body)
		if n <= 0 || length < 0 || int64(len(body)-n) < length {
			return fmt.Errorf("%w: record %d of batch %d: bad length", ErrCorruptBatch, i, h.BaseOffset)
		}
		rec := body[n : n+int(length)]
		raw := body[:n+int(length)]
		body = body[n+int(length):]
		r, err := parseRecord(rec, h, logAppend)
		if err != nil {
			return fmt.Errorf("%w: record %d of batch %d: %v", ErrCorruptBatch, i, h.BaseOffset, err)
		}
		r.Raw = raw
		if !fn(r) {
			return nil
		}
	}
	return nil
}

func parseRecord(rec []byte, h batchHeader, logAppend bool) (recordView, error) {
	if len(rec) < 1 {
		return recordView{}, fmt.Errorf("empty record")
	}
	rec = rec[1:] // attributes
	tsDelta, n := binary.Varint(rec)
	if n <= 0 {
		return recordView{}, fmt.Errorf("bad timestamp delta")
	}
	rec = rec[n:]
	offDelta, n := binary.Varint(rec)
	if n <= 0 {
		return recordView{}, fmt.Errorf("bad offset delta")
	}
	rec = rec[n:]
	r := recordView{Offset: h.BaseOffset + offDelta, Timestamp: h.FirstTimestamp + tsDelta}
	if logAppend {
		r.Timestamp = h.MaxTimestamp
	}
	keyLen, n := binary.Varint(rec)
	if n <= 0 || keyLen > int64(len(rec)-n) {
		return recordView{}, fmt.Errorf("bad key length")
	}
	rec = rec[n:]
	if keyLen >= 0 {
		r.Key = rec[:keyLen:keyLen]
		rec = rec[keyLen:]
	}
	valLen, n := binary.Varint(rec)
	if n <= 0 || valLen > int64(len(rec)-n) {
		return recordView{}, fmt.Errorf("bad value length")
	}
	r.ValueNull = valLen < 0
	return r, nil
}
