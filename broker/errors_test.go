package broker

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/samsa-broker/samsa/coordinator"
	"github.com/samsa-broker/samsa/protocol"
	"github.com/samsa-broker/samsa/storage"
)

func TestErrorCode(t *testing.T) {
	tests := []struct {
		err  error
		want *kerr.Error
	}{
		{storage.ErrOffsetOutOfRange, kerr.OffsetOutOfRange},
		{fmt.Errorf("storage: log t-0: %w", storage.ErrCorruptBatch), kerr.CorruptMessage},
		{storage.ErrMessageTooLarge, kerr.MessageTooLarge},
		{storage.ErrInvalidTimestamp, kerr.InvalidTimestamp},
		{storage.ErrRecordBatchTooLarge, kerr.RecordListTooLarge},
		{storage.ErrLogDirOffline, kerr.KafkaStorageError},
		{storage.ErrClosed, kerr.NotLeaderForPartition},
		{protocol.ErrCorruptMessage, kerr.CorruptMessage},
		{fmt.Errorf("batch 2: %w", protocol.ErrUnsupportedCompression), kerr.UnsupportedCompressionType},
		{protocol.ErrInvalidRecord, kerr.InvalidRecord},
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
		{coordinator.ErrMarkedForDeletion, kerr.InvalidTopicException},
		{context.DeadlineExceeded, kerr.RequestTimedOut},
		{kerr.NotEnoughReplicas, kerr.NotEnoughReplicas},
		{newAPIError(kerr.InvalidConfig, "Unknown topic config name: x"), kerr.InvalidConfig},
		{fmt.Errorf("wrapped: %w", newAPIError(kerr.InvalidRequest, "m")), kerr.InvalidRequest},
		{errors.New("something else"), kerr.UnknownServerError},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			if got := errorCode(tt.err); got != tt.want.Code {
				t.Fatalf("errorCode = %d (%s), want %d (%s)", got, kerr.ErrorForCode(got), tt.want.Code, tt.want)
			}
		})
	}
	if errorCode(nil) != 0 || errorMessage(nil) != nil {
		t.Fatal("nil error must map to 0 and no message")
	}
	if m := errorMessage(newAPIError(kerr.InvalidConfig, "Unknown topic config name: x")); m == nil || *m != "Unknown topic config name: x" {
		t.Fatalf("api error message %v", m)
	}
}

// TestErrorTableDistinct: every domain error in the table is a distinct
// sentinel, so a lookup cannot be shadowed by an earlier row.
func TestErrorTableDistinct(t *testing.T) {
	for i, a := range errorCodes {
		for _, b := range errorCodes[i+1:] {
			if a.err == b.err {
				t.Errorf("%v listed twice", a.err)
			}
		}
	}
}
