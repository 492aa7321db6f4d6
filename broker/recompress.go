package broker

// Recompression of produced batches to the topic's compression.type, as
// Kafka 2.4's LogValidator does on the leader
// (validateMessagesAndAssignOffsetsCompressed, buildRecordsAndAssignOffsets).
//
// The target codec is the topic's compression.type, or the batch's own codec
// when that is "producer" (BrokerCompressionCodec.getTargetCompressionCodec).
// When the target equals the batch's codec the produced bytes are appended
// as they came: no decompression, no copy. Otherwise the batch is rebuilt
// the way MemoryRecordsBuilder builds it: same producer id, epoch, base
// sequence and transactional flag; every record keeps its absolute
// timestamp, key, value (null stays null) and headers; record attributes are
// written as 0 and offset deltas as 0..n-1; the batch's first timestamp is
// the first record's and its max timestamp the largest record timestamp.
// Offsets, the partition leader epoch and LogAppendTime are set by the log
// on append, for rebuilt and untouched batches alike. As Kafka, a rebuilt
// batch is checked against max.message.bytes again, since a different codec
// can make it larger (MESSAGE_TOO_LARGE), and the inner offsets of a
// rebuilt batch must run 0..n-1 (INVALID_RECORD).

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

// batchNoTimestamp is Kafka's RecordBatch.NO_TIMESTAMP, where a max timestamp
// search starts.
const batchNoTimestamp = -1

// transactionalAttr is the one batch attribute a rebuilt batch carries
// over from the produced one (bit 4); the codec bits are the target's, and
// the timestamp type bit is the log's to set.
const transactionalAttr = 0x10

// targetCodec resolves a compression.type value against the codec a batch
// was produced with. ok is false for a value Kafka does not define; callers
// then leave the batch as produced, since a topic config that does not
// parse must not stop produces.
func targetCodec(compressionType string, source compress.Codec) (c compress.Codec, ok bool) {
	switch strings.ToLower(strings.TrimSpace(compressionType)) {
	case "producer":
		return source, true
	case "uncompressed":
		return compress.None, true
	case "gzip":
		return compress.Gzip, true
	case "snappy":
		return compress.Snappy, true
	case "lz4":
		return compress.LZ4, true
	case "zstd":
		return compress.Zstd, true
	}
	return source, false
}

// recompression is what the produce path needs to convert one partition's
// batches: the topic's compression.type and max.message.bytes.
type recompression struct {
	tp              storage.TopicPartition
	compressionType string
	maxMessageBytes int32
}

// needed reports whether any batch (headers, as validated by
// protocol.ValidateProduceBatches) is in a codec other than its target.
func (r recompression) needed(headers []protocol.BatchHeader) bool {
	for _, h := range headers {
		if target, ok := targetCodec(r.compressionType, h.Compression()); ok && target != h.Compression() {
			return true
		}
	}
	return false
}

// apply returns records with every batch (headers, as validated by
// protocol.ValidateProduceBatches, in order) in the target codec. When no
// batch needs converting it returns records itself, untouched.
func (r recompression) apply(records []byte, headers []protocol.BatchHeader) ([]byte, error) {
	if !r.needed(headers) {
		return records, nil
	}
	out := make([]byte, 0, len(records))
	rest := records
	for _, h := range headers {
		if len(rest) < h.Size() {
			return nil, fmt.Errorf("broker: recompressing %s: %w: batch of %d bytes truncated to %d", r.tp, protocol.ErrCorruptMessage, h.Size(), len(rest))
		}
		batch := rest[:h.Size()]
		rest = rest[h.Size():]
		target, ok := targetCodec(r.compressionType, h.Compression())
		if !ok || target == h.Compression() {
			out = append(out, batch...)
			continue
		}
		start := len(out)
		var err error
		if out, err = rebuildBatch(out, h, batch, target); err != nil {
			return nil, fmt.Errorf("broker: recompressing %s to %s: %w", r.tp, target, err)
		}
		if size := len(out) - start; size > int(r.maxMessageBytes) {
			// Log.append's re-check after conversion; the missing space
			// is Kafka's.
			return nil, newAPIError(kerr.MessageTooLarge, fmt.Sprintf(
				"Message batch size is %d bytes in append topartition %s-%d which exceeds the maximum configured size of %d.",
				size, r.tp.Topic, r.tp.Partition, r.maxMessageBytes))
		}
	}
	return out, nil
}

// rebuildBatch appends batch, whose header is h, re-encoded in codec target.
func rebuildBatch(dst []byte, h protocol.BatchHeader, batch []byte, target compress.Codec) ([]byte, error) {
	recs := make([]protocol.Record, 0, h.NumRecords)
	var first int64
	maxTs := int64(batchNoTimestamp)
	err := protocol.ForEachRecord(batch, func(rec protocol.Record) error {
		i := int32(len(recs))
		if rec.OffsetDelta != i {
			return fmt.Errorf("%w: inner record %d has offset delta %d, expected %d", protocol.ErrInvalidRecord, i, rec.OffsetDelta, i)
		}
		ts := h.FirstTimestamp + rec.TimestampDelta
		if i == 0 {
			first = ts
		}
		maxTs = max(maxTs, ts)
		rec.Attributes = 0
		rec.TimestampDelta = ts - first
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		return dst, err
	}
	nh := protocol.BatchHeader{
		PartitionLeaderEpoch: h.PartitionLeaderEpoch,
		Attributes:           h.Attributes & transactionalAttr,
		LastOffsetDelta:      int32(len(recs)) - 1,
		FirstTimestamp:       first,
		MaxTimestamp:         maxTs,
		ProducerID:           h.ProducerID,
		ProducerEpoch:        h.ProducerEpoch,
		BaseSequence:         h.BaseSequence,
		NumRecords:           int32(len(recs)),
	}
	return protocol.AppendBatch(dst, nh, recs, target)
}

// compressionTypeOf is the compression.type that applies to produces to p:
// the topic's, or the broker's when the topic has none. It travels with the
// log's config, so topic config changes reach it live.
func (s *Server) compressionTypeOf(p *partition) string {
	return p.log.Config().CompressionType
}
