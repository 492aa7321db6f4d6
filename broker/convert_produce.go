package broker

// Up-conversion of Produce v0-2 message sets (magic 0 and 1) to the one
// magic 2 batch the log stores, as Kafka 2.4.1 does with
// message.format.version 2.4: Log.analyzeAndValidateRecords checks every
// shallow entry (max.message.bytes: MESSAGE_TOO_LARGE, CRC:
// CORRUPT_MESSAGE), then LogValidator converts. Uncompressed entries with an
// uncompressed target go through convertAndAssignOffsetsNonCompressed, the
// rest through validateMessagesAndAssignOffsetsCompressed; both end in a
// single batch holding every message in order, each keeping its timestamp
// (-1 for magic 0), key and value, in the topic's target codec, with no
// producer id. On the way, as Kafka: a compressed set holds exactly one
// wrapper; every entry has the first's magic; inner messages are
// uncompressed, of the wrapper's magic, with valid CRCs and (magic 1)
// offsets 0..n-1; a compacted topic refuses null keys (INVALID_RECORD);
// CreateTime timestamps other than -1 must lie within
// message.timestamp.difference.max.ms of now and no message may claim
// LogAppendTime (INVALID_TIMESTAMP). The log then sets offsets, the leader
// epoch and, for LogAppendTime topics, the append time.

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/internal/compress"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

// errNoCompleteMessage: a v0-2 partition's data holds no complete
// message; the handler closes the connection.
var errNoCompleteMessage = errors.New("no complete message in the partition data")

// isLegacyMessageSet reports whether produced partition data is a magic 0
// or 1 message set (or holds no complete entry, which Kafka appends as
// nothing): the magic byte sits at the same place in every format.
func isLegacyMessageSet(records []byte) bool {
	const magicOffset = 16
	return len(records) <= magicOffset || records[magicOffset] < 2
}

// upConversion is what converting one partition's message set needs.
type upConversion struct {
	tp  storage.TopicPartition
	cfg storage.LogConfig
	now time.Time
}

// convert returns the message set as one magic 2 batch, or nil when it
// holds no complete entry.
func (u upConversion) convert(set []byte) ([]byte, error) {
	entries, err := protocol.ParseLegacyEntries(set)
	if err != nil {
		return nil, fmt.Errorf("broker: produce to %s: %w", u.tp, err)
	}
	if len(entries) == 0 {
		return nil, nil
	}
	source := compress.None
	for _, e := range entries {
		if size := e.Size(); size > int(u.cfg.MaxMessageBytes) {
			return nil, newAPIError(kerr.MessageTooLarge, fmt.Sprintf(
				"The record batch size in the append to %s is %d bytes which exceeds the maximum configured value of %d.",
				u.partitionName(), size, u.cfg.MaxMessageBytes))
		}
		if !e.Valid() {
			return nil, newAPIError(kerr.CorruptMessage, fmt.Sprintf("Record is corrupt (stored crc = %d) in topic partition %s.", e.CRC, u.partitionName()))
		}
		if c := e.Compression(); c != compress.None {
			source = c
		}
	}
	target, ok := targetCodec(u.cfg.CompressionType, source)
	if !ok {
		target = source
	}
	if source != compress.None && len(entries) > 1 {
		return nil, newAPIError(kerr.InvalidRecord, "Compressed outer record has more than one batch")
	}
	var recs []protocol.LegacyMessage
	for _, e := range entries {
		if e.Magic != entries[0].Magic {
			return nil, newAPIError(kerr.InvalidRecord, fmt.Sprintf("Batch magic %d is not the same as the first batch'es magic byte %d in topic partition %s.",
				e.Magic, entries[0].Magic, u.partitionName()))
		}
		if e.Compression() == compress.None {
			if err := u.check(e.LegacyMessage, e.LegacyMessage); err != nil {
				return nil, err
			}
			recs = append(recs, e.LegacyMessage)
			continue
		}
		inner, err := e.Inner(compress.DefaultLimit)
		if err != nil {
			return nil, fmt.Errorf("broker: produce to %s: %w", u.tp, err)
		}
		for i, m := range inner {
			switch {
			case m.Compression() != compress.None:
				return nil, newAPIError(kerr.InvalidRecord, "Compressed outer record should not have an inner record with a compression attribute set")
			case m.Magic != e.Magic:
				return nil, newAPIError(kerr.InvalidRecord, fmt.Sprintf("Log record's magic does not match outer magic %d in topic partition %s.", e.Magic, u.partitionName()))
			case !m.Valid:
				return nil, newAPIError(kerr.CorruptMessage, fmt.Sprintf("Record is corrupt in topic partition %s.", u.partitionName()))
			}
			if err := u.check(e.LegacyMessage, m.LegacyMessage); err != nil {
				return nil, err
			}
			if e.Magic > 0 && m.Offset != int64(i) {
				return nil, newAPIError(kerr.InvalidRecord, fmt.Sprintf(
					"Inner record inside the compressed record batch does not have incremental offsets, expected offset is %d in topic partition %s.", i, u.partitionName()))
			}
			recs = append(recs, m.LegacyMessage)
		}
	}
	batch, err := buildUpConverted(recs, target)
	if err != nil {
		return nil, fmt.Errorf("broker: produce to %s: %w", u.tp, err)
	}
	if len(batch) > int(u.cfg.MaxMessageBytes) {
		return nil, newAPIError(kerr.MessageTooLarge, fmt.Sprintf(
			"Message batch size is %d bytes in append topartition %s which exceeds the maximum configured size of %d.",
			len(batch), u.partitionName(), u.cfg.MaxMessageBytes))
	}
	return batch, nil
}

// check is LogValidator.validateKey and validateTimestamp for message m of
// the shallow entry outer.
func (u upConversion) check(outer, m protocol.LegacyMessage) error {
	if m.Key == nil && strings.Contains(u.cfg.CleanupPolicy, "compact") {
		return newAPIError(kerr.InvalidRecord, fmt.Sprintf("Compacted topic cannot accept message without key in topic partition %s.", u.partitionName()))
	}
	now := u.now.UnixMilli()
	if u.cfg.MessageTimestampType != "LogAppendTime" && m.Timestamp != -1 {
		if d := m.Timestamp - now; d > u.cfg.MessageTimestampDifferenceMaxMs || -d > u.cfg.MessageTimestampDifferenceMaxMs {
			return newAPIError(kerr.InvalidTimestamp, fmt.Sprintf(
				"Timestamp %d of message with offset %d is out of range. The timestamp should be within [%d, %d]",
				m.Timestamp, m.Offset, now-u.cfg.MessageTimestampDifferenceMaxMs, now+u.cfg.MessageTimestampDifferenceMaxMs))
		}
	}
	if outer.LogAppendTime() {
		return newAPIError(kerr.InvalidTimestamp, "Invalid timestamp type in message. Producer should not set timestamp type to LogAppendTime.")
	}
	return nil
}

func (u upConversion) partitionName() string {
	return fmt.Sprintf("%s-%d", u.tp.Topic, u.tp.Partition)
}

// buildUpConverted writes msgs as one magic 2 batch in codec, the way
// MemoryRecordsBuilder appends them with appendWithOffset: offset deltas
// 0..n-1, the first message's timestamp as the batch's, the largest as its
// max (from -1), no producer id.
func buildUpConverted(msgs []protocol.LegacyMessage, codec compress.Codec) ([]byte, error) {
	first := msgs[0].Timestamp
	maxTs := int64(batchNoTimestamp)
	recs := make([]protocol.Record, len(msgs))
	for i, m := range msgs {
		maxTs = max(maxTs, m.Timestamp)
		recs[i] = protocol.Record{TimestampDelta: m.Timestamp - first, OffsetDelta: int32(i), Key: m.Key, Value: m.Value}
	}
	h := protocol.BatchHeader{
		PartitionLeaderEpoch: -1,
		LastOffsetDelta:      int32(len(msgs)) - 1,
		FirstTimestamp:       first,
		MaxTimestamp:         maxTs,
		ProducerID:           -1,
		ProducerEpoch:        -1,
		BaseSequence:         -1,
		NumRecords:           int32(len(msgs)),
	}
	return protocol.AppendBatch(nil, h, recs, codec)
}
