package broker

// OffsetForLeaderEpoch, versions 0-3 (Kafka 2.4.1: 0-3).
//
// The leader answers the end offset of the requested epoch from its
// leader-epoch cache (the start of the next larger epoch, or the log end
// for the latest one; -1/-1 when unknown), as Partition.lastOffsetForLeaderEpoch
// does: followers use it to truncate (KIP-101/279), 2.x consumers to
// validate their position after a leader change (KIP-320). Only the
// leader answers, except for Kafka's debugging replica id -2; v2+ checks
// current_leader_epoch (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-broker/samsa/storage"
)

func (s *Server) handleOffsetForLeaderEpoch(_ context.Context, _ *conn, req *kmsg.OffsetForLeaderEpochRequest) (kmsg.Response, error) {
	resp := req.ResponseKind().(*kmsg.OffsetForLeaderEpochResponse)
	replicaID := int32(-1)
	if req.Version >= 3 {
		replicaID = req.ReplicaID
	}
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetForLeaderEpochResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			rp.Partition, rp.LeaderEpoch, rp.EndOffset = p.Partition, -1, -1
			rp.ErrorCode = s.endOffsetForEpoch(storage.TopicPartition{Topic: t.Topic, Partition: p.Partition}, p, replicaID, req.Version, &rp)
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

func (s *Server) endOffsetForEpoch(tp storage.TopicPartition, p kmsg.OffsetForLeaderEpochRequestTopicPartition, replicaID int32, version int16, rp *kmsg.OffsetForLeaderEpochResponseTopicPartition) int16 {
	if s.parts.isOffline(tp) {
		return kerr.KafkaStorageError.Code
	}
	part, ok := s.parts.get(tp)
	if !ok {
		if _, known := s.meta.partition(tp); known {
			return kerr.NotLeaderForPartition.Code
		}
		return kerr.UnknownTopicOrPartition.Code
	}
	snap := part.snapshot()
	if !snap.isLeader && replicaID != -2 {
		return kerr.NotLeaderForPartition.Code
	}
	if version >= 2 && p.CurrentLeaderEpoch != -1 {
		switch {
		case p.CurrentLeaderEpoch < snap.leaderEpoch:
			return kerr.FencedLeaderEpoch.Code
		case p.CurrentLeaderEpoch > snap.leaderEpoch:
			return kerr.UnknownLeaderEpoch.Code
		}
	}
	rp.LeaderEpoch, rp.EndOffset = part.log.EndOffsetForEpoch(p.LeaderEpoch)
	return 0
}
