package storage

import (
	"io"
	"time"

	"github.com/sirupsen/logrus"
)

// The exported surface promised in docs/CONTRACTS.md; a signature change breaks the build.
var (
	_ func() LogConfig                                           = DefaultLogConfig
	_ func(LogConfig) error                                      = LogConfig.Validate
	_ func(ManagerConfig, *logrus.Entry) (*Manager, error)       = OpenManager
	_ func(*Manager) (string, int32, bool, error)                = (*Manager).Meta
	_ func(*Manager, string, int32) error                        = (*Manager).WriteMeta
	_ func(*Manager, TopicPartition, LogConfig) (*Log, error)    = (*Manager).GetOrCreate
	_ func(*Manager, TopicPartition) (*Log, bool)                = (*Manager).Get
	_ func(*Manager) []*Log                                      = (*Manager).All
	_ func(*Manager, TopicPartition) error                       = (*Manager).Delete
	_ func(*Manager) map[TopicPartition]int64                    = (*Manager).HighWatermarks
	_ func(*Manager, map[TopicPartition]int64) error             = (*Manager).CheckpointHighWatermarks
	_ func(*Manager) []string                                    = (*Manager).OfflineDirs
	_ func(*Manager) error                                       = (*Manager).Close
	_ func(*Log) TopicPartition                                  = (*Log).TopicPartition
	_ func(*Log) LogConfig                                       = (*Log).Config
	_ func(*Log, LogConfig)                                      = (*Log).SetConfig
	_ func(*Log, []byte, int32, time.Time) (AppendResult, error) = (*Log).Append
	_ func(*Log, []byte) (AppendResult, error)                   = (*Log).AppendAsFollower
	_ func(*Log, int64, int64, int32, bool) (ReadResult, error)  = (*Log).Read
	_ func(*Log) int64                                           = (*Log).LogStartOffset
	_ func(*Log) int64                                           = (*Log).LogEndOffset
	_ func(*Log, int64)                                          = (*Log).SetHighWatermark
	_ func(*Log, int64) (int64, int64, bool, error)              = (*Log).OffsetForTimestamp
	_ func(*Log, int64) error                                    = (*Log).Truncate
	_ func(*Log, int64) error                                    = (*Log).TruncateFully
	_ func(*Log, int64) (int64, error)                           = (*Log).DeleteRecordsBefore
	_ func(*Log, int32, int64) error                             = (*Log).AssignLeaderEpoch
	_ func(*Log, int32) (int32, int64)                           = (*Log).EndOffsetForEpoch
	_ func(*Log) (int32, bool)                                   = (*Log).LatestEpoch
	_ func(*Log) error                                           = (*Log).Flush
	_ func(*Log) int64                                           = (*Log).Size
	_ func(ReadResult) int32                                     = ReadResult.Size
	_ func(ReadResult, []byte) ([]byte, error)                   = ReadResult.AppendTo
	_ func(ReadResult, io.Writer) (int64, error)                 = ReadResult.WriteTo
	_ func(ReadResult)                                           = ReadResult.Release
	_                                                            = []error{ErrOffsetOutOfRange, ErrCorruptBatch, ErrMessageTooLarge, ErrInvalidTimestamp, ErrRecordBatchTooLarge, ErrLogDirOffline, ErrClosed, ErrInconsistentClusterID, ErrInconsistentBrokerID}
)

var _ = AppendResult{FirstOffset: 0, LastOffset: 0, LogEndOffset: 0, LogAppendTime: -1, MaxTimestamp: 0, OffsetOfMaxTimestamp: 0, LogStartOffset: 0}
