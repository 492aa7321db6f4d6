package protocol

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/samsa-broker/samsa/internal/compress"
)

// Record batch v2 layout; part of the wire and on-disk format, never change.
const (
	// batchHeaderLen is the size of a v2 batch header up to the records.
	batchHeaderLen = 61
	// logOverhead is baseOffset plus batchLength: the bytes not counted
	// by batchLength.
	logOverhead = 12
	// minBatchLength is the smallest batchLength: a header with no records.
	minBatchLength = batchHeaderLen - logOverhead
	// magicOffset is where the magic byte sits in batches of every format.
	magicOffset = 16
	// crcOffset is where the CRC sits; it covers everything after it.
	crcOffset = 17
	// attributesOffset is where the CRC-covered part begins.
	attributesOffset = 21

	attrCodecMask     = 0x07
	attrLogAppendTime = 0x08
	attrTransactional = 0x10
	attrControl       = 0x20
)

// castagnoli is the CRC-32C table; read-only after initialisation.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// BatchHeader is the fixed header of a magic 2 record batch.
type BatchHeader struct {
	BaseOffset           int64
	Length               int32 // bytes after this field: the batch is Length+12 bytes
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32 // CRC-32C of the batch from Attributes to the end
	Attributes           int16
	LastOffsetDelta      int32
	FirstTimestamp       int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	NumRecords           int32
}

// ParseBatchHeader decodes the header at the start of b, checking that b is
// long enough for a header, that the magic is 2 and that Length is at least
// a header's. It does not check the CRC or that b holds the whole batch.
// A magic 0 or 1 message set yields ErrUnsupportedForMessageFormat.
func ParseBatchHeader(b []byte) (BatchHeader, error) {
	var h BatchHeader
	if len(b) < logOverhead+5 {
		return h, fmt.Errorf("%w: %d bytes cannot hold a batch header", ErrCorruptMessage, len(b))
	}
	h.BaseOffset = int64(binary.BigEndian.Uint64(b[0:]))
	h.Length = int32(binary.BigEndian.Uint32(b[8:]))
	h.PartitionLeaderEpoch = int32(binary.BigEndian.Uint32(b[12:]))
	h.Magic = int8(b[magicOffset])
	switch {
	case h.Magic == 0 || h.Magic == 1:
		return h, fmt.Errorf("%w: magic %d message set (only record batches of magic 2 are accepted)", ErrUnsupportedForMessageFormat, h.Magic)
	case h.Magic != 2:
		return h, fmt.Errorf("%w: invalid magic %d", ErrCorruptMessage, h.Magic)
	case h.Length < minBatchLength:
		return h, fmt.Errorf("%w: batch length %d is below the %d-byte header", ErrCorruptMessage, h.Length, minBatchLength)
	case len(b) < batchHeaderLen:
		return h, fmt.Errorf("%w: %d bytes cannot hold a batch header", ErrCorruptMessage, len(b))
	}
	h.CRC = binary.BigEndian.Uint32(b[crcOffset:])
	h.Attributes = int16(binary.BigEndian.Uint16(b[21:]))
	h.LastOffsetDelta = int32(binary.BigEndian.Uint32(b[23:]))
	h.FirstTimestamp = int64(binary.BigEndian.Uint64(b[27:]))
	h.MaxTimestamp = int64(binary.BigEndian.Uint64(b[35:]))
	h.ProducerID = int64(binary.BigEndian.Uint64(b[43:]))
	h.ProducerEpoch = int16(binary.BigEndian.Uint16(b[51:]))
	h.BaseSequence = int32(binary.BigEndian.Uint32(b[53:]))
	h.NumRecords = int32(binary.BigEndian.Uint32(b[57:]))
	return h, nil
}

// Compression returns the codec from attribute bits 0-2.
func (h BatchHeader) Compression() compress.Codec {
	return compress.Codec(h.Attributes & attrCodecMask)
}

// Transactional reports attribute bit 4.
func (h BatchHeader) Transactional() bool { return h.Attributes&attrTransactional != 0 }

// Control reports attribute bit 5 (transaction markers).
func (h BatchHeader) Control() bool { return h.Attributes&attrControl != 0 }

// LogAppendTime reports attribute bit 3 (timestamps set by the broker).
func (h BatchHeader) LogAppendTime() bool { return h.Attributes&attrLogAppendTime != 0 }

// Size is the whole batch's size in bytes, Length plus the 12 bytes before it.
func (h BatchHeader) Size() int { return int(h.Length) + logOverhead }

// LastOffset is the offset of the batch's last record.
func (h BatchHeader) LastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }

// batchCRC computes the CRC-32C a batch should carry.
func batchCRC(batch []byte) uint32 {
	return crc32.Checksum(batch[attributesOffset:], castagnoli)
}

// appendHeader appends h in wire form.
func appendHeader(dst []byte, h BatchHeader) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.BaseOffset))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.Length))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.PartitionLeaderEpoch))
	dst = append(dst, byte(h.Magic))
	dst = binary.BigEndian.AppendUint32(dst, h.CRC)
	dst = binary.BigEndian.AppendUint16(dst, uint16(h.Attributes))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.LastOffsetDelta))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.FirstTimestamp))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.MaxTimestamp))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.ProducerID))
	dst = binary.BigEndian.AppendUint16(dst, uint16(h.ProducerEpoch))
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.BaseSequence))
	return binary.BigEndian.AppendUint32(dst, uint32(h.NumRecords))
}
