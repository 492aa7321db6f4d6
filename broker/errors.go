package broker

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

// errorCodes is the one table from domain errors to Kafka error codes.
// Lookups use errors.Is, in table order, so wrapped errors map too.
// Anything not listed is UNKNOWN_SERVER_ERROR, which clients do not retry:
// a new domain error must be added here deliberately.
var errorCodes = []struct {
	err  error
	code *kerr.Error
}{
	// storage
	{storage.ErrOffsetOutOfRange, kerr.OffsetOutOfRange},
	{storage.ErrCorruptBatch, kerr.CorruptMessage},
	{storage.ErrMessageTooLarge, kerr.MessageTooLarge},
	{storage.ErrInvalidTimestamp, kerr.InvalidTimestamp},
	{storage.ErrRecordBatchTooLarge, kerr.RecordListTooLarge},
	{storage.ErrLogDirOffline, kerr.KafkaStorageError},
	// A closed log was stopped or deleted under the request: the client
	// should refresh metadata and retry against the new leader.
	{storage.ErrClosed, kerr.NotLeaderForPartition},

	// protocol (record batch validation)
	{protocol.ErrCorruptMessage, kerr.CorruptMessage},
	{protocol.ErrUnsupportedCompression, kerr.UnsupportedCompressionType},
	{protocol.ErrInvalidRecord, kerr.InvalidRecord},

	// coordinator (admin paths)
	{coordinator.ErrNotController, kerr.NotController},
	{coordinator.ErrControllerMoved, kerr.NotController},
	{coordinator.ErrStaleBrokerEpoch, kerr.StaleBrokerEpoch},
	{coordinator.ErrBrokerNotAvailable, kerr.BrokerNotAvailable},
	{coordinator.ErrTopicExists, kerr.TopicAlreadyExists},
	{coordinator.ErrInvalidTopic, kerr.InvalidTopicException},
	{coordinator.ErrInvalidReplicationFactor, kerr.InvalidReplicationFactor},
	{coordinator.ErrInvalidPartitions, kerr.InvalidPartitions},
	{coordinator.ErrInvalidReplicaAssignment, kerr.InvalidReplicaAssignment},
	{coordinator.ErrTopicNotFound, kerr.UnknownTopicOrPartition},
	// Kafka's AdminManager answers "The topic x is queued for deletion."
	// with InvalidTopicException.
	{coordinator.ErrMarkedForDeletion, kerr.InvalidTopicException},
	// controller admin APIs (ElectLeaders, partition reassignments)
	{coordinator.ErrElectionNotNeeded, kerr.ElectionNotNeeded},
	{coordinator.ErrPreferredLeaderNotAvailable, kerr.PreferredLeaderNotAvailable},
	{coordinator.ErrEligibleLeadersNotAvailable, kerr.EligibleLeadersNotAvailable},
	{coordinator.ErrNoReassignmentInProgress, kerr.NoReassignmentInProgress},
	{coordinator.ErrReassignmentInProgress, kerr.ReassignmentInProgress},

	// request deadlines
	{context.DeadlineExceeded, kerr.RequestTimedOut},
}

// errorCode maps err to a Kafka error code: 0 for nil.
func errorCode(err error) int16 {
	if err == nil {
		return 0
	}
	return errorFor(err).Code
}

// errorFor maps a non-nil err to its kerr.Error.
func errorFor(err error) *kerr.Error {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	return kerr.UnknownServerError
}

// errorMessage is the error_message of responses that carry one: nil for
// success, else the error text.
func errorMessage(err error) *string {
	if err == nil {
		return nil
	}
	s := err.Error()
	return &s
}

// apiError is an error whose message is sent to the client as is, with the
// Kafka code chosen at the call site (Kafka's ApiException messages).
type apiError struct {
	code *kerr.Error
	msg  string
}

func (e *apiError) Error() string { return e.msg }
func (e *apiError) Unwrap() error { return e.code }

func newAPIError(code *kerr.Error, msg string) error { return &apiError{code: code, msg: msg} }
