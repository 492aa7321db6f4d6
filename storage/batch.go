package storage

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Record batch v2 layout (part of the on-disk format; never change).
const (
	batchLogOverhead       = 12 // baseOffset int64 + batchLength int32
	batchHeaderSize        = 61 // RECORD_BATCH_OVERHEAD
	batchMinLength         = batchHeaderSize - batchLogOverhead
	headerSizeUpToMagic    = 17
	offBaseOffset          = 0
	offLength              = 8
	offLeaderEpoch         = 12
	offMagic               = 16
	offCRC                 = 17
	offAttributes          = 21
	offLastOffsetDelta     = 23
	offFirstTimestamp      = 27
	offMaxTimestamp        = 35
	offProducerID          = 43
	offRecordCount         = 57
	crcStart               = offAttributes
	attrCompressionMask    = 0x07
	attrTimestampLogAppend = 0x08
	attrTransactional      = 0x10
	attrControl            = 0x20
	magicV2                = 2
	noTimestamp            = -1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// batchHeader is the fixed 61-byte prefix of a v2 record batch.
type batchHeader struct {
	BaseOffset      int64
	Length          int32 // bytes after the length field
	LeaderEpoch     int32
	Magic           int8
	CRC             uint32
	Attributes      int16
	LastOffsetDelta int32
	FirstTimestamp  int64
	MaxTimestamp    int64
	ProducerID      int64
	NumRecords      int32
}

func (h batchHeader) lastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }
func (h batchHeader) size() int64       { return int64(h.Length) + batchLogOverhead }

// parseBatchHeader decodes the header at b[0:]. It checks only what it must to be safe to
// use: at least batchHeaderSize bytes and magic 2 with a plausible length.
func parseBatchHeader(b []byte) (batchHeader, error) {
	if len(b) < batchHeaderSize {
		return batchHeader{}, fmt.Errorf("%w: %d bytes, a batch header needs %d", ErrCorruptBatch, len(b), batchHeaderSize)
	}
	h := batchHeader{
		BaseOffset:      int64(binary.BigEndian.Uint64(b[offBaseOffset:])),
		Length:          int32(binary.BigEndian.Uint32(b[offLength:])),
		LeaderEpoch:     int32(binary.BigEndian.Uint32(b[offLeaderEpoch:])),
		Magic:           int8(b[offMagic]),
		CRC:             binary.BigEndian.Uint32(b[offCRC:]),
		Attributes:      int16(binary.BigEndian.Uint16(b[offAttributes:])),
		LastOffsetDelta: int32(binary.BigEndian.Uint32(b[offLastOffsetDelta:])),
		FirstTimestamp:  int64(binary.BigEndian.Uint64(b[offFirstTimestamp:])),
		MaxTimestamp:    int64(binary.BigEndian.Uint64(b[offMaxTimestamp:])),
		ProducerID:      int64(binary.BigEndian.Uint64(b[offProducerID:])),
		NumRecords:      int32(binary.BigEndian.Uint32(b[offRecordCount:])),
	}
	if h.Magic != magicV2 {
		return h, fmt.Errorf("%w: magic %d at offset %d, only magic 2 is supported", ErrCorruptBatch, h.Magic, h.BaseOffset)
	}
	if h.Length < batchMinLength {
		return h, fmt.Errorf("%w: batch length %d below the minimum %d", ErrCorruptBatch, h.Length, batchMinLength)
	}
	if h.LastOffsetDelta < 0 {
		return h, fmt.Errorf("%w: negative lastOffsetDelta %d", ErrCorruptBatch, h.LastOffsetDelta)
	}
	return h, nil
}

// batchCRC computes the CRC-32C of a whole batch (bytes [21, end)).
func batchCRC(batch []byte) uint32 { return crc32.Checksum(batch[crcStart:], castagnoli) }

// validateBatch checks one complete batch: header, CRC. batch must be exactly the batch.
func validateBatch(batch []byte) (batchHeader, error) {
	h, err := parseBatchHeader(batch)
	if err != nil {
		return h, err
	}
	if h.size() != int64(len(batch)) {
		return h, fmt.Errorf("%w: batch length %d does not match %d bytes", ErrCorruptBatch, h.Length, len(batch)-batchLogOverhead)
	}
	if got := batchCRC(batch); got != h.CRC {
		return h, fmt.Errorf("%w: CRC-32C %08x, header says %08x (batch at offset %d)", ErrCorruptBatch, got, h.CRC, h.BaseOffset)
	}
	return h, nil
}

// splitBatches walks a record set and calls fn for each complete batch. A trailing partial
// batch or a bad length is ErrCorruptBatch: callers of Append send whole batches only.
func splitBatches(set []byte, fn func(batch []byte, h batchHeader) error) error {
	for pos := 0; pos < len(set); {
		rest := set[pos:]
		if len(rest) < batchHeaderSize {
			return fmt.Errorf("%w: %d trailing bytes at position %d are not a batch", ErrCorruptBatch, len(rest), pos)
		}
		h, err := parseBatchHeader(rest)
		if err != nil {
			return err
		}
		if h.size() > int64(len(rest)) {
			return fmt.Errorf("%w: batch at position %d claims %d bytes, %d present", ErrCorruptBatch, pos, h.size(), len(rest))
		}
		b := rest[:h.size()]
		if got := batchCRC(b); got != h.CRC {
			return fmt.Errorf("%w: CRC-32C %08x, header says %08x (batch at position %d)", ErrCorruptBatch, got, h.CRC, pos)
		}
		if err := fn(b, h); err != nil {
			return err
		}
		pos += int(h.size())
	}
	return nil
}
