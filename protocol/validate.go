package protocol

import (
	"fmt"

	"github.com/samsa-broker/samsa/internal/compress"
)

// maxValidateDecompressed bounds the decompressed size of one produced
// batch while counting its records.
const maxValidateDecompressed = compress.DefaultLimit

// ValidateProduceBatches walks every batch of a Produce partition's records:
// magic 2, lengths, CRC-32C, base offset 0, count = lastOffsetDelta+1
// (decompressing to count real records), no control batches, codec allowed
// at this produce version (zstd needs v7+). Errors are typed
// (ErrCorruptMessage, ErrUnsupportedCompression, ErrInvalidRecord,
// ErrUnsupportedForMessageFormat) for the broker's error table.
//
// The checks and their classes follow Kafka 2.4 (ProduceRequest.
// validateRecords, Log.analyzeAndValidateRecords, LogValidator.validateBatch,
// DefaultRecord.readFrom). Magic 2 data always holds exactly one batch.
// Magic 0 and 1 message sets are refused here: the broker up-converts them
// (Produce v0-2) before calling. Trailing bytes too short for a batch are an
// error rather than silently trimmed.
func ValidateProduceBatches(records []byte, produceVersion int16) ([]BatchHeader, error) {
	if len(records) == 0 {
		return nil, fmt.Errorf("%w: produce v%d partition data has no record batch", ErrInvalidRecord, produceVersion)
	}
	var headers []BatchHeader
	for rest := records; len(rest) > 0; {
		if len(headers) == 1 {
			return nil, fmt.Errorf("%w: produce v%d partition data holds more than one record batch", ErrInvalidRecord, produceVersion)
		}
		h, err := validateBatch(rest, produceVersion)
		if err != nil {
			return nil, err
		}
		headers = append(headers, h)
		rest = rest[h.Size():]
	}
	return headers, nil
}

// validateBatch checks the batch at the start of b.
func validateBatch(b []byte, produceVersion int16) (BatchHeader, error) {
	h, err := ParseBatchHeader(b)
	if err != nil {
		if produceVersion >= 3 && h.Magic < 2 && h.Magic >= 0 && len(b) > magicOffset {
			// Kafka 2.4 rejects old formats on v3+ as invalid records
			// (ProduceRequest.validateRecords).
			return h, fmt.Errorf("%w: produce v%d allows only magic 2 record batches, got magic %d", ErrInvalidRecord, produceVersion, h.Magic)
		}
		return h, err
	}
	if h.Size() > len(b) {
		return h, fmt.Errorf("%w: batch length %d runs past the %d bytes of partition data", ErrCorruptMessage, h.Length, len(b))
	}
	batch := b[:h.Size()]
	codec := h.Compression()
	switch {
	case codec == compress.Zstd && produceVersion < 7:
		return h, fmt.Errorf("%w: zstd needs produce v7 or later, got v%d", ErrUnsupportedCompression, produceVersion)
	case !codec.Valid():
		return h, fmt.Errorf("%w: unknown compression codec %d", ErrCorruptMessage, codec)
	case h.BaseOffset != 0:
		return h, fmt.Errorf("%w: base offset of a produced batch must be 0, got %d", ErrInvalidRecord, h.BaseOffset)
	}
	if crc := batchCRC(batch); crc != h.CRC {
		return h, fmt.Errorf("%w: stored CRC %d, computed %d", ErrCorruptMessage, h.CRC, crc)
	}
	switch {
	case h.LastOffsetDelta < 0:
		return h, fmt.Errorf("%w: invalid offset range [0, %d]", ErrInvalidRecord, h.LastOffsetDelta)
	case h.NumRecords <= 0:
		return h, fmt.Errorf("%w: invalid record count %d", ErrInvalidRecord, h.NumRecords)
	case int64(h.LastOffsetDelta)+1 != int64(h.NumRecords):
		return h, fmt.Errorf("%w: offset range [0, %d] disagrees with record count %d", ErrInvalidRecord, h.LastOffsetDelta, h.NumRecords)
	case h.Control():
		return h, fmt.Errorf("%w: clients may not write control batches", ErrInvalidRecord)
	case h.ProducerID >= 0 && h.BaseSequence < 0:
		return h, fmt.Errorf("%w: invalid sequence %d for producer id %d", ErrInvalidRecord, h.BaseSequence, h.ProducerID)
	}
	data, err := batchRecords(h, batch, maxValidateDecompressed)
	if err != nil {
		return h, err
	}
	if err := walkRecords(data, h.NumRecords, false, func(Record) error { return nil }); err != nil {
		return h, err
	}
	return h, nil
}
