package broker

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/storage"
)

// Deps are the broker's collaborators, each a narrow interface declared
// here, where it is used. cmd wires the concrete types:
//
//	Deps{
//		Node:      node,                       // *coordinator.Node
//		Admin:     node.ZK(),                  // *coordinator.ZK
//		Logs:      broker.StorageLogs(manager), // *storage.Manager, adapted
//		Transport: pool,                       // *protocol.Pool
//	}
//
// Logs needs the small adapter StorageLogs because Go has no covariant
// return types: *storage.Manager returns *storage.Log and storage.ReadResult,
// which the broker consumes through the PartitionLog and Records interfaces
// so that tests can use in-memory fakes.
type Deps struct {
	Node      Node
	Admin     Admin
	Logs      Logs
	Transport Transport // for the replica fetcher; may be nil until replication is wired

	// Now is the clock of append times and replica assignment seeds; nil =
	// time.Now. Network and purgatory deadlines always use the real clock.
	Now func() time.Time
}

// Node is this broker's membership in the cluster (*coordinator.Node).
type Node interface {
	// Prepare creates the persistent paths and returns the cluster id,
	// creating /cluster/id when absent.
	Prepare(ctx context.Context) (clusterID string, err error)
	// Register creates /brokers/ids/<id> and returns the broker epoch
	// (the znode's czxid); it then runs for controller.
	Register(ctx context.Context) (brokerEpoch int64, err error)
	BrokerEpoch() int64
	IsController() bool
	// ControlledShutdown asks the controller to move leadership away.
	ControlledShutdown(ctx context.Context) error
	// HandleControlledShutdown is the controller's side of another
	// broker's ControlledShutdown: the partitions it still leads.
	HandleControlledShutdown(ctx context.Context, brokerID int32, brokerEpoch int64) ([]coordinator.TopicPartition, error)
	// ElectLeaders runs an admin election on the controller (nil
	// partitions: all); ErrNotController on any other broker.
	ElectLeaders(ctx context.Context, typ coordinator.ElectionType, tps []coordinator.TopicPartition) ([]coordinator.ElectionResult, error)
	// AlterPartitionReassignments starts, changes or cancels (nil
	// replicas) reassignments on the controller.
	AlterPartitionReassignments(ctx context.Context, reqs []coordinator.ReassignmentRequest) ([]coordinator.ReassignmentResult, error)
	// ListPartitionReassignments lists the reassignments in progress among
	// tps (nil: all) on the controller.
	ListPartitionReassignments(ctx context.Context, tps []coordinator.TopicPartition) ([]coordinator.PartitionReassignment, error)
	// NewProducerIDBlock claims the next block of producer ids
	// [start, end], inclusive.
	NewProducerIDBlock(ctx context.Context) (start, end int64, err error)
	// UpdateLeaderAndISR is the leader's compare-and-set of a partition's
	// state znode; it returns the znode's new version.
	UpdateLeaderAndISR(ctx context.Context, tp coordinator.TopicPartition, s coordinator.PartitionState) (newZkVersion int32, err error)
	// NotifyISRChange queues isr_change_ notifications for the controller.
	NotifyISRChange(tps ...coordinator.TopicPartition)
	// Close deregisters and resigns.
	Close() error
}

// Admin is the part of AdminZkClient the broker's admin APIs use
// (*coordinator.ZK).
type Admin interface {
	CreateTopic(ctx context.Context, topic string, assignment map[int32][]int32, config map[string]string) error
	AddPartitions(ctx context.Context, topic string, assignment map[int32][]int32) error
	TopicAssignment(ctx context.Context, topic string) (map[int32][]int32, error)
	// TopicBeingReassigned fails with coordinator.ErrReassignmentInProgress
	// while a partition of the topic is being reassigned.
	TopicBeingReassigned(ctx context.Context, topic string) error
	TopicConfig(ctx context.Context, topic string) (map[string]string, error)
	MarkTopicForDeletion(ctx context.Context, topic string) error
}

// Transport sends one request to another broker (*protocol.Pool); the
// replica fetcher will use it.
type Transport interface {
	RoundTrip(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, error)
}

// Logs is the log manager over log.dirs (*storage.Manager through StorageLogs).
type Logs interface {
	Meta() (clusterID string, brokerID int32, found bool, err error)
	WriteMeta(clusterID string, brokerID int32) error
	GetOrCreate(tp storage.TopicPartition, cfg storage.LogConfig) (PartitionLog, error)
	Get(tp storage.TopicPartition) (PartitionLog, bool)
	Delete(tp storage.TopicPartition) error
	HighWatermarks() map[storage.TopicPartition]int64
	CheckpointHighWatermarks(hw map[storage.TopicPartition]int64) error
	Close() error
}

// PartitionLog is one partition's log (*storage.Log through StorageLogs).
type PartitionLog interface {
	Config() storage.LogConfig
	SetConfig(storage.LogConfig)
	Append(batches []byte, leaderEpoch int32, now time.Time) (storage.AppendResult, error)
	AppendAsFollower(batches []byte) (storage.AppendResult, error)
	// Read returns whole batches from offset, below maxOffset.
	Read(offset, maxOffset int64, maxBytes int32, minOneBatch bool) (Records, error)
	LogStartOffset() int64
	LogEndOffset() int64
	SetHighWatermark(hw int64)
	OffsetForTimestamp(ts int64) (offset, timestamp int64, found bool, err error)
	Truncate(offset int64) error
	TruncateFully(newStart int64) error
	DeleteRecordsBefore(offset int64) (newLogStart int64, err error)
	AssignLeaderEpoch(epoch int32, startOffset int64) error
	EndOffsetForEpoch(epoch int32) (int32, int64)
	LatestEpoch() (int32, bool)
}

// Records are batches read from a log, valid until Release
// (storage.ReadResult satisfies it).
type Records interface {
	Size() int32
	AppendTo(dst []byte) ([]byte, error)
	WriteTo(w io.Writer) (int64, error)
	Release()
}

// validate reports the missing dependencies.
func (d Deps) validate() error {
	var errs []error
	if d.Node == nil {
		errs = append(errs, errors.New("broker: Deps.Node is nil"))
	}
	if d.Admin == nil {
		errs = append(errs, errors.New("broker: Deps.Admin is nil"))
	}
	if d.Logs == nil {
		errs = append(errs, errors.New("broker: Deps.Logs is nil"))
	}
	return errors.Join(errs...)
}
