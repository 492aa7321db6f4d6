package storage

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

func (tp TopicPartition) String() string { return fmt.Sprintf("%s-%d", tp.Topic, tp.Partition) }

// LogConfig holds the per-topic log settings (Kafka's topic-level names in comments).
type LogConfig struct {
	SegmentBytes       int64 // segment.bytes
	SegmentMs          int64 // segment.ms
	SegmentJitterMs    int64 // segment.jitter.ms
	SegmentIndexBytes  int32 // segment.index.bytes
	IndexIntervalBytes int32 // index.interval.bytes
	RetentionMs        int64 // retention.ms (-1 = forever)
	RetentionBytes     int64 // retention.bytes (-1 = unlimited)
	FileDeleteDelayMs  int64 // file.delete.delay.ms
	FlushMessages      int64 // flush.messages
	FlushMs            int64 // flush.ms
	MaxMessageBytes    int32 // max.message.bytes

	MessageTimestampType            string // "CreateTime" | "LogAppendTime"
	MessageTimestampDifferenceMaxMs int64  // message.timestamp.difference.max.ms

	CleanupPolicy          string  // "delete", "compact", "compact,delete"
	DeleteRetentionMs      int64   // delete.retention.ms
	MinCompactionLagMs     int64   // min.compaction.lag.ms
	MaxCompactionLagMs     int64   // max.compaction.lag.ms
	MinCleanableDirtyRatio float64 // min.cleanable.dirty.ratio

	Preallocate bool // preallocate: new segment files are created segment.bytes long

	// CompressionType is compression.type ("producer", "uncompressed" or a
	// codec name). The log does not act on it: it travels with the log's
	// config, as in Kafka's LogConfig, so that the broker's produce path
	// finds the live value of the topic.
	CompressionType string

	// MessageDownconversionEnable is message.downconversion.enable. Like
	// CompressionType it only travels with the log (Kafka's LogConfig has
	// it too): the broker's Fetch below v4 reads the live value here.
	MessageDownconversionEnable bool

	// ProducerIDExpirationMs is transactional.id.expiration.ms, a broker
	// setting and not a topic key: Kafka's LogManager hands it to every Log
	// as maxProducerIdExpirationMs. It travels with the log's config so that
	// topic configs built from the broker default carry it. 0 or less: never.
	ProducerIDExpirationMs int64
}

// DefaultLogConfig returns Kafka 2.4's broker defaults.
func DefaultLogConfig() LogConfig {
	return LogConfig{
		SegmentBytes:                    1 << 30,
		SegmentMs:                       7 * 24 * 3600 * 1000,
		SegmentIndexBytes:               10 * 1024 * 1024,
		IndexIntervalBytes:              4096,
		RetentionMs:                     7 * 24 * 3600 * 1000,
		RetentionBytes:                  -1,
		FileDeleteDelayMs:               60000,
		FlushMessages:                   math.MaxInt64,
		FlushMs:                         math.MaxInt64,
		MaxMessageBytes:                 1000012,
		MessageTimestampType:            "CreateTime",
		MessageTimestampDifferenceMaxMs: math.MaxInt64,
		CleanupPolicy:                   "delete",
		DeleteRetentionMs:               24 * 3600 * 1000,
		MaxCompactionLagMs:              math.MaxInt64,
		MinCleanableDirtyRatio:          0.5,
		CompressionType:                 "producer",
		MessageDownconversionEnable:     true,
		ProducerIDExpirationMs:          7 * 24 * 3600 * 1000,
	}
}

// Validate checks the ranges Kafka's LogConfig enforces.
func (c LogConfig) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf("storage: "+format, args...))
		}
	}
	check(c.SegmentBytes >= 14, "segment.bytes %d must be at least 14", c.SegmentBytes)
	check(c.SegmentMs >= 1, "segment.ms %d must be at least 1", c.SegmentMs)
	check(c.SegmentJitterMs >= 0, "segment.jitter.ms %d must not be negative", c.SegmentJitterMs)
	check(c.SegmentIndexBytes >= timeIndexEntrySize, "segment.index.bytes %d must be at least %d", c.SegmentIndexBytes, timeIndexEntrySize)
	check(c.IndexIntervalBytes >= 0, "index.interval.bytes %d must not be negative", c.IndexIntervalBytes)
	check(c.FileDeleteDelayMs >= 0, "file.delete.delay.ms %d must not be negative", c.FileDeleteDelayMs)
	check(c.FlushMessages >= 0, "flush.messages %d must not be negative", c.FlushMessages)
	check(c.FlushMs >= 0, "flush.ms %d must not be negative", c.FlushMs)
	check(c.MaxMessageBytes >= 0, "max.message.bytes %d must not be negative", c.MaxMessageBytes)
	check(c.MessageTimestampType == "CreateTime" || c.MessageTimestampType == "LogAppendTime",
		"message.timestamp.type %q must be CreateTime or LogAppendTime", c.MessageTimestampType)
	check(c.MessageTimestampDifferenceMaxMs >= 0, "message.timestamp.difference.max.ms %d must not be negative", c.MessageTimestampDifferenceMaxMs)
	switch c.CleanupPolicy {
	case "delete", "compact", "compact,delete", "delete,compact":
	default:
		check(false, "cleanup.policy %q must be delete, compact or compact,delete", c.CleanupPolicy)
	}
	check(c.DeleteRetentionMs >= 0, "delete.retention.ms %d must not be negative", c.DeleteRetentionMs)
	check(c.MinCompactionLagMs >= 0, "min.compaction.lag.ms %d must not be negative", c.MinCompactionLagMs)
	check(c.MaxCompactionLagMs >= 1, "max.compaction.lag.ms %d must be at least 1", c.MaxCompactionLagMs)
	check(c.MinCleanableDirtyRatio >= 0 && c.MinCleanableDirtyRatio <= 1, "min.cleanable.dirty.ratio %v must be within [0,1]", c.MinCleanableDirtyRatio)
	return errors.Join(errs...)
}

func (c LogConfig) deletePolicy() bool {
	return c.CleanupPolicy == "delete" || c.CleanupPolicy == "compact,delete" || c.CleanupPolicy == "delete,compact"
}

func (c LogConfig) compactPolicy() bool { return c.CleanupPolicy != "delete" }

func (c LogConfig) logAppendTime() bool { return c.MessageTimestampType == "LogAppendTime" }

// ManagerConfig configures the log manager (broker-level settings).
type ManagerConfig struct {
	Dirs    []string
	Default LogConfig

	RetentionCheckInterval             time.Duration // log.retention.check.interval.ms
	FlushCheckInterval                 time.Duration // log.flush.scheduler.interval.ms
	FlushOffsetCheckpointInterval      time.Duration // log.flush.offset.checkpoint.interval.ms
	FlushStartOffsetCheckpointInterval time.Duration // log.flush.start.offset.checkpoint.interval.ms
	RecoveryThreadsPerDir              int           // num.recovery.threads.per.data.dir

	CleanerEnable              bool
	CleanerThreads             int
	CleanerIOMaxBytesPerSecond float64
	CleanerBackoff             time.Duration // log.cleaner.backoff.ms; 0 = Kafka's 15 s

	FS FS // nil = the OS
}
