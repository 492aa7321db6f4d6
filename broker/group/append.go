package group

import (
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
)

type appendKind uint8

const (
	appendSyncGroup    appendKind = iota + 1 // the leader's assignment
	appendEmptyGroup                         // a group that became Empty
	appendOffsetCommit                       // an OffsetCommit
)

// pendingAppend is what to do when an Append's AppendDone arrives.
type pendingAppend struct {
	kind       appendKind
	g          *group
	generation int32
	assignment map[string][]byte
	commit     *pendingCommit
}

// storeGroup is GroupMetadataManager.storeGroup: append the group's metadata record.
func (s *Shard) storeGroup(g *group, assignment map[string][]byte, pa pendingAppend) {
	rec := Record{Key: EncodeGroupKey(g.id), Value: EncodeGroupValue(g.groupValue(assignment))}
	s.append(-1, []Record{rec}, pa)
}

// AppendDone reports the outcome of an Append with acks -1. err is nil on success, else a
// *kerr.Error naming the produce error (NOT_LEADER_FOR_PARTITION, NOT_ENOUGH_REPLICAS,
// REQUEST_TIMED_OUT, ...); any other error counts as UNKNOWN_SERVER_ERROR.
func (s *Shard) AppendDone(now time.Time, id uint64, err error) Effects {
	s.begin(now)
	pa, ok := s.appends[id]
	if !ok || s.status != shardActive {
		return s.end()
	}
	delete(s.appends, id)
	code := int16(0)
	if err != nil {
		code = kerr.UnknownServerError.Code
		var ke *kerr.Error
		if errors.As(err, &ke) {
			code = ke.Code
		}
	}
	switch pa.kind {
	case appendSyncGroup:
		s.syncStored(pa, groupAppendError(code))
	case appendEmptyGroup:
		if code != 0 {
			// The previous generation stays in the log; it has no live members, so it is
			// safe, as in Kafka which only warns.
			s.log.WithField("group", pa.g.id).Warnf("Failed to write empty metadata for group %s: %s",
				pa.g.id, kerr.ErrorForCode(code))
		}
	case appendOffsetCommit:
		s.commitStored(pa, code)
	}
	return s.end()
}

// groupAppendError maps a produce error of a group metadata append to the SyncGroup error
// (storeGroup's putCacheCallback).
func groupAppendError(code int16) int16 {
	switch code {
	case 0:
		return 0
	case kerr.UnknownTopicOrPartition.Code, kerr.NotEnoughReplicas.Code, kerr.NotEnoughReplicasAfterAppend.Code:
		return kerr.CoordinatorNotAvailable.Code
	case kerr.NotLeaderForPartition.Code, kerr.KafkaStorageError.Code:
		return kerr.NotCoordinator.Code
	case kerr.RequestTimedOut.Code:
		return kerr.RebalanceInProgress.Code
	case kerr.MessageTooLarge.Code, kerr.RecordListTooLarge.Code, kerr.InvalidFetchSize.Code:
		return kerr.UnknownServerError.Code
	}
	return code
}

// offsetAppendError maps a produce error of an offset commit append to the commit error.
func offsetAppendError(code int16) int16 {
	switch code {
	case kerr.UnknownTopicOrPartition.Code, kerr.NotEnoughReplicas.Code, kerr.NotEnoughReplicasAfterAppend.Code:
		return kerr.CoordinatorNotAvailable.Code
	case kerr.NotLeaderForPartition.Code, kerr.KafkaStorageError.Code:
		return kerr.NotCoordinator.Code
	case kerr.MessageTooLarge.Code, kerr.RecordListTooLarge.Code, kerr.InvalidFetchSize.Code:
		return kerr.InvalidCommitOffsetSize.Code
	}
	return code
}
