package storage

import "errors"

// Sentinel errors. Callers classify with errors.Is; the broker maps them to Kafka codes.
var (
	// ErrOffsetOutOfRange: a read or DeleteRecords offset outside [log start, log end].
	ErrOffsetOutOfRange = errors.New("storage: offset out of range")
	// ErrCorruptBatch: a batch failed validation (size, magic, CRC, counts). Not retryable
	// with the same bytes.
	ErrCorruptBatch = errors.New("storage: corrupt record batch")
	// ErrMessageTooLarge: one batch is larger than max.message.bytes.
	ErrMessageTooLarge = errors.New("storage: batch larger than max.message.bytes")
	// ErrInvalidTimestamp: a timestamp is further from now than message.timestamp.difference.max.ms.
	ErrInvalidTimestamp = errors.New("storage: timestamp out of acceptable range")
	// ErrRecordBatchTooLarge: the appended set is larger than segment.bytes.
	ErrRecordBatchTooLarge = errors.New("storage: record set larger than segment.bytes")
	// ErrLogDirOffline: the log's directory failed and was taken offline.
	ErrLogDirOffline = errors.New("storage: log directory offline")
	// ErrClosed: the log or manager was closed.
	ErrClosed = errors.New("storage: closed")
	// ErrInconsistentClusterID: meta.properties in two log dirs, or the caller, disagree on cluster.id.
	ErrInconsistentClusterID = errors.New("storage: inconsistent cluster.id across log dirs")
	// ErrInconsistentBrokerID: meta.properties in two log dirs, or the caller, disagree on broker.id.
	ErrInconsistentBrokerID = errors.New("storage: inconsistent broker.id across log dirs")
)
