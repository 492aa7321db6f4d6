package coordinator

import (
	"errors"
	"fmt"

	"github.com/go-zookeeper/zk"
)

// Sentinel errors. Callers test them with errors.Is; the broker maps them to
// Kafka error codes in one table. Messages of the admin errors are Kafka's own
// (kafka-topics --zookeeper prints them verbatim), so they are wrapped with
// kafkaError, which keeps the message and the sentinel.
var (
	// ErrNodeExists: a create found the znode already there (ZooKeeper NODEEXISTS).
	ErrNodeExists = errors.New("coordinator: znode already exists")
	// ErrNoNode: the znode (or a parent for create) is absent (ZooKeeper NONODE).
	ErrNoNode = errors.New("coordinator: znode does not exist")
	// ErrBadVersion: a conditional write lost a race (ZooKeeper BADVERSION).
	ErrBadVersion = errors.New("coordinator: znode version conflict")
	// ErrNotEmpty: delete of a znode that has children.
	ErrNotEmpty = errors.New("coordinator: znode has children")
	// ErrSessionExpired: the ZooKeeper session is gone with its ephemeral
	// znodes and watches; the node re-registers on the next session.
	ErrSessionExpired = errors.New("coordinator: zookeeper session expired")
	// ErrConnectionLoss: the request did not complete because the connection
	// dropped; its outcome is unknown. Retryable.
	ErrConnectionLoss = errors.New("coordinator: zookeeper connection lost")
	// ErrClosed: the ZK or Node was closed.
	ErrClosed = errors.New("coordinator: closed")

	// ErrNotController: the operation must run on the active controller.
	ErrNotController = errors.New("coordinator: this broker is not the controller")
	// ErrControllerMoved: a fenced write failed because another controller
	// took over (the /controller_epoch check failed).
	ErrControllerMoved = errors.New("coordinator: controller moved")
	// ErrBrokerIDInUse: /brokers/ids/<id> is held by another live session.
	ErrBrokerIDInUse = errors.New("coordinator: broker id already registered")
	// ErrEndpointInUse: another registered broker advertises one of our
	// host:port endpoints.
	ErrEndpointInUse = errors.New("coordinator: advertised endpoint already registered")
	// ErrBrokerNotAvailable: a controlled shutdown request from a broker the
	// controller does not know as live.
	ErrBrokerNotAvailable = errors.New("coordinator: broker not available")
	// ErrStaleBrokerEpoch: a ControlledShutdown carried an old broker epoch.
	ErrStaleBrokerEpoch = errors.New("coordinator: stale broker epoch")

	ErrTopicExists              = errors.New("coordinator: topic already exists")
	ErrInvalidTopic             = errors.New("coordinator: invalid topic")
	ErrInvalidReplicationFactor = errors.New("coordinator: invalid replication factor")
	ErrInvalidPartitions        = errors.New("coordinator: invalid partitions")
	ErrInvalidReplicaAssignment = errors.New("coordinator: invalid replica assignment")
	ErrTopicNotFound            = errors.New("coordinator: topic does not exist")
	ErrMarkedForDeletion        = errors.New("coordinator: topic is marked for deletion")
	// ErrReassignmentInProgress: partitions cannot be added to a topic
	// while one of its partitions is being reassigned.
	ErrReassignmentInProgress = errors.New("coordinator: partition reassignment in progress")
)

// kafkaError carries Kafka's exact message while matching a sentinel.
type kafkaError struct {
	msg       string
	sentinels []error
}

func (e *kafkaError) Error() string   { return e.msg }
func (e *kafkaError) Unwrap() []error { return e.sentinels }

func kafkaErrorf(sentinel error, format string, args ...any) error {
	return &kafkaError{msg: fmt.Sprintf(format, args...), sentinels: []error{sentinel}}
}

// mapZKError turns go-zookeeper's errors into our sentinels. go-zookeeper
// compares its errors with ==, so this is the one place that does too.
func mapZKError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, zk.ErrNodeExists):
		return ErrNodeExists
	case errors.Is(err, zk.ErrNoNode):
		return ErrNoNode
	case errors.Is(err, zk.ErrBadVersion):
		return ErrBadVersion
	case errors.Is(err, zk.ErrNotEmpty):
		return ErrNotEmpty
	case errors.Is(err, zk.ErrSessionExpired):
		return ErrSessionExpired
	case errors.Is(err, zk.ErrConnectionClosed), errors.Is(err, zk.ErrNoServer):
		return ErrConnectionLoss
	case errors.Is(err, zk.ErrClosing):
		return ErrClosed
	}
	return err
}
